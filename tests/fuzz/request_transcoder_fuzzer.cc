// libFuzzer target: any bytes a client sends as an UpdateUser, CreateUser,
// GetUser or ListUsers request either transcode into a REST request whose
// path is origin-form and free of raw control characters, or are refused
// cleanly. The first byte picks the method.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "gateway/gateway.pb.h"
#include "proxy/core/request_transcoder.h"
#include "proxy/core/route_table.h"

namespace {

const gateway_proxy::RouteTable& Routes() {
  static const auto* table = [] {
    auto built = gateway_proxy::RouteTable::Build(
        *gateway::User::descriptor()->file()->pool(),
        google::protobuf::MessageFactory::generated_factory(), {"gateway.Gateway"});
    if (!built.ok()) __builtin_trap();
    return new std::shared_ptr<const gateway_proxy::RouteTable>(*std::move(built));
  }();
  return **table;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const auto& routes = Routes().routes();
  const gateway_proxy::Route& route = *routes[data[0] % routes.size()];
  std::unique_ptr<google::protobuf::Message> request(route.request_prototype->New());
  if (!request->ParseFromArray(data + 1, static_cast<int>(size - 1))) return 0;
  auto transcoded = gateway_proxy::TranscodeRequest(route, *request);
  if (!transcoded.ok()) return 0;
  if (transcoded->path.empty() || transcoded->path[0] != '/') __builtin_trap();
  for (unsigned char c : transcoded->path) {
    if (c <= 0x20 || c >= 0x7f) __builtin_trap();
  }
  return 0;
}
