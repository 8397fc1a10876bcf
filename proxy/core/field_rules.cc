#include "proxy/core/field_rules.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "google/api/field_behavior.pb.h"
#include "proxy/core/annotations.h"

namespace gateway_proxy {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

FieldRules FieldRules::Build(const Descriptor& root) {
  FieldRules result;
  absl::flat_hash_set<const Descriptor*> seen;
  std::vector<const Descriptor*> pending = {&root};
  while (!pending.empty()) {
    const Descriptor* message = pending.back();
    pending.pop_back();
    if (!seen.insert(message).second) continue;
    MessageRules rules;
    for (int i = 0; i < message->field_count(); ++i) {
      const FieldDescriptor* field = message->field(i);
      const std::vector<google::api::FieldBehavior> behaviors = FieldBehaviorsOf(*field);
      auto has = [&](google::api::FieldBehavior b) {
        return std::find(behaviors.begin(), behaviors.end(), b) != behaviors.end();
      };
      if (has(google::api::REQUIRED)) rules.required.push_back(field);
      if (has(google::api::OUTPUT_ONLY)) {
        rules.output_only.push_back(field);
        result.output_only_.insert(field);
      }
      if (field->message_type() != nullptr) pending.push_back(field->message_type());
    }
    result.reach_[message] = Reach{!rules.required.empty(), !rules.output_only.empty(), false};
    if (!rules.required.empty() || !rules.output_only.empty()) {
      result.rules_.emplace(message, std::move(rules));
    }
  }
  result.SpreadReach();
  return result;
}

// Adds to each type's own reach what its enum fields and the types its
// fields hold reach, until nothing changes (types may be recursive).
void FieldRules::SpreadReach() {
  for (auto& [message, reach] : reach_) {
    for (int i = 0; i < message->field_count(); ++i) {
      const FieldDescriptor* field = message->field(i);
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_ENUM && !IsOutputOnly(field)) {
        reach.enums = true;
      }
    }
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (auto& [message, reach] : reach_) {
      for (int i = 0; i < message->field_count(); ++i) {
        const FieldDescriptor* field = message->field(i);
        if (field->message_type() == nullptr || field->is_map()) continue;
        const Reach child = reach_.at(field->message_type());
        const Reach merged{reach.required || child.required,
                           reach.output_only || child.output_only,
                           reach.enums || (child.enums && !IsOutputOnly(field))};
        if (merged.required != reach.required || merged.output_only != reach.output_only ||
            merged.enums != reach.enums) {
          reach = merged;
          changed = true;
        }
      }
    }
  }
}

FieldRules::Reach FieldRules::ReachOf(const Descriptor* message) const {
  auto it = reach_.find(message);
  return it == reach_.end() ? Reach() : it->second;
}

const FieldRules::MessageRules* FieldRules::ForMessage(const Descriptor* message) const {
  auto it = rules_.find(message);
  return it == rules_.end() ? nullptr : &it->second;
}

bool FieldRules::IsOutputOnly(const FieldDescriptor* field) const {
  return output_only_.contains(field);
}

}  // namespace gateway_proxy
