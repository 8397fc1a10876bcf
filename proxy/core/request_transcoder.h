// Turns a gRPC request message into the REST request its route names: the
// path template expanded and percent-encoded, the body as JSON through
// protobuf's JSON util, every other set field as a query parameter.
//
//   UpdateUserRequest{account_id: "acme", user_id: "alice",
//                     user: {role: "admin", service_account: false,
//                            create_time: ...},
//                     update_mask: {paths: ["role", "service_account"]}}
//   -> PATCH /v1/accounts/acme/users/alice?updateMask=role%2CserviceAccount
//      {"name":"accounts/acme/users/alice","serviceAccount":false,"role":"admin"}
//
// Request hygiene, from the annotations alone (no code per method):
//  - google.api.field_behavior REQUIRED fields that are unset (or an empty
//    string) are INVALID_ARGUMENT with a google.rpc.BadRequest listing every
//    one ("user.role"); nothing is sent.
//  - OUTPUT_ONLY fields are never sent, in the body or the query.
//  - An enum field set to a number its enum does not define is
//    INVALID_ARGUMENT ("unknown enum value in genres (7)"), BadRequest.
//  - AIP-134 updates: for a PATCH or PUT whose body field is a message with a
//    string `name`, an empty name is filled with the resource name the path
//    spells ("accounts/acme/users/alice", the path less its version segment)
//    and a different name is INVALID_ARGUMENT.
// Query parameters use the JSON (lowerCamel) names; nested messages get
// dotted names, repeated fields repeat the key, enums are names, FieldMask,
// Timestamp, Duration and wrappers take their JSON forms, int64 is decimal.
//
// A URL (path and query) over kMaxRequestTargetBytes is INVALID_ARGUMENT:
// no upstream accepts such a request line, and its 414 would not say why.
//
// Pure; thread-safe.
#pragma once

#include <cstddef>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "proxy/core/http_types.h"
#include "proxy/core/route_table.h"

namespace gateway_proxy {

// The longest path-and-query a request may have.
inline constexpr size_t kMaxRequestTargetBytes = 8192;

// The REST request for `request` (a message of route.method's input type).
// Headers are left to the caller. INVALID_ARGUMENT, naming the field, for
// anything that cannot be sent as asked.
absl::StatusOr<HttpRequest> TranscodeRequest(const Route& route,
                                             const google::protobuf::Message& request);

}  // namespace gateway_proxy
