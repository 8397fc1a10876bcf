// Registers the routed methods of one gRPC service with the server, as
// unary methods whose messages stay raw bytes, each handled by
// ProxyService::HandleUnary() with its route.
//
// A routed call then arrives with its request already read, and its reply
// and status leave in one batch: cheaper than the generic service's
// streaming handler, in CPU and in thread wake-ups (README, Performance).
// Being a registered grpc::Service also puts the service's name where
// server reflection finds it, so grpcurl, Postman and grpcui discover every
// method. Methods without a route still reach the generic service
// (UNIMPLEMENTED).
//
//   RouteService gateway("gateway.Gateway", *routes, proxy_service);
//   builder.RegisterService(&gateway);
#pragma once

#include <string>

#include "grpcpp/impl/codegen/service_type.h"
#include "proxy/core/route_table.h"
#include "proxy/edge/proxy_service.h"

namespace gateway_proxy {

class RouteService final : public grpc::Service {
 public:
  // Every route of `routes` whose method belongs to `service_name`. `routes`
  // and `proxy` must outlive it.
  RouteService(const std::string& service_name, const RouteTable& routes,
               ProxyService& proxy);
};

}  // namespace gateway_proxy
