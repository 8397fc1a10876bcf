// Readiness that follows the upstream: with --upstream_health_interval, a
// thread of its own checks the upstream on a timer, and after
// --upstream_health_failures checks in a row fail the proxy's gRPC health
// turns NOT_SERVING; the next check that passes turns it SERVING again.
//
// A check is a TCP connect (plus the TLS handshake for https://), or with a
// health path an HTTP GET of --upstream plus that path, which passes on a
// 2xx. Each transition is one line on stderr:
//   {"time":...,"level":"warn","msg":"upstream unhealthy: not serving",
//    "upstream":"http://127.0.0.1:8080","error":"...","failures":"3"}
//   {"time":...,"level":"info","msg":"upstream healthy again: serving",...}
//
//   UpstreamHealthChecker::Options options;
//   options.upstream = "https://api.example.com";
//   options.interval = absl::Seconds(5);
//   UpstreamHealthChecker checker(options, [](bool serving) { ... });
//   ...
//   checker.Stop();  // before whatever the callback touches goes away
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace gateway_proxy {

// Consecutive check results to serving status. Starts serving. Pure; not
// thread-safe.
class UpstreamHealthState {
 public:
  // REQUIRES: failures_to_fail >= 1.
  explicit UpstreamHealthState(int failures_to_fail) : failures_to_fail_(failures_to_fail) {}

  // Takes one check's result; the new status when it changed, else nullopt.
  std::optional<bool> OnCheck(bool passed);

  bool serving() const { return serving_; }
  // Checks failed in a row so far.
  int consecutive_failures() const { return consecutive_failures_; }

 private:
  const int failures_to_fail_;
  int consecutive_failures_ = 0;
  bool serving_ = true;
};

struct UpstreamHealthCheck {
  std::string upstream;       // --upstream, http(s)://host[:port][/path]
  std::string health_path;    // empty: connect only
  std::string ca_file;        // --upstream_ca_file; empty: the system store
  std::string client_cert;    // --upstream_client_cert; empty: none
  std::string client_key;     // --upstream_client_key
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration timeout = absl::Seconds(5);  // the whole check
};

// One check, blocking (libcurl easy): OK, or UNAVAILABLE saying why. Gives
// up early once `*abort` (may be null) turns true.
absl::Status CheckUpstream(const UpstreamHealthCheck& check,
                           const std::atomic<bool>* abort = nullptr);

class UpstreamHealthChecker {
 public:
  struct Options {
    UpstreamHealthCheck check;
    absl::Duration interval = absl::Seconds(5);
    int failures_to_fail = 3;
  };
  // Runs `on_change(serving)` on the checker's thread at each transition.
  UpstreamHealthChecker(Options options, absl::AnyInvocable<void(bool serving)> on_change);
  ~UpstreamHealthChecker();  // Stop()s.

  // Ends the checks; a check under way finishes first. Idempotent.
  void Stop();

 private:
  void Run();

  const Options options_;
  absl::AnyInvocable<void(bool)> on_change_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> abort_check_{false};
  std::thread thread_;
};

}  // namespace gateway_proxy
