// RouteTable (proxy/core/route_table.h): routes built from google.api.http
// annotations, and the start-up errors for rules that cannot be served.
#include "proxy/core/route_table.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gateway/gateway.pb.h"
#include "gmock/gmock.h"
#include "google/api/annotations.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/timestamp.pb.h"
#include "gtest/gtest.h"
#include "support/test_routes.h"

namespace gateway_proxy {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::DynamicMessageFactory;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptorProto;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::IsNull;
using ::testing::NotNull;

constexpr absl::string_view kUpdateUser = "/gateway.Gateway/UpdateUser";

// Field names of a FieldPath, e.g. {"user", "name"}.
std::vector<std::string> Names(const FieldPath& path) {
  std::vector<std::string> out;
  for (const FieldDescriptor* field : path) out.push_back(field->name());
  return out;
}

// --- The compiled-in gateway.Gateway service -------------------------------

class GatewayRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = testing::GatewayRoutes();
    ASSERT_THAT(table_, NotNull());
  }

  std::shared_ptr<const RouteTable> table_;
};

TEST_F(GatewayRoutesTest, UpdateUserIsAPatchWithTwoPathFieldsAndUserBody) {
  const Route* route = table_->Find(kUpdateUser);
  ASSERT_THAT(route, NotNull());
  EXPECT_EQ(route->grpc_method, kUpdateUser);
  EXPECT_EQ(route->method,
            gateway::UpdateUserRequest::descriptor()->file()->FindServiceByName("Gateway")
                ->FindMethodByName("UpdateUser"));
  EXPECT_EQ(route->http_method, "PATCH");
  EXPECT_EQ(route->path.text(), "/v1/accounts/{account_id}/users/{user_id}");
  ASSERT_EQ(route->path_fields.size(), 2u);
  EXPECT_THAT(Names(route->path_fields[0]), ElementsAre("account_id"));
  EXPECT_THAT(Names(route->path_fields[1]), ElementsAre("user_id"));
  EXPECT_EQ(route->path_fields[0][0],
            gateway::UpdateUserRequest::descriptor()->FindFieldByName("account_id"));
  EXPECT_FALSE(route->body_is_whole_message);
  EXPECT_EQ(route->body_field,
            gateway::UpdateUserRequest::descriptor()->FindFieldByName("user"));
  EXPECT_THAT(route->response_body, IsEmpty());
}

TEST_F(GatewayRoutesTest, PrototypesComeFromTheGivenFactory) {
  const Route* route = table_->Find(kUpdateUser);
  ASSERT_THAT(route, NotNull());
  EXPECT_EQ(route->request_prototype, &gateway::UpdateUserRequest::default_instance());
  EXPECT_EQ(route->response_prototype, &gateway::User::default_instance());
}

TEST_F(GatewayRoutesTest, RequestRulesHoldFieldBehaviors) {
  const Route* route = table_->Find(kUpdateUser);
  ASSERT_THAT(route, NotNull());
  const Descriptor* request = gateway::UpdateUserRequest::descriptor();
  const Descriptor* user = gateway::User::descriptor();

  const FieldRules::MessageRules* request_rules =
      route->request_rules.ForMessage(request);
  ASSERT_THAT(request_rules, NotNull());
  EXPECT_THAT(request_rules->required,
              ElementsAre(request->FindFieldByName("account_id"),
                          request->FindFieldByName("user_id"),
                          request->FindFieldByName("user")));
  EXPECT_THAT(request_rules->output_only, IsEmpty());

  const FieldRules::MessageRules* user_rules = route->request_rules.ForMessage(user);
  ASSERT_THAT(user_rules, NotNull());
  EXPECT_THAT(user_rules->required, ElementsAre(user->FindFieldByName("role")));
  EXPECT_THAT(user_rules->output_only,
              ElementsAre(user->FindFieldByName("create_time"),
                          user->FindFieldByName("state"),
                          user->FindFieldByName("status"),
                          user->FindFieldByName("update_time")));
  EXPECT_TRUE(route->request_rules.IsOutputOnly(user->FindFieldByName("state")));
  EXPECT_FALSE(route->request_rules.IsOutputOnly(user->FindFieldByName("role")));
  // Messages with no behaviours have no rules.
  EXPECT_THAT(route->request_rules.ForMessage(gateway::Status::descriptor()), IsNull());
}

// What a walk of each type can find: the request's checks skip the types
// where it can find nothing (a Timestamp, a FieldMask).
TEST_F(GatewayRoutesTest, ReachSaysWhatAWalkOfEachTypeCanFind) {
  const Route* route = table_->Find(kUpdateUser);
  ASSERT_THAT(route, NotNull());
  const FieldRules& rules = route->request_rules;
  const auto reach = [&](const Descriptor* type) {
    const FieldRules::Reach r = rules.ReachOf(type);
    return std::vector<bool>{r.required, r.output_only, r.enums};
  };
  // Required fields of its own and of its User; the User's output-only
  // ones; no enum: User's state and status (with its code) are output-only.
  EXPECT_THAT(reach(gateway::UpdateUserRequest::descriptor()), ElementsAre(true, true, false));
  EXPECT_THAT(reach(gateway::User::descriptor()), ElementsAre(true, true, false));
  // Status has an enum field of its own, reached only through User.status.
  EXPECT_THAT(reach(gateway::Status::descriptor()), ElementsAre(false, false, true));
  EXPECT_THAT(reach(google::protobuf::Timestamp::descriptor()), ElementsAre(false, false, false));
  EXPECT_THAT(reach(google::protobuf::FieldMask::descriptor()), ElementsAre(false, false, false));
  // A type the request does not reach.
  EXPECT_THAT(reach(gateway::ListUsersResponse::descriptor()), ElementsAre(false, false, false));
}

TEST_F(GatewayRoutesTest, TableHoldsExactlyTheAnnotatedMethods) {
  std::vector<std::string> methods;
  for (const auto& route : table_->routes()) {
    methods.push_back(absl::StrCat(route->http_method, " ", route->path.text(), " <- ",
                                   route->grpc_method));
  }
  EXPECT_THAT(methods,
              ElementsAre("POST /v1/accounts/{account_id}/users <- /gateway.Gateway/CreateUser",
                          "GET /v1/accounts/{account_id}/users/{user_id} <- "
                          "/gateway.Gateway/GetUser",
                          "GET /v1/accounts/{account_id}/users <- /gateway.Gateway/ListUsers",
                          "PATCH /v1/accounts/{account_id}/users/{user_id} <- "
                          "/gateway.Gateway/UpdateUser"));
  EXPECT_THAT(table_->ServiceNames(), ElementsAre("gateway.Gateway"));
}

TEST_F(GatewayRoutesTest, UnknownMethodIsNotFound) {
  EXPECT_THAT(table_->Find("/gateway.Gateway/DeleteUser"), IsNull());
  EXPECT_THAT(table_->Find("/gateway.Other/UpdateUser"), IsNull());
  EXPECT_THAT(table_->Find("gateway.Gateway/UpdateUser"), IsNull());
  EXPECT_THAT(table_->Find("/gateway.gateway/updateuser"), IsNull());
  EXPECT_THAT(table_->Find(""), IsNull());
}

TEST(RouteTableBuildTest, UnknownServiceIsNotFound) {
  ASSERT_THAT(gateway::User::descriptor(), NotNull());
  auto table = RouteTable::Build(*DescriptorPool::generated_pool(),
                                 google::protobuf::MessageFactory::generated_factory(),
                                 {"gateway.Gateway", "gateway.Missing"});
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(table.status().message(),
            "service gateway.Missing is not in the descriptor pool");
}

TEST(RouteTableBuildTest, ServiceListedTwiceGivesOneRoute) {
  ASSERT_THAT(gateway::User::descriptor(), NotNull());
  auto table = RouteTable::Build(*DescriptorPool::generated_pool(),
                                 google::protobuf::MessageFactory::generated_factory(),
                                 {"gateway.Gateway", "gateway.Gateway"});
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ((*table)->routes().size(), 4u);
}

TEST(RouteTableBuildTest, NoServicesGiveAnEmptyTable) {
  auto table = RouteTable::Build(*DescriptorPool::generated_pool(),
                                 google::protobuf::MessageFactory::generated_factory(), {});
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_THAT((*table)->routes(), IsEmpty());
  EXPECT_THAT((*table)->Find(kUpdateUser), IsNull());
}

// --- Rules from a descriptor set (a dynamic pool) -------------------------

// A file built on top of the generated pool, so google/api/annotations.proto
// and the well-known types resolve as they do for a descriptor set.
constexpr absl::string_view kMessages = R"pb(
  name: "route_test.proto"
  package: "rttest"
  syntax: "proto3"
  dependency: "google/api/annotations.proto"
  dependency: "google/api/field_behavior.proto"
  message_type {
    name: "Thing"
    field { name: "id" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
    field { name: "title" number: 2 label: LABEL_OPTIONAL type: TYPE_STRING }
  }
  message_type {
    name: "Req"
    field { name: "id" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
    field {
      name: "thing"
      number: 2
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".rttest.Thing"
    }
    field { name: "tags" number: 3 label: LABEL_REPEATED type: TYPE_STRING }
    field { name: "count" number: 4 label: LABEL_OPTIONAL type: TYPE_INT64 }
    field {
      name: "parent_id"
      number: 5
      label: LABEL_OPTIONAL
      type: TYPE_STRING
      options { [google.api.field_behavior]: REQUIRED }
    }
  }
  message_type {
    name: "Reply"
    field {
      name: "thing"
      number: 1
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".rttest.Thing"
    }
    field { name: "items" number: 2 label: LABEL_REPEATED type: TYPE_STRING }
  }
)pb";

// Methods of service rttest.Svc, each "method { ... }".
constexpr absl::string_view kGoodMethods = R"pb(
  method {
    name: "Get"
    input_type: ".rttest.Req"
    output_type: ".rttest.Reply"
    options { [google.api.http] { get: "/v1/things/{id}" } }
  }
  method {
    name: "Create"
    input_type: ".rttest.Req"
    output_type: ".rttest.Thing"
    options { [google.api.http] { post: "/v1/things" body: "*" } }
  }
  method {
    name: "Rename"
    input_type: ".rttest.Req"
    output_type: ".rttest.Thing"
    options { [google.api.http] { put: "/v1/{thing.id}:rename" body: "id" } }
  }
  method {
    name: "Remove"
    input_type: ".rttest.Req"
    output_type: ".rttest.Reply"
    options { [google.api.http] { delete: "/v1/things/{id}" response_body: "thing" } }
  }
  method {
    name: "Touch"
    input_type: ".rttest.Req"
    output_type: ".rttest.Reply"
    options { [google.api.http] { patch: "/v1/things/{id}" body: "thing" } }
  }
  method {
    name: "Peek"
    input_type: ".rttest.Req"
    output_type: ".rttest.Reply"
    options {
      [google.api.http] { custom { kind: "HEAD" path: "/v1/things/{id}" } }
    }
  }
  method { name: "Unannotated" input_type: ".rttest.Req" output_type: ".rttest.Reply" }
)pb";

class DynamicRoutesTest : public ::testing::Test {
 protected:
  DynamicRoutesTest() : pool_(DescriptorPool::generated_pool()), factory_(&pool_) {
    // Link the annotation extensions into the generated pool.
    (void)google::api::http;
  }

  // Builds rttest.Svc with `methods` (text format) and its table.
  absl::StatusOr<std::shared_ptr<const RouteTable>> Build(absl::string_view methods) {
    FileDescriptorProto file;
    const std::string text =
        absl::StrCat(kMessages, "service { name: \"Svc\" ", methods, " }");
    if (!google::protobuf::TextFormat::ParseFromString(text, &file)) {
      ADD_FAILURE() << "bad test proto";
      return absl::InternalError("bad test proto");
    }
    if (pool_.BuildFile(file) == nullptr) {
      ADD_FAILURE() << "test proto does not build";
      return absl::InternalError("test proto does not build");
    }
    return RouteTable::Build(pool_, &factory_, {"rttest.Svc"});
  }

  const Descriptor* Type(absl::string_view name) {
    return pool_.FindMessageTypeByName(std::string(name));
  }

  DescriptorPool pool_;
  DynamicMessageFactory factory_;
};

TEST_F(DynamicRoutesTest, EveryPatternKindBecomesItsHttpMethod) {
  auto table = Build(kGoodMethods);
  ASSERT_TRUE(table.ok()) << table.status();
  std::vector<std::string> methods;
  for (const auto& route : (*table)->routes()) {
    methods.push_back(absl::StrCat(route->grpc_method, " ", route->http_method, " ",
                                   route->path.text()));
  }
  EXPECT_THAT(methods, ElementsAre("/rttest.Svc/Get GET /v1/things/{id}",
                                   "/rttest.Svc/Create POST /v1/things",
                                   "/rttest.Svc/Rename PUT /v1/{thing.id}:rename",
                                   "/rttest.Svc/Remove DELETE /v1/things/{id}",
                                   "/rttest.Svc/Touch PATCH /v1/things/{id}",
                                   "/rttest.Svc/Peek HEAD /v1/things/{id}"));
}

TEST_F(DynamicRoutesTest, MethodWithoutHttpRuleIsLeftOut) {
  auto table = Build(kGoodMethods);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_THAT((*table)->Find("/rttest.Svc/Unannotated"), IsNull());
  EXPECT_THAT((*table)->Find("/rttest.Svc/Get"), NotNull());
}

TEST_F(DynamicRoutesTest, BodyStarSendsWholeMessage) {
  auto table = Build(kGoodMethods);
  ASSERT_TRUE(table.ok()) << table.status();
  const Route* route = (*table)->Find("/rttest.Svc/Create");
  ASSERT_THAT(route, NotNull());
  EXPECT_TRUE(route->body_is_whole_message);
  EXPECT_THAT(route->body_field, IsNull());
  EXPECT_THAT(route->path_fields, IsEmpty());
}

TEST_F(DynamicRoutesTest, NoBodyLeavesBodyFieldNull) {
  auto table = Build(kGoodMethods);
  ASSERT_TRUE(table.ok()) << table.status();
  const Route* route = (*table)->Find("/rttest.Svc/Get");
  ASSERT_THAT(route, NotNull());
  EXPECT_FALSE(route->body_is_whole_message);
  EXPECT_THAT(route->body_field, IsNull());
}

TEST_F(DynamicRoutesTest, NestedPathVariableResolvesToFieldChain) {
  auto table = Build(kGoodMethods);
  ASSERT_TRUE(table.ok()) << table.status();
  const Route* route = (*table)->Find("/rttest.Svc/Rename");
  ASSERT_THAT(route, NotNull());
  ASSERT_EQ(route->path_fields.size(), 1u);
  EXPECT_THAT(route->path_fields[0],
              ElementsAre(Type("rttest.Req")->FindFieldByName("thing"),
                          Type("rttest.Thing")->FindFieldByName("id")));
  EXPECT_EQ(route->path.verb(), "rename");
  EXPECT_EQ(route->body_field, Type("rttest.Req")->FindFieldByName("id"));
}

TEST_F(DynamicRoutesTest, ResponseBodyResolvesToReplyField) {
  auto table = Build(kGoodMethods);
  ASSERT_TRUE(table.ok()) << table.status();
  const Route* route = (*table)->Find("/rttest.Svc/Remove");
  ASSERT_THAT(route, NotNull());
  EXPECT_THAT(route->response_body,
              ElementsAre(Type("rttest.Reply")->FindFieldByName("thing")));
}

TEST_F(DynamicRoutesTest, PrototypesComeFromTheDynamicFactory) {
  auto table = Build(kGoodMethods);
  ASSERT_TRUE(table.ok()) << table.status();
  const Route* route = (*table)->Find("/rttest.Svc/Get");
  ASSERT_THAT(route, NotNull());
  EXPECT_EQ(route->request_prototype, factory_.GetPrototype(Type("rttest.Req")));
  EXPECT_EQ(route->response_prototype, factory_.GetPrototype(Type("rttest.Reply")));
}

TEST_F(DynamicRoutesTest, FieldBehaviorsOfDescriptorSetAreRead) {
  auto table = Build(kGoodMethods);
  ASSERT_TRUE(table.ok()) << table.status();
  const Route* route = (*table)->Find("/rttest.Svc/Get");
  ASSERT_THAT(route, NotNull());
  const FieldRules::MessageRules* rules =
      route->request_rules.ForMessage(Type("rttest.Req"));
  ASSERT_THAT(rules, NotNull());
  EXPECT_THAT(rules->required,
              ElementsAre(Type("rttest.Req")->FindFieldByName("parent_id")));
}

TEST_F(DynamicRoutesTest, EveryUnservableMethodIsListed) {
  auto table = Build(R"pb(
    method {
      name: "BadTemplate"
      input_type: ".rttest.Req"
      output_type: ".rttest.Reply"
      options { [google.api.http] { get: "/v1/things/*" } }
    }
    method {
      name: "Fine"
      input_type: ".rttest.Req"
      output_type: ".rttest.Reply"
      options { [google.api.http] { get: "/v1/things/{id}" } }
    }
    method {
      name: "UnknownBody"
      input_type: ".rttest.Req"
      output_type: ".rttest.Reply"
      options { [google.api.http] { post: "/v1/things" body: "nope" } }
    }
    method {
      name: "BodyOnGet"
      input_type: ".rttest.Req"
      output_type: ".rttest.Reply"
      options { [google.api.http] { get: "/v1/things/{id}" body: "*" } }
    }
    method {
      name: "PathMessage"
      input_type: ".rttest.Req"
      output_type: ".rttest.Reply"
      options { [google.api.http] { get: "/v1/things/{thing}" } }
    }
    method {
      name: "Streaming"
      input_type: ".rttest.Req"
      output_type: ".rttest.Reply"
      server_streaming: true
      options { [google.api.http] { get: "/v1/things/{id}:watch" } }
    }
    method {
      name: "UnknownResponseBody"
      input_type: ".rttest.Req"
      output_type: ".rttest.Reply"
      options { [google.api.http] { get: "/v1/things/{id}" response_body: "nope" } }
    }
    method {
      name: "BadCustomVerb"
      input_type: ".rttest.Req"
      output_type: ".rttest.Reply"
      options {
        [google.api.http] { custom { kind: "NOT A TOKEN" path: "/v1/things" } }
      }
    }
  )pb");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(table.status().message(),
            "cannot serve 7 method(s):\n"
            "  rttest.Svc.BadTemplate: path template \"/v1/things/*\": a wildcard "
            "outside a {variable} has no request field to fill it at offset 12\n"
            "  rttest.Svc.UnknownBody: body field \"nope\" is not a field of rttest.Req\n"
            "  rttest.Svc.BodyOnGet: a GET rule cannot have a body\n"
            "  rttest.Svc.PathMessage: path variable {thing} is a message; only scalar "
            "fields can be bound to the path\n"
            "  rttest.Svc.Streaming: streaming methods cannot be transcoded to REST\n"
            "  rttest.Svc.UnknownResponseBody: response_body: field \"nope\" is not in "
            "rttest.Reply\n"
            "  rttest.Svc.BadCustomVerb: custom HTTP method \"NOT A TOKEN\" is not a "
            "valid token");
}

// One bad method, checked on its own so the message is exact.
struct BadRule {
  std::string name;
  std::string method;  // text format
  std::string problem;
};

class BadRuleTest : public DynamicRoutesTest,
                    public ::testing::WithParamInterface<BadRule> {};

TEST_P(BadRuleTest, IsRefusedNamingTheMethod) {
  auto table = Build(GetParam().method);
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(table.status().message(),
            absl::StrCat("cannot serve 1 method(s):\n  rttest.Svc.M: ",
                         GetParam().problem));
}

std::string Method(absl::string_view rule, absl::string_view extra = "") {
  return absl::StrCat("method { name: \"M\" input_type: \".rttest.Req\" ",
                      "output_type: \".rttest.Reply\" ", extra,
                      " options { [google.api.http] { ", rule, " } } }");
}

INSTANTIATE_TEST_SUITE_P(
    Rules, BadRuleTest,
    ::testing::Values(
        BadRule{"UnclosedVariable", Method(R"(get: "/v1/{id")"),
                "path template \"/v1/{id\": expected '}' at offset 7"},
        BadRule{"UnknownPathField", Method(R"(get: "/v1/{missing}")"),
                "field \"missing\" is not in rttest.Req"},
        BadRule{"UnknownNestedPathField", Method(R"(get: "/v1/{thing.missing}")"),
                "field \"thing.missing\" is not in rttest.Req"},
        BadRule{"PathThroughScalar", Method(R"(get: "/v1/{id.x}")"),
                "field \"id.x\" is not in rttest.Req"},
        BadRule{"RepeatedPathField", Method(R"(get: "/v1/{tags}")"),
                "field \"tags\" is repeated and cannot be bound"},
        BadRule{"BodyFieldAlsoInPath",
                Method(R"(patch: "/v1/{thing.id}" body: "thing")"),
                "field \"thing\" is bound to both the path and the body"},
        BadRule{"NamedBodyOnGet", Method(R"(get: "/v1/things" body: "thing")"),
                "a GET rule cannot have a body"},
        BadRule{"ClientStreaming",
                Method(R"(post: "/v1/things" body: "*")", "client_streaming: true"),
                "streaming methods cannot be transcoded to REST"},
        BadRule{"RepeatedResponseBody",
                Method(R"(get: "/v1/things" response_body: "items")"),
                "response_body: field \"items\" is repeated and cannot be bound"},
        BadRule{"EmptyCustomVerb", Method(R"(custom { kind: "" path: "/v1/x" })"),
                "custom HTTP method \"\" is not a valid token"},
        BadRule{"CustomVerbWithBadPath",
                Method(R"(custom { kind: "PURGE" path: "v1/x" })"),
                "path template \"v1/x\": must start with '/'"},
        BadRule{"NoPattern", Method(R"(body: "*")"),
                "the HTTP rule names no method and path"}),
    [](const ::testing::TestParamInfo<BadRule>& info) { return info.param.name; });

// --- ResolveFieldPath -----------------------------------------------------

TEST(ResolveFieldPathTest, ResolvesNestedSingularFields) {
  auto path = ResolveFieldPath(*gateway::UpdateUserRequest::descriptor(), {"user", "name"});
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_THAT(*path, ElementsAre(gateway::UpdateUserRequest::descriptor()->FindFieldByName(
                                     "user"),
                                 gateway::User::descriptor()->FindFieldByName("name")));
}

TEST(ResolveFieldPathTest, UnknownFieldIsNamedWithItsPrefix) {
  auto path =
      ResolveFieldPath(*gateway::UpdateUserRequest::descriptor(), {"user", "nickname"});
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(path.status().message(),
            "field \"user.nickname\" is not in gateway.UpdateUserRequest");
}

TEST(ResolveFieldPathTest, RepeatedFieldCannotBeBound) {
  // google.protobuf.FieldMask.paths is repeated.
  auto path = ResolveFieldPath(*gateway::UpdateUserRequest::descriptor(),
                               {"update_mask", "paths"});
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(path.status().message(),
            "field \"update_mask.paths\" is repeated and cannot be bound");
}

TEST(ResolveFieldPathTest, FieldsBelowAScalarDoNotExist) {
  auto path =
      ResolveFieldPath(*gateway::UpdateUserRequest::descriptor(), {"account_id", "x"});
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.status().message(),
            "field \"account_id.x\" is not in gateway.UpdateUserRequest");
}

}  // namespace
}  // namespace gateway_proxy
