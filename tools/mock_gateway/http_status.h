// The HTTP status a REST server answers a gRPC error with: the mock
// gateway's side of the error contract, which the proxy reads back
// (proxy/core/status_mapping.h maps the other way).
//
// HttpStatusFromCode follows the "HTTP Mapping" lines of
// google/rpc/code.proto (and of the Gateway's OpenAPI description);
// GrpcGatewayV1HttpStatusFromCode is the table grpc-gateway v1 answered with.
//
//   HttpStatusFromCode(absl::StatusCode::kNotFound)                      == 404
//   HttpStatusFromCode(absl::StatusCode::kFailedPrecondition)            == 400
//   GrpcGatewayV1HttpStatusFromCode(absl::StatusCode::kFailedPrecondition) == 412
//
// Pure functions; thread-safe.
#pragma once

#include "absl/status/status.h"

namespace gateway_proxy::mock_gateway {

// The HTTP status for `code` (200 for kOk). Codes outside 0..16 map to 500.
int HttpStatusFromCode(absl::StatusCode code);

// As HttpStatusFromCode() but CANCELLED is 408 and FAILED_PRECONDITION is
// 412. Servers still running grpc-gateway v1 answer this way; mock-gateway
// and the tests use it to prove both tables come back as the original code.
int GrpcGatewayV1HttpStatusFromCode(absl::StatusCode code);

}  // namespace gateway_proxy::mock_gateway
