#include "access_log.h"

#include <algorithm>
#include <cstdio>
#include <string>

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
  return record;
}

TEST(AccessLogTest, LineHoldsEveryFieldInOrder) {
  EXPECT_EQ(AccessLogLine(NotFoundRecord(), absl::FromUnixMillis(1767323045123)),
            R"({"time":"2026-01-02T03:04:05.123Z","grpc_method":"/gateway.Gateway/UpdateUser",)"
            R"("grpc_code":"NOT_FOUND","http_method":"PATCH","upstream_status":404,)"
            R"("latency_ms":3.25,"upstream_latency_ms":2.5,"request_id":"req-9"})");
}

TEST(AccessLogTest, CallThatSentNothingHasEmptyUpstreamFields) {
  CallRecord record;
  record.grpc_method = "/gateway.Gateway/DeleteUser";
  record.code = absl::StatusCode::kUnimplemented;
  EXPECT_EQ(AccessLogLine(record, absl::FromUnixSeconds(1767323045)),
            R"({"time":"2026-01-02T03:04:05.000Z","grpc_method":"/gateway.Gateway/DeleteUser",)"
            R"("grpc_code":"UNIMPLEMENTED","http_method":"","upstream_status":0,)"
            R"("latency_ms":0,"upstream_latency_ms":0,"request_id":""})");
}

TEST(AccessLogTest, ObserverWritesOneLinePerCall) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  AccessLog log(out);
  log.OnCallStarted("/gateway.Gateway/UpdateUser");
  log.OnCallFinished(NotFoundRecord());
  log.OnCallFinished(NotFoundRecord());
  std::rewind(out);
  char buffer[4096];
  const size_t n = std::fread(buffer, 1, sizeof(buffer), out);
  std::fclose(out);
  const std::string written(buffer, n);
  ASSERT_EQ(std::count(written.begin(), written.end(), '\n'), 2);
  EXPECT_NE(written.find(R"("grpc_code":"NOT_FOUND")"), std::string::npos);
  EXPECT_EQ(written.substr(0, 9), R"({"time":")");
}

}  // namespace
}  // namespace gateway_proxy
