// Adds the services of a FileDescriptorSet (the output of
// `protoc --include_imports --descriptor_set_out=FILE`) to those the proxy
// serves, without rebuilding it.
//
//   auto services = LoadDescriptorSet("/etc/gateway-proxy/library.pb");
//   // *services == {"example.library.v1.Library"}
//
// The files are checked against the compiled-in descriptors first (a
// missing import, a symbol defined twice, a malformed file each fail with a
// message naming the file), then registered in protobuf's generated pool, so
// the route table and gRPC's own reflection service see them exactly as
// compiled-in services. Files already compiled in (google/api/*, the
// Gateway's own proto) are taken as they are and not replaced.
//
// Start-up only: call before any server starts. Loading the same set again
// is harmless.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace gateway_proxy {

// The full names of the services declared in the set, in file order.
absl::StatusOr<std::vector<std::string>> LoadDescriptorSet(const std::string& path);

}  // namespace gateway_proxy
