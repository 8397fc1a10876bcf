#include "proxy/app/env_flags.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

ABSL_FLAG(std::string, env_test_upstream, "https://default.example", "test flag");
ABSL_FLAG(int, env_test_limit, 7, "test flag");
ABSL_FLAG(std::vector<std::string>, env_test_routes, {}, "test flag");
ABSL_FLAG(bool, env_test_enabled, true, "test flag");
ABSL_FLAG(absl::Duration, env_test_timeout, absl::Seconds(30),
          "A test flag whose help is long enough to wrap: it goes on past the "
          "eightieth column, twice over, so that the wrapped lines show their indent.");

namespace gateway_proxy {
namespace {

class FakeEnvironment {
 public:
  using Vars = std::map<std::string, std::string>;
  explicit FakeEnvironment(Vars vars) : vars_(std::move(vars)) {}
  const char* operator()(const char* name) const {
    auto it = vars_.find(name);
    return it == vars_.end() ? nullptr : it->second.c_str();
  }

 private:
  std::map<std::string, std::string> vars_;
};

TEST(EnvFlagsTest, VariableNameIsThePrefixAndTheUpperCaseFlag) {
  EXPECT_EQ(EnvVarFor("api_key_file"), "GATEWAY_PROXY_API_KEY_FILE");
  EXPECT_EQ(EnvVarFor("upstream"), "GATEWAY_PROXY_UPSTREAM");
}

TEST(EnvFlagsTest, VariablesSetTheirFlagsAndAreReportedInNameOrder) {
  FakeEnvironment env(FakeEnvironment::Vars{
      {"GATEWAY_PROXY_ENV_TEST_UPSTREAM", "http://127.0.0.1:8080"},
      {"GATEWAY_PROXY_ENV_TEST_LIMIT", "42"}});
  auto applied = ApplyEnvironment("tests/env_flags_test.cc", env);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(absl::GetFlag(FLAGS_env_test_upstream), "http://127.0.0.1:8080");
  EXPECT_EQ(absl::GetFlag(FLAGS_env_test_limit), 42);
  ASSERT_EQ(applied->size(), 2u);
  EXPECT_EQ((*applied)[0].flag, "env_test_limit");
  EXPECT_EQ((*applied)[0].variable, "GATEWAY_PROXY_ENV_TEST_LIMIT");
  EXPECT_EQ((*applied)[0].value, "42");
  EXPECT_EQ((*applied)[1].flag, "env_test_upstream");
  EXPECT_EQ((*applied)[1].variable, "GATEWAY_PROXY_ENV_TEST_UPSTREAM");
  EXPECT_EQ((*applied)[1].value, "http://127.0.0.1:8080");
}

TEST(EnvFlagsTest, UnsetVariablesLeaveTheirFlagsAlone) {
  absl::SetFlag(&FLAGS_env_test_limit, 7);
  auto applied = ApplyEnvironment("tests/env_flags_test.cc", FakeEnvironment({}));
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_TRUE(applied->empty());
  EXPECT_EQ(absl::GetFlag(FLAGS_env_test_limit), 7);
}

TEST(EnvFlagsTest, FlagsOfOtherFilesAreLeftAlone) {
  absl::SetFlag(&FLAGS_env_test_limit, 7);
  FakeEnvironment env(FakeEnvironment::Vars{{"GATEWAY_PROXY_ENV_TEST_LIMIT", "99"}});
  auto applied = ApplyEnvironment("proxy/app/main.cc", env);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_TRUE(applied->empty());
  EXPECT_EQ(absl::GetFlag(FLAGS_env_test_limit), 7);
}

TEST(EnvFlagsTest, ValueThatDoesNotParseNamesTheVariableAndTheFlag) {
  absl::SetFlag(&FLAGS_env_test_limit, 7);
  FakeEnvironment env(FakeEnvironment::Vars{{"GATEWAY_PROXY_ENV_TEST_LIMIT", "many"}});
  auto applied = ApplyEnvironment("tests/env_flags_test.cc", env);
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(applied.status().message(),
            "GATEWAY_PROXY_ENV_TEST_LIMIT (--env_test_limit): expected an integer, "
            "got \"many\"");
  EXPECT_EQ(absl::GetFlag(FLAGS_env_test_limit), 7);
}

TEST(EnvFlagsTest, ErrorAboutAFlagSetFromTheEnvironmentNamesItsVariable) {
  FakeEnvironment env(FakeEnvironment::Vars{{"GATEWAY_PROXY_ENV_TEST_LIMIT", "-3"}});
  auto applied = ApplyEnvironment("tests/env_flags_test.cc", env);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(NameVariableInError("--env_test_limit: must be positive", *applied),
            "GATEWAY_PROXY_ENV_TEST_LIMIT (--env_test_limit): must be positive");
}

TEST(EnvFlagsTest, ErrorAboutAFlagTheCommandLineOverrodeIsUnchanged) {
  FakeEnvironment env(FakeEnvironment::Vars{{"GATEWAY_PROXY_ENV_TEST_LIMIT", "-3"}});
  auto applied = ApplyEnvironment("tests/env_flags_test.cc", env);
  ASSERT_TRUE(applied.ok()) << applied.status();
  std::string error;
  // What absl::ParseCommandLine() does with --env_test_limit=-4.
  ASSERT_TRUE(absl::FindCommandLineFlag("env_test_limit")->ParseFrom("-4", &error)) << error;
  EXPECT_EQ(NameVariableInError("--env_test_limit: must be positive", *applied),
            "--env_test_limit: must be positive");
}

TEST(EnvFlagsTest, ErrorsAboutOtherFlagsOrNoFlagAreUnchanged) {
  FakeEnvironment env(FakeEnvironment::Vars{{"GATEWAY_PROXY_ENV_TEST_LIMIT", "-3"}});
  auto applied = ApplyEnvironment("tests/env_flags_test.cc", env);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(NameVariableInError("--env_test_upstream: bad", *applied),
            "--env_test_upstream: bad");
  EXPECT_EQ(NameVariableInError("--env_test_limit_2: bad", *applied),
            "--env_test_limit_2: bad");
  EXPECT_EQ(NameVariableInError("cannot start", *applied), "cannot start");
}

// --- the command line ---------------------------------------------------------

constexpr char kThisFile[] = "tests/env_flags_test.cc";

// CheckCommandLine() of `args` after a program name.
absl::StatusOr<CommandLineAction> Check(std::vector<std::string> args) {
  args.insert(args.begin(), "program");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  return CheckCommandLine(kThisFile, static_cast<int>(argv.size()), argv.data());
}

void ExpectProblem(std::vector<std::string> args, const std::string& message) {
  SCOPED_TRACE(::testing::PrintToString(args));
  const auto action = Check(args);
  EXPECT_EQ(action.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(action.status().message(), message);
}

// A file holding `content`, removed at the end of the test.
class Flagfile {
 public:
  explicit Flagfile(const std::string& content) {
    path_ = ::testing::TempDir() + "env_flags_test.XXXXXX";
    const int fd = mkstemp(path_.data());
    EXPECT_GE(fd, 0) << path_;
    if (fd >= 0) close(fd);
    std::ofstream(path_) << content;
  }
  ~Flagfile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(CommandLineTest, EveryFormAbslAcceptsIsRun) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {},
           {"--env_test_limit=3"},
           {"-env_test_limit=3"},
           {"--env_test_limit", "3"},
           {"--env_test_upstream", "--not-a-flag-but-a-value"},
           {"--env_test_upstream="},
           {"--env_test_enabled"},
           {"--noenv_test_enabled"},
           {"--env_test_enabled=false"},
           {"--env_test_timeout=1m30s", "--"},
       }) {
    const auto action = Check(args);
    ASSERT_TRUE(action.ok()) << ::testing::PrintToString(args) << ": " << action.status();
    EXPECT_EQ(*action, CommandLineAction::kRun);
  }
}

TEST(CommandLineTest, NoFlagIsLeftChanged) {
  absl::SetFlag(&FLAGS_env_test_limit, 7);
  absl::SetFlag(&FLAGS_env_test_enabled, true);
  ASSERT_TRUE(Check({"--env_test_limit=3", "--noenv_test_enabled"}).ok());
  EXPECT_EQ(absl::GetFlag(FLAGS_env_test_limit), 7);
  EXPECT_TRUE(absl::GetFlag(FLAGS_env_test_enabled));
}

TEST(CommandLineTest, ValueThatDoesNotParseNamesTheFlagAndWhatItTakes) {
  ExpectProblem({"--env_test_limit=x"}, R"(--env_test_limit: expected an integer, got "x")");
  ExpectProblem({"--env_test_limit", "99999999999"},
                R"(--env_test_limit: expected an integer, got "99999999999")");
  ExpectProblem({"--env_test_timeout=abc"},
                R"(--env_test_timeout: expected a duration such as 30s or 500ms, got "abc")");
  ExpectProblem({"--env_test_enabled=maybe"},
                R"(--env_test_enabled: expected true or false, got "maybe")");
  ExpectProblem({"--env_test_enabled="},
                R"(--env_test_enabled: expected true or false, got "")");
}

TEST(CommandLineTest, MisusedFormsNameTheFlag) {
  ExpectProblem({"--env_test_limit"}, "--env_test_limit: missing value");
  ExpectProblem({"--noenv_test_limit"},
                "--env_test_limit: --noenv_test_limit is for true/false flags only");
  ExpectProblem({"--noenv_test_enabled=true"},
                "--env_test_enabled: --noenv_test_enabled takes no value");
}

TEST(CommandLineTest, UnknownFlagIsNamed) {
  ExpectProblem({"--env_test_limt=3"}, "--env_test_limt: unknown flag (--help lists every flag)");
  // Defined, but not in this file: absl's own, and other files' flags.
  ExpectProblem({"--undefok=x"}, "--undefok: unknown flag (--help lists every flag)");
}

TEST(CommandLineTest, ArgumentThatIsNotAFlagIsRefused) {
  ExpectProblem({"extra"}, R"("extra": unexpected argument (flags are --name=value))");
  ExpectProblem({"-"}, R"("-": unexpected argument (flags are --name=value))");
  ExpectProblem({"--", "extra"}, R"("extra": unexpected argument (flags are --name=value))");
}

TEST(CommandLineTest, FirstProblemIsReported) {
  ExpectProblem({"--env_test_limit=x", "--nope"},
                R"(--env_test_limit: expected an integer, got "x")");
}

TEST(CommandLineTest, HelpAndVersionWinOverProblems) {
  for (const char* help : {"-h", "--help", "-help", "--h"}) {
    const auto action = Check({"--nope", "--env_test_limit=x", help});
    ASSERT_TRUE(action.ok()) << help << ": " << action.status();
    EXPECT_EQ(*action, CommandLineAction::kHelp);
  }
  const auto action = Check({"--env_test_limit=x", "--version"});
  ASSERT_TRUE(action.ok()) << action.status();
  EXPECT_EQ(*action, CommandLineAction::kVersion);
}

TEST(CommandLineTest, FlagfileLinesAreCheckedAndNamedByLine) {
  Flagfile flags(
      "# settings\n"
      "\n"
      "  --env_test_limit=5\n"
      "--env_test_timeout=abc\n");
  ExpectProblem({"--flagfile=" + flags.path()},
                absl::StrCat(R"(--env_test_timeout: expected a duration such as 30s or )",
                             R"(500ms, got "abc" (flagfile ")", flags.path(), R"(" line 4))"));
  ExpectProblem({"--flagfile", flags.path()},
                absl::StrCat(R"(--env_test_timeout: expected a duration such as 30s or )",
                             R"(500ms, got "abc" (flagfile ")", flags.path(), R"(" line 4))"));
}

TEST(CommandLineTest, FlagfileIsRead) {
  Flagfile good("--env_test_limit=5\n--noenv_test_enabled\n");
  Flagfile nested("--flagfile=" + good.path() + "\n");
  for (const std::string& flagfile :
       {good.path(), nested.path(), good.path() + "," + nested.path()}) {
    const auto action = Check({"--flagfile=" + flagfile});
    ASSERT_TRUE(action.ok()) << flagfile << ": " << action.status();
    EXPECT_EQ(*action, CommandLineAction::kRun);
  }
}

// A repeatable flag: every occurrence is kept, in order, flagfiles in place;
// absl itself keeps only the last.
TEST(CommandLineTest, RepeatedFlagCollectsEveryOccurrenceInOrder) {
  Flagfile flags("--env_test_routes=b.B=http://b\n--env_test_limit=5\n");
  const std::vector<std::string> args = {
      "program", "--env_test_routes=a.A=http://a", "--flagfile=" + flags.path(),
      "--env_test_routes", "c.C=http://c,d.D=http://d", "--env_test_routes="};
  std::vector<char*> argv;
  std::vector<std::string> storage = args;
  for (std::string& arg : storage) argv.push_back(arg.data());
  RepeatedFlagValues repeated = {{"env_test_routes", {}}};
  const auto action =
      CheckCommandLine(kThisFile, static_cast<int>(argv.size()), argv.data(), &repeated);
  ASSERT_TRUE(action.ok()) << action.status();
  EXPECT_EQ(*action, CommandLineAction::kRun);
  ASSERT_EQ(repeated.size(), 1u);
  EXPECT_EQ(repeated["env_test_routes"],
            (std::vector<std::string>{"a.A=http://a", "b.B=http://b",
                                      "c.C=http://c,d.D=http://d", ""}));
  // Flags not named stay out, and the flag itself is left as it was.
  EXPECT_EQ(repeated.count("env_test_limit"), 0u);
  EXPECT_TRUE(absl::GetFlag(FLAGS_env_test_routes).empty());
}

TEST(CommandLineTest, RepeatedFlagNotGivenCollectsNothing) {
  std::string program = "program", limit = "--env_test_limit=3";
  char* argv[] = {program.data(), limit.data()};
  RepeatedFlagValues repeated = {{"env_test_routes", {}}};
  ASSERT_TRUE(CheckCommandLine(kThisFile, 2, argv, &repeated).ok());
  EXPECT_EQ(repeated, (RepeatedFlagValues{{"env_test_routes", {}}}));
}

TEST(CommandLineTest, FlagfileProblemsNameTheFile) {
  ExpectProblem({"--flagfile=/nonexistent/flags"},
                R"(--flagfile: cannot read "/nonexistent/flags")");
  ExpectProblem({"--flagfile"}, "--flagfile: missing value");
  // A line's end is part of its value: absl takes "30s\r" as it is.
  Flagfile windows("--env_test_timeout=30s\r\n");
  ExpectProblem({"--flagfile=" + windows.path()},
                absl::StrCat(R"(--env_test_timeout: expected a duration such as 30s or )",
                             R"(500ms, got "30s\r" (flagfile ")", windows.path(),
                             R"(" line 1))"));
  Flagfile bare("env_test_limit=5\n");
  ExpectProblem({"--flagfile=" + bare.path()},
                absl::StrCat(R"(--flagfile: expected --name=value, got "env_test_limit=5" )",
                             R"((flagfile ")", bare.path(), R"(" line 1))"));
  Flagfile unknown("--env_test_nope=1\n");
  ExpectProblem({"--flagfile=" + unknown.path()},
                absl::StrCat("--env_test_nope: unknown flag (--help lists every flag) ",
                             R"((flagfile ")", unknown.path(), R"(" line 1))"));
}

TEST(CommandLineTest, FlagfileThatNamesItselfIsRefused) {
  Flagfile loop("");
  std::ofstream(loop.path()) << "--flagfile=" << loop.path() << "\n";
  ExpectProblem({"--flagfile=" + loop.path()},
                absl::StrCat(R"(--flagfile: ")", loop.path(),
                             R"(" nests flagfiles more than 8 deep (flagfile ")",
                             loop.path(), R"(" line 1))"));
}

TEST(CommandLineTest, HelpListsTheFilesFlagsInNameOrderWrappedAt80Columns) {
  EXPECT_EQ(FlagsHelp(kThisFile),
            "    --env_test_enabled (test flag); default: true;\n"
            "    --env_test_limit (test flag); default: 7;\n"
            "    --env_test_routes (test flag); default: ;\n"
            "    --env_test_timeout (A test flag whose help is long enough to wrap: it goes\n"
            "      on past the eightieth column, twice over, so that the wrapped lines show\n"
            "      their indent.); default: 30s;\n"
            "    --env_test_upstream (test flag); default: \"https://default.example\";\n");
}

}  // namespace
}  // namespace gateway_proxy
