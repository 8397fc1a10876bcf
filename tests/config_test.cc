// ValidateConfig (proxy/app/config.h): the defaults, and the exact one-line
// "--flag: ..." message for each invalid setting.
#include "proxy/app/config.h"

#include <stdlib.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
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

TEST(ConfigTest, ListenAcceptsHostPortIpv6PortZeroAndUnixSockets) {
  for (const char* listen : {"0.0.0.0:0", "localhost:8080", "[::1]:50051", "[::]:65535",
                             "unix:/run/gateway.sock", "unix:relative.sock"}) {
    Config config;
    config.listen = listen;
    EXPECT_EQ(ValidateConfig(config), absl::OkStatus()) << listen;
  }
}

TEST(ConfigTest, ListenWithoutPortIsRejected) {
  Config config;
  config.listen = "localhost";
  ExpectInvalid(config, "--listen: expected host:port, got \"localhost\"");
}

TEST(ConfigTest, ListenWithoutHostIsRejected) {
  Config config;
  config.listen = ":50051";
  ExpectInvalid(config, "--listen: expected host:port, got \":50051\"");
}

TEST(ConfigTest, EmptyListenIsRejected) {
  Config config;
  config.listen = "";
  ExpectInvalid(config, "--listen: expected host:port, got \"\"");
}

TEST(ConfigTest, ListenPortAboveRangeIsRejected) {
  Config config;
  config.listen = "localhost:65536";
  ExpectInvalid(config, "--listen: port must be 0..65535, got \"localhost:65536\"");
}

TEST(ConfigTest, NegativeListenPortIsRejected) {
  Config config;
  config.listen = "localhost:-1";
  ExpectInvalid(config, "--listen: port must be 0..65535, got \"localhost:-1\"");
}

TEST(ConfigTest, NonNumericListenPortIsRejected) {
  Config config;
  config.listen = "localhost:http";
  ExpectInvalid(config, "--listen: port must be 0..65535, got \"localhost:http\"");
}

TEST(ConfigTest, EmptyListenPortIsRejected) {
  Config config;
  config.listen = "localhost:";
  ExpectInvalid(config, "--listen: port must be 0..65535, got \"localhost:\"");
}

TEST(ConfigTest, UnixListenWithoutPathIsRejected) {
  Config config;
  config.listen = "unix:";
  ExpectInvalid(config, "--listen: unix: needs a socket path");
}

// --- --upstream -------------------------------------------------------------

TEST(ConfigTest, UpstreamAcceptsHttpAndHttpsWithPortAndPath) {
  for (const char* upstream : {"http://127.0.0.1:8080", "https://api.example.com/base/path",
                               "http://localhost"}) {
    Config config;
    config.upstream = upstream;
    EXPECT_EQ(ValidateConfig(config), absl::OkStatus()) << upstream;
  }
}

TEST(ConfigTest, UpstreamWithOtherSchemeIsRejected) {
  Config config;
  config.upstream = "ftp://files.example.com";
  ExpectInvalid(config,
                "--upstream: must be an http:// or https:// URL, got \"ftp://files.example.com\"");
}

TEST(ConfigTest, UpstreamWithoutSchemeIsRejected) {
  Config config;
  config.upstream = "api.fireworks.ai";
  ExpectInvalid(config, "--upstream: must be an http:// or https:// URL, got \"api.fireworks.ai\"");
}

TEST(ConfigTest, UpstreamSchemeIsCaseSensitive) {
  Config config;
  config.upstream = "HTTPS://api.fireworks.ai";
  ExpectInvalid(config,
                "--upstream: must be an http:// or https:// URL, got \"HTTPS://api.fireworks.ai\"");
}

TEST(ConfigTest, UpstreamWithQueryIsRejected) {
  Config config;
  config.upstream = "https://api.example.com/v?x=1";
  ExpectInvalid(config, "--upstream: must not hold a query or fragment");
}

TEST(ConfigTest, UpstreamWithFragmentIsRejected) {
  Config config;
  config.upstream = "https://api.example.com/#top";
  ExpectInvalid(config, "--upstream: must not hold a query or fragment");
}

// --- files ------------------------------------------------------------------

TEST(ConfigTest, ReadableApiKeyFileIsAccepted) {
  TempFile file;
  Config config;
  config.api_key_file = file.path();
  EXPECT_EQ(ValidateConfig(config), absl::OkStatus());
}

TEST(ConfigTest, UnreadableApiKeyFileIsRejected) {
  Config config;
  config.api_key_file = MissingPath();
  ExpectInvalid(config, absl::StrCat("--api_key_file: cannot read \"", MissingPath(), "\""));
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

TEST(ConfigTest, ServiceUpstreamEntriesAreServiceEqualsUrl) {
  Config config;
  config.service_upstreams = {"example.library.v1.Library=https://library.internal",
                              "example.shop.v1.Shop=http://127.0.0.1:8080/base"};
  EXPECT_EQ(ValidateConfig(config), absl::OkStatus());
  config.service_upstreams = {"example.library.v1.Library"};
  ExpectInvalid(config, "--service_upstream: expected SERVICE=URL, e.g. "
                        "library.Library=https://library.internal, got "
                        "\"example.library.v1.Library\"");
  config.service_upstreams = {"=https://library.internal"};
  ExpectInvalid(config, "--service_upstream: expected SERVICE=URL, e.g. "
                        "library.Library=https://library.internal, got "
                        "\"=https://library.internal\"");
  config.service_upstreams = {"example.library.v1.Library=ftp://library.internal"};
  ExpectInvalid(config, "--service_upstream: must be an http:// or https:// URL, got "
                        "\"ftp://library.internal\"");
  config.service_upstreams = {"example.library.v1.Library=http://u:pw@library.internal"};
  ExpectInvalid(config, "--service_upstream: must not hold a user name or password "
                        "(credentials come from the call or --api_key_file)");
  config.service_upstreams = {"example.library.v1.Library=http://a",
                              "example.library.v1.Library=http://b"};
  ExpectInvalid(config,
                "--service_upstream: \"example.library.v1.Library\" is named twice");
}

TEST(ConfigTest, UnreadableCaFileIsRejected) {
  Config config;
  config.upstream_ca_file = MissingPath();
  ExpectInvalid(config, absl::StrCat("--upstream_ca_file: cannot read \"", MissingPath(), "\""));
}

// --- --upstream_timeout -----------------------------------------------------

TEST(ConfigTest, NegativeTimeoutIsRejected) {
  Config config;
  config.upstream_timeout = absl::Seconds(-1);
  ExpectInvalid(config, "--upstream_timeout: must be positive (got -1s)");
}

TEST(ConfigTest, ZeroTimeoutIsRejected) {
  Config config;
  config.upstream_timeout = absl::ZeroDuration();
  ExpectInvalid(config, "--upstream_timeout: must be positive (got 0)");
}

TEST(ConfigTest, TinyPositiveTimeoutIsAccepted) {
  Config config;
  config.upstream_timeout = absl::Nanoseconds(1);
  EXPECT_EQ(ValidateConfig(config), absl::OkStatus());
}

// --- --forward_metadata -----------------------------------------------------

TEST(ConfigTest, EmptyForwardMetadataIsAccepted) {
  Config config;
  config.forward_metadata = {};
  EXPECT_EQ(ValidateConfig(config), absl::OkStatus());
}

TEST(ConfigTest, CustomLowerCaseForwardMetadataIsAccepted) {
  Config config;
  config.forward_metadata = {"x-tenant", "baggage"};
  EXPECT_EQ(ValidateConfig(config), absl::OkStatus());
}

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
                                           "x/tenant", "caf\xc3\xa9"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name;
                           for (char c : info.param) {
                             name += absl::ascii_isalnum(c) ? c : '_';
                           }
                           return absl::StrCat("Case", info.index, "_", name);
                         });

// --- sizes ------------------------------------------------------------------

TEST(ConfigTest, ZeroMaxRequestBytesIsRejected) {
  Config config;
  config.max_request_bytes = 0;
  ExpectInvalid(config, "--max_request_bytes: must be positive");
}

TEST(ConfigTest, ZeroMaxResponseBytesIsRejected) {
  Config config;
  config.max_response_bytes = 0;
  ExpectInvalid(config, "--max_response_bytes: must be positive");
}

TEST(ConfigTest, OneByteLimitsAreAccepted) {
  Config config;
  config.max_request_bytes = 1;
  config.max_response_bytes = 1;
  EXPECT_EQ(ValidateConfig(config), absl::OkStatus());
}

// --- credentials in --upstream, --drain_timeout ----------------------------------

TEST(ConfigTest, UpstreamWithUserAndPasswordIsRejectedWithoutEchoingIt) {
  Config config;
  config.upstream = "https://svc:s3cret@api.example.com/base";
  ExpectInvalid(config,
                "--upstream: must not hold a user name or password (credentials come from "
                "the call or --api_key_file)");
}

TEST(ConfigTest, UpstreamUserInfoAfterAThirdSlashIsRejectedWithoutEchoingIt) {
  // libcurl reads "http:///u:pw@host" as user u, password pw at host.
  Config config;
  config.upstream = "http:///u:secretpw@127.0.0.1:8080";
  ExpectInvalid(config,
                "--upstream: must not hold a user name or password (credentials come from "
                "the call or --api_key_file)");
  for (const char* upstream : {"http://user@api.example.com", "http://@api.example.com",
                               "http://:@api.example.com", "https://u;opt@api.example.com"}) {
    config.upstream = upstream;
    ExpectInvalid(config,
                  "--upstream: must not hold a user name or password (credentials come "
                  "from the call or --api_key_file)");
  }
}

TEST(ConfigTest, MalformedUpstreamIsNeverEchoedWithItsPassword) {
  Config config;
  config.upstream = "http://u:secretpw@h:99999";
  absl::Status status = ValidateConfig(config);
  EXPECT_EQ(status, absl::InvalidArgumentError(
                        "--upstream: not a valid URL (Port number was not a decimal number "
                        "between 0 and 65535): (not shown: it holds an '@')"));
  config.upstream = "ftp://u:secretpw@h";
  EXPECT_EQ(ValidateConfig(config),
            absl::InvalidArgumentError("--upstream: must be an http:// or https:// URL, got "
                                       "(not shown: it holds an '@')"));
  config.upstream = "http://h:99999";
  EXPECT_EQ(ValidateConfig(config),
            absl::InvalidArgumentError(
                "--upstream: not a valid URL (Port number was not a decimal number between 0 "
                "and 65535): \"http://h:99999\""));
}

TEST(ConfigTest, UpstreamWithAnAtSignOnlyInThePathIsAccepted) {
  Config config;
  config.upstream = "https://api.example.com/v1/@team";
  EXPECT_EQ(ValidateConfig(config), absl::OkStatus());
}

TEST(ConfigTest, NegativeDrainTimeoutIsRejected) {
  Config config;
  config.drain_timeout = absl::Seconds(-1);
  ExpectInvalid(config, "--drain_timeout: must not be negative (got -1s)");
}

// --- tracing and logging ------------------------------------------------------

TEST(ConfigTest, TraceHeadersCannotBeForwardedAsSent) {
  Config config;
  config.forward_metadata = {"x-request-id", "traceparent"};
  ExpectInvalid(config,
                "--forward_metadata: \"traceparent\" is not forwarded as sent: the proxy "
                "sends the upstream its own traceparent and the caller's tracestate");
  config.forward_metadata = {"tracestate"};
  ExpectInvalid(config,
                "--forward_metadata: \"tracestate\" is not forwarded as sent: the proxy "
                "sends the upstream its own traceparent and the caller's tracestate");
}

TEST(ConfigTest, TraceSamplingIsAProbability) {
  Config config;
  for (double ok : {0.0, 0.25, 1.0}) {
    config.trace_sampling = ok;
    EXPECT_EQ(ValidateConfig(config), absl::OkStatus()) << ok;
  }
  config.trace_sampling = 1.5;
  ExpectInvalid(config, "--trace_sampling: must be 0..1, got 1.5");
  config.trace_sampling = -0.1;
  ExpectInvalid(config, "--trace_sampling: must be 0..1, got -0.1");
  config.trace_sampling = std::nan("");
  ExpectInvalid(config, "--trace_sampling: must be 0..1, got nan");
}

TEST(ConfigTest, LogLevelIsOneOfFour) {
  Config config;
  for (const char* ok : {"error", "warn", "info", "debug"}) {
    config.log_level = ok;
    EXPECT_EQ(ValidateConfig(config), absl::OkStatus()) << ok;
  }
  config.log_level = "INFO";
  ExpectInvalid(config, "--log_level: must be error, warn, info or debug, got \"INFO\"");
  config.log_level = "warning";
  ExpectInvalid(config, "--log_level: must be error, warn, info or debug, got \"warning\"");
}

TEST(ConfigTest, ZeroDrainTimeoutIsAccepted) {
  Config config;
  config.drain_timeout = absl::ZeroDuration();
  EXPECT_EQ(ValidateConfig(config), absl::OkStatus());
}

// --- the upstream readiness check ----------------------------------------------

TEST(ConfigTest, UpstreamHealthFlagsAreChecked) {
  Config config;
  config.upstream_health_interval = absl::Seconds(-1);
  ExpectInvalid(config, "--upstream_health_interval: must not be negative (got -1s)");
  config = Config();
  config.upstream_health_failures = 0;
  ExpectInvalid(config, "--upstream_health_failures: must be 1..100, got 0");
  config = Config();
  config.upstream_health_path = "/healthz";
  ExpectInvalid(config, "--upstream_health_path: needs --upstream_health_interval");
  config.upstream_health_interval = absl::Seconds(5);
  EXPECT_TRUE(ValidateConfig(config).ok());
  for (const char* bad : {"healthz", "/a b", "/x#frag", "http://elsewhere/"}) {
    config.upstream_health_path = bad;
    ExpectInvalid(config, absl::StrCat("--upstream_health_path: must be a path starting "
                                       "with '/', got \"", bad, "\""));
  }
}

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
