#include "access_log.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "absl/time/clock.h"
#include "gateway_proxy/logs.pb.h"
#include "google/protobuf/util/json_util.h"
#include "status_mapping.h"
#include "json.h"

namespace gateway_proxy {

std::string AccessLogLine(const CallRecord& record, absl::Time now) {
  AccessLogEntry entry;
  entry.set_time(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", now, absl::UTCTimeZone()));
  entry.set_grpc_method(record.grpc_method);
  entry.set_grpc_code(std::string(CodeName(record.code)));
  entry.set_http_method(record.http_method);
  entry.set_upstream_status(record.upstream_status);
  entry.set_latency_ms(absl::ToDoubleMilliseconds(record.latency));
  entry.set_upstream_latency_ms(absl::ToDoubleMilliseconds(record.upstream_latency));
  entry.set_request_id(record.request_id);
  return LogJson(entry);
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
}

uint64_t AccessLog::dropped() const {
  absl::MutexLock lock(&mu_);
  return dropped_;
}

void AccessLog::Run() {
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
      std::fprintf(stderr, "gateway-proxy: access log: cannot write: %s\n",
                   std::strerror(errno));
      write_failed = true;
    }
    std::clearerr(out_);
    // At most every 10s while dropping, and once more at the end.
    if (dropped != reported && (stopping || absl::Now() - reported_at >= absl::Seconds(10))) {
      std::fprintf(stderr,
                   "gateway-proxy: access log: stdout is not keeping up; %llu lines "
                   "dropped so far\n",
                   static_cast<unsigned long long>(dropped));
      reported = dropped;
      reported_at = absl::Now();
    }
    if (stopping) return;
  }
}

}  // namespace gateway_proxy
