// ParseReplyJson (proxy/core/response_translator.h): a 2xx REST body into the
// gRPC reply, tolerant of API growth, strict about what is not JSON of the
// reply type.
#include "proxy/core/response_translator.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gateway/gateway.pb.h"
#include "gmock/gmock.h"
#include "google/api/annotations.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "proxy/core/route_table.h"
#include "support/test_routes.h"
#include "translator_test.pb.h"

namespace gateway_proxy {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::Message;
using ::testing::NotNull;
using ::testing::StartsWith;

constexpr absl::string_view kNotUserJson =
    "upstream returned a 2xx response that is not valid JSON for gateway.User: ";

void ExpectMessageEq(const Message& actual, const Message& expected) {
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(actual, expected))
      << "actual:\n"
      << actual.DebugString() << "expected:\n"
      << expected.DebugString();
}

gateway::User ParseText(absl::string_view text) {
  gateway::User user;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(std::string(text), &user));
  return user;
}

class UserReplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = testing::GatewayRoutes();
    ASSERT_THAT(table_, NotNull());
    route_ = table_->Find("/gateway.Gateway/UpdateUser");
    ASSERT_THAT(route_, NotNull());
  }

  std::shared_ptr<const RouteTable> table_;
  const Route* route_ = nullptr;
};

TEST_F(UserReplyTest, FullUserInLowerCamelCase) {
  gateway::User reply;
  absl::Status status = ParseReplyJson(
      *route_,
      R"({"name":"accounts/acme/users/alice","displayName":"Alice",)"
      R"("serviceAccount":false,"createTime":"2020-09-13T12:26:40Z",)"
      R"("role":"admin","email":"alice@example.com","state":"READY",)"
      R"("status":{"code":"NOT_FOUND","message":"gone"},)"
      R"("updateTime":"2023-11-14T22:13:20.5Z","permissionPreset":"viewer"})",
      &reply);
  ASSERT_TRUE(status.ok()) << status;
  ExpectMessageEq(reply, ParseText(R"pb(
    name: "accounts/acme/users/alice"
    display_name: "Alice"
    service_account: false
    create_time { seconds: 1600000000 }
    role: "admin"
    email: "alice@example.com"
    state: READY
    status { code: NOT_FOUND message: "gone" }
    update_time { seconds: 1700000000 nanos: 500000000 }
    permission_preset: "viewer"
  )pb"));
  // Presence survives: false was sent, so it is set.
  EXPECT_TRUE(reply.has_service_account());
  EXPECT_FALSE(reply.service_account());
}

TEST_F(UserReplyTest, ProtoFieldNamesAreAcceptedToo) {
  gateway::User reply;
  absl::Status status = ParseReplyJson(
      *route_,
      R"({"name":"accounts/acme/users/bob","display_name":"Bob",)"
      R"("service_account":true,"create_time":"2020-09-13T12:26:40Z",)"
      R"("permission_preset":"editor","update_time":"2020-09-13T12:26:41Z"})",
      &reply);
  ASSERT_TRUE(status.ok()) << status;
  ExpectMessageEq(reply, ParseText(R"pb(
    name: "accounts/acme/users/bob"
    display_name: "Bob"
    service_account: true
    create_time { seconds: 1600000000 }
    permission_preset: "editor"
    update_time { seconds: 1600000001 }
  )pb"));
}

TEST_F(UserReplyTest, UnsetOptionalFieldsStayAbsent) {
  gateway::User reply;
  ASSERT_TRUE(ParseReplyJson(*route_, R"({"role":"admin"})", &reply).ok());
  EXPECT_EQ(reply.role(), "admin");
  EXPECT_FALSE(reply.has_service_account());
  EXPECT_FALSE(reply.has_display_name());
  EXPECT_FALSE(reply.has_create_time());
}

TEST_F(UserReplyTest, UnknownFieldsAreIgnored) {
  gateway::User reply;
  absl::Status status = ParseReplyJson(
      *route_,
      R"({"someNewField":{"nested":[1,2,{"x":null}]},"role":"admin",)"
      R"("another_new_field":"x","quota":12})",
      &reply);
  ASSERT_TRUE(status.ok()) << status;
  ExpectMessageEq(reply, ParseText(R"pb(role: "admin")pb"));
}

TEST_F(UserReplyTest, UnknownEnumStringLeavesFieldDefault) {
  gateway::User reply;
  absl::Status status = ParseReplyJson(
      *route_, R"({"state":"ARCHIVED","role":"admin","status":{"code":"NEW_CODE"}})",
      &reply);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(reply.state(), gateway::User::STATE_UNSPECIFIED);
  EXPECT_EQ(reply.status().code(), google::rpc::OK);
  EXPECT_EQ(reply.role(), "admin");
}

TEST_F(UserReplyTest, EnumAsNumberIsAccepted) {
  gateway::User reply;
  ASSERT_TRUE(ParseReplyJson(*route_, R"({"state":3})", &reply).ok());
  EXPECT_EQ(reply.state(), gateway::User::UPDATING);
}

TEST_F(UserReplyTest, EmptyBodyIsAnEmptyReply) {
  gateway::User reply;
  absl::Status status = ParseReplyJson(*route_, "", &reply);
  ASSERT_TRUE(status.ok()) << status;
  ExpectMessageEq(reply, gateway::User());
}

TEST_F(UserReplyTest, WhitespaceOnlyBodyIsAnEmptyReply) {
  gateway::User reply;
  absl::Status status = ParseReplyJson(*route_, " \r\n\t ", &reply);
  ASSERT_TRUE(status.ok()) << status;
  ExpectMessageEq(reply, gateway::User());
}

TEST_F(UserReplyTest, EmptyObjectIsAnEmptyReply) {
  gateway::User reply;
  ASSERT_TRUE(ParseReplyJson(*route_, "{}", &reply).ok());
  ExpectMessageEq(reply, gateway::User());
}

TEST_F(UserReplyTest, SurroundingWhitespaceIsAccepted) {
  gateway::User reply;
  ASSERT_TRUE(ParseReplyJson(*route_, "\n  {\"role\":\"admin\"}\n", &reply).ok());
  EXPECT_EQ(reply.role(), "admin");
}

TEST_F(UserReplyTest, InvalidJsonIsInternalNamingTheReplyType) {
  gateway::User reply;
  absl::Status status = ParseReplyJson(*route_, "<html>502 Bad Gateway</html>", &reply);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()), StartsWith(kNotUserJson));
}

TEST_F(UserReplyTest, TruncatedJsonIsInternalAndLeavesReplyEmpty) {
  gateway::User reply;
  absl::Status status = ParseReplyJson(*route_, R"({"role":"admin","email":)", &reply);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()), StartsWith(kNotUserJson));
  ExpectMessageEq(reply, gateway::User());
}

TEST_F(UserReplyTest, WrongValueTypeIsInternal) {
  gateway::User reply;
  absl::Status status =
      ParseReplyJson(*route_, R"({"role":"admin","serviceAccount":"maybe"})", &reply);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()), StartsWith(kNotUserJson));
  ExpectMessageEq(reply, gateway::User());
}

TEST_F(UserReplyTest, BadTimestampIsInternal) {
  gateway::User reply;
  absl::Status status = ParseReplyJson(*route_, R"({"createTime":"yesterday"})", &reply);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()), StartsWith(kNotUserJson));
}

TEST_F(UserReplyTest, JsonArrayIsInternal) {
  gateway::User reply;
  absl::Status status = ParseReplyJson(*route_, R"([{"role":"admin"}])", &reply);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()), StartsWith(kNotUserJson));
}

TEST_F(UserReplyTest, TrailingGarbageIsInternal) {
  gateway::User reply;
  absl::Status status = ParseReplyJson(*route_, R"({"role":"admin"} {"role":"x"})", &reply);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()), StartsWith(kNotUserJson));
}

TEST_F(UserReplyTest, ParserDetailInMessageIsBounded) {
  // A huge bad body must not become a huge error message.
  gateway::User reply;
  const std::string body = absl::StrCat(R"({"role":")", std::string(100000, 'x'), R"(",)");
  absl::Status status = ParseReplyJson(*route_, body, &reply);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()), StartsWith(kNotUserJson));
  EXPECT_LE(status.message().size(), kNotUserJson.size() + 200);
}

// --- response_body, on tests/protos/translator_test.proto's service -------

class ResponseBodyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Naming a generated type links translator_test.proto into the generated pool.
    const DescriptorPool& pool = *rstest::Reply::descriptor()->file()->pool();
    auto table = RouteTable::Build(pool, google::protobuf::MessageFactory::generated_factory(),
                                   {"rstest.Svc"});
    ASSERT_TRUE(table.ok()) << table.status();
    table_ = *std::move(table);
  }

  const Route& RouteFor(absl::string_view method) {
    const Route* route = table_->Find(absl::StrCat("/rstest.Svc/", method));
    EXPECT_THAT(route, NotNull()) << method;
    return *route;
  }

  std::unique_ptr<Message> NewReply(const Route& route) {
    return std::unique_ptr<Message>(route.response_prototype->New());
  }

  // The reply's text format, for exact comparison.
  static std::string Text(const Message& message) {
    std::string text;
    google::protobuf::TextFormat::Printer printer;
    printer.SetSingleLineMode(true);
    printer.PrintToString(message, &text);
    return text;
  }

  std::shared_ptr<const RouteTable> table_;
};

TEST_F(ResponseBodyTest, BodyFillsTheNamedMessageField) {
  const Route& route = RouteFor("GetThing");
  auto reply = NewReply(route);
  absl::Status status = ParseReplyJson(
      route, R"({"id":"t1","displayTitle":"T","size":"7","extra":true})", reply.get());
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(Text(*reply), R"(thing { id: "t1" display_title: "T" size: 7 } )");
}

TEST_F(ResponseBodyTest, ProtoNamesWorkInsideTheNamedField) {
  const Route& route = RouteFor("GetThing");
  auto reply = NewReply(route);
  ASSERT_TRUE(ParseReplyJson(route, R"({"display_title":"T"})", reply.get()).ok());
  EXPECT_EQ(Text(*reply), R"(thing { display_title: "T" } )");
}

TEST_F(ResponseBodyTest, BodyFillsTheNamedScalarField) {
  const Route& route = RouteFor("GetNote");
  auto reply = NewReply(route);
  absl::Status status = ParseReplyJson(route, " \"hello\"\n", reply.get());
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(Text(*reply), R"(note: "hello" )");
}

TEST_F(ResponseBodyTest, EmptyBodyLeavesTheReplyEmpty) {
  const Route& route = RouteFor("GetThing");
  auto reply = NewReply(route);
  ASSERT_TRUE(ParseReplyJson(route, "", reply.get()).ok());
  EXPECT_EQ(Text(*reply), "");
}

TEST_F(ResponseBodyTest, WrongJsonTypeForTheFieldIsInternalNamingTheReplyType) {
  const Route& route = RouteFor("GetThing");
  auto reply = NewReply(route);
  absl::Status status = ParseReplyJson(route, R"("just a string")", reply.get());
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()),
              StartsWith("upstream returned a 2xx response that is not valid JSON for "
                         "rstest.Reply: "));
  EXPECT_EQ(Text(*reply), "");
}

TEST_F(ResponseBodyTest, BodyCannotReachOtherReplyFields) {
  // The body is the value of `thing` alone; text after that value is not
  // JSON of the reply type and must not set `note`.
  const Route& route = RouteFor("GetThing");
  auto reply = NewReply(route);
  absl::Status status =
      ParseReplyJson(route, R"({"id":"t1"},"note":"injected")", reply.get());
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()),
              StartsWith("upstream returned a 2xx response that is not valid JSON for "
                         "rstest.Reply: "));
  EXPECT_EQ(Text(*reply), "");
}

TEST_F(ResponseBodyTest, JsonNullLeavesTheFieldUnset) {
  const Route& route = RouteFor("GetThing");
  auto reply = NewReply(route);
  absl::Status status = ParseReplyJson(route, "null", reply.get());
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(Text(*reply), "");
}

TEST_F(ResponseBodyTest, InvalidJsonIsInternal) {
  const Route& route = RouteFor("GetNote");
  auto reply = NewReply(route);
  absl::Status status = ParseReplyJson(route, "hello", reply.get());
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()),
              StartsWith("upstream returned a 2xx response that is not valid JSON for "
                         "rstest.Reply: "));
}

TEST_F(ResponseBodyTest, WithoutResponseBodyTheJsonIsTheWholeReply) {
  const Route& route = RouteFor("GetReply");
  auto reply = NewReply(route);
  absl::Status status =
      ParseReplyJson(route, R"({"thing":{"id":"t1"},"note":"n"})", reply.get());
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(Text(*reply), R"(thing { id: "t1" } note: "n" )");
}

}  // namespace
}  // namespace gateway_proxy
