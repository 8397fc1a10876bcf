// The upstream client honours the standard proxy variables: http_proxy and
// HTTPS_PROXY send requests through the proxy they name, NO_PROXY exempts
// hosts from it. Each test sets the variables before the client is created
// and restores them afterwards.
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proxy/upstream/curl_http_client.h"
#include "support/scripted_upstream.h"

namespace gateway_proxy {
namespace {

using ::gateway_proxy::testing::HttpResponseBytes;
using ::gateway_proxy::testing::ScriptedUpstream;
using Connection = ScriptedUpstream::Connection;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kProxyVariables[] = {"http_proxy",  "HTTP_PROXY", "https_proxy",
                                           "HTTPS_PROXY", "all_proxy",  "ALL_PROXY",
                                           "no_proxy",    "NO_PROXY"};

class ProxyEnvironmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : kProxyVariables) {
      if (const char* value = std::getenv(name)) saved_[name] = value;
      unsetenv(name);
    }
  }
  void TearDown() override {
    for (const char* name : kProxyVariables) {
      const auto it = saved_.find(name);
      if (it == saved_.end()) {
        unsetenv(name);
      } else {
        setenv(name, it->second.c_str(), 1);
      }
    }
  }

  // One GET of `path` through a new client of `base_url`.
  static absl::StatusOr<HttpResponse> Get(const std::string& base_url, const std::string& path) {
    CurlHttpClient::Options options;
    options.base_url = base_url;
    options.retry.max_retries = 0;
    auto client = CurlHttpClient::Create(options);
    if (!client.ok()) return client.status();
    absl::Notification done;
    std::optional<absl::StatusOr<HttpResponse>> result;
    (*client)->Start(HttpRequest{"GET", path, {}, ""}, absl::Now() + absl::Seconds(10),
                     [&](absl::StatusOr<HttpResponse> response) {
                       result = std::move(response);
                       done.Notify();
                     });
    done.WaitForNotification();
    return *std::move(result);
  }

 private:
  std::map<std::string, std::string> saved_;
};

// A script that records the head of the first request it reads and answers
// 200 with `body`.
std::function<void(Connection&)> RecordAndAnswer(std::string* head, absl::Mutex* mu,
                                                  const std::string& body) {
  return [head, mu, body](Connection& c) {
    {
      absl::MutexLock lock(mu);
      *head = c.request_head();
    }
    c.Write(HttpResponseBytes(200, "application/json", body, /*keep_alive=*/false));
    c.Close();
  };
}

TEST_F(ProxyEnvironmentTest, HttpProxySendsPlainRequestsThroughTheProxyInAbsoluteForm) {
  absl::Mutex mu;
  std::string proxy_head, upstream_head;
  ScriptedUpstream proxy(RecordAndAnswer(&proxy_head, &mu, R"({"via":"proxy"})"));
  ScriptedUpstream upstream(RecordAndAnswer(&upstream_head, &mu, R"({"via":"direct"})"));
  setenv("http_proxy", proxy.base_url().c_str(), 1);

  auto response = Get(upstream.base_url(), "/v1/accounts/acme/users/alice");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"({"via":"proxy"})");
  absl::MutexLock lock(&mu);
  EXPECT_THAT(proxy_head, StartsWith(absl::StrCat("GET http://127.0.0.1:", upstream.port(),
                                                  "/v1/accounts/acme/users/alice HTTP/1.1\r\n")));
  EXPECT_EQ(proxy.requests(), 1);
  EXPECT_EQ(upstream.connections(), 0);
}

TEST_F(ProxyEnvironmentTest, HttpsProxyTunnelsTlsRequestsWithConnect) {
  absl::Mutex mu;
  std::string proxy_head;
  // The proxy refuses the tunnel: the request line is what matters here.
  ScriptedUpstream proxy([&](Connection& c) {
    {
      absl::MutexLock lock(&mu);
      proxy_head = c.request_head();
    }
    c.Write("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    c.Close();
  });
  setenv("HTTPS_PROXY", proxy.base_url().c_str(), 1);

  auto response = Get("https://127.0.0.1:9", "/v1/accounts/acme/users/alice");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable) << response.status();
  absl::MutexLock lock(&mu);
  EXPECT_THAT(proxy_head, StartsWith("CONNECT 127.0.0.1:9 HTTP/1.1\r\n"));
  EXPECT_EQ(proxy.requests(), 1);
}

TEST_F(ProxyEnvironmentTest, NoProxyExemptsTheUpstreamHost) {
  absl::Mutex mu;
  std::string proxy_head, upstream_head;
  ScriptedUpstream proxy(RecordAndAnswer(&proxy_head, &mu, R"({"via":"proxy"})"));
  ScriptedUpstream upstream(RecordAndAnswer(&upstream_head, &mu, R"({"via":"direct"})"));
  setenv("http_proxy", proxy.base_url().c_str(), 1);
  setenv("NO_PROXY", "127.0.0.1", 1);

  auto response = Get(upstream.base_url(), "/v1/accounts/acme/users/alice");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, R"({"via":"direct"})");
  absl::MutexLock lock(&mu);
  EXPECT_THAT(upstream_head, StartsWith("GET /v1/accounts/acme/users/alice HTTP/1.1\r\n"));
  EXPECT_EQ(proxy.connections(), 0);
}

TEST_F(ProxyEnvironmentTest, WithoutTheVariablesRequestsGoDirect) {
  absl::Mutex mu;
  std::string upstream_head;
  ScriptedUpstream upstream(RecordAndAnswer(&upstream_head, &mu, R"({"via":"direct"})"));

  auto response = Get(upstream.base_url(), "/v1/accounts/acme/users/alice");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, R"({"via":"direct"})");
  absl::MutexLock lock(&mu);
  EXPECT_THAT(upstream_head, StartsWith("GET /v1/accounts/acme/users/alice HTTP/1.1\r\n"));
}

}  // namespace
}  // namespace gateway_proxy
