// Credential selection, forwarded metadata and the rotating API key file
// (proxy/edge/credentials.h). No error message may ever hold a credential.
#include "proxy/edge/credentials.h"

#include <stdlib.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proxy/observability/stderr_log.h"

namespace gateway_proxy {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;
using ::testing::ElementsAre;

constexpr absl::string_view kNoCredentials =
    "no credentials: send \"authorization\" or \"x-api-key\" metadata, or start "
    "gateway-proxy with --api_key_file";

std::string UnsafeValueMessage(absl::string_view key) {
  return absl::StrCat("metadata \"", key,
                      "\" contains a byte not allowed in an HTTP header (a control character "
                      "such as CR, LF or NUL, DEL, or a byte >= 0x80)");
}

const std::vector<std::string> kDefaultAllowlist = {"x-request-id", "traceparent",
                                                    "tracestate"};

// --- SelectAuthorization --------------------------------------------------

TEST(SelectAuthorizationTest, AuthorizationIsSentVerbatim) {
  auto auth = SelectAuthorization({{"authorization", "Basic dXNlcjpwYXNz"}}, "");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->value, "Basic dXNlcjpwYXNz");
}

TEST(SelectAuthorizationTest, AuthorizationWinsOverApiKeyAndFile) {
  auto auth = SelectAuthorization(
      {{"x-api-key", "from-header"}, {"authorization", "Bearer from-auth"}}, "from-file");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->value, "Bearer from-auth");
}

TEST(SelectAuthorizationTest, ApiKeyBecomesBearerToken) {
  auto auth = SelectAuthorization({{"x-request-id", "r1"}, {"x-api-key", "K"}}, "");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->value, "Bearer K");
}

TEST(SelectAuthorizationTest, ApiKeyWinsOverFile) {
  auto auth = SelectAuthorization({{"x-api-key", "K"}}, "from-file");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->value, "Bearer K");
}

TEST(SelectAuthorizationTest, FileKeyIsTheFallback) {
  auto auth = SelectAuthorization({{"x-request-id", "r1"}}, "from-file");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->value, "Bearer from-file");
  EXPECT_EQ(auth->injected_key, "from-file");
}

TEST(SelectAuthorizationTest, ACallersOwnCredentialIsNotInjected) {
  auto from_authorization = SelectAuthorization({{"authorization", "Bearer t"}}, "from-file");
  ASSERT_TRUE(from_authorization.ok()) << from_authorization.status();
  EXPECT_EQ(from_authorization->injected_key, "");
  auto from_api_key = SelectAuthorization({{"x-api-key", "k"}}, "from-file");
  ASSERT_TRUE(from_api_key.ok()) << from_api_key.status();
  EXPECT_EQ(from_api_key->injected_key, "");
}

TEST(SelectAuthorizationTest, BlankAuthorizationCountsAsAbsent) {
  for (const char* blank : {"   ", "\t", " \t ", "Bearer", "Bearer   ", "bearer"}) {
    auto with_file = SelectAuthorization({{"authorization", blank}}, "from-file");
    ASSERT_TRUE(with_file.ok()) << with_file.status();
    EXPECT_EQ(with_file->value, "Bearer from-file") << "\"" << blank << "\"";
    EXPECT_EQ(with_file->injected_key, "from-file");
    auto with_api_key = SelectAuthorization({{"authorization", blank}, {"x-api-key", "K"}}, "");
    ASSERT_TRUE(with_api_key.ok()) << with_api_key.status();
    EXPECT_EQ(with_api_key->value, "Bearer K");
    auto with_nothing = SelectAuthorization({{"authorization", blank}}, "");
    EXPECT_EQ(with_nothing.status(), absl::UnauthenticatedError(kNoCredentials));
  }
}

TEST(SelectAuthorizationTest, BlankApiKeyCountsAsAbsent) {
  auto auth = SelectAuthorization({{"x-api-key", "  "}}, "from-file");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->value, "Bearer from-file");
  EXPECT_EQ(SelectAuthorization({{"x-api-key", " \t"}}, "").status(),
            absl::UnauthenticatedError(kNoCredentials));
}

TEST(SelectAuthorizationTest, EveryByteOutsidePrintableAsciiAndTabIsRefused) {
  for (const std::string& bad :
       {std::string("Bearer a\vb"), std::string("Bearer a\fb"), std::string("Bearer a\x7f"),
        std::string("Bearer caf\xc3\xa9"), std::string("Bearer \x80"),
        std::string("Bearer \xff"), std::string("Bearer a\x01"), std::string("Bearer a\x1b")}) {
    auto auth = SelectAuthorization({{"authorization", bad}}, "from-file");
    EXPECT_EQ(auth.status(), absl::InvalidArgumentError(UnsafeValueMessage("authorization")))
        << absl::CEscape(bad);
    auto key = SelectAuthorization({{"x-api-key", bad.substr(7)}}, "from-file");
    EXPECT_EQ(key.status(), absl::InvalidArgumentError(UnsafeValueMessage("x-api-key")))
        << absl::CEscape(bad);
    auto forwarded = ForwardedHeaders({{"x-request-id", bad}}, kDefaultAllowlist);
    EXPECT_EQ(forwarded.status(), absl::InvalidArgumentError(UnsafeValueMessage("x-request-id")))
        << absl::CEscape(bad);
  }
}

TEST(SelectAuthorizationTest, TabsAndSpacesInsideAValueAreKept) {
  auto auth = SelectAuthorization({{"authorization", "Custom a\tb c"}}, "");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->value, "Custom a\tb c");
}

TEST(SelectAuthorizationTest, EmptyMetadataValuesFallThrough) {
  auto auth =
      SelectAuthorization({{"authorization", ""}, {"x-api-key", ""}}, "from-file");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->value, "Bearer from-file");
}

TEST(SelectAuthorizationTest, EmptyAuthorizationFallsThroughToApiKey) {
  auto auth = SelectAuthorization({{"authorization", ""}, {"x-api-key", "K"}}, "");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->value, "Bearer K");
}

TEST(SelectAuthorizationTest, FirstAuthorizationEntryIsUsed) {
  auto auth = SelectAuthorization(
      {{"authorization", "Bearer first"}, {"authorization", "Bearer second"}}, "");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->value, "Bearer first");
}

TEST(SelectAuthorizationTest, NoCredentialsIsUnauthenticated) {
  auto auth = SelectAuthorization({{"x-request-id", "r1"}}, "");
  ASSERT_FALSE(auth.ok());
  EXPECT_EQ(auth.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(auth.status().message(), kNoCredentials);
}

TEST(SelectAuthorizationTest, EmptyMetadataAndNoFileIsUnauthenticated) {
  auto auth = SelectAuthorization({}, "");
  ASSERT_FALSE(auth.ok());
  EXPECT_EQ(auth.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(auth.status().message(), kNoCredentials);
}

TEST(SelectAuthorizationTest, AuthorizationWithCrLfIsRejectedWithoutEchoingIt) {
  auto auth = SelectAuthorization(
      {{"authorization", "Bearer s3cr3t\r\nX-Evil: 1"}, {"x-api-key", "K"}}, "file");
  ASSERT_FALSE(auth.ok());
  EXPECT_EQ(auth.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(auth.status().message(), UnsafeValueMessage("authorization"));
  EXPECT_THAT(std::string(auth.status().message()), Not(HasSubstr("s3cr3t")));
}

TEST(SelectAuthorizationTest, AuthorizationWithLoneLfIsRejected) {
  auto auth = SelectAuthorization({{"authorization", "Bearer s3cr3t\n"}}, "");
  ASSERT_FALSE(auth.ok());
  EXPECT_EQ(auth.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(auth.status().message(), UnsafeValueMessage("authorization"));
}

TEST(SelectAuthorizationTest, AuthorizationWithNulIsRejected) {
  auto auth =
      SelectAuthorization({{"authorization", std::string("Bearer s3c\0r3t", 14)}}, "");
  ASSERT_FALSE(auth.ok());
  EXPECT_EQ(auth.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(auth.status().message(), UnsafeValueMessage("authorization"));
  EXPECT_THAT(std::string(auth.status().message()), Not(HasSubstr("s3c")));
}

TEST(SelectAuthorizationTest, ApiKeyWithCrIsRejectedWithoutEchoingIt) {
  auto auth = SelectAuthorization({{"x-api-key", "s3cr3t\rX"}}, "file");
  ASSERT_FALSE(auth.ok());
  EXPECT_EQ(auth.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(auth.status().message(), UnsafeValueMessage("x-api-key"));
  EXPECT_THAT(std::string(auth.status().message()), Not(HasSubstr("s3cr3t")));
}

TEST(SelectAuthorizationTest, ApiKeyWithNulIsRejected) {
  auto auth = SelectAuthorization({{"x-api-key", std::string("ab\0cd", 5)}}, "");
  ASSERT_FALSE(auth.ok());
  EXPECT_EQ(auth.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(auth.status().message(), UnsafeValueMessage("x-api-key"));
}

// --- ForwardedHeaders -----------------------------------------------------

TEST(ForwardedHeadersTest, OnlyAllowlistedKeysInArrivalOrder) {
  auto headers = ForwardedHeaders({{"tracestate", "a=b"},
                                   {"user-agent", "grpc-c++/1.51"},
                                   {"x-request-id", "r1"},
                                   {"authorization", "Bearer s"},
                                   {"x-api-key", "K"},
                                   {"grpc-timeout", "5S"},
                                   {"traceparent", "00-abc-def-01"},
                                   {"x-request-id", "r2"}},
                                  kDefaultAllowlist);
  ASSERT_TRUE(headers.ok()) << headers.status();
  EXPECT_THAT(*headers, ElementsAre(Pair("tracestate", "a=b"), Pair("x-request-id", "r1"),
                                    Pair("traceparent", "00-abc-def-01"),
                                    Pair("x-request-id", "r2")));
}

TEST(ForwardedHeadersTest, BinaryMetadataIsNeverForwardedEvenIfAllowlisted) {
  auto headers = ForwardedHeaders({{"trace-bin", "\x01\x02"}, {"x-request-id", "r1"}},
                                  {"trace-bin", "x-request-id"});
  ASSERT_TRUE(headers.ok()) << headers.status();
  EXPECT_THAT(*headers, ElementsAre(Pair("x-request-id", "r1")));
}

TEST(ForwardedHeadersTest, EmptyAllowlistForwardsNothing) {
  auto headers = ForwardedHeaders({{"x-request-id", "r1"}}, {});
  ASSERT_TRUE(headers.ok()) << headers.status();
  EXPECT_THAT(*headers, IsEmpty());
}

TEST(ForwardedHeadersTest, KeysMatchExactly) {
  auto headers = ForwardedHeaders({{"x-request-id-2", "a"}, {"request-id", "b"}},
                                  kDefaultAllowlist);
  ASSERT_TRUE(headers.ok()) << headers.status();
  EXPECT_THAT(*headers, IsEmpty());
}

TEST(ForwardedHeadersTest, EmptyValueIsForwarded) {
  auto headers = ForwardedHeaders({{"x-request-id", ""}}, kDefaultAllowlist);
  ASSERT_TRUE(headers.ok()) << headers.status();
  EXPECT_THAT(*headers, ElementsAre(Pair("x-request-id", "")));
}

TEST(ForwardedHeadersTest, CrLfInAllowlistedValueIsRejectedNamingTheKey) {
  auto headers = ForwardedHeaders(
      {{"x-request-id", "r1"}, {"traceparent", "00-abc\r\nX-Evil: yes"}}, kDefaultAllowlist);
  ASSERT_FALSE(headers.ok());
  EXPECT_EQ(headers.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(headers.status().message(), UnsafeValueMessage("traceparent"));
  EXPECT_THAT(std::string(headers.status().message()), Not(HasSubstr("X-Evil")));
}

TEST(ForwardedHeadersTest, NulInAllowlistedValueIsRejected) {
  auto headers =
      ForwardedHeaders({{"x-request-id", std::string("r\0 1", 4)}}, kDefaultAllowlist);
  ASSERT_FALSE(headers.ok());
  EXPECT_EQ(headers.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(headers.status().message(), UnsafeValueMessage("x-request-id"));
}

TEST(ForwardedHeadersTest, CrLfInMetadataThatIsNotForwardedIsIgnored) {
  auto headers = ForwardedHeaders({{"user-agent", "a\r\nb"}, {"x-request-id", "r1"}},
                                  kDefaultAllowlist);
  ASSERT_TRUE(headers.ok()) << headers.status();
  EXPECT_THAT(*headers, ElementsAre(Pair("x-request-id", "r1")));
}

// --- ApiKeyFile -----------------------------------------------------------

class ApiKeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "api_key_file_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr) << pattern;
    dir_ = pattern;
    path_ = dir_ + "/api-key";
  }

  void TearDown() override {
    std::remove(path_.c_str());
    std::remove((dir_ + "/next").c_str());
    rmdir(dir_.c_str());
  }

  // Writes `content` to `path` in place.
  static void Write(const std::string& path, absl::string_view content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    ASSERT_TRUE(out.good()) << path;
  }

  // Replaces the key file atomically with a new file (a new inode), the way
  // a Kubernetes Secret volume swaps its ..data symlink.
  void Rotate(absl::string_view content) {
    const std::string next = dir_ + "/next";
    Write(next, content);
    ASSERT_EQ(std::rename(next.c_str(), path_.c_str()), 0) << path_;
  }

  std::string dir_;
  std::string path_;
};

TEST_F(ApiKeyFileTest, MissingFileIsNotFoundNamingThePath) {
  ApiKeyFile file(path_);
  absl::Status status = file.Load();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), absl::StrCat("api key file ", path_, " cannot be read"));
  EXPECT_EQ(file.path(), path_);
}

TEST_F(ApiKeyFileTest, EmptyFileIsFailedPrecondition) {
  Write(path_, "");
  ApiKeyFile file(path_);
  absl::Status status = file.Load();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), absl::StrCat("api key file ", path_, " is empty"));
  EXPECT_EQ(file.Current(), "");
}

TEST_F(ApiKeyFileTest, WhitespaceOnlyFileIsEmpty) {
  Write(path_, " \n\t\r\n");
  ApiKeyFile file(path_);
  absl::Status status = file.Load();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), absl::StrCat("api key file ", path_, " is empty"));
}

TEST_F(ApiKeyFileTest, MultiLineFileIsRejectedWithoutItsContent) {
  Write(path_, "s3cr3t-one\ns3cr3t-two\n");
  ApiKeyFile file(path_);
  absl::Status status = file.Load();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), absl::StrCat("api key file ", path_, " holds more than one line"));
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("s3cr3t")));
  EXPECT_EQ(file.Current(), "");
}

TEST_F(ApiKeyFileTest, SurroundingWhitespaceIsTrimmed) {
  Write(path_, "  \tkey-1 \r\n");
  ApiKeyFile file(path_);
  ASSERT_TRUE(file.Load().ok());
  EXPECT_EQ(file.Current(), "key-1");
}

TEST_F(ApiKeyFileTest, InnerSpacesAreKept) {
  Write(path_, "key with spaces\n");
  ApiKeyFile file(path_);
  ASSERT_TRUE(file.Load().ok());
  EXPECT_EQ(file.Current(), "key with spaces");
}

TEST_F(ApiKeyFileTest, CurrentReadsTheFileWithoutLoad) {
  Write(path_, "key-1\n");
  ApiKeyFile file(path_, absl::ZeroDuration());
  EXPECT_EQ(file.Current(), "key-1");
}

TEST_F(ApiKeyFileTest, RotatedFileIsPickedUp) {
  Write(path_, "key-1\n");
  ApiKeyFile file(path_, absl::ZeroDuration());
  ASSERT_TRUE(file.Load().ok());
  EXPECT_EQ(file.Current(), "key-1");
  Rotate("key-2\n");
  EXPECT_EQ(file.Current(), "key-2");
  Rotate("key-3");
  EXPECT_EQ(file.Current(), "key-3");
}

TEST_F(ApiKeyFileTest, RotationIsNotCheckedWithinTheRecheckInterval) {
  Write(path_, "key-1\n");
  ApiKeyFile file(path_, absl::InfiniteDuration());
  ASSERT_TRUE(file.Load().ok());
  Rotate("key-2\n");
  EXPECT_EQ(file.Current(), "key-1");
}

TEST_F(ApiKeyFileTest, LoadRereadsRegardlessOfTheInterval) {
  Write(path_, "key-1\n");
  ApiKeyFile file(path_, absl::InfiniteDuration());
  ASSERT_TRUE(file.Load().ok());
  Rotate("key-2\n");
  ASSERT_TRUE(file.Load().ok());
  EXPECT_EQ(file.Current(), "key-2");
}

TEST_F(ApiKeyFileTest, EmptiedFileKeepsTheLastGoodKey) {
  Write(path_, "key-1\n");
  ApiKeyFile file(path_, absl::ZeroDuration());
  ASSERT_TRUE(file.Load().ok());
  Rotate("");
  EXPECT_EQ(file.Current(), "key-1");
  // The freed inode may be reused; a different length keeps the change
  // visible even within one timestamp tick.
  Rotate("key-two\n");
  EXPECT_EQ(file.Current(), "key-two");
}

TEST_F(ApiKeyFileTest, DeletedFileKeepsTheLastGoodKey) {
  Write(path_, "key-1\n");
  ApiKeyFile file(path_, absl::ZeroDuration());
  ASSERT_TRUE(file.Load().ok());
  ASSERT_EQ(std::remove(path_.c_str()), 0);
  EXPECT_EQ(file.Current(), "key-1");
  // The freed inode may be reused; a different length keeps the change
  // visible even within one timestamp tick.
  Rotate("key-two\n");
  EXPECT_EQ(file.Current(), "key-two");
}

TEST_F(ApiKeyFileTest, MultiLineRotationKeepsTheLastGoodKey) {
  Write(path_, "key-1\n");
  ApiKeyFile file(path_, absl::ZeroDuration());
  ASSERT_TRUE(file.Load().ok());
  Rotate("key-2\nkey-3\n");
  EXPECT_EQ(file.Current(), "key-1");
}

TEST_F(ApiKeyFileTest, FailedLoadAfterGoodLoadKeepsTheKey) {
  Write(path_, "key-1\n");
  ApiKeyFile file(path_, absl::InfiniteDuration());
  ASSERT_TRUE(file.Load().ok());
  Rotate("   ");
  absl::Status status = file.Load();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), absl::StrCat("api key file ", path_, " is empty"));
  EXPECT_EQ(file.Current(), "key-1");
}

TEST_F(ApiKeyFileTest, FileKeyFeedsSelectAuthorization) {
  Write(path_, "file-key\n");
  ApiKeyFile file(path_, absl::ZeroDuration());
  ASSERT_TRUE(file.Load().ok());
  auto auth = SelectAuthorization({}, file.Current());
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->value, "Bearer file-key");
}

TEST_F(ApiKeyFileTest, ARewriteOfTheSameLengthWithTheOldMtimeIsPickedUp) {
  Write(path_, "key-1\n");
  ApiKeyFile file(path_, absl::ZeroDuration());
  ASSERT_TRUE(file.Load().ok());
  struct stat before;
  ASSERT_EQ(stat(path_.c_str(), &before), 0);
  // File timestamps advance with the kernel's coarse clock (a few ms): wait
  // until it has ticked, so that the rewrite's ctime can differ at all.
  absl::SleepFor(absl::Milliseconds(30));
  Write(path_, "key-2\n");  // Same inode, same length.
  const timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(utimensat(AT_FDCWD, path_.c_str(), times, 0), 0);
  struct stat after;
  ASSERT_EQ(stat(path_.c_str(), &after), 0);
  ASSERT_EQ(after.st_ino, before.st_ino);
  ASSERT_EQ(after.st_size, before.st_size);
  ASSERT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
  ASSERT_EQ(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
  EXPECT_EQ(file.Current(), "key-2");
}

TEST_F(ApiKeyFileTest, AByteNotAllowedInAHeaderIsRefusedWithoutTheContent) {
  Write(path_, "s3cr3t\x7fkey\n");
  ApiKeyFile file(path_);
  absl::Status status = file.Load();
  EXPECT_EQ(status, absl::FailedPreconditionError(absl::StrCat(
                        "api key file ", path_,
                        " holds a byte not allowed in an HTTP header (a control character, "
                        "DEL or a byte >= 0x80)")));
}

// Collects what the process writes to stderr (file descriptor 2) meanwhile.
class CapturedStderr {
 public:
  CapturedStderr() {
    std::string pattern = ::testing::TempDir() + "stderr.XXXXXX";
    fd_ = mkstemp(pattern.data());
    path_ = pattern;
    saved_ = dup(STDERR_FILENO);
    dup2(fd_, STDERR_FILENO);
  }
  ~CapturedStderr() { Restore(); }
  // Everything written so far (after the stderr writer has caught up).
  std::string Text() {
    EXPECT_TRUE(FlushStderr(absl::Seconds(10)));
    std::ifstream in(path_);
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
  }
  void Restore() {
    if (saved_ < 0) return;
    FlushStderr(absl::Seconds(10));
    dup2(saved_, STDERR_FILENO);
    close(saved_);
    close(fd_);
    std::remove(path_.c_str());
    saved_ = -1;
  }

 private:
  int fd_ = -1;
  int saved_ = -1;
  std::string path_;
};

TEST_F(ApiKeyFileTest, AFailedRereadIsLoggedOnceAnIntervalWithoutTheKey) {
  Write(path_, "s3cr3t-key-1\n");
  ApiKeyFile file(path_, absl::ZeroDuration());
  ASSERT_TRUE(file.Load().ok());
  CapturedStderr captured;
  Rotate("two\nlines\n");
  EXPECT_EQ(file.Current(), "s3cr3t-key-1");
  EXPECT_EQ(file.Current(), "s3cr3t-key-1");  // Within kWarningInterval: no new line.
  const std::string text = captured.Text();
  captured.Restore();
  std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 1u) << text;
  EXPECT_THAT(lines[0], HasSubstr(R"("level":"warn","msg":"api key file cannot be re-read; )"
                                  R"(the last good key stays in use","error":"api key file )"));
  EXPECT_THAT(lines[0], HasSubstr(absl::StrCat(path_, R"( holds more than one line","failures":"1"})")));
  EXPECT_THAT(text, Not(HasSubstr("s3cr3t")));
}

}  // namespace
}  // namespace gateway_proxy
