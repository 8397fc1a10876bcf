// The gRPC side: turns each call of a routed method into one upstream REST
// request. Routed methods arrive through HandleUnary() (registered by
// RouteService); every other method reaches this generic callback service,
// which answers UNIMPLEMENTED.
//
// Per call, without blocking a gRPC thread:
//   read the request bytes -> parse into the route's request type ->
//   choose the credential -> TranscodeRequest() -> HttpClient::Start() ...
//   ... on the client's thread: 2xx -> ParseReplyJson() -> reply;
//   otherwise StatusFromUpstreamError() -> ToGrpcStatus().
// A client cancel aborts the upstream transfer; the client's deadline is the
// transfer's (or --upstream_timeout when the client sets none).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/generic/async_generic_service.h"
#include "proxy/core/defaults.h"
#include "proxy/core/route_table.h"
#include "proxy/edge/credentials.h"
#include "proxy/edge/work_queue.h"
#include "proxy/observability/call_observer.h"
#include "proxy/upstream/http_client.h"

namespace gateway_proxy {

class ProxyService final : public grpc::CallbackGenericService {
 public:
  struct Options {
    // Deadline for calls whose client set none.
    absl::Duration upstream_timeout = kDefaultUpstreamTimeout;
    // Caller metadata forwarded as HTTP headers (lower-case names); never
    // traceparent or tracestate, which the proxy sets (trace_context.h).
    std::vector<std::string> forward_metadata = DefaultForwardMetadata();
    // Probability (0..1) that a call without a valid caller traceparent
    // starts a trace of its own.
    double trace_sampling = 0;
    // Told of every call; null for none. Must outlive the service.
    CallObserver* observer = nullptr;
    // Calls in flight at once; beyond it, RESOURCE_EXHAUSTED.
    int max_inflight = kDefaultMaxInflight;
    // Upstream responses of this size or more are turned into replies on
    // low-priority threads of their own (work_queue.h), not on the upstream
    // loop, so that they do not hold up small calls.
    size_t large_response_bytes = 64 << 10;
    // Service full name -> the client its calls go to instead of
    // `http_client` (--service_upstream); each must outlive the service.
    std::map<std::string, HttpClient*> service_clients;
  };

  // `routes` and `http_client` must outlive the service; `api_key_file` may
  // be null (no fallback key).
  ProxyService(std::shared_ptr<const RouteTable> routes, HttpClient* http_client,
               ApiKeyFile* api_key_file, Options options);

  // A method without a RouteService registration: refused, UNIMPLEMENTED
  // for one without a route.
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override;

  // A call to `route`'s method, registered as a unary method by
  // RouteService: `request` is its message; the reply goes to `response`.
  grpc::ServerUnaryReactor* HandleUnary(grpc::CallbackServerContext* context,
                                        const Route& route, const grpc::ByteBuffer& request,
                                        grpc::ByteBuffer* response);

  // From now on new calls are refused with UNAVAILABLE (a client retries
  // them on another instance); calls already in flight carry on.
  void StartDraining();

  // Waits until no call is in flight, at most `timeout`; true if none is.
  bool WaitUntilIdle(absl::Duration timeout);

 private:
  // Whether the service takes a new call on.
  enum class Admission { kAdmitted, kDraining, kOverloaded };
  class Call;
  class UnroutedCall;

  // The client calls of `route` go to.
  HttpClient* ClientFor(const Route& route) const;
  // Counts a new call in flight, and says whether it may go on.
  Admission TakeCall();
  // The end of a call TakeCall() counted.
  void ReleaseCall();
  // The status a call not taken on gets; nullopt for an admitted one.
  std::optional<grpc::Status> Refusal(Admission admission) const;

  const std::shared_ptr<const RouteTable> routes_;
  HttpClient* const http_client_;
  ApiKeyFile* const api_key_file_;
  const Options options_;

  absl::Mutex mu_;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;

  // Where large responses are answered; destroyed first, running what is
  // queued.
  WorkQueue large_responses_{{.threads = 2, .nice = 10, .name = "large-replies"}};
};

}  // namespace gateway_proxy
