// One structured JSON line per RPC, for log pipelines:
//
//   {"time":"2026-11-27T01:02:03.456Z","grpc_method":"/gateway.Gateway/UpdateUser",
//    "grpc_code":"NOT_FOUND","http_method":"PATCH","upstream_status":404,
//    "latency_ms":3.21,"upstream_latency_ms":2.9,"request_id":"req-9",
//    "error":"user alice not found","upstream_error":"","retries":0,
//    "request_bytes":42,"response_bytes":0,"peer":"ipv4:127.0.0.1:41000",
//    "user_agent":"grpc-python/1.51.1","trace_id":"4bf92f35...","span_id":"00f067aa..."}
//
// It holds no credential and no message body: of what a caller sent, only
// its request id, user agent and trace ids, and the status message it got
// (redacted of any key the proxy added).
//
// Writing never blocks a call: OnCallFinished() formats the line and queues
// it, and a writer thread of the log's own writes the queue out every
// kFlushInterval (and at the end). When `out`
// does not keep up (a full pipe nobody reads), at most
// Options::max_pending_lines wait; further lines are dropped and counted,
// and a warning on stderr (stderr_log.h; at most every 10s) says how many.
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "proxy/observability/call_observer.h"

namespace gateway_proxy {

// The log line for `record`, finished at `now` (without the newline).
std::string AccessLogLine(const CallRecord& record, absl::Time now);

// `entry` (a message of proto/gateway_proxy/logs.proto) as one JSON line:
// every field, snake_case names, in field order.
std::string LogJson(const google::protobuf::Message& entry);

class AccessLog final : public CallObserver {
 public:
  static constexpr absl::Duration kFlushInterval = absl::Milliseconds(10);

  struct Options {
    // Lines queued for `out` at most; beyond, lines are dropped.
    size_t max_pending_lines = 10000;
    // The clock for each line's "time" (tests fix it).
    absl::Time (*now)() = &absl::Now;
  };

  // Writes to `out` (stdout in production), which must outlive the log.
  // Nothing is written before Open().
  AccessLog(std::FILE* out, Options options);
  explicit AccessLog(std::FILE* out) : AccessLog(out, Options()) {}
  // Writes what is queued (opened or not), then stops the writer.
  ~AccessLog();

  // Writes `first_line` (unless empty), then every line queued so far, and
  // from then on each line as it comes. The server calls it once it knows its
  // address ("listening on 127.0.0.1:50051"), so that line comes first even
  // when a call finishes before it. Call once.
  void Open(std::string first_line);

  void OnCallStarted(absl::string_view) override {}
  void OnCallFinished(const CallRecord& record) override;

  // Lines dropped so far because `out` did not keep up.
  uint64_t dropped() const;

  // Waits until every line queued so far (once opened) has been written,
  // at most `timeout`. False when `out` did not take them in time: then the
  // process should not wait for this log's destructor, which joins a writer
  // that may be stuck in write() for good.
  bool Flush(absl::Duration timeout);

 private:
  void Run();

  std::FILE* const out_;  // Only the writer thread writes to it.
  const Options options_;
  mutable absl::Mutex mu_;
  std::deque<std::string> pending_ ABSL_GUARDED_BY(mu_);
  bool open_ ABSL_GUARDED_BY(mu_) = false;
  absl::Notification stop_;
  uint64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  // Lines queued, and lines the writer has handed to `out`.
  uint64_t queued_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t written_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread writer_;
};

}  // namespace gateway_proxy
