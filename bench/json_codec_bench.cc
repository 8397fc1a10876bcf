// bench-json-codec: what PrintJson and ParseJson (proxy/core/json.h) cost per
// call on the bench's User, through protobuf's JSON util (the cached-resolver
// path PrintJson/ParseJson fall back to) and through the codec
// (proxy/core/json_codec.h) that they try first. Prints ns per call, the best of
// several rounds; it is a measurement, not a test.
//
//   build/bench/bench-json-codec [--rounds=7] [--calls=100000]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>

#include "bench/canned_user.h"
#include "gateway/gateway.pb.h"
#include "google/protobuf/util/json_util.h"
#include "proxy/core/json.h"
#include "proxy/core/json_codec.h"

namespace {

// The PATCH body the proxy sends for the bench's UpdateUser (PATCH_JSON).
gateway::User PatchBody() {
  gateway::User user;
  user.set_name("accounts/acme/users/alice");
  user.set_display_name("Alice Example");
  user.set_role("admin");
  return user;
}

// The util path as PrintJson / ParseJson take it when the codec declines.
bool UtilPrint(const gateway::User& user, std::string* json) {
  json->clear();
  return google::protobuf::util::BinaryToJsonString(
             gateway_proxy::CachedTypeResolver(*user.GetDescriptor()->file()->pool()),
             "type.googleapis.com/gateway.User", user.SerializeAsString(), json)
      .ok();
}

bool UtilParse(const std::string& json, gateway::User* user) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  std::string binary;
  return google::protobuf::util::JsonToBinaryString(
             gateway_proxy::CachedTypeResolver(*user->GetDescriptor()->file()->pool()),
             "type.googleapis.com/gateway.User", json, &binary, options)
             .ok() &&
         user->ParseFromString(binary);
}

// Best ns per call of `call` over `rounds` rounds of `calls` calls.
double NsPerCall(int rounds, int calls, const std::function<bool()>& call) {
  double best = 1e300;
  for (int round = 0; round < rounds; ++round) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) {
      if (!call()) std::abort();
    }
    const std::chrono::duration<double, std::nano> elapsed =
        std::chrono::steady_clock::now() - start;
    best = std::min(best, elapsed.count() / calls);
  }
  return best;
}

int Flag(int argc, char** argv, const char* name, int fallback) {
  const size_t length = std::strlen(name);
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], name, length) == 0 && argv[i][length] == '=') {
      return std::atoi(argv[i] + length + 1);
    }
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = Flag(argc, argv, "--rounds", 7);
  const int calls = Flag(argc, argv, "--calls", 100000);
  const gateway::User body = PatchBody();
  const std::string reply = gateway_proxy::bench::kCannedUserJson;
  std::string util_json, fast_json;
  gateway::User util_user, fast_user;
  google::protobuf::util::JsonParseOptions ignore_unknown;
  ignore_unknown.ignore_unknown_fields = true;
  // Both paths must agree, and the codec must take these itself.
  if (!UtilPrint(body, &util_json) || !gateway_proxy::TryPrintJsonFast(body, &fast_json) ||
      util_json != fast_json || !UtilParse(reply, &util_user) ||
      !gateway_proxy::TryParseJsonFast(reply, &fast_user, true) ||
      util_user.SerializeAsString() != fast_user.SerializeAsString()) {
    std::fprintf(stderr, "bench-json-codec: the two paths disagree\n");
    return 1;
  }
  const double print_util = NsPerCall(rounds, calls, [&] { return UtilPrint(body, &util_json); });
  const double print_fast = NsPerCall(rounds, calls, [&] {
    return gateway_proxy::PrintJson(body, &fast_json).ok();
  });
  const double parse_util = NsPerCall(rounds, calls, [&] {
    gateway::User user;
    return UtilParse(reply, &user);
  });
  const double parse_fast = NsPerCall(rounds, calls, [&] {
    gateway::User user;
    return gateway_proxy::ParseJson(reply, &user, ignore_unknown).ok();
  });
  std::printf("PrintJson, PATCH body (%zu bytes): util %.0f ns, codec %.0f ns (%.1fx)\n",
              fast_json.size(), print_util, print_fast, print_util / print_fast);
  std::printf("ParseJson, User reply (%zu bytes): util %.0f ns, codec %.0f ns (%.1fx)\n",
              reply.size(), parse_util, parse_fast, parse_util / parse_fast);
  return 0;
}
