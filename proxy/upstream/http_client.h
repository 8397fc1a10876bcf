// The upstream HTTP client behind an interface, so the proxy service can be
// driven by a real libcurl client in production and integration tests.
//
//   auto id = client->Start(std::move(request), deadline,
//                           [](absl::StatusOr<HttpResponse> r) { ... });
//   client->Cancel(id);  // the callback then runs with CANCELLED
//
// A non-2xx response is a response, not an error; errors are transport
// failures: UNAVAILABLE (connect, DNS, TLS, reset), DEADLINE_EXCEEDED,
// CANCELLED, INTERNAL (response over the size cap). A transport error
// carries why, as a short token, and the client's retries (TransferFailure):
//
//   TransferFailure f = TransferFailureOf(status);
//   // f.upstream_error == "refused", f.retries == 2
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "proxy/core/http_types.h"

namespace gateway_proxy {

// Why a transfer failed, for logs: upstream_error is "refused", "timeout",
// "reset", "tls", "dns", "size_cap", "closed" (the connection closed before
// an answer) or "other"; "" when the status says nothing (a cancelled call,
// say).
struct TransferFailure {
  std::string upstream_error;
  int retries = 0;
};

inline constexpr char kTransferFailurePayloadUrl[] = "gateway-proxy/transfer-failure";

// `status` (not OK) carrying `failure` as a payload, which never reaches a
// caller (rpc_status.h sends only its own payload).
inline absl::Status WithTransferFailure(absl::Status status, const TransferFailure& failure) {
  status.SetPayload(kTransferFailurePayloadUrl,
                    absl::Cord(absl::StrCat(failure.retries, " ", failure.upstream_error)));
  return status;
}

// What WithTransferFailure() put on `status`; empty when nothing.
inline TransferFailure TransferFailureOf(const absl::Status& status) {
  TransferFailure failure;
  const auto payload = status.GetPayload(kTransferFailurePayloadUrl);
  if (!payload.has_value()) return failure;
  const std::string text(*payload);
  const size_t space = text.find(' ');
  if (space == std::string::npos ||
      !absl::SimpleAtoi(absl::string_view(text).substr(0, space), &failure.retries)) {
    return TransferFailure();
  }
  failure.upstream_error = text.substr(space + 1);
  return failure;
}

class HttpClient {
 public:
  using CallId = uint64_t;
  using Callback = absl::AnyInvocable<void(absl::StatusOr<HttpResponse>) &&>;

  virtual ~HttpClient() = default;

  // Sends `request` to the upstream, giving up at `deadline`. `done` runs
  // exactly once, on the client's own thread, and must not block.
  // Thread-safe.
  virtual CallId Start(HttpRequest request, absl::Time deadline, Callback done) = 0;

  // Aborts call `id` if it has not completed; its callback runs with
  // CANCELLED. A finished or unknown id is ignored. Thread-safe.
  virtual void Cancel(CallId id) = 0;
};

}  // namespace gateway_proxy
