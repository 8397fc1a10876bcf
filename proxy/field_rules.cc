#include "field_rules.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "google/api/field_behavior.pb.h"
#include "google/protobuf/descriptor.pb.h"

namespace gateway_proxy {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

// Options are re-parsed through the generated FieldOptions so that fields of
// a descriptor set (a dynamic pool) read the same way as compiled-in ones.
std::vector<int> Behaviors(const FieldDescriptor& field) {
  google::protobuf::FieldOptions options;
  options.ParseFromString(field.options().SerializeAsString());
  std::vector<int> out;
  for (int i = 0; i < options.ExtensionSize(google::api::field_behavior); ++i) {
    out.push_back(options.GetExtension(google::api::field_behavior, i));
  }
  return out;
}

}  // namespace

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
      const std::vector<int> behaviors = Behaviors(*field);
      auto has = [&](int b) {
        return std::find(behaviors.begin(), behaviors.end(), b) != behaviors.end();
      };
      if (has(google::api::REQUIRED)) rules.required.push_back(field);
      if (has(google::api::OUTPUT_ONLY)) rules.output_only.push_back(field);
      if (field->message_type() != nullptr) pending.push_back(field->message_type());
    }
    if (!rules.required.empty() || !rules.output_only.empty()) {
      result.rules_.emplace(message, std::move(rules));
    }
  }
  return result;
}

const FieldRules::MessageRules* FieldRules::ForMessage(const Descriptor* message) const {
  auto it = rules_.find(message);
  return it == rules_.end() ? nullptr : &it->second;
}

bool FieldRules::IsOutputOnly(const FieldDescriptor* field) const {
  const MessageRules* rules = ForMessage(field->containing_type());
  return rules != nullptr && std::find(rules->output_only.begin(),
                                       rules->output_only.end(),
                                       field) != rules->output_only.end();
}

}  // namespace gateway_proxy
