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

absl::StatusOr<std::vector<EnvSetting>> ApplyEnvironment(
    absl::string_view defined_in, absl::FunctionRef<const char*(const char*)> getenv) {
  // In name order, so the first bad variable reported is deterministic.
  std::vector<std::pair<absl::string_view, absl::CommandLineFlag*>> flags;
  for (const auto& entry : absl::GetAllFlags()) {
    if (absl::EndsWith(entry.second->Filename(), defined_in)) flags.push_back(entry);
  }
  std::sort(flags.begin(), flags.end());
  std::vector<EnvSetting> applied;
  for (const auto& [name, flag] : flags) {
    std::string variable = EnvVarFor(name);
    const char* value = getenv(variable.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat(variable, " (--", name, "): ", error));
    }
    applied.push_back({std::string(name), std::move(variable), flag->CurrentValue()});
  }
  return applied;
}

std::string NameVariableInError(absl::string_view message,
                                absl::Span<const EnvSetting> from_environment) {
  for (const EnvSetting& setting : from_environment) {
    const std::string prefix = absl::StrCat("--", setting.flag, ":");
    if (!absl::StartsWith(message, prefix)) continue;
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(setting.flag);
    if (flag == nullptr || flag->CurrentValue() != setting.value) break;
    return absl::StrCat(setting.variable, " (--", setting.flag, "):",
                        message.substr(prefix.size()));
  }
  return std::string(message);
}

}  // namespace gateway_proxy
