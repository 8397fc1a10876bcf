#include "user_update.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/api/field_behavior.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "google/rpc/error_details.pb.h"
#include "proxy/core/rpc_status.h"
#include "user_store.h"

namespace gateway_proxy::mock_gateway {
namespace {

using google::protobuf::FieldDescriptor;

constexpr int kMaxDisplayNameChars = 63;  // "fewer than 64 characters"

absl::Status BadRequest(absl::string_view message, absl::string_view field,
                        absl::string_view description) {
  google::rpc::BadRequest bad;
  auto* violation = bad.add_field_violations();
  violation->set_field(std::string(field));
  violation->set_description(std::string(description));
  return StatusWithDetails(absl::StatusCode::kInvalidArgument, message,
                           {PackAny(bad)});
}

bool IsOutputOnly(const FieldDescriptor& field) {
  const auto& options = field.options();
  for (int i = 0; i < options.ExtensionSize(google::api::field_behavior); ++i) {
    if (options.GetExtension(google::api::field_behavior, i) ==
        google::api::OUTPUT_ONLY) {
      return true;
    }
  }
  return false;
}

// Whether a PATCH may change `field`: "name" identifies the user and the
// output-only fields belong to the server.
bool IsWritable(const FieldDescriptor& field) {
  return field.number() != gateway::User::kNameFieldNumber &&
         !IsOutputOnly(field);
}

// The top-level User field `name` names, in either spelling, or nullptr.
const FieldDescriptor* FindUserField(absl::string_view name) {
  const auto* descriptor = gateway::User::descriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (field->name() == name || field->json_name() == name) return field;
  }
  return nullptr;
}

absl::StatusOr<std::optional<std::vector<const FieldDescriptor*>>> ParseMask(
    const std::vector<std::string>& values) {
  bool any_path = false;
  std::vector<const FieldDescriptor*> fields;
  for (const std::string& value : values) {
    for (absl::string_view path :
         absl::StrSplit(value, ',', absl::SkipWhitespace())) {
      path = absl::StripAsciiWhitespace(path);
      any_path = true;
      // "status.code" and the like: only output-only messages have subfields.
      std::vector<absl::string_view> segments = absl::StrSplit(path, '.');
      const FieldDescriptor* field = FindUserField(segments[0]);
      const bool valid =
          field != nullptr &&
          (segments.size() == 1 ||
           (field->message_type() != nullptr && !IsWritable(*field)));
      if (!valid) {
        return BadRequest(
            absl::StrCat("update_mask: unknown field \"", path,
                         "\" of gateway.User"),
            "update_mask",
            absl::StrCat("\"", path, "\" is not a field of gateway.User"));
      }
      if (IsWritable(*field) &&
          std::find(fields.begin(), fields.end(), field) == fields.end()) {
        fields.push_back(field);
      }
    }
  }
  if (!any_path) return std::nullopt;
  return fields;
}

// Code points in the UTF-8 string `text` (bytes that do not continue one).
size_t CharCount(absl::string_view text) {
  return std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  });
}

// The rules every written user obeys: a valid role, a short display name.
absl::Status ValidateFields(const gateway::User& user) {
  if (!user.has_role()) {
    return BadRequest("user.role is required", "user.role",
                      "required field is missing");
  }
  if (std::find(std::begin(kRoles), std::end(kRoles), user.role()) ==
      std::end(kRoles)) {
    return BadRequest(
        absl::StrCat("user.role \"", user.role(), "\" is not a valid role"),
        "user.role",
        absl::StrCat("must be one of ", absl::StrJoin(kRoles, ", ")));
  }
  if (user.has_display_name()) {
    const size_t chars = CharCount(user.display_name());
    if (chars > kMaxDisplayNameChars) {
      return BadRequest(
          "user.display_name must be fewer than 64 characters",
          "user.display_name",
          absl::StrCat("is ", chars, " characters long; the limit is ",
                       kMaxDisplayNameChars));
    }
  }
  return absl::OkStatus();
}

// The JSON request body `body` as a gateway.User.
absl::StatusOr<gateway::User> ParseBody(absl::string_view body) {
  if (absl::StripAsciiWhitespace(body).empty()) {
    return absl::InvalidArgumentError(
        "invalid request body: empty; expected a JSON gateway.User");
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  gateway::User user;
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      std::string(body), &user, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid request body: ", parsed.message().as_string()));
  }
  return user;
}

// Copies `field` from `from` to `to`, or clears it in `to` when `from` lacks
// it. REQUIRES: `field` is a singular scalar or string field of User.
void CopyField(const gateway::User& from, const FieldDescriptor& field,
               gateway::User& to) {
  const auto* reflection = gateway::User::GetReflection();
  if (!reflection->HasField(from, &field)) {
    reflection->ClearField(&to, &field);
    return;
  }
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      reflection->SetString(&to, &field, reflection->GetString(from, &field));
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      reflection->SetBool(&to, &field, reflection->GetBool(from, &field));
      break;
    default:
      // gateway.User has no other writable field types; a new one needs a
      // case here (the unit tests cover every writable field).
      reflection->ClearField(&to, &field);
      break;
  }
}

}  // namespace

absl::StatusOr<UserUpdate> ParseUserUpdate(
    absl::string_view account_id, absl::string_view user_id,
    const std::vector<std::string>& update_mask, absl::string_view body) {
  UserUpdate update;
  auto mask = ParseMask(update_mask);
  if (!mask.ok()) return mask.status();
  update.mask = *std::move(mask);

  auto user = ParseBody(body);
  if (!user.ok()) return user.status();
  update.body = *std::move(user);
  const std::string name = UserName(account_id, user_id);
  if (!update.body.name().empty() && update.body.name() != name) {
    return BadRequest(
        absl::StrCat("user.name \"", update.body.name(),
                     "\" does not match the request path's ", name),
        "user.name", absl::StrCat("must be empty or \"", name, "\""));
  }
  if (auto status = ValidateFields(update.body); !status.ok()) return status;
  return update;
}

absl::StatusOr<UserUpdate> ParseUserCreate(absl::string_view body) {
  UserUpdate create;
  auto user = ParseBody(body);
  if (!user.ok()) return user.status();
  create.body = *std::move(user);
  if (auto status = ValidateFields(create.body); !status.ok()) return status;
  return create;
}

absl::StatusOr<gateway::User> ApplyUserUpdate(const gateway::User& stored,
                                              const UserUpdate& update,
                                              absl::string_view account_id,
                                              absl::string_view user_id,
                                              absl::Time now) {
  std::vector<const FieldDescriptor*> fields;
  if (update.mask.has_value()) {
    fields = *update.mask;
  } else {
    gateway::User::GetReflection()->ListFields(update.body, &fields);
    fields.erase(std::remove_if(fields.begin(), fields.end(),
                                [](const FieldDescriptor* field) {
                                  return !IsWritable(*field);
                                }),
                 fields.end());
  }

  gateway::User user = stored;
  bool sets_preset = false;
  for (const FieldDescriptor* field : fields) {
    CopyField(update.body, *field, user);
    if (field->number() == gateway::User::kPermissionPresetFieldNumber) {
      sets_preset = update.body.has_permission_preset();
    }
  }
  if (user.role() != "custom") {
    if (sets_preset) {
      const std::string name = UserName(account_id, user_id);
      google::rpc::PreconditionFailure failure;
      auto* violation = failure.add_violations();
      violation->set_type("ROLE");
      violation->set_subject(name);
      violation->set_description(absl::StrCat(
          "permission_preset applies only to role \"custom\"; the role is \"",
          user.role(), "\""));
      return StatusWithDetails(
          absl::StatusCode::kFailedPrecondition,
          absl::StrCat(
              "user.permission_preset requires role \"custom\", not \"",
              user.role(), "\""),
          {PackAny(failure)});
    }
    user.clear_permission_preset();
  }

  user.set_name(UserName(account_id, user_id));
  user.set_state(gateway::User::READY);
  *user.mutable_update_time() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
          absl::ToUnixNanos(now));
  return user;
}

}  // namespace gateway_proxy::mock_gateway
