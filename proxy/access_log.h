// One structured JSON line per RPC, for log pipelines:
//
//   {"time":"2026-11-27T01:02:03.456Z","grpc_method":"/gateway.Gateway/UpdateUser",
//    "grpc_code":"NOT_FOUND","http_method":"PATCH","upstream_status":404,
//    "latency_ms":3.21,"upstream_latency_ms":2.9,"request_id":"req-9"}
//
// It holds no credential and no message body: nothing a caller sent but its
// request id. Thread-safe: each line is written whole, under a lock.
#pragma once

#include <cstdio>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "call_observer.h"
#include "google/protobuf/message.h"

namespace gateway_proxy {

// The log line for `record`, finished at `now` (without the newline).
std::string AccessLogLine(const CallRecord& record, absl::Time now);

// `entry` (a message of proto/gateway_proxy/logs.proto) as one JSON line:
// every field, snake_case names, in field order.
std::string LogJson(const google::protobuf::Message& entry);

class AccessLog final : public CallObserver {
 public:
  // Writes to `out` (stdout in production), which must outlive the log.
  explicit AccessLog(std::FILE* out) : out_(out) {}

  void OnCallStarted(absl::string_view) override {}
  void OnCallFinished(const CallRecord& record) override;

 private:
  absl::Mutex mu_;
  std::FILE* const out_ ABSL_PT_GUARDED_BY(mu_);
};

}  // namespace gateway_proxy
