// The whole proxy in-process: a real gRPC server on 127.0.0.1:0 (the
// ProxyServer main() runs), a real HTTP upstream on 127.0.0.1:0, and the
// generated C++ stub as the caller.
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gateway/gateway.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "http_status.h"
#include "proxy/app/server.h"
#include "proxy/observability/access_log.h"
#include "support/fake_upstream.h"

namespace gateway_proxy {
namespace {

using ::gateway_proxy::testing::CannedResponse;
using ::gateway_proxy::testing::FakeUpstream;
using ::gateway_proxy::testing::RecordedRequest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr char kUserJson[] =
    R"({"name":"accounts/acme/users/alice","displayName":"Alice","role":"admin",)"
    R"("serviceAccount":false,"email":"alice@example.com","state":"READY",)"
    R"("createTime":"2026-01-02T03:04:05Z","status":{"code":"OK"}})";

gateway::UpdateUserRequest AliceToAdmin() {
  gateway::UpdateUserRequest request;
  request.set_account_id("acme");
  request.set_user_id("alice");
  request.mutable_user()->set_role("admin");
  return request;
}

google::rpc::Status DetailsOf(const grpc::Status& status) {
  google::rpc::Status rpc;
  EXPECT_TRUE(rpc.ParseFromString(status.error_details()));
  return rpc;
}

class ProxyIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override { StartProxy(BaseConfig()); }

  Config BaseConfig() {
    Config config;
    config.listen = "127.0.0.1:0";
    config.upstream = upstream_.base_url();
    config.upstream_timeout = absl::Seconds(10);
    return config;
  }

  void StartProxy(const Config& config) {
    proxy_.reset();
    auto proxy = ProxyServer::Start(config);
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = *std::move(proxy);
    channel_ = grpc::CreateChannel(proxy_->address(), grpc::InsecureChannelCredentials());
    stub_ = gateway::Gateway::NewStub(channel_);
  }

  // A context that authenticates with x-api-key and gives up after 10s.
  std::unique_ptr<grpc::ClientContext> Context(absl::Duration timeout = absl::Seconds(10)) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("x-api-key", "test-key-1");
    context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    return context;
  }

  grpc::Status Update(const gateway::UpdateUserRequest& request, gateway::User* reply) {
    auto context = Context();
    return stub_->UpdateUser(context.get(), request, reply);
  }

  // Calls `method` with `bytes` as the serialized request, as a client whose
  // stubs would not produce them (invalid UTF-8, garbage) can.
  grpc::Status CallWithBytes(const std::string& method, const std::string& bytes) {
    grpc::GenericStub generic(channel_);
    grpc::ClientContext context;
    context.AddMetadata("x-api-key", "test-key-1");
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1), response;
    absl::Notification done;
    grpc::Status status;
    generic.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                      [&](grpc::Status s) {
                        status = std::move(s);
                        done.Notify();
                      });
    if (!done.WaitForNotificationWithTimeout(absl::Seconds(10))) {
      context.TryCancel();
      done.WaitForNotification();
    }
    return status;
  }

  // Answers every request with `status` and `body`.
  void Answer(int status, std::string body, std::string content_type = "application/json",
              HttpHeaders headers = {}) {
    upstream_.SetHandler([=](const RecordedRequest&) {
      return CannedResponse{status, content_type, body, headers};
    });
  }

  FakeUpstream upstream_;
  std::unique_ptr<ProxyServer> proxy_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<gateway::Gateway::Stub> stub_;
};

TEST_F(ProxyIntegrationTest, UpdateUserBecomesPatchWithOnlyTheFieldsSet) {
  Answer(200, kUserJson);
  gateway::UpdateUserRequest request = AliceToAdmin();
  request.mutable_user()->set_service_account(false);  // Sent on purpose.
  request.mutable_user()->set_display_name("");        // Sent on purpose.
  request.mutable_user()->set_state(gateway::User::READY);  // Output only.
  request.mutable_update_mask()->add_paths("role");
  request.mutable_update_mask()->add_paths("service_account");
  request.mutable_update_mask()->add_paths("display_name");

  gateway::User reply;
  grpc::Status status = Update(request, &reply);

  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(upstream_.requests().size(), 1u);
  const RecordedRequest sent = upstream_.requests()[0];
  EXPECT_EQ(sent.method, "PATCH");
  EXPECT_EQ(sent.target,
            "/v1/accounts/acme/users/alice?updateMask=role%2CserviceAccount%2CdisplayName");
  EXPECT_EQ(sent.body,
            R"({"name":"accounts/acme/users/alice","displayName":"","serviceAccount":false,)"
            R"("role":"admin"})");
  EXPECT_EQ(sent.Header("Content-Type"), "application/json");
  EXPECT_EQ(sent.Header("Accept"), "application/json");
  EXPECT_EQ(sent.Header("Authorization"), "Bearer test-key-1");

  EXPECT_EQ(reply.name(), "accounts/acme/users/alice");
  EXPECT_EQ(reply.display_name(), "Alice");
  EXPECT_TRUE(reply.has_service_account());
  EXPECT_FALSE(reply.service_account());
  EXPECT_EQ(reply.role(), "admin");
  EXPECT_EQ(reply.state(), gateway::User::READY);
  EXPECT_EQ(reply.create_time().seconds(), 1767323045);
  EXPECT_EQ(reply.status().code(), google::rpc::OK);
}

TEST_F(ProxyIntegrationTest, CreateUserPostsTheUserWithUserIdInTheQuery) {
  Answer(200, kUserJson);
  gateway::CreateUserRequest request;
  request.set_account_id("acme");
  request.set_user_id("carol");
  request.mutable_user()->set_role("user");
  request.mutable_user()->set_email("carol@example.com");
  auto context = Context();
  gateway::User reply;
  ASSERT_TRUE(stub_->CreateUser(context.get(), request, &reply).ok());
  const RecordedRequest sent = upstream_.requests().at(0);
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.target, "/v1/accounts/acme/users?userId=carol");
  EXPECT_EQ(sent.body, R"({"role":"user","email":"carol@example.com"})");
}

TEST_F(ProxyIntegrationTest, GetUserSendsTheReadMaskAsQueryAndNoBody) {
  Answer(200, kUserJson);
  gateway::GetUserRequest request;
  request.set_account_id("acme");
  request.set_user_id("alice");
  request.mutable_read_mask()->add_paths("display_name");
  request.mutable_read_mask()->add_paths("role");
  auto context = Context();
  gateway::User reply;
  ASSERT_TRUE(stub_->GetUser(context.get(), request, &reply).ok());
  const RecordedRequest sent = upstream_.requests().at(0);
  EXPECT_EQ(sent.method, "GET");
  EXPECT_EQ(sent.target, "/v1/accounts/acme/users/alice?readMask=displayName%2Crole");
  EXPECT_EQ(sent.body, "");
  EXPECT_EQ(sent.Header("Content-Type"), "");
  EXPECT_EQ(reply.name(), "accounts/acme/users/alice");
}

TEST_F(ProxyIntegrationTest, ListUsersSendsOnlyTheSetParametersAndReadsThePage) {
  Answer(200, R"({"users":[{"name":"accounts/acme/users/alice","role":"admin"},)"
              R"({"name":"accounts/acme/users/bob","role":"user"}],)"
              R"("nextPageToken":"page-2","totalSize":5})");
  gateway::ListUsersRequest request;
  request.set_account_id("acme");
  request.set_page_size(2);
  request.set_filter("role = \"admin\"");
  request.set_order_by("display_name desc");
  auto context = Context();
  gateway::ListUsersResponse reply;
  ASSERT_TRUE(stub_->ListUsers(context.get(), request, &reply).ok());
  EXPECT_EQ(upstream_.requests().at(0).target,
            "/v1/accounts/acme/users?pageSize=2&filter=role%20%3D%20%22admin%22"
            "&orderBy=display_name%20desc");
  ASSERT_EQ(reply.users_size(), 2);
  EXPECT_EQ(reply.users(1).name(), "accounts/acme/users/bob");
  EXPECT_EQ(reply.next_page_token(), "page-2");
  EXPECT_EQ(reply.total_size(), 5);
}

TEST_F(ProxyIntegrationTest, UnknownUpstreamFieldsAndEnumValuesAreIgnored) {
  Answer(200, R"({"name":"accounts/acme/users/alice","role":"admin",)"
              R"("state":"SUSPENDED_IN_A_FUTURE_VERSION","brandNewField":{"x":[1,2]}})");
  gateway::User reply;
  grpc::Status status = Update(AliceToAdmin(), &reply);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.role(), "admin");
  EXPECT_EQ(reply.state(), gateway::User::STATE_UNSPECIFIED);
}

// Every google.rpc.Code comes back as itself whichever grpc-gateway table
// the backend's HTTP status came from.
TEST_F(ProxyIntegrationTest, EveryCodeRoundTripsThroughBothGrpcGatewayTables) {
  for (int code = 1; code <= 16; ++code) {
    const auto absl_code = static_cast<absl::StatusCode>(code);
    for (int table = 1; table <= 2; ++table) {
      const int http = table == 1 ? mock_gateway::GrpcGatewayV1HttpStatusFromCode(absl_code)
                                  : mock_gateway::HttpStatusFromCode(absl_code);
      Answer(http, absl::StrCat(R"({"code":)", code, R"(,"message":"backend says )", code,
                                R"(","details":[]})"));
      gateway::User reply;
      grpc::Status status = Update(AliceToAdmin(), &reply);
      EXPECT_EQ(status.error_code(), code) << "table v" << table << " HTTP " << http;
      EXPECT_EQ(status.error_message(), absl::StrCat("backend says ", code));
    }
  }
}

TEST_F(ProxyIntegrationTest, ErrorDetailsArriveInGrpcStatusDetailsBin) {
  Answer(404, R"({"code":5,"message":"user alice not found","details":[)"
              R"({"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"USER_NOT_FOUND",)"
              R"("domain":"gateway.fireworks.ai","metadata":{"user_id":"alice"}},)"
              R"({"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":)"
              R"([{"field":"user_id","description":"no such user"}]}]})");
  gateway::User reply;
  grpc::Status status = Update(AliceToAdmin(), &reply);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "user alice not found");
  google::rpc::Status details = DetailsOf(status);
  EXPECT_EQ(details.code(), 5);
  EXPECT_EQ(details.message(), "user alice not found");
  ASSERT_EQ(details.details_size(), 2);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "USER_NOT_FOUND");
  EXPECT_EQ(info.domain(), "gateway.fireworks.ai");
  EXPECT_THAT(info.metadata(), ElementsAre(Pair("user_id", "alice")));
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(1).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "user_id");
}

TEST_F(ProxyIntegrationTest, RetryAfterBecomesRetryInfo) {
  Answer(429, R"({"code":8,"message":"slow down"})", "application/json",
         {{"Retry-After", "7"}});
  gateway::User reply;
  grpc::Status status = Update(AliceToAdmin(), &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  google::rpc::Status details = DetailsOf(status);
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::RetryInfo retry;
  ASSERT_TRUE(details.details(0).UnpackTo(&retry));
  EXPECT_EQ(retry.retry_delay().seconds(), 7);
}

TEST_F(ProxyIntegrationTest, AuthLayerForbiddenIsPermissionDenied) {
  Answer(403, R"({"error":"unauthorized"})");
  gateway::User reply;
  grpc::Status status = Update(AliceToAdmin(), &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(), "unauthorized");
}

TEST_F(ProxyIntegrationTest, HtmlBadGatewayIsUnavailableWithTheStartOfThePage) {
  Answer(502, "<html><head><title>502 Bad Gateway</title></head><body>"
              "<h1>502 Bad Gateway</h1></body></html>",
         "text/html");
  gateway::User reply;
  grpc::Status status = Update(AliceToAdmin(), &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), ::testing::StartsWith("upstream HTTP 502: "));
  EXPECT_THAT(status.error_message(), HasSubstr("502 Bad Gateway"));
  EXPECT_THAT(status.error_message(), ::testing::Not(HasSubstr("<")));
}

TEST_F(ProxyIntegrationTest, InvalidJsonOnSuccessIsInternal) {
  Answer(200, R"({"name": "accounts/acme/users/alice", "role": )");
  gateway::User reply;
  grpc::Status status = Update(AliceToAdmin(), &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(status.error_message(),
              ::testing::StartsWith(
                  "upstream returned a 2xx response that is not valid JSON for gateway.User"));
}

// A Timestamp whose NUL hides an offset that takes it out of range once
// crashed the process (a CHECK inside protobuf's TimeUtil): the call is
// answered as protobuf's JSON util answers it, and the proxy serves on.
TEST_F(ProxyIntegrationTest, AReplyTimestampHidingAnOffsetBehindANulIsAnswered) {
  Answer(200, R"({"name":"accounts/acme/users/alice",)"
              R"("createTime":"0001-01-01T00:00:00+01:00\u0000Z"})");
  gateway::User reply;
  grpc::Status status = Update(AliceToAdmin(), &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OK) << status.error_message();
  EXPECT_EQ(reply.name(), "accounts/acme/users/alice");
  Answer(200, kUserJson);
  status = Update(AliceToAdmin(), &reply);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(ProxyIntegrationTest, ResponseOverTheSizeCapIsInternal) {
  Config config = BaseConfig();
  config.max_response_bytes = 1024;
  StartProxy(config);
  Answer(200, absl::StrCat(R"({"name":")", std::string(4096, 'x'), R"("})"));
  gateway::User reply;
  grpc::Status status = Update(AliceToAdmin(), &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(status.error_message(), "upstream response exceeds the 1024-byte limit");
}

TEST_F(ProxyIntegrationTest, AuthorizationMetadataIsForwardedVerbatim) {
  Answer(200, kUserJson);
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer caller-token-1");
  context.AddMetadata("x-api-key", "ignored-key");
  gateway::User reply;
  ASSERT_TRUE(stub_->UpdateUser(&context, AliceToAdmin(), &reply).ok());
  EXPECT_EQ(upstream_.requests().at(0).Header("Authorization"), "Bearer caller-token-1");
}

TEST_F(ProxyIntegrationTest, ApiKeyFileIsTheFallbackCredential) {
  const std::string path = ::testing::TempDir() + "/integration_api_key";
  std::ofstream(path) << "file-key-1\n";
  Config config = BaseConfig();
  config.api_key_file = path;
  StartProxy(config);
  Answer(200, kUserJson);

  grpc::ClientContext context;
  gateway::User reply;
  ASSERT_TRUE(stub_->UpdateUser(&context, AliceToAdmin(), &reply).ok());
  EXPECT_EQ(upstream_.requests().at(0).Header("Authorization"), "Bearer file-key-1");
}

TEST_F(ProxyIntegrationTest, MissingCredentialsAreUnauthenticatedAndNothingIsSent) {
  grpc::ClientContext context;
  gateway::User reply;
  grpc::Status status = stub_->UpdateUser(&context, AliceToAdmin(), &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(),
            "no credentials: send \"authorization\" or \"x-api-key\" metadata, or start "
            "gateway-proxy with --api_key_file");
  EXPECT_TRUE(upstream_.requests().empty());
}

TEST_F(ProxyIntegrationTest, OnlyAllowlistedMetadataIsForwarded) {
  Answer(200, kUserJson);
  auto context = Context();
  context->AddMetadata("x-request-id", "req-42");
  context->AddMetadata("x-internal-secret", "do-not-forward");
  context->AddMetadata("x-request-id-bin", std::string("\x01\x02", 2));
  gateway::User reply;
  ASSERT_TRUE(stub_->UpdateUser(context.get(), AliceToAdmin(), &reply).ok());
  const RecordedRequest sent = upstream_.requests().at(0);
  EXPECT_EQ(sent.Header("x-request-id"), "req-42");
  // No caller trace and no --trace_sampling: no trace headers.
  EXPECT_EQ(sent.Header("traceparent"), "");
  EXPECT_EQ(sent.Header("x-internal-secret"), "");
  EXPECT_EQ(sent.Header("x-request-id-bin"), "");
  EXPECT_EQ(sent.Header("x-api-key"), "");
}

std::string ServerMetadata(const grpc::ClientContext& context, const std::string& key) {
  auto it = context.GetServerInitialMetadata().find(key);
  if (it == context.GetServerInitialMetadata().end()) return "<absent>";
  return std::string(it->second.data(), it->second.size());
}

TEST_F(ProxyIntegrationTest, ALargeResponseIsAnsweredOffTheUpstreamLoopAndWhole) {
  // Over ProxyService::Options::large_response_bytes (64 KiB): translated on
  // the large-replies threads, with the same reply, metadata and errors.
  std::string users;
  constexpr int kUsers = 2000;
  for (int i = 0; i < kUsers; ++i) {
    absl::StrAppend(&users, i == 0 ? "" : ",", R"({"name":"accounts/acme/users/u)", i,
                    R"(","role":"user","displayName":"User number )", i, R"("})");
  }
  const std::string body = absl::StrCat(R"({"users":[)", users, R"(],"totalSize":)", kUsers, "}");
  ASSERT_GT(body.size(), 64u << 10);
  Answer(200, body, "application/json", {{"Grpc-Metadata-Page", "1"}});
  gateway::ListUsersRequest request;
  request.set_account_id("acme");
  auto context = Context();
  gateway::ListUsersResponse reply;
  grpc::Status status = stub_->ListUsers(context.get(), request, &reply);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(reply.users_size(), kUsers);
  EXPECT_EQ(reply.users(kUsers - 1).name(), absl::StrCat("accounts/acme/users/u", kUsers - 1));
  EXPECT_EQ(reply.users(7).display_name(), "User number 7");
  EXPECT_EQ(reply.total_size(), kUsers);
  EXPECT_EQ(ServerMetadata(*context, "page"), "1");

  // A large error body keeps its code and message the same way.
  Answer(404, absl::StrCat(R"({"code":5,"message":"gone","pad":")", std::string(100000, 'x'),
                           R"("})"));
  auto error_context = Context();
  status = stub_->ListUsers(error_context.get(), request, &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "gone");
}


TEST_F(ProxyIntegrationTest, GrpcMetadataHeadersBecomeInitialMetadata) {
  Answer(200, kUserJson, "application/json",
         {{"Grpc-Metadata-Request-Cost", "3"}, {"X-Request-Id", "upstream-7"},
          {"Grpc-Metadata-Grpc-Status", "13"}, {"Server", "nginx"}});
  auto context = Context();
  context->AddMetadata("x-request-id", "caller-1");
  gateway::User reply;
  ASSERT_TRUE(stub_->UpdateUser(context.get(), AliceToAdmin(), &reply).ok());
  EXPECT_EQ(ServerMetadata(*context, "request-cost"), "3");
  EXPECT_EQ(ServerMetadata(*context, "x-request-id"), "upstream-7");
  EXPECT_EQ(ServerMetadata(*context, "server"), "<absent>");
  EXPECT_EQ(upstream_.requests().at(0).Header("x-request-id"), "caller-1");
}

// An upstream that echoes a request's credential headers back as
// Grpc-Metadata-* must not hand them to the caller, even the caller's own:
// the rule that keeps them from being forwarded (metadata.h) keeps them from
// coming back.
TEST_F(ProxyIntegrationTest, CredentialsAnUpstreamEchoesAsMetadataNeverReachTheCaller) {
  Answer(200, kUserJson, "application/json",
         {{"Grpc-Metadata-Authorization", "Bearer echoed-1"},
          {"Grpc-Metadata-X-Api-Key", "test-key-1"},
          {"Grpc-Metadata-Proxy-Authorization", "Basic echoed-2"},
          {"Grpc-Metadata-Accept", "*/*"},
          {"Grpc-Metadata-Expect", "100-continue"},
          {"Grpc-Metadata-Content-Encoding", "gzip"},
          {"Grpc-Metadata-Fine", "ok"}});
  auto context = Context();
  gateway::User reply;
  ASSERT_TRUE(stub_->UpdateUser(context.get(), AliceToAdmin(), &reply).ok());
  ASSERT_EQ(upstream_.requests().size(), 1u);
  std::vector<std::string> keys;
  for (const auto& [key, value] : context->GetServerInitialMetadata()) {
    keys.emplace_back(key.data(), key.size());
  }
  EXPECT_THAT(keys, ::testing::ElementsAre("fine"));
  EXPECT_EQ(ServerMetadata(*context, "fine"), "ok");
}

TEST_F(ProxyIntegrationTest, CallerRequestIdIsEchoedOnSuccessAndOnError) {
  Answer(200, kUserJson);
  auto context = Context();
  context->AddMetadata("x-request-id", "caller-2");
  gateway::User reply;
  ASSERT_TRUE(stub_->UpdateUser(context.get(), AliceToAdmin(), &reply).ok());
  EXPECT_EQ(ServerMetadata(*context, "x-request-id"), "caller-2");

  gateway::UpdateUserRequest no_role = AliceToAdmin();
  no_role.mutable_user()->clear_role();
  auto error_context = Context();
  error_context->AddMetadata("x-request-id", "caller-3");
  EXPECT_EQ(stub_->UpdateUser(error_context.get(), no_role, &reply).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ServerMetadata(*error_context, "x-request-id"), "caller-3");
}

TEST_F(ProxyIntegrationTest, MissingRoleIsInvalidArgumentWithFieldViolation) {
  gateway::UpdateUserRequest request = AliceToAdmin();
  request.mutable_user()->clear_role();
  request.mutable_user()->set_display_name("Alice");
  gateway::User reply;
  grpc::Status status = Update(request, &reply);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "missing required field: user.role");
  google::rpc::Status details = DetailsOf(status);
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "user.role");
  EXPECT_TRUE(upstream_.requests().empty());
}

TEST_F(ProxyIntegrationTest, BadPathValuesAreInvalidArgumentAndNothingIsSent) {
  Answer(200, kUserJson);
  const std::pair<std::string, std::string> cases[] = {
      {"..", "field user_id must not be empty, \".\" or \"..\" in the request path "
             "(got \"..\")"},
      {".", "field user_id must not be empty, \".\" or \"..\" in the request path "
            "(got \".\")"},
      {"", "missing required field: user_id"},
      {"../../admin/users/root",
       "field user_id must not contain '/' in the request path (got "
       "\"../../admin/users/root\")"},
      {"a/b", "field user_id must not contain '/' in the request path (got \"a/b\")"},
      {"..%2F..%2Fadmin",
       "field user_id must not contain a percent-encoded sequence (\"%2F\") in the "
       "request path; send the value unencoded"},
      {std::string("ali\0ce", 6),
       "field user_id must not contain control characters in the request path"},
      {"alice\r\nX-Injected: 1",
       "field user_id must not contain control characters in the request path"},
  };
  for (const auto& [user_id, message] : cases) {
    gateway::UpdateUserRequest request = AliceToAdmin();
    request.set_user_id(user_id);
    request.mutable_user()->clear_name();
    gateway::User reply;
    grpc::Status status = Update(request, &reply);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << user_id;
    EXPECT_EQ(status.error_message(), message) << user_id;
  }
  EXPECT_TRUE(upstream_.requests().empty());

  // The same proxy goes on serving good calls.
  gateway::User reply;
  ASSERT_TRUE(Update(AliceToAdmin(), &reply).ok());
  ASSERT_EQ(upstream_.requests().size(), 1u);
  EXPECT_EQ(upstream_.requests()[0].target, "/v1/accounts/acme/users/alice");
}

// A path value whose escaping would pass 30 MB (libcurl's own escaping gave
// up there, and an empty segment went upstream): refused whole by the URL
// limit, and nothing is sent.
TEST_F(ProxyIntegrationTest, APathValueTooLongToEscapeIsRefusedAndNothingIsSent) {
  Config config = BaseConfig();
  config.max_request_bytes = 16 << 20;
  StartProxy(config);
  Answer(200, kUserJson);
  gateway::UpdateUserRequest request = AliceToAdmin();
  request.mutable_user()->clear_name();
  request.set_user_id(std::string(10000001, ' '));
  gateway::User reply;
  grpc::Status status = Update(request, &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // "/v1/accounts/acme/users/" and 10,000,001 spaces as %20.
  EXPECT_EQ(status.error_message(),
            "the request URL would be 30000027 bytes, over the limit of 8192; path values "
            "or query fields (repeated fields, FieldMask paths) are too long");
  EXPECT_TRUE(upstream_.requests().empty());
}

TEST_F(ProxyIntegrationTest, HugeRepeatedFieldIsInvalidArgumentAndNothingIsSent) {
  gateway::UpdateUserRequest request = AliceToAdmin();
  for (int i = 0; i < 100000; ++i) request.mutable_update_mask()->add_paths("role");
  gateway::User reply;
  grpc::Status status = Update(request, &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "the request URL would be 700038 bytes, over the limit of 8192; path values "
            "or query fields (repeated fields, FieldMask paths) are too long");
  EXPECT_TRUE(upstream_.requests().empty());
}

TEST_F(ProxyIntegrationTest, DeeplyNestedMessageIsInvalidArgumentAndNothingIsSent) {
  // UpdateUserRequest{account_id: "acme"} followed by an unknown group
  // (field 15) nested 10,000 deep: past protobuf's recursion limit.
  std::string bytes("\x0a\x04" "acme", 6);
  for (int i = 0; i < 10000; ++i) bytes.push_back('\x7b');  // field 15, start group
  for (int i = 0; i < 10000; ++i) bytes.push_back('\x7c');  // field 15, end group
  grpc::Status status = CallWithBytes("/gateway.Gateway/UpdateUser", bytes);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "the request message does not parse as gateway.UpdateUserRequest");
  EXPECT_TRUE(upstream_.requests().empty());
}

TEST_F(ProxyIntegrationTest, UnreachableUpstreamIsUnavailableNamingTheHost) {
  int closed_port;
  {
    FakeUpstream gone;
    closed_port = gone.port();
  }
  Config config = BaseConfig();
  config.upstream = absl::StrCat("http://127.0.0.1:", closed_port);
  StartProxy(config);
  gateway::User reply;
  grpc::Status status = Update(AliceToAdmin(), &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(),
            absl::StrCat("upstream 127.0.0.1:", closed_port,
                         " unavailable: Couldn't connect to server"));
}

// An upstream that holds each request until the test lets it go.
class SlowUpstreamTest : public ProxyIntegrationTest {
 protected:
  void SetUp() override {
    ProxyIntegrationTest::SetUp();
    upstream_.SetHandler([this](const RecordedRequest&) {
      release_.WaitForNotificationWithTimeout(absl::Seconds(30));
      return CannedResponse{200, "application/json", kUserJson, {}};
    });
  }
  void TearDown() override {
    if (!release_.HasBeenNotified()) release_.Notify();
  }
  absl::Notification release_;
};

TEST_F(SlowUpstreamTest, ClientDeadlineBecomesTheUpstreamTimeout) {
  auto context = Context(absl::Milliseconds(300));
  gateway::User reply;
  grpc::Status status = stub_->UpdateUser(context.get(), AliceToAdmin(), &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(upstream_.requests().size(), 1u);
}

TEST_F(SlowUpstreamTest, ProxyTimeoutAppliesWhenTheClientSetsNoDeadline) {
  Config config = BaseConfig();
  config.upstream_timeout = absl::Milliseconds(300);
  StartProxy(config);
  grpc::ClientContext context;
  context.AddMetadata("x-api-key", "test-key-1");
  gateway::User reply;
  grpc::Status status = stub_->UpdateUser(&context, AliceToAdmin(), &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(status.error_message(),
            absl::StrCat("upstream 127.0.0.1:", upstream_.port(),
                         " did not answer before the deadline"));
}

TEST_F(SlowUpstreamTest, ClientCancelAbortsTheCallAndTheProxyKeepsServing) {
  auto context = Context();
  const gateway::UpdateUserRequest request = AliceToAdmin();
  gateway::User reply;
  absl::Notification done;
  grpc::Status status;
  stub_->async()->UpdateUser(context.get(), &request, &reply,
                             [&](grpc::Status s) {
                               status = std::move(s);
                               done.Notify();
                             });
  ASSERT_TRUE(upstream_.WaitForRequests(1, absl::Seconds(10)));
  context->TryCancel();
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);

  release_.Notify();
  gateway::User next;
  grpc::Status next_status = Update(AliceToAdmin(), &next);
  EXPECT_TRUE(next_status.ok()) << next_status.error_message();
  EXPECT_EQ(next.role(), "admin");
}

// Keeps every record it is given.
class RecordingObserver : public CallObserver {
 public:
  void OnCallStarted(absl::string_view grpc_method) override {
    absl::MutexLock lock(&mu_);
    started_.emplace_back(grpc_method);
  }
  void OnCallFinished(const CallRecord& record) override {
    absl::MutexLock lock(&mu_);
    finished_.push_back(record);
  }
  std::vector<std::string> started() {
    absl::MutexLock lock(&mu_);
    return started_;
  }
  std::vector<CallRecord> finished() {
    absl::MutexLock lock(&mu_);
    return finished_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> started_;
  std::vector<CallRecord> finished_;
};

TEST_F(ProxyIntegrationTest, ObserverHearsOfEveryCallWithItsOutcome) {
  RecordingObserver observer;
  proxy_.reset();
  auto proxy = ProxyServer::Start(BaseConfig(), &observer);
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  proxy_ = *std::move(proxy);
  channel_ = grpc::CreateChannel(proxy_->address(), grpc::InsecureChannelCredentials());
  stub_ = gateway::Gateway::NewStub(channel_);

  Answer(404, R"({"code":5,"message":"no such user"})");
  auto context = Context();
  context->AddMetadata("x-request-id", "req-9");
  gateway::User reply;
  EXPECT_EQ(stub_->UpdateUser(context.get(), AliceToAdmin(), &reply).error_code(),
            grpc::StatusCode::NOT_FOUND);
  gateway::UpdateUserRequest no_role = AliceToAdmin();
  no_role.mutable_user()->clear_role();
  EXPECT_EQ(Update(no_role, &reply).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  proxy_->Shutdown(absl::Seconds(5));  // Every call has finished after this.

  EXPECT_THAT(observer.started(), ::testing::ElementsAre("/gateway.Gateway/UpdateUser",
                                                         "/gateway.Gateway/UpdateUser"));
  const std::vector<CallRecord> finished = observer.finished();
  ASSERT_EQ(finished.size(), 2u);
  EXPECT_EQ(finished[0].grpc_method, "/gateway.Gateway/UpdateUser");
  EXPECT_EQ(finished[0].code, absl::StatusCode::kNotFound);
  EXPECT_EQ(finished[0].http_method, "PATCH");
  EXPECT_EQ(finished[0].upstream_status, 404);
  EXPECT_EQ(finished[0].request_id, "req-9");
  EXPECT_GT(finished[0].upstream_latency, absl::ZeroDuration());
  EXPECT_GE(finished[0].latency, finished[0].upstream_latency);
  EXPECT_EQ(finished[1].code, absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(finished[1].http_method, "");
  EXPECT_EQ(finished[1].upstream_status, 0);
}

class ObservedProxyTest : public ProxyIntegrationTest {
 protected:
  void SetUp() override {}
  void StartObserved(Config config) {
    auto proxy = ProxyServer::Start(config, &observer_);
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = *std::move(proxy);
    channel_ = grpc::CreateChannel(proxy_->address(), grpc::InsecureChannelCredentials());
    stub_ = gateway::Gateway::NewStub(channel_);
  }
  RecordingObserver observer_;
};

TEST_F(ObservedProxyTest, UpstreamContinuesTheCallersTraceInTheProxysOwnSpan) {
  StartObserved(BaseConfig());
  Answer(200, kUserJson);
  auto context = Context();
  context->AddMetadata("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  context->AddMetadata("tracestate", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  gateway::User reply;
  ASSERT_TRUE(stub_->UpdateUser(context.get(), AliceToAdmin(), &reply).ok());

  const RecordedRequest sent = upstream_.requests().at(0);
  const std::string traceparent(sent.Header("traceparent"));
  ASSERT_EQ(traceparent.size(), 55u) << traceparent;
  EXPECT_EQ(traceparent.substr(0, 36), "00-0af7651916cd43dd8448eb211c80319c-");
  const std::string span_id = traceparent.substr(36, 16);
  EXPECT_NE(span_id, "b7ad6b7169203331");
  EXPECT_NE(span_id, "0000000000000000");
  EXPECT_EQ(traceparent.substr(52), "-01");
  EXPECT_EQ(sent.Header("tracestate"), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");

  const std::vector<CallRecord> finished = observer_.finished();
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_EQ(finished[0].trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(finished[0].span_id, span_id);
  const std::string line = AccessLogLine(finished[0], absl::FromUnixSeconds(0));
  EXPECT_THAT(line, HasSubstr(absl::StrCat(
                        R"("trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":")", span_id,
                        R"("})")));
}

TEST_F(ObservedProxyTest, InvalidTraceparentIsNotForwardedNorItsTracestate) {
  StartObserved(BaseConfig());
  Answer(200, kUserJson);
  auto context = Context();
  context->AddMetadata("traceparent", "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01");
  context->AddMetadata("tracestate", "rojo=00f067aa0ba902b7");
  gateway::User reply;
  ASSERT_TRUE(stub_->UpdateUser(context.get(), AliceToAdmin(), &reply).ok());
  const RecordedRequest sent = upstream_.requests().at(0);
  EXPECT_EQ(sent.Header("traceparent"), "");
  EXPECT_EQ(sent.Header("tracestate"), "");
  const std::vector<CallRecord> finished = observer_.finished();
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_EQ(finished[0].trace_id, "");
  EXPECT_EQ(finished[0].span_id, "");
}

TEST_F(ObservedProxyTest, FullSamplingStartsATraceForCallsWithoutOne) {
  Config config = BaseConfig();
  config.trace_sampling = 1;
  StartObserved(config);
  Answer(200, kUserJson);
  gateway::User reply;
  ASSERT_TRUE(Update(AliceToAdmin(), &reply).ok());
  const std::string traceparent(upstream_.requests().at(0).Header("traceparent"));
  const std::vector<CallRecord> finished = observer_.finished();
  ASSERT_EQ(finished.size(), 1u);
  ASSERT_EQ(finished[0].trace_id.size(), 32u);
  ASSERT_EQ(finished[0].span_id.size(), 16u);
  EXPECT_EQ(traceparent,
            absl::StrCat("00-", finished[0].trace_id, "-", finished[0].span_id, "-01"));
}

TEST_F(ObservedProxyTest, RecordNamesTheCallerTheSizesAndTheError) {
  StartObserved(BaseConfig());
  Answer(200, kUserJson);
  grpc::ChannelArguments args;
  args.SetUserAgentPrefix("tool/1.2");
  auto tool = gateway::Gateway::NewStub(grpc::CreateCustomChannel(
      proxy_->address(), grpc::InsecureChannelCredentials(), args));
  auto context = Context();
  gateway::User reply;
  ASSERT_TRUE(tool->UpdateUser(context.get(), AliceToAdmin(), &reply).ok());
  Answer(404, R"({"code":5,"message":"no such user"})");
  EXPECT_EQ(Update(AliceToAdmin(), &reply).error_code(), grpc::StatusCode::NOT_FOUND);

  const std::vector<CallRecord> finished = observer_.finished();
  ASSERT_EQ(finished.size(), 2u);
  EXPECT_EQ(finished[0].request_bytes, static_cast<int64_t>(AliceToAdmin().ByteSizeLong()));
  EXPECT_EQ(finished[0].response_bytes, static_cast<int64_t>(reply.ByteSizeLong()));
  EXPECT_EQ(finished[0].error, "");
  EXPECT_EQ(finished[0].upstream_error, "");
  EXPECT_EQ(finished[0].retries, 0);
  // gRPC puts its own agent after the caller's.
  EXPECT_THAT(finished[0].user_agent, ::testing::StartsWith("tool/1.2 grpc-c++/"));
  EXPECT_THAT(finished[0].peer, ::testing::StartsWith("ipv4:127.0.0.1:"));
  EXPECT_EQ(finished[1].error, "no such user");
  EXPECT_EQ(finished[1].response_bytes, 0);
  EXPECT_EQ(finished[1].upstream_error, "");
}

TEST_F(SlowUpstreamTest, ExpiredDeadlinesAreRecordedAsDeadlineExceededNotCancelled) {
  // When the client's deadline passes, gRPC cancels the call on the server
  // (OnCancel) about when the upstream transfer times out: whichever comes
  // first, the client sees DEADLINE_EXCEEDED, and so must the log and the
  // metrics.
  RecordingObserver observer;
  proxy_.reset();
  auto proxy = ProxyServer::Start(BaseConfig(), &observer);
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  proxy_ = *std::move(proxy);
  channel_ = grpc::CreateChannel(proxy_->address(), grpc::InsecureChannelCredentials());
  stub_ = gateway::Gateway::NewStub(channel_);
  // A client that cancels stays CANCELLED.
  auto cancelled = Context();
  const gateway::UpdateUserRequest request = AliceToAdmin();
  gateway::User cancelled_reply;
  absl::Notification done;
  stub_->async()->UpdateUser(cancelled.get(), &request, &cancelled_reply,
                             [&](grpc::Status) { done.Notify(); });
  ASSERT_TRUE(upstream_.WaitForRequests(1, absl::Seconds(10)));
  cancelled->TryCancel();
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  constexpr int kCalls = 12;
  for (int i = 0; i < kCalls; ++i) {
    auto context = Context(absl::Milliseconds(50 + 15 * i));
    gateway::User reply;
    EXPECT_EQ(stub_->UpdateUser(context.get(), request, &reply).error_code(),
              grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  proxy_->Shutdown(absl::Seconds(5));  // Every call has finished after this.

  const std::vector<CallRecord> finished = observer.finished();
  ASSERT_EQ(finished.size(), kCalls + 1u);
  EXPECT_EQ(finished[0].code, absl::StatusCode::kCancelled);
  for (int i = 1; i <= kCalls; ++i) {
    EXPECT_EQ(finished[i].code, absl::StatusCode::kDeadlineExceeded) << i;
    // Cut off by the client's deadline, or by the transfer's own timeout.
    if (finished[i].error != "Deadline Exceeded") {
      EXPECT_EQ(finished[i].error, absl::StrCat("upstream 127.0.0.1:", upstream_.port(),
                                                " did not answer before the deadline"))
          << i;
      EXPECT_EQ(finished[i].upstream_error, "timeout") << i;
    }
  }
}

TEST_F(SlowUpstreamTest, CallsBeyondMaxInflightAreResourceExhaustedNotQueued) {
  Config config = BaseConfig();
  config.max_inflight = 2;
  StartProxy(config);
  const gateway::UpdateUserRequest request = AliceToAdmin();
  auto first = Context(), second = Context();
  gateway::User first_reply, second_reply;
  absl::Notification first_done, second_done;
  grpc::Status first_status, second_status;
  stub_->async()->UpdateUser(first.get(), &request, &first_reply, [&](grpc::Status s) {
    first_status = std::move(s);
    first_done.Notify();
  });
  stub_->async()->UpdateUser(second.get(), &request, &second_reply, [&](grpc::Status s) {
    second_status = std::move(s);
    second_done.Notify();
  });
  ASSERT_TRUE(upstream_.WaitForRequests(2, absl::Seconds(10)));

  gateway::User reply;
  grpc::Status third = Update(request, &reply);
  EXPECT_EQ(third.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(third.error_message(),
            "gateway-proxy already has 2 calls in flight (--max_inflight); retry later");
  EXPECT_EQ(upstream_.requests().size(), 2u);

  release_.Notify();
  ASSERT_TRUE(first_done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(second_done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(first_status.ok()) << first_status.error_message();
  EXPECT_TRUE(second_status.ok()) << second_status.error_message();
  // A call counts until gRPC is done with it (OnDone), which can come a
  // moment after its client saw the status: the slot frees up shortly.
  grpc::Status next = Update(request, &reply);
  for (int i = 0; i < 500 && next.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
    next = Update(request, &reply);
  }
  EXPECT_TRUE(next.ok()) << next.error_message();
}

// grpc.health.v1.Health/Check with an empty request; the status byte of the
// HealthCheckResponse (1 SERVING, 2 NOT_SERVING), or -1 on error.
int HealthStatus(const std::string& address) {
  grpc::GenericStub stub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  grpc::Slice empty{std::string()};
  grpc::ByteBuffer request(&empty, 1), response;
  absl::Notification done;
  grpc::Status status;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                 &response, [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotificationWithTimeout(absl::Seconds(10));
  if (!status.ok()) return -1;
  std::vector<grpc::Slice> slices;
  (void)response.Dump(&slices);
  std::string bytes;
  for (const auto& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes.size() == 2 && bytes[0] == '\x08' ? bytes[1] : -1;
}

TEST_F(SlowUpstreamTest, HealthListenerServesProbesAndTurnsNotServingOnDrain) {
  Config config = BaseConfig();
  config.health_listen = "127.0.0.1:0";
  StartProxy(config);
  ASSERT_GT(proxy_->health_port(), 0);
  const std::string health_address = absl::StrCat("127.0.0.1:", proxy_->health_port());
  EXPECT_EQ(HealthStatus(health_address), 1);
  EXPECT_EQ(HealthStatus(proxy_->address()), 1);

  // The health address serves nothing else: no proxying, no API key use.
  auto health_only = gateway::Gateway::NewStub(
      grpc::CreateChannel(health_address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  gateway::User reply;
  EXPECT_EQ(health_only->UpdateUser(&context, AliceToAdmin(), &reply).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_TRUE(upstream_.requests().empty());

  // A call in flight holds the drain open; meanwhile both answer NOT_SERVING.
  auto held = Context();
  const gateway::UpdateUserRequest request = AliceToAdmin();
  absl::Notification held_done;
  grpc::Status held_status;
  stub_->async()->UpdateUser(held.get(), &request, &reply, [&](grpc::Status s) {
    held_status = std::move(s);
    held_done.Notify();
  });
  ASSERT_TRUE(upstream_.WaitForRequests(1, absl::Seconds(10)));
  std::thread drain([this] { proxy_->Shutdown(absl::Seconds(10)); });
  int health = 1;
  for (int i = 0; i < 500 && health == 1; ++i) health = HealthStatus(health_address);
  EXPECT_EQ(health, 2);
  release_.Notify();
  drain.join();
  ASSERT_TRUE(held_done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(held_status.ok()) << held_status.error_message();
}

TEST_F(ProxyIntegrationTest, MessageOverTheSizeLimitIsResourceExhaustedAndNothingIsSent) {
  Config config = BaseConfig();
  config.max_request_bytes = 1024;
  StartProxy(config);
  gateway::UpdateUserRequest request = AliceToAdmin();
  request.mutable_user()->set_display_name(std::string(2048, 'a'));
  gateway::User reply;
  grpc::Status status = Update(request, &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("larger than max"));
  EXPECT_TRUE(upstream_.requests().empty());
}

TEST_F(ProxyIntegrationTest, InvalidUtf8InAStringIsInvalidArgumentAndNothingIsSent) {
  // UpdateUserRequest{account_id: "acme", user_id: "\xff\xfe"} by hand: the
  // generated stubs would refuse to serialize it.
  const std::string bytes = std::string("\x0a\x04" "acme" "\x12\x02" "\xff\xfe", 10);
  grpc::Status status = CallWithBytes("/gateway.Gateway/UpdateUser", bytes);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "the request message does not parse as gateway.UpdateUserRequest");
  EXPECT_TRUE(upstream_.requests().empty());
}

TEST_F(ProxyIntegrationTest, UnknownMethodIsUnimplemented) {
  grpc::GenericStub generic(channel_);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  grpc::Slice empty_message{std::string()};
  grpc::ByteBuffer request(&empty_message, 1), response;
  absl::Notification done;
  grpc::Status status;
  generic.UnaryCall(&context, "/gateway.Gateway/DeleteUser", grpc::StubOptions(), &request,
                    &response, [&](grpc::Status s) {
                      status = std::move(s);
                      done.Notify();
                    });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(status.error_message(),
            "method /gateway.Gateway/DeleteUser is not served by gateway-proxy");
}

TEST_F(ProxyIntegrationTest, UnparsableRequestIsInvalidArgumentAndNothingIsSent) {
  grpc::GenericStub generic(channel_);
  grpc::ClientContext context;
  context.AddMetadata("x-api-key", "test-key-1");
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  grpc::Slice garbage(std::string("\xff\xff\xff\xff", 4));
  grpc::ByteBuffer request(&garbage, 1), response;
  absl::Notification done;
  grpc::Status status;
  generic.UnaryCall(&context, "/gateway.Gateway/UpdateUser", grpc::StubOptions(), &request,
                    &response, [&](grpc::Status s) {
                      status = std::move(s);
                      done.Notify();
                    });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "the request message does not parse as gateway.UpdateUserRequest");
  EXPECT_TRUE(upstream_.requests().empty());
}

}  // namespace
}  // namespace gateway_proxy
