// mock-gateway's REST surface: routing, authentication and the
// grpc-gateway error bodies, over a UserStore, without sockets.
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
//     orderBy, readMask; see user_queries.h); another method is code 12
//     UNIMPLEMENTED
//     "Method Not Allowed", any other path code 5 NOT_FOUND "Not Found" -
//     what grpc-gateway's DefaultRoutingErrorHandler answers, so the HTTP
//     status comes from the table like any other error (501 and 404).
//  2. Authentication. No Authorization header: 401, code 16
//     UNAUTHENTICATED. Anything but "Bearer <api_key>": 403
//     {"error":"unauthorized"}, the real API's auth layer's bare answer.
//  3. The call: user_update.h's rules for PATCH and POST (a created user
//     also needs a valid, free id: INVALID_ARGUMENT / ALREADY_EXISTS with
//     ErrorInfo USER_ALREADY_EXISTS; an unknown account is NOT_FOUND
//     ACCOUNT_NOT_FOUND), user_queries.h's for the reads.
//
// Error bodies are google.rpc.Status in protobuf JSON with every field
// present, as grpc-gateway v2 marshals them:
//   {"code":3,"message":"...","details":[{"@type":"type.googleapis.com/..."}]}
// Their HTTP status is HttpStatusFromCode() (v2) or
// GrpcGatewayV1HttpStatusFromCode() (v1) of the code, per StatusTable.
// Success bodies are the gateway.User in protobuf JSON (lowerCamel names,
// unset fields omitted).
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
#include "http_types.h"
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
  HttpResponse CreateUser(const RestRequest& request, absl::string_view account_id,
                          absl::Time now) const;
  HttpResponse ListUsers(const RestRequest& request,
                         absl::string_view account_id) const;

  const std::string api_key_;
  const StatusTable table_;
  UserStore* const store_;
};

}  // namespace gateway_proxy::mock_gateway
