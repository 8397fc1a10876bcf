#include "support/test_routes.h"

#include <utility>

#include "gateway/gateway.pb.h"
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

}  // namespace gateway_proxy::testing
