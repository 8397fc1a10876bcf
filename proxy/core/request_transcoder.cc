#include "proxy/core/request_transcoder.h"

#include <charconv>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "proxy/core/json.h"
#include "proxy/core/rpc_status.h"

namespace gateway_proxy {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

template <typename T>
std::string ShortestDecimal(T value) {
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof(buf), value);
  return std::string(buf, result.ptr);
}

// How a bytes value is spelled: standard base64 in a query, the URL-safe
// alphabet (with its padding) in a path segment, where '/' cannot stand.
// grpc-gateway reads either.
enum class Base64Alphabet { kStandard, kUrlSafe };

std::string UrlSafeBase64(absl::string_view bytes) {
  std::string text = absl::WebSafeBase64Escape(bytes);
  text.append((3 - bytes.size() % 3) % 3, '=');
  return text;
}

// The text of one scalar value, as the REST API spells it in a path or a
// query: decimal numbers, true/false, enum names, base64 bytes.
std::string ScalarText(const Message& message, const FieldDescriptor& field, int index,
                       Base64Alphabet alphabet = Base64Alphabet::kStandard) {
  const Reflection& r = *message.GetReflection();
  // The value through Reflection's getter for a singular or a repeated field.
  const auto get = [&](auto singular, auto repeated) {
    return field.is_repeated() ? (r.*repeated)(message, &field, index)
                               : (r.*singular)(message, &field);
  };
  using FD = FieldDescriptor;
  using R = Reflection;
  switch (field.cpp_type()) {
    case FD::CPPTYPE_STRING: {
      std::string value = get(&R::GetString, &R::GetRepeatedString);
      if (field.type() == FD::TYPE_BYTES) {
        return alphabet == Base64Alphabet::kUrlSafe ? UrlSafeBase64(value)
                                                    : absl::Base64Escape(value);
      }
      return value;
    }
    case FD::CPPTYPE_INT32: return absl::StrCat(get(&R::GetInt32, &R::GetRepeatedInt32));
    case FD::CPPTYPE_INT64: return absl::StrCat(get(&R::GetInt64, &R::GetRepeatedInt64));
    case FD::CPPTYPE_UINT32: return absl::StrCat(get(&R::GetUInt32, &R::GetRepeatedUInt32));
    case FD::CPPTYPE_UINT64: return absl::StrCat(get(&R::GetUInt64, &R::GetRepeatedUInt64));
    case FD::CPPTYPE_DOUBLE: return ShortestDecimal(get(&R::GetDouble, &R::GetRepeatedDouble));
    case FD::CPPTYPE_FLOAT: return ShortestDecimal(get(&R::GetFloat, &R::GetRepeatedFloat));
    case FD::CPPTYPE_BOOL: return get(&R::GetBool, &R::GetRepeatedBool) ? "true" : "false";
    case FD::CPPTYPE_ENUM: {
      const int number = get(&R::GetEnumValue, &R::GetRepeatedEnumValue);
      const auto* value = field.enum_type()->FindValueByNumber(number);
      return value != nullptr ? value->name() : absl::StrCat(number);
    }
    case FD::CPPTYPE_MESSAGE:
      break;
  }
  return "";
}

bool IsWellKnownScalarMessage(const google::protobuf::Descriptor& message) {
  static const auto* const kTypes = new absl::flat_hash_set<std::string>{
      "google.protobuf.Timestamp",   "google.protobuf.Duration",
      "google.protobuf.FieldMask",   "google.protobuf.DoubleValue",
      "google.protobuf.FloatValue",  "google.protobuf.Int64Value",
      "google.protobuf.UInt64Value", "google.protobuf.Int32Value",
      "google.protobuf.UInt32Value", "google.protobuf.BoolValue",
      "google.protobuf.StringValue", "google.protobuf.BytesValue",
  };
  return kTypes->contains(message.full_name());
}

// The JSON form of a well-known type that is a single JSON scalar
// ("2026-01-02T03:04:05Z", "3.5s", "role,displayName", 42), as query text.
absl::StatusOr<std::string> WellKnownText(const Message& message,
                                          absl::string_view name) {
  std::string json;
  auto status = PrintJson(message, &json);
  if (!status.ok() || json.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("field ", name, " cannot be written as JSON: ", status.message().ToString()));
  }
  if (json.front() != '"') return json;  // A number or bool, already shortest.
  google::protobuf::Value value;
  status = ParseJson(json, &value);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("field ", name, " cannot be written as JSON: ", status.message().ToString()));
  }
  return value.string_value();
}

void AppendQuery(std::string* query, absl::string_view key, absl::string_view value) {
  if (!query->empty()) query->push_back('&');
  absl::StrAppend(query, PercentEncode(key), "=", PercentEncode(value));
}

struct QueryWriter {
  const FieldRules& rules;
  // Route::not_in_query.
  const absl::flat_hash_set<FieldPath>& not_in_query;
  std::string query;
  // The fields from the request down to the message being written.
  FieldPath at;

  absl::Status Write(const Message& message, const std::string& prefix) {
    std::vector<const FieldDescriptor*> fields;
    message.GetReflection()->ListFields(message, &fields);
    for (const FieldDescriptor* field : fields) {
      at.push_back(field);
      const bool skip = not_in_query.contains(at) || rules.IsOutputOnly(field);
      absl::Status status = skip ? absl::OkStatus() : WriteField(message, field, prefix);
      at.pop_back();
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

  absl::Status WriteField(const Message& message, const FieldDescriptor* field,
                          const std::string& prefix) {
    const std::string name = prefix + field->json_name();
    if (field->is_map()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "map field ", name, " cannot be sent as a query parameter"));
    }
    const Reflection& r = *message.GetReflection();
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      const int count = field->is_repeated() ? r.FieldSize(message, field) : 1;
      for (int i = 0; i < count; ++i) {
        AppendQuery(&query, name, ScalarText(message, *field, i));
      }
      return absl::OkStatus();
    }
    if (IsWellKnownScalarMessage(*field->message_type())) {
      const int count = field->is_repeated() ? r.FieldSize(message, field) : 1;
      for (int i = 0; i < count; ++i) {
        const Message& value = field->is_repeated()
                                   ? r.GetRepeatedMessage(message, field, i)
                                   : r.GetMessage(message, field);
        auto text = WellKnownText(value, name);
        if (!text.ok()) return text.status();
        AppendQuery(&query, name, *text);
      }
      return absl::OkStatus();
    }
    if (field->is_repeated()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "repeated message field ", name, " cannot be sent as a query parameter"));
    }
    return Write(r.GetMessage(message, field), name + ".");
  }
};

bool IsSet(const Message& message, const FieldDescriptor& field) {
  const Reflection& r = *message.GetReflection();
  if (field.is_repeated()) return r.FieldSize(message, &field) > 0;
  if (!r.HasField(message, &field)) return false;
  if (field.cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    return !r.GetString(message, &field).empty();
  }
  return true;
}

// Where a walk stands: the fields from the request down to the message it
// visits, each with its index when repeated (-1 when singular).
using WalkPath = absl::InlinedVector<std::pair<const FieldDescriptor*, int>, 4>;

// The name of `field` of the message at `path`: "user.tags[2].kind".
std::string FieldName(const WalkPath& path, const FieldDescriptor& field) {
  std::string name;
  for (const auto& [step, index] : path) {
    absl::StrAppend(&name, step->name());
    if (index >= 0) absl::StrAppend(&name, "[", index, "]");
    name.push_back('.');
  }
  absl::StrAppend(&name, field.name());
  return name;
}

const Message& Child(const Message& message, const FieldDescriptor* field, int index) {
  const Reflection& r = *message.GetReflection();
  return index < 0 ? r.GetMessage(message, field) : r.GetRepeatedMessage(message, field, index);
}

Message& Child(Message& message, const FieldDescriptor* field, int index) {
  const Reflection& r = *message.GetReflection();
  return index < 0 ? *r.MutableMessage(&message, field)
                   : *r.MutableRepeatedMessage(&message, field, index);
}

// What a walk looks for: the FieldRules::Reach mark of the types that can
// hold it (others are skipped whole), and whether it goes into the messages
// of output-only fields.
struct WalkFor {
  bool FieldRules::Reach::*reach;
  bool into_output_only;
};

// WalkMessages below `message`, whose type can hold what `walk` looks for.
template <typename M, typename Visit>
void WalkFrom(M& message, const FieldRules& rules, WalkFor walk, WalkPath* path,
              const Visit& visit) {
  visit(message, *path);
  const Reflection& r = *message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r.ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || field->is_map() ||
        (!walk.into_output_only && rules.IsOutputOnly(field)) ||
        !(rules.ReachOf(field->message_type()).*walk.reach)) {
      continue;
    }
    const int count = field->is_repeated() ? r.FieldSize(message, field) : 1;
    for (int j = 0; j < count; ++j) {
      path->emplace_back(field, field->is_repeated() ? j : -1);
      WalkFrom(Child(message, field, field->is_repeated() ? j : -1), rules, walk, path, visit);
      path->pop_back();
    }
  }
}

// The one walk of a request's messages: visit(message, path) on `message`,
// then, depth first and in field-number order, on every message held by its
// set fields (maps aside) whose type can hold what `walk` looks for. `M` is
// Message or const Message; visit runs before the walk lists a message's
// fields, so it may clear them.
template <typename M, typename Visit>
void WalkMessages(M& message, const FieldRules& rules, WalkFor walk, const Visit& visit) {
  if (!(rules.ReachOf(message.GetDescriptor()).*walk.reach)) return;
  WalkPath path;
  WalkFrom(message, rules, walk, &path, visit);
}

// REQUIRED fields left unset (an empty string counts as unset), anywhere.
std::vector<std::string> MissingRequired(const Message& request, const FieldRules& rules) {
  std::vector<std::string> missing;
  WalkMessages(request, rules, {&FieldRules::Reach::required, true},
               [&](const Message& message, const WalkPath& at) {
                 const FieldRules::MessageRules* own = rules.ForMessage(message.GetDescriptor());
                 if (own == nullptr) return;
                 for (const FieldDescriptor* field : own->required) {
                   if (!IsSet(message, *field)) missing.push_back(FieldName(at, *field));
                 }
               });
  return missing;
}

// Enum fields set to a number their enum does not define (a client built
// against a newer proto, or a bogus value), output-only fields aside: they
// would go out as bare numbers the REST API does not know. Each as
// "name (number)", its first unknown value.
std::vector<std::string> UnknownEnumValues(const Message& request, const FieldRules& rules) {
  std::vector<std::string> unknown;
  WalkMessages(request, rules, {&FieldRules::Reach::enums, false},
               [&](const Message& message, const WalkPath& at) {
                 const Reflection& r = *message.GetReflection();
                 std::vector<const FieldDescriptor*> fields;
                 r.ListFields(message, &fields);
                 for (const FieldDescriptor* field : fields) {
                   if (field->cpp_type() != FieldDescriptor::CPPTYPE_ENUM ||
                       rules.IsOutputOnly(field)) {
                     continue;
                   }
                   const int count = field->is_repeated() ? r.FieldSize(message, field) : 1;
                   for (int i = 0; i < count; ++i) {
                     const int number = field->is_repeated()
                                            ? r.GetRepeatedEnumValue(message, field, i)
                                            : r.GetEnumValue(message, field);
                     if (field->enum_type()->FindValueByNumber(number) == nullptr) {
                       unknown.push_back(absl::StrCat(FieldName(at, *field), " (", number, ")"));
                       break;
                     }
                   }
                 }
               });
  return unknown;
}

// Output-only fields cleared, anywhere: the REST API must never see them.
void ClearOutputOnly(Message* body, const FieldRules& rules) {
  WalkMessages(*body, rules, {&FieldRules::Reach::output_only, true},
               [&](Message& message, const WalkPath&) {
                 const FieldRules::MessageRules* own = rules.ForMessage(message.GetDescriptor());
                 if (own == nullptr) return;
                 for (const FieldDescriptor* field : own->output_only) {
                   message.GetReflection()->ClearField(&message, field);
                 }
               });
}

// The message holding the last field of `path` within `root`, or null when
// an intermediate message is unset.
const Message* Holder(const Message& root, const FieldPath& path) {
  const Message* current = &root;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    if (!current->GetReflection()->HasField(*current, path[i])) return nullptr;
    current = &current->GetReflection()->GetMessage(*current, path[i]);
  }
  return current;
}

// Route::resource_name_field of `body` filled from the path, or checked
// against it.
absl::Status FillResourceName(const Route& route, absl::Span<const std::string> values,
                              Message* body) {
  const FieldDescriptor* name = route.resource_name_field;
  // "/v1/accounts/acme/users/alice" -> "accounts/acme/users/alice".
  const std::string rendered = route.path.Render(values);
  const size_t second_slash = rendered.find('/', 1);
  if (second_slash == std::string::npos) return absl::OkStatus();
  const std::string expected = rendered.substr(second_slash + 1);
  const Reflection& r = *body->GetReflection();
  std::string scratch;
  const std::string& current = r.GetStringReference(*body, name, &scratch);
  if (current.empty()) {
    r.SetString(body, name, expected);
    return absl::OkStatus();
  }
  if (current != expected) {
    const std::string field = absl::StrCat(route.body_field->name(), ".name");
    google::rpc::BadRequest bad_request;
    auto* violation = bad_request.add_field_violations();
    violation->set_field(field);
    violation->set_description(
        absl::StrCat("must be \"", expected, "\", the resource the request path names"));
    return StatusWithDetails(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat(field, " \"", current, "\" does not match the request path (\"",
                     expected, "\")"),
        {PackAny(bad_request)});
  }
  return absl::OkStatus();
}

// The JSON value of one top-level field of `message` ("\"text\"", "[1,2]"),
// or "" when it is unset.
absl::StatusOr<std::string> FieldJson(const Message& message,
                                      const FieldDescriptor& field) {
  std::unique_ptr<Message> only(message.New());
  only->CopyFrom(message);
  const google::protobuf::Descriptor& type = *message.GetDescriptor();
  for (int i = 0; i < type.field_count(); ++i) {
    if (type.field(i) != &field) only->GetReflection()->ClearField(only.get(), type.field(i));
  }
  std::string object;
  google::protobuf::Struct parsed;
  auto status = PrintJson(*only, &object);
  if (status.ok()) status = ParseJson(object, &parsed);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "field ", field.name(), " cannot be written as JSON: ", status.message().ToString()));
  }
  auto it = parsed.fields().find(field.json_name());
  if (it == parsed.fields().end()) return std::string();
  std::string value;
  status = PrintJson(it->second, &value);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "field ", field.name(), " cannot be written as JSON: ", status.message().ToString()));
  }
  return value;
}

// INVALID_ARGUMENT `message` with a BadRequest holding one violation, with
// `description`, for each of `fields`.
absl::Status InvalidFields(absl::string_view message, const std::vector<std::string>& fields,
                           absl::string_view description) {
  google::rpc::BadRequest bad_request;
  for (const std::string& field : fields) {
    auto* violation = bad_request.add_field_violations();
    violation->set_field(field);
    violation->set_description(std::string(description));
  }
  return StatusWithDetails(absl::StatusCode::kInvalidArgument, message,
                           {PackAny(bad_request)});
}

// 1. Every REQUIRED field, then every unknown enum value, reported together.
absl::Status CheckRequest(const Route& route, const Message& request) {
  const std::vector<std::string> missing = MissingRequired(request, route.request_rules);
  if (!missing.empty()) {
    return InvalidFields(
        absl::StrCat("missing required field", missing.size() > 1 ? "s" : "", ": ",
                     absl::StrJoin(missing, ", ")),
        missing, "required field is missing");
  }
  const std::vector<std::string> unknown_enums = UnknownEnumValues(request, route.request_rules);
  if (!unknown_enums.empty()) {
    std::vector<std::string> fields;
    for (const std::string& entry : unknown_enums) {
      fields.push_back(entry.substr(0, entry.find(' ')));  // "genres (7)" -> "genres"
    }
    return InvalidFields(absl::StrCat("unknown enum value in ", absl::StrJoin(unknown_enums, ", ")),
                         fields, "not a value of the field's enum");
  }
  return absl::OkStatus();
}

// 2. The path: the text of each field the template binds (in `values`,
// which the body step reuses).
absl::StatusOr<std::string> RequestPath(const Route& route, const Message& request,
                                        std::vector<std::string>* values) {
  values->reserve(route.path_fields.size());
  for (const FieldPath& path : route.path_fields) {
    const Message* holder = Holder(request, path);
    values->push_back(holder == nullptr
                          ? ""
                          : ScalarText(*holder, *path.back(), 0, Base64Alphabet::kUrlSafe));
  }
  return route.path.Expand(*values);
}

// The message whose JSON is the body: a copy of the whole request without
// the fields the path took, or of the body field's message (its resource
// name filled for PATCH and PUT). Null when there is none.
absl::StatusOr<std::unique_ptr<Message>> BodyMessage(const Route& route, const Message& request,
                                                     absl::Span<const std::string> values) {
  std::unique_ptr<Message> body;
  if (route.body_is_whole_message) {
    body.reset(request.New());
    body->CopyFrom(request);
    for (const FieldPath& path : route.path_fields) {
      Message* holder = body.get();
      for (size_t i = 0; holder != nullptr && i + 1 < path.size(); ++i) {
        const Reflection& r = *holder->GetReflection();
        holder = r.HasField(*holder, path[i]) ? r.MutableMessage(holder, path[i]) : nullptr;
      }
      if (holder != nullptr) holder->GetReflection()->ClearField(holder, path.back());
    }
  } else {
    const Message& field = request.GetReflection()->GetMessage(request, route.body_field);
    body.reset(field.New());
    body->CopyFrom(field);
    if (route.resource_name_field != nullptr) {
      absl::Status status = FillResourceName(route, values, body.get());
      if (!status.ok()) return status;
    }
  }
  ClearOutputOnly(body.get(), route.request_rules);
  return body;
}

// 3. The body: the JSON of BodyMessage(), or of a scalar or repeated body
// field's value alone; empty without a body rule.
absl::StatusOr<std::string> RequestBody(const Route& route, const Message& request,
                                        absl::Span<const std::string> values) {
  if (!route.body_is_whole_message && route.body_field == nullptr) return std::string();
  if (!route.body_is_whole_message) {
    if (route.body_field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
        route.body_field->is_repeated()) {
      return FieldJson(request, *route.body_field);
    }
  }
  auto body = BodyMessage(route, request, values);
  if (!body.ok()) return body.status();
  std::string json;
  auto status = PrintJson(**body, &json, google::protobuf::util::JsonPrintOptions());
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("request body cannot be written as JSON: ", status.message().ToString()));
  }
  return json;
}

// 4. The query: whatever is bound to neither, unless the body took it all;
// appended to `path`, whose whole length is then checked.
absl::Status AppendQuery(const Route& route, const Message& request, std::string* path) {
  if (!route.body_is_whole_message) {
    QueryWriter writer{route.request_rules, route.not_in_query, "", {}};
    absl::Status status = writer.Write(request, "");
    if (!status.ok()) return status;
    if (!writer.query.empty()) absl::StrAppend(path, "?", writer.query);
  }
  if (path->size() > kMaxRequestTargetBytes) {
    // Servers refuse long request lines (nginx at 8 KiB by default) with an
    // opaque 414; the caller learns here which part grew.
    return absl::InvalidArgumentError(absl::StrCat(
        "the request URL would be ", path->size(), " bytes, over the limit of ",
        kMaxRequestTargetBytes, "; path values or query fields (repeated fields, "
        "FieldMask paths) are too long"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<HttpRequest> TranscodeRequest(const Route& route, const Message& request) {
  if (absl::Status status = CheckRequest(route, request); !status.ok()) return status;
  std::vector<std::string> values;
  auto path = RequestPath(route, request, &values);
  if (!path.ok()) return path.status();
  auto body = RequestBody(route, request, values);
  if (!body.ok()) return body.status();
  HttpRequest out;
  out.method = route.http_method;
  out.path = *std::move(path);
  out.body = *std::move(body);
  if (absl::Status status = AppendQuery(route, request, &out.path); !status.ok()) {
    return status;
  }
  return out;
}

}  // namespace gateway_proxy
