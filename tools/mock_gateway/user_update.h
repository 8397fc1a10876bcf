// The rules of the Gateway's Update User call, as pure functions: parsing
// and validating one PATCH /v1/accounts/{account_id}/users/{user_id}, then
// merging it into the stored user. Create User's body follows the same
// rules (ParseUserCreate(), then ApplyUserUpdate() to an empty user).
//
//   PATCH /v1/accounts/acme/users/alice?updateMask=displayName
//   {"role": "admin", "displayName": "Alice Liddell", "email": "x@y"}
//
//   auto update = ParseUserUpdate("acme", "alice", {"displayName"}, body);
//   auto user = ApplyUserUpdate(stored, *update, "acme", "alice", now);
//   // Only display_name changed (the mask names it alone); update_time is
//   // now, state READY, name "accounts/acme/users/alice".
//
// Errors are absl::Status values carrying google.rpc details (rpc_status.h):
//   - body not JSON, or a field gateway.User does not have
//       INVALID_ARGUMENT "invalid request body: ..."
//   - updateMask names a field gateway.User does not have
//       INVALID_ARGUMENT, BadRequest field "update_mask"
//   - body "name" set and not accounts/{a}/users/{u}
//       INVALID_ARGUMENT, BadRequest field "user.name"
//   - no "role"                INVALID_ARGUMENT, BadRequest field "user.role"
//   - role not one of admin, user, contributor, inference-user, custom
//                              INVALID_ARGUMENT, BadRequest field "user.role"
//   - displayName of 64 or more characters (Unicode code points)
//                              INVALID_ARGUMENT, BadRequest field
//                              "user.display_name"
//   - permissionPreset applied while the resulting role is not "custom"
//                              FAILED_PRECONDITION, PreconditionFailure
//                              type "ROLE", subject the user's name
//
// Output-only fields (annotated OUTPUT_ONLY in gateway.proto: createTime,
// state, status, updateTime) and "name" are accepted in the body and the
// mask and ignored, as AIP-134 asks. `serviceAccount` is applied as sent:
// the mock has no notion of who the caller is, so "only admins" is not
// enforced.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/gateway.pb.h"
#include "google/protobuf/descriptor.h"

namespace gateway_proxy::mock_gateway {

// The roles the Gateway accepts.
inline constexpr absl::string_view kRoles[] = {"admin", "user", "contributor",
                                               "inference-user", "custom"};

// One parsed and validated PATCH.
struct UserUpdate {
  // The request body.
  gateway::User body;
  // The writable gateway.User fields named by updateMask, in mask order
  // without duplicates; nullopt when the request had no (or an empty)
  // updateMask, meaning "every field present in the body".
  std::optional<std::vector<const google::protobuf::FieldDescriptor*>> mask;
};

// Parses and validates a PATCH of accounts/{account_id}/users/{user_id}.
// `update_mask` holds the values of every updateMask query parameter, each a
// comma-separated list of field paths in lowerCamel ("displayName") or
// snake ("display_name") case; `body` is the JSON request body.
absl::StatusOr<UserUpdate> ParseUserUpdate(
    absl::string_view account_id, absl::string_view user_id,
    const std::vector<std::string>& update_mask, absl::string_view body);

// Parses and validates the JSON body of a Create User POST: the rules above
// without an update mask, and "name" ignored like the output-only fields
// (the new user's name comes from the path and the id, AIP-133). The
// result, applied to an empty gateway::User by ApplyUserUpdate(), is the
// new user, permission preset rule included.
absl::StatusOr<UserUpdate> ParseUserCreate(absl::string_view body);

// `stored` with `update` applied at `now`: each writable field in the mask
// (or, without one, each writable field present in the body) is copied from
// the body, or cleared when the body lacks it. The result is named
// accounts/{account_id}/users/{user_id}, READY, and updated at `now`. When
// its role is not "custom" a stored permission preset is dropped; setting
// one then is FAILED_PRECONDITION.
absl::StatusOr<gateway::User> ApplyUserUpdate(const gateway::User& stored,
                                              const UserUpdate& update,
                                              absl::string_view account_id,
                                              absl::string_view user_id,
                                              absl::Time now);

}  // namespace gateway_proxy::mock_gateway
