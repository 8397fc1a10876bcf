#include "rest_handler.h"

#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "http_status.h"
#include "proxy/core/rpc_status.h"
#include "user_queries.h"
#include "user_update.h"

namespace gateway_proxy::mock_gateway {
namespace {

constexpr absl::string_view kJson = "application/json";

struct UserPath {
  std::string account_id;
  std::string user_id;  // Empty for the collection, /v1/accounts/{a}/users.
};

// {account_id, user_id} when `path` is /v1/accounts/{a}/users/{u}, or
// {account_id, ""} when it is /v1/accounts/{a}/users, with non-empty ids;
// else nullopt.
std::optional<UserPath> MatchUserPath(absl::string_view path) {
  std::vector<absl::string_view> parts = absl::StrSplit(path, '/');
  // "", "v1", "accounts", a, "users"[, u]
  if ((parts.size() != 5 && parts.size() != 6) || !parts[0].empty() ||
      parts[1] != "v1" || parts[2] != "accounts" || parts[3].empty() ||
      parts[4] != "users" || (parts.size() == 6 && parts[5].empty())) {
    return std::nullopt;
  }
  return UserPath{std::string(parts[3]),
                  parts.size() == 6 ? std::string(parts[5]) : std::string()};
}

// The value of the first header called `name` (any case), or nullopt.
std::optional<absl::string_view> FindHeader(const HttpHeaders& headers,
                                            absl::string_view name) {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<StatusTable> ParseStatusTable(absl::string_view name) {
  if (name == "v2") return StatusTable::kV2;
  if (name == "v1") return StatusTable::kV1;
  return absl::InvalidArgumentError(
      absl::StrCat("status table \"", name, "\" is not v2 or v1"));
}

std::string GrpcGatewayErrorBody(const absl::Status& status) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;  // "details":[] as well
  std::string json;
  const auto printed = google::protobuf::util::MessageToJsonString(
      ToRpcStatus(status), &json, options);
  if (!printed.ok()) {
    // A detail whose type the generated pool does not know; mock-gateway
    // only packs google.rpc types, so this is a bug. grpc-gateway's own
    // fallback body.
    return R"({"code":13,"message":"failed to marshal error message"})";
  }
  return json;
}

RestHandler::RestHandler(std::string api_key, StatusTable table,
                         UserStore* store)
    : api_key_(std::move(api_key)), table_(table), store_(store) {}

HttpResponse RestHandler::Handle(const RestRequest& request,
                                 absl::Time now) const {
  const std::optional<UserPath> user_path = MatchUserPath(request.path);
  if (!user_path.has_value()) {
    return Error(absl::NotFoundError("Not Found"));
  }
  const bool collection = user_path->user_id.empty();
  const bool allowed =
      collection ? (request.method == "POST" || request.method == "GET")
                 : (request.method == "PATCH" || request.method == "GET");
  if (!allowed) return Error(absl::UnimplementedError("Method Not Allowed"));

  const std::optional<absl::string_view> authorization =
      FindHeader(request.headers, "Authorization");
  if (!authorization.has_value()) {
    return Error(absl::UnauthenticatedError(
        "missing Authorization header; expected \"Bearer API_KEY\""));
  }
  if (*authorization != absl::StrCat("Bearer ", api_key_)) {
    return HttpResponse{403,
                        {{"Content-Type", std::string(kJson)}},
                        R"({"error":"unauthorized"})"};
  }

  if (collection) {
    if (request.method == "POST") {
      return CreateUser(request, user_path->account_id, now);
    }
    return ListUsers(request, user_path->account_id);
  }
  if (request.method == "GET") {
    return GetUser(request, user_path->account_id, user_path->user_id);
  }
  return UpdateUser(request, user_path->account_id, user_path->user_id, now);
}

HttpResponse RestHandler::Error(const absl::Status& status) const {
  const int http_status = table_ == StatusTable::kV1
                              ? GrpcGatewayV1HttpStatusFromCode(status.code())
                              : HttpStatusFromCode(status.code());
  return HttpResponse{http_status,
                      {{"Content-Type", std::string(kJson)}},
                      GrpcGatewayErrorBody(status)};
}

HttpResponse RestHandler::UserResponse(const gateway::User& user) const {
  std::string json;
  const auto printed = google::protobuf::util::MessageToJsonString(
      user, &json, google::protobuf::util::JsonPrintOptions());
  if (!printed.ok()) {
    return Error(absl::InternalError(absl::StrCat(
        "cannot print gateway.User as JSON: ", printed.message().as_string())));
  }
  return HttpResponse{
      200, {{"Content-Type", std::string(kJson)}}, std::move(json)};
}

HttpResponse RestHandler::UpdateUser(const RestRequest& request,
                                     absl::string_view account_id,
                                     absl::string_view user_id,
                                     absl::Time now) const {
  std::vector<std::string> mask;
  for (const auto& [name, value] : request.query) {
    if (name == "updateMask" || name == "update_mask") mask.push_back(value);
  }
  const absl::StatusOr<UserUpdate> update =
      ParseUserUpdate(account_id, user_id, mask, request.body);
  if (!update.ok()) return Error(update.status());

  const absl::StatusOr<gateway::User> user =
      store_->Update(account_id, user_id, [&](const gateway::User& stored) {
        return ApplyUserUpdate(stored, *update, account_id, user_id, now);
      });
  if (!user.ok()) return Error(user.status());
  return UserResponse(*user);
}

HttpResponse RestHandler::GetUser(const RestRequest& request,
                                  absl::string_view account_id,
                                  absl::string_view user_id) const {
  const auto mask = ParseReadMask(request.query);
  if (!mask.ok()) return Error(mask.status());
  const absl::StatusOr<gateway::User> user = store_->Get(account_id, user_id);
  if (!user.ok()) return Error(user.status());
  return UserResponse(ApplyReadMask(*user, *mask));
}

HttpResponse RestHandler::CreateUser(const RestRequest& request,
                                     absl::string_view account_id,
                                     absl::Time now) const {
  std::string user_id;  // Empty: the store picks the first free user-<n>.
  for (const auto& [name, value] : request.query) {
    if (name == "userId" || name == "user_id") user_id = value;
  }
  if (!user_id.empty()) {
    if (absl::Status valid = ValidateNewUserId(user_id); !valid.ok()) {
      return Error(valid);
    }
  }
  const absl::StatusOr<UserUpdate> fields = ParseUserCreate(request.body);
  if (!fields.ok()) return Error(fields.status());

  const absl::StatusOr<gateway::User> user = store_->Create(
      account_id, user_id,
      [&](absl::string_view id) -> absl::StatusOr<gateway::User> {
        absl::StatusOr<gateway::User> created =
            ApplyUserUpdate(gateway::User(), *fields, account_id, id, now);
        if (created.ok()) {
          *created->mutable_create_time() = created->update_time();
        }
        return created;
      });
  if (!user.ok()) return Error(user.status());
  return UserResponse(*user);
}

HttpResponse RestHandler::ListUsers(const RestRequest& request,
                                    absl::string_view account_id) const {
  const absl::StatusOr<ListQuery> query = ParseListQuery(request.query);
  if (!query.ok()) return Error(query.status());
  // INVALID_ARGUMENT before NOT_FOUND, as for the other calls.
  if (absl::Status valid = ValidateListQuery(*query); !valid.ok()) {
    return Error(valid);
  }
  absl::StatusOr<std::vector<gateway::User>> users = store_->List(account_id);
  if (!users.ok()) return Error(users.status());
  const absl::StatusOr<gateway::ListUsersResponse> page =
      ListPage(*std::move(users), *query);
  if (!page.ok()) return Error(page.status());
  std::string json;
  const auto printed = google::protobuf::util::MessageToJsonString(
      *page, &json, google::protobuf::util::JsonPrintOptions());
  if (!printed.ok()) {
    return Error(
        absl::InternalError("cannot print gateway.ListUsersResponse as JSON"));
  }
  return HttpResponse{
      200, {{"Content-Type", std::string(kJson)}}, std::move(json)};
}

}  // namespace gateway_proxy::mock_gateway
