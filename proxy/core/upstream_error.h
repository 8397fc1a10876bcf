// Translates a non-2xx upstream REST response into the status the gRPC
// caller receives, keeping the backend's own code, message and details.
// README's "Errors" section is the contract, rule by rule: which body form
// decides the code, the message when the body gives none, how details are
// decoded, and when a Retry-After adds a RetryInfo. The pieces:
// error_body.h reads the JSON forms and details, error_excerpt.h makes the
// text of any other body fit to show, retry_after.h reads the header.
//
//   404 {"code":5,"message":"user not found","details":[{"@type":"...ErrorInfo",...}]}
//     -> NOT_FOUND "user not found", details [ErrorInfo]
//   502 "<html>...<h1>502 Bad Gateway</h1>..."
//     -> UNAVAILABLE "upstream HTTP 502: 502 Bad Gateway 502 Bad Gateway"
#pragma once

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "proxy/core/http_types.h"

namespace gateway_proxy {

// The error status for `response`, whose status is not 2xx. `pool` resolves
// detail types (google.rpc.* must be in it); `now` anchors an HTTP-date
// Retry-After. The result carries its details as rpc_status.h describes.
// A 2xx `response` is a caller bug and gives INTERNAL
// "StatusFromUpstreamError called with HTTP 200, which is not an error".
// Never fails on any body or header. Pure; thread-safe.
absl::Status StatusFromUpstreamError(
    const HttpResponse& response, const google::protobuf::DescriptorPool& pool,
    absl::Time now);

}  // namespace gateway_proxy
