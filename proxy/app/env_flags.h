// Where gateway-proxy's flags come from, and what it says about them: the
// command line (flagfiles included), GATEWAY_PROXY_<FLAG> environment
// variables, and --help's list. Kubernetes manifests and container
// platforms like to set flags from the environment:
//
//   GATEWAY_PROXY_UPSTREAM=https://api.example.com   == --upstream=...
//   GATEWAY_PROXY_API_KEY_FILE=/var/run/key          == --api_key_file=...
//
// main() checks the command line first, so that --help always answers and a
// bad argument stops start-up with one line rather than absl's exit; then
// applies the environment and lets absl::ParseCommandLine() apply the
// command line over it, so a flag given on the command line wins:
//
//   auto action = CheckCommandLine("proxy/app/main.cc", argc, argv);
//   ... kHelp: print FlagsHelp("proxy/app/main.cc"); an error: print it, exit 2
//   auto from_env = ApplyEnvironment("proxy/app/main.cc", &std::getenv);
//   absl::ParseCommandLine(argc, argv);
//   ... on a bad setting:
//   std::cerr << NameVariableInError(status.message(), *from_env);
#pragma once

#include <functional>
#include <map>
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
//   GATEWAY_PROXY_MAX_INFLIGHT (--max_inflight): expected an integer, got "many"
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

// What a command line asks of the program.
enum class CommandLineAction {
  kRun,      // start, with the flags it sets
  kHelp,     // -h or --help: print the usage and FlagsHelp(), exit 0
  kVersion,  // --version: print the version, exit 0
};

// Reads argv as absl::ParseCommandLine() will, flagfiles included, and says
// what it asks for. No flag is left changed. The flags it knows are those
// defined in a file whose path ends in `defined_in`, plus --flagfile, -h,
// --help and --version; absl's other built-in flags (--fromenv, --undefok,
// --helpfull, ...) are unknown here. --help and --version win over anything
// wrong elsewhere on the line. Otherwise INVALID_ARGUMENT for the first
// argument that absl would refuse or that is not a flag, one line naming
// the flag, and the flagfile line it came from:
//   --max_retries: expected an integer, got "x"
//   --upstream_timeout: expected a duration such as 30s or 500ms, got "abc"
//   (flagfile "/etc/gateway-proxy/flags" line 3)
//   --nope: unknown flag (--help lists every flag)
//   --flagfile: cannot read "/etc/gateway-proxy/flags"
//   "extra": unexpected argument (flags are --name=value)
//
// Flags that may be given more than once, each occurrence adding to what
// the others gave (absl keeps only the last): name the flag in `*repeated`,
// e.g. {{"service_upstream", {}}}, and its values come back there, each
// occurrence's text in command-line order, a flagfile's in its place.
// Nothing is added for a flag the line does not give.
using RepeatedFlagValues = std::map<std::string, std::vector<std::string>, std::less<>>;
absl::StatusOr<CommandLineAction> CheckCommandLine(absl::string_view defined_in,
                                                   int argc, char** argv,
                                                   RepeatedFlagValues* repeated = nullptr);

// --help's list of the flags defined in a file whose path ends in
// `defined_in`, in name order, in absl's own --help format (which deploy
// tests read) without its "Flags from FILE" headings: one paragraph per
// flag, wrapped at 80 columns, "default: VALUE;" never split:
//     --drain_timeout (On SIGTERM, how long in-flight calls get to finish.);
//       default: 10s;
std::string FlagsHelp(absl::string_view defined_in);

}  // namespace gateway_proxy
