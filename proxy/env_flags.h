// Every flag of gateway-proxy can also come from the environment, as
// Kubernetes manifests and container platforms like to set it:
//
//   GATEWAY_PROXY_UPSTREAM=https://api.example.com   == --upstream=...
//   GATEWAY_PROXY_API_KEY_FILE=/var/run/key          == --api_key_file=...
//
// Run before absl::ParseCommandLine(), so a flag given on the command line
// wins over its variable:
//
//   auto from_env = ApplyEnvironment("proxy/main.cc", &std::getenv);
//   absl::ParseCommandLine(argc, argv);
//   ... on a bad setting:
//   std::cerr << NameVariableInError(status.message(), *from_env);
#pragma once

#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace gateway_proxy {

// A flag that took its value from the environment.
struct EnvSetting {
  std::string flag;      // "upstream_timeout"
  std::string variable;  // "GATEWAY_PROXY_UPSTREAM_TIMEOUT"
  std::string value;     // The flag's value once set, as absl prints it: "-1s".
};

// The variable for flag `name`: "GATEWAY_PROXY_" + upper-case name.
std::string EnvVarFor(absl::string_view flag_name);

// Sets each flag defined in a file whose path ends in `defined_in` from its
// variable, when `getenv` (std::getenv in production) finds one; the flags
// so set, in name order. INVALID_ARGUMENT naming the variable and the flag
// when a value does not parse:
//   GATEWAY_PROXY_MAX_INFLIGHT (--max_inflight): Illegal value 'many' specified
//   for flag 'max_inflight'
absl::StatusOr<std::vector<EnvSetting>> ApplyEnvironment(
    absl::string_view defined_in, absl::FunctionRef<const char*(const char*)> getenv);

// A start-up error about a flag ("--upstream_timeout: must be positive (got
// -1s)", as ValidateConfig() words them) with the variable named too when the
// flag still holds the value its variable gave it, i.e. the command line did
// not override it:
//   GATEWAY_PROXY_UPSTREAM_TIMEOUT (--upstream_timeout): must be positive (got -1s)
// Any other message is returned as it is.
std::string NameVariableInError(absl::string_view message,
                                absl::Span<const EnvSetting> from_environment);

}  // namespace gateway_proxy
