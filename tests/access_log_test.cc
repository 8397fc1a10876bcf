#include "proxy/observability/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gateway_proxy/logs.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace gateway_proxy {
namespace {

CallRecord NotFoundRecord() {
  CallRecord record;
  record.grpc_method = "/gateway.Gateway/UpdateUser";
  record.code = absl::StatusCode::kNotFound;
  record.http_method = "PATCH";
  record.upstream_status = 404;
  record.latency = absl::Microseconds(3250);
  record.upstream_latency = absl::Microseconds(2500);
  record.request_id = "req-9";
  record.error = "user alice not found";
  record.request_bytes = 42;
  record.peer = "ipv4:127.0.0.1:41000";
  record.user_agent = "grpc-python/1.51.1";
  record.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  record.span_id = "00f067aa0ba902b7";
  return record;
}

TEST(AccessLogTest, LineHoldsEveryFieldInOrder) {
  EXPECT_EQ(AccessLogLine(NotFoundRecord(), absl::FromUnixMillis(1767323045123)),
            R"({"time":"2026-01-02T03:04:05.123Z","grpc_method":"/gateway.Gateway/UpdateUser",)"
            R"("grpc_code":"NOT_FOUND","http_method":"PATCH","upstream_status":404,)"
            R"("latency_ms":3.25,"upstream_latency_ms":2.5,"request_id":"req-9",)"
            R"("error":"user alice not found","upstream_error":"","retries":0,)"
            R"("request_bytes":42,"response_bytes":0,"peer":"ipv4:127.0.0.1:41000",)"
            R"("user_agent":"grpc-python/1.51.1","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736",)"
            R"("span_id":"00f067aa0ba902b7"})");
}

// The time's second is formatted once per second and thread: lines in turn
// across seconds, back in time and before 1970 each carry their own.
TEST(AccessLogTest, EveryLineHasItsOwnTimeToTheMillisecond) {
  const auto time_of = [](absl::Time now) {
    const std::string line = AccessLogLine(CallRecord(), now);
    return line.substr(0, line.find(",\"grpc_method\""));
  };
  EXPECT_EQ(time_of(absl::FromUnixMillis(1767323045999)), R"({"time":"2026-01-02T03:04:05.999Z")");
  EXPECT_EQ(time_of(absl::FromUnixMillis(1767323046000)), R"({"time":"2026-01-02T03:04:06.000Z")");
  EXPECT_EQ(time_of(absl::FromUnixMillis(1767323046007)), R"({"time":"2026-01-02T03:04:06.007Z")");
  EXPECT_EQ(time_of(absl::FromUnixMillis(1767323045010)), R"({"time":"2026-01-02T03:04:05.010Z")");
  EXPECT_EQ(time_of(absl::FromUnixMillis(-1)), R"({"time":"1969-12-31T23:59:59.999Z")");
  EXPECT_EQ(time_of(absl::FromUnixMicros(1767323045123999)),
            R"({"time":"2026-01-02T03:04:05.123Z")");
}

TEST(AccessLogTest, LatenciesDropTrailingZerosOfTheirMicroseconds) {
  CallRecord record;
  record.latency = absl::Microseconds(3250);
  record.upstream_latency = absl::Microseconds(1007);
  const std::string line = AccessLogLine(record, absl::UnixEpoch());
  EXPECT_NE(line.find(R"("latency_ms":3.25,"upstream_latency_ms":1.007,)"), std::string::npos)
      << line;
  record.latency = absl::Microseconds(2100);
  record.upstream_latency = absl::Milliseconds(12);
  const std::string other = AccessLogLine(record, absl::UnixEpoch());
  EXPECT_NE(other.find(R"("latency_ms":2.1,"upstream_latency_ms":12,)"), std::string::npos)
      << other;
}

TEST(AccessLogTest, CallThatSentNothingHasEmptyUpstreamFields) {
  CallRecord record;
  record.grpc_method = "/gateway.Gateway/DeleteUser";
  record.code = absl::StatusCode::kUnimplemented;
  EXPECT_EQ(AccessLogLine(record, absl::FromUnixSeconds(1767323045)),
            R"({"time":"2026-01-02T03:04:05.000Z","grpc_method":"/gateway.Gateway/DeleteUser",)"
            R"("grpc_code":"UNIMPLEMENTED","http_method":"","upstream_status":0,)"
            R"("latency_ms":0,"upstream_latency_ms":0,"request_id":"","error":"",)"
            R"("upstream_error":"","retries":0,"request_bytes":0,"response_bytes":0,)"
            R"("peer":"","user_agent":"","trace_id":"","span_id":""})");
}

TEST(AccessLogTest, TransportFailureNamesItsReasonAndRetries) {
  CallRecord record;
  record.grpc_method = "/gateway.Gateway/GetUser";
  record.code = absl::StatusCode::kUnavailable;
  record.http_method = "GET";
  record.error = "upstream 127.0.0.1:1 unavailable: Couldn't connect to server";
  record.upstream_error = "refused";
  record.retries = 2;
  record.request_bytes = 17;
  record.user_agent = "agent \"x\"\n";
  EXPECT_EQ(AccessLogLine(record, absl::FromUnixSeconds(1767323045)),
            R"({"time":"2026-01-02T03:04:05.000Z","grpc_method":"/gateway.Gateway/GetUser",)"
            R"("grpc_code":"UNAVAILABLE","http_method":"GET","upstream_status":0,)"
            R"("latency_ms":0,"upstream_latency_ms":0,"request_id":"",)"
            R"("error":"upstream 127.0.0.1:1 unavailable: Couldn't connect to server",)"
            R"("upstream_error":"refused","retries":2,"request_bytes":17,"response_bytes":0,)"
            R"("peer":"","user_agent":"agent \"x\"\u000a","trace_id":"","span_id":""})");
}

TEST(AccessLogTest, LineParsesAsTheSchemaWithEveryField) {
  CallRecord record = NotFoundRecord();
  record.upstream_error = "size_cap";
  record.retries = 3;
  record.response_bytes = 9;
  const std::string line = AccessLogLine(record, absl::FromUnixSeconds(0));
  AccessLogEntry entry;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &entry).ok()) << line;
  EXPECT_EQ(entry.error(), "user alice not found");
  EXPECT_EQ(entry.upstream_error(), "size_cap");
  EXPECT_EQ(entry.retries(), 3);
  EXPECT_EQ(entry.request_bytes(), 42);
  EXPECT_EQ(entry.response_bytes(), 9);
  EXPECT_EQ(entry.peer(), "ipv4:127.0.0.1:41000");
  EXPECT_EQ(entry.user_agent(), "grpc-python/1.51.1");
  EXPECT_EQ(entry.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(entry.span_id(), "00f067aa0ba902b7");
  // Every field of the schema is on the line, in field order.
  const google::protobuf::Descriptor* d = AccessLogEntry::descriptor();
  size_t at = 0;
  for (int i = 0; i < d->field_count(); ++i) {
    const size_t found = line.find(absl::StrCat("\"", d->field(i)->name(), "\":"), at);
    ASSERT_NE(found, std::string::npos) << d->field(i)->name();
    at = found;
  }
}

TEST(AccessLogTest, LatencyHasMicrosecondPrecision) {
  CallRecord record = NotFoundRecord();
  record.latency = absl::Nanoseconds(41488493);
  record.upstream_latency = absl::Microseconds(1000);
  const std::string line = AccessLogLine(record, absl::FromUnixSeconds(0));
  EXPECT_NE(line.find(R"("latency_ms":41.488,"upstream_latency_ms":1,)"), std::string::npos)
      << line;
}

TEST(AccessLogTest, AnyBytesInCallerTextStayOneValidJsonLine) {
  CallRecord record = NotFoundRecord();
  record.grpc_method = "/a\"b\\c/\xff";
  record.request_id = std::string("r\n\x01\"}\0x", 7);
  const std::string line = AccessLogLine(record, absl::FromUnixSeconds(0));
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find(R"("grpc_method":"/a\"b\\c/\u00ff",)"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("request_id":"r\u000a\u0001\"}\u0000x",)"), std::string::npos) << line;
  // And it parses as the documented schema, values intact.
  AccessLogEntry entry;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &entry).ok()) << line;
  EXPECT_EQ(entry.request_id(), record.request_id);
  EXPECT_EQ(entry.grpc_code(), "NOT_FOUND");
  EXPECT_EQ(entry.upstream_status(), 404);
  EXPECT_EQ(entry.latency_ms(), 3.25);
}

absl::Time FixedNow() { return absl::FromUnixMillis(1767323045123); }

constexpr char kNotFoundLine[] =
    R"({"time":"2026-01-02T03:04:05.123Z","grpc_method":"/gateway.Gateway/UpdateUser",)"
    R"("grpc_code":"NOT_FOUND","http_method":"PATCH","upstream_status":404,)"
    R"("latency_ms":3.25,"upstream_latency_ms":2.5,"request_id":"req-9",)"
    R"("error":"user alice not found","upstream_error":"","retries":0,)"
    R"("request_bytes":42,"response_bytes":0,"peer":"ipv4:127.0.0.1:41000",)"
    R"("user_agent":"grpc-python/1.51.1","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736",)"
    R"("span_id":"00f067aa0ba902b7"})"
    "\n";

// Everything written to `file` so far.
std::string ReadAll(std::FILE* file) {
  std::rewind(file);
  std::string content;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) content.append(buffer, n);
  return content;
}

AccessLog::Options FixedClock(size_t max_pending_lines = 10000) {
  AccessLog::Options options;
  options.max_pending_lines = max_pending_lines;
  options.now = &FixedNow;
  return options;
}

TEST(AccessLogTest, ObserverWritesTheFirstLineThenOneLinePerCall) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  {
    AccessLog log(out, FixedClock());
    log.Open("listening on 127.0.0.1:50051");
    log.OnCallStarted("/gateway.Gateway/UpdateUser");
    log.OnCallFinished(NotFoundRecord());
    log.OnCallFinished(NotFoundRecord());
  }  // Destruction writes what is queued.
  EXPECT_EQ(ReadAll(out),
            absl::StrCat("listening on 127.0.0.1:50051\n", kNotFoundLine, kNotFoundLine));
  std::fclose(out);
}

TEST(AccessLogTest, CallsFinishedBeforeOpenComeAfterTheFirstLine) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  {
    AccessLog log(out, FixedClock());
    log.OnCallFinished(NotFoundRecord());
    log.Open("listening on 127.0.0.1:50051");
  }
  EXPECT_EQ(ReadAll(out), absl::StrCat("listening on 127.0.0.1:50051\n", kNotFoundLine));
  std::fclose(out);
}

TEST(AccessLogTest, LinesBeyondTheQueueLimitAreDroppedAndCounted) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  {
    AccessLog log(out, FixedClock(/*max_pending_lines=*/2));
    // Not open yet: nothing leaves the queue.
    for (int i = 0; i < 5; ++i) log.OnCallFinished(NotFoundRecord());
    EXPECT_EQ(log.dropped(), 3u);
    log.Open("");
  }
  EXPECT_EQ(ReadAll(out), absl::StrCat(kNotFoundLine, kNotFoundLine));
  std::fclose(out);
}

// A full pipe nobody reads (a log collector that stalled) must not hold up
// calls: OnCallFinished() returns, and lines beyond the queue are dropped.
TEST(AccessLogTest, AStalledOutputNeverBlocksACall) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  // Fill the pipe, then make writes to it block again.
  ASSERT_EQ(fcntl(fds[1], F_SETFL, O_NONBLOCK), 0);
  const std::string filler(4096, 'x');
  size_t filled = 0;
  for (ssize_t n; (n = write(fds[1], filler.data(), filler.size())) > 0;) filled += n;
  ASSERT_EQ(errno, EAGAIN);
  ASSERT_EQ(fcntl(fds[1], F_SETFL, 0), 0);
  std::FILE* out = fdopen(fds[1], "w");
  ASSERT_NE(out, nullptr);

  constexpr int kCalls = 1000;
  auto log = std::make_unique<AccessLog>(out, FixedClock(/*max_pending_lines=*/4));
  log->Open("");
  for (int i = 0; i < kCalls; ++i) log->OnCallFinished(NotFoundRecord());
  const uint64_t dropped = log->dropped();
  EXPECT_GE(dropped, 1u);

  // Drain the pipe so the writer can finish; every line is either written
  // whole or counted as dropped.
  std::string read_back;
  std::thread reader([&] {
    char buffer[4096];
    for (ssize_t n; (n = read(fds[0], buffer, sizeof(buffer))) > 0;) read_back.append(buffer, n);
  });
  log.reset();
  std::fclose(out);  // EOF for the reader.
  reader.join();
  close(fds[0]);
  ASSERT_GE(read_back.size(), filled);
  const std::string lines = read_back.substr(filled);
  const auto written = static_cast<uint64_t>(std::count(lines.begin(), lines.end(), '\n'));
  EXPECT_EQ(written + dropped, static_cast<uint64_t>(kCalls));
  EXPECT_EQ(lines.size(), written * (sizeof(kNotFoundLine) - 1));
}

}  // namespace
}  // namespace gateway_proxy
