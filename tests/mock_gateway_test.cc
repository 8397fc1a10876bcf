// mock-gateway's REST behaviour (tools/mock_gateway/rest_handler.h), driven
// without sockets: exact HTTP statuses and bodies for each rule.
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rest_handler.h"
#include "user_store.h"

namespace gateway_proxy::mock_gateway {
namespace {

using ::testing::Eq;
using ::testing::FieldsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

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

  Reply Get(absl::string_view path) { return Send(Request("GET", path)); }

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
