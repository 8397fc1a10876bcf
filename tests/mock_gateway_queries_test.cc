// mock-gateway's read side and CreateUser: readMask, ListUsers pages,
// filters and ordering, new user ids, and the REST routes for them.
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "proxy/core/rpc_status.h"
#include "rest_handler.h"
#include "user_queries.h"
#include "user_store.h"

namespace gateway_proxy::mock_gateway {
namespace {

using ::testing::ElementsAre;

const absl::Time kNow = absl::FromUnixSeconds(1767323045);

gateway::User NamedUser(const std::string& id, const std::string& role,
                        const std::string& display_name) {
  gateway::User user;
  user.set_name("accounts/acme/users/" + id);
  user.set_role(role);
  user.set_display_name(display_name);
  return user;
}

std::vector<gateway::User> FiveUsers() {
  return {NamedUser("a", "admin", "Eve"), NamedUser("b", "user", "Dan"),
          NamedUser("c", "user", "Cy"), NamedUser("d", "admin", "Bo"),
          NamedUser("e", "user", "Al")};
}

std::string ViolationField(const absl::Status& status) {
  google::rpc::BadRequest bad;
  const google::rpc::Status rpc = ToRpcStatus(status);
  if (rpc.details_size() != 1 || !rpc.details(0).UnpackTo(&bad) ||
      bad.field_violations_size() != 1) {
    return "<none>";
  }
  return bad.field_violations(0).field();
}

std::vector<std::string> Names(const gateway::ListUsersResponse& page) {
  std::vector<std::string> names;
  for (const auto& user : page.users()) names.push_back(user.name().substr(20));
  return names;
}

TEST(ReadMaskTest, AcceptsBothSpellingsAndRepeatedKeys) {
  auto mask = ParseReadMask({{"readMask", "displayName,role"}, {"read_mask", "email"}});
  ASSERT_TRUE(mask.ok()) << mask.status();
  EXPECT_THAT(mask->paths(), ElementsAre("display_name", "role", "email"));
  EXPECT_EQ(ApplyReadMask(NamedUser("a", "admin", "Eve"), *mask).ShortDebugString(),
            R"(display_name: "Eve" role: "admin")");
}

TEST(ReadMaskTest, UnknownPathIsInvalidArgumentOnReadMask) {
  auto mask = ParseReadMask({{"readMask", "role,shoeSize"}});
  EXPECT_EQ(mask.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(mask.status().message(),
            "read_mask path \"shoeSize\" is not a field of gateway.User");
  EXPECT_EQ(ViolationField(mask.status()), "read_mask");
}

TEST(ListPageTest, PagesFollowTheTokenAndCountEveryMatch) {
  auto query = ParseListQuery({{"pageSize", "2"}});
  ASSERT_TRUE(query.ok());
  auto first = ListPage(FiveUsers(), *query);
  ASSERT_TRUE(first.ok());
  EXPECT_THAT(Names(*first), ElementsAre("a", "b"));
  EXPECT_EQ(first->total_size(), 5);
  ASSERT_FALSE(first->next_page_token().empty());

  auto next = ParseListQuery({{"pageSize", "2"}, {"pageToken", first->next_page_token()}});
  ASSERT_TRUE(next.ok()) << next.status();
  auto second = ListPage(FiveUsers(), *next);
  EXPECT_THAT(Names(*second), ElementsAre("c", "d"));
  auto last_query = ParseListQuery({{"pageSize", "2"}, {"pageToken", second->next_page_token()}});
  auto last = ListPage(FiveUsers(), *last_query);
  EXPECT_THAT(Names(*last), ElementsAre("e"));
  EXPECT_EQ(last->next_page_token(), "");
}

TEST(ListPageTest, FilterAndDescendingOrder) {
  auto query = ParseListQuery({{"filter", "role = \"user\""}, {"orderBy", "display_name desc"}});
  ASSERT_TRUE(query.ok());
  auto page = ListPage(FiveUsers(), *query);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(Names(*page), ElementsAre("b", "c", "e"));  // Dan, Cy, Al
  EXPECT_EQ(page->total_size(), 3);
}

TEST(ListPageTest, PageSizeIsCappedAt200AndNegativeIsRefused) {
  EXPECT_EQ(ParseListQuery({{"pageSize", "5000"}})->page_size, 200);
  EXPECT_EQ(ParseListQuery({})->page_size, 50);
  auto negative = ParseListQuery({{"pageSize", "-1"}});
  EXPECT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolationField(negative.status()), "page_size");
}

TEST(ListPageTest, TokenFromAnotherQueryIsRefused) {
  auto query = ParseListQuery({{"pageSize", "1"}, {"filter", "role = \"user\""}});
  auto page = ListPage(FiveUsers(), *query);
  auto other = ParseListQuery({{"pageToken", page->next_page_token()}});
  EXPECT_EQ(other.status().message(),
            "page_token belongs to a query with another filter or order_by");
  EXPECT_EQ(ViolationField(other.status()), "page_token");
  EXPECT_EQ(ParseListQuery({{"pageToken", "garbage"}}).status().message(),
            "page_token is not one this server issued");
}

TEST(ListPageTest, UnsupportedFilterAndOrderAreInvalidArgument) {
  auto bad_filter = ListPage(FiveUsers(), *ParseListQuery({{"filter", "name = \"x\""}}));
  EXPECT_EQ(bad_filter.status().message(), "cannot filter on \"name\"");
  EXPECT_EQ(ViolationField(bad_filter.status()), "filter");
  auto bad_order = ListPage(FiveUsers(), *ParseListQuery({{"orderBy", "role"}}));
  EXPECT_EQ(bad_order.status().message(), "cannot order by \"role\"");
  EXPECT_EQ(ViolationField(bad_order.status()), "order_by");
}

TEST(NewUserIdTest, IdsFollowThePattern) {
  EXPECT_TRUE(ValidateNewUserId("carol-2").ok());
  EXPECT_EQ(ValidateNewUserId("Carol").message(),
            "user_id \"Carol\" must match [a-z0-9][a-z0-9-]{0,62}");
  EXPECT_EQ(ViolationField(ValidateNewUserId("-x")), "user_id");
  EXPECT_FALSE(ValidateNewUserId(std::string(64, 'a')).ok());
}

class CollectionRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override { SeedDemoUsers(store_, kNow); }
  HttpResponse Call(const std::string& method, const std::string& path,
                    QueryParams query = {}, std::string body = "") {
    RestRequest request{method, path, std::move(query),
                        {{"Authorization", "Bearer k"}}, std::move(body)};
    return handler_.Handle(request, kNow);
  }
  UserStore store_;
  RestHandler handler_{"k", StatusTable::kV2, &store_};
};

TEST_F(CollectionRoutesTest, PostCreatesWithTheGivenIdAndRefusesItTwice) {
  HttpResponse created = Call("POST", "/v1/accounts/acme/users", {{"userId", "carol"}},
                              R"({"role":"user","displayName":"Carol"})");
  EXPECT_EQ(created.status, 200);
  EXPECT_EQ(created.body,
            R"({"name":"accounts/acme/users/carol","displayName":"Carol",)"
            R"("createTime":"2026-01-02T03:04:05Z","role":"user","state":"READY",)"
            R"("updateTime":"2026-01-02T03:04:05Z"})");
  HttpResponse again = Call("POST", "/v1/accounts/acme/users", {{"userId", "carol"}},
                            R"({"role":"user"})");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.body,
            R"({"code":6,"message":"user accounts/acme/users/carol already exists",)"
            R"("details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo",)"
            R"("reason":"USER_ALREADY_EXISTS","domain":"gateway.fireworks.ai",)"
            R"("metadata":{"account_id":"acme","user_id":"carol"}}]})");
}

TEST_F(CollectionRoutesTest, PostWithoutAnIdPicksTheFirstFreeOne) {
  HttpResponse created = Call("POST", "/v1/accounts/acme/users", {}, R"({"role":"user"})");
  EXPECT_EQ(created.status, 200);
  EXPECT_THAT(created.body, ::testing::HasSubstr(R"("name":"accounts/acme/users/user-1")"));
}

TEST_F(CollectionRoutesTest, PostToAnUnknownAccountIsNotFound) {
  HttpResponse created = Call("POST", "/v1/accounts/nope/users", {{"userId", "x"}},
                              R"({"role":"user"})");
  EXPECT_EQ(created.status, 404);
  EXPECT_THAT(created.body, ::testing::HasSubstr(R"("reason":"ACCOUNT_NOT_FOUND")"));
}

TEST_F(CollectionRoutesTest, GetListsTheAccountWithReadMask) {
  HttpResponse listed = Call("GET", "/v1/accounts/acme/users", {{"readMask", "name,role"}});
  EXPECT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body,
            R"({"users":[{"name":"accounts/acme/users/alice","role":"admin"},)"
            R"({"name":"accounts/acme/users/bob","role":"user"}],"totalSize":2})");
}

TEST_F(CollectionRoutesTest, OtherMethodsOnTheCollectionAreUnimplemented) {
  EXPECT_EQ(Call("DELETE", "/v1/accounts/acme/users").status, 501);
  EXPECT_EQ(Call("PATCH", "/v1/accounts/acme/users").status, 501);
}

TEST_F(CollectionRoutesTest, GetOneWithReadMask) {
  HttpResponse got = Call("GET", "/v1/accounts/acme/users/bob", {{"readMask", "displayName"}});
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, R"({"displayName":"Bob"})");
}

}  // namespace
}  // namespace gateway_proxy::mock_gateway
