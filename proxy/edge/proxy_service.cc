#include "proxy/edge/proxy_service.h"

#include <memory>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "grpcpp/support/proto_buffer_writer.h"
#include "grpcpp/support/time.h"
#include "proxy/edge/exchange.h"
#include "proxy/edge/grpc_status.h"
#include "proxy/edge/reply_metadata.h"
#include "proxy/edge/trace_context.h"

namespace gateway_proxy {
namespace {

Metadata CallerMetadata(const grpc::CallbackServerContext& context) {
  Metadata metadata;
  for (const auto& [key, value] : context.client_metadata()) {
    metadata.emplace_back(std::string(key.data(), key.size()),
                          std::string(value.data(), value.size()));
  }
  return metadata;
}

// The caller's user-agent metadata ("" without one).
template <typename Context>
std::string CallerUserAgent(const Context& context) {
  const auto it = context.client_metadata().find("user-agent");
  if (it == context.client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

absl::Time CallDeadline(const grpc::CallbackServerContext& context,
                        absl::Duration fallback) {
  const auto deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) {
    return absl::Now() + fallback;
  }
  return absl::FromChrono(deadline);
}

}  // namespace

// What a call the service does not take on gets, or nullopt.
std::optional<grpc::Status> ProxyService::Refusal(Admission admission) const {
  switch (admission) {
    case Admission::kDraining:
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "gateway-proxy is shutting down; retry the call");
    case Admission::kOverloaded:
      return grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat("gateway-proxy already has ", options_.max_inflight,
                       " calls in flight (--max_inflight); retry later"));
    case Admission::kAdmitted:
      break;
  }
  return std::nullopt;
}

// One call of a routed method (registered by RouteService as a unary method:
// its request arrives with the call, its reply and status leave in one
// batch), from the request bytes to Finish(). Deletes itself in OnDone().
class ProxyService::Call final : public grpc::ServerUnaryReactor {
 public:
  Call(ProxyService& service, grpc::CallbackServerContext* context, const Route& route,
       const grpc::ByteBuffer& request, grpc::ByteBuffer* response, Admission admission)
      : service_(service),
        context_(context),
        response_(response),
        route_(&route),
        started_(absl::Now()) {
    record_.grpc_method = route.grpc_method;
    record_.request_bytes = static_cast<int64_t>(request.Length());
    if (service_.options_.observer != nullptr) {
      // Only observers read these.
      record_.peer = context->peer();
      record_.user_agent = CallerUserAgent(*context);
      service_.options_.observer->OnCallStarted(record_.grpc_method);
    }
    if (std::optional<grpc::Status> refusal = service_.Refusal(admission)) {
      FinishCall(*refusal);
      return;
    }
    request_bytes_ = request;  // Shares the slices; no bytes are copied.
    Process();
  }

 private:
  // The request message has arrived: transcode it and start the transfer.
  void Process() {
    absl::StatusOr<HttpRequest> request = BuildRequest();
    if (!request.ok()) {
      for (const auto& [key, value] : ReplyMetadata(HttpResponse(), caller_request_id_)) {
        context_->AddInitialMetadata(key, value);
      }
      FinishCall(ToGrpcStatus(request.status()));
      return;
    }
    upstream_started_ = absl::Now();
    bool cancelled;
    {
      // Held across Start() so that OnCancel() sees the id once a transfer
      // exists; OnUpstreamDone() waits for it before finishing the call.
      absl::MutexLock lock(&mu_);
      cancelled = cancelled_;
      if (!cancelled) {
        // Only a call that hands its request to the client reports a method
        // (the access log's http_method, the upstream metrics).
        record_.http_method = request->method;
        call_id_ = service_.ClientFor(*route_)->Start(
            *std::move(request), CallDeadline(*context_, service_.options_.upstream_timeout),
            [this](absl::StatusOr<HttpResponse> response) {
              OnUpstreamDone(std::move(response));
            });
      }
    }
    if (cancelled) {
      // OnCancel() ran first: no transfer to start, and Finish() is owed.
      FinishCall(grpc::Status(grpc::StatusCode::CANCELLED, "the call was cancelled"));
    }
  }


 public:
  void OnCancel() override {
    std::optional<HttpClient::CallId> id;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      id = call_id_;
    }
    // The transfer's callback then finishes the call with CANCELLED.
    if (id.has_value()) service_.ClientFor(*route_)->Cancel(*id);
  }

  void OnDone() override {
    ProxyService& service = service_;
    delete this;
    service.ReleaseCall();
  }

  // OnCancel() and OnDone() only take a lock held for a few instructions,
  // wake the upstream loop and free memory: gRPC may run them on the thread
  // that completes the call (the upstream loop's, which finishes it) rather
  // than hand each call to its executor thread and wake that thread.
  // gRPC's own finish-only reactor says the same of itself.
  bool InternalInlineable() override { return true; }

 private:
  absl::StatusOr<HttpRequest> BuildRequest() {
    const std::string& type = route_->request_prototype->GetDescriptor()->full_name();
    request_.reset(route_->request_prototype->New());
    grpc::ProtoBufferReader reader(&request_bytes_);
    if (!request_->ParseFromZeroCopyStream(&reader)) {
      return absl::InvalidArgumentError(
          absl::StrCat("the request message does not parse as ", type));
    }
    const Metadata metadata = CallerMetadata(*context_);
    for (const auto& [key, value] : metadata) {
      if (key == "x-request-id") caller_request_id_ = value;
    }
    // One generator per gRPC thread: span-ids need no lock.
    thread_local absl::BitGen bitgen;
    UpstreamTrace trace = TraceForUpstream(metadata, service_.options_.trace_sampling, bitgen);
    if (trace.span.has_value()) {
      record_.trace_id = trace.span->trace_id;
      record_.span_id = trace.span->span_id;
    }
    const std::string file_key =
        service_.api_key_file_ != nullptr ? service_.api_key_file_->Current() : "";
    absl::StatusOr<PreparedRequest> prepared = PrepareRequest(
        *route_, *request_, metadata, file_key, service_.options_.forward_metadata);
    if (!prepared.ok()) return prepared.status();
    injected_key_ = std::move(prepared->injected_key);
    // The trace headers are the proxy's alone (--forward_metadata cannot
    // name them).
    for (auto& header : trace.headers) prepared->http.headers.push_back(std::move(header));
    return std::move(prepared->http);
  }

  // Runs on the HTTP client's thread.
  void OnUpstreamDone(absl::StatusOr<HttpResponse> response) {
    // Wait until Process() has left its critical section: Finish() may lead
    // to OnDone() and `delete this`.
    { absl::MutexLock lock(&mu_); }
    record_.upstream_latency = absl::Now() - upstream_started_;
    if (response.ok() &&
        response->body.size() >= service_.options_.large_response_bytes) {
      // Tens of milliseconds of JSON for a large body: not on the upstream
      // loop, where every other call's response waits behind it.
      service_.large_responses_.Run([this, response = std::move(response)]() mutable {
        Answer(std::move(response));
      });
      return;
    }
    Answer(std::move(response));
  }

  // Turns the upstream's answer into the call's reply or status and
  // finishes the call.
  void Answer(absl::StatusOr<HttpResponse> response) {
    if (response.ok()) {
      record_.upstream_status = response->status;
      record_.retries = response->retries;
    } else {
      TransferFailure failure = TransferFailureOf(response.status());
      record_.upstream_error = std::move(failure.upstream_error);
      record_.retries = failure.retries;
    }
    UpstreamAnswer answer = AnswerFromUpstream(*route_, std::move(response), injected_key_,
                                               caller_request_id_, absl::Now());
    for (const auto& [key, value] : answer.metadata) context_->AddInitialMetadata(key, value);
    if (!answer.status.ok()) {
      FinishCall(ToGrpcStatus(answer.status));
      return;
    }
    const size_t reply_bytes = answer.reply->ByteSizeLong();
    grpc::ProtoBufferWriter writer(response_, grpc::kProtoBufferWriterMaxBufferLength,
                                   static_cast<int>(reply_bytes));
    if (!answer.reply->SerializeToZeroCopyStream(&writer)) {
      FinishCall(grpc::Status(grpc::StatusCode::INTERNAL, "cannot serialize the reply"));
      return;
    }
    record_.response_bytes = static_cast<int64_t>(reply_bytes);
    FinishCall(grpc::Status::OK);  // With *response_ as the reply.
  }

  // True once the call's deadline has passed, or nearly: the client has
  // DEADLINE_EXCEEDED then, not CANCELLED. The server's deadline is the
  // client's timeout counted from when the server read the call's headers,
  // so it falls later than the client's own by the time the headers took to
  // arrive and be read; the client's cancel (RST_STREAM) at its deadline
  // then reaches OnCancel before the server's. kDeadlineSlack covers that
  // gap, also on a busy machine.
  bool DeadlinePassed() const {
    static constexpr absl::Duration kDeadlineSlack = absl::Milliseconds(50);
    const auto deadline = context_->deadline();
    return deadline != std::chrono::system_clock::time_point::max() &&
           absl::FromChrono(deadline) <= absl::Now() + kDeadlineSlack;
  }

  void Record(const grpc::Status& status) {
    if (service_.options_.observer == nullptr) return;
    record_.code = static_cast<absl::StatusCode>(status.error_code());
    // What the client got: a call cut off by its deadline is logged and
    // counted as DEADLINE_EXCEEDED.
    record_.error = status.error_message();
    if (record_.code == absl::StatusCode::kCancelled && DeadlinePassed()) {
      record_.code = absl::StatusCode::kDeadlineExceeded;
      record_.error = "Deadline Exceeded";  // As gRPC gives it to the client.
    }
    record_.latency = absl::Now() - started_;
    record_.request_id = caller_request_id_;
    service_.options_.observer->OnCallFinished(record_);
  }

  // Every call ends here.
  void FinishCall(const grpc::Status& status) {
    Record(status);
    Finish(status);
  }

  ProxyService& service_;
  grpc::CallbackServerContext* const context_;
  grpc::ByteBuffer* const response_;  // Where the reply goes.
  const Route* const route_;
  grpc::ByteBuffer request_bytes_;
  std::unique_ptr<google::protobuf::Message> request_;
  std::string caller_request_id_;
  // The --api_key_file key when the proxy added it to this call (the caller
  // sent none); redacted from everything the call returns.
  std::string injected_key_;
  const absl::Time started_;
  absl::Time upstream_started_;
  CallRecord record_;

  absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<HttpClient::CallId> call_id_ ABSL_GUARDED_BY(mu_);
};

// A call to the generic service, which gets every method RouteService did
// not register: refused, or UNIMPLEMENTED. Deletes itself in OnDone().
class ProxyService::UnroutedCall final : public grpc::ServerGenericBidiReactor {
 public:
  UnroutedCall(ProxyService& service, grpc::GenericCallbackServerContext* context,
               Admission admission)
      : service_(service) {
    CallRecord record;
    record.grpc_method = context->method();
    record.peer = context->peer();
    record.user_agent = CallerUserAgent(*context);
    const absl::Time started = absl::Now();
    CallObserver* const observer = service_.options_.observer;
    if (observer != nullptr) observer->OnCallStarted(record.grpc_method);
    const grpc::Status status = service_.Refusal(admission).value_or(grpc::Status(
        grpc::StatusCode::UNIMPLEMENTED,
        absl::StrCat("method ", record.grpc_method, " is not served by gateway-proxy")));
    if (observer != nullptr) {
      record.code = static_cast<absl::StatusCode>(status.error_code());
      record.error = status.error_message();
      record.latency = absl::Now() - started;
      observer->OnCallFinished(record);
    }
    Finish(status);
  }

  void OnDone() override {
    ProxyService& service = service_;
    delete this;
    service.ReleaseCall();
  }

 private:
  ProxyService& service_;
};

ProxyService::ProxyService(std::shared_ptr<const RouteTable> routes,
                           HttpClient* http_client, ApiKeyFile* api_key_file,
                           Options options)
    : routes_(std::move(routes)),
      http_client_(http_client),
      api_key_file_(api_key_file),
      options_(std::move(options)) {}

HttpClient* ProxyService::ClientFor(const Route& route) const {
  if (!options_.service_clients.empty() && route.method != nullptr) {
    const auto it = options_.service_clients.find(route.method->service()->full_name());
    if (it != options_.service_clients.end()) return it->second;
  }
  return http_client_;
}

ProxyService::Admission ProxyService::TakeCall() {
  absl::MutexLock lock(&mu_);
  // Counted either way: OnDone() of every call gives it back.
  ++in_flight_;
  if (draining_) return Admission::kDraining;
  if (in_flight_ > options_.max_inflight) return Admission::kOverloaded;
  return Admission::kAdmitted;
}

void ProxyService::ReleaseCall() {
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

grpc::ServerGenericBidiReactor* ProxyService::CreateReactor(
    grpc::GenericCallbackServerContext* context) {
  return new UnroutedCall(*this, context, TakeCall());
}

grpc::ServerUnaryReactor* ProxyService::HandleUnary(grpc::CallbackServerContext* context,
                                                    const Route& route,
                                                    const grpc::ByteBuffer& request,
                                                    grpc::ByteBuffer* response) {
  return new Call(*this, context, route, request, response, TakeCall());
}

void ProxyService::StartDraining() {
  absl::MutexLock lock(&mu_);
  draining_ = true;
}

bool ProxyService::WaitUntilIdle(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return in_flight_ == 0; };
  return mu_.AwaitWithTimeout(absl::Condition(&idle), timeout);
}

}  // namespace gateway_proxy

