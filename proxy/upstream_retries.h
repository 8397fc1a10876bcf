// How many times the HTTP client retried a request, carried to the caller
// with the outcome: HttpResponse::retries on a response, a payload on an
// error status (which nothing else reads and nothing forwards).
//
//   absl::StatusOr<HttpResponse> outcome = ...;
//   SetUpstreamRetries(outcome, 2);
//   UpstreamRetries(outcome);  // 2
#pragma once

#include "absl/status/statusor.h"
#include "http_types.h"

namespace gateway_proxy {

// Records `retries` on `outcome`, a response or an error.
void SetUpstreamRetries(absl::StatusOr<HttpResponse>& outcome, int retries);

// The retries recorded on `outcome`; 0 when none were.
int UpstreamRetries(const absl::StatusOr<HttpResponse>& outcome);

// `status` without the retries payload, as it may go on to the caller.
absl::Status WithoutUpstreamRetries(absl::Status status);

}  // namespace gateway_proxy
