#include "rpc_status.h"

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "utf8.h"

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

std::string TruncateUtf8(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  return absl::StrCat(text.substr(0, CharacterStartAtOrBefore(text, max_bytes - 3)), "...");
}

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
