// ValidateConfig (proxy/app/config.h): the defaults, and the exact one-line
// "--flag: ..." message for each invalid setting; and StartupLogLine.
//
// Most cases are rows of two tables, instantiated once per flag so that each
// row is its own test (and CTest case), named after the flag and the row:
//   Listen/AcceptedConfigTest.IsValid/UnixAbsolutePath
//   Listen/RejectedConfigTest.GivesTheExactStatus/WithoutPort
// A row is the default Config changed by one mutation and, for rejections,
// the exact status expected. Cases that need files (TempFile, TestCerts),
// take several steps or check something else are plain TESTs.
#include "proxy/app/config.h"

#include <stdlib.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/test_certs.h"

namespace gateway_proxy {
namespace {

using ::testing::ElementsAre;
using ::testing::ValuesIn;

constexpr absl::StatusCode kInvalidArgument = absl::StatusCode::kInvalidArgument;

void ExpectInvalid(const Config& config, absl::string_view message) {
  absl::Status status = ValidateConfig(config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), message);
  EXPECT_FALSE(absl::StrContains(status.message(), "\n"));
}

// A readable file under the test's temp dir, removed at the end.
class TempFile {
 public:
  TempFile() {
    std::string pattern = ::testing::TempDir() + "config_test.XXXXXX";
    const int fd = mkstemp(pattern.data());
    EXPECT_GE(fd, 0) << pattern;
    if (fd >= 0) close(fd);
    path_ = pattern;
    std::ofstream(path_) << "content\n";
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string MissingPath() { return ::testing::TempDir() + "config_test-no-such-file"; }

// --- the tables -------------------------------------------------------------

// A Config that ValidateConfig accepts: the defaults, then `mutate`.
struct AcceptedCase {
  std::string name;  // the test name's last part: letters, digits, '_'
  std::function<void(Config&)> mutate;
};

// A Config that ValidateConfig rejects with exactly `code` and `message`.
struct RejectedCase {
  std::string name;  // the test name's last part: letters, digits, '_'
  std::function<void(Config&)> mutate;
  absl::StatusCode code;
  std::string message;
};

// gtest prints a failing row's parameter; the name says which row it is.
void PrintTo(const AcceptedCase& row, std::ostream* os) { *os << row.name; }
void PrintTo(const RejectedCase& row, std::ostream* os) { *os << row.name; }

// Names each instantiated test after its row.
struct RowName {
  template <typename Row>
  std::string operator()(const ::testing::TestParamInfo<Row>& info) const {
    return info.param.name;
  }
};

class AcceptedConfigTest : public ::testing::TestWithParam<AcceptedCase> {};

TEST_P(AcceptedConfigTest, IsValid) {
  Config config;
  GetParam().mutate(config);
  EXPECT_EQ(ValidateConfig(config), absl::OkStatus());
}

class RejectedConfigTest : public ::testing::TestWithParam<RejectedCase> {};

TEST_P(RejectedConfigTest, GivesTheExactStatus) {
  Config config;
  GetParam().mutate(config);
  const absl::Status status = ValidateConfig(config);
  // Status equality: the exact code and message, and no payloads.
  EXPECT_EQ(status, absl::Status(GetParam().code, GetParam().message));
  EXPECT_FALSE(absl::StrContains(status.message(), "\n"));
}

// --- defaults ---------------------------------------------------------------

TEST(ConfigTest, DefaultsAreDocumentedValues) {
  Config config;
  EXPECT_EQ(config.listen, "127.0.0.1:50051");
  EXPECT_EQ(config.upstream, "https://api.fireworks.ai");
  EXPECT_EQ(config.api_key_file, "");
  EXPECT_EQ(config.upstream_timeout, absl::Seconds(30));
  EXPECT_THAT(config.forward_metadata, ElementsAre("x-request-id"));
  EXPECT_EQ(config.trace_sampling, 0);
  EXPECT_EQ(config.log_level, "info");
  EXPECT_EQ(config.max_request_bytes, 4u << 20);
  EXPECT_EQ(config.max_response_bytes, 4u << 20);
  EXPECT_EQ(config.upstream_ca_file, "");
}

TEST(ConfigTest, DefaultsAreValid) { EXPECT_EQ(ValidateConfig(Config()), absl::OkStatus()); }

// --- --listen ---------------------------------------------------------------

std::vector<AcceptedCase> ListenAccepted() {
  return {
      {"AnyAddressPortZero", [](Config& c) { c.listen = "0.0.0.0:0"; }},
      {"HostNameAndPort", [](Config& c) { c.listen = "localhost:8080"; }},
      {"Ipv6Loopback", [](Config& c) { c.listen = "[::1]:50051"; }},
      {"Ipv6AnyHighestPort", [](Config& c) { c.listen = "[::]:65535"; }},
      {"UnixAbsolutePath", [](Config& c) { c.listen = "unix:/run/gateway.sock"; }},
      {"UnixRelativePath", [](Config& c) { c.listen = "unix:relative.sock"; }},
  };
}

std::vector<RejectedCase> ListenRejected() {
  return {
      {"WithoutPort", [](Config& c) { c.listen = "localhost"; }, kInvalidArgument,
       "--listen: expected host:port, got \"localhost\""},
      {"WithoutHost", [](Config& c) { c.listen = ":50051"; }, kInvalidArgument,
       "--listen: expected host:port, got \":50051\""},
      {"Empty", [](Config& c) { c.listen = ""; }, kInvalidArgument,
       "--listen: expected host:port, got \"\""},
      {"PortAboveRange", [](Config& c) { c.listen = "localhost:65536"; }, kInvalidArgument,
       "--listen: port must be 0..65535, got \"localhost:65536\""},
      {"NegativePort", [](Config& c) { c.listen = "localhost:-1"; }, kInvalidArgument,
       "--listen: port must be 0..65535, got \"localhost:-1\""},
      {"NonNumericPort", [](Config& c) { c.listen = "localhost:http"; }, kInvalidArgument,
       "--listen: port must be 0..65535, got \"localhost:http\""},
      {"EmptyPort", [](Config& c) { c.listen = "localhost:"; }, kInvalidArgument,
       "--listen: port must be 0..65535, got \"localhost:\""},
      {"UnixWithoutPath", [](Config& c) { c.listen = "unix:"; }, kInvalidArgument,
       "--listen: unix: needs a socket path"},
  };
}

INSTANTIATE_TEST_SUITE_P(Listen, AcceptedConfigTest, ValuesIn(ListenAccepted()), RowName());
INSTANTIATE_TEST_SUITE_P(Listen, RejectedConfigTest, ValuesIn(ListenRejected()), RowName());

// --- --upstream -------------------------------------------------------------

std::vector<AcceptedCase> UpstreamAccepted() {
  return {
      {"HttpWithPort", [](Config& c) { c.upstream = "http://127.0.0.1:8080"; }},
      {"HttpsWithPath", [](Config& c) { c.upstream = "https://api.example.com/base/path"; }},
      {"HttpWithoutPort", [](Config& c) { c.upstream = "http://localhost"; }},
      {"AtSignOnlyInThePath",
       [](Config& c) { c.upstream = "https://api.example.com/v1/@team"; }},
  };
}

std::vector<RejectedCase> UpstreamRejected() {
  return {
      {"OtherScheme", [](Config& c) { c.upstream = "ftp://files.example.com"; },
       kInvalidArgument,
       "--upstream: must be an http:// or https:// URL, got \"ftp://files.example.com\""},
      {"WithoutScheme", [](Config& c) { c.upstream = "api.fireworks.ai"; }, kInvalidArgument,
       "--upstream: must be an http:// or https:// URL, got \"api.fireworks.ai\""},
      {"SchemeIsCaseSensitive", [](Config& c) { c.upstream = "HTTPS://api.fireworks.ai"; },
       kInvalidArgument,
       "--upstream: must be an http:// or https:// URL, got \"HTTPS://api.fireworks.ai\""},
      {"WithQuery", [](Config& c) { c.upstream = "https://api.example.com/v?x=1"; },
       kInvalidArgument, "--upstream: must not hold a query or fragment"},
      {"WithFragment", [](Config& c) { c.upstream = "https://api.example.com/#top"; },
       kInvalidArgument, "--upstream: must not hold a query or fragment"},
  };
}

INSTANTIATE_TEST_SUITE_P(Upstream, AcceptedConfigTest, ValuesIn(UpstreamAccepted()), RowName());
INSTANTIATE_TEST_SUITE_P(Upstream, RejectedConfigTest, ValuesIn(UpstreamRejected()), RowName());

// --- files ------------------------------------------------------------------

std::vector<RejectedCase> FilesRejected() {
  return {
      {"UnreadableApiKeyFile", [](Config& c) { c.api_key_file = MissingPath(); },
       kInvalidArgument, absl::StrCat("--api_key_file: cannot read \"", MissingPath(), "\"")},
      {"UnreadableCaFile", [](Config& c) { c.upstream_ca_file = MissingPath(); },
       kInvalidArgument,
       absl::StrCat("--upstream_ca_file: cannot read \"", MissingPath(), "\"")},
  };
}

INSTANTIATE_TEST_SUITE_P(Files, RejectedConfigTest, ValuesIn(FilesRejected()), RowName());

TEST(ConfigTest, ReadableApiKeyFileIsAccepted) {
  TempFile file;
  Config config;
  config.api_key_file = file.path();
  EXPECT_EQ(ValidateConfig(config), absl::OkStatus());
}

TEST(ConfigTest, PemCaFileIsAccepted) {
  Config config;
  config.upstream_ca_file = testing::TestCerts::Get().ca_cert;
  EXPECT_EQ(ValidateConfig(config), absl::OkStatus());
}

TEST(ConfigTest, CaFileWithoutACertificateIsRejectedAtStartUp) {
  TempFile file;  // "content\n": readable, but no certificate.
  Config config;
  config.upstream_ca_file = file.path();
  ExpectInvalid(config, absl::StrCat("--upstream_ca_file: \"", file.path(),
                                     "\" holds no PEM certificate"));
  config.upstream_ca_file = testing::TestCerts::Get().server_key;
  ExpectInvalid(config, absl::StrCat("--upstream_ca_file: \"", config.upstream_ca_file,
                                     "\" holds no PEM certificate"));
}

// --- TLS files ----------------------------------------------------------------

TEST(ConfigTest, MatchingCertificateAndKeyAreAccepted) {
  const auto& certs = testing::TestCerts::Get();
  Config config;
  config.tls_cert = certs.server_cert;
  config.tls_key = certs.server_key;
  config.tls_client_ca = certs.ca_cert;
  EXPECT_EQ(ValidateConfig(config), absl::OkStatus());
}

TEST(ConfigTest, GarbageCertificateIsRejectedNamingTheFlagAndFile) {
  TempFile garbage;
  Config config;
  config.tls_cert = garbage.path();
  config.tls_key = testing::TestCerts::Get().server_key;
  ExpectInvalid(config,
                absl::StrCat("--tls_cert: \"", garbage.path(), "\" holds no PEM certificate"));
}

TEST(ConfigTest, GarbageKeyIsRejectedNamingTheFlagAndFile) {
  TempFile garbage;
  Config config;
  config.tls_cert = testing::TestCerts::Get().server_cert;
  config.tls_key = garbage.path();
  ExpectInvalid(config, absl::StrCat("--tls_key: \"", garbage.path(),
                                     "\" holds no unencrypted PEM private key"));
}

TEST(ConfigTest, KeyOfAnotherCertificateIsRejected) {
  const auto& certs = testing::TestCerts::Get();
  Config config;
  config.tls_cert = certs.server_cert;
  config.tls_key = certs.client_key;
  ExpectInvalid(config, absl::StrCat("--tls_key: \"", certs.client_key,
                                     "\" does not match the certificate in --tls_cert \"",
                                     certs.server_cert, "\""));
}

TEST(ConfigTest, ClientCaWithoutACertificateIsRejected) {
  const auto& certs = testing::TestCerts::Get();
  TempFile garbage;
  Config config;
  config.tls_cert = certs.server_cert;
  config.tls_key = certs.server_key;
  config.tls_client_ca = garbage.path();
  ExpectInvalid(config, absl::StrCat("--tls_client_ca: \"", garbage.path(),
                                     "\" holds no PEM certificate"));
}

TEST(ConfigTest, UpstreamClientCertificateAndKeyAreAccepted) {
  const auto& certs = testing::TestCerts::Get();
  Config config;
  config.upstream_client_cert = certs.client_cert;
  config.upstream_client_key = certs.client_key;
  EXPECT_EQ(ValidateConfig(config), absl::OkStatus());
}

TEST(ConfigTest, UpstreamClientCertificateAndKeyGoTogether) {
  const auto& certs = testing::TestCerts::Get();
  Config config;
  config.upstream_client_cert = certs.client_cert;
  ExpectInvalid(config, "--upstream_client_key: --upstream_client_cert and "
                        "--upstream_client_key go together");
  config.upstream_client_cert = "";
  config.upstream_client_key = certs.client_key;
  ExpectInvalid(config, "--upstream_client_cert: --upstream_client_cert and "
                        "--upstream_client_key go together");
}

TEST(ConfigTest, UpstreamClientFilesAreCheckedNamingTheirFlags) {
  const auto& certs = testing::TestCerts::Get();
  TempFile garbage;
  Config config;
  config.upstream_client_cert = garbage.path();
  config.upstream_client_key = certs.client_key;
  ExpectInvalid(config, absl::StrCat("--upstream_client_cert: \"", garbage.path(),
                                     "\" holds no PEM certificate"));
  config.upstream_client_cert = certs.client_cert;
  config.upstream_client_key = garbage.path();
  ExpectInvalid(config, absl::StrCat("--upstream_client_key: \"", garbage.path(),
                                     "\" holds no unencrypted PEM private key"));
  config.upstream_client_key = certs.server_key;
  ExpectInvalid(config, absl::StrCat("--upstream_client_key: \"", certs.server_key,
                                     "\" does not match the certificate in "
                                     "--upstream_client_cert \"",
                                     certs.client_cert, "\""));
  config.upstream_client_key = MissingPath();
  ExpectInvalid(config,
                absl::StrCat("--upstream_client_key: cannot read \"", MissingPath(), "\""));
}

// --- --service_upstream -------------------------------------------------------

std::vector<AcceptedCase> ServiceUpstreamAccepted() {
  return {
      {"ServiceEqualsUrl",
       [](Config& c) {
         c.service_upstreams = {"example.library.v1.Library=https://library.internal",
                                "example.shop.v1.Shop=http://127.0.0.1:8080/base"};
       }},
  };
}

std::vector<RejectedCase> ServiceUpstreamRejected() {
  return {
      {"WithoutUrl", [](Config& c) { c.service_upstreams = {"example.library.v1.Library"}; },
       kInvalidArgument,
       "--service_upstream: expected SERVICE=URL, e.g. "
       "library.Library=https://library.internal, got "
       "\"example.library.v1.Library\""},
      {"WithoutService", [](Config& c) { c.service_upstreams = {"=https://library.internal"}; },
       kInvalidArgument,
       "--service_upstream: expected SERVICE=URL, e.g. "
       "library.Library=https://library.internal, got "
       "\"=https://library.internal\""},
      {"OtherScheme",
       [](Config& c) {
         c.service_upstreams = {"example.library.v1.Library=ftp://library.internal"};
       },
       kInvalidArgument,
       "--service_upstream: must be an http:// or https:// URL, got "
       "\"ftp://library.internal\""},
      {"UserAndPassword",
       [](Config& c) {
         c.service_upstreams = {"example.library.v1.Library=http://u:pw@library.internal"};
       },
       kInvalidArgument,
       "--service_upstream: must not hold a user name or password "
       "(credentials come from the call or --api_key_file)"},
      {"ServiceNamedTwice",
       [](Config& c) {
         c.service_upstreams = {"example.library.v1.Library=http://a",
                                "example.library.v1.Library=http://b"};
       },
       kInvalidArgument, "--service_upstream: \"example.library.v1.Library\" is named twice"},
  };
}

INSTANTIATE_TEST_SUITE_P(ServiceUpstream, AcceptedConfigTest,
                         ValuesIn(ServiceUpstreamAccepted()), RowName());
INSTANTIATE_TEST_SUITE_P(ServiceUpstream, RejectedConfigTest,
                         ValuesIn(ServiceUpstreamRejected()), RowName());

// --- --upstream_timeout -----------------------------------------------------

std::vector<AcceptedCase> UpstreamTimeoutAccepted() {
  return {
      {"TinyPositive", [](Config& c) { c.upstream_timeout = absl::Nanoseconds(1); }},
  };
}

std::vector<RejectedCase> UpstreamTimeoutRejected() {
  return {
      {"Negative", [](Config& c) { c.upstream_timeout = absl::Seconds(-1); }, kInvalidArgument,
       "--upstream_timeout: must be positive (got -1s)"},
      {"Zero", [](Config& c) { c.upstream_timeout = absl::ZeroDuration(); }, kInvalidArgument,
       "--upstream_timeout: must be positive (got 0)"},
  };
}

INSTANTIATE_TEST_SUITE_P(UpstreamTimeout, AcceptedConfigTest,
                         ValuesIn(UpstreamTimeoutAccepted()), RowName());
INSTANTIATE_TEST_SUITE_P(UpstreamTimeout, RejectedConfigTest,
                         ValuesIn(UpstreamTimeoutRejected()), RowName());

// --- --forward_metadata -----------------------------------------------------

std::vector<AcceptedCase> ForwardMetadataAccepted() {
  return {
      {"Empty", [](Config& c) { c.forward_metadata = {}; }},
      {"CustomLowerCase", [](Config& c) { c.forward_metadata = {"x-tenant", "baggage"}; }},
  };
}

INSTANTIATE_TEST_SUITE_P(ForwardMetadata, AcceptedConfigTest,
                         ValuesIn(ForwardMetadataAccepted()), RowName());

class ForwardMetadataTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ForwardMetadataTest, IsRefusedNamingTheEntry) {
  Config config;
  config.forward_metadata = {"x-request-id", GetParam()};
  ExpectInvalid(config, absl::StrCat("--forward_metadata: \"", GetParam(),
                                     "\" cannot be forwarded (gRPC metadata names only: "
                                     "0-9 a-z - _ .; not "
                                     "-bin, grpc-*, pseudo, hop-by-hop, framing or "
                                     "credential headers)"));
}

INSTANTIATE_TEST_SUITE_P(Names, ForwardMetadataTest,
                         ::testing::Values("", "X-Request-Id", "trace-bin", "grpc-timeout",
                                           "authorization", "x-api-key", ":authority",
                                           "host", "content-length", "transfer-encoding",
                                           "connection", "te", "x tenant", "x-tenant ",
                                           "x/tenant", "caf\xc3\xa9", "content-encoding",
                                           "content-type", "expect", "accept", "user-agent",
                                           "proxy-authorization", "upgrade"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name;
                           for (char c : info.param) {
                             name += absl::ascii_isalnum(c) ? c : '_';
                           }
                           return absl::StrCat("Case", info.index, "_", name);
                         });

// --- sizes ------------------------------------------------------------------

std::vector<AcceptedCase> SizesAccepted() {
  return {
      {"OneByteLimits",
       [](Config& c) {
         c.max_request_bytes = 1;
         c.max_response_bytes = 1;
       }},
  };
}

std::vector<RejectedCase> SizesRejected() {
  return {
      {"ZeroMaxRequestBytes", [](Config& c) { c.max_request_bytes = 0; }, kInvalidArgument,
       "--max_request_bytes: must be positive"},
      {"ZeroMaxResponseBytes", [](Config& c) { c.max_response_bytes = 0; }, kInvalidArgument,
       "--max_response_bytes: must be positive"},
  };
}

INSTANTIATE_TEST_SUITE_P(Sizes, AcceptedConfigTest, ValuesIn(SizesAccepted()), RowName());
INSTANTIATE_TEST_SUITE_P(Sizes, RejectedConfigTest, ValuesIn(SizesRejected()), RowName());

// --- credentials in --upstream ------------------------------------------------

std::vector<RejectedCase> UpstreamCredentialsRejected() {
  // Never echoed: the message names the flag, not the URL.
  const std::string kHoldsCredentials =
      "--upstream: must not hold a user name or password (credentials come from "
      "the call or --api_key_file)";
  return {
      {"UserAndPassword",
       [](Config& c) { c.upstream = "https://svc:s3cret@api.example.com/base"; },
       kInvalidArgument, kHoldsCredentials},
      // libcurl reads "http:///u:pw@host" as user u, password pw at host.
      {"UserInfoAfterAThirdSlash",
       [](Config& c) { c.upstream = "http:///u:secretpw@127.0.0.1:8080"; }, kInvalidArgument,
       kHoldsCredentials},
      {"UserOnly", [](Config& c) { c.upstream = "http://user@api.example.com"; },
       kInvalidArgument, kHoldsCredentials},
      {"EmptyUserInfo", [](Config& c) { c.upstream = "http://@api.example.com"; },
       kInvalidArgument, kHoldsCredentials},
      {"EmptyUserAndPassword", [](Config& c) { c.upstream = "http://:@api.example.com"; },
       kInvalidArgument, kHoldsCredentials},
      {"UserWithLoginOptions", [](Config& c) { c.upstream = "https://u;opt@api.example.com"; },
       kInvalidArgument, kHoldsCredentials},
      // A malformed URL is named in the message unless it holds an '@'.
      {"BadPortWithPasswordIsNotShown",
       [](Config& c) { c.upstream = "http://u:secretpw@h:99999"; }, kInvalidArgument,
       "--upstream: not a valid URL (Port number was not a decimal number "
       "between 0 and 65535): (not shown: it holds an '@')"},
      {"OtherSchemeWithPasswordIsNotShown", [](Config& c) { c.upstream = "ftp://u:secretpw@h"; },
       kInvalidArgument,
       "--upstream: must be an http:// or https:// URL, got "
       "(not shown: it holds an '@')"},
      {"BadPortWithoutPasswordIsShown", [](Config& c) { c.upstream = "http://h:99999"; },
       kInvalidArgument,
       "--upstream: not a valid URL (Port number was not a decimal number between 0 "
       "and 65535): \"http://h:99999\""},
  };
}

INSTANTIATE_TEST_SUITE_P(UpstreamCredentials, RejectedConfigTest,
                         ValuesIn(UpstreamCredentialsRejected()), RowName());

// --- --drain_timeout ----------------------------------------------------------

std::vector<AcceptedCase> DrainTimeoutAccepted() {
  return {
      {"Zero", [](Config& c) { c.drain_timeout = absl::ZeroDuration(); }},
  };
}

std::vector<RejectedCase> DrainTimeoutRejected() {
  return {
      {"Negative", [](Config& c) { c.drain_timeout = absl::Seconds(-1); }, kInvalidArgument,
       "--drain_timeout: must not be negative (got -1s)"},
  };
}

INSTANTIATE_TEST_SUITE_P(DrainTimeout, AcceptedConfigTest, ValuesIn(DrainTimeoutAccepted()),
                         RowName());
INSTANTIATE_TEST_SUITE_P(DrainTimeout, RejectedConfigTest, ValuesIn(DrainTimeoutRejected()),
                         RowName());

// --- tracing and logging ------------------------------------------------------

std::vector<RejectedCase> TraceHeadersRejected() {
  return {
      {"Traceparent",
       [](Config& c) { c.forward_metadata = {"x-request-id", "traceparent"}; },
       kInvalidArgument,
       "--forward_metadata: \"traceparent\" is not forwarded as sent: the proxy "
       "sends the upstream its own traceparent and the caller's tracestate"},
      {"Tracestate", [](Config& c) { c.forward_metadata = {"tracestate"}; }, kInvalidArgument,
       "--forward_metadata: \"tracestate\" is not forwarded as sent: the proxy "
       "sends the upstream its own traceparent and the caller's tracestate"},
  };
}

INSTANTIATE_TEST_SUITE_P(TraceHeaders, RejectedConfigTest, ValuesIn(TraceHeadersRejected()),
                         RowName());

// A probability.
std::vector<AcceptedCase> TraceSamplingAccepted() {
  return {
      {"Zero", [](Config& c) { c.trace_sampling = 0.0; }},
      {"Quarter", [](Config& c) { c.trace_sampling = 0.25; }},
      {"One", [](Config& c) { c.trace_sampling = 1.0; }},
  };
}

std::vector<RejectedCase> TraceSamplingRejected() {
  return {
      {"AboveOne", [](Config& c) { c.trace_sampling = 1.5; }, kInvalidArgument,
       "--trace_sampling: must be 0..1, got 1.5"},
      {"Negative", [](Config& c) { c.trace_sampling = -0.1; }, kInvalidArgument,
       "--trace_sampling: must be 0..1, got -0.1"},
      {"NaN", [](Config& c) { c.trace_sampling = std::nan(""); }, kInvalidArgument,
       "--trace_sampling: must be 0..1, got nan"},
  };
}

INSTANTIATE_TEST_SUITE_P(TraceSampling, AcceptedConfigTest, ValuesIn(TraceSamplingAccepted()),
                         RowName());
INSTANTIATE_TEST_SUITE_P(TraceSampling, RejectedConfigTest, ValuesIn(TraceSamplingRejected()),
                         RowName());

// One of four, in lower case.
std::vector<AcceptedCase> LogLevelAccepted() {
  return {
      {"Error", [](Config& c) { c.log_level = "error"; }},
      {"Warn", [](Config& c) { c.log_level = "warn"; }},
      {"Info", [](Config& c) { c.log_level = "info"; }},
      {"Debug", [](Config& c) { c.log_level = "debug"; }},
  };
}

std::vector<RejectedCase> LogLevelRejected() {
  return {
      {"UpperCase", [](Config& c) { c.log_level = "INFO"; }, kInvalidArgument,
       "--log_level: must be error, warn, info or debug, got \"INFO\""},
      {"Warning", [](Config& c) { c.log_level = "warning"; }, kInvalidArgument,
       "--log_level: must be error, warn, info or debug, got \"warning\""},
  };
}

INSTANTIATE_TEST_SUITE_P(LogLevel, AcceptedConfigTest, ValuesIn(LogLevelAccepted()), RowName());
INSTANTIATE_TEST_SUITE_P(LogLevel, RejectedConfigTest, ValuesIn(LogLevelRejected()), RowName());

// --- the upstream readiness check ----------------------------------------------

std::vector<AcceptedCase> UpstreamHealthAccepted() {
  return {
      {"PathWithInterval",
       [](Config& c) {
         c.upstream_health_path = "/healthz";
         c.upstream_health_interval = absl::Seconds(5);
       }},
  };
}

// A path that is not one, checked with an interval set (without one, the
// missing interval is reported first).
RejectedCase BadHealthPath(std::string name, std::string path) {
  const std::string message =
      absl::StrCat("--upstream_health_path: must be a path starting with '/', got \"", path, "\"");
  return {std::move(name),
          [path](Config& c) {
            c.upstream_health_interval = absl::Seconds(5);
            c.upstream_health_path = path;
          },
          kInvalidArgument, message};
}

std::vector<RejectedCase> UpstreamHealthRejected() {
  return {
      {"NegativeInterval",
       [](Config& c) { c.upstream_health_interval = absl::Seconds(-1); }, kInvalidArgument,
       "--upstream_health_interval: must not be negative (got -1s)"},
      {"ZeroFailures", [](Config& c) { c.upstream_health_failures = 0; }, kInvalidArgument,
       "--upstream_health_failures: must be 1..100, got 0"},
      {"PathWithoutInterval", [](Config& c) { c.upstream_health_path = "/healthz"; },
       kInvalidArgument, "--upstream_health_path: needs --upstream_health_interval"},
      BadHealthPath("PathWithoutLeadingSlash", "healthz"),
      BadHealthPath("PathWithASpace", "/a b"),
      BadHealthPath("PathWithAFragment", "/x#frag"),
      BadHealthPath("PathIsAUrl", "http://elsewhere/"),
  };
}

INSTANTIATE_TEST_SUITE_P(UpstreamHealth, AcceptedConfigTest,
                         ValuesIn(UpstreamHealthAccepted()), RowName());
INSTANTIATE_TEST_SUITE_P(UpstreamHealth, RejectedConfigTest,
                         ValuesIn(UpstreamHealthRejected()), RowName());

// --- the start-up log line ------------------------------------------------------

TEST(ConfigTest, StartupLogLineHoldsEverySettingInOrder) {
  EXPECT_EQ(
      StartupLogLine(Config(), {"127.0.0.1:50051", "", 0},
                     absl::FromUnixMillis(1764478862345)),
      R"({"time":"2025-11-30T05:01:02.345Z","level":"info","msg":"serving",)"
      R"("address":"127.0.0.1:50051","metrics_address":"","health_address":"",)"
      R"("listen":"127.0.0.1:50051","upstream":"https://api.fireworks.ai","api_key_file":"",)"
      R"("upstream_timeout":"30s","upstream_connect_timeout":"5s",)"
      R"("forward_metadata":["x-request-id"],"max_retries":0,)"
      R"("max_inflight":10000,"max_upstream_connections":256,"max_request_bytes":4194304,)"
      R"("max_response_bytes":4194304,"upstream_ca_file":"","descriptor_set":"",)"
      R"("tls_cert":"","tls_key":"","tls_client_ca":"","health_listen":"",)"
      R"("metrics_listen":"","access_log":true,"drain_timeout":"10s",)"
      R"("log_level":"info","trace_sampling":0,)"
      R"("upstream_health_interval":"0","upstream_health_path":"",)"
      R"("upstream_health_failures":3,"upstream_client_cert":"",)"
      R"("upstream_client_key":"","service_upstream":[]})");
}

TEST(ConfigTest, StartupLogLineNamesFilesNotTheirContent) {
  TempFile key;
  Config config;
  config.api_key_file = key.path();
  config.metrics_listen = "0.0.0.0:0";
  const std::string line =
      StartupLogLine(config, {"127.0.0.1:50051", "0.0.0.0:9464", 0}, absl::Now());
  EXPECT_TRUE(absl::StrContains(line, absl::StrCat(R"("api_key_file":")", key.path(), "\"")));
  EXPECT_TRUE(absl::StrContains(line, R"("metrics_address":"0.0.0.0:9464")"));
  EXPECT_FALSE(absl::StrContains(line, "content"));
}

TEST(ConfigTest, StartupLogLineGivesTheHealthListenersBoundPort) {
  Config config;
  config.health_listen = "0.0.0.0:0";
  const std::string line =
      StartupLogLine(config, {"127.0.0.1:50051", "", 40123}, absl::FromUnixMillis(0));
  EXPECT_TRUE(absl::StrContains(
      line, R"("metrics_address":"","health_address":"0.0.0.0:40123","listen":)"))
      << line;
  EXPECT_TRUE(absl::StrContains(line, R"("health_listen":"0.0.0.0:0")")) << line;

  config.health_listen = "[::]:8081";
  EXPECT_TRUE(absl::StrContains(
      StartupLogLine(config, {"127.0.0.1:50051", "", 8081}, absl::FromUnixMillis(0)),
      R"("health_address":"[::]:8081")"));

  config.health_listen = "unix:///run/health.sock";
  EXPECT_TRUE(absl::StrContains(
      StartupLogLine(config, {"127.0.0.1:50051", "", 0}, absl::FromUnixMillis(0)),
      R"("health_address":"unix:///run/health.sock")"));
}

// --- several problems ---------------------------------------------------------

TEST(ConfigTest, FirstInvalidFlagIsReported) {
  Config config;
  config.upstream = "ftp://x";
  config.upstream_timeout = absl::ZeroDuration();
  config.max_request_bytes = 0;
  ExpectInvalid(config, "--upstream: must be an http:// or https:// URL, got \"ftp://x\"");
}

}  // namespace
}  // namespace gateway_proxy
