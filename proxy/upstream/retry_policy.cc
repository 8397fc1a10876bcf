#include "proxy/upstream/retry_policy.h"

#include <algorithm>
#include <cmath>

#include "proxy/core/retry_after.h"

namespace gateway_proxy {

std::optional<absl::Duration> RetryDelay(const RetryPolicy& policy,
                                         absl::string_view http_method,
                                         const absl::StatusOr<HttpResponse>& result,
                                         bool never_left, int retries_so_far,
                                         absl::Time now, absl::Time deadline,
                                         double random01) {
  if (retries_so_far >= policy.max_retries) return std::nullopt;
  std::optional<absl::Duration> retry_after;
  if (result.ok()) {
    const bool idempotent = http_method == "GET" || http_method == "HEAD";
    if (!idempotent || (result->status != 503 && result->status != 429)) {
      return std::nullopt;
    }
    retry_after = RetryAfterDelay(result->Header("Retry-After"), now);
  } else if (!never_left) {
    return std::nullopt;  // Sent, then failed: the upstream may have acted.
  }
  absl::Duration delay;
  if (retry_after.has_value()) {
    delay = *retry_after;
  } else {
    // Full jitter: uniform in [0, min(max, initial * 2^retries)).
    const absl::Duration ceiling =
        std::min(policy.max_backoff,
                 policy.initial_backoff * std::pow(2.0, std::min(retries_so_far, 30)));
    delay = ceiling * random01;
  }
  // The retry must have time to run after its wait; a quarter of the first
  // backoff is the least worth trying.
  if (now + delay + policy.initial_backoff / 4 >= deadline) return std::nullopt;
  return delay;
}

void RetryBudget::OnFirstAttempt() {
  absl::MutexLock lock(&mu_);
  tokens_ = std::min(max_tokens_, tokens_ + ratio_);
}

bool RetryBudget::TryRetry() {
  absl::MutexLock lock(&mu_);
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

}  // namespace gateway_proxy
