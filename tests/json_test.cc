// PrintJson / ParseJson must be protobuf's MessageToJsonString /
// JsonStringToMessage, byte for byte and error for error, only faster.
#include "proxy/core/json.h"

#include <string>

#include "gateway/gateway.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace gateway_proxy {
namespace {

using google::protobuf::util::JsonParseOptions;
using google::protobuf::util::JsonPrintOptions;

gateway::User FullUser() {
  gateway::User user;
  user.set_name("accounts/acme/users/alice");
  user.set_display_name("Alice \"A\" Example\n");
  user.set_service_account(false);
  user.mutable_create_time()->set_seconds(1767225600);
  user.mutable_create_time()->set_nanos(500000000);
  user.set_role("admin");
  user.set_state(gateway::User::READY);
  user.mutable_status()->set_code(google::rpc::NOT_FOUND);
  user.mutable_status()->set_message("gone");
  return user;
}

TEST(JsonTest, PrintsWhatTheUtilPrints) {
  const gateway::User user = FullUser();
  std::string ours, theirs;
  ASSERT_TRUE(PrintJson(user, &ours).ok());
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(user, &theirs).ok());
  EXPECT_EQ(ours, theirs);
  EXPECT_EQ(ours,
            R"({"name":"accounts/acme/users/alice","displayName":"Alice \"A\" Example\n",)"
            R"("serviceAccount":false,"createTime":"2026-01-01T00:00:00.500Z","role":"admin",)"
            R"("state":"READY","status":{"code":"NOT_FOUND","message":"gone"}})");
}

TEST(JsonTest, PrintOptionsApply) {
  JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  gateway::UpdateUserRequest request;
  request.set_account_id("acme");
  std::string ours, theirs;
  ASSERT_TRUE(PrintJson(request, &ours, options).ok());
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(request, &theirs, options).ok());
  EXPECT_EQ(ours, theirs);
  EXPECT_EQ(ours, R"({"account_id":"acme","user_id":""})");
}

TEST(JsonTest, PrintReplacesTheOutput) {
  std::string json = "left over";
  ASSERT_TRUE(PrintJson(gateway::User(), &json).ok());
  EXPECT_EQ(json, "{}");
}

TEST(JsonTest, ParsesWhatTheUtilParses) {
  const std::string json =
      R"({"name":"accounts/acme/users/alice","display_name":"Alice","serviceAccount":false,)"
      R"("createTime":"2026-01-01T00:00:00.500Z","state":"READY",)"
      R"("status":{"code":"NOT_FOUND"}})";
  gateway::User ours, theirs;
  ASSERT_TRUE(ParseJson(json, &ours).ok());
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &theirs).ok());
  EXPECT_EQ(ours.SerializeAsString(), theirs.SerializeAsString());
  EXPECT_EQ(ours.display_name(), "Alice");
  EXPECT_TRUE(ours.has_service_account());
  EXPECT_EQ(ours.create_time().nanos(), 500000000);
  EXPECT_EQ(ours.status().code(), google::rpc::NOT_FOUND);
}

TEST(JsonTest, ParseReplacesWhatTheMessageHeld) {
  gateway::User user = FullUser();
  ASSERT_TRUE(ParseJson(R"({"role":"viewer"})", &user).ok());
  EXPECT_EQ(user.role(), "viewer");
  EXPECT_FALSE(user.has_display_name());
}

TEST(JsonTest, ParseErrorsAreTheUtilsErrors) {
  for (const std::string json : {R"({"role":)", R"({"nope":1})", R"({"state":"SLEEPING"})",
                                 R"({"createTime":"yesterday"})", "[]"}) {
    gateway::User ours, theirs;
    const auto our_status = ParseJson(json, &ours);
    const auto their_status = google::protobuf::util::JsonStringToMessage(json, &theirs);
    EXPECT_FALSE(our_status.ok()) << json;
    EXPECT_EQ(our_status.ToString(), their_status.ToString()) << json;
  }
}

TEST(JsonTest, ParseOptionsApply) {
  JsonParseOptions options;
  options.ignore_unknown_fields = true;
  gateway::User user;
  ASSERT_TRUE(ParseJson(R"({"role":"admin","addedLater":{"x":[1]}})", &user, options).ok());
  EXPECT_EQ(user.role(), "admin");
}

TEST(JsonTest, WellKnownTypesRoundTrip) {
  google::protobuf::Value value;
  ASSERT_TRUE(ParseJson(R"({"a":[1,"two",null,true]})", &value).ok());
  std::string json;
  ASSERT_TRUE(PrintJson(value, &json).ok());
  EXPECT_EQ(json, R"({"a":[1,"two",null,true]})");
}

}  // namespace
}  // namespace gateway_proxy
