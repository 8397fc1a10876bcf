// mock-gateway's REST surface for the Gateway User API's four calls:
// routing, authentication and the grpc-gateway bodies, over a UserStore,
// without sockets.
//
//   UserStore store;
//   SeedDemoUsers(store, now);
//   RestHandler handler("k", StatusTable::kV2, &store);
//   handler.Handle({"PATCH", "/v1/accounts/acme/users/zed", {},
//                   {{"Authorization", "Bearer k"}}, R"({"role":"user"})"},
//                  now);
//   // 404 {"code":5,"message":"user accounts/acme/users/zed not found",
//   //      "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo",
//   //                  "reason":"USER_NOT_FOUND",...}]}
//
// In this order:
//  1. Routing. /v1/accounts/{a}/users/{u} takes PATCH (Update User) and GET
//     (Get User, with readMask); /v1/accounts/{a}/users takes POST (Create
//     User, with userId) and GET (List Users: pageSize, pageToken, filter,
//     orderBy, readMask); another method is code 12 UNIMPLEMENTED
//     "Method Not Allowed", any other path code 5 NOT_FOUND "Not Found" -
//     what grpc-gateway's DefaultRoutingErrorHandler answers, so the HTTP
//     status comes from the table like any other error (501 and 404).
//  2. Authentication. No Authorization header: 401, code 16
//     UNAUTHENTICATED. Anything but "Bearer <api_key>": 403
//     {"error":"unauthorized"}, the real API's auth layer's bare answer.
//  3. The call. Its request is checked before the store is consulted, so
//     INVALID_ARGUMENT comes before NOT_FOUND and ALREADY_EXISTS.
//       POST  users?userId=ID   Create User: user_update.h's body rules
//             (ParseUserCreate: "name" and output-only fields ignored); an
//             invalid userId is INVALID_ARGUMENT ("user_id"), a taken one
//             ALREADY_EXISTS with ErrorInfo USER_ALREADY_EXISTS; without
//             userId the store picks the first free "user-<n>". The
//             permission preset rule (FAILED_PRECONDITION, as for PATCH) is
//             checked as the user is stored. Answers 200 (as grpc-gateway
//             does) with the new user: READY, created and updated now.
//       GET   users/{u}?readMask=...          Get User (user_queries.h)
//       GET   users?pageSize=&pageToken=&filter=&orderBy=&readMask=
//                                             List Users (user_queries.h)
//       PATCH users/{u}?updateMask=...        Update User (user_update.h)
//     Create and List in an account without users (only "acme" is seeded)
//     are NOT_FOUND with ErrorInfo ACCOUNT_NOT_FOUND; Get and Update of a
//     user the store does not hold are NOT_FOUND with USER_NOT_FOUND.
//
// Error bodies are google.rpc.Status in protobuf JSON with every field
// present, as grpc-gateway v2 marshals them:
//   {"code":3,"message":"...","details":[{"@type":"type.googleapis.com/..."}]}
// Their HTTP status is HttpStatusFromCode() (http_status.h; v2) or
// GrpcGatewayV1HttpStatusFromCode() (v1) of the code, per StatusTable.
// Success bodies are the gateway.User, or for List the
// gateway.ListUsersResponse ({"users":[...],"nextPageToken":"...",
// "totalSize":N}), in protobuf JSON: lowerCamel names, unset fields omitted
// (so no nextPageToken on the last page, and {} for no users).
//
// Thread-safe: Handle() is const and the store does its own locking.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "proxy/core/http_types.h"
#include "user_store.h"

namespace gateway_proxy::mock_gateway {

// Which grpc-gateway HTTP status table error responses use.
enum class StatusTable {
  kV2,  // HttpStatusFromCode(): FAILED_PRECONDITION is 400.
  kV1,  // GrpcGatewayV1HttpStatusFromCode(): FAILED_PRECONDITION is 412.
};

// "v2" or "v1"; INVALID_ARGUMENT for anything else.
absl::StatusOr<StatusTable> ParseStatusTable(absl::string_view name);

// One HTTP request as the server library decoded it.
struct RestRequest {
  std::string method;  // "PATCH", "GET", ...
  std::string path;    // Percent-decoded, without the query.
  // Percent-decoded query parameters in request order; a name may repeat.
  std::vector<std::pair<std::string, std::string>> query;
  HttpHeaders headers;
  std::string body;
};

// The grpc-gateway JSON body for the error `status`: its code, message and
// details (rpc_status.h), e.g. {"code":5,"message":"Not Found","details":[]}.
// REQUIRES: !status.ok().
std::string GrpcGatewayErrorBody(const absl::Status& status);

class RestHandler {
 public:
  // `store` is not owned and must outlive the handler.
  // REQUIRES: !api_key.empty().
  RestHandler(std::string api_key, StatusTable table, UserStore* store);

  // The response to `request`, received at `now` (the update time PATCH
  // stores).
  HttpResponse Handle(const RestRequest& request, absl::Time now) const;

 private:
  HttpResponse Error(const absl::Status& status) const;
  HttpResponse UserResponse(const gateway::User& user) const;
  HttpResponse UpdateUser(const RestRequest& request,
                          absl::string_view account_id,
                          absl::string_view user_id, absl::Time now) const;
  HttpResponse GetUser(const RestRequest& request, absl::string_view account_id,
                       absl::string_view user_id) const;
  HttpResponse CreateUser(const RestRequest& request,
                          absl::string_view account_id, absl::Time now) const;
  HttpResponse ListUsers(const RestRequest& request,
                         absl::string_view account_id) const;

  const std::string api_key_;
  const StatusTable table_;
  UserStore* const store_;
};

}  // namespace gateway_proxy::mock_gateway
