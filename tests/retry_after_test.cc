// RetryAfterDelay: every form RFC 9110 allows, relative to now, clamped.
#include "proxy/core/retry_after.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace gateway_proxy {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1767323045);  // Fri, 02 Jan 2026 03:04:05 GMT

TEST(RetryAfterTest, ReadsEveryFormRelativeToNow) {
  const std::vector<std::pair<std::string, std::optional<absl::Duration>>> cases = {
      {"120", absl::Seconds(120)},
      {" 7 ", absl::Seconds(7)},
      {"0", absl::ZeroDuration()},
      {"Fri, 02 Jan 2026 03:05:05 GMT", absl::Seconds(60)},      // IMF-fixdate
      {"Friday, 02-Jan-26 03:05:05 GMT", absl::Seconds(60)},     // RFC 850
      {"Fri Jan  2 03:05:05 2026", absl::Seconds(60)},           // asctime
      {"Fri, 02 Jan 2026 03:00:00 GMT", absl::ZeroDuration()},   // past
      {"99999999999999999999", absl::Seconds(kMaxRetryAfterSeconds)},
      {"Fri, 31 Dec 9999 23:59:59 GMT", absl::Seconds(kMaxRetryAfterSeconds)},
      {"", std::nullopt},
      {"  ", std::nullopt},
      {"-5", std::nullopt},
      {"1.5", std::nullopt},
      {"soon", std::nullopt},
      {"Fri, 02 Jan 2026 03:05:05 UTC", std::nullopt},
  };
  for (const auto& [value, expected] : cases) {
    EXPECT_EQ(RetryAfterDelay(value, kNow), expected) << '"' << value << '"';
  }
}

TEST(RetryAfterTest, KeepsTheSubSecondPartOfNow) {
  EXPECT_EQ(RetryAfterDelay("Fri, 02 Jan 2026 03:04:06 GMT", kNow + absl::Milliseconds(250)),
            absl::Milliseconds(750));
}

}  // namespace
}  // namespace gateway_proxy
