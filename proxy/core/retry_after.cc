#include "proxy/core/retry_after.h"

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"

namespace gateway_proxy {

std::optional<absl::Duration> RetryAfterDelay(absl::string_view value, absl::Time now) {
  value = absl::StripAsciiWhitespace(value);
  if (value.empty()) return std::nullopt;
  const absl::Duration max_delay = absl::Seconds(kMaxRetryAfterSeconds);
  absl::Duration delay;
  if (std::all_of(value.begin(), value.end(), absl::ascii_isdigit)) {
    int64_t seconds = 0;
    // Too long for int64: RFC 9111 section 1.2.2 says take it as 2^31.
    delay = absl::SimpleAtoi(value, &seconds) ? absl::Seconds(seconds) : max_delay;
  } else {
    // RFC 9110 section 5.6.7: IMF-fixdate, then the obsolete RFC 850 and
    // asctime forms, which recipients must accept too.
    static constexpr const char* kHttpDateFormats[] = {
        "%a, %d %b %Y %H:%M:%S GMT",
        "%A, %d-%b-%y %H:%M:%S GMT",
        "%a %b %e %H:%M:%S %Y",
    };
    std::optional<absl::Time> when;
    for (const char* format : kHttpDateFormats) {
      absl::Time parsed;
      std::string error;
      if (absl::ParseTime(format, value, &parsed, &error)) {
        when = parsed;
        break;
      }
    }
    if (!when.has_value()) return std::nullopt;
    delay = *when - now;
  }
  return std::clamp(delay, absl::ZeroDuration(), max_delay);
}

}  // namespace gateway_proxy
