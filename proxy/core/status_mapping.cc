#include "proxy/core/status_mapping.h"

#include <cstdint>
#include <string>
#include <utility>

#include "google/rpc/code.pb.h"

namespace gateway_proxy {
namespace {

using Code = absl::StatusCode;

}  // namespace

absl::StatusCode CodeFromHttpStatus(int http_status) {
  // The statuses that name a code of their own.
  static constexpr std::pair<int, Code> kNamed[] = {
      {400, Code::kInvalidArgument}, {401, Code::kUnauthenticated},
      {403, Code::kPermissionDenied}, {404, Code::kNotFound},
      {409, Code::kAborted},         {412, Code::kFailedPrecondition},
      {416, Code::kOutOfRange},      {429, Code::kResourceExhausted},
      {499, Code::kCancelled},       {501, Code::kUnimplemented},
      {502, Code::kUnavailable},     {503, Code::kUnavailable},
      {504, Code::kDeadlineExceeded}};
  for (const auto& [http, code] : kNamed) {
    if (http == http_status) return code;
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
