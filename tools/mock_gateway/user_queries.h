// The read side of the mock's User API, as pure functions: readMask,
// ListUsers' filter, ordering and pages, and new user ids.
//
//   GET /v1/accounts/acme/users?pageSize=2&filter=role%20%3D%20%22admin%22
//       &orderBy=display_name%20desc&readMask=name,role
//   auto query = ParseListQuery({{"pageSize","2"}, {"filter","role =
//   \"admin\""},
//                                {"orderBy","display_name desc"},
//                                {"readMask","name,role"}});
//   auto page = ListPage(users, *query);  // users, nextPageToken, totalSize
//
// Rules:
//  - readMask: comma-separated paths (lowerCamel or snake_case, the key may
//    repeat) naming gateway.User fields; only those fields are returned. An
//    unknown path is INVALID_ARGUMENT, BadRequest field "read_mask".
//  - pageSize: default 50, at most 200 (larger values are capped, AIP-158);
//    negative or not a number is INVALID_ARGUMENT ("page_size").
//  - filter (an AIP-160 subset): terms `field = value` joined by AND
//    (uppercase, between whitespace), where field is role, email,
//    display_name, state or service_account (snake or lowerCamel) and value
//    a "quoted string" (\" and \\ escape) or a bare word without spaces.
//    Strings compare exactly (no wildcards; an unset one is ""), state takes
//    an enum name (READY), service_account true or false. Anything else is
//    INVALID_ARGUMENT ("filter"): OR, NOT, -, parentheses, any operator but
//    = (!=, <, :, ...), lowercase and, another field, another state, e.g.
//      unsupported filter term "role != \"admin\"": expected field = value
//      cannot filter on "name"
//      state "DONE" is not one of STATE_UNSPECIFIED, CREATING, READY, ...
//  - orderBy: comma-separated `field [asc|desc]` with field name,
//    display_name, email or create_time; default name ascending; ties keep
//    name order. Anything else is INVALID_ARGUMENT ("order_by").
//  - pageToken: opaque; it encodes the offset and the query it belongs to. A
//    token that does not decode, or comes from another filter/orderBy, is
//    INVALID_ARGUMENT ("page_token"). The last page has no nextPageToken.
//  - totalSize counts every user the filter matches, over all pages.
//  - New user ids (CreateUser's userId) match [a-z0-9][a-z0-9-]{0,62}.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/gateway.pb.h"
#include "google/protobuf/field_mask.pb.h"

namespace gateway_proxy::mock_gateway {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// The read mask from every readMask/read_mask parameter; empty for none.
absl::StatusOr<google::protobuf::FieldMask> ParseReadMask(
    const QueryParams& query);

// `user` with only the fields of `mask` (all of them when it is empty).
gateway::User ApplyReadMask(const gateway::User& user,
                            const google::protobuf::FieldMask& mask);

struct ListQuery {
  int page_size = 50;
  int offset = 0;
  std::string filter;
  std::string order_by;
  google::protobuf::FieldMask read_mask;
};

absl::StatusOr<ListQuery> ParseListQuery(const QueryParams& query);

// OK, or the INVALID_ARGUMENT ListPage() would answer for `query`'s filter
// or order_by: lets a caller refuse a bad query before it looks users up.
absl::Status ValidateListQuery(const ListQuery& query);

// One page of `users` (an account's users in name order) for `query`.
absl::StatusOr<gateway::ListUsersResponse> ListPage(
    std::vector<gateway::User> users, const ListQuery& query);

// OK, or INVALID_ARGUMENT with BadRequest field "user_id".
absl::Status ValidateNewUserId(absl::string_view user_id);

}  // namespace gateway_proxy::mock_gateway
