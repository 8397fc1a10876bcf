// libFuzzer target: any error response (status, content type, Retry-After,
// body) becomes a non-OK status with a non-empty message, never a crash.
// Input: two bytes of HTTP status, then content-type NUL retry-after NUL body.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/time/clock.h"
#include "google/protobuf/descriptor.h"
#include "google/rpc/error_details.pb.h"
#include "proxy/core/rpc_status.h"
#include "proxy/core/upstream_error.h"
#include "proxy/edge/grpc_status.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  gateway_proxy::HttpResponse response;
  response.status = 300 + (data[0] << 8 | data[1]) % 300;  // 300..599
  const std::string rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  const size_t first = rest.find('\0');
  const size_t second = first == std::string::npos ? first : rest.find('\0', first + 1);
  if (second == std::string::npos) {
    response.body = rest;
  } else {
    response.headers.emplace_back("Content-Type", rest.substr(0, first));
    response.headers.emplace_back("Retry-After", rest.substr(first + 1, second - first - 1));
    response.body = rest.substr(second + 1);
  }
  // Link error_details so detail types resolve as in the proxy.
  google::rpc::BadRequest::descriptor();
  const absl::Status status = gateway_proxy::StatusFromUpstreamError(
      response, *google::protobuf::DescriptorPool::generated_pool(),
      absl::FromUnixSeconds(1767323045));
  if (status.ok() || status.message().empty()) __builtin_trap();
  gateway_proxy::ToGrpcStatus(status);
  return 0;
}
