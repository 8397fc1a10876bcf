// When a failed upstream request is tried again, and after how long. Off
// unless --max_retries is set; always safe:
//
//  - a request that never left (the connection or TLS handshake failed, or
//    no connection came in time) is retried whatever its method: the
//    upstream cannot have acted on it;
//  - a 503 or 429 answer is retried only for GET and HEAD, which the upstream
//    may see twice; a PATCH or POST whose bytes were sent is never retried;
//  - the wait is exponential backoff with full jitter, or the answer's
//    Retry-After when it gives one (delta-seconds or an HTTP-date, read as
//    the error translation reads it: retry_after.h);
//  - no retry starts unless it and its wait fit before the call's deadline;
//  - a retry budget (RetryBudget) caps retries at a fraction of first
//    attempts, so retries cannot multiply an outage.
//
//   RetryPolicy policy{.max_retries = 2};
//   auto delay = RetryDelay(policy, "GET", result, /*never_left=*/false,
//                           /*retries_so_far=*/0, now, deadline, random01);
//   // nullopt: give up and return `result`.
#pragma once

#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "proxy/core/http_types.h"

namespace gateway_proxy {

struct RetryPolicy {
  int max_retries = 0;  // 0: never retry.
  absl::Duration initial_backoff = absl::Milliseconds(25);
  absl::Duration max_backoff = absl::Seconds(1);
};

// How long to wait before retry number `retries_so_far + 1` of a request
// whose attempt ended in `result`, or nullopt to stop. `never_left`: the
// request's bytes were not sent. `random01` is uniform in [0, 1) (the
// jitter). Pure.
std::optional<absl::Duration> RetryDelay(const RetryPolicy& policy,
                                         absl::string_view http_method,
                                         const absl::StatusOr<HttpResponse>& result,
                                         bool never_left, int retries_so_far,
                                         absl::Time now, absl::Time deadline,
                                         double random01);

// A token bucket shared by every call: each first attempt adds `ratio`
// tokens (up to `max_tokens`), each retry takes one. With ratio 0.1, at most
// about one retry per ten calls once the initial tokens are spent.
// Thread-safe.
class RetryBudget {
 public:
  explicit RetryBudget(double ratio = 0.1, double max_tokens = 10)
      : ratio_(ratio), max_tokens_(max_tokens), tokens_(max_tokens) {}

  void OnFirstAttempt();
  // Takes a token for a retry; false when the budget is spent.
  bool TryRetry();

 private:
  const double ratio_;
  const double max_tokens_;
  absl::Mutex mu_;
  double tokens_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gateway_proxy
