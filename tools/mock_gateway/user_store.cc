#include "user_store.h"

#include <algorithm>
#include <initializer_list>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/time_util.h"
#include "google/rpc/error_details.pb.h"
#include "proxy/core/rpc_status.h"

namespace gateway_proxy::mock_gateway {
namespace {

gateway::User DemoUser(absl::string_view account_id, absl::string_view user_id,
                       absl::string_view role, absl::string_view display_name,
                       absl::string_view email, absl::Time now) {
  gateway::User user;
  user.set_name(UserName(account_id, user_id));
  user.set_role(std::string(role));
  user.set_display_name(std::string(display_name));
  user.set_email(std::string(email));
  user.set_service_account(false);
  user.set_state(gateway::User::READY);
  *user.mutable_create_time() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
          absl::ToUnixNanos(now));
  *user.mutable_update_time() = user.create_time();
  return user;
}

// An error carrying one google.rpc.ErrorInfo of domain gateway.fireworks.ai.
absl::Status ErrorWithInfo(
    absl::StatusCode code, absl::string_view message, absl::string_view reason,
    std::initializer_list<std::pair<absl::string_view, absl::string_view>>
        metadata) {
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain("gateway.fireworks.ai");
  for (const auto& [key, value] : metadata) {
    (*info.mutable_metadata())[std::string(key)] = std::string(value);
  }
  // Packed by hand with deterministic serialization so the metadata map
  // always goes out (and prints as JSON) in key order.
  google::protobuf::Any any;
  any.set_type_url(
      absl::StrCat("type.googleapis.com/", info.GetDescriptor()->full_name()));
  {
    google::protobuf::io::StringOutputStream bytes(any.mutable_value());
    google::protobuf::io::CodedOutputStream out(&bytes);
    out.SetSerializationDeterministic(true);
    // Cannot fail: proto3 messages have no required fields.
    (void)info.SerializeToCodedStream(&out);
  }
  return StatusWithDetails(code, message, {std::move(any)});
}

}  // namespace

std::string UserName(absl::string_view account_id, absl::string_view user_id) {
  return absl::StrCat("accounts/", account_id, "/users/", user_id);
}

absl::Status UserNotFoundError(absl::string_view account_id,
                               absl::string_view user_id) {
  return ErrorWithInfo(
      absl::StatusCode::kNotFound,
      absl::StrCat("user ", UserName(account_id, user_id), " not found"),
      "USER_NOT_FOUND", {{"account_id", account_id}, {"user_id", user_id}});
}

absl::Status UserAlreadyExistsError(absl::string_view account_id,
                                    absl::string_view user_id) {
  return ErrorWithInfo(
      absl::StatusCode::kAlreadyExists,
      absl::StrCat("user ", UserName(account_id, user_id), " already exists"),
      "USER_ALREADY_EXISTS",
      {{"account_id", account_id}, {"user_id", user_id}});
}

absl::Status AccountNotFoundError(absl::string_view account_id) {
  return ErrorWithInfo(
      absl::StatusCode::kNotFound,
      absl::StrCat("account accounts/", account_id, " not found"),
      "ACCOUNT_NOT_FOUND", {{"account_id", account_id}});
}

void UserStore::Put(absl::string_view account_id, absl::string_view user_id,
                    gateway::User user) {
  absl::MutexLock lock(&mu_);
  users_[UserName(account_id, user_id)] = std::move(user);
}

absl::StatusOr<gateway::User> UserStore::Get(absl::string_view account_id,
                                             absl::string_view user_id) const {
  absl::MutexLock lock(&mu_);
  auto it = users_.find(UserName(account_id, user_id));
  if (it == users_.end()) return UserNotFoundError(account_id, user_id);
  return it->second;
}

absl::StatusOr<gateway::User> UserStore::Update(
    absl::string_view account_id, absl::string_view user_id,
    absl::FunctionRef<absl::StatusOr<gateway::User>(const gateway::User&)>
        update) {
  absl::MutexLock lock(&mu_);
  auto it = users_.find(UserName(account_id, user_id));
  if (it == users_.end()) return UserNotFoundError(account_id, user_id);
  absl::StatusOr<gateway::User> updated = update(it->second);
  if (updated.ok()) it->second = *updated;
  return updated;
}

absl::StatusOr<gateway::User> UserStore::Create(
    absl::string_view account_id, absl::string_view user_id,
    absl::FunctionRef<absl::StatusOr<gateway::User>(absl::string_view id)>
        make) {
  absl::MutexLock lock(&mu_);
  const std::string account_prefix =
      absl::StrCat("accounts/", account_id, "/users/");
  const bool account_exists =
      std::any_of(users_.begin(), users_.end(), [&](const auto& entry) {
        return absl::StartsWith(entry.first, account_prefix);
      });
  if (!account_exists) return AccountNotFoundError(account_id);
  std::string id(user_id);
  if (id.empty()) {
    for (int n = 1; id.empty(); ++n) {
      std::string candidate = absl::StrCat("user-", n);
      if (!users_.contains(UserName(account_id, candidate))) {
        id = std::move(candidate);
      }
    }
  } else if (users_.contains(UserName(account_id, id))) {
    return UserAlreadyExistsError(account_id, id);
  }
  absl::StatusOr<gateway::User> user = make(id);
  if (user.ok()) users_[UserName(account_id, id)] = *user;
  return user;
}

absl::StatusOr<std::vector<gateway::User>> UserStore::List(
    absl::string_view account_id) const {
  absl::MutexLock lock(&mu_);
  const std::string account_prefix =
      absl::StrCat("accounts/", account_id, "/users/");
  std::vector<gateway::User> users;
  for (const auto& [key, user] : users_) {
    if (absl::StartsWith(key, account_prefix)) users.push_back(user);
  }
  if (users.empty()) return AccountNotFoundError(account_id);
  std::sort(users.begin(), users.end(),
            [](const gateway::User& a, const gateway::User& b) {
              return a.name() < b.name();
            });
  return users;
}

void SeedDemoUsers(UserStore& store, absl::Time now) {
  store.Put(
      "acme", "alice",
      DemoUser("acme", "alice", "admin", "Alice", "alice@example.com", now));
  store.Put("acme", "bob",
            DemoUser("acme", "bob", "user", "Bob", "bob@example.com", now));
}

}  // namespace gateway_proxy::mock_gateway
