// Makes services served through the generic service visible to gRPC's
// server reflection, so grpcurl, Postman and grpcui discover every method.
//
// gRPC's reflection service lists the services registered with the server
// and describes them from protobuf's generated pool. Calls to the proxied
// services go to one generic service, which registers no names; a
// ReflectionAnchor registers the service's name through a single method of
// its own (which answers UNIMPLEMENTED and is never in the service's
// descriptor), leaving every real method to the generic service.
//
//   ReflectionAnchor anchor("gateway.Gateway");
//   builder.RegisterService(&anchor);  // reflection now lists gateway.Gateway
#pragma once

#include <string>

#include "grpcpp/impl/codegen/service_type.h"

namespace gateway_proxy {

class ReflectionAnchor final : public grpc::Service {
 public:
  explicit ReflectionAnchor(const std::string& service_name);

 private:
  const std::string method_path_;  // RpcMethod keeps a pointer into it.
};

}  // namespace gateway_proxy
