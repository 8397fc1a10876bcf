// The Prometheus endpoint, scraped over HTTP after real calls through the
// proxy: the grpc-ecosystem series and the upstream ones, exact samples.
#include <httplib.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "gateway/gateway.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "proxy/app/server.h"
#include "proxy/observability/process_metrics.h"
#include "support/fake_upstream.h"

namespace gateway_proxy {
namespace {

using ::gateway_proxy::testing::CannedResponse;
using ::gateway_proxy::testing::FakeUpstream;
using ::gateway_proxy::testing::RecordedRequest;
using ::testing::Contains;
using ::testing::Not;

// Counts the calls it is told of.
class RecordingObserver : public CallObserver {
 public:
  void OnCallStarted(absl::string_view) override {}
  void OnCallFinished(const CallRecord&) override {
    absl::MutexLock lock(&mu_);
    ++finished_;
  }
  int finished() {
    absl::MutexLock lock(&mu_);
    return finished_;
  }

 private:
  absl::Mutex mu_;
  int finished_ ABSL_GUARDED_BY(mu_) = 0;
};

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Config config;
    config.listen = "127.0.0.1:0";
    config.upstream = upstream_.base_url();
    config.metrics_listen = "127.0.0.1:0";
    config.access_log = false;
    auto proxy = ProxyServer::Start(config);
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = *std::move(proxy);
    ASSERT_GT(proxy_->metrics_port(), 0);
    channel_ = grpc::CreateChannel(proxy_->address(), grpc::InsecureChannelCredentials());
  }

  grpc::Status Update(int upstream_status, std::string body) {
    upstream_.SetHandler([=](const RecordedRequest&) {
      return CannedResponse{upstream_status, "application/json", body, {}};
    });
    gateway::UpdateUserRequest request;
    request.set_account_id("acme");
    request.set_user_id("alice");
    request.mutable_user()->set_role("admin");
    grpc::ClientContext context;
    context.AddMetadata("x-api-key", "test-key-1");
    gateway::User reply;
    return gateway::Gateway::NewStub(channel_)->UpdateUser(&context, request, &reply);
  }

  // The sample lines of the scrape (no # HELP / # TYPE).
  std::vector<std::string> Scrape() {
    httplib::Client client("127.0.0.1", proxy_->metrics_port());
    auto response = client.Get("/metrics");
    EXPECT_TRUE(response) << "no answer from /metrics";
    std::vector<std::string> samples;
    if (!response) return samples;
    EXPECT_EQ(response->status, 200);
    for (absl::string_view line : absl::StrSplit(response->body, '\n', absl::SkipEmpty())) {
      if (line[0] != '#') samples.emplace_back(line);
    }
    return samples;
  }

  FakeUpstream upstream_;
  std::unique_ptr<ProxyServer> proxy_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(MetricsTest, SeriesForEveryServedMethodExistFromTheStart) {
  const auto samples = Scrape();
  EXPECT_THAT(samples, Contains(R"(grpc_server_started_total{grpc_method="GetUser",)"
                                R"(grpc_service="gateway.Gateway",grpc_type="unary"} 0)"));
  EXPECT_THAT(samples, Contains(R"(grpc_server_handled_total{grpc_code="Unauthenticated",)"
                                R"(grpc_method="ListUsers",grpc_service="gateway.Gateway",)"
                                R"(grpc_type="unary"} 0)"));
  EXPECT_THAT(samples, Contains("gateway_proxy_inflight_rpcs 0"));
}

TEST_F(MetricsTest, CallsCountByMethodCodeAndUpstreamStatus) {
  EXPECT_EQ(Update(404, R"({"code":5,"message":"no such user"})").error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(Update(200, R"({"name":"accounts/acme/users/alice"})").ok());
  EXPECT_TRUE(Update(200, R"({"name":"accounts/acme/users/alice"})").ok());

  // A method nobody serves counts under "unknown", whatever its name.
  grpc::GenericStub generic(channel_);
  grpc::ClientContext context;
  grpc::Slice empty{std::string()};
  grpc::ByteBuffer request(&empty, 1), response;
  absl::Notification done;
  generic.UnaryCall(&context, "/attacker.Chosen/Name123", grpc::StubOptions(), &request,
                    &response, [&](grpc::Status) { done.Notify(); });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  proxy_->Shutdown(absl::Seconds(5));  // Every call has been counted after this.

  const auto samples = Scrape();
  const std::string update = R"(grpc_method="UpdateUser",grpc_service="gateway.Gateway",)"
                             R"(grpc_type="unary")";
  EXPECT_THAT(samples, Contains(absl::StrCat("grpc_server_started_total{", update, "} 3")));
  EXPECT_THAT(samples, Contains(absl::StrCat("grpc_server_handled_total{grpc_code=\"OK\",",
                                             update, "} 2")));
  EXPECT_THAT(samples,
              Contains(absl::StrCat("grpc_server_handled_total{grpc_code=\"NotFound\",",
                                    update, "} 1")));
  EXPECT_THAT(samples, Contains(absl::StrCat("grpc_server_handling_seconds_count{", update,
                                             "} 3")));
  EXPECT_THAT(samples, Contains(R"(grpc_server_handled_total{grpc_code="Unimplemented",)"
                                R"(grpc_method="unknown",grpc_service="unknown",)"
                                R"(grpc_type="unary"} 1)"));
  for (const auto& sample : samples) EXPECT_THAT(sample, Not(::testing::HasSubstr("attacker")));
  EXPECT_THAT(samples, Contains(R"(gateway_proxy_upstream_requests_total{http_method="PATCH",)"
                                R"(http_status="200"} 2)"));
  EXPECT_THAT(samples, Contains(R"(gateway_proxy_upstream_requests_total{http_method="PATCH",)"
                                R"(http_status="404"} 1)"));
  // The status class on the latency histogram.
  EXPECT_THAT(samples, Contains(R"(gateway_proxy_upstream_request_seconds_count{)"
                                R"(http_method="PATCH",http_status_class="2xx"} 2)"));
  EXPECT_THAT(samples, Contains(R"(gateway_proxy_upstream_request_seconds_count{)"
                                R"(http_method="PATCH",http_status_class="4xx"} 1)"));
  EXPECT_THAT(samples, Contains(R"(gateway_proxy_upstream_request_seconds_count{)"
                                R"(http_method="PATCH",http_status_class="5xx"} 0)"));
  EXPECT_THAT(samples, Contains("gateway_proxy_inflight_rpcs 0"));
}

TEST_F(MetricsTest, HistogramsUseGoGrpcPrometheusBucketsAndUpstreamOnesExistFromTheStart) {
  const auto samples = Scrape();
  const std::string update = R"(grpc_method="UpdateUser",grpc_service="gateway.Gateway",)"
                             R"(grpc_type="unary")";
  std::vector<std::string> buckets;
  for (const auto& sample : samples) {
    if (absl::StartsWith(sample, absl::StrCat("grpc_server_handling_seconds_bucket{", update))) {
      buckets.push_back(sample);
    }
  }
  std::vector<std::string> expected;
  for (const char* le : {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5",
                         "5", "10", "+Inf"}) {
    expected.push_back(
        absl::StrCat("grpc_server_handling_seconds_bucket{", update, ",le=\"", le, "\"} 0"));
  }
  EXPECT_EQ(buckets, expected);
  // One upstream histogram per HTTP method the routes use and status class,
  // and one retry counter per method.
  for (const char* method : {"GET", "PATCH", "POST"}) {
    for (const char* status_class : {"2xx", "3xx", "4xx", "5xx", "none"}) {
      EXPECT_THAT(samples,
                  Contains(absl::StrCat(
                      R"(gateway_proxy_upstream_request_seconds_count{http_method=")", method,
                      R"(",http_status_class=")", status_class, R"("} 0)")));
    }
    EXPECT_THAT(samples, Contains(absl::StrCat(
                             R"(gateway_proxy_upstream_retries_total{http_method=")", method,
                             R"("} 0)")));
  }
}

TEST_F(MetricsTest, ExternalObserverIsToldToo) {
  RecordingObserver observer;
  proxy_.reset();
  Config config;
  config.listen = "127.0.0.1:0";
  config.upstream = upstream_.base_url();
  config.metrics_listen = "127.0.0.1:0";
  config.access_log = false;
  auto proxy = ProxyServer::Start(config, &observer);
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  proxy_ = *std::move(proxy);
  channel_ = grpc::CreateChannel(proxy_->address(), grpc::InsecureChannelCredentials());

  EXPECT_TRUE(Update(200, R"({"name":"accounts/acme/users/alice"})").ok());
  proxy_->Shutdown(absl::Seconds(5));

  EXPECT_EQ(observer.finished(), 1);
  EXPECT_THAT(Scrape(), Contains(R"(grpc_server_handled_total{grpc_code="OK",)"
                                 R"(grpc_method="UpdateUser",grpc_service="gateway.Gateway",)"
                                 R"(grpc_type="unary"} 1)"));
}

TEST(MetricsNoResponseTest, AnUpstreamThatCannotBeReachedCountsAsStatusNone) {
  int closed_port;
  {
    FakeUpstream gone;
    closed_port = gone.port();
  }
  Config config;
  config.listen = "127.0.0.1:0";
  config.upstream = absl::StrCat("http://127.0.0.1:", closed_port);
  config.metrics_listen = "127.0.0.1:0";
  config.access_log = false;
  auto proxy = ProxyServer::Start(config);
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  auto stub = gateway::Gateway::NewStub(
      grpc::CreateChannel((*proxy)->address(), grpc::InsecureChannelCredentials()));
  gateway::GetUserRequest request;
  request.set_account_id("acme");
  request.set_user_id("alice");
  grpc::ClientContext context;
  context.AddMetadata("x-api-key", "test-key-1");
  gateway::User reply;
  EXPECT_EQ(stub->GetUser(&context, request, &reply).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  (*proxy)->Shutdown(absl::Seconds(5));

  httplib::Client client("127.0.0.1", (*proxy)->metrics_port());
  auto response = client.Get("/metrics");
  ASSERT_TRUE(response);
  const std::vector<std::string> samples = absl::StrSplit(response->body, '\n');
  EXPECT_THAT(samples, Contains(R"(gateway_proxy_upstream_requests_total{http_method="GET",)"
                                R"(http_status="none"} 1)"));
  EXPECT_THAT(samples, Contains(R"(grpc_server_handled_total{grpc_code="Unavailable",)"
                                R"(grpc_method="GetUser",grpc_service="gateway.Gateway",)"
                                R"(grpc_type="unary"} 1)"));
  EXPECT_THAT(samples, Contains(R"(gateway_proxy_upstream_request_seconds_count{)"
                                R"(http_method="GET",http_status_class="none"} 1)"));
}

TEST(MetricsListenTest, AnAddressThatCannotBeBoundFailsStartup) {
  FakeUpstream taken;
  Config config;
  config.listen = "127.0.0.1:0";
  config.upstream = "http://127.0.0.1:9";
  config.metrics_listen = absl::StrCat("127.0.0.1:", taken.port());
  auto proxy = ProxyServer::Start(config);
  ASSERT_FALSE(proxy.ok());
  EXPECT_EQ(proxy.status().message(),
            absl::StrCat("--metrics_listen: cannot listen on 127.0.0.1:", taken.port()));
}

// The value of the sample whose name and labels are `series`; -1 without one.
double Value(const std::vector<std::string>& samples, const std::string& series) {
  for (const auto& sample : samples) {
    absl::string_view rest = sample;
    double value;
    if (absl::ConsumePrefix(&rest, series) && absl::ConsumePrefix(&rest, " ") &&
        absl::SimpleAtod(rest, &value)) {
      return value;
    }
  }
  return -1;
}

TEST_F(MetricsTest, MessageSizesAreHistogramsPerMethod) {
  gateway::UpdateUserRequest sent;
  sent.set_account_id("acme");
  sent.set_user_id("alice");
  sent.mutable_user()->set_role("admin");
  gateway::User reply;
  reply.set_name("accounts/acme/users/alice");
  EXPECT_TRUE(Update(200, R"({"name":"accounts/acme/users/alice"})").ok());
  EXPECT_EQ(Update(404, R"({"code":5,"message":"no such user"})").error_code(),
            grpc::StatusCode::NOT_FOUND);
  proxy_->Shutdown(absl::Seconds(5));

  const auto samples = Scrape();
  const std::string update = R"(grpc_method="UpdateUser",grpc_service="gateway.Gateway")";
  // Both requests; the one reply (a status alone carries no message).
  EXPECT_THAT(samples, Contains(absl::StrCat("gateway_proxy_request_bytes_count{", update,
                                             "} 2")));
  EXPECT_THAT(samples, Contains(absl::StrCat("gateway_proxy_request_bytes_sum{", update, "} ",
                                             2 * sent.ByteSizeLong())));
  EXPECT_THAT(samples, Contains(absl::StrCat("gateway_proxy_response_bytes_count{", update,
                                             "} 1")));
  EXPECT_THAT(samples, Contains(absl::StrCat("gateway_proxy_response_bytes_sum{", update, "} ",
                                             reply.ByteSizeLong())));
  ASSERT_LT(sent.ByteSizeLong(), 64u);
  std::vector<std::string> buckets;
  for (const auto& sample : samples) {
    if (absl::StartsWith(sample, absl::StrCat("gateway_proxy_request_bytes_bucket{", update))) {
      buckets.push_back(sample);
    }
  }
  std::vector<std::string> expected;
  for (const char* le : {"64", "256", "1024", "4096", "16384", "65536", "262144", "1048576",
                         "4194304", "+Inf"}) {
    expected.push_back(
        absl::StrCat("gateway_proxy_request_bytes_bucket{", update, ",le=\"", le, "\"} 2"));
  }
  EXPECT_EQ(buckets, expected);
  // Methods nobody called have their series at 0; unknown methods have none.
  EXPECT_THAT(samples, Contains(R"(gateway_proxy_response_bytes_count{grpc_method="GetUser",)"
                                R"(grpc_service="gateway.Gateway"} 0)"));
  for (const auto& sample : samples) {
    EXPECT_FALSE(absl::StartsWith(sample, "gateway_proxy_request_bytes_count{grpc_method=\"unknown\""));
  }
}

TEST_F(MetricsTest, BuildInfoCarriesTheVersion) {
  EXPECT_THAT(Scrape(), Contains(absl::StrCat("gateway_proxy_build_info{version=\"",
                                              GATEWAY_PROXY_VERSION, "\"} 1")));
}

// The proxy runs in this test's process, so the process_* figures are this
// process's: each moves by what the test does.
TEST_F(MetricsTest, ProcessMetricsFollowTheProcess) {
  const double scraped_at = absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch());
  auto before = Scrape();
  const double start = Value(before, "process_start_time_seconds");
  EXPECT_GT(start, scraped_at - 600);
  EXPECT_LE(start, scraped_at);

  // 64 more descriptors, 64 MiB more resident, and CPU time spent.
  std::vector<int> fds;
  for (int i = 0; i < 64; ++i) fds.push_back(open("/dev/null", O_RDONLY | O_CLOEXEC));
  std::vector<char> memory(64 << 20);
  for (size_t i = 0; i < memory.size(); i += 4096) memory[i] = 1;
  // 0.3 s of this process's CPU time, however busy the machine is.
  const std::clock_t cpu_start = std::clock();
  std::atomic<uint64_t> spins{0};
  while (std::clock() - cpu_start < CLOCKS_PER_SEC * 3 / 10) {
    spins.fetch_add(1, std::memory_order_relaxed);
  }

  auto after = Scrape();
  const double fd_rise =
      Value(after, "process_open_fds") - Value(before, "process_open_fds");
  EXPECT_GE(fd_rise, 64);
  EXPECT_LT(fd_rise, 72);  // gRPC or the scrape may hold a few more.
  EXPECT_GE(Value(after, "process_resident_memory_bytes") -
                Value(before, "process_resident_memory_bytes"),
            60 << 20);
  EXPECT_GE(Value(after, "process_cpu_seconds_total") -
                Value(before, "process_cpu_seconds_total"),
            0.25);
  EXPECT_EQ(Value(after, "process_start_time_seconds"), start);
  for (int fd : fds) close(fd);
  EXPECT_GT(memory[4096] + spins.load(), 0u);
}

TEST(ProcStatTest, FieldsAfterACommandNameWithSpacesAndParentheses) {
  // pid (comm) state, then fields 4..; utime 14 = 250, stime 15 = 150,
  // starttime 22 = 12345, rss 24 = 1000.
  const std::string stat =
      "4242 (gateway (x) proxy) S 1 4242 4242 0 -1 4194560 500 0 0 0 250 150 0 0 20 0 9 0 "
      "12345 104857600 1000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0";
  const auto parsed = ParseProcStat(stat, 100, 4096, 1700000000);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_DOUBLE_EQ(parsed->cpu_seconds, 4.0);
  EXPECT_DOUBLE_EQ(parsed->resident_bytes, 4096000.0);
  EXPECT_DOUBLE_EQ(parsed->start_time_seconds, 1700000123.45);
}

TEST(ProcStatTest, ATruncatedLineIsNotParsed) {
  EXPECT_FALSE(ParseProcStat("4242 (proxy) S 1 4242", 100, 4096, 0).has_value());
  EXPECT_FALSE(ParseProcStat("no parenthesis", 100, 4096, 0).has_value());
}

TEST(MetricsRetriesTest, RetriesCountByHttpMethodForAnswersAndFailures) {
  FakeUpstream upstream;
  std::atomic<int> seen{0};
  // Two 503s, then an answer: GET is retried on 503.
  upstream.SetHandler([&](const RecordedRequest&) {
    if (seen.fetch_add(1) < 2) {
      return CannedResponse{503, "application/json", R"({"code":14,"message":"busy"})", {}};
    }
    return CannedResponse{200, "application/json", R"({"name":"accounts/acme/users/alice"})",
                          {}};
  });
  Config config;
  config.listen = "127.0.0.1:0";
  config.upstream = upstream.base_url();
  config.metrics_listen = "127.0.0.1:0";
  config.access_log = false;
  config.max_retries = 2;
  auto proxy = ProxyServer::Start(config);
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  auto stub = gateway::Gateway::NewStub(
      grpc::CreateChannel((*proxy)->address(), grpc::InsecureChannelCredentials()));
  gateway::GetUserRequest request;
  request.set_account_id("acme");
  request.set_user_id("alice");
  {
    grpc::ClientContext context;
    context.AddMetadata("x-api-key", "test-key-1");
    gateway::User reply;
    EXPECT_TRUE(stub->GetUser(&context, request, &reply).ok());
  }
  EXPECT_EQ(seen.load(), 3);
  (*proxy)->Shutdown(absl::Seconds(5));
  httplib::Client client("127.0.0.1", (*proxy)->metrics_port());
  auto response = client.Get("/metrics");
  ASSERT_TRUE(response);
  std::vector<std::string> samples = absl::StrSplit(response->body, '\n');
  EXPECT_THAT(samples, Contains(R"(gateway_proxy_upstream_retries_total{http_method="GET"} 2)"));
  EXPECT_THAT(samples, Contains(R"(gateway_proxy_upstream_retries_total{http_method="PATCH"} 0)"));
}

TEST(MetricsRetriesTest, RetriesOfARequestThatNeverGotThroughCountToo) {
  int closed_port;
  {
    FakeUpstream gone;
    closed_port = gone.port();
  }
  Config config;
  config.listen = "127.0.0.1:0";
  config.upstream = absl::StrCat("http://127.0.0.1:", closed_port);
  config.metrics_listen = "127.0.0.1:0";
  config.access_log = false;
  config.max_retries = 2;
  auto proxy = ProxyServer::Start(config);
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  auto stub = gateway::Gateway::NewStub(
      grpc::CreateChannel((*proxy)->address(), grpc::InsecureChannelCredentials()));
  gateway::GetUserRequest request;
  request.set_account_id("acme");
  request.set_user_id("alice");
  grpc::ClientContext context;
  context.AddMetadata("x-api-key", "test-key-1");
  gateway::User reply;
  const grpc::Status status = stub->GetUser(&context, request, &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  (*proxy)->Shutdown(absl::Seconds(5));
  httplib::Client client("127.0.0.1", (*proxy)->metrics_port());
  auto response = client.Get("/metrics");
  ASSERT_TRUE(response);
  std::vector<std::string> samples = absl::StrSplit(response->body, '\n');
  EXPECT_THAT(samples, Contains(R"(gateway_proxy_upstream_retries_total{http_method="GET"} 2)"));
}

}  // namespace
}  // namespace gateway_proxy
