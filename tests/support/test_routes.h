// Route tables for tests: the compiled-in Gateway service, and services of
// a test proto written in text format and built the way a descriptor set's
// files are (over the generated pool, with dynamic messages).
//
//   std::shared_ptr<const RouteTable> routes = GatewayRoutes();
//
//   TestProto proto(R"pb(name: "t.proto" package: "t" ...)pb");
//   auto table = proto.Routes({"t.Svc"});
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "proxy/core/route_table.h"

namespace gateway_proxy::testing {

// The route table of gateway.Gateway from the generated pool; a test
// failure (and null) when it cannot be built.
std::shared_ptr<const RouteTable> GatewayRoutes();

class TestProto {
 public:
  // Builds the FileDescriptorProto `file_text`; a test failure when it does
  // not parse or build. Its imports resolve in the generated pool
  // (google/api annotations and field_behavior, well-known types).
  explicit TestProto(absl::string_view file_text);

  const google::protobuf::DescriptorPool& pool() const { return pool_; }
  google::protobuf::MessageFactory* factory() { return &factory_; }
  bool ok() const { return ok_; }

  absl::StatusOr<std::shared_ptr<const RouteTable>> Routes(
      const std::vector<std::string>& services);

 private:
  google::protobuf::DescriptorPool pool_;
  google::protobuf::DynamicMessageFactory factory_;
  bool ok_ = false;
};

}  // namespace gateway_proxy::testing
