#include "proxy/edge/route_service.h"

#include "grpcpp/impl/codegen/server_callback_handlers.h"
#include "grpcpp/support/byte_buffer.h"

namespace gateway_proxy {

RouteService::RouteService(const std::string& service_name, const RouteTable& routes,
                           ProxyService& proxy) {
  int index = 0;
  for (const auto& route_ptr : routes.routes()) {
    const Route& route = *route_ptr;
    if (route.method->service()->full_name() != service_name) continue;
    // RpcMethod keeps this pointer; the route outlives the service.
    AddMethod(new grpc::internal::RpcServiceMethod(
        route.grpc_method.c_str(), grpc::internal::RpcMethod::NORMAL_RPC, nullptr));
    MarkMethodRawCallback(
        index++, new grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
                     [&proxy, &route](grpc::CallbackServerContext* context,
                                      const grpc::ByteBuffer* request,
                                      grpc::ByteBuffer* response) {
                       return proxy.HandleUnary(context, route, *request, response);
                     }));
  }
}

}  // namespace gateway_proxy
