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
#include "absl/container/flat_hash_set.h"
#include "google/protobuf/descriptor.h"

namespace gateway_proxy {

class FieldRules {
 public:
  struct MessageRules {
    std::vector<const google::protobuf::FieldDescriptor*> required;
    std::vector<const google::protobuf::FieldDescriptor*> output_only;
  };

  // What a walk of a message can find in it and in the messages its fields
  // hold (maps aside): a required field; an output-only field; an enum
  // field that is not output-only, reached through fields that are not.
  // A walk skips the types that cannot matter to it.
  struct Reach {
    bool required = false;
    bool output_only = false;
    bool enums = false;
  };

  // Rules for `root` and every message type reachable from it.
  static FieldRules Build(const google::protobuf::Descriptor& root);

  // The rules of `message`, or null when none of its fields has any.
  const MessageRules* ForMessage(const google::protobuf::Descriptor* message) const;

  bool IsOutputOnly(const google::protobuf::FieldDescriptor* field) const;

  // The reach of `message`, a type the root reaches; nothing for any other.
  Reach ReachOf(const google::protobuf::Descriptor* message) const;

 private:
  void SpreadReach();

  absl::flat_hash_map<const google::protobuf::Descriptor*, MessageRules> rules_;
  // Every output-only field of those types, for IsOutputOnly.
  absl::flat_hash_set<const google::protobuf::FieldDescriptor*> output_only_;
  // Every type the root reaches.
  absl::flat_hash_map<const google::protobuf::Descriptor*, Reach> reach_;
};

}  // namespace gateway_proxy
