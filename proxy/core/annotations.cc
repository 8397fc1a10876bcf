#include "proxy/core/annotations.h"

#include "google/api/annotations.pb.h"
#include "google/protobuf/descriptor.pb.h"

namespace gateway_proxy {
namespace {

// `options` re-parsed through its generated type, extensions included.
template <typename Options>
Options Reparsed(const Options& options) {
  Options reparsed;
  reparsed.ParseFromString(options.SerializeAsString());
  return reparsed;
}

}  // namespace

std::optional<google::api::HttpRule> HttpRuleOf(const google::protobuf::MethodDescriptor& method) {
  const google::protobuf::MethodOptions options = Reparsed(method.options());
  if (!options.HasExtension(google::api::http)) return std::nullopt;
  return options.GetExtension(google::api::http);
}

std::vector<google::api::FieldBehavior> FieldBehaviorsOf(
    const google::protobuf::FieldDescriptor& field) {
  const google::protobuf::FieldOptions options = Reparsed(field.options());
  std::vector<google::api::FieldBehavior> behaviors;
  for (int i = 0; i < options.ExtensionSize(google::api::field_behavior); ++i) {
    behaviors.push_back(options.GetExtension(google::api::field_behavior, i));
  }
  return behaviors;
}

}  // namespace gateway_proxy
