// The upstream HTTP client behind an interface, so the proxy service can be
// driven by a real libcurl client in production and integration tests.
//
//   auto id = client->Start(std::move(request), deadline,
//                           [](absl::StatusOr<HttpResponse> r) { ... });
//   client->Cancel(id);  // the callback then runs with CANCELLED
//
// A non-2xx response is a response, not an error; errors are transport
// failures: UNAVAILABLE (connect, DNS, TLS, reset), DEADLINE_EXCEEDED,
// CANCELLED, INTERNAL (response over the size cap).
#pragma once

#include <cstdint>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "http_types.h"

namespace gateway_proxy {

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
