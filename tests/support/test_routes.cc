#include "support/test_routes.h"

#include "gateway/gateway.pb.h"
#include "google/api/annotations.pb.h"
#include "google/api/field_behavior.pb.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"

namespace gateway_proxy::testing {

std::shared_ptr<const RouteTable> GatewayRoutes() {
  // Naming a generated type links gateway.proto into the generated pool.
  auto table = RouteTable::Build(*gateway::User::descriptor()->file()->pool(),
                                 google::protobuf::MessageFactory::generated_factory(),
                                 {"gateway.Gateway"});
  if (!table.ok()) {
    ADD_FAILURE() << table.status();
    return nullptr;
  }
  return *std::move(table);
}

TestProto::TestProto(absl::string_view file_text)
    : pool_(google::protobuf::DescriptorPool::generated_pool()), factory_(&pool_) {
  // Link what test protos import into the generated pool.
  (void)google::api::http;
  (void)google::api::field_behavior;
  (void)google::protobuf::Timestamp::descriptor();
  (void)google::protobuf::Duration::descriptor();
  (void)google::protobuf::Int64Value::descriptor();
  (void)google::protobuf::FieldMask::descriptor();
  google::protobuf::FileDescriptorProto file;
  if (!google::protobuf::TextFormat::ParseFromString(std::string(file_text), &file)) {
    ADD_FAILURE() << "test proto does not parse";
    return;
  }
  if (pool_.BuildFile(file) == nullptr) {
    ADD_FAILURE() << "test proto " << file.name() << " does not build";
    return;
  }
  ok_ = true;
}

absl::StatusOr<std::shared_ptr<const RouteTable>> TestProto::Routes(
    const std::vector<std::string>& services) {
  if (!ok_) return absl::InternalError("the test proto did not build");
  return RouteTable::Build(pool_, &factory_, services);
}

}  // namespace gateway_proxy::testing
