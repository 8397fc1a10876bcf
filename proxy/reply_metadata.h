// The initial metadata a reply carries, taken from the upstream response's
// headers the way grpc-gateway sends gRPC metadata over REST.
//
//   Grpc-Metadata-Request-Cost: 3     -> request-cost: 3
//   X-Request-Id: 7f3a                -> x-request-id: 7f3a
//   (no X-Request-Id, caller sent x-request-id: abc) -> x-request-id: abc
//
// Keys that gRPC reserves (grpc-*, pseudo headers), binary (-bin) keys,
// invalid key characters and values that are not printable ASCII are left
// out: a header the proxy cannot pass on faithfully is not passed on.
//
// Pure; thread-safe.
#pragma once

#include "absl/strings/string_view.h"
#include "credentials.h"
#include "http_types.h"

namespace gateway_proxy {

Metadata ReplyMetadata(const HttpResponse& response,
                       absl::string_view caller_request_id);

}  // namespace gateway_proxy
