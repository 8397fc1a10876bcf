// The upstream fault matrix: a misbehaving HTTP server on loopback makes
// each fault happen on cue. Every fault gives a defined gRPC code and
// message, and the next call through the same proxy succeeds.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gateway/gateway.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "proxy/app/server.h"
#include "support/scripted_upstream.h"

namespace gateway_proxy {
namespace {

using ::gateway_proxy::testing::HttpResponseBytes;
using ::gateway_proxy::testing::ScriptedUpstream;
using Connection = ScriptedUpstream::Connection;
using ::testing::StartsWith;

const std::string kUserJson = R"({"name":"accounts/acme/users/alice","role":"admin"})";

// The fault for the first request the upstream sees; every later request
// gets a good answer, on that connection or a new one.
std::function<void(Connection&)> FirstRequestFails(std::function<void(Connection&)> fault) {
  auto faulted = std::make_shared<std::atomic<bool>>(false);
  return [fault, faulted](Connection& c) {
    do {
      if (!faulted->exchange(true)) {
        fault(c);
      } else {
        c.Write(HttpResponseBytes(200, "application/json", kUserJson));
      }
    } while (c.open() && c.ReadRequest());
  };
}

// The request every test sends: acme/alice to role admin.
gateway::UpdateUserRequest AliceToAdmin() {
  gateway::UpdateUserRequest request;
  request.set_account_id("acme");
  request.set_user_id("alice");
  request.mutable_user()->set_role("admin");
  return request;
}

// A client of the proxy `config` starts (which must start).
struct ProxyAndStub {
  std::unique_ptr<ProxyServer> proxy;
  std::unique_ptr<gateway::Gateway::Stub> stub;
};
ProxyAndStub StartProxy(Config config) {
  config.listen = "127.0.0.1:0";
  config.access_log = false;
  auto proxy = ProxyServer::Start(config);
  EXPECT_TRUE(proxy.ok()) << proxy.status();
  if (!proxy.ok()) return {};
  auto stub = gateway::Gateway::NewStub(
      grpc::CreateChannel((*proxy)->address(), grpc::InsecureChannelCredentials()));
  return {*std::move(proxy), std::move(stub)};
}

// AliceToAdmin() through `stub`, with `deadline` to spare.
grpc::Status PatchAlice(gateway::Gateway::Stub& stub, absl::Duration deadline,
                        gateway::User* reply) {
  grpc::ClientContext context;
  context.AddMetadata("x-api-key", "test-key-1");
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  return stub.UpdateUser(&context, AliceToAdmin(), reply);
}

class FaultMatrixTest : public ::testing::Test {
 protected:
  void Start(std::function<void(Connection&)> fault, size_t max_response_bytes = 4 << 20) {
    upstream_ = std::make_unique<ScriptedUpstream>(FirstRequestFails(std::move(fault)));
    Config config;
    config.listen = "127.0.0.1:0";
    config.upstream = upstream_->base_url();
    config.max_response_bytes = max_response_bytes;
    auto proxy = ProxyServer::Start(config);
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = *std::move(proxy);
    stub_ = gateway::Gateway::NewStub(
        grpc::CreateChannel(proxy_->address(), grpc::InsecureChannelCredentials()));
  }

  grpc::Status Call(absl::Duration deadline = absl::Seconds(10)) {
    gateway::User reply;
    grpc::Status status = PatchAlice(*stub_, deadline, &reply);
    if (status.ok()) {
      EXPECT_EQ(reply.role(), "admin");
    }
    return status;
  }

  // The next call through the same proxy works.
  void ExpectRecovery() {
    grpc::Status next = Call();
    EXPECT_TRUE(next.ok()) << next.error_code() << ": " << next.error_message();
  }

  std::string Host() const { return absl::StrCat("127.0.0.1:", upstream_->port()); }

  std::unique_ptr<ScriptedUpstream> upstream_;
  std::unique_ptr<ProxyServer> proxy_;
  std::unique_ptr<gateway::Gateway::Stub> stub_;
};

// A PATCH that reached the upstream may have been processed there: a reset
// after it was written is UNKNOWN, which clients do not retry as they retry
// UNAVAILABLE.
TEST_F(FaultMatrixTest, ResetBeforeTheResponseOfAPatchIsUnknown) {
  Start([](Connection& c) { c.Reset(); });
  grpc::Status status = Call();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(status.error_message(),
            absl::StrCat("upstream ", Host(),
                         " failed after the PATCH request was sent (Failure when receiving "
                         "data from the peer); the request may have been processed, so it "
                         "was not sent again"));
  ExpectRecovery();
  EXPECT_EQ(upstream_->requests(), 2);
}

TEST_F(FaultMatrixTest, ResetInTheMiddleOfTheBodyOfAPatchIsUnknown) {
  Start([](Connection& c) {
    c.Write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "Content-Length: 200\r\n\r\n{\"name\":\"accounts/");
    c.Reset();
  });
  grpc::Status status = Call();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_THAT(status.error_message(),
              StartsWith(absl::StrCat("upstream ", Host(), " failed after the PATCH request "
                                                           "was sent (")));
  EXPECT_THAT(status.error_message(),
              ::testing::EndsWith("; the request may have been processed, so it was not "
                                  "sent again"));
  ExpectRecovery();
}

TEST_F(FaultMatrixTest, ResetBeforeTheResponseOfAGetIsUnavailable) {
  Start([](Connection& c) { c.Reset(); });
  gateway::GetUserRequest request;
  request.set_account_id("acme");
  request.set_user_id("alice");
  grpc::ClientContext context;
  context.AddMetadata("x-api-key", "test-key-1");
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  gateway::User reply;
  grpc::Status status = stub_->GetUser(&context, request, &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), StartsWith(absl::StrCat("upstream ", Host(),
                                                              " unavailable: ")));
  ExpectRecovery();
}

// An upstream that answers the first request on each connection and then,
// on the same kept-alive connection, reads the next request and closes
// without a word. libcurl would send that request again on a new connection
// by itself; a PATCH or POST must reach the upstream once.
std::function<void(Connection&)> DiesOnTheSecondRequest() {
  return [](Connection& c) {
    c.Write(HttpResponseBytes(200, "application/json", kUserJson));
    if (c.ReadRequest()) c.Close();
  };
}

TEST(AtMostOnceTest, APatchIsNotSentAgainWhenAKeptAliveConnectionDiesAfterIt) {
  for (int max_retries : {0, 3}) {
    ScriptedUpstream upstream(DiesOnTheSecondRequest());
    Config config;
    config.upstream = upstream.base_url();
    config.max_retries = max_retries;
    auto [proxy, stub] = StartProxy(config);
    ASSERT_NE(stub, nullptr);
    gateway::User reply;
    ASSERT_TRUE(PatchAlice(*stub, absl::Seconds(10), &reply).ok());
    grpc::Status status = PatchAlice(*stub, absl::Seconds(10), &reply);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNKNOWN) << max_retries;
    EXPECT_EQ(status.error_message(),
              absl::StrCat("upstream 127.0.0.1:", upstream.port(),
                           " closed the connection after the PATCH request was sent, before "
                           "any response; the request may have been processed, so it was not "
                           "sent again"));
    // libcurl may have opened a new connection for its second send before
    // the proxy stopped it; no request went out on it.
    EXPECT_EQ(upstream.requests(), 2) << max_retries;
  }
}

TEST(AtMostOnceTest, ACreateUserPostIsNotSentAgainWhenAKeptAliveConnectionDiesAfterIt) {
  ScriptedUpstream upstream(DiesOnTheSecondRequest());
  Config config;
  config.upstream = upstream.base_url();
  auto [proxy, stub] = StartProxy(config);
  ASSERT_NE(stub, nullptr);
  auto create = [&](const std::string& id) {
    gateway::CreateUserRequest request;
    request.set_account_id("acme");
    request.set_user_id(id);
    request.mutable_user()->set_role("admin");
    grpc::ClientContext context;
    context.AddMetadata("x-api-key", "test-key-1");
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    gateway::User reply;
    return stub->CreateUser(&context, request, &reply);
  };
  ASSERT_TRUE(create("carol").ok());
  grpc::Status status = create("dave");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_THAT(status.error_message(),
              ::testing::HasSubstr("closed the connection after the POST request was sent"));
  EXPECT_EQ(upstream.requests(), 2);
}

TEST(AtMostOnceTest, AGetIsSentAgainOnANewConnectionWhenAKeptAliveOneDies) {
  ScriptedUpstream upstream(DiesOnTheSecondRequest());
  Config config;
  config.upstream = upstream.base_url();
  auto [proxy, stub] = StartProxy(config);
  ASSERT_NE(stub, nullptr);
  auto get = [&] {
    gateway::GetUserRequest request;
    request.set_account_id("acme");
    request.set_user_id("alice");
    grpc::ClientContext context;
    context.AddMetadata("x-api-key", "test-key-1");
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    gateway::User reply;
    return stub->GetUser(&context, request, &reply);
  };
  ASSERT_TRUE(get().ok());
  grpc::Status status = get();
  EXPECT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
  EXPECT_EQ(upstream.requests(), 3);
  EXPECT_EQ(upstream.connections(), 2);
}

TEST_F(FaultMatrixTest, HeadersThenSilencePastTheDeadlineIsDeadlineExceeded) {
  Start([](Connection& c) {
    c.Write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n");
    c.Hold(absl::Seconds(5));
    c.Close();
  });
  grpc::Status status = Call(absl::Milliseconds(500));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  ExpectRecovery();
}

TEST_F(FaultMatrixTest, BodyDribbledSlowerThanTheDeadlineIsDeadlineExceeded) {
  Start([](Connection& c) {
    c.Write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 60\r\n\r\n");
    for (int i = 0; i < 60 && c.Write(" "); ++i) c.Hold(absl::Milliseconds(100));
    c.Close();
  });
  grpc::Status status = Call(absl::Milliseconds(800));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  ExpectRecovery();
}

TEST_F(FaultMatrixTest, TenMegabyteBodyOverTheCapIsInternal) {
  Start([](Connection& c) {
    c.Write(HttpResponseBytes(200, "application/json",
                              absl::StrCat("{\"name\":\"", std::string(10 << 20, 'x'), "\"}")));
  });
  grpc::Status status = Call();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(status.error_message(), "upstream response exceeds the 4194304-byte limit");
  ExpectRecovery();
}

TEST_F(FaultMatrixTest, LoadBalancerHtml503IsUnavailable) {
  Start([](Connection& c) {
    c.Write(HttpResponseBytes(503, "text/html",
                              "<html><body><h1>503 Service Temporarily Unavailable</h1>"
                              "</body></html>"));
  });
  grpc::Status status = Call();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(),
            "upstream HTTP 503: 503 Service Temporarily Unavailable");
  ExpectRecovery();
}

TEST_F(FaultMatrixTest, SuccessThatIsNotJsonIsInternal) {
  Start([](Connection& c) {
    c.Write(HttpResponseBytes(200, "text/plain", "all good"));
  });
  grpc::Status status = Call();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(status.error_message(),
              StartsWith("upstream returned a 2xx response that is not valid JSON for "
                         "gateway.User"));
  ExpectRecovery();
}

TEST_F(FaultMatrixTest, TruncatedJsonIsInternal) {
  Start([](Connection& c) {
    c.Write(HttpResponseBytes(200, "application/json", R"({"name":"accounts/acme/us)"));
  });
  grpc::Status status = Call();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(status.error_message(),
              StartsWith("upstream returned a 2xx response that is not valid JSON for "
                         "gateway.User"));
  ExpectRecovery();
}

TEST_F(FaultMatrixTest, KeepAliveClosedByTheServerBetweenRequestsIsTransparent) {
  // The first answer says keep-alive, then the server closes the
  // connection: the next request must go out on a new one and succeed.
  Start([](Connection& c) {
    c.Write(HttpResponseBytes(200, "application/json", kUserJson));
    c.Close();
  });
  EXPECT_TRUE(Call().ok());
  // The next call once the server has closed: a close that races a PATCH
  // already written is UNKNOWN, not transparent (at most once).
  ASSERT_TRUE(upstream_->WaitForClosed(1, absl::Seconds(10)));
  ExpectRecovery();
  ExpectRecovery();
  EXPECT_EQ(upstream_->requests(), 3);
  EXPECT_EQ(upstream_->connections(), 2);
}

// Retries, through the real client: a GET answered 503 is tried again, a
// PATCH is not, and nothing is retried unless --max_retries asks for it.
class RetryTest : public ::testing::Test {
 protected:
  void Start(int max_retries) {
    upstream_ = std::make_unique<ScriptedUpstream>(FirstRequestFails([](Connection& c) {
      c.Write("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
              "Retry-After: 0\r\nContent-Length: 4\r\n\r\nbusy");
    }));
    Config config;
    config.listen = "127.0.0.1:0";
    config.upstream = upstream_->base_url();
    config.max_retries = max_retries;
    config.access_log = false;
    auto proxy = ProxyServer::Start(config);
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = *std::move(proxy);
    stub_ = gateway::Gateway::NewStub(
        grpc::CreateChannel(proxy_->address(), grpc::InsecureChannelCredentials()));
  }

  grpc::Status Get() {
    gateway::GetUserRequest request;
    request.set_account_id("acme");
    request.set_user_id("alice");
    grpc::ClientContext context;
    context.AddMetadata("x-api-key", "test-key-1");
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    gateway::User reply;
    return stub_->GetUser(&context, request, &reply);
  }

  grpc::Status Patch() {
    gateway::User reply;
    return PatchAlice(*stub_, absl::Seconds(10), &reply);
  }

  std::unique_ptr<ScriptedUpstream> upstream_;
  std::unique_ptr<ProxyServer> proxy_;
  std::unique_ptr<gateway::Gateway::Stub> stub_;
};

TEST_F(RetryTest, GetAnswered503IsRetriedAndSucceeds) {
  Start(/*max_retries=*/2);
  grpc::Status status = Get();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(upstream_->requests(), 2);
}

TEST_F(RetryTest, PatchAnswered503IsNeverRetried) {
  Start(/*max_retries=*/2);
  grpc::Status status = Patch();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "upstream HTTP 503: busy");
  EXPECT_EQ(upstream_->requests(), 1);
}

TEST_F(RetryTest, NothingIsRetriedByDefault) {
  Start(/*max_retries=*/0);
  EXPECT_EQ(Get().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(upstream_->requests(), 1);
}

TEST(RetryConnectRefusedTest, PatchThatNeverLeftIsRetriedUntilTheUpstreamListens) {
  // The port refuses connections for the first 150 ms.
  ScriptedUpstream upstream(
      [](Connection& c) {
        c.Write(HttpResponseBytes(200, "application/json",
                                  R"({"name":"accounts/acme/users/alice","role":"admin"})"));
      },
      /*read_first_request=*/true, /*listen_now=*/false);
  Config config;
  config.upstream = upstream.base_url();
  config.max_retries = 10;  // Backoff caps 25 ms, 50 ms, ... 1 s: well past 150 ms.
  auto [proxy, stub] = StartProxy(config);
  ASSERT_NE(stub, nullptr);
  std::thread listen_later([&upstream] {
    absl::SleepFor(absl::Milliseconds(150));
    upstream.Listen();
  });

  gateway::User reply;
  grpc::Status status = PatchAlice(*stub, absl::Seconds(20), &reply);
  listen_later.join();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.role(), "admin");
  // Refused attempts sent nothing; the one that connected was answered.
  EXPECT_EQ(upstream.connections(), 1);
  EXPECT_EQ(upstream.requests(), 1);
}

// Keeps the record of every finished call.
class RecordingObserver final : public CallObserver {
 public:
  void OnCallStarted(absl::string_view) override {}
  void OnCallFinished(const CallRecord& record) override {
    absl::MutexLock lock(&mu_);
    records_.push_back(record);
  }
  std::vector<CallRecord> records() {
    absl::MutexLock lock(&mu_);
    return records_;
  }

 private:
  absl::Mutex mu_;
  std::vector<CallRecord> records_;
};

// Why a transfer failed reaches the call's record (and so the access log)
// as one token, with the proxy's own retries of it. A call's record is
// complete before its client sees the status.
class TransportReasonTest : public ::testing::Test {
 protected:
  void Start(std::function<void(Connection&)> script, Config config = Config(),
             bool listen_now = true) {
    upstream_ = std::make_unique<ScriptedUpstream>(std::move(script),
                                                   /*read_first_request=*/true, listen_now);
    config.listen = "127.0.0.1:0";
    config.upstream = upstream_->base_url();
    config.access_log = false;
    auto proxy = ProxyServer::Start(config, &observer_);
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = *std::move(proxy);
    stub_ = gateway::Gateway::NewStub(
        grpc::CreateChannel(proxy_->address(), grpc::InsecureChannelCredentials()));
  }

  grpc::Status GetAlice() {
    gateway::GetUserRequest request;
    request.set_account_id("acme");
    request.set_user_id("alice");
    grpc::ClientContext context;
    context.AddMetadata("x-api-key", "test-key-1");
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    gateway::User reply;
    return stub_->GetUser(&context, request, &reply);
  }

  // The one call's record.
  CallRecord Record() {
    const std::vector<CallRecord> records = observer_.records();
    EXPECT_EQ(records.size(), 1u);
    return records.empty() ? CallRecord() : records[0];
  }

  RecordingObserver observer_;
  std::unique_ptr<ScriptedUpstream> upstream_;
  std::unique_ptr<ProxyServer> proxy_;
  std::unique_ptr<gateway::Gateway::Stub> stub_;
};

TEST_F(TransportReasonTest, RefusedConnectionsAreRefusedWithEveryRetryCounted) {
  Config config;
  config.max_retries = 2;
  // The port is bound but never listens: every attempt is refused.
  Start([](Connection&) {}, config, /*listen_now=*/false);
  gateway::User reply;
  const grpc::Status status = PatchAlice(*stub_, absl::Seconds(10), &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  const CallRecord record = Record();
  EXPECT_EQ(record.code, absl::StatusCode::kUnavailable);
  EXPECT_EQ(record.upstream_error, "refused");
  EXPECT_EQ(record.retries, 2);
  EXPECT_EQ(record.error, status.error_message());
  EXPECT_EQ(record.response_bytes, 0);
  EXPECT_EQ(upstream_->connections(), 0);
}

TEST_F(TransportReasonTest, ResetBeforeTheResponseIsReset) {
  Start([](Connection& c) { c.Reset(); });
  const grpc::Status status = GetAlice();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  const CallRecord record = Record();
  EXPECT_EQ(record.upstream_error, "reset");
  EXPECT_EQ(record.retries, 0);
  EXPECT_EQ(record.error, status.error_message());
}

TEST_F(TransportReasonTest, CloseWithoutAnAnswerIsClosed) {
  Start([](Connection& c) { c.Close(); });
  const grpc::Status status = GetAlice();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  const CallRecord record = Record();
  EXPECT_EQ(record.upstream_error, "closed");
  EXPECT_EQ(record.retries, 0);
}

TEST_F(TransportReasonTest, ResponseOverTheCapIsSizeCap) {
  Config config;
  config.max_response_bytes = 1000;
  Start([](Connection& c) {
    c.Write(HttpResponseBytes(200, "application/json",
                              absl::StrCat("{\"name\":\"", std::string(5000, 'x'), "\"}")));
  }, config);
  const grpc::Status status = GetAlice();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(status.error_message(), "upstream response exceeds the 1000-byte limit");
  const CallRecord record = Record();
  EXPECT_EQ(record.upstream_error, "size_cap");
  EXPECT_EQ(record.error, "upstream response exceeds the 1000-byte limit");
  EXPECT_EQ(record.upstream_status, 0);
}

TEST_F(TransportReasonTest, AnswerAfterARetryHasNoReasonAndCountsTheRetry) {
  Config config;
  config.max_retries = 2;
  Start(FirstRequestFails([](Connection& c) {
          c.Write("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                  "Retry-After: 0\r\nContent-Length: 4\r\n\r\nbusy");
        }),
        config);
  const grpc::Status status = GetAlice();
  ASSERT_TRUE(status.ok()) << status.error_message();
  const CallRecord record = Record();
  EXPECT_EQ(record.upstream_error, "");
  EXPECT_EQ(record.error, "");
  EXPECT_EQ(record.retries, 1);
  EXPECT_EQ(record.upstream_status, 200);
  // The reply: name and role, as the upstream sent them.
  gateway::User expected;
  expected.set_name("accounts/acme/users/alice");
  expected.set_role("admin");
  EXPECT_EQ(record.response_bytes, static_cast<int64_t>(expected.ByteSizeLong()));
  gateway::GetUserRequest request;
  request.set_account_id("acme");
  request.set_user_id("alice");
  EXPECT_EQ(record.request_bytes, static_cast<int64_t>(request.ByteSizeLong()));
}

// The record of the one PATCH through a proxy for `upstream` (https) with
// `config`.
CallRecord RecordOfAnHttpsPatch(const ScriptedUpstream& upstream, Config config) {
  RecordingObserver observer;
  config.listen = "127.0.0.1:0";
  config.access_log = false;
  config.upstream = absl::StrCat("https://127.0.0.1:", upstream.port());
  auto proxy = ProxyServer::Start(config, &observer);
  EXPECT_TRUE(proxy.ok()) << proxy.status();
  if (!proxy.ok()) return CallRecord();
  auto stub = gateway::Gateway::NewStub(
      grpc::CreateChannel((*proxy)->address(), grpc::InsecureChannelCredentials()));
  gateway::User reply;
  EXPECT_EQ(PatchAlice(*stub, absl::Seconds(10), &reply).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  const std::vector<CallRecord> records = observer.records();
  EXPECT_EQ(records.size(), 1u);
  return records.empty() ? CallRecord() : records[0];
}

TEST(TransportReasonTlsTest, PlainHttpWhereTlsWasExpectedIsTls) {
  ScriptedUpstream upstream(
      [](Connection& c) { c.Write(HttpResponseBytes(400, "text/plain", "this is not TLS")); },
      /*read_first_request=*/false);
  EXPECT_EQ(RecordOfAnHttpsPatch(upstream, Config()).upstream_error, "tls");
}

TEST(TransportReasonTlsTest, HandshakeThatNeverCompletesIsTimeout) {
  ScriptedUpstream upstream([](Connection& c) { c.Hold(absl::Seconds(10)); },
                            /*read_first_request=*/false);
  Config config;
  config.upstream_connect_timeout = absl::Milliseconds(300);
  EXPECT_EQ(RecordOfAnHttpsPatch(upstream, config).upstream_error, "timeout");
}

TEST(UpstreamConnectionCapTest, ConcurrentCallsShareTheAllowedConnections) {
  ScriptedUpstream upstream([](Connection& c) {
    do {
      c.Hold(absl::Milliseconds(20));
      c.Write(HttpResponseBytes(200, "application/json", kUserJson));
    } while (c.ReadRequest());
  });
  Config config;
  config.upstream = upstream.base_url();
  config.max_upstream_connections = 1;
  auto [proxy, stub] = StartProxy(config);
  ASSERT_NE(stub, nullptr);
  const gateway::UpdateUserRequest request = AliceToAdmin();
  constexpr int kCalls = 6;
  grpc::ClientContext contexts[kCalls];
  gateway::User replies[kCalls];
  grpc::Status statuses[kCalls];
  absl::BlockingCounter done(kCalls);
  for (int i = 0; i < kCalls; ++i) {
    contexts[i].AddMetadata("x-api-key", "test-key-1");
    contexts[i].set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    stub->async()->UpdateUser(&contexts[i], &request, &replies[i], [&, i](grpc::Status s) {
      statuses[i] = std::move(s);
      done.DecrementCount();
    });
  }
  done.Wait();
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_TRUE(statuses[i].ok()) << i << ": " << statuses[i].error_message();
  }
  EXPECT_EQ(upstream.requests(), kCalls);
  EXPECT_EQ(upstream.connections(), 1);
}

TEST(UpstreamTlsFaultTest, TlsHandshakeWithAPlainHttpServerIsUnavailable) {
  ScriptedUpstream upstream(
      [](Connection& c) { c.Write(HttpResponseBytes(400, "text/plain", "this is not TLS")); },
      /*read_first_request=*/false);
  Config config;
  config.upstream = absl::StrCat("https://127.0.0.1:", upstream.port());
  auto [proxy, stub] = StartProxy(config);
  ASSERT_NE(stub, nullptr);
  gateway::User reply;
  grpc::Status status = PatchAlice(*stub, absl::Seconds(10), &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(),
              StartsWith(absl::StrCat("upstream 127.0.0.1:", upstream.port(),
                                      " unavailable: ")));
}

TEST(ConnectTimeoutTest, UpstreamThatNeverCompletesTheHandshakeIsUnavailable) {
  // Accepts the TCP connection but never answers the TLS ClientHello: the
  // connect phase times out long before the call's own deadline.
  ScriptedUpstream upstream([](Connection& c) { c.Hold(absl::Seconds(10)); },
                            /*read_first_request=*/false);
  Config config;
  config.upstream = absl::StrCat("https://127.0.0.1:", upstream.port());
  config.upstream_connect_timeout = absl::Milliseconds(300);
  auto [proxy, stub] = StartProxy(config);
  ASSERT_NE(stub, nullptr);
  gateway::User reply;
  grpc::Status status = PatchAlice(*stub, absl::Seconds(10), &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(),
            absl::StrCat("upstream 127.0.0.1:", upstream.port(),
                         " unavailable: no connection within 300ms"));
}

}  // namespace
}  // namespace gateway_proxy
