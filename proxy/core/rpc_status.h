// One error model: absl::Status inside the proxy, google.rpc.Status on the
// wire. Error details (google.rpc.BadRequest, ErrorInfo, RetryInfo, ...) ride
// inside an absl::Status as a single payload holding the serialized
// google.rpc.Status, so their order and duplicates survive. The gRPC edge's
// ToGrpcStatus() (proxy/edge/grpc_status.h) is the one place that turns it
// into a grpc::Status whose grpc-status-details-bin trailer carries the same
// bytes.
//
//   google::rpc::BadRequest bad;
//   auto* v = bad.add_field_violations();
//   v->set_field("user.role");
//   v->set_description("required field is missing");
//   absl::Status s = StatusWithDetails(absl::StatusCode::kInvalidArgument,
//                                      "user.role is required", {PackAny(bad)});
//   google::rpc::Status r = ToRpcStatus(s);  // Status{3,
//                                            // "user.role is required", [bad]}
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/any.pb.h"
#include "google/rpc/status.pb.h"

namespace gateway_proxy {

// The payload URL under which an absl::Status carries its google.rpc.Status.
inline constexpr absl::string_view kRpcStatusPayloadUrl =
    "type.googleapis.com/google.rpc.Status";

// Packs `message` into an Any with the type.googleapis.com/ prefix.
google::protobuf::Any PackAny(const google::protobuf::Message& message);

// An error status carrying `details`. With no details it is a plain status.
// REQUIRES: code != kOk.
absl::Status StatusWithDetails(absl::StatusCode code, absl::string_view message,
                               std::vector<google::protobuf::Any> details);

// The google.rpc.Status of `status`: its code and message, and the details it
// carries (none for a plain status).
google::rpc::Status ToRpcStatus(const absl::Status& status);

}  // namespace gateway_proxy
