// Every flag of gateway-proxy can also come from the environment, as
// Kubernetes manifests and container platforms like to set it:
//
//   GATEWAY_PROXY_UPSTREAM=https://api.example.com   == --upstream=...
//   GATEWAY_PROXY_API_KEY_FILE=/var/run/key          == --api_key_file=...
//
// Run before absl::ParseCommandLine(), so a flag given on the command line
// wins over its variable.
#pragma once

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace gateway_proxy {

// The variable for flag `name`: "GATEWAY_PROXY_" + upper-case name.
std::string EnvVarFor(absl::string_view flag_name);

// Sets each flag defined in a file whose path ends in `defined_in` from its
// variable, when `getenv` (std::getenv in production) finds one.
// INVALID_ARGUMENT naming the variable and the flag when a value does not
// parse.
absl::Status ApplyEnvironment(absl::string_view defined_in,
                              absl::FunctionRef<const char*(const char*)> getenv);

}  // namespace gateway_proxy
