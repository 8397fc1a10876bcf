#include "proxy/upstream/retry_policy.h"

#include "gtest/gtest.h"

namespace gateway_proxy {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1767323045);
const absl::Time kDeadline = kNow + absl::Seconds(10);

HttpResponse Answer(int status, std::string retry_after = "") {
  HttpResponse response;
  response.status = status;
  if (!retry_after.empty()) response.headers.emplace_back("Retry-After", retry_after);
  return response;
}

RetryPolicy Policy(int max_retries) {
  RetryPolicy policy;
  policy.max_retries = max_retries;
  return policy;
}

TEST(RetryDelayTest, OffByDefault) {
  EXPECT_EQ(RetryDelay(RetryPolicy(), "GET", Answer(503), false, 0, kNow, kDeadline, 0.5),
            std::nullopt);
  EXPECT_EQ(RetryDelay(RetryPolicy(), "PATCH", absl::UnavailableError("refused"), true, 0,
                       kNow, kDeadline, 0.5),
            std::nullopt);
}

TEST(RetryDelayTest, RequestThatNeverLeftIsRetriedForAnyMethod) {
  for (const char* method : {"GET", "PATCH", "POST"}) {
    EXPECT_EQ(RetryDelay(Policy(2), method, absl::UnavailableError("refused"), true, 0, kNow,
                         kDeadline, 0.5),
              absl::Milliseconds(12.5))
        << method;
  }
}

TEST(RetryDelayTest, SentRequestThatFailedIsNeverRetried) {
  EXPECT_EQ(RetryDelay(Policy(2), "PATCH", absl::UnavailableError("reset"), false, 0, kNow,
                       kDeadline, 0.5),
            std::nullopt);
  EXPECT_EQ(RetryDelay(Policy(2), "GET", absl::UnavailableError("reset"), false, 0, kNow,
                       kDeadline, 0.5),
            std::nullopt);
}

TEST(RetryDelayTest, Only503And429OfGetAreRetried) {
  EXPECT_EQ(RetryDelay(Policy(2), "GET", Answer(503), false, 0, kNow, kDeadline, 0.5),
            absl::Milliseconds(12.5));
  EXPECT_EQ(RetryDelay(Policy(2), "GET", Answer(429), false, 0, kNow, kDeadline, 0.5),
            absl::Milliseconds(12.5));
  EXPECT_EQ(RetryDelay(Policy(2), "GET", Answer(500), false, 0, kNow, kDeadline, 0.5),
            std::nullopt);
  EXPECT_EQ(RetryDelay(Policy(2), "GET", Answer(200), false, 0, kNow, kDeadline, 0.5),
            std::nullopt);
  EXPECT_EQ(RetryDelay(Policy(2), "PATCH", Answer(503), false, 0, kNow, kDeadline, 0.5),
            std::nullopt);
  EXPECT_EQ(RetryDelay(Policy(2), "POST", Answer(429), false, 0, kNow, kDeadline, 0.5),
            std::nullopt);
}

TEST(RetryDelayTest, RetryAfterIsHonoured) {
  EXPECT_EQ(RetryDelay(Policy(2), "GET", Answer(503, "2"), false, 0, kNow, kDeadline, 0.5),
            absl::Seconds(2));
}

// Read as the error translation reads it (retry_after.h): the wait the
// caller is told in RetryInfo is the one the proxy's own retry keeps.
TEST(RetryDelayTest, RetryAfterAsAnHttpDateIsHonoured) {
  // kNow is Fri, 02 Jan 2026 03:04:05 GMT.
  EXPECT_EQ(RetryDelay(Policy(2), "GET", Answer(503, "Fri, 02 Jan 2026 03:04:07 GMT"), false, 0,
                       kNow, kDeadline, 0.5),
            absl::Seconds(2));
  EXPECT_EQ(RetryDelay(Policy(2), "GET", Answer(429, "Friday, 02-Jan-26 03:04:08 GMT"), false,
                       0, kNow, kDeadline, 0.5),
            absl::Seconds(3));
  // A date already past: retry at once.
  EXPECT_EQ(RetryDelay(Policy(2), "GET", Answer(503, "Fri Jan  2 03:00:00 2026"), false, 0,
                       kNow, kDeadline, 0.5),
            absl::ZeroDuration());
}

TEST(RetryDelayTest, RetryAfterPastTheDeadlineStopsAndAnInvalidOneIsBackoff) {
  EXPECT_EQ(RetryDelay(Policy(2), "GET", Answer(503, "60"), false, 0, kNow, kDeadline, 0.5),
            std::nullopt);
  EXPECT_EQ(RetryDelay(Policy(2), "GET", Answer(503, "99999999999999999999999"), false, 0, kNow,
                       kDeadline, 0.5),
            std::nullopt);
  // Not a Retry-After value: the backoff, 25 ms * 0.5.
  EXPECT_EQ(RetryDelay(Policy(2), "GET", Answer(503, "soon"), false, 0, kNow, kDeadline, 0.5),
            absl::Microseconds(12500));
  EXPECT_EQ(RetryDelay(Policy(2), "GET", Answer(503, "-5"), false, 0, kNow, kDeadline, 0.5),
            absl::Microseconds(12500));
}

TEST(RetryDelayTest, BackoffDoublesWithFullJitterUpToTheCap) {
  EXPECT_EQ(RetryDelay(Policy(10), "GET", Answer(503), false, 1, kNow, kDeadline, 1.0 - 1e-9),
            absl::Milliseconds(50) * (1.0 - 1e-9));
  EXPECT_EQ(RetryDelay(Policy(10), "GET", Answer(503), false, 3, kNow, kDeadline, 0.5),
            absl::Milliseconds(100));
  EXPECT_EQ(RetryDelay(Policy(10), "GET", Answer(503), false, 9, kNow, kDeadline, 0.5),
            absl::Milliseconds(500));  // Capped at 1s, halved by the jitter.
  EXPECT_EQ(RetryDelay(Policy(10), "GET", Answer(503), false, 0, kNow, kDeadline, 0.0),
            absl::ZeroDuration());
}

TEST(RetryDelayTest, NoRetryPastMaxRetriesOrTheDeadline) {
  EXPECT_EQ(RetryDelay(Policy(2), "GET", Answer(503), false, 2, kNow, kDeadline, 0.5),
            std::nullopt);
  EXPECT_EQ(RetryDelay(Policy(2), "GET", Answer(503, "30"), false, 0, kNow, kDeadline, 0.5),
            std::nullopt);
  EXPECT_EQ(RetryDelay(Policy(2), "GET", Answer(503), false, 0, kNow,
                       kNow + absl::Milliseconds(5), 0.5),
            std::nullopt);
}

TEST(RetryBudgetTest, RetriesAreCappedByFirstAttempts) {
  RetryBudget budget(/*ratio=*/0.5, /*max_tokens=*/2);
  EXPECT_TRUE(budget.TryRetry());
  EXPECT_TRUE(budget.TryRetry());
  EXPECT_FALSE(budget.TryRetry());  // The initial tokens are spent.
  budget.OnFirstAttempt();
  EXPECT_FALSE(budget.TryRetry());  // Half a token.
  budget.OnFirstAttempt();
  EXPECT_TRUE(budget.TryRetry());
  for (int i = 0; i < 100; ++i) budget.OnFirstAttempt();
  EXPECT_TRUE(budget.TryRetry());
  EXPECT_TRUE(budget.TryRetry());
  EXPECT_FALSE(budget.TryRetry());  // Never more than max_tokens saved up.
}

}  // namespace
}  // namespace gateway_proxy
