// stderr_log.h: the level names and which lines --log_level keeps.
#include "proxy/observability/stderr_log.h"

#include "gtest/gtest.h"

namespace gateway_proxy {
namespace {

TEST(StderrLogTest, LevelNamesParseBackAndNothingElseDoes) {
  for (LogLevel level : {LogLevel::kError, LogLevel::kWarn, LogLevel::kInfo, LogLevel::kDebug}) {
    EXPECT_EQ(ParseLogLevel(LogLevelName(level)), level);
  }
  EXPECT_EQ(ParseLogLevel("INFO"), std::nullopt);
  EXPECT_EQ(ParseLogLevel("warning"), std::nullopt);
  EXPECT_EQ(ParseLogLevel(""), std::nullopt);
}

TEST(StderrLogTest, LevelKeepsItselfAndWhatIsMoreSevere) {
  EXPECT_TRUE(StderrLogEnabled(LogLevel::kInfo));  // The default.
  EXPECT_FALSE(StderrLogEnabled(LogLevel::kDebug));
  SetStderrLogLevel(LogLevel::kWarn);
  EXPECT_TRUE(StderrLogEnabled(LogLevel::kError));
  EXPECT_TRUE(StderrLogEnabled(LogLevel::kWarn));
  EXPECT_FALSE(StderrLogEnabled(LogLevel::kInfo));
  EXPECT_FALSE(StderrLogEnabled(LogLevel::kDebug));
  SetStderrLogLevel(LogLevel::kDebug);
  EXPECT_TRUE(StderrLogEnabled(LogLevel::kDebug));
  SetStderrLogLevel(LogLevel::kError);
  EXPECT_TRUE(StderrLogEnabled(LogLevel::kError));
  EXPECT_FALSE(StderrLogEnabled(LogLevel::kWarn));
  SetStderrLogLevel(LogLevel::kInfo);
}

}  // namespace
}  // namespace gateway_proxy
