#include "proxy/observability/access_log.h"

#include <pthread.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway_proxy/logs.pb.h"
#include "google/protobuf/util/json_util.h"
#include "proxy/core/json.h"
#include "proxy/core/status_mapping.h"
#include "proxy/observability/stderr_log.h"

namespace gateway_proxy {

namespace {

// Milliseconds with microsecond precision, trailing zeros dropped: "3.25".
void AppendMilliseconds(absl::Duration d, std::string* out) {
  const int64_t micros = std::max<int64_t>(0, absl::ToInt64Microseconds(d));
  absl::StrAppend(out, micros / 1000);
  if (int64_t fraction = micros % 1000; fraction != 0) {
    char digits[4] = {'.', static_cast<char>('0' + fraction / 100),
                      static_cast<char>('0' + fraction / 10 % 10),
                      static_cast<char>('0' + fraction % 10)};
    size_t length = 4;
    while (digits[length - 1] == '0') --length;
    out->append(digits, length);
  }
}

// "2026-01-02T03:04:05.123Z", quoted: the second's text is formatted once
// per second and thread, the milliseconds every time.
void AppendTime(absl::Time now, std::string* out) {
  thread_local int64_t formatted_second = std::numeric_limits<int64_t>::min();
  thread_local std::string second_text;
  const int64_t millis = absl::ToUnixMillis(now);
  const int64_t second = millis / 1000 - (millis % 1000 < 0 ? 1 : 0);
  if (second != formatted_second) {
    second_text = absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(second),
                                   absl::UTCTimeZone());
    formatted_second = second;
  }
  const int64_t fraction = millis - second * 1000;
  const char tail[6] = {'.', static_cast<char>('0' + fraction / 100),
                        static_cast<char>('0' + fraction / 10 % 10),
                        static_cast<char>('0' + fraction % 10), 'Z', '"'};
  absl::StrAppend(out, "\"", second_text);
  out->append(tail, sizeof(tail));
}

// Appends `,"key":` and `value` as a JSON string.
void AppendStringField(absl::string_view key, absl::string_view value, std::string* out) {
  absl::StrAppend(out, ",\"", key, "\":");
  AppendJsonString(value, out);
}

}  // namespace

// The fields and their order are AccessLogEntry's (logs.proto); written by
// hand: protobuf's JSON printer was a large part of the per-call cost here
// (README, Performance).
std::string AccessLogLine(const CallRecord& record, absl::Time now) {
  std::string line;
  line.reserve(512);
  line.append("{\"time\":");
  AppendTime(now, &line);
  AppendStringField("grpc_method", record.grpc_method, &line);
  absl::StrAppend(&line, ",\"grpc_code\":\"", CodeName(record.code), "\"");
  AppendStringField("http_method", record.http_method, &line);
  absl::StrAppend(&line, ",\"upstream_status\":", record.upstream_status, ",\"latency_ms\":");
  AppendMilliseconds(record.latency, &line);
  line.append(",\"upstream_latency_ms\":");
  AppendMilliseconds(record.upstream_latency, &line);
  AppendStringField("request_id", record.request_id, &line);
  AppendStringField("error", record.error, &line);
  AppendStringField("upstream_error", record.upstream_error, &line);
  absl::StrAppend(&line, ",\"retries\":", record.retries,
                  ",\"request_bytes\":", record.request_bytes,
                  ",\"response_bytes\":", record.response_bytes);
  AppendStringField("peer", record.peer, &line);
  AppendStringField("user_agent", record.user_agent, &line);
  AppendStringField("trace_id", record.trace_id, &line);
  AppendStringField("span_id", record.span_id, &line);
  line.push_back('}');
  return line;
}

std::string LogJson(const google::protobuf::Message& entry) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;  // A fixed set of fields.
  options.preserve_proto_field_names = true;     // snake_case, as logs have it.
  std::string json;
  // Plain strings and numbers: printing cannot fail.
  (void)PrintJson(entry, &json, options);
  return json;
}

AccessLog::AccessLog(std::FILE* out, Options options)
    : out_(out), options_(options), writer_([this] { Run(); }) {}

AccessLog::~AccessLog() {
  stop_.Notify();
  writer_.join();
}

void AccessLog::Open(std::string first_line) {
  absl::MutexLock lock(&mu_);
  if (!first_line.empty()) {
    first_line.push_back('\n');
    pending_.push_front(std::move(first_line));
    ++queued_;
  }
  open_ = true;
}

void AccessLog::OnCallFinished(const CallRecord& record) {
  std::string line = AccessLogLine(record, options_.now());
  line.push_back('\n');
  absl::MutexLock lock(&mu_);
  if (pending_.size() >= options_.max_pending_lines) {
    ++dropped_;
    return;
  }
  pending_.push_back(std::move(line));
  ++queued_;
}

bool AccessLog::Flush(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  const uint64_t target = queued_;
  auto written = [this, target]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return written_ >= target;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&written), timeout);
}

uint64_t AccessLog::dropped() const {
  absl::MutexLock lock(&mu_);
  return dropped_;
}

void AccessLog::Run() {
  pthread_setname_np(pthread_self(), "access-log");  // As top -H shows it.
  uint64_t reported = 0;
  absl::Time reported_at = absl::InfinitePast();
  bool write_failed = false;
  for (;;) {
    // Wakes on a timer, not per line: a call adds its line under an
    // uncontended lock and wakes nobody.
    const bool stopping = stop_.WaitForNotificationWithTimeout(kFlushInterval);
    std::deque<std::string> lines;
    uint64_t dropped;
    {
      absl::MutexLock lock(&mu_);
      if (open_ || stopping) lines.swap(pending_);
      dropped = dropped_;
    }
    // Outside the lock: a slow `out` holds up this thread alone. Each line
    // goes out in one fwrite, so lines never interleave.
    for (const std::string& line : lines) std::fwrite(line.data(), 1, line.size(), out_);
    if (std::fflush(out_) != 0 && !write_failed) {
      // Say so once; calls carry on either way.
      LogToStderr(LogLevel::kError, "access log: cannot write to stdout",
                  {{"error", std::strerror(errno)}});
      write_failed = true;
    }
    std::clearerr(out_);
    {
      absl::MutexLock lock(&mu_);
      written_ += lines.size();
    }
    // At most every 10s while dropping, and once more at the end.
    if (dropped != reported && (stopping || absl::Now() - reported_at >= absl::Seconds(10))) {
      LogToStderr(LogLevel::kWarn, "access log: stdout is not keeping up; lines were dropped",
                  {{"dropped_lines", absl::StrCat(dropped)}});
      reported = dropped;
      reported_at = absl::Now();
    }
    if (stopping) return;
  }
}

}  // namespace gateway_proxy
