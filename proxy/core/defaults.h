// The defaults that more than one part of the proxy starts from: the
// command line's (config.h, whose flags take theirs from it) and the
// Options of the parts main() builds from that config (proxy_service.h,
// curl_http_client.h), so that a part built alone, as tests do, behaves as
// in the proxy. One home for each; README's Configuration lists them.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace gateway_proxy {

// Upstream deadline for calls whose client set none.
inline constexpr absl::Duration kDefaultUpstreamTimeout = absl::Seconds(30);
// How long connecting (TCP and TLS) may take, within the call's deadline.
inline constexpr absl::Duration kDefaultConnectTimeout = absl::Seconds(5);
// Calls in flight at once; beyond it, RESOURCE_EXHAUSTED.
inline constexpr int kDefaultMaxInflight = 10000;
// Connections to the upstream at once.
inline constexpr int kDefaultMaxUpstreamConnections = 256;
// Largest accepted request message, and upstream response body.
inline constexpr size_t kDefaultMaxMessageBytes = size_t{4} << 20;

// Caller metadata forwarded upstream as HTTP headers.
inline std::vector<std::string> DefaultForwardMetadata() { return {"x-request-id"}; }

}  // namespace gateway_proxy
