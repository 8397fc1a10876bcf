// The REST exchange of one call as two pure functions, between the gRPC
// edge (proxy_service.h: admission, cancellation, observation, finishing)
// and the HTTP client:
//
//   request message + caller metadata  --PrepareRequest-->  HTTP request
//   HTTP response (or transport error) --AnswerFromUpstream-->  reply + metadata,
//                                                               or a status
//
//   auto prepared = PrepareRequest(route, request, metadata, file_key,
//                                  {"x-request-id"});
//   // prepared->http: PATCH /v1/accounts/acme/users/alice ..., with
//   //                 "Authorization" and the forwarded headers
//   UpstreamAnswer answer = AnswerFromUpstream(route, std::move(response),
//                                              prepared->injected_key,
//                                              "req-1", absl::Now());
//   // answer.status OK and answer.reply set, or the mapped error
//
// Pure; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "proxy/core/http_types.h"
#include "proxy/core/route_table.h"
#include "proxy/edge/credentials.h"

namespace gateway_proxy {

struct PreparedRequest {
  HttpRequest http;
  // The --api_key_file key when the proxy added it (the caller sent no
  // credential): AnswerFromUpstream redacts it from everything returned.
  std::string injected_key;
};

// The REST request for `request` (a message of route.request_prototype's
// type) from a caller that sent `metadata`: transcoded (request_transcoder.h),
// with its Authorization (credentials.h, `file_key` the fallback key, ""
// for none) and the `forward_metadata` headers. The status for a request
// that cannot be sent; nothing is sent then.
absl::StatusOr<PreparedRequest> PrepareRequest(const Route& route,
                                               const google::protobuf::Message& request,
                                               const Metadata& metadata,
                                               absl::string_view file_key,
                                               const std::vector<std::string>& forward_metadata);

struct UpstreamAnswer {
  // The reply's initial metadata (reply_metadata.h), on success and on error.
  Metadata metadata;
  // OK with `reply` set, or the error the caller gets (upstream_error.h for
  // a non-2xx response, response_translator.h for a 2xx that is not the
  // reply, the transport's own status otherwise).
  absl::Status status;
  std::unique_ptr<google::protobuf::Message> reply;
};

// The answer for the call whose upstream exchange ended in `response`.
// `injected_key` (PreparedRequest) is redacted from all of it (redaction.h);
// `caller_request_id` is echoed when the upstream sends no request id; `now`
// anchors an HTTP-date Retry-After.
UpstreamAnswer AnswerFromUpstream(const Route& route, absl::StatusOr<HttpResponse> response,
                                  absl::string_view injected_key,
                                  absl::string_view caller_request_id, absl::Time now);

}  // namespace gateway_proxy
