#include "proxy_service.h"

#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "grpcpp/support/proto_buffer_writer.h"
#include "grpcpp/support/time.h"
#include "reply_metadata.h"
#include "request_transcoder.h"
#include "response_translator.h"
#include "rpc_status.h"
#include "upstream_error.h"

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

absl::Time CallDeadline(const grpc::CallbackServerContext& context,
                        absl::Duration fallback) {
  const auto deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) {
    return absl::Now() + fallback;
  }
  return absl::FromChrono(deadline);
}

}  // namespace

// One RPC, from the request bytes to Finish(). Deletes itself in OnDone().
//
// Reactor is grpc::ServerUnaryReactor for a routed method, registered as a
// unary method (RouteService): the request arrives with the call, and the
// reply and status leave in one batch. It is grpc::ServerGenericBidiReactor
// for any other method, which reaches the generic service: it only ever
// answers (UNIMPLEMENTED, or a refusal), except for a routed method that
// arrives there anyway, which reads its one message first (GenericCall).
template <typename Reactor>
class ProxyService::Call : public Reactor {
 public:
  static constexpr bool kUnary = std::is_same_v<Reactor, grpc::ServerUnaryReactor>;

  // `response` is where a unary call's reply goes (null for the generic one).
  Call(ProxyService& service, grpc::CallbackServerContext* context, std::string method,
       grpc::ByteBuffer* response)
      : service_(service), context_(context), response_(response), started_(absl::Now()) {
    record_.grpc_method = std::move(method);
    if (service_.options_.observer != nullptr) {
      service_.options_.observer->OnCallStarted(record_.grpc_method);
    }
  }

  // Whether the call goes on to Process(); if not, it is finished already.
  bool Admit(Admission admission, const Route* route) {
    if (admission == Admission::kDraining) {
      FinishCall(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                              "gateway-proxy is shutting down; retry the call"));
      return false;
    }
    if (admission == Admission::kOverloaded) {
      FinishCall(grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat("gateway-proxy already has ", service_.options_.max_inflight,
                       " calls in flight (--max_inflight); retry later")));
      return false;
    }
    route_ = route;
    if (route_ == nullptr) {
      FinishCall(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                              absl::StrCat("method ", record_.grpc_method,
                                           " is not served by gateway-proxy")));
      return false;
    }
    return true;
  }

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
        call_id_ = service_.http_client_->Start(
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

  void OnCancel() override {
    std::optional<HttpClient::CallId> id;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      id = call_id_;
    }
    // The transfer's callback then finishes the call with CANCELLED.
    if (id.has_value()) service_.http_client_->Cancel(*id);
  }

  void OnDone() override {
    ProxyService& service = service_;
    delete this;
    absl::MutexLock lock(&service.mu_);
    --service.in_flight_;
  }

 protected:
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
    const std::string file_key =
        service_.api_key_file_ != nullptr ? service_.api_key_file_->Current() : "";
    absl::StatusOr<std::string> authorization = SelectAuthorization(metadata, file_key);
    if (!authorization.ok()) return authorization.status();
    absl::StatusOr<HttpHeaders> forwarded =
        ForwardedHeaders(metadata, service_.options_.forward_metadata);
    if (!forwarded.ok()) return forwarded.status();

    absl::StatusOr<HttpRequest> request = TranscodeRequest(*route_, *request_);
    if (!request.ok()) return request.status();
    request->headers.emplace_back("Authorization", *std::move(authorization));
    for (auto& header : *forwarded) request->headers.push_back(std::move(header));
    return request;
  }

  // Runs on the HTTP client's thread.
  void OnUpstreamDone(absl::StatusOr<HttpResponse> response) {
    // Wait until OnReadDone() has left its critical section: Finish() may
    // lead to OnDone() and `delete this`.
    { absl::MutexLock lock(&mu_); }
    record_.upstream_latency = absl::Now() - upstream_started_;
    if (response.ok()) record_.upstream_status = response->status;
    absl::Status status = response.status();
    const Metadata reply_metadata =
        ReplyMetadata(response.ok() ? *response : HttpResponse(), caller_request_id_);
    for (const auto& [key, value] : reply_metadata) context_->AddInitialMetadata(key, value);
    if (status.ok()) {
      if (response->status >= 200 && response->status < 300) {
        reply_.reset(route_->response_prototype->New());
        status = ParseReplyJson(*route_, response->body, reply_.get());
      } else {
        status = StatusFromUpstreamError(*response, *route_->method->file()->pool(),
                                         absl::Now());
      }
    }
    if (!status.ok()) {
      FinishCall(ToGrpcStatus(status));
      return;
    }
    grpc::ByteBuffer* reply_bytes = kUnary ? response_ : &reply_bytes_;
    grpc::ProtoBufferWriter writer(reply_bytes, grpc::kProtoBufferWriterMaxBufferLength,
                                   static_cast<int>(reply_->ByteSizeLong()));
    if (!reply_->SerializeToZeroCopyStream(&writer)) {
      FinishCall(grpc::Status(grpc::StatusCode::INTERNAL, "cannot serialize the reply"));
      return;
    }
    Record(grpc::Status::OK);
    if constexpr (kUnary) {
      this->Finish(grpc::Status::OK);  // With *response_ as the reply.
    } else {
      this->StartWriteAndFinish(reply_bytes, grpc::WriteOptions(), grpc::Status::OK);
    }
  }

  void Record(const grpc::Status& status) {
    if (service_.options_.observer == nullptr) return;
    record_.code = static_cast<absl::StatusCode>(status.error_code());
    record_.latency = absl::Now() - started_;
    record_.request_id = caller_request_id_;
    service_.options_.observer->OnCallFinished(record_);
  }

  // Every call ends here (or, with a reply, in StartWriteAndFinish above).
  void FinishCall(const grpc::Status& status) {
    Record(status);
    this->Finish(status);
  }

  ProxyService& service_;
  grpc::CallbackServerContext* const context_;
  grpc::ByteBuffer* const response_;  // Unary calls: where the reply goes.
  const Route* route_ = nullptr;
  grpc::ByteBuffer request_bytes_;
  grpc::ByteBuffer reply_bytes_;  // Generic calls: the reply.
  std::unique_ptr<google::protobuf::Message> request_;
  std::unique_ptr<google::protobuf::Message> reply_;
  std::string caller_request_id_;
  const absl::Time started_;
  absl::Time upstream_started_;
  CallRecord record_;

  absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<HttpClient::CallId> call_id_ ABSL_GUARDED_BY(mu_);
};

// A call to the generic service: any method no RouteService registered.
class ProxyService::GenericCall final : public Call<grpc::ServerGenericBidiReactor> {
 public:
  GenericCall(ProxyService& service, grpc::GenericCallbackServerContext* context,
              Admission admission)
      : Call(service, context, context->method(), nullptr) {
    if (Admit(admission, service.routes_->Find(context->method()))) {
      StartRead(&request_bytes_);
    }
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // The client half-closed (or went away) without sending a message.
      FinishCall(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                              "the call carried no request message"));
      return;
    }
    Process();
  }

  void OnWriteDone(bool /*ok*/) override {}
};

// A call to a routed method: its request is already read.
class ProxyService::UnaryCall final : public Call<grpc::ServerUnaryReactor> {
 public:
  UnaryCall(ProxyService& service, grpc::CallbackServerContext* context, const Route& route,
            const grpc::ByteBuffer& request, grpc::ByteBuffer* response, Admission admission)
      : Call(service, context, route.grpc_method, response) {
    if (Admit(admission, &route)) {
      request_bytes_ = request;  // Shares the slices; no bytes are copied.
      Process();
    }
  }
};

ProxyService::ProxyService(std::shared_ptr<const RouteTable> routes,
                           HttpClient* http_client, ApiKeyFile* api_key_file,
                           Options options)
    : routes_(std::move(routes)),
      http_client_(http_client),
      api_key_file_(api_key_file),
      options_(std::move(options)) {}

ProxyService::Admission ProxyService::TakeCall() {
  absl::MutexLock lock(&mu_);
  // Counted either way: OnDone() of every call gives it back.
  ++in_flight_;
  if (draining_) return Admission::kDraining;
  if (in_flight_ > options_.max_inflight) return Admission::kOverloaded;
  return Admission::kAdmitted;
}

grpc::ServerGenericBidiReactor* ProxyService::CreateReactor(
    grpc::GenericCallbackServerContext* context) {
  return new GenericCall(*this, context, TakeCall());
}

grpc::ServerUnaryReactor* ProxyService::HandleUnary(grpc::CallbackServerContext* context,
                                                    const Route& route,
                                                    const grpc::ByteBuffer& request,
                                                    grpc::ByteBuffer* response) {
  return new UnaryCall(*this, context, route, request, response, TakeCall());
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

