// gRPC metadata as the proxy holds it, and the one rule for which keys may
// cross between a gRPC call and an HTTP message: caller metadata forwarded
// upstream (--forward_metadata, checked once in config and again per call)
// and upstream Grpc-Metadata-* headers sent back to the caller
// (reply_metadata.h).
//
//   IsForwardableKey("x-tenant")        // true
//   IsForwardableKey("grpc-timeout")    // false: gRPC's own
//   IsForwardableKey("content-length")  // false: frames the HTTP message
//   IsForwardableKey("authorization")   // false: the proxy's to set
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace gateway_proxy {

// Metadata as received: lower-case keys, in arrival order.
using Metadata = std::vector<std::pair<std::string, std::string>>;

// True when `key` may be carried across: only gRPC's key characters
// (0-9 a-z - _ .), and not
// - binary (-bin) or gRPC's own (grpc-*);
// - a header that frames or routes the HTTP message: connection,
//   keep-alive, proxy-connection, transfer-encoding, upgrade, te, trailer,
//   host, content-length, content-type, content-encoding, expect;
// - one the proxy sets for itself: authorization, x-api-key,
//   proxy-authorization, accept, user-agent.
// A caller's copy of any of these would split, misdirect or misdescribe the
// request; an upstream's would do the same to the reply or hand a credential
// to the caller.
bool IsForwardableKey(absl::string_view key);

}  // namespace gateway_proxy
