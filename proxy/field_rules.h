// google.api.field_behavior, read once per message type at start-up.
//
//   message User {
//     google.protobuf.Timestamp create_time = 4
//         [(google.api.field_behavior) = OUTPUT_ONLY];
//     optional string role = 5 [(google.api.field_behavior) = REQUIRED];
//   }
//   FieldRules::Build(*UpdateUserRequest::descriptor())
//       .ForMessage(User::descriptor())->output_only  == {create_time, ...}
//       .ForMessage(User::descriptor())->required     == {role}
//
// Immutable after Build(); thread-safe.
#pragma once

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "google/protobuf/descriptor.h"

namespace gateway_proxy {

class FieldRules {
 public:
  struct MessageRules {
    std::vector<const google::protobuf::FieldDescriptor*> required;
    std::vector<const google::protobuf::FieldDescriptor*> output_only;
  };

  // Rules for `root` and every message type reachable from it.
  static FieldRules Build(const google::protobuf::Descriptor& root);

  // The rules of `message`, or null when none of its fields has any.
  const MessageRules* ForMessage(const google::protobuf::Descriptor* message) const;

  bool IsOutputOnly(const google::protobuf::FieldDescriptor* field) const;

 private:
  absl::flat_hash_map<const google::protobuf::Descriptor*, MessageRules> rules_;
};

}  // namespace gateway_proxy
