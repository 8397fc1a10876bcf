// Credential selection, forwarded metadata and the rotating API key file
// (proxy/credentials.h). No error message may ever hold a credential.
#include "credentials.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

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

const std::vector<std::string> kDefaultAllowlist = {"x-request-id", "traceparent",
                                                    "tracestate"};

// --- SelectAuthorization --------------------------------------------------

TEST(SelectAuthorizationTest, AuthorizationIsSentVerbatim) {
  auto auth = SelectAuthorization({{"authorization", "Basic dXNlcjpwYXNz"}}, "");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(*auth, "Basic dXNlcjpwYXNz");
}

TEST(SelectAuthorizationTest, AuthorizationWinsOverApiKeyAndFile) {
  auto auth = SelectAuthorization(
      {{"x-api-key", "from-header"}, {"authorization", "Bearer from-auth"}}, "from-file");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(*auth, "Bearer from-auth");
}

TEST(SelectAuthorizationTest, ApiKeyBecomesBearerToken) {
  auto auth = SelectAuthorization({{"x-request-id", "r1"}, {"x-api-key", "K"}}, "");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(*auth, "Bearer K");
}

TEST(SelectAuthorizationTest, ApiKeyWinsOverFile) {
  auto auth = SelectAuthorization({{"x-api-key", "K"}}, "from-file");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(*auth, "Bearer K");
}

TEST(SelectAuthorizationTest, FileKeyIsTheFallback) {
  auto auth = SelectAuthorization({{"x-request-id", "r1"}}, "from-file");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(*auth, "Bearer from-file");
}

TEST(SelectAuthorizationTest, EmptyMetadataValuesFallThrough) {
  auto auth =
      SelectAuthorization({{"authorization", ""}, {"x-api-key", ""}}, "from-file");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(*auth, "Bearer from-file");
}

TEST(SelectAuthorizationTest, EmptyAuthorizationFallsThroughToApiKey) {
  auto auth = SelectAuthorization({{"authorization", ""}, {"x-api-key", "K"}}, "");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(*auth, "Bearer K");
}

TEST(SelectAuthorizationTest, FirstAuthorizationEntryIsUsed) {
  auto auth = SelectAuthorization(
      {{"authorization", "Bearer first"}, {"authorization", "Bearer second"}}, "");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(*auth, "Bearer first");
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
  EXPECT_EQ(auth.status().message(), "metadata \"authorization\" contains CR, LF or NUL");
  EXPECT_THAT(std::string(auth.status().message()), Not(HasSubstr("s3cr3t")));
}

TEST(SelectAuthorizationTest, AuthorizationWithLoneLfIsRejected) {
  auto auth = SelectAuthorization({{"authorization", "Bearer s3cr3t\n"}}, "");
  ASSERT_FALSE(auth.ok());
  EXPECT_EQ(auth.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(auth.status().message(), "metadata \"authorization\" contains CR, LF or NUL");
}

TEST(SelectAuthorizationTest, AuthorizationWithNulIsRejected) {
  auto auth =
      SelectAuthorization({{"authorization", std::string("Bearer s3c\0r3t", 14)}}, "");
  ASSERT_FALSE(auth.ok());
  EXPECT_EQ(auth.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(auth.status().message(), "metadata \"authorization\" contains CR, LF or NUL");
  EXPECT_THAT(std::string(auth.status().message()), Not(HasSubstr("s3c")));
}

TEST(SelectAuthorizationTest, ApiKeyWithCrIsRejectedWithoutEchoingIt) {
  auto auth = SelectAuthorization({{"x-api-key", "s3cr3t\rX"}}, "file");
  ASSERT_FALSE(auth.ok());
  EXPECT_EQ(auth.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(auth.status().message(), "metadata \"x-api-key\" contains CR, LF or NUL");
  EXPECT_THAT(std::string(auth.status().message()), Not(HasSubstr("s3cr3t")));
}

TEST(SelectAuthorizationTest, ApiKeyWithNulIsRejected) {
  auto auth = SelectAuthorization({{"x-api-key", std::string("ab\0cd", 5)}}, "");
  ASSERT_FALSE(auth.ok());
  EXPECT_EQ(auth.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(auth.status().message(), "metadata \"x-api-key\" contains CR, LF or NUL");
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
  EXPECT_EQ(headers.status().message(), "metadata \"traceparent\" contains CR, LF or NUL");
  EXPECT_THAT(std::string(headers.status().message()), Not(HasSubstr("X-Evil")));
}

TEST(ForwardedHeadersTest, NulInAllowlistedValueIsRejected) {
  auto headers =
      ForwardedHeaders({{"x-request-id", std::string("r\0 1", 4)}}, kDefaultAllowlist);
  ASSERT_FALSE(headers.ok());
  EXPECT_EQ(headers.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(headers.status().message(), "metadata \"x-request-id\" contains CR, LF or NUL");
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
  EXPECT_EQ(*auth, "Bearer file-key");
}

}  // namespace
}  // namespace gateway_proxy
