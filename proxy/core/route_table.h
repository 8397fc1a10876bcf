// The immutable table of served methods, built once at start-up from the
// google.api.http annotations of services in a descriptor pool.
//
//   rpc UpdateUser(UpdateUserRequest) returns (User) {
//     option (google.api.http) = {
//       patch: "/v1/accounts/{account_id}/users/{user_id}" body: "user" };
//   }
// becomes the Route for "/gateway.Gateway/UpdateUser":
//   http_method "PATCH", path variables [account_id, user_id],
//   body_field user, every other set field (update_mask) as query.
//
// Build() refuses, naming every method it cannot serve, so a bad annotation
// fails start-up rather than a call. Find() is lock-free and thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "proxy/core/field_rules.h"
#include "proxy/core/path_template.h"

namespace gateway_proxy {

// A chain of fields from the request message down, e.g. user -> name.
using FieldPath = std::vector<const google::protobuf::FieldDescriptor*>;

struct Route {
  std::string grpc_method;  // "/gateway.Gateway/UpdateUser"
  const google::protobuf::MethodDescriptor* method = nullptr;
  // Prototypes to create request/response messages from; owned by the
  // message factory given to Build().
  const google::protobuf::Message* request_prototype = nullptr;
  const google::protobuf::Message* response_prototype = nullptr;

  std::string http_method;  // "GET", "PATCH", ... or a custom verb.
  PathTemplate path;
  // One field chain per path template variable, in template order.
  std::vector<FieldPath> path_fields;
  // body: "*" sends the whole message (less path fields); body: "field" that
  // field; neither leaves body_field null and body_is_whole_message false.
  bool body_is_whole_message = false;
  const google::protobuf::FieldDescriptor* body_field = nullptr;
  // The field paths never written to the query: the path's, and the body
  // field's. By path, not by field: {inner.id} in the path leaves second.id,
  // a field of the same message type elsewhere, to the query.
  absl::flat_hash_set<FieldPath> not_in_query;
  // For PATCH and PUT with a message body field: that message's singular
  // string field `name`, which the path fills when empty and must match
  // otherwise. Null for any other route.
  const google::protobuf::FieldDescriptor* resource_name_field = nullptr;
  // response_body: the reply field the REST response fills; empty for the
  // whole reply.
  FieldPath response_body;
  // google.api.field_behavior of the request and every message in it.
  FieldRules request_rules;
};

class RouteTable {
 public:
  // Services whose messages come from one factory: compiled-in services from
  // the generated factory, those of a descriptor set from a dynamic one.
  struct ServiceGroup {
    google::protobuf::MessageFactory* factory = nullptr;
    std::vector<std::string> services;
  };

  // As below, for several groups at once; a service named twice is served
  // once, from the first group naming it.
  static absl::StatusOr<std::shared_ptr<const RouteTable>> Build(
      const google::protobuf::DescriptorPool& pool,
      const std::vector<ServiceGroup>& groups);

  // Routes for every method of `services` (full names, e.g.
  // "gateway.Gateway") found in `pool`. Methods without a google.api.http
  // rule are left out (a call to one is UNIMPLEMENTED). INVALID_ARGUMENT
  // lists each method whose rule cannot be served, one per line; NOT_FOUND
  // when a service is not in the pool. `factory` must outlive the table.
  static absl::StatusOr<std::shared_ptr<const RouteTable>> Build(
      const google::protobuf::DescriptorPool& pool,
      google::protobuf::MessageFactory* factory,
      const std::vector<std::string>& services);

  // The route for a gRPC method path ("/pkg.Service/Method"), or null.
  const Route* Find(absl::string_view grpc_method) const;

  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

  // The full names of the services with at least one route, in order.
  std::vector<std::string> ServiceNames() const;

 private:
  std::vector<std::unique_ptr<Route>> routes_;
  absl::flat_hash_map<std::string, const Route*> by_method_;
};

// The field chain named by dotted proto field names ("user.name") in
// `message`, or INVALID_ARGUMENT naming the first part that is not a
// singular field (repeated fields and maps cannot be bound).
absl::StatusOr<FieldPath> ResolveFieldPath(
    const google::protobuf::Descriptor& message,
    const std::vector<std::string>& names);

}  // namespace gateway_proxy
