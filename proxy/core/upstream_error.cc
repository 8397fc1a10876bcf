#include "proxy/core/upstream_error.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/any.pb.h"
#include "google/rpc/error_details.pb.h"
#include "proxy/core/error_body.h"
#include "proxy/core/error_excerpt.h"
#include "proxy/core/retry_after.h"
#include "proxy/core/rpc_status.h"
#include "proxy/core/status_mapping.h"

namespace gateway_proxy {
namespace {

using google::protobuf::Any;

bool HasRetryInfo(const std::vector<Any>& details) {
  return std::any_of(details.begin(), details.end(),
                     [](const Any& any) { return any.Is<google::rpc::RetryInfo>(); });
}

Any RetryInfoDetail(absl::Duration delay) {
  google::rpc::RetryInfo info;
  const int64_t seconds = absl::ToInt64Seconds(delay);
  info.mutable_retry_delay()->set_seconds(seconds);
  info.mutable_retry_delay()->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(delay - absl::Seconds(seconds))));
  return PackAny(info);
}

// The message when the body names none: its excerpt after the status.
std::string MessageWithoutBodyMessage(const HttpResponse& response) {
  const std::string excerpt = BodyExcerpt(response);
  if (excerpt.empty()) return absl::StrCat("upstream HTTP ", response.status);
  return absl::StrCat("upstream HTTP ", response.status, ": ", excerpt);
}

}  // namespace

absl::Status StatusFromUpstreamError(const HttpResponse& response,
                                     const google::protobuf::DescriptorPool& pool,
                                     absl::Time now) {
  if (response.status >= 200 && response.status < 300) {
    return absl::InternalError(absl::StrCat("StatusFromUpstreamError called with HTTP ",
                                            response.status, ", which is not an error"));
  }
  ErrorBodyContent body = ReadErrorBody(response.body, pool);
  const absl::StatusCode code = body.code.value_or(CodeFromHttpStatus(response.status));
  std::string text;
  if (!body.message.has_value()) {
    text = MessageWithoutBodyMessage(response);
  } else if (body.message->empty()) {
    text = absl::StrCat("upstream HTTP ", response.status);
  } else {
    text = *std::move(body.message);
  }
  if (!HasRetryInfo(body.details)) {
    if (std::optional<absl::Duration> delay =
            RetryAfterDelay(response.Header("Retry-After"), now)) {
      body.details.push_back(RetryInfoDetail(*delay));
    }
  }
  return StatusWithDetails(code, text, std::move(body.details));
}

}  // namespace gateway_proxy
