#include "proxy/edge/exchange.h"

#include <utility>

#include "proxy/core/request_transcoder.h"
#include "proxy/core/response_translator.h"
#include "proxy/core/upstream_error.h"
#include "proxy/edge/redaction.h"
#include "proxy/edge/reply_metadata.h"

namespace gateway_proxy {

absl::StatusOr<PreparedRequest> PrepareRequest(const Route& route,
                                               const google::protobuf::Message& request,
                                               const Metadata& metadata,
                                               absl::string_view file_key,
                                               const std::vector<std::string>& forward_metadata) {
  absl::StatusOr<Authorization> authorization = SelectAuthorization(metadata, file_key);
  if (!authorization.ok()) return authorization.status();
  absl::StatusOr<HttpHeaders> forwarded = ForwardedHeaders(metadata, forward_metadata);
  if (!forwarded.ok()) return forwarded.status();
  absl::StatusOr<HttpRequest> http = TranscodeRequest(route, request);
  if (!http.ok()) return http.status();
  http->headers.emplace_back("Authorization", std::move(authorization->value));
  for (auto& header : *forwarded) http->headers.push_back(std::move(header));
  return PreparedRequest{*std::move(http), std::move(authorization->injected_key)};
}

UpstreamAnswer AnswerFromUpstream(const Route& route, absl::StatusOr<HttpResponse> response,
                                  absl::string_view injected_key,
                                  absl::string_view caller_request_id, absl::Time now) {
  UpstreamAnswer answer;
  if (!response.ok()) {
    answer.metadata = ReplyMetadata(HttpResponse(), caller_request_id);
    answer.status = response.status();
    return answer;
  }
  // The key the proxy added must not come back to a caller who never had
  // it, whatever the upstream echoes.
  if (!injected_key.empty()) RedactResponse(injected_key, &*response);
  answer.metadata = ReplyMetadata(*response, caller_request_id);
  if (response->status < 200 || response->status >= 300) {
    const google::protobuf::DescriptorPool& pool = *route.method->file()->pool();
    answer.status = RedactStatus(StatusFromUpstreamError(*response, pool, now), injected_key,
                                 pool);
    return answer;
  }
  answer.reply.reset(route.response_prototype->New());
  answer.status = ParseReplyJson(route, response->body, answer.reply.get());
  if (!answer.status.ok()) {
    answer.reply.reset();
    return answer;
  }
  if (!injected_key.empty()) RedactMessage(injected_key, answer.reply.get());
  return answer;
}

}  // namespace gateway_proxy
