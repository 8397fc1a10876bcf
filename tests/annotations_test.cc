// The google.api annotations, read from compiled-in descriptors and from a
// dynamic pool built out of the same protos (as --descriptor_set loads
// them), with the same answers.
#include "proxy/core/annotations.h"

#include <functional>
#include <memory>
#include <optional>

#include "gateway/gateway.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"

namespace gateway_proxy {
namespace {

using google::api::FieldBehavior;
using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptorProto;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// gateway.proto and everything it imports, in a pool of their own.
std::unique_ptr<DescriptorPool> DynamicGatewayPool() {
  auto pool = std::make_unique<DescriptorPool>();
  // Dependencies first.
  std::function<void(const google::protobuf::FileDescriptor*)> add =
      [&](const google::protobuf::FileDescriptor* file) {
        if (pool->FindFileByName(file->name()) != nullptr) return;
        for (int i = 0; i < file->dependency_count(); ++i) add(file->dependency(i));
        FileDescriptorProto proto;
        file->CopyTo(&proto);
        EXPECT_NE(pool->BuildFile(proto), nullptr) << file->name();
      };
  add(gateway::User::descriptor()->file());
  return pool;
}

TEST(AnnotationsTest, ReadsTheHttpRuleOfCompiledInAndDynamicMethods) {
  const auto pool = DynamicGatewayPool();
  for (const DescriptorPool* p : {DescriptorPool::generated_pool(),
                                  static_cast<const DescriptorPool*>(pool.get())}) {
    const auto* service = p->FindServiceByName("gateway.Gateway");
    ASSERT_NE(service, nullptr);
    const auto rule = HttpRuleOf(*service->FindMethodByName("UpdateUser"));
    ASSERT_TRUE(rule.has_value());
    EXPECT_EQ(rule->patch(), "/v1/accounts/{account_id}/users/{user_id}");
    EXPECT_EQ(rule->body(), "user");
  }
}

TEST(AnnotationsTest, AMethodWithoutARuleHasNone) {
  FileDescriptorProto file;
  file.set_name("plain.proto");
  file.set_package("plain");
  auto* message = file.add_message_type();
  message->set_name("M");
  auto* method = file.add_service();
  method->set_name("S");
  auto* rpc = method->add_method();
  rpc->set_name("Call");
  rpc->set_input_type(".plain.M");
  rpc->set_output_type(".plain.M");
  DescriptorPool pool;
  ASSERT_NE(pool.BuildFile(file), nullptr);
  EXPECT_EQ(HttpRuleOf(*pool.FindMethodByName("plain.S.Call")), std::nullopt);
}

TEST(AnnotationsTest, ReadsFieldBehaviorsOfCompiledInAndDynamicFields) {
  const auto pool = DynamicGatewayPool();
  for (const DescriptorPool* p : {DescriptorPool::generated_pool(),
                                  static_cast<const DescriptorPool*>(pool.get())}) {
    const auto* user = p->FindMessageTypeByName("gateway.User");
    ASSERT_NE(user, nullptr);
    EXPECT_THAT(FieldBehaviorsOf(*user->FindFieldByName("role")),
                ElementsAre(google::api::REQUIRED));
    EXPECT_THAT(FieldBehaviorsOf(*user->FindFieldByName("create_time")),
                ElementsAre(google::api::OUTPUT_ONLY));
    EXPECT_THAT(FieldBehaviorsOf(*user->FindFieldByName("email")), IsEmpty());
  }
}

}  // namespace
}  // namespace gateway_proxy
