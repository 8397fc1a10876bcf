#include "env_flags.h"

#include <algorithm>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace gateway_proxy {

std::string EnvVarFor(absl::string_view flag_name) {
  return absl::StrCat("GATEWAY_PROXY_", absl::AsciiStrToUpper(flag_name));
}

absl::Status ApplyEnvironment(absl::string_view defined_in,
                              absl::FunctionRef<const char*(const char*)> getenv) {
  // In name order, so the first bad variable reported is deterministic.
  std::vector<std::pair<absl::string_view, absl::CommandLineFlag*>> flags;
  for (const auto& entry : absl::GetAllFlags()) {
    if (absl::EndsWith(entry.second->Filename(), defined_in)) flags.push_back(entry);
  }
  std::sort(flags.begin(), flags.end());
  for (const auto& [name, flag] : flags) {
    const std::string variable = EnvVarFor(name);
    const char* value = getenv(variable.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat(variable, " (--", name, "): ", error));
    }
  }
  return absl::OkStatus();
}

}  // namespace gateway_proxy
