// The User the benchmark's upstream answers with (bench/bench.py's
// USER_JSON, which nginx serves), as JSON and as the message it parses to.
// The ceiling server replies with it, bench-json-codec prints and parses it,
// and tests/json_codec_test.cc holds the codec to it.
#pragma once

#include "gateway/gateway.pb.h"

namespace gateway_proxy::bench {

inline constexpr char kCannedUserJson[] =
    R"({"name":"accounts/acme/users/alice","displayName":"Alice Example",)"
    R"("serviceAccount":false,"createTime":"2026-01-01T00:00:00Z","role":"admin",)"
    R"("email":"alice@example.com","state":"READY","updateTime":"2026-01-01T00:00:00Z"})";

// kCannedUserJson, field for field.
inline gateway::User CannedUser() {
  gateway::User user;
  user.set_name("accounts/acme/users/alice");
  user.set_display_name("Alice Example");
  user.set_service_account(false);
  user.mutable_create_time()->set_seconds(1767225600);  // 2026-01-01T00:00:00Z
  user.set_role("admin");
  user.set_email("alice@example.com");
  user.set_state(gateway::User::READY);
  user.mutable_update_time()->set_seconds(1767225600);
  return user;
}

}  // namespace gateway_proxy::bench
