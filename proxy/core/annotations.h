// The google.api annotations of a method or a field, read the same way for
// compiled-in descriptors and for those of a --descriptor_set: a dynamic
// pool's options hold the extensions as unknown fields until they are
// re-parsed through the generated options message, which these functions do.
//
//   HttpRuleOf(*gateway::Gateway::descriptor()->FindMethodByName("UpdateUser"))
//       ->patch()                          // "/v1/accounts/{account_id}/users/{user_id}"
//   FieldBehaviorsOf(*user->FindFieldByName("role"))  // {google::api::REQUIRED}
#pragma once

#include <optional>
#include <vector>

#include "google/api/field_behavior.pb.h"
#include "google/api/http.pb.h"
#include "google/protobuf/descriptor.h"

namespace gateway_proxy {

// The method's google.api.http rule, or nullopt when it has none.
std::optional<google::api::HttpRule> HttpRuleOf(const google::protobuf::MethodDescriptor& method);

// The field's google.api.field_behavior values, in the order given.
std::vector<google::api::FieldBehavior> FieldBehaviorsOf(
    const google::protobuf::FieldDescriptor& field);

}  // namespace gateway_proxy
