#include "proxy/edge/grpc_status.h"

#include <string>

#include "google/rpc/status.pb.h"
#include "proxy/core/rpc_status.h"
#include "proxy/core/utf8.h"

namespace gateway_proxy {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  const std::string message = TruncateUtf8(status.message(), kMaxStatusMessageBytes);
  if (!status.GetPayload(kRpcStatusPayloadUrl).has_value()) {
    return grpc::Status(code, message);
  }
  google::rpc::Status rpc = ToRpcStatus(status);
  rpc.set_message(message);
  // Drop details from the end until the trailer fits: a client refuses the
  // whole response when its metadata is too large.
  while (rpc.details_size() > 0 && rpc.ByteSizeLong() > kMaxStatusDetailsBytes) {
    rpc.mutable_details()->RemoveLast();
  }
  return grpc::Status(code, message, rpc.SerializeAsString());
}

}  // namespace gateway_proxy
