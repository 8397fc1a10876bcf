// mock-gateway's in-memory users, keyed by account and user id. It stands
// in for the Gateway's database so the mock can answer the four User calls
// the way the real API does, NOT_FOUND and ALREADY_EXISTS included:
//
//   UserStore store;
//   SeedDemoUsers(store, absl::Now());
//   store.Get("acme", "alice")->display_name();  // "Alice"
//   store.Get("acme", "zed").status();           // NOT_FOUND, ErrorInfo
//                                                 // USER_NOT_FOUND
//   store.Create("acme", "", make)->name();      // accounts/acme/users/user-1
//   store.List("initech").status();              // NOT_FOUND, ErrorInfo
//                                                 // ACCOUNT_NOT_FOUND
//
// An account exists while it has users: "acme" once seeded, or any account
// Put() gives a user. The User API creates no accounts, so Create and List
// in any other account are ACCOUNT_NOT_FOUND; Get and Update there are
// USER_NOT_FOUND, like any user the store does not hold.
//
// Thread-safe: every method takes the store's lock for the length of the
// call only; the lock is never held across I/O.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/gateway.pb.h"

namespace gateway_proxy::mock_gateway {

// The resource name of a user: "accounts/{account_id}/users/{user_id}".
std::string UserName(absl::string_view account_id, absl::string_view user_id);

// The error the Gateway answers for a user (or account) it does not know:
// NOT_FOUND "user accounts/{a}/users/{u} not found" with a google.rpc.ErrorInfo
// {reason "USER_NOT_FOUND", domain "gateway.fireworks.ai",
//  metadata {account_id, user_id}}.
absl::Status UserNotFoundError(absl::string_view account_id,
                               absl::string_view user_id);

// ALREADY_EXISTS "user accounts/{a}/users/{u} already exists" with a
// google.rpc.ErrorInfo {reason "USER_ALREADY_EXISTS", domain
// "gateway.fireworks.ai", metadata {account_id, user_id}}.
absl::Status UserAlreadyExistsError(absl::string_view account_id,
                                    absl::string_view user_id);

// NOT_FOUND "account accounts/{a} not found" with a google.rpc.ErrorInfo
// {reason "ACCOUNT_NOT_FOUND", metadata {account_id}}.
absl::Status AccountNotFoundError(absl::string_view account_id);

class UserStore {
 public:
  UserStore() = default;
  UserStore(const UserStore&) = delete;
  UserStore& operator=(const UserStore&) = delete;

  // Adds or replaces the user `user_id` of `account_id`; the account comes
  // into being with its first user.
  void Put(absl::string_view account_id, absl::string_view user_id,
           gateway::User user);

  // Stores `make(id)` as the user `id` of `account_id` and returns it. `id`
  // is `user_id`, or when that is empty the first of "user-1", "user-2", ...
  // the account does not hold, picked under the lock so that concurrent
  // creates never pick the same one. AccountNotFoundError() when the account
  // has no users (accounts are not created through the User API),
  // UserAlreadyExistsError() when `user_id` is taken, or make's error; the
  // store is then unchanged. `make` runs under the store's lock: it must be
  // quick and must not call back into the store.
  absl::StatusOr<gateway::User> Create(
      absl::string_view account_id, absl::string_view user_id,
      absl::FunctionRef<absl::StatusOr<gateway::User>(absl::string_view id)>
          make);

  // Every user of `account_id` in name order, or AccountNotFoundError().
  absl::StatusOr<std::vector<gateway::User>> List(
      absl::string_view account_id) const;

  // The stored user, or UserNotFoundError().
  absl::StatusOr<gateway::User> Get(absl::string_view account_id,
                                    absl::string_view user_id) const;

  // Atomically replaces the stored user with `update(stored)`. Returns the
  // new user, UserNotFoundError(), or update's error (the store is then
  // unchanged). `update` runs under the store's lock: it must be quick and
  // must not call back into the store.
  absl::StatusOr<gateway::User> Update(
      absl::string_view account_id, absl::string_view user_id,
      absl::FunctionRef<absl::StatusOr<gateway::User>(const gateway::User&)>
          update);

 private:
  mutable absl::Mutex mu_;
  // Keyed by UserName().
  absl::flat_hash_map<std::string, gateway::User> users_ ABSL_GUARDED_BY(mu_);
};

// Adds the demo data: account "acme" with
//   alice: role "admin", displayName "Alice", email "alice@example.com"
//   bob:   role "user",  displayName "Bob",   email "bob@example.com"
// both READY, created and last updated at `now`.
void SeedDemoUsers(UserStore& store, absl::Time now);

}  // namespace gateway_proxy::mock_gateway
