// The one place an absl::Status becomes the grpc::Status a caller receives
// (proxy/core/rpc_status.h holds the error model). Details ride in
// grpc-status-details-bin as the serialized google.rpc.Status, within limits
// that keep the trailers acceptable to every gRPC client.
//
//   absl::Status s = StatusWithDetails(absl::StatusCode::kInvalidArgument,
//                                      "user.role is required", {PackAny(bad)});
//   grpc::Status g = ToGrpcStatus(s);  // INVALID_ARGUMENT, details = Status{3,
//                                      // "user.role is required", [bad]}
#pragma once

#include <cstddef>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace gateway_proxy {

// Limits that keep an error's trailers within what gRPC clients accept by
// default (8 KiB of metadata; grpc-message is percent-encoded and
// grpc-status-details-bin base64-encoded on the wire).
inline constexpr size_t kMaxStatusMessageBytes = 512;
inline constexpr size_t kMaxStatusDetailsBytes = 3072;

// The grpc::Status sent to the caller. Details, when present, become
// grpc-status-details-bin; a plain status sends none. A message longer than
// kMaxStatusMessageBytes is cut at a character boundary and ends in "...";
// details beyond kMaxStatusDetailsBytes are dropped from the end.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace gateway_proxy
