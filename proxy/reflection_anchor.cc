#include "reflection_anchor.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/impl/codegen/server_callback_handlers.h"
#include "grpcpp/support/byte_buffer.h"

namespace gateway_proxy {

ReflectionAnchor::ReflectionAnchor(const std::string& service_name)
    : method_path_(absl::StrCat("/", service_name, "/GatewayProxyReflectionAnchor")) {
  AddMethod(new grpc::internal::RpcServiceMethod(
      method_path_.c_str(), grpc::internal::RpcMethod::NORMAL_RPC, nullptr));
  MarkMethodCallback(
      0, new grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
             [](grpc::CallbackServerContext* context, const grpc::ByteBuffer*,
                grpc::ByteBuffer*) {
               grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
               reactor->Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                            "not a method of this service"));
               return reactor;
             }));
}

}  // namespace gateway_proxy
