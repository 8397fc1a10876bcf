// google.rpc.Code as the proxy reads it from a REST answer: its names and
// numbers, and the HTTP status -> code fallback used when an error response
// carries no google.rpc.Status of its own (an HTML page from a load
// balancer, a bare auth-layer answer). The other direction, code -> HTTP
// status, is the REST server's: tools/mock_gateway/http_status.h.
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
