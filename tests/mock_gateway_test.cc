// mock-gateway's REST behaviour (tools/mock_gateway/rest_handler.h), driven
// without sockets: exact HTTP statuses and bodies for each rule of the four
// User calls.
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "gateway/gateway.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "rest_handler.h"
#include "user_store.h"

namespace gateway_proxy::mock_gateway {
namespace {

using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::FieldsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::StartsWith;

using Query = std::vector<std::pair<std::string, std::string>>;

constexpr absl::string_view kKey = "test-key-0000";
// 2020-09-13T12:26:40Z and 2023-11-14T22:13:20Z.
const absl::Time kSeedTime = absl::FromUnixSeconds(1600000000);
const absl::Time kNow = absl::FromUnixSeconds(1700000000);

constexpr absl::string_view kAlicePath = "/v1/accounts/acme/users/alice";
constexpr absl::string_view kBobPath = "/v1/accounts/acme/users/bob";

constexpr absl::string_view kAliceSeeded =
    R"({"name":"accounts/acme/users/alice","displayName":"Alice",)"
    R"("serviceAccount":false,"createTime":"2020-09-13T12:26:40Z",)"
    R"("role":"admin","email":"alice@example.com","state":"READY",)"
    R"("updateTime":"2020-09-13T12:26:40Z"})";

struct Reply {
  int status;
  std::string body;
};

void PrintTo(const Reply& reply, std::ostream* os) {
  *os << reply.status << " " << reply.body;
}

RestRequest Request(
    absl::string_view method, absl::string_view path,
    absl::string_view body = "",
    std::vector<std::pair<std::string, std::string>> query = {}) {
  RestRequest request;
  request.method = std::string(method);
  request.path = std::string(path);
  request.query = std::move(query);
  request.headers = {{"Authorization", absl::StrCat("Bearer ", kKey)},
                     {"Content-Type", "application/json"}};
  request.body = std::string(body);
  return request;
}

class MockGatewayTest : public ::testing::Test {
 protected:
  MockGatewayTest() { SeedDemoUsers(store_, kSeedTime); }

  Reply Send(const RestRequest& request, StatusTable table = StatusTable::kV2) {
    RestHandler handler(std::string(kKey), table, &store_);
    HttpResponse response = handler.Handle(request, kNow);
    EXPECT_EQ(response.Header("Content-Type"), "application/json");
    return {response.status, std::move(response.body)};
  }

  Reply Patch(absl::string_view path, absl::string_view body,
              std::vector<std::pair<std::string, std::string>> query = {},
              StatusTable table = StatusTable::kV2) {
    return Send(Request("PATCH", path, body, std::move(query)), table);
  }

  Reply Get(absl::string_view path, Query query = {}) {
    return Send(Request("GET", path, "", std::move(query)));
  }

  Reply Post(absl::string_view path, absl::string_view body, Query query = {},
             StatusTable table = StatusTable::kV2) {
    return Send(Request("POST", path, body, std::move(query)), table);
  }

  UserStore store_;
};

// --- Successful updates -----------------------------------------------------

TEST_F(MockGatewayTest, PatchAppliesTheFieldsPresentAndAnswersTheUser) {
  const std::string updated =
      R"({"name":"accounts/acme/users/alice","displayName":"Alice Liddell",)"
      R"("serviceAccount":false,"createTime":"2020-09-13T12:26:40Z",)"
      R"("role":"admin","email":"alice@example.com","state":"READY",)"
      R"("updateTime":"2023-11-14T22:13:20Z"})";
  EXPECT_THAT(
      Patch(kAlicePath, R"({"role":"admin","displayName":"Alice Liddell"})"),
      FieldsAre(200, updated));
  EXPECT_THAT(Get(kAlicePath), FieldsAre(200, updated));
}

TEST_F(MockGatewayTest, GetAnswersTheSeededUser) {
  EXPECT_THAT(Get(kAlicePath), FieldsAre(200, std::string(kAliceSeeded)));
}

TEST_F(MockGatewayTest, UpdateMaskLimitsTheFieldsApplied) {
  EXPECT_THAT(
      Patch(
          kBobPath,
          R"({"role":"admin","displayName":"Robert","email":"rob@example.com"})",
          {{"updateMask", "displayName"}}),
      FieldsAre(200,
                R"({"name":"accounts/acme/users/bob","displayName":"Robert",)"
                R"("serviceAccount":false,"createTime":"2020-09-13T12:26:40Z",)"
                R"("role":"user","email":"bob@example.com","state":"READY",)"
                R"("updateTime":"2023-11-14T22:13:20Z"})"));
}

TEST_F(MockGatewayTest, UpdateMaskTakesSnakeCaseAndClearsFieldsTheBodyLacks) {
  EXPECT_THAT(
      Patch(kBobPath, R"({"role":"user","displayName":"B"})",
            {{"updateMask", "display_name, email"}}),
      FieldsAre(200,
                R"({"name":"accounts/acme/users/bob","displayName":"B",)"
                R"("serviceAccount":false,"createTime":"2020-09-13T12:26:40Z",)"
                R"("role":"user","state":"READY",)"
                R"("updateTime":"2023-11-14T22:13:20Z"})"));
}

TEST_F(MockGatewayTest, RepeatedUpdateMaskParametersCombine) {
  EXPECT_THAT(
      Patch(
          kBobPath,
          R"({"role":"contributor","displayName":"B","email":"b@example.com"})",
          {{"updateMask", "role"}, {"update_mask", "email"}}),
      FieldsAre(
          200,
          R"({"name":"accounts/acme/users/bob","displayName":"Bob",)"
          R"("serviceAccount":false,"createTime":"2020-09-13T12:26:40Z",)"
          R"("role":"contributor","email":"b@example.com","state":"READY",)"
          R"("updateTime":"2023-11-14T22:13:20Z"})"));
}

TEST_F(MockGatewayTest, OutputOnlyFieldsInBodyAndMaskAreIgnored) {
  EXPECT_THAT(
      Patch(
          kBobPath,
          R"({"role":"user","state":"DELETING","createTime":"2001-01-01T00:00:00Z",)"
          R"("status":{"code":"NOT_FOUND"}})",
          {{"updateMask", "role,state,createTime,status.code,name"}}),
      FieldsAre(200,
                R"({"name":"accounts/acme/users/bob","displayName":"Bob",)"
                R"("serviceAccount":false,"createTime":"2020-09-13T12:26:40Z",)"
                R"("role":"user","email":"bob@example.com","state":"READY",)"
                R"("updateTime":"2023-11-14T22:13:20Z"})"));
}

TEST_F(MockGatewayTest, ServiceAccountFalseIsAppliedNotSkipped) {
  ASSERT_EQ(Patch(kBobPath, R"({"role":"user","serviceAccount":true})").status,
            200);
  EXPECT_THAT(Get(kBobPath).body, HasSubstr(R"("serviceAccount":true,)"));
  ASSERT_EQ(Patch(kBobPath, R"({"role":"user","serviceAccount":false})").status,
            200);
  EXPECT_THAT(Get(kBobPath).body, HasSubstr(R"("serviceAccount":false,)"));
}

TEST_F(MockGatewayTest, MatchingNameIsAccepted) {
  EXPECT_EQ(
      Patch(kBobPath, R"({"name":"accounts/acme/users/bob","role":"user"})")
          .status,
      200);
}

TEST_F(MockGatewayTest, DisplayNameOf63CharactersIsAccepted) {
  // 63 two-byte characters: the limit counts characters, not bytes.
  std::string name;
  for (int i = 0; i < 63; ++i) name += "\xC3\xA9";  // é
  EXPECT_EQ(Patch(kBobPath, absl::StrCat(R"({"role":"user","displayName":")",
                                         name, R"("})"))
                .status,
            200);
}

TEST_F(MockGatewayTest, CustomRoleTakesAPermissionPresetAndOtherRolesDropIt) {
  EXPECT_THAT(
      Patch(kBobPath, R"({"role":"custom","permissionPreset":"viewer"})").body,
      HasSubstr(
          R"("role":"custom","email":"bob@example.com","state":"READY",)"
          R"("updateTime":"2023-11-14T22:13:20Z","permissionPreset":"viewer"})"));
  EXPECT_THAT(
      Patch(kBobPath, R"({"role":"user"})").body,
      HasSubstr(R"("role":"user","email":"bob@example.com","state":"READY",)"
                R"("updateTime":"2023-11-14T22:13:20Z"})"));
}

// --- Routing and authentication ---------------------------------------------

TEST_F(MockGatewayTest, UnknownPathIsNotFoundBeforeAuthentication) {
  RestRequest request = Request("GET", "/v1/accounts/acme");
  request.headers.clear();
  EXPECT_THAT(
      Send(request),
      FieldsAre(404, R"({"code":5,"message":"Not Found","details":[]})"));
  EXPECT_THAT(
      Send(Request("PATCH", "/v1/accounts/acme/users/"), StatusTable::kV1),
      FieldsAre(404, R"({"code":5,"message":"Not Found","details":[]})"));
}

TEST_F(MockGatewayTest, OtherMethodOnUserPathIsUnimplemented) {
  for (absl::string_view method : {"DELETE", "POST", "PUT"}) {
    EXPECT_THAT(
        Send(Request(method, kAlicePath)),
        FieldsAre(501,
                  R"({"code":12,"message":"Method Not Allowed","details":[]})"))
        << method;
  }
}

TEST_F(MockGatewayTest, MissingAuthorizationIsUnauthenticated) {
  RestRequest request = Request("PATCH", kAlicePath, R"({"role":"user"})");
  request.headers = {{"Content-Type", "application/json"}};
  EXPECT_THAT(
      Send(request),
      FieldsAre(401, R"({"code":16,"message":"missing Authorization header; )"
                     R"(expected \"Bearer API_KEY\"","details":[]})"));
  EXPECT_THAT(Get(kAlicePath).body, Eq(kAliceSeeded));
}

TEST_F(MockGatewayTest, WrongCredentialsAreTheAuthLayersBareForbidden) {
  for (absl::string_view value :
       {"Bearer wrong-key", "bearer test-key-0000", "Basic dGVzdA==", ""}) {
    RestRequest request = Request("PATCH", kAlicePath, R"({"role":"user"})");
    request.headers = {{"Authorization", std::string(value)}};
    EXPECT_THAT(Send(request), FieldsAre(403, R"({"error":"unauthorized"})"))
        << value;
  }
  EXPECT_THAT(Get(kAlicePath).body, Eq(kAliceSeeded));
}

TEST_F(MockGatewayTest, AuthorizationHeaderNameIgnoresCase) {
  RestRequest request = Request("GET", kAlicePath);
  request.headers = {{"authorization", absl::StrCat("Bearer ", kKey)}};
  EXPECT_EQ(Send(request).status, 200);
}

// --- Body and mask errors
// -----------------------------------------------------

TEST_F(MockGatewayTest, BadJsonIsInvalidArgument) {
  const Reply reply = Patch(kAlicePath, R"({"role": )");
  EXPECT_EQ(reply.status, 400);
  EXPECT_THAT(reply.body,
              StartsWith(R"({"code":3,"message":"invalid request body: )"));
  EXPECT_THAT(reply.body, HasSubstr(R"(","details":[]})"));
}

TEST_F(MockGatewayTest, UnknownFieldIsInvalidArgument) {
  const Reply reply = Patch(kAlicePath, R"({"role":"user","nickname":"Al"})");
  EXPECT_EQ(reply.status, 400);
  EXPECT_THAT(reply.body,
              StartsWith(R"({"code":3,"message":"invalid request body: )"));
  EXPECT_THAT(reply.body, HasSubstr("nickname"));
  EXPECT_THAT(Get(kAlicePath).body, Eq(kAliceSeeded));
}

TEST_F(MockGatewayTest, EmptyBodyIsInvalidArgument) {
  EXPECT_THAT(
      Patch(kAlicePath, ""),
      FieldsAre(400, R"({"code":3,"message":"invalid request body: )"
                     R"(empty; expected a JSON gateway.User","details":[]})"));
}

TEST_F(MockGatewayTest, UnknownUpdateMaskPathIsInvalidArgument) {
  EXPECT_THAT(
      Patch(kAlicePath, R"({"role":"user"})",
            {{"updateMask", "role,nickname"}}),
      FieldsAre(
          400,
          R"({"code":3,"message":"update_mask: unknown field \"nickname\" of )"
          R"(gateway.User","details":[{"@type":"type.googleapis.com/)"
          R"(google.rpc.BadRequest","fieldViolations":[{"field":"update_mask",)"
          R"("description":"\"nickname\" is not a field of gateway.User"}]}]})"));
}

// --- Validation
// -----------------------------------------------------------------

TEST_F(MockGatewayTest, MissingRoleIsInvalidArgumentWithFieldViolation) {
  EXPECT_THAT(
      Patch(kAlicePath, R"({"displayName":"Alice Liddell"})"),
      FieldsAre(400,
                R"({"code":3,"message":"user.role is required","details":[)"
                R"({"@type":"type.googleapis.com/google.rpc.BadRequest",)"
                R"("fieldViolations":[{"field":"user.role",)"
                R"("description":"required field is missing"}]}]})"));
  EXPECT_THAT(Get(kAlicePath).body, Eq(kAliceSeeded));
}

TEST_F(MockGatewayTest, UnknownRoleIsInvalidArgumentWithFieldViolation) {
  EXPECT_THAT(
      Patch(kAlicePath, R"({"role":"superuser"})"),
      FieldsAre(
          400, R"({"code":3,"message":"user.role \"superuser\" is not a valid )"
               R"(role","details":[{"@type":"type.googleapis.com/)"
               R"(google.rpc.BadRequest","fieldViolations":[{"field":)"
               R"("user.role","description":"must be one of admin, user, )"
               R"(contributor, inference-user, custom"}]}]})"));
}

TEST_F(MockGatewayTest, DisplayNameOf64CharactersIsInvalidArgument) {
  EXPECT_THAT(
      Patch(kAlicePath, absl::StrCat(R"({"role":"admin","displayName":")",
                                     std::string(64, 'a'), R"("})")),
      FieldsAre(400,
                R"({"code":3,"message":"user.display_name must be fewer than )"
                R"(64 characters","details":[{"@type":"type.googleapis.com/)"
                R"(google.rpc.BadRequest","fieldViolations":[{"field":)"
                R"("user.display_name","description":"is 64 characters long; )"
                R"(the limit is 63"}]}]})"));
}

TEST_F(MockGatewayTest, MismatchedNameIsInvalidArgument) {
  EXPECT_THAT(
      Patch(kAlicePath, R"({"name":"accounts/acme/users/bob","role":"admin"})"),
      FieldsAre(
          400,
          R"({"code":3,"message":"user.name \"accounts/acme/users/bob\" )"
          R"(does not match the request path's accounts/acme/users/alice",)"
          R"("details":[{"@type":"type.googleapis.com/google.rpc.)"
          R"(BadRequest","fieldViolations":[{"field":"user.name",)"
          R"("description":"must be empty or \"accounts/acme/users/)"
          R"(alice\""}]}]})"));
}

constexpr absl::string_view kPresetRejected =
    R"({"code":9,"message":"user.permission_preset requires role \"custom\", )"
    R"(not \"admin\"","details":[{"@type":"type.googleapis.com/)"
    R"(google.rpc.PreconditionFailure","violations":[{"type":"ROLE",)"
    R"("subject":"accounts/acme/users/alice","description":)"
    R"("permission_preset applies only to role \"custom\"; the role is )"
    R"(\"admin\""}]}]})";

TEST_F(MockGatewayTest, PermissionPresetWithoutCustomRoleIsFailedPrecondition) {
  EXPECT_THAT(
      Patch(kAlicePath, R"({"role":"admin","permissionPreset":"viewer"})"),
      FieldsAre(400, std::string(kPresetRejected)));
  EXPECT_THAT(Get(kAlicePath).body, Eq(kAliceSeeded));
}

TEST_F(MockGatewayTest, V1TableAnswersFailedPreconditionWith412) {
  EXPECT_THAT(
      Patch(kAlicePath, R"({"role":"admin","permissionPreset":"viewer"})", {},
            StatusTable::kV1),
      FieldsAre(412, std::string(kPresetRejected)));
}

TEST_F(MockGatewayTest, V1TableAgreesWithV2Elsewhere) {
  EXPECT_EQ(Patch(kAlicePath, R"({})", {}, StatusTable::kV1).status, 400);
  EXPECT_EQ(Patch("/v1/accounts/acme/users/zed", R"({"role":"user"})", {},
                  StatusTable::kV1)
                .status,
            404);
  EXPECT_EQ(Send(Request("DELETE", kAlicePath), StatusTable::kV1).status, 501);
}

constexpr absl::string_view kZedNotFound =
    R"({"code":5,"message":"user accounts/acme/users/zed not found","details":[)"
    R"({"@type":"type.googleapis.com/google.rpc.ErrorInfo",)"
    R"("reason":"USER_NOT_FOUND","domain":"gateway.fireworks.ai",)"
    R"("metadata":{"account_id":"acme","user_id":"zed"}}]})";

TEST_F(MockGatewayTest, UnknownUserIsNotFoundWithErrorInfo) {
  EXPECT_THAT(Patch("/v1/accounts/acme/users/zed", R"({"role":"user"})"),
              FieldsAre(404, std::string(kZedNotFound)));
  EXPECT_THAT(Get("/v1/accounts/acme/users/zed"),
              FieldsAre(404, std::string(kZedNotFound)));
}

TEST_F(MockGatewayTest, UnknownAccountIsNotFoundWithErrorInfo) {
  EXPECT_THAT(
      Patch("/v1/accounts/initech/users/alice", R"({"role":"user"})"),
      FieldsAre(404,
                R"({"code":5,"message":"user accounts/initech/users/alice not )"
                R"(found","details":[{"@type":"type.googleapis.com/google.rpc.)"
                R"(ErrorInfo","reason":"USER_NOT_FOUND","domain":)"
                R"("gateway.fireworks.ai","metadata":{"account_id":"initech",)"
                R"("user_id":"alice"}}]})"));
}

TEST_F(MockGatewayTest, InvalidArgumentComesBeforeNotFound) {
  EXPECT_EQ(Patch("/v1/accounts/acme/users/zed", R"({})").status, 400);
}

// --- Shared helpers for Create, Get and List
// ----------------------------------

constexpr absl::string_view kUsersPath = "/v1/accounts/acme/users";

// `text` as protobuf's JSON printer writes it inside a string: it also
// escapes < and > (for embedding in HTML).
std::string JsonEscaped(absl::string_view text) {
  return absl::StrReplaceAll(
      text,
      {{"\\", "\\\\"}, {"\"", "\\\""}, {"<", "\\u003c"}, {">", "\\u003e"}});
}

// The grpc-gateway body of INVALID_ARGUMENT `message` with one BadRequest
// violation on `field`, described as `description` (the message when empty).
std::string BadRequestBody(absl::string_view message, absl::string_view field,
                           absl::string_view description = "") {
  return absl::StrCat(
      R"({"code":3,"message":")", JsonEscaped(message),
      R"(","details":[{"@type":"type.googleapis.com/google.rpc.BadRequest",)",
      R"("fieldViolations":[{"field":")", field, R"(","description":")",
      JsonEscaped(description.empty() ? message : description), R"("}]}]})");
}

// A READY user of acme as the store holds it, created at `created`.
gateway::User StoredUser(absl::string_view id, absl::string_view role,
                         absl::string_view display_name,
                         absl::Time created = kSeedTime) {
  gateway::User user;
  user.set_name(UserName("acme", id));
  user.set_role(std::string(role));
  user.set_display_name(std::string(display_name));
  user.set_state(gateway::User::READY);
  user.mutable_create_time()->set_seconds(absl::ToUnixSeconds(created));
  *user.mutable_update_time() = user.create_time();
  return user;
}

// The users' names, total size and next page token of a List body.
struct Page {
  std::vector<std::string> names;
  int total_size = 0;
  std::string next_page_token;
};

Page ParsePage(const Reply& reply) {
  EXPECT_EQ(reply.status, 200) << reply.body;
  gateway::ListUsersResponse response;
  EXPECT_TRUE(
      google::protobuf::util::JsonStringToMessage(reply.body, &response).ok())
      << reply.body;
  Page page;
  for (const auto& user : response.users()) page.names.push_back(user.name());
  page.total_size = response.total_size();
  page.next_page_token = response.next_page_token();
  return page;
}

// --- Create User
// ----------------------------------------------------------------

constexpr absl::string_view kCarolCreated =
    R"({"name":"accounts/acme/users/carol","displayName":"Carol",)"
    R"("createTime":"2023-11-14T22:13:20Z","role":"contributor",)"
    R"("email":"carol@example.com","state":"READY",)"
    R"("updateTime":"2023-11-14T22:13:20Z"})";

TEST_F(MockGatewayTest, PostCreatesTheUserUnderUserIdAndGetSeesIt) {
  EXPECT_THAT(Post(kUsersPath,
                   R"({"role":"contributor","displayName":"Carol",)"
                   R"("email":"carol@example.com"})",
                   {{"userId", "carol"}}),
              FieldsAre(200, std::string(kCarolCreated)));
  EXPECT_THAT(Get("/v1/accounts/acme/users/carol"),
              FieldsAre(200, std::string(kCarolCreated)));
}

TEST_F(MockGatewayTest, PostIgnoresNameAndOutputOnlyFields) {
  EXPECT_THAT(Post(kUsersPath,
                   R"({"name":"accounts/other/users/x","role":"contributor",)"
                   R"("displayName":"Carol","email":"carol@example.com",)"
                   R"("state":"DELETING","createTime":"2001-01-01T00:00:00Z",)"
                   R"("updateTime":"2001-01-01T00:00:00Z",)"
                   R"("status":{"code":"NOT_FOUND"}})",
                   {{"user_id", "carol"}}),
              FieldsAre(200, std::string(kCarolCreated)));
}

TEST_F(MockGatewayTest, PostKeepsServiceAccountAndACustomRolesPreset) {
  EXPECT_THAT(
      Post(kUsersPath,
           R"({"role":"custom","permissionPreset":"viewer",)"
           R"("serviceAccount":true})",
           {{"userId", "robot"}}),
      FieldsAre(200,
                R"({"name":"accounts/acme/users/robot","serviceAccount":true,)"
                R"("createTime":"2023-11-14T22:13:20Z","role":"custom",)"
                R"("state":"READY","updateTime":"2023-11-14T22:13:20Z",)"
                R"("permissionPreset":"viewer"})"));
}

TEST_F(MockGatewayTest, PostWithoutUserIdPicksTheFirstFreeUserN) {
  store_.Put("acme", "user-2", StoredUser("user-2", "user", "Taken"));
  std::vector<std::string> bodies;
  for (const Query& query : {Query{}, Query{{"userId", ""}}, Query{}}) {
    bodies.push_back(Post(kUsersPath, R"({"role":"user"})", query).body);
  }
  EXPECT_THAT(
      bodies,
      ElementsAre(HasSubstr(R"({"name":"accounts/acme/users/user-1",)"),
                  HasSubstr(R"({"name":"accounts/acme/users/user-3",)"),
                  HasSubstr(R"({"name":"accounts/acme/users/user-4",)")));
}

TEST_F(MockGatewayTest, ConcurrentPostsWithoutUserIdAllGetDistinctIds) {
  // The id is picked under the store's lock: no request may lose a race for
  // an id it never asked for.
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::vector<Reply>> replies(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, &replies, t] {
      const RestHandler handler(std::string(kKey), StatusTable::kV2, &store_);
      for (int i = 0; i < kPerThread; ++i) {
        const HttpResponse response = handler.Handle(
            Request("POST", kUsersPath, R"({"role":"user"})"), kNow);
        replies[t].push_back({response.status, response.body});
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  std::set<std::string> names;
  for (const auto& thread_replies : replies) {
    for (const Reply& reply : thread_replies) {
      ASSERT_EQ(reply.status, 200) << reply.body;
      gateway::User user;
      ASSERT_TRUE(
          google::protobuf::util::JsonStringToMessage(reply.body, &user).ok());
      names.insert(user.name());
    }
  }
  EXPECT_THAT(names, SizeIs(kThreads * kPerThread));
  EXPECT_EQ(*names.begin(), "accounts/acme/users/user-1");
  EXPECT_EQ(ParsePage(Get(kUsersPath, {{"pageSize", "1"}})).total_size,
            2 + kThreads * kPerThread);
}

constexpr absl::string_view kAliceExists =
    R"({"code":6,"message":"user accounts/acme/users/alice already exists",)"
    R"("details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo",)"
    R"("reason":"USER_ALREADY_EXISTS","domain":"gateway.fireworks.ai",)"
    R"("metadata":{"account_id":"acme","user_id":"alice"}}]})";

TEST_F(MockGatewayTest, PostOfATakenIdIsAlreadyExistsWithErrorInfo) {
  for (StatusTable table : {StatusTable::kV2, StatusTable::kV1}) {
    EXPECT_THAT(Post(kUsersPath, R"({"role":"user","displayName":"Imposter"})",
                     {{"userId", "alice"}}, table),
                FieldsAre(409, std::string(kAliceExists)));
  }
  EXPECT_THAT(Get(kAlicePath).body, Eq(kAliceSeeded));
}

TEST_F(MockGatewayTest, PostWithAnInvalidUserIdIsInvalidArgument) {
  EXPECT_THAT(
      Post(kUsersPath, R"({"role":"user"})", {{"userId", "Carol"}}),
      FieldsAre(400,
                BadRequestBody(
                    R"(user_id "Carol" must match [a-z0-9][a-z0-9-]{0,62})",
                    "user_id")));
  for (const std::string& id : {std::string("-carol"), std::string("carol_1"),
                                std::string("c/d"), std::string(64, 'c')}) {
    EXPECT_EQ(Post(kUsersPath, R"({"role":"user"})", {{"userId", id}}).status,
              400)
        << id;
  }
  EXPECT_EQ(
      Post(kUsersPath, R"({"role":"user"})", {{"userId", std::string(63, 'c')}})
          .status,
      200);
}

TEST_F(MockGatewayTest, PostBodyFollowsTheUpdateRules) {
  EXPECT_THAT(
      Post(kUsersPath, R"({"displayName":"Carol"})"),
      FieldsAre(400, BadRequestBody("user.role is required", "user.role",
                                    "required field is missing")));
  EXPECT_THAT(
      Post(kUsersPath, R"({"role":"root"})"),
      FieldsAre(400, BadRequestBody(R"(user.role "root" is not a valid role)",
                                    "user.role",
                                    "must be one of admin, user, contributor, "
                                    "inference-user, custom")));
  EXPECT_THAT(
      Post(kUsersPath, absl::StrCat(R"({"role":"user","displayName":")",
                                    std::string(64, 'c'), R"("})")),
      FieldsAre(400, BadRequestBody(
                         "user.display_name must be fewer than 64 characters",
                         "user.display_name",
                         "is 64 characters long; the limit is 63")));
  EXPECT_THAT(Post(kUsersPath, ""),
              FieldsAre(400, R"({"code":3,"message":"invalid request body: )"
                             R"(empty; expected a JSON gateway.User",)"
                             R"("details":[]})"));
  const Reply unknown = Post(kUsersPath, R"({"role":"user","nickname":"C"})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_THAT(unknown.body,
              StartsWith(R"({"code":3,"message":"invalid request body: )"));
  EXPECT_EQ(ParsePage(Get(kUsersPath)).total_size, 2);
}

TEST_F(MockGatewayTest, PostOfAPresetWithoutCustomRoleIsFailedPrecondition) {
  EXPECT_THAT(
      Post(kUsersPath, R"({"role":"user","permissionPreset":"viewer"})",
           {{"userId", "dave"}}),
      FieldsAre(
          400,
          R"({"code":9,"message":"user.permission_preset requires role )"
          R"(\"custom\", not \"user\"","details":[{"@type":"type.googleapis.)"
          R"(com/google.rpc.PreconditionFailure","violations":[{"type":)"
          R"("ROLE","subject":"accounts/acme/users/dave","description":)"
          R"("permission_preset applies only to role \"custom\"; the role )"
          R"(is \"user\""}]}]})"));
  EXPECT_EQ(Get("/v1/accounts/acme/users/dave").status, 404);
}

TEST_F(MockGatewayTest, PostToAnUnknownAccountIsNotFoundWithErrorInfo) {
  EXPECT_THAT(
      Post("/v1/accounts/initech/users", R"({"role":"user"})",
           {{"userId", "carol"}}),
      FieldsAre(404,
                R"({"code":5,"message":"account accounts/initech not found",)"
                R"("details":[{"@type":"type.googleapis.com/)"
                R"(google.rpc.ErrorInfo","reason":"ACCOUNT_NOT_FOUND",)"
                R"("domain":"gateway.fireworks.ai",)"
                R"("metadata":{"account_id":"initech"}}]})"));
}

TEST_F(MockGatewayTest, InvalidPostComesBeforeNotFoundAndAlreadyExists) {
  EXPECT_EQ(Post("/v1/accounts/initech/users", R"({})").status, 400);
  EXPECT_EQ(Post(kUsersPath, R"({})", {{"userId", "alice"}}).status, 400);
}

// --- Get User
// -------------------------------------------------------------------

TEST_F(MockGatewayTest, ReadMaskLimitsTheFieldsGetAnswers) {
  EXPECT_THAT(Get(kAlicePath, {{"readMask", "displayName,role"}}),
              FieldsAre(200, R"({"displayName":"Alice","role":"admin"})"));
  // snake_case, spaces, and a repeated key.
  EXPECT_THAT(
      Get(kAlicePath,
          {{"read_mask", "email, service_account"}, {"readMask", "state"}}),
      FieldsAre(200, R"({"serviceAccount":false,"email":"alice@example.com",)"
                     R"("state":"READY"})"));
}

TEST_F(MockGatewayTest, EmptyReadMaskAnswersEveryField) {
  EXPECT_THAT(Get(kAlicePath, {{"readMask", ""}}),
              FieldsAre(200, std::string(kAliceSeeded)));
}

TEST_F(MockGatewayTest, UnknownReadMaskPathIsInvalidArgument) {
  const std::string expected = BadRequestBody(
      R"(read_mask path "shoeSize" is not a field of gateway.User)",
      "read_mask");
  EXPECT_THAT(Get(kAlicePath, {{"readMask", "role,shoeSize"}}),
              FieldsAre(400, expected));
  // Before NOT_FOUND.
  EXPECT_THAT(Get("/v1/accounts/acme/users/zed", {{"readMask", "shoeSize"}}),
              FieldsAre(400, expected));
}

// --- List Users
// -----------------------------------------------------------------

TEST_F(MockGatewayTest, ListAnswersTheAccountsUsersInNameOrder) {
  EXPECT_THAT(Get(kUsersPath, {{"readMask", "name,role"}}),
              FieldsAre(200, R"({"users":[{"name":"accounts/acme/users/alice",)"
                             R"("role":"admin"},{"name":"accounts/acme/users/)"
                             R"(bob","role":"user"}],"totalSize":2})"));
  const Reply all = Get(kUsersPath);
  EXPECT_THAT(all, FieldsAre(200, StartsWith(absl::StrCat(R"({"users":[)",
                                                          kAliceSeeded, ","))));
  EXPECT_THAT(all.body, HasSubstr(R"(}],"totalSize":2})"));
}

TEST_F(MockGatewayTest, ListPagesFollowNextPageTokenToTheEnd) {
  for (absl::string_view id : {"erin", "carol", "dave"}) {
    store_.Put("acme", id, StoredUser(id, "user", "X"));
  }
  std::vector<std::vector<std::string>> pages;
  std::string token;
  do {
    Query query = {{"pageSize", "2"}, {"readMask", "name"}};
    if (!token.empty()) query.push_back({"pageToken", token});
    const Reply reply = Get(kUsersPath, query);
    const Page page = ParsePage(reply);
    EXPECT_EQ(page.total_size, 5);
    // nextPageToken only while more follow.
    EXPECT_EQ(reply.body.find("nextPageToken") != std::string::npos,
              !page.next_page_token.empty());
    pages.push_back(page.names);
    token = page.next_page_token;
  } while (!token.empty() && pages.size() < 10);
  EXPECT_THAT(
      pages,
      ElementsAre(
          ElementsAre("accounts/acme/users/alice", "accounts/acme/users/bob"),
          ElementsAre("accounts/acme/users/carol", "accounts/acme/users/dave"),
          ElementsAre("accounts/acme/users/erin")));
}

TEST_F(MockGatewayTest, PageSizeDefaultsTo50AndIsCappedAt200) {
  for (int i = 0; i < 199; ++i) {
    const std::string id = absl::StrCat("member-", 100 + i);
    store_.Put("acme", id, StoredUser(id, "user", "Member"));
  }
  const Page by_default = ParsePage(Get(kUsersPath));
  EXPECT_THAT(by_default.names, SizeIs(50));
  EXPECT_EQ(ParsePage(Get(kUsersPath, {{"pageSize", "0"}})).names.size(), 50);

  const Page capped = ParsePage(Get(kUsersPath, {{"pageSize", "1000"}}));
  EXPECT_THAT(capped.names, SizeIs(200));
  EXPECT_EQ(capped.total_size, 201);
  ASSERT_FALSE(capped.next_page_token.empty());
  const Page rest =
      ParsePage(Get(kUsersPath, {{"pageSize", "1000"},
                                 {"pageToken", capped.next_page_token}}));
  EXPECT_THAT(rest.names, ElementsAre("accounts/acme/users/member-298"));
  EXPECT_EQ(rest.next_page_token, "");
}

TEST_F(MockGatewayTest, BadPageSizeIsInvalidArgument) {
  EXPECT_THAT(Get(kUsersPath, {{"pageSize", "-1"}}),
              FieldsAre(400, BadRequestBody(
                                 R"(page_size must be a number from 0 to 200, )"
                                 R"(got "-1")",
                                 "page_size")));
  EXPECT_EQ(Get(kUsersPath, {{"pageSize", "ten"}}).status, 400);
}

TEST_F(MockGatewayTest, BadPageTokenIsInvalidArgument) {
  EXPECT_THAT(
      Get(kUsersPath, {{"pageToken", "not-a-token"}}),
      FieldsAre(400, BadRequestBody("page_token is not one this server issued",
                                    "page_token")));
  const Page first = ParsePage(
      Get(kUsersPath, {{"pageSize", "1"}, {"orderBy", "display_name"}}));
  ASSERT_FALSE(first.next_page_token.empty());
  EXPECT_THAT(
      Get(kUsersPath, {{"pageToken", first.next_page_token}}),
      FieldsAre(400, BadRequestBody("page_token belongs to a query with "
                                    "another filter or order_by",
                                    "page_token")));
  // The page size may change between pages.
  EXPECT_THAT(ParsePage(Get(kUsersPath, {{"pageSize", "5"},
                                         {"orderBy", "display_name"},
                                         {"pageToken", first.next_page_token}}))
                  .names,
              ElementsAre("accounts/acme/users/bob"));
}

TEST_F(MockGatewayTest, FilterSelectsAndOrderBySorts) {
  store_.Put("acme", "carol", StoredUser("carol", "user", "Carol Ann"));
  store_.Put("acme", "dave", StoredUser("dave", "user", "Dave"));
  EXPECT_THAT(
      Get(kUsersPath, {{"filter", R"(role = "user" AND state = READY)"},
                       {"orderBy", "display_name desc"},
                       {"readMask", "displayName"}}),
      FieldsAre(200, R"({"users":[{"displayName":"Dave"},)"
                     R"({"displayName":"Carol Ann"},{"displayName":"Bob"}],)"
                     R"("totalSize":3})"));
  EXPECT_THAT(
      Get(kUsersPath, {{"filter", R"(displayName="Carol Ann" AND role=user)"},
                       {"readMask", "name"}}),
      FieldsAre(200, R"({"users":[{"name":"accounts/acme/users/carol"}],)"
                     R"("totalSize":1})"));
  EXPECT_THAT(Get(kUsersPath, {{"filter",
                                "service_account = false AND "
                                R"(email = "alice@example.com")"},
                               {"readMask", "name"}}),
              FieldsAre(200, R"({"users":[{"name":"accounts/acme/users/)"
                             R"(alice"}],"totalSize":1})"));
}

TEST_F(MockGatewayTest, QuotedFilterValuesMayHoldAndAndEscapes) {
  store_.Put("acme", "carol", StoredUser("carol", "user", R"(R "AND" D)"));
  EXPECT_THAT(
      Get(kUsersPath, {{"filter", R"(display_name = "R \"AND\" D")"},
                       {"readMask", "name"}}),
      FieldsAre(200, R"({"users":[{"name":"accounts/acme/users/carol"}],)"
                     R"("totalSize":1})"));
}

TEST_F(MockGatewayTest, FilterMatchingNobodyIsAnEmptyObject) {
  EXPECT_THAT(Get(kUsersPath, {{"filter", R"(role = "custom")"}}),
              FieldsAre(200, "{}"));
}

TEST_F(MockGatewayTest, UnsupportedFilterIsInvalidArgument) {
  struct Case {
    std::string filter;
    std::string message;
  };
  const std::vector<Case> cases = {
      {R"(role = "user" OR role = "admin")",
       R"(unsupported filter term "role = "user" OR role = "admin"": expected )"
       R"(field = value)"},
      {R"(role != "user")",
       R"(unsupported filter term "role != "user"": expected field = value)"},
      {"role > 3",
       R"(unsupported filter term "role > 3": expected field = value)"},
      {R"(role = "user" and state = READY)",
       R"(unsupported filter term "role = "user" and state = READY": expected )"
       R"(field = value)"},
      {R"(NOT role = "user")",
       R"(unsupported filter term "NOT role = "user"": expected field = value)"},
      {"(role = user)",
       R"x(unsupported filter term "(role = user)": expected field = value)x"},
      {"role = user AND",
       R"(unsupported filter term "role = user AND": expected field = value)"},
      {R"(role = "user)",
       R"(unsupported filter term "role = "user": expected field = value)"},
      {R"(name = "accounts/acme/users/bob")", R"(cannot filter on "name")"},
      {"createTime = 1", R"(cannot filter on "createTime")"},
      {"state = DONE",
       R"(state "DONE" is not one of STATE_UNSPECIFIED, CREATING, READY, )"
       R"(UPDATING, DELETING)"},
      {"service_account = yes",
       R"(service_account "yes" is not true or false)"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(Get(kUsersPath, {{"filter", c.filter}}),
                FieldsAre(400, BadRequestBody(c.message, "filter")))
        << c.filter;
  }
}

TEST_F(MockGatewayTest, UnsupportedOrderByIsInvalidArgument) {
  for (absl::string_view order :
       {"role", "name up", "display_name desc, shoe"}) {
    const std::string item(order == "display_name desc, shoe" ? "shoe" : order);
    EXPECT_THAT(Get(kUsersPath, {{"orderBy", std::string(order)}}),
                FieldsAre(400, BadRequestBody(absl::StrCat("cannot order by \"",
                                                           item, "\""),
                                              "order_by")))
        << order;
  }
}

TEST_F(MockGatewayTest, OrderByCreateTimeThenNameBreaksTies) {
  store_.Put("acme", "carol",
             StoredUser("carol", "user", "C", kSeedTime - absl::Hours(1)));
  store_.Put("acme", "aaron",
             StoredUser("aaron", "user", "A", kSeedTime + absl::Hours(1)));
  EXPECT_THAT(
      ParsePage(Get(kUsersPath, {{"orderBy", "createTime desc"}})).names,
      ElementsAre("accounts/acme/users/aaron", "accounts/acme/users/alice",
                  "accounts/acme/users/bob", "accounts/acme/users/carol"));
  EXPECT_THAT(
      ParsePage(Get(kUsersPath, {{"order_by", "create_time, name desc"}}))
          .names,
      ElementsAre("accounts/acme/users/carol", "accounts/acme/users/bob",
                  "accounts/acme/users/alice", "accounts/acme/users/aaron"));
}

TEST_F(MockGatewayTest, ListOfAnUnknownAccountIsNotFoundWithErrorInfo) {
  EXPECT_THAT(
      Get("/v1/accounts/initech/users"),
      FieldsAre(404,
                R"({"code":5,"message":"account accounts/initech not found",)"
                R"("details":[{"@type":"type.googleapis.com/)"
                R"(google.rpc.ErrorInfo","reason":"ACCOUNT_NOT_FOUND",)"
                R"("domain":"gateway.fireworks.ai",)"
                R"("metadata":{"account_id":"initech"}}]})"));
}

TEST_F(MockGatewayTest, InvalidListComesBeforeNotFound) {
  for (const Query& query :
       {Query{{"filter", "bogus"}}, Query{{"orderBy", "role"}},
        Query{{"readMask", "shoeSize"}}, Query{{"pageSize", "-1"}},
        Query{{"pageToken", "x"}}}) {
    EXPECT_EQ(Get("/v1/accounts/initech/users", query).status, 400)
        << query[0].first;
  }
}

TEST_F(MockGatewayTest, OtherMethodOnTheCollectionIsUnimplemented) {
  for (absl::string_view method : {"PATCH", "DELETE", "PUT"}) {
    EXPECT_THAT(
        Send(Request(method, kUsersPath)),
        FieldsAre(501,
                  R"({"code":12,"message":"Method Not Allowed","details":[]})"))
        << method;
  }
  EXPECT_EQ(Send(Request("GET", "/v1/accounts/acme/users/")).status, 404);
}

// --- Helpers
// ------------------------------------------------------------------

TEST(ParseStatusTableTest, AcceptsV2AndV1Only) {
  EXPECT_EQ(*ParseStatusTable("v2"), StatusTable::kV2);
  EXPECT_EQ(*ParseStatusTable("v1"), StatusTable::kV1);
  EXPECT_EQ(ParseStatusTable("v3").status(),
            absl::InvalidArgumentError("status table \"v3\" is not v2 or v1"));
}

TEST(GrpcGatewayErrorBodyTest, PlainStatusHasEmptyDetails) {
  EXPECT_EQ(GrpcGatewayErrorBody(absl::AbortedError("try again")),
            R"({"code":10,"message":"try again","details":[]})");
}

}  // namespace
}  // namespace gateway_proxy::mock_gateway
