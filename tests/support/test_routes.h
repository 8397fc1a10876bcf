// Route tables for tests: the compiled-in Gateway service. Test services of
// their own are protos in tests/protos, compiled by protoc
// (tests/protos/test_protos.cmake).
//
//   std::shared_ptr<const RouteTable> routes = GatewayRoutes();
#pragma once

#include <memory>

#include "proxy/core/route_table.h"

namespace gateway_proxy::testing {

// The route table of gateway.Gateway from the generated pool; a test
// failure (and null) when it cannot be built.
std::shared_ptr<const RouteTable> GatewayRoutes();

}  // namespace gateway_proxy::testing
