// The Prometheus endpoint, scraped over HTTP after real calls through the
// proxy: the grpc-ecosystem series and the upstream ones, exact samples.
#include <httplib.h>

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "gateway/gateway.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "server.h"
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
  EXPECT_THAT(samples, Contains(R"(gateway_proxy_upstream_request_seconds_count{)"
                                R"(http_method="PATCH"} 3)"));
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
  // One upstream histogram per HTTP method the routes use.
  for (const char* method : {"GET", "PATCH", "POST"}) {
    EXPECT_THAT(samples, Contains(absl::StrCat(
                             R"(gateway_proxy_upstream_request_seconds_count{http_method=")",
                             method, R"("} 0)")));
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
                                R"(http_method="GET"} 1)"));
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

}  // namespace
}  // namespace gateway_proxy
