#include "env_flags.h"

#include <map>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "gtest/gtest.h"

ABSL_FLAG(std::string, env_test_upstream, "https://default.example", "test flag");
ABSL_FLAG(int, env_test_limit, 7, "test flag");

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
  auto applied = ApplyEnvironment("proxy/main.cc", env);
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
            "GATEWAY_PROXY_ENV_TEST_LIMIT (--env_test_limit): Illegal value 'many' "
            "specified for flag 'env_test_limit'");
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

}  // namespace
}  // namespace gateway_proxy
