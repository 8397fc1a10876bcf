// Turns a 2xx REST response body into the gRPC reply message.
//
//   {"name":"accounts/acme/users/alice","role":"admin","state":"READY",
//    "createTime":"2026-01-02T03:04:05Z","someNewField":1}
//   -> gateway.User{name: ..., role: "admin", state: READY, create_time: ...}
//
// Parsing goes through protobuf's JSON util: both lowerCamel and proto field
// names are accepted, fields the proxy does not know are ignored (the API
// grows), and so are enum strings it does not know (the field stays unset).
// An empty body is an empty reply. With response_body the JSON is the value
// of that one reply field.
//
// Pure; thread-safe.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "proxy/core/route_table.h"

namespace gateway_proxy {

// Fills `reply` (of route.method's output type, empty) from `json`.
// INTERNAL, naming the reply type, when the body is not JSON of that type.
absl::Status ParseReplyJson(const Route& route, absl::string_view json,
                            google::protobuf::Message* reply);

}  // namespace gateway_proxy
