// Readiness following the upstream: the pure state machine, and the proxy's
// gRPC health on both listeners as a scripted upstream refuses, then
// listens, then the drain begins.
#include "proxy/upstream/upstream_health.h"

#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gateway/gateway.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "proxy/app/server.h"
#include "support/fake_upstream.h"
#include "support/scripted_upstream.h"
#include "support/test_certs.h"

namespace gateway_proxy {
namespace {

using ::gateway_proxy::testing::FakeUpstream;
using ::gateway_proxy::testing::HttpResponseBytes;
using ::gateway_proxy::testing::TestCerts;
using ::gateway_proxy::testing::ScriptedUpstream;

constexpr int kServing = 1;
constexpr int kNotServing = 2;

TEST(UpstreamHealthStateTest, StartsServingAndFailsAfterNFailuresInARow) {
  UpstreamHealthState state(3);
  EXPECT_TRUE(state.serving());
  EXPECT_EQ(state.OnCheck(false), std::nullopt);
  EXPECT_EQ(state.OnCheck(false), std::nullopt);
  EXPECT_EQ(state.OnCheck(false), std::optional<bool>(false));
  EXPECT_FALSE(state.serving());
  EXPECT_EQ(state.consecutive_failures(), 3);
  // Further failures change nothing.
  EXPECT_EQ(state.OnCheck(false), std::nullopt);
  EXPECT_FALSE(state.serving());
}

TEST(UpstreamHealthStateTest, ASuccessResetsTheCountAndServesAgain) {
  UpstreamHealthState state(2);
  EXPECT_EQ(state.OnCheck(false), std::nullopt);
  EXPECT_EQ(state.OnCheck(true), std::nullopt);  // Still serving; count reset.
  EXPECT_EQ(state.consecutive_failures(), 0);
  EXPECT_EQ(state.OnCheck(false), std::nullopt);
  EXPECT_EQ(state.OnCheck(false), std::optional<bool>(false));
  EXPECT_EQ(state.OnCheck(true), std::optional<bool>(true));
  EXPECT_TRUE(state.serving());
  EXPECT_EQ(state.OnCheck(true), std::nullopt);
}

TEST(UpstreamHealthStateTest, OneFailureSufficesWhenNIsOne) {
  UpstreamHealthState state(1);
  EXPECT_EQ(state.OnCheck(false), std::optional<bool>(false));
  EXPECT_EQ(state.OnCheck(true), std::optional<bool>(true));
}

TEST(CheckUpstreamTest, ARefusedConnectFailsAndAListeningPortPasses) {
  ScriptedUpstream upstream([](ScriptedUpstream::Connection&) {}, /*read_first_request=*/true,
                            /*listen_now=*/false);
  UpstreamHealthCheck check;
  check.upstream = upstream.base_url();
  const absl::Status refused = CheckUpstream(check);
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(refused.message(),
            absl::StrCat("Failed to connect to 127.0.0.1 port ", upstream.port(),
                         " after 0 ms: Couldn't connect to server"));
  upstream.Listen();
  EXPECT_TRUE(CheckUpstream(check).ok());
}

TEST(CheckUpstreamTest, AHealthPathMustAnswer2xx) {
  ScriptedUpstream ok([](ScriptedUpstream::Connection& c) {
    c.Write(HttpResponseBytes(204, "text/plain", "", /*keep_alive=*/false));
  });
  ScriptedUpstream failing([](ScriptedUpstream::Connection& c) {
    c.Write(HttpResponseBytes(503, "text/plain", "down", /*keep_alive=*/false));
  });
  UpstreamHealthCheck check;
  check.health_path = "/healthz";
  check.upstream = ok.base_url();
  EXPECT_TRUE(CheckUpstream(check).ok());
  EXPECT_EQ(ok.requests(), 1);
  check.upstream = failing.base_url();
  EXPECT_EQ(CheckUpstream(check), absl::UnavailableError("GET /healthz answered 503"));
}

TEST(CheckUpstreamTest, TheHealthPathFollowsTheUpstreamsBasePath) {
  FakeUpstream upstream;
  upstream.SetHandler([](const testing::RecordedRequest&) {
    return testing::CannedResponse{200, "application/json", "{}", {}};
  });
  UpstreamHealthCheck check;
  check.upstream = upstream.base_url() + "/base/";
  check.health_path = "/healthz?probe=1";
  EXPECT_TRUE(CheckUpstream(check).ok());
  const auto requests = upstream.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target, "/base/healthz?probe=1");
  EXPECT_EQ(requests[0].Header("user-agent"), "gateway-proxy/" GATEWAY_PROXY_VERSION);
}

TEST(CheckUpstreamTest, HttpsChecksTheTlsHandshakeAgainstTheCaFile) {
  const TestCerts& certs = TestCerts::Get();
  FakeUpstream upstream(certs.server_cert, certs.server_key);
  UpstreamHealthCheck check;
  check.upstream = upstream.base_url();
  ASSERT_EQ(check.upstream.substr(0, 8), "https://");
  check.ca_file = certs.ca_cert;
  EXPECT_TRUE(CheckUpstream(check).ok());
  check.ca_file = certs.other_ca_cert;
  const absl::Status untrusted = CheckUpstream(check);
  EXPECT_EQ(untrusted.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(untrusted.message()),
              ::testing::StartsWith("SSL certificate problem"));
  // Connecting is the whole check: no request was sent.
  EXPECT_TRUE(upstream.requests().empty());
}

// grpc.health.v1.Health/Check of `service`: the HealthCheckResponse's
// status (1 SERVING, 2 NOT_SERVING), or minus the gRPC code of an error.
int HealthStatus(const std::string& address, const std::string& service) {
  grpc::GenericStub stub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  std::string request_bytes;
  if (!service.empty()) {
    request_bytes = absl::StrCat("\x0a", std::string(1, static_cast<char>(service.size())),
                                 service);
  }
  grpc::Slice slice{request_bytes};
  grpc::ByteBuffer request(&slice, 1), response;
  absl::Notification done;
  grpc::Status status;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                 &response, [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotificationWithTimeout(absl::Seconds(10));
  if (!status.ok()) return -static_cast<int>(status.error_code());
  std::vector<grpc::Slice> slices;
  (void)response.Dump(&slices);
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return bytes.size() == 2 && bytes[0] == '\x08' ? bytes[1] : -100;
}

// Asks until `address` answers `want` for `service`, at most 20 s; the last
// answer.
int AwaitHealth(const std::string& address, const std::string& service, int want) {
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  int got = HealthStatus(address, service);
  while (got != want && absl::Now() < give_up) got = HealthStatus(address, service);
  return got;
}

class UpstreamHealthTest : public ::testing::Test {
 protected:
  // An upstream that refuses connections until Listen(); requests it gets
  // are answered after `hold_`.
  UpstreamHealthTest()
      : upstream_(
            [this](ScriptedUpstream::Connection& c) {
              c.Hold(hold_);
              c.Write(HttpResponseBytes(200, "application/json",
                                        R"({"name":"accounts/acme/users/alice"})"));
            },
            /*read_first_request=*/true, /*listen_now=*/false) {}

  void StartProxy() {
    Config config;
    config.listen = "127.0.0.1:0";
    config.health_listen = "127.0.0.1:0";
    config.upstream = upstream_.base_url();
    config.access_log = false;
    config.upstream_health_interval = absl::Milliseconds(20);
    config.upstream_health_failures = 3;
    auto proxy = ProxyServer::Start(config);
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = *std::move(proxy);
    health_address_ = absl::StrCat("127.0.0.1:", proxy_->health_port());
  }

  absl::Duration hold_ = absl::ZeroDuration();
  ScriptedUpstream upstream_;
  std::unique_ptr<ProxyServer> proxy_;
  std::string health_address_;
};

TEST_F(UpstreamHealthTest, NotServingWhileTheUpstreamRefusesThenServingOnceItListens) {
  StartProxy();
  for (const std::string& address : {proxy_->address(), health_address_}) {
    for (const char* service : {"", "gateway.Gateway"}) {
      EXPECT_EQ(AwaitHealth(address, service, kNotServing), kNotServing)
          << address << " " << service;
    }
  }
  upstream_.Listen();
  for (const std::string& address : {proxy_->address(), health_address_}) {
    for (const char* service : {"", "gateway.Gateway"}) {
      EXPECT_EQ(AwaitHealth(address, service, kServing), kServing)
          << address << " " << service;
    }
  }
  EXPECT_TRUE(upstream_.WaitForConnections(1, absl::Seconds(10)));
  // Checks only connect: no request reaches the upstream.
  EXPECT_EQ(upstream_.requests(), 0);
}

TEST_F(UpstreamHealthTest, ServedServicesAnswerByNameAndOthersAreNotFound) {
  upstream_.Listen();
  StartProxy();
  for (const std::string& address : {proxy_->address(), health_address_}) {
    EXPECT_EQ(HealthStatus(address, ""), kServing);
    EXPECT_EQ(HealthStatus(address, "gateway.Gateway"), kServing);
    EXPECT_EQ(HealthStatus(address, "no.Such"), -static_cast<int>(grpc::StatusCode::NOT_FOUND));
  }
}

TEST_F(UpstreamHealthTest, TheDrainStaysNotServingWhileChecksPass) {
  hold_ = absl::Seconds(2);
  upstream_.Listen();
  StartProxy();
  ASSERT_EQ(HealthStatus(health_address_, ""), kServing);
  // A call in flight holds the drain open for `hold_`.
  auto stub = gateway::Gateway::NewStub(
      grpc::CreateChannel(proxy_->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.AddMetadata("x-api-key", "test-key-1");
  gateway::GetUserRequest request;
  request.set_account_id("acme");
  request.set_user_id("alice");
  gateway::User reply;
  absl::Notification call_done;
  grpc::Status call_status;
  stub->async()->GetUser(&context, &request, &reply, [&](grpc::Status s) {
    call_status = std::move(s);
    call_done.Notify();
  });
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (upstream_.requests() == 0 && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
  ASSERT_EQ(upstream_.requests(), 1);

  std::thread drain([this] { proxy_->Shutdown(absl::Seconds(10)); });
  EXPECT_EQ(AwaitHealth(health_address_, "", kNotServing), kNotServing);
  // Several checks pass meanwhile; health stays NOT_SERVING.
  const int connections = upstream_.connections();
  while (upstream_.connections() < connections + 3 && !call_done.HasBeenNotified()) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_GE(upstream_.connections(), connections + 3);
  if (!call_done.HasBeenNotified()) {
    EXPECT_EQ(HealthStatus(health_address_, ""), kNotServing);
    EXPECT_EQ(HealthStatus(health_address_, "gateway.Gateway"), kNotServing);
  }
  drain.join();
  ASSERT_TRUE(call_done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(call_status.ok()) << call_status.error_message();
}

}  // namespace
}  // namespace gateway_proxy
