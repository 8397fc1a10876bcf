// Translates a non-2xx upstream REST response into the status the gRPC
// caller receives, keeping the backend's own code, message and details.
//
// In this order:
//  1. grpc-gateway body  {"code": 5, "message": "user not found",
//                         "details": [{"@type": "...ErrorInfo", ...}]}
//     -> its code wins over the HTTP status (v1 answers 408/412 and v2
//        499/400 for CANCELLED/FAILED_PRECONDITION; both come back right).
//  2. Google body        {"error": {"code": 404, "message": "...",
//                                   "status": "NOT_FOUND", "details": [...]}}
//     -> the status name wins; without one, the HTTP status decides.
//  3. anything else      -> CodeFromHttpStatus(); the message is the JSON
//     body's "error"/"message" string when it has one
//     (403 {"error":"unauthorized"} -> PERMISSION_DENIED "unauthorized"), or
//     "upstream HTTP 502: <first bytes of the body, sanitized>".
//
// Details are re-encoded as binary google.protobuf.Any (so clients see the
// same ErrorInfo / BadRequest the backend sent); a detail whose type the pool
// does not know is kept as raw Any where it can be, and never fails the
// translation. A Retry-After header adds a google.rpc.RetryInfo when the body
// carried none.
#pragma once

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "http_types.h"

namespace gateway_proxy {

// The error status for `response`, whose status is not 2xx. `pool` resolves
// detail types (google.rpc.* must be in it); `now` anchors an HTTP-date
// Retry-After. The result carries its details as rpc_status.h describes.
// Pure; thread-safe.
absl::Status StatusFromUpstreamError(const HttpResponse& response,
                                     const google::protobuf::DescriptorPool& pool,
                                     absl::Time now);

}  // namespace gateway_proxy
