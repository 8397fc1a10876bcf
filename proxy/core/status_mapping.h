// The google.rpc.Code <-> HTTP status tables, both directions.
//
// gRPC -> HTTP follows the "HTTP Mapping" lines of google/rpc/code.proto (and
// of the Gateway's OpenAPI description): a server that answers a gRPC error
// over REST uses it.
//
//   HttpStatusFromCode(absl::StatusCode::kNotFound)           == 404
//   HttpStatusFromCode(absl::StatusCode::kFailedPrecondition) == 400
//
// HTTP -> gRPC is the fallback used when an error response carries no
// google.rpc.Status of its own (an HTML page from a load balancer, a bare
// auth-layer answer):
//
//   CodeFromHttpStatus(404) == absl::StatusCode::kNotFound
//   CodeFromHttpStatus(418) == absl::StatusCode::kFailedPrecondition
//   CodeFromHttpStatus(507) == absl::StatusCode::kInternal
//
// Pure functions; thread-safe.
#pragma once

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace gateway_proxy {

// The HTTP status a REST server answers for `code` (200 for kOk). Codes
// outside 0..16 map to 500.
int HttpStatusFromCode(absl::StatusCode code);

// The table grpc-gateway v1 answered with: as HttpStatusFromCode() but
// CANCELLED is 408 and FAILED_PRECONDITION is 412. Servers still running v1
// answer this way; mock-gateway and the tests use it to prove both tables
// come back as the original code.
int GrpcGatewayV1HttpStatusFromCode(absl::StatusCode code);

// The gRPC code for an HTTP error status when the body names none:
// 400 INVALID_ARGUMENT, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED,
// 404 NOT_FOUND, 409 ABORTED, 412 FAILED_PRECONDITION, 416 OUT_OF_RANGE,
// 429 RESOURCE_EXHAUSTED, 499 CANCELLED, other 4xx FAILED_PRECONDITION,
// 501 UNIMPLEMENTED, 502/503 UNAVAILABLE, 504 DEADLINE_EXCEEDED, other 5xx
// INTERNAL. 2xx is OK; anything else (1xx, 3xx, out of range) is UNKNOWN.
absl::StatusCode CodeFromHttpStatus(int http_status);

// The code named `name` ("NOT_FOUND"), as spelled by google.rpc.Code, or
// nullopt when the name is not one of the 17 codes.
std::optional<absl::StatusCode> CodeFromName(absl::string_view name);

// The google.rpc.Code name of `code` ("NOT_FOUND"); "UNKNOWN" outside 0..16.
absl::string_view CodeName(absl::StatusCode code);

// The code with number `number`, or nullopt outside 0..16.
std::optional<absl::StatusCode> CodeFromNumber(long long number);

}  // namespace gateway_proxy
