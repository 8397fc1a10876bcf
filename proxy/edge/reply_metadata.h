// The initial metadata a reply carries, taken from the upstream response's
// headers the way grpc-gateway sends gRPC metadata over REST.
//
//   Grpc-Metadata-Request-Cost: 3     -> request-cost: 3
//   X-Request-Id: 7f3a                -> x-request-id: 7f3a
//   (no X-Request-Id, caller sent x-request-id: abc) -> x-request-id: abc
//
// Left out, because the proxy cannot pass them on faithfully or a strict
// HTTP/2 client would reset the stream over them: keys IsForwardableKey()
// refuses (metadata.h: gRPC's own, binary, framing and the proxy's own
// headers, invalid key characters) and values that are not printable ASCII.
//
// Size: entries count as HPACK counts them (key + value + 32 bytes). The
// request id comes first; then Grpc-Metadata-* entries are kept in the
// upstream's order while the total stays within kMaxReplyMetadataBytes, and
// the first one that would go past it and every later one are dropped
// whole. gRPC clients refuse a reply whose metadata passes their limit
// (8 KiB by default), so an upstream's large header must not fail the call.
//
// Pure; thread-safe.
#pragma once

#include <cstddef>

#include "absl/strings/string_view.h"
#include "proxy/core/http_types.h"
#include "proxy/edge/metadata.h"

namespace gateway_proxy {

inline constexpr size_t kMaxReplyMetadataBytes = 4096;

Metadata ReplyMetadata(const HttpResponse& response,
                       absl::string_view caller_request_id);

}  // namespace gateway_proxy
