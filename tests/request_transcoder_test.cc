// TranscodeRequest (proxy/core/request_transcoder.h): the exact REST request
// (method, path, query, body bytes) for a gRPC request, and the
// INVALID_ARGUMENT replies with their google.rpc.BadRequest details.
#include "proxy/core/request_transcoder.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gateway/gateway.pb.h"
#include "gmock/gmock.h"
#include "google/api/annotations.pb.h"
#include "google/api/field_behavior.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/wrappers.pb.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "proxy/core/route_table.h"
#include "proxy/core/rpc_status.h"
#include "support/test_routes.h"
#include "transcoder_test.pb.h"

namespace gateway_proxy {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::Message;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::NotNull;
using ::testing::Pair;

// Every BadRequest violation of `status` as (field, description), checking
// that the status carries exactly one detail, a BadRequest.
std::vector<std::pair<std::string, std::string>> Violations(const absl::Status& status) {
  const google::rpc::Status rpc = ToRpcStatus(status);
  EXPECT_EQ(rpc.code(), static_cast<int>(status.code()));
  EXPECT_EQ(rpc.message(), status.message());
  EXPECT_EQ(rpc.details_size(), 1);
  std::vector<std::pair<std::string, std::string>> out;
  if (rpc.details_size() != 1) return out;
  google::rpc::BadRequest bad_request;
  EXPECT_TRUE(rpc.details(0).UnpackTo(&bad_request)) << rpc.details(0).type_url();
  for (const auto& v : bad_request.field_violations()) {
    out.emplace_back(v.field(), v.description());
  }
  return out;
}

// --- gateway.Gateway/UpdateUser -------------------------------------------

class UpdateUserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = testing::GatewayRoutes();
    ASSERT_THAT(table_, NotNull());
    route_ = table_->Find("/gateway.Gateway/UpdateUser");
    ASSERT_THAT(route_, NotNull());
  }

  // A request that passes every check: acme/alice, role admin.
  static gateway::UpdateUserRequest Valid() {
    gateway::UpdateUserRequest request;
    request.set_account_id("acme");
    request.set_user_id("alice");
    request.mutable_user()->set_role("admin");
    return request;
  }

  std::shared_ptr<const RouteTable> table_;
  const Route* route_ = nullptr;
};

TEST_F(UpdateUserTest, MinimalRequestFillsNameFromPath) {
  auto http = TranscodeRequest(*route_, Valid());
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->method, "PATCH");
  EXPECT_EQ(http->path, "/v1/accounts/acme/users/alice");
  EXPECT_EQ(http->body, R"({"name":"accounts/acme/users/alice","role":"admin"})");
  EXPECT_THAT(http->headers, IsEmpty());
}

TEST_F(UpdateUserTest, FullRequestSendsSetFieldsInFieldNumberOrderAndMaskAsQuery) {
  gateway::UpdateUserRequest request = Valid();
  gateway::User& user = *request.mutable_user();
  user.set_permission_preset("viewer");
  user.set_email("alice@example.com");
  user.set_service_account(false);
  user.set_display_name("Alice");
  request.mutable_update_mask()->add_paths("role");
  request.mutable_update_mask()->add_paths("display_name");

  auto http = TranscodeRequest(*route_, request);
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->method, "PATCH");
  EXPECT_EQ(http->path, "/v1/accounts/acme/users/alice?updateMask=role%2CdisplayName");
  EXPECT_EQ(http->body,
            R"({"name":"accounts/acme/users/alice","displayName":"Alice",)"
            R"("serviceAccount":false,"role":"admin","email":"alice@example.com",)"
            R"("permissionPreset":"viewer"})");
}

TEST_F(UpdateUserTest, ExplicitFalseAndEmptyOptionalFieldsAreSent) {
  gateway::UpdateUserRequest request = Valid();
  request.mutable_user()->set_service_account(false);
  request.mutable_user()->set_email("");
  auto http = TranscodeRequest(*route_, request);
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->body,
            R"({"name":"accounts/acme/users/alice","serviceAccount":false,)"
            R"("role":"admin","email":""})");
}

TEST_F(UpdateUserTest, OutputOnlyFieldsAreNeverSent) {
  gateway::UpdateUserRequest request = Valid();
  gateway::User& user = *request.mutable_user();
  user.mutable_create_time()->set_seconds(1600000000);
  user.mutable_update_time()->set_seconds(1700000000);
  user.set_state(gateway::User::READY);
  user.mutable_status()->set_code(google::rpc::NOT_FOUND);
  user.mutable_status()->set_message("gone");
  auto http = TranscodeRequest(*route_, request);
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->path, "/v1/accounts/acme/users/alice");
  EXPECT_EQ(http->body, R"({"name":"accounts/acme/users/alice","role":"admin"})");
}

TEST_F(UpdateUserTest, MatchingNameIsSentAsIs) {
  gateway::UpdateUserRequest request = Valid();
  request.mutable_user()->set_name("accounts/acme/users/alice");
  auto http = TranscodeRequest(*route_, request);
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->body, R"({"name":"accounts/acme/users/alice","role":"admin"})");
}

TEST_F(UpdateUserTest, NameForAnotherResourceIsInvalidArgument) {
  gateway::UpdateUserRequest request = Valid();
  request.mutable_user()->set_name("accounts/acme/users/bob");
  auto http = TranscodeRequest(*route_, request);
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(http.status().message(),
            "user.name \"accounts/acme/users/bob\" does not match the request path "
            "(\"accounts/acme/users/alice\")");
  EXPECT_THAT(Violations(http.status()),
              ElementsAre(Pair("user.name",
                               "must be \"accounts/acme/users/alice\", the resource the "
                               "request path names")));
}

TEST_F(UpdateUserTest, MissingRoleIsInvalidArgumentWithBadRequest) {
  gateway::UpdateUserRequest request = Valid();
  request.mutable_user()->clear_role();
  request.mutable_user()->set_display_name("Alice");
  auto http = TranscodeRequest(*route_, request);
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(http.status().message(), "missing required field: user.role");
  EXPECT_THAT(Violations(http.status()),
              ElementsAre(Pair("user.role", "required field is missing")));
}

TEST_F(UpdateUserTest, EmptyRoleCountsAsMissing) {
  gateway::UpdateUserRequest request = Valid();
  request.mutable_user()->set_role("");
  auto http = TranscodeRequest(*route_, request);
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(http.status().message(), "missing required field: user.role");
  EXPECT_THAT(Violations(http.status()),
              ElementsAre(Pair("user.role", "required field is missing")));
}

TEST_F(UpdateUserTest, EveryMissingFieldIsListedTogether) {
  gateway::UpdateUserRequest request = Valid();
  request.clear_account_id();
  request.mutable_user()->clear_role();
  auto http = TranscodeRequest(*route_, request);
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(http.status().message(), "missing required fields: account_id, user.role");
  EXPECT_THAT(Violations(http.status()),
              ElementsAre(Pair("account_id", "required field is missing"),
                          Pair("user.role", "required field is missing")));
}

TEST_F(UpdateUserTest, MissingUserIsReportedAsUser) {
  gateway::UpdateUserRequest request = Valid();
  request.clear_user();
  auto http = TranscodeRequest(*route_, request);
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(http.status().message(), "missing required field: user");
  EXPECT_THAT(Violations(http.status()),
              ElementsAre(Pair("user", "required field is missing")));
}

TEST_F(UpdateUserTest, EmptyRequestListsEveryTopLevelRequiredField) {
  auto http = TranscodeRequest(*route_, gateway::UpdateUserRequest());
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(http.status().message(), "missing required fields: account_id, user_id, user");
  EXPECT_THAT(Violations(http.status()),
              ElementsAre(Pair("account_id", "required field is missing"),
                          Pair("user_id", "required field is missing"),
                          Pair("user", "required field is missing")));
}

TEST_F(UpdateUserTest, EmptyUserIdIsMissingRatherThanAnEmptySegment) {
  gateway::UpdateUserRequest request = Valid();
  request.set_user_id("");
  auto http = TranscodeRequest(*route_, request);
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.status().message(), "missing required field: user_id");
  EXPECT_THAT(Violations(http.status()),
              ElementsAre(Pair("user_id", "required field is missing")));
}

TEST_F(UpdateUserTest, PathValuesArePercentEncodedAndNameKeepsThemRaw) {
  gateway::UpdateUserRequest request = Valid();
  request.set_user_id("alice smith");
  auto http = TranscodeRequest(*route_, request);
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->path, "/v1/accounts/acme/users/alice%20smith");
  EXPECT_EQ(http->body, R"({"name":"accounts/acme/users/alice smith","role":"admin"})");
}

TEST_F(UpdateUserTest, SlashInPathValueIsRejected) {
  gateway::UpdateUserRequest request = Valid();
  request.set_user_id("../x");
  auto http = TranscodeRequest(*route_, request);
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(http.status().message(),
            "field user_id must not contain '/' in the request path (got \"../x\")");
}

TEST_F(UpdateUserTest, UrlOverTheLimitIsRejected) {
  gateway::UpdateUserRequest request = Valid();
  // 41 bytes before the value, then 2,000 x "role" joined by "%2C".
  for (int i = 0; i < 2000; ++i) request.mutable_update_mask()->add_paths("role");
  auto http = TranscodeRequest(*route_, request);
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(http.status().message(),
            "the request URL would be 14038 bytes, over the limit of 8192; path values "
            "or query fields (repeated fields, FieldMask paths) are too long");
}

TEST_F(UpdateUserTest, UrlAtTheLimitIsSent) {
  gateway::UpdateUserRequest request = Valid();
  // "/v1/accounts/acme/users/alice?updateMask=" is 41 bytes.
  request.mutable_update_mask()->add_paths(std::string(kMaxRequestTargetBytes - 41, 'r'));
  auto http = TranscodeRequest(*route_, request);
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->path.size(), kMaxRequestTargetBytes);
}

TEST_F(UpdateUserTest, DotDotPathValueIsRejectedBeforeAnythingIsSent) {
  gateway::UpdateUserRequest request = Valid();
  request.set_account_id("..");
  auto http = TranscodeRequest(*route_, request);
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(http.status().message(),
            "field account_id must not be empty, \".\" or \"..\" in the request path "
            "(got \"..\")");
}

TEST_F(UpdateUserTest, ControlCharacterInPathValueIsRejected) {
  gateway::UpdateUserRequest request = Valid();
  request.set_user_id("alice\r\nX-Injected: 1");
  auto http = TranscodeRequest(*route_, request);
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(http.status().message(),
            "field user_id must not contain control characters in the request path");
}

TEST_F(UpdateUserTest, UpdateMaskPathsBecomeLowerCamel) {
  gateway::UpdateUserRequest request = Valid();
  request.mutable_update_mask()->add_paths("permission_preset");
  request.mutable_update_mask()->add_paths("service_account");
  request.mutable_update_mask()->add_paths("role");
  auto http = TranscodeRequest(*route_, request);
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->path,
            "/v1/accounts/acme/users/alice?updateMask=permissionPreset%2CserviceAccount%2Crole");
}

TEST_F(UpdateUserTest, UpdateMaskPathAlreadyInLowerCamelIsSentUnchanged) {
  gateway::UpdateUserRequest request = Valid();
  request.mutable_update_mask()->add_paths("displayName");
  auto http = TranscodeRequest(*route_, request);
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->path, "/v1/accounts/acme/users/alice?updateMask=displayName");
}

TEST_F(UpdateUserTest, EmptyUpdateMaskIsSentEmpty) {
  gateway::UpdateUserRequest request = Valid();
  request.mutable_update_mask();
  auto http = TranscodeRequest(*route_, request);
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->path, "/v1/accounts/acme/users/alice?updateMask=");
}

// --- Generic rules, on tests/protos/transcoder_test.proto's service ------

class GenericRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Naming a generated type links transcoder_test.proto into the generated pool.
    const DescriptorPool& pool = *rqtest::ListRequest::descriptor()->file()->pool();
    auto table = RouteTable::Build(pool, google::protobuf::MessageFactory::generated_factory(),
                                   {"rqtest.Things"});
    ASSERT_TRUE(table.ok()) << table.status();
    table_ = *std::move(table);
  }

  const Route& RouteFor(absl::string_view method) {
    const Route* route = table_->Find(absl::StrCat("/rqtest.Things/", method));
    EXPECT_THAT(route, NotNull()) << method;
    return *route;
  }

  // A request message for `method` from its text format.
  std::unique_ptr<Message> Request(absl::string_view method, absl::string_view text) {
    std::unique_ptr<Message> message(RouteFor(method).request_prototype->New());
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(std::string(text),
                                                              message.get()))
        << text;
    return message;
  }

  absl::StatusOr<HttpRequest> Transcode(absl::string_view method, absl::string_view text) {
    return TranscodeRequest(RouteFor(method), *Request(method, text));
  }

  std::shared_ptr<const RouteTable> table_;
};

TEST_F(GenericRulesTest, AFieldBoundToThePathLeavesTheSameFieldOfAnotherMessageToTheQuery) {
  // inner and second are both Pairs: binding {inner.id} must not hide
  // second.id, the same field descriptor reached by another path.
  auto http = Transcode("GetPair", R"pb(
    inner { id: "i1" note: "n1" }
    second { id: "s2" note: "n2" }
  )pb");
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->path, "/v1/pairs/i1?inner.note=n1&second.id=s2&second.note=n2");
}

TEST_F(GenericRulesTest, BytesInAPathSegmentAreUrlSafeBase64) {
  // Standard base64 of these bytes is "+/+/", which holds '/', and a
  // padded value: "-_-_" and "-w==" (the '=' percent-encoded) as grpc-gateway
  // reads them.
  auto http = Transcode("GetBlob", R"pb(blob: "\xfb\xff\xbf")pb");
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->path, "/v1/blobs/-_-_");
  http = Transcode("GetBlob", R"pb(blob: "\xfb")pb");
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->path, "/v1/blobs/-w%3D%3D");
}

TEST_F(GenericRulesTest, BytesInTheQueryStayStandardBase64) {
  auto http = Transcode("GetPair", R"pb(inner { id: "i" } blob: "\xfb\xff\xbf")pb");
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->path, "/v1/pairs/i?blob=%2B%2F%2B%2F");
}

TEST_F(GenericRulesTest, GetWithOnlyPathFieldHasNoQueryOrBody) {
  auto http = Transcode("List", R"pb(parent: "shelves/s1")pb");
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->method, "GET");
  EXPECT_EQ(http->path, "/v1/shelves/s1/things");
  EXPECT_EQ(http->body, "");
}

TEST_F(GenericRulesTest, EveryQueryFormInFieldNumberOrder) {
  auto http = Transcode("List", R"pb(
    parent: "shelves/s1"
    big: -9007199254740993
    tags: "a b"
    tags: "c&d"
    color: GREEN
    colors: RED
    colors: GREEN
    since { seconds: 1767323045 }
    timeout { seconds: 3 nanos: 500000000 }
    limit { value: 42 }
    flag { value: false }
    label { value: "x y" }
    filter { min_name: "al" max_age: 30 }
    exact: true
    ratio: 0.1
    token: "\377\000"
    huge: 18446744073709551615
    mask { paths: "title" paths: "create_time" }
    weight { value: 2.5 }
    stamps { seconds: 0 }
    stamps { seconds: 1 nanos: 5000000 }
    sizes: 1
    sizes: -2
    small: -7
    json_named: "j"
  )pb");
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->method, "GET");
  EXPECT_EQ(http->body, "");
  EXPECT_EQ(http->path,
            "/v1/shelves/s1/things?"
            "big=-9007199254740993"
            "&tags=a%20b&tags=c%26d"
            "&color=GREEN"
            "&colors=RED&colors=GREEN"
            "&since=2026-01-02T03%3A04%3A05Z"
            "&timeout=3.500s"
            "&limit=42"
            "&flag=false"
            "&label=x%20y"
            "&filter.minName=al&filter.maxAge=30"
            "&exact=true"
            "&ratio=0.1"
            "&token=%2FwA%3D"
            "&huge=18446744073709551615"
            "&mask=title%2CcreateTime"
            "&weight=2.5"
            "&stamps=1970-01-01T00%3A00%3A00Z&stamps=1970-01-01T00%3A00%3A01.005Z"
            "&sizes=1&sizes=-2"
            "&small=-7"
            "&customName=j");
}

TEST_F(GenericRulesTest, UnsetAndDefaultScalarsAreNotInTheQuery) {
  auto http = Transcode("List", R"pb(
    parent: "shelves/s1" big: 0 exact: false color: COLOR_UNSPECIFIED
  )pb");
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->path, "/v1/shelves/s1/things");
}

TEST_F(GenericRulesTest, UnknownEnumNumberIsInvalidArgumentNamingTheField) {
  auto http = Transcode("List", R"pb(parent: "shelves/s1" color: 7)pb");
  ASSERT_EQ(http.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(http.status().message(), "unknown enum value in color (7)");
  EXPECT_THAT(Violations(http.status()),
              ElementsAre(Pair("color", "not a value of the field's enum")));
}

TEST_F(GenericRulesTest, OutputOnlyFieldsAreNotInTheQuery) {
  auto http = Transcode("List", R"pb(
    parent: "shelves/s1"
    secret: "s3cr3t"
    filter { computed: "x" max_age: 1 }
  )pb");
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->path, "/v1/shelves/s1/things?filter.maxAge=1");
}

TEST_F(GenericRulesTest, MapFieldIsInvalidArgument) {
  auto http = Transcode("List", R"pb(
    parent: "shelves/s1"
    labels { key: "k" value: "v" }
  )pb");
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(http.status().message(), "map field labels cannot be sent as a query parameter");
}

TEST_F(GenericRulesTest, RepeatedMessageFieldIsInvalidArgument) {
  auto http = Transcode("List", R"pb(
    parent: "shelves/s1"
    filters { max_age: 1 }
  )pb");
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(http.status().message(),
            "repeated message field filters cannot be sent as a query parameter");
}

TEST_F(GenericRulesTest, UnmatchedPathPatternIsInvalidArgument) {
  auto http = Transcode("List", R"pb(parent: "racks/r1")pb");
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(http.status().message(),
            "field parent (\"racks/r1\") does not match the pattern shelves/*");
}

TEST_F(GenericRulesTest, NumericPathFieldIsDecimal) {
  auto http = Transcode("Count", R"pb(number: -12 title: "t")pb");
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->path, "/v1/counts/-12?title=t");
}

TEST_F(GenericRulesTest, ZeroNumericPathFieldIsSentAsZero) {
  auto http = Transcode("Count", "");
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->path, "/v1/counts/0");
}

TEST_F(GenericRulesTest, MessageBodyFieldOnPostIsSentWithoutOutputOnlyFields) {
  auto http = Transcode("Create", R"pb(
    parent: "shelves/s1"
    request_id: "r 1"
    thing {
      title: "T"
      size: 7
      owner: "o"
      create_time { seconds: 5 }
    }
  )pb");
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->method, "POST");
  EXPECT_EQ(http->path, "/v1/shelves/s1/things?requestId=r%201");
  // POST creates: the name is not filled from the path; int64 is a JSON string.
  EXPECT_EQ(http->body, R"({"title":"T","size":"7","owner":"o"})");
}

TEST_F(GenericRulesTest, RequiredFieldInsideBodyIsReportedWithItsPath) {
  auto http = Transcode("Create", R"pb(parent: "shelves/s1" thing { title: "T" })pb");
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(http.status().message(), "missing required field: thing.owner");
  EXPECT_THAT(Violations(http.status()),
              ElementsAre(Pair("thing.owner", "required field is missing")));
}

TEST_F(GenericRulesTest, PutFillsNameFromThePathLessItsVersion) {
  auto http = Transcode("Replace", R"pb(parent: "shelves/s1" thing { owner: "o" })pb");
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->method, "PUT");
  EXPECT_EQ(http->path, "/v1/shelves/s1/thing");
  EXPECT_EQ(http->body, R"({"name":"shelves/s1/thing","owner":"o"})");
}

TEST_F(GenericRulesTest, PutWithOtherNameIsInvalidArgument) {
  auto http = Transcode("Replace", R"pb(
    parent: "shelves/s1" thing { name: "shelves/s2/thing" owner: "o" }
  )pb");
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(http.status().message(),
            "thing.name \"shelves/s2/thing\" does not match the request path "
            "(\"shelves/s1/thing\")");
  EXPECT_THAT(Violations(http.status()),
              ElementsAre(Pair("thing.name",
                               "must be \"shelves/s1/thing\", the resource the request "
                               "path names")));
}

TEST_F(GenericRulesTest, BodyStarSendsEverythingButPathFieldsAndNoQuery) {
  auto http = Transcode("Update", R"pb(
    thing {
      name: "shelves/s1/things/t1"
      title: "T"
      owner: "o"
      create_time { seconds: 5 }
    }
    update_mask { paths: "title" }
  )pb");
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->method, "PATCH");
  EXPECT_EQ(http->path, "/v1/shelves/s1/things/t1");
  EXPECT_EQ(http->body, R"({"thing":{"title":"T","owner":"o"},"updateMask":"title"})");
}

TEST_F(GenericRulesTest, NestedPathFieldIsLeftOutOfTheQuery) {
  auto http = Transcode("Peek", R"pb(
    thing {
      name: "shelves/s1/things/t 1"
      title: "T"
      size: 9
      owner: "o"
      create_time { seconds: 5 }
    }
    update_mask { paths: "title" }
  )pb");
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->method, "GET");
  EXPECT_EQ(http->path,
            "/v1/shelves/s1/things/t%201:peek"
            "?thing.title=T&thing.size=9&thing.owner=o&updateMask=title");
  EXPECT_EQ(http->body, "");
}

TEST_F(GenericRulesTest, UnsetParentOfNestedPathFieldDoesNotMatch) {
  auto http = Transcode("Peek", "");
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(http.status().message(),
            "field thing.name (\"\") does not match the pattern shelves/*/things/*");
}

TEST_F(GenericRulesTest, ScalarStringBodyIsItsJsonValue) {
  auto http = Transcode("SetTitle", R"pb(
    name: "shelves/s1/things/t1" title: "New \"T\"" count: 5
  )pb");
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->method, "POST");
  EXPECT_EQ(http->path, "/v1/shelves/s1/things/t1:setTitle?count=5");
  EXPECT_EQ(http->body, R"("New \"T\"")");
}

TEST_F(GenericRulesTest, ScalarInt64BodyIsAJsonString) {
  auto http = Transcode("SetCount", R"pb(
    name: "shelves/s1/things/t1" title: "t" count: 5
  )pb");
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->path, "/v1/shelves/s1/things/t1:setCount?title=t");
  EXPECT_EQ(http->body, R"("5")");
}

TEST_F(GenericRulesTest, RepeatedBodyFieldIsAJsonArray) {
  auto http = Transcode("SetIds", R"pb(
    name: "shelves/s1/things/t1" ids: 3 ids: 1 ids: 2
  )pb");
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->path, "/v1/shelves/s1/things/t1:setIds");
  EXPECT_EQ(http->body, "[3,1,2]");
}

TEST_F(GenericRulesTest, UnsetScalarBodyFieldSendsNoBody) {
  auto http = Transcode("SetTitle", R"pb(name: "shelves/s1/things/t1")pb");
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->path, "/v1/shelves/s1/things/t1:setTitle");
  EXPECT_EQ(http->body, "");
}

}  // namespace
}  // namespace gateway_proxy
