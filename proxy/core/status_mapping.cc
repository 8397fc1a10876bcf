#include "proxy/core/status_mapping.h"

#include <cstdint>
#include <string>

#include "google/rpc/code.pb.h"

namespace gateway_proxy {
namespace {

using Code = absl::StatusCode;

}  // namespace

absl::StatusCode CodeFromHttpStatus(int http_status) {
  switch (http_status) {
    case 400:
      return Code::kInvalidArgument;
    case 401:
      return Code::kUnauthenticated;
    case 403:
      return Code::kPermissionDenied;
    case 404:
      return Code::kNotFound;
    case 409:
      return Code::kAborted;
    case 412:
      return Code::kFailedPrecondition;
    case 416:
      return Code::kOutOfRange;
    case 429:
      return Code::kResourceExhausted;
    case 499:
      return Code::kCancelled;
    case 501:
      return Code::kUnimplemented;
    case 502:
    case 503:
      return Code::kUnavailable;
    case 504:
      return Code::kDeadlineExceeded;
    default:
      break;
  }
  if (http_status >= 200 && http_status < 300) return Code::kOk;
  if (http_status >= 400 && http_status < 500) return Code::kFailedPrecondition;
  if (http_status >= 500 && http_status < 600) return Code::kInternal;
  return Code::kUnknown;
}

std::optional<absl::StatusCode> CodeFromName(absl::string_view name) {
  google::rpc::Code code;
  if (!google::rpc::Code_Parse(std::string(name), &code)) return std::nullopt;
  return static_cast<absl::StatusCode>(code);
}

absl::string_view CodeName(absl::StatusCode code) {
  const int number = static_cast<int>(code);
  if (!google::rpc::Code_IsValid(number)) return "UNKNOWN";
  return google::rpc::Code_Name(number);  // A reference to protobuf's own string.
}

std::optional<absl::StatusCode> CodeFromNumber(long long number) {
  // google.rpc.Code's own numbers, 0..16.
  if (number < 0 || number > INT32_MAX || !google::rpc::Code_IsValid(static_cast<int>(number))) {
    return std::nullopt;
  }
  return static_cast<absl::StatusCode>(number);
}

}  // namespace gateway_proxy
