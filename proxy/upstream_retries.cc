#include "upstream_retries.h"

#include <string>

#include "absl/strings/numbers.h"

namespace gateway_proxy {
namespace {

constexpr char kRetriesPayloadUrl[] = "type.gateway-proxy/upstream-retries";

}  // namespace

void SetUpstreamRetries(absl::StatusOr<HttpResponse>& outcome, int retries) {
  if (outcome.ok()) {
    outcome->retries = retries;
    return;
  }
  absl::Status status = outcome.status();
  status.SetPayload(kRetriesPayloadUrl, absl::Cord(std::to_string(retries)));
  outcome = std::move(status);
}

int UpstreamRetries(const absl::StatusOr<HttpResponse>& outcome) {
  if (outcome.ok()) return outcome->retries;
  const auto payload = outcome.status().GetPayload(kRetriesPayloadUrl);
  int retries = 0;
  if (!payload.has_value() || !absl::SimpleAtoi(std::string(*payload), &retries)) return 0;
  return retries;
}

absl::Status WithoutUpstreamRetries(absl::Status status) {
  status.ErasePayload(kRetriesPayloadUrl);
  return status;
}

}  // namespace gateway_proxy
