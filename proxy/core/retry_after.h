// The delay an HTTP Retry-After header asks for (RFC 9110 section 10.2.3),
// read one way by everything that honours it: the error translation's
// google.rpc.RetryInfo (upstream_error.h) and the proxy's own retries
// (retry_policy.h).
//
//   RetryAfterDelay("120", now)                            // 120s
//   RetryAfterDelay("Wed, 21 Oct 2026 07:28:00 GMT", now)  // that time - now
//   RetryAfterDelay("soon", now)                           // nullopt
#pragma once

#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace gateway_proxy {

// The longest delay taken: 2^31 s, as RFC 9111 section 1.2.2 takes
// delta-seconds too large to hold.
inline constexpr int64_t kMaxRetryAfterSeconds = int64_t{1} << 31;

// delta-seconds ("120") or an HTTP-date in any of RFC 9110's three forms
// ("Wed, 21 Oct 2026 07:28:00 GMT", "Wednesday, 21-Oct-26 07:28:00 GMT",
// "Wed Oct 21 07:28:00 2026") taken relative to `now`, clamped to
// [0, kMaxRetryAfterSeconds]: a date in the past gives 0s. nullopt for any
// other value, an empty one included. Pure; thread-safe.
std::optional<absl::Duration> RetryAfterDelay(absl::string_view value, absl::Time now);

}  // namespace gateway_proxy
