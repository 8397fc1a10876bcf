// Reads a failed call's google.rpc details: the google::rpc::Status that
// gateway-proxy (like any server using gRPC's richer error model) sends in
// the `grpc-status-details-bin` trailer, which grpc::Status::error_details()
// holds as serialized bytes.
//
//   grpc::Status status = stub->UpdateUser(&context, request, &user);
//   for (const std::string& line : DescribeStatus(status)) std::cout << line;
//
// gives, for an unknown user:
//
//   NOT_FOUND: user accounts/acme/users/zed not found
//     ErrorInfo: reason=USER_NOT_FOUND domain=gateway.fireworks.ai
//       account_id=acme
//       user_id=zed
#ifndef GATEWAY_EXAMPLES_CPP_RPC_DETAILS_H_
#define GATEWAY_EXAMPLES_CPP_RPC_DETAILS_H_

#include <optional>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "google/rpc/status.pb.h"

namespace gateway_example {

// The google.rpc.Status in `status.error_details()`; nullopt when there is
// none or it does not parse.
std::optional<google::rpc::Status> RpcStatus(const grpc::Status& status);

// The code's name and the message, then one indented block per detail:
// ErrorInfo, BadRequest, PreconditionFailure and RetryInfo decoded, any other
// type as its type URL and size.
std::vector<std::string> DescribeStatus(const grpc::Status& status);

}  // namespace gateway_example

#endif  // GATEWAY_EXAMPLES_CPP_RPC_DETAILS_H_
