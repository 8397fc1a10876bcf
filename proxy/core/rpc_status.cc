#include "proxy/core/rpc_status.h"

#include <utility>

#include "absl/strings/cord.h"

namespace gateway_proxy {

google::protobuf::Any PackAny(const google::protobuf::Message& message) {
  google::protobuf::Any any;
  any.PackFrom(message);
  return any;
}

absl::Status StatusWithDetails(absl::StatusCode code, absl::string_view message,
                               std::vector<google::protobuf::Any> details) {
  absl::Status status(code, message);
  if (details.empty() || status.ok()) return status;
  google::rpc::Status rpc;
  rpc.set_code(static_cast<int>(code));
  rpc.set_message(std::string(message));
  for (auto& any : details) *rpc.add_details() = std::move(any);
  status.SetPayload(kRpcStatusPayloadUrl, absl::Cord(rpc.SerializeAsString()));
  return status;
}

google::rpc::Status ToRpcStatus(const absl::Status& status) {
  google::rpc::Status rpc;
  if (auto payload = status.GetPayload(kRpcStatusPayloadUrl)) {
    // Produced by StatusWithDetails, so it parses; the code and message of
    // the absl::Status win should anyone have changed them since.
    rpc.ParseFromString(std::string(*payload));
  }
  rpc.set_code(static_cast<int>(status.code()));
  rpc.set_message(std::string(status.message()));
  return rpc;
}

}  // namespace gateway_proxy
