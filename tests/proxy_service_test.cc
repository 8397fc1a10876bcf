// ProxyService, the per-call object, driven through a fake HttpClient: the
// gRPC side is real (a server on 127.0.0.1:0, the generated stub), the REST
// exchange is the test's. The exchange itself is pure (exchange.h) and is
// tested here through the service, and directly below.
#include "proxy/edge/proxy_service.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gateway/gateway.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "proxy/edge/exchange.h"
#include "proxy/edge/route_service.h"
#include "support/test_routes.h"

namespace gateway_proxy {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

// Records every request; the test answers each one when it wants, from its
// own thread, as the real client answers from its loop.
class FakeHttpClient final : public HttpClient {
 public:
  CallId Start(HttpRequest request, absl::Time deadline, Callback done) override {
    absl::MutexLock lock(&mu_);
    requests_.push_back(std::move(request));
    deadlines_.push_back(deadline);
    callbacks_.push_back(std::move(done));
    return requests_.size();
  }
  void Cancel(CallId id) override {
    absl::MutexLock lock(&mu_);
    cancelled_.push_back(id);
  }

  // Waits for request number `n` (from 1) and returns it.
  HttpRequest Request(size_t n) {
    absl::MutexLock lock(&mu_);
    auto arrived = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return requests_.size() >= n;
    };
    EXPECT_TRUE(mu_.AwaitWithTimeout(absl::Condition(&arrived), absl::Seconds(10)));
    return requests_.size() >= n ? requests_[n - 1] : HttpRequest();
  }
  // Answers request number `n`.
  void Answer(size_t n, absl::StatusOr<HttpResponse> response) {
    Callback done;
    {
      absl::MutexLock lock(&mu_);
      done = std::move(callbacks_.at(n - 1));
    }
    std::move(done)(std::move(response));
  }
  std::vector<CallId> cancelled() {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }
  size_t started() {
    absl::MutexLock lock(&mu_);
    return requests_.size();
  }

 private:
  absl::Mutex mu_;
  std::vector<HttpRequest> requests_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Time> deadlines_ ABSL_GUARDED_BY(mu_);
  std::vector<Callback> callbacks_ ABSL_GUARDED_BY(mu_);
  std::vector<CallId> cancelled_ ABSL_GUARDED_BY(mu_);
};

HttpResponse Json(int status, std::string body, HttpHeaders headers = {}) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

class ProxyServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    routes_ = testing::GatewayRoutes();
    ASSERT_NE(routes_, nullptr);
    service_ = std::make_unique<ProxyService>(routes_, &client_, nullptr, ProxyService::Options());
    route_service_ = std::make_unique<RouteService>("gateway.Gateway", *routes_, *service_);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(route_service_.get());
    builder.RegisterCallbackGenericService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = gateway::Gateway::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { server_->Shutdown(); }

  // UpdateUser acme/alice -> admin, started now, finished when `done` is
  // notified.
  void StartUpdate(grpc::ClientContext* context, gateway::User* reply, grpc::Status* status,
                   absl::Notification* done) {
    request_.set_account_id("acme");
    request_.set_user_id("alice");
    request_.mutable_user()->set_role("admin");
    context->AddMetadata("x-api-key", "key-1");
    context->AddMetadata("x-request-id", "req-1");
    context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    stub_->async()->UpdateUser(context, &request_, reply, [status, done](grpc::Status s) {
      *status = std::move(s);
      done->Notify();
    });
  }

  FakeHttpClient client_;
  std::shared_ptr<const RouteTable> routes_;
  std::unique_ptr<ProxyService> service_;
  std::unique_ptr<RouteService> route_service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<gateway::Gateway::Stub> stub_;
  gateway::UpdateUserRequest request_;
};

TEST_F(ProxyServiceTest, TheRequestGoesToTheClientAndItsAnswerBecomesTheReply) {
  grpc::ClientContext context;
  gateway::User reply;
  grpc::Status status;
  absl::Notification done;
  StartUpdate(&context, &reply, &status, &done);
  const HttpRequest sent = client_.Request(1);
  EXPECT_EQ(sent.method, "PATCH");
  EXPECT_EQ(sent.path, "/v1/accounts/acme/users/alice");
  EXPECT_EQ(sent.body, R"({"name":"accounts/acme/users/alice","role":"admin"})");
  EXPECT_THAT(sent.headers, ElementsAre(Pair("Authorization", "Bearer key-1"),
                                        Pair("x-request-id", "req-1")));
  client_.Answer(1, Json(200, R"({"name":"accounts/acme/users/alice","role":"admin"})",
                         {{"Grpc-Metadata-Cost", "3"}}));
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.role(), "admin");
  const auto& metadata = context.GetServerInitialMetadata();
  ASSERT_EQ(metadata.count("cost"), 1u);
  EXPECT_EQ(std::string(metadata.find("cost")->second.data(), 1), "3");
}

TEST_F(ProxyServiceTest, AnErrorAnswerBecomesItsCodeWithDetails) {
  grpc::ClientContext context;
  gateway::User reply;
  grpc::Status status;
  absl::Notification done;
  StartUpdate(&context, &reply, &status, &done);
  client_.Request(1);
  client_.Answer(1, Json(404, R"({"code":5,"message":"no such user","details":[)"
                              R"({"@type":"type.googleapis.com/google.rpc.ErrorInfo",)"
                              R"("reason":"USER_NOT_FOUND","domain":"d"}]})"));
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "no such user");
  google::rpc::Status rpc;
  ASSERT_TRUE(rpc.ParseFromString(status.error_details()));
  ASSERT_EQ(rpc.details_size(), 1);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(rpc.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "USER_NOT_FOUND");
}

TEST_F(ProxyServiceTest, ATransportErrorIsPassedOnAsItIs) {
  grpc::ClientContext context;
  gateway::User reply;
  grpc::Status status;
  absl::Notification done;
  StartUpdate(&context, &reply, &status, &done);
  client_.Request(1);
  client_.Answer(1, absl::UnknownError("upstream h:1 failed after the PATCH request was sent"));
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(status.error_message(), "upstream h:1 failed after the PATCH request was sent");
}

TEST_F(ProxyServiceTest, AClientCancelCancelsTheTransfer) {
  grpc::ClientContext context;
  gateway::User reply;
  grpc::Status status;
  absl::Notification done;
  StartUpdate(&context, &reply, &status, &done);
  client_.Request(1);
  context.TryCancel();
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  for (int i = 0; i < 1000 && client_.cancelled().empty(); ++i) {
    absl::SleepFor(absl::Milliseconds(5));  // OnCancel runs on a gRPC thread.
  }
  EXPECT_THAT(client_.cancelled(), ElementsAre(1u));
  client_.Answer(1, absl::CancelledError("cancelled"));  // What the real client does.
}

TEST_F(ProxyServiceTest, ARequestThatCannotBeSentNeverReachesTheClient) {
  gateway::UpdateUserRequest no_role;
  no_role.set_account_id("acme");
  no_role.set_user_id("alice");
  no_role.mutable_user()->set_display_name("Alice");
  grpc::ClientContext context;
  context.AddMetadata("x-api-key", "key-1");
  gateway::User reply;
  grpc::Status status = stub_->UpdateUser(&context, no_role, &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "missing required field: user.role");
  grpc::ClientContext no_credential;
  status = stub_->UpdateUser(&no_credential, request_, &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(client_.started(), 0u);
}

// --- the exchange's two functions, without gRPC ----------------------------

TEST(ExchangeTest, PrepareRequestAddsTheCredentialAndTheForwardedHeaders) {
  auto routes = testing::GatewayRoutes();
  ASSERT_NE(routes, nullptr);
  const Route& route = *routes->Find("/gateway.Gateway/GetUser");
  gateway::GetUserRequest request;
  request.set_account_id("acme");
  request.set_user_id("bob");
  auto prepared = PrepareRequest(route, request, {{"x-request-id", "r"}, {"x-other", "o"}},
                                 "file-key", {"x-request-id"});
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  EXPECT_EQ(prepared->http.method, "GET");
  EXPECT_EQ(prepared->http.path, "/v1/accounts/acme/users/bob");
  EXPECT_THAT(prepared->http.headers, ElementsAre(Pair("Authorization", "Bearer file-key"),
                                                  Pair("x-request-id", "r")));
  EXPECT_EQ(prepared->injected_key, "file-key");
}

TEST(ExchangeTest, AnswerFromUpstreamRedactsTheInjectedKeyEverywhere) {
  auto routes = testing::GatewayRoutes();
  ASSERT_NE(routes, nullptr);
  const Route& route = *routes->Find("/gateway.Gateway/GetUser");
  UpstreamAnswer ok = AnswerFromUpstream(
      route,
      Json(200, R"({"name":"accounts/acme/users/bob","displayName":"Bearer file-key-1"})",
           {{"Grpc-Metadata-Echo", "Bearer file-key-1"}}),
      "file-key-1", "", absl::Now());
  ASSERT_TRUE(ok.status.ok()) << ok.status;
  EXPECT_THAT(ok.metadata, ElementsAre(Pair("echo", "Bearer [redacted]")));
  EXPECT_EQ(static_cast<const gateway::User&>(*ok.reply).display_name(), "Bearer [redacted]");

  UpstreamAnswer error = AnswerFromUpstream(
      route, Json(401, R"({"code":16,"message":"invalid credential: Bearer file-key-1"})"),
      "file-key-1", "req-2", absl::Now());
  EXPECT_EQ(error.status, absl::UnauthenticatedError("invalid credential: Bearer [redacted]"));
  EXPECT_THAT(error.metadata, ElementsAre(Pair("x-request-id", "req-2")));
  EXPECT_EQ(error.reply, nullptr);
}

}  // namespace
}  // namespace gateway_proxy
