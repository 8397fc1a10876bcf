#include "env_flags.h"

#include <map>
#include <string>

#include "absl/flags/flag.h"
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

TEST(EnvFlagsTest, VariablesSetTheirFlags) {
  FakeEnvironment env(FakeEnvironment::Vars{{"GATEWAY_PROXY_ENV_TEST_UPSTREAM", "http://127.0.0.1:8080"},
                       {"GATEWAY_PROXY_ENV_TEST_LIMIT", "42"}});
  ASSERT_TRUE(ApplyEnvironment("tests/env_flags_test.cc", env).ok());
  EXPECT_EQ(absl::GetFlag(FLAGS_env_test_upstream), "http://127.0.0.1:8080");
  EXPECT_EQ(absl::GetFlag(FLAGS_env_test_limit), 42);
}

TEST(EnvFlagsTest, FlagsOfOtherFilesAreLeftAlone) {
  absl::SetFlag(&FLAGS_env_test_limit, 7);
  FakeEnvironment env(FakeEnvironment::Vars{{"GATEWAY_PROXY_ENV_TEST_LIMIT", "99"}});
  ASSERT_TRUE(ApplyEnvironment("proxy/main.cc", env).ok());
  EXPECT_EQ(absl::GetFlag(FLAGS_env_test_limit), 7);
}

TEST(EnvFlagsTest, ValueThatDoesNotParseNamesTheVariableAndTheFlag) {
  FakeEnvironment env(FakeEnvironment::Vars{{"GATEWAY_PROXY_ENV_TEST_LIMIT", "many"}});
  absl::Status status = ApplyEnvironment("tests/env_flags_test.cc", env);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "GATEWAY_PROXY_ENV_TEST_LIMIT (--env_test_limit): Illegal value 'many' "
            "specified for flag 'env_test_limit'");
}

}  // namespace
}  // namespace gateway_proxy
