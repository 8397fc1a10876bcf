#include "proxy/edge/redaction.h"

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/rpc/status.pb.h"
#include "proxy/core/rpc_status.h"

namespace gateway_proxy {
namespace {

using google::protobuf::Any;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

void RedactString(absl::string_view secret, std::string* text) {
  if (ContainsSecret(*text, secret)) *text = RedactText(*text, secret);
}

void RedactField(absl::string_view secret, const FieldDescriptor& field, Message* message) {
  const google::protobuf::Reflection& r = *message->GetReflection();
  const int count = field.is_repeated() ? r.FieldSize(*message, &field) : 1;
  for (int i = 0; i < count; ++i) {
    if (field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      RedactMessage(secret, field.is_repeated() ? r.MutableRepeatedMessage(message, &field, i)
                                                : r.MutableMessage(message, &field));
      continue;
    }
    if (field.cpp_type() != FieldDescriptor::CPPTYPE_STRING) continue;
    std::string value = field.is_repeated() ? r.GetRepeatedString(*message, &field, i)
                                            : r.GetString(*message, &field);
    if (!ContainsSecret(value, secret)) continue;
    if (field.type() == FieldDescriptor::TYPE_BYTES) {
      // Bytes may be a serialized message (Any.value): editing them in place
      // would corrupt it, so they go.
      value.clear();
    } else {
      value = RedactText(value, secret);
    }
    if (field.is_repeated()) {
      r.SetRepeatedString(message, &field, i, std::move(value));
    } else {
      r.SetString(message, &field, std::move(value));
    }
  }
}

// `any` with `secret` redacted, or nullopt when it cannot be.
std::optional<Any> RedactAny(absl::string_view secret, const Any& any,
                             const google::protobuf::DescriptorPool& pool) {
  const size_t slash = any.type_url().rfind('/');
  const std::string type_name =
      slash == std::string::npos ? any.type_url() : any.type_url().substr(slash + 1);
  const google::protobuf::Descriptor* type = pool.FindMessageTypeByName(type_name);
  if (type == nullptr || ContainsSecret(any.type_url(), secret)) return std::nullopt;
  google::protobuf::DynamicMessageFactory factory(&pool);
  std::unique_ptr<Message> detail(factory.GetPrototype(type)->New());
  if (!detail->ParseFromString(any.value())) return std::nullopt;
  RedactMessage(secret, detail.get());
  Any redacted;
  redacted.set_type_url(any.type_url());
  if (!detail->SerializeToString(redacted.mutable_value()) ||
      ContainsSecret(redacted.value(), secret)) {
    return std::nullopt;
  }
  return redacted;
}

}  // namespace

bool ContainsSecret(absl::string_view bytes, absl::string_view secret) {
  return !secret.empty() && absl::StrContains(bytes, secret);
}

std::string RedactText(absl::string_view text, absl::string_view secret) {
  if (secret.empty()) return std::string(text);
  return absl::StrReplaceAll(text, {{secret, kRedacted}});
}

void RedactResponse(absl::string_view secret, HttpResponse* response) {
  RedactString(secret, &response->body);
  for (auto& [name, value] : response->headers) RedactString(secret, &value);
}

void RedactMessage(absl::string_view secret, Message* message) {
  const google::protobuf::Reflection& r = *message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r.ListFields(*message, &fields);
  for (const FieldDescriptor* field : fields) RedactField(secret, *field, message);
  if (ContainsSecret(message->SerializeAsString(), secret)) message->DiscardUnknownFields();
}

absl::Status RedactStatus(const absl::Status& status, absl::string_view secret,
                          const google::protobuf::DescriptorPool& pool) {
  if (status.ok() || secret.empty()) return status;
  const std::string message = RedactText(status.message(), secret);
  if (!status.GetPayload(kRpcStatusPayloadUrl).has_value()) {
    return absl::Status(status.code(), message);
  }
  const google::rpc::Status rpc = ToRpcStatus(status);
  std::vector<Any> details;
  for (const Any& any : rpc.details()) {
    if (!ContainsSecret(any.type_url(), secret) && !ContainsSecret(any.value(), secret)) {
      details.push_back(any);
    } else if (std::optional<Any> redacted = RedactAny(secret, any, pool)) {
      details.push_back(*std::move(redacted));
    }
  }
  return StatusWithDetails(status.code(), message, std::move(details));
}

}  // namespace gateway_proxy
