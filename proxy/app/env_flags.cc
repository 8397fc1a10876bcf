#include "proxy/app/env_flags.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <utility>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"

namespace gateway_proxy {
namespace {

// absl reads a flagfile named inside a flagfile, with no limit: one that
// names itself would never end.
constexpr int kMaxFlagfileDepth = 8;

// The flags defined in a file whose path ends in `defined_in`, in name order.
std::vector<std::pair<absl::string_view, absl::CommandLineFlag*>> FlagsDefinedIn(
    absl::string_view defined_in) {
  std::vector<std::pair<absl::string_view, absl::CommandLineFlag*>> flags;
  for (const auto& entry : absl::GetAllFlags()) {
    if (absl::EndsWith(entry.second->Filename(), defined_in)) flags.push_back(entry);
  }
  std::sort(flags.begin(), flags.end());
  return flags;
}

// What a value of `flag`'s type looks like, for the types flags here have.
std::string Expected(const absl::CommandLineFlag& flag) {
  if (flag.IsOfType<bool>()) return "true or false";
  if (flag.IsOfType<int>() || flag.IsOfType<int64_t>()) return "an integer";
  if (flag.IsOfType<absl::Duration>()) return "a duration such as 30s or 500ms";
  return "a value of its type";
}

// Sets `flag` from `value`; when that does not parse, what was expected and
// what came: `expected an integer, got "x"`. Control characters show
// escaped: a flagfile saved with CRLF gives `got "30s\r"`.
std::string SetOrExplain(absl::CommandLineFlag& flag, absl::string_view value) {
  std::string error;
  if (flag.ParseFrom(value, &error)) return "";
  return absl::StrCat("expected ", Expected(flag), ", got \"", absl::CEscape(value), "\"");
}

// One argument, and where it came from: "" for argv, or
// ` (flagfile "/etc/flags" line 3)`.
struct Argument {
  std::string text;
  std::string origin;
};

// Walks a command line the way absl::ParseCommandLine() does (see
// absl/flags/parse.cc): arguments in order, a flagfile's lines read in
// place of its --flagfile, "-name" as "--name", "--name value" for all but
// true/false flags, "--noname" for those. Every value is set (the caller
// puts them back). The first problem is kept; the walk goes on so that a
// later --help still counts.
class CommandLineReader {
 public:
  CommandLineReader(absl::string_view defined_in, RepeatedFlagValues* repeated)
      : repeated_(repeated) {
    for (const auto& [name, flag] : FlagsDefinedIn(defined_in)) flags_.push_back(flag);
  }

  void Read(const std::vector<Argument>& args, int depth) {
    for (size_t i = 0; i < args.size(); ++i) {
      absl::string_view arg = args[i].text;
      const std::string& origin = args[i].origin;
      if (!absl::ConsumePrefix(&arg, "-") || arg.empty()) {
        Problem(absl::StrCat("\"", absl::CEscape(args[i].text),
                             "\": unexpected argument (flags are --name=value)", origin));
        continue;
      }
      absl::ConsumePrefix(&arg, "-");
      const size_t equals = arg.find('=');
      absl::string_view name = arg.substr(0, equals);
      if (name.empty()) {  // "--": what follows is not flags, and none is taken.
        if (i + 1 < args.size()) {
          Problem(absl::StrCat("\"", absl::CEscape(args[i + 1].text),
                               "\": unexpected argument (flags are --name=value)"));
        }
        return;
      }
      const bool has_value = equals != absl::string_view::npos;
      absl::string_view value = has_value ? arg.substr(equals + 1) : "";
      if (name == "h" || name == "help") {
        help_ = true;
        continue;
      }
      if (name == "version") {
        version_ = true;
        continue;
      }
      if (name == "flagfile") {
        if (!has_value && !NextValue(args, &i, &value)) {
          Problem(absl::StrCat("--flagfile: missing value", origin));
          continue;
        }
        ReadFlagfiles(value, origin, depth);
        continue;
      }
      ReadFlag(name, has_value, value, args, &i, origin);
    }
  }

  bool help() const { return help_; }
  bool version() const { return version_; }
  const absl::Status& first_problem() const { return first_problem_; }

 private:
  absl::CommandLineFlag* Find(absl::string_view name) const {
    for (absl::CommandLineFlag* flag : flags_) {
      if (flag->Name() == name) return flag;
    }
    return nullptr;
  }

  // The next argument as the value of the one at *i, as absl takes it for
  // "--name value" (whatever it holds, even "--other").
  static bool NextValue(const std::vector<Argument>& args, size_t* i,
                        absl::string_view* value) {
    if (*i + 1 >= args.size()) return false;
    *value = args[++*i].text;
    return true;
  }

  void ReadFlag(absl::string_view name, bool has_value, absl::string_view value,
                const std::vector<Argument>& args, size_t* i, const std::string& origin) {
    absl::CommandLineFlag* flag = Find(name);
    bool negative = false;
    absl::string_view positive = name;
    if (flag == nullptr && absl::ConsumePrefix(&positive, "no")) {
      flag = Find(positive);
      negative = flag != nullptr;
    }
    if (flag == nullptr) {
      Problem(absl::StrCat("--", name, ": unknown flag (--help lists every flag)", origin));
      return;
    }
    const std::string flag_name = absl::StrCat("--", flag->Name(), ": ");
    if (negative && !flag->IsOfType<bool>()) {
      Problem(absl::StrCat(flag_name, "--", name, " is for true/false flags only", origin));
      return;
    }
    if (negative && has_value) {
      Problem(absl::StrCat(flag_name, "--", name, " takes no value", origin));
      return;
    }
    if (flag->IsOfType<bool>() && !has_value) {
      value = negative ? "false" : "true";
    } else if (!has_value && !NextValue(args, i, &value)) {
      Problem(absl::StrCat(flag_name, "missing value", origin));
      return;
    }
    if (std::string problem = SetOrExplain(*flag, value); !problem.empty()) {
      Problem(absl::StrCat(flag_name, problem, origin));
      return;
    }
    if (repeated_ == nullptr) return;
    if (auto it = repeated_->find(flag->Name()); it != repeated_->end()) {
      it->second.emplace_back(value);
    }
  }

  // --flagfile=a,b: each file's lines, in order, as absl reads them: leading
  // blanks dropped, blank and "#" lines skipped, every other line one
  // argument that starts with "-".
  void ReadFlagfiles(absl::string_view value, const std::string& origin, int depth) {
    if (value.empty()) return;  // absl reads "--flagfile=" as no file.
    for (absl::string_view path : absl::StrSplit(value, ',')) {
      if (depth >= kMaxFlagfileDepth) {
        Problem(absl::StrCat("--flagfile: \"", path, "\" nests flagfiles more than ",
                             kMaxFlagfileDepth, " deep", origin));
        return;
      }
      std::ifstream file{std::string(path)};
      if (!file) {
        Problem(absl::StrCat("--flagfile: cannot read \"", path, "\"", origin));
        continue;
      }
      std::vector<Argument> lines;
      std::string line;
      for (int number = 1; std::getline(file, line); ++number) {
        absl::string_view stripped = absl::StripLeadingAsciiWhitespace(line);
        if (stripped.empty() || stripped[0] == '#') continue;
        const std::string where =
            absl::StrCat(" (flagfile \"", path, "\" line ", number, ")");
        if (stripped[0] != '-' || stripped == "--") {
          Problem(absl::StrCat("--flagfile: expected --name=value, got \"",
                               absl::CEscape(stripped), "\"", where));
          continue;
        }
        lines.push_back({std::string(stripped), where});
      }
      Read(lines, depth + 1);
    }
  }

  void Problem(std::string message) {
    if (first_problem_.ok()) first_problem_ = absl::InvalidArgumentError(message);
  }

  std::vector<absl::CommandLineFlag*> flags_;
  RepeatedFlagValues* repeated_;  // may be null
  bool help_ = false;
  bool version_ = false;
  absl::Status first_problem_;
};

// `words` joined by spaces in lines of at most `width` columns, the first
// indented by `indent`, the rest by `indent` + 2; a word longer than a line
// stands alone on its own.
std::string Wrap(const std::vector<std::string>& words, size_t indent, size_t width) {
  std::string out(indent, ' ');
  size_t column = indent;
  bool line_empty = true;
  for (const std::string& word : words) {
    if (!line_empty && column + 1 + word.size() > width) {
      absl::StrAppend(&out, "\n", std::string(indent + 2, ' '));
      column = indent + 2;
      line_empty = true;
    }
    if (!line_empty) {
      out += ' ';
      ++column;
    }
    absl::StrAppend(&out, word);
    column += word.size();
    line_empty = false;
  }
  return out + "\n";
}

}  // namespace

std::string EnvVarFor(absl::string_view flag_name) {
  return absl::StrCat("GATEWAY_PROXY_", absl::AsciiStrToUpper(flag_name));
}

absl::StatusOr<std::vector<EnvSetting>> ApplyEnvironment(
    absl::string_view defined_in, absl::FunctionRef<const char*(const char*)> getenv) {
  // In name order, so the first bad variable reported is deterministic.
  std::vector<EnvSetting> applied;
  for (const auto& [name, flag] : FlagsDefinedIn(defined_in)) {
    std::string variable = EnvVarFor(name);
    const char* value = getenv(variable.c_str());
    if (value == nullptr) continue;
    if (std::string problem = SetOrExplain(*flag, value); !problem.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(variable, " (--", name, "): ", problem));
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

absl::StatusOr<CommandLineAction> CheckCommandLine(absl::string_view defined_in,
                                                   int argc, char** argv,
                                                   RepeatedFlagValues* repeated) {
  // The walk sets each flag it reads; every flag is put back after it.
  // (absl::FlagSaver would too, but logs a line per flag on stderr.)
  std::vector<std::pair<absl::CommandLineFlag*, std::string>> saved;
  for (const auto& [name, flag] : FlagsDefinedIn(defined_in)) {
    saved.emplace_back(flag, flag->CurrentValue());
  }
  std::vector<Argument> args;
  for (int i = 1; i < argc; ++i) args.push_back({argv[i], ""});
  CommandLineReader reader(defined_in, repeated);
  reader.Read(args, /*depth=*/0);
  for (const auto& [flag, value] : saved) {
    std::string error;
    // A value the flag printed itself parses back.
    if (flag->CurrentValue() != value) (void)flag->ParseFrom(value, &error);
  }
  if (reader.help()) return CommandLineAction::kHelp;
  if (reader.version()) return CommandLineAction::kVersion;
  if (!reader.first_problem().ok()) return reader.first_problem();
  return CommandLineAction::kRun;
}

std::string FlagsHelp(absl::string_view defined_in) {
  std::string help;
  for (const auto& [name, flag] : FlagsDefinedIn(defined_in)) {
    std::string default_value = flag->DefaultValue();
    if (flag->IsOfType<std::string>()) default_value = absl::StrCat("\"", default_value, "\"");
    // The help's words wrap; "default: VALUE;" stays on one line.
    std::vector<std::string> words = {absl::StrCat("--", name)};
    for (absl::string_view word :
         absl::StrSplit(absl::StrCat("(", flag->Help(), ");"), ' ', absl::SkipEmpty())) {
      words.emplace_back(word);
    }
    words.push_back(absl::StrCat("default: ", default_value, ";"));
    absl::StrAppend(&help, Wrap(words, /*indent=*/4, /*width=*/80));
  }
  return help;
}

}  // namespace gateway_proxy
