// What the proxy tells the outside world about each call: metrics and access
// logs plug in here, so proxy_service.cc knows nothing of either.
//
//   class Counter : public CallObserver { ... };
//   ProxyService::Options options;
//   options.observer = &counter;  // OnCallStarted / OnCallFinished per RPC
//
// Callbacks run on gRPC or HTTP-client threads, concurrently for different
// calls: implementations must be thread-safe and must not block.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace gateway_proxy {

// One finished call.
struct CallRecord {
  std::string grpc_method;   // "/gateway.Gateway/UpdateUser"
  absl::StatusCode code = absl::StatusCode::kOk;
  std::string http_method;   // "PATCH"; empty when nothing was sent.
  int upstream_status = 0;   // HTTP status; 0 when no response came back.
  absl::Duration latency;            // From the call's arrival to Finish().
  absl::Duration upstream_latency;   // The REST exchange alone; 0 if none.
  std::string request_id;    // The caller's x-request-id, if any.
  std::string error;         // The status message the caller got; "" on OK.
  // Why the transfer failed (upstream_error token, http_client.h); "" when
  // it did not, or never started.
  std::string upstream_error;
  int retries = 0;             // The proxy's own retries of the transfer.
  int64_t request_bytes = 0;   // The gRPC request message's size.
  int64_t response_bytes = 0;  // The gRPC reply message's size; 0 on error.
  std::string peer;            // The caller's address ("ipv4:127.0.0.1:5678").
  std::string user_agent;      // The caller's user-agent metadata.
  std::string trace_id;        // 32 hex digits; "" when the call is not traced.
  std::string span_id;         // The proxy's span, 16 hex digits; "" likewise.
};

class CallObserver {
 public:
  virtual ~CallObserver() = default;
  // A call arrived for `grpc_method` (served or not).
  virtual void OnCallStarted(absl::string_view grpc_method) = 0;
  // The call is about to finish; exactly once per OnCallStarted().
  virtual void OnCallFinished(const CallRecord& record) = 0;
};

// Tells every observer it holds, in order. Fill it before the first call.
class ObserverList final : public CallObserver {
 public:
  void Add(CallObserver* observer) { observers_.push_back(observer); }
  void OnCallStarted(absl::string_view grpc_method) override {
    for (CallObserver* o : observers_) o->OnCallStarted(grpc_method);
  }
  void OnCallFinished(const CallRecord& record) override {
    for (CallObserver* o : observers_) o->OnCallFinished(record);
  }

 private:
  std::vector<CallObserver*> observers_;
};

}  // namespace gateway_proxy
