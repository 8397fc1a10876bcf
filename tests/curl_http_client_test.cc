// CurlHttpClient against real upstreams on loopback: its pools, kept easy
// handles and retries. With a large --max_upstream_connections the
// connections are split over several libcurl multi handles on the one loop
// (512 each at most), calls spread over them in turn; each multi handle
// keeps its own pool, timers and cancellation.
#include <curl/curl.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "proxy/core/path_template.h"
#include "proxy/upstream/curl_http_client.h"
#include "support/scripted_upstream.h"

namespace gateway_proxy {
namespace {

using ::gateway_proxy::testing::HttpResponseBytes;
using ::gateway_proxy::testing::ScriptedUpstream;
using Connection = ScriptedUpstream::Connection;

// Answers every request on a connection, keeping it open, with 200 and a
// body naming the request line.
void AnswerEveryRequest(Connection& c) {
  do {
    const std::string& head = c.request_head();
    const std::string line = head.substr(0, head.find("\r\n"));
    if (!c.Write(HttpResponseBytes(200, "application/json",
                                   absl::StrCat(R"({"line":")", line, R"("})")))) {
      return;
    }
  } while (c.ReadRequest());
}

std::unique_ptr<CurlHttpClient> NewClient(const std::string& base_url, int max_connections,
                                          size_t max_response_bytes = kDefaultMaxMessageBytes) {
  CurlHttpClient::Options options;
  options.base_url = base_url;
  options.max_connections = max_connections;
  options.max_response_bytes = max_response_bytes;
  auto client = CurlHttpClient::Create(options);
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

// Calls started at once, and their results once all have ended.
class Calls {
 public:
  HttpClient::CallId Start(HttpClient& client, const std::string& path, absl::Duration timeout,
                           const std::string& method = "GET", const std::string& body = "") {
    {
      absl::MutexLock lock(&mu_);
      results_.emplace_back();
    }
    const size_t index = started_++;
    return client.Start(HttpRequest{method, path, {}, body}, absl::Now() + timeout,
                        [this, index](absl::StatusOr<HttpResponse> response) {
                          absl::MutexLock lock(&mu_);
                          results_[index] = std::move(response);
                        });
  }

  std::vector<absl::StatusOr<HttpResponse>> Wait() {
    absl::MutexLock lock(&mu_);
    auto all_ended = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      for (const auto& result : results_) {
        if (!result.has_value()) return false;
      }
      return true;
    };
    EXPECT_TRUE(mu_.AwaitWithTimeout(absl::Condition(&all_ended), absl::Seconds(20)));
    std::vector<absl::StatusOr<HttpResponse>> ended;
    for (auto& result : results_) {
      ended.push_back(result.value_or(absl::InternalError("did not end")));
    }
    return ended;
  }

 private:
  size_t started_ = 0;
  absl::Mutex mu_;
  std::vector<std::optional<absl::StatusOr<HttpResponse>>> results_ ABSL_GUARDED_BY(mu_);
};

absl::StatusOr<HttpResponse> GetOne(HttpClient& client, const std::string& path) {
  Calls calls;
  calls.Start(client, path, absl::Seconds(10));
  return calls.Wait().at(0);
}

// Six GETs, each started when the one before has ended; each must come
// back 200 with its own request line.
void GetSixInTurn(HttpClient& client) {
  for (int i = 0; i < 6; ++i) {
    auto response = GetOne(client, absl::StrCat("/v1/n/", i));
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, absl::StrCat(R"({"line":"GET /v1/n/)", i, R"( HTTP/1.1"})"));
  }
}

// Six GETs in turn through a client allowed `max_connections`: the
// connections the upstream accepted for them.
int ConnectionsForSixGetsInTurn(int max_connections) {
  ScriptedUpstream upstream(&AnswerEveryRequest);
  auto client = NewClient(upstream.base_url(), max_connections);
  if (client == nullptr) return -1;
  GetSixInTurn(*client);
  EXPECT_EQ(upstream.requests(), 6);
  return upstream.connections();
}

// The core percent-encodes paths and queries itself (it links no libcurl);
// what it writes must stay what libcurl's own escaping writes, byte by byte.
TEST(CurlEscapingTest, PercentEncodeAgreesWithLibcurlOnEveryByte) {
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte.push_back(static_cast<char>(b));
  std::vector<std::string> inputs = {every_byte, "a b/c?d=e&f", "caf\xc3\xa9~-._"};
  for (char c : every_byte) inputs.push_back(std::string(1, c));
  for (const std::string& input : inputs) {
    std::unique_ptr<char, decltype(&curl_free)> escaped(
        curl_easy_escape(nullptr, input.data(), static_cast<int>(input.size())), &curl_free);
    ASSERT_NE(escaped, nullptr);
    EXPECT_EQ(PercentEncode(input), escaped.get()) << ::testing::PrintToString(input);
  }
  EXPECT_EQ(PercentEncode(""), "");
}

TEST(CurlHttpClientTest, UpTo512ConnectionsShareOnePool) {
  // One after the other, each call reused the first one's connection.
  EXPECT_EQ(ConnectionsForSixGetsInTurn(512), 1);
}

TEST(CurlHttpClientTest, MoreConnectionsAreSplitOverPoolsThatEachReuseTheirOwn) {
  // 1,025 connections: three pools (342, 342 and 341), calls in turn.
  // Calls 1-3 each opened a connection in their pool; 4-6 reused them.
  EXPECT_EQ(ConnectionsForSixGetsInTurn(1025), 3);
}

// At most once holds in every pool: an upstream that reads each PATCH and
// resets the connection gets each one exactly once, and the caller learns
// it may have been processed.
TEST(CurlHttpClientTest, EveryPoolSendsAPatchAtMostOnce) {
  ScriptedUpstream upstream([](Connection& c) { c.Reset(); });
  auto client = NewClient(upstream.base_url(), 1025);
  ASSERT_NE(client, nullptr);
  Calls calls;
  for (int i = 0; i < 3; ++i) {
    calls.Start(*client, "/v1/accounts/acme/users/alice", absl::Seconds(10), "PATCH",
                R"({"role":"admin"})");
  }
  for (const auto& result : calls.Wait()) {
    EXPECT_EQ(result.status().code(), absl::StatusCode::kUnknown);
    EXPECT_EQ(result.status().message(),
              absl::StrCat("upstream 127.0.0.1:", upstream.port(),
                           " failed after the PATCH request was sent (Failure when receiving "
                           "data from the peer); the request may have been processed, so it "
                           "was not sent again"));
  }
  EXPECT_EQ(upstream.requests(), 3);
  EXPECT_EQ(upstream.connections(), 3);
}

// An upstream that reads the request and never answers.
void NeverAnswer(Connection& c) { c.Hold(absl::Seconds(30)); }

TEST(CurlHttpClientTest, EveryPoolEndsItsCallsAtTheirDeadline) {
  ScriptedUpstream upstream(&NeverAnswer);
  auto client = NewClient(upstream.base_url(), 1025);
  ASSERT_NE(client, nullptr);
  Calls calls;
  const absl::Time started = absl::Now();
  for (int i = 0; i < 3; ++i) calls.Start(*client, "/v1/slow", absl::Milliseconds(300));
  for (const auto& result : calls.Wait()) {
    EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded);
    EXPECT_EQ(result.status().message(),
              absl::StrCat("upstream 127.0.0.1:", upstream.port(),
                           " did not answer before the deadline"));
  }
  EXPECT_LT(absl::Now() - started, absl::Seconds(5));
  EXPECT_EQ(upstream.connections(), 3);
}

TEST(CurlHttpClientTest, CallsInEveryPoolCanBeCancelled) {
  ScriptedUpstream upstream(&NeverAnswer);
  auto client = NewClient(upstream.base_url(), 1025);
  ASSERT_NE(client, nullptr);
  Calls calls;
  std::vector<HttpClient::CallId> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(calls.Start(*client, "/v1/slow", absl::Seconds(30)));
  // Each request reached the upstream, on a connection of its pool's own.
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (upstream.requests() < 3 && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(5));
  ASSERT_EQ(upstream.requests(), 3);
  EXPECT_EQ(upstream.connections(), 3);
  for (HttpClient::CallId id : ids) client->Cancel(id);
  for (const auto& result : calls.Wait()) {
    EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled);
    EXPECT_EQ(result.status().message(), "the call was cancelled before the upstream answered");
  }
}

// A call that ends inside Start() (its deadline already passed) still has
// its callback run later, on the client's thread: the caller of Start() may
// hold a lock that its callback takes, as the proxy's calls do.
TEST(CurlHttpClientTest, CallbackNeverRunsInsideStart) {
  ScriptedUpstream upstream(&AnswerEveryRequest);
  auto client = NewClient(upstream.base_url(), 256);
  ASSERT_NE(client, nullptr);
  absl::Mutex mu;
  std::optional<absl::Status> result;
  {
    absl::MutexLock lock(&mu);
    client->Start(HttpRequest{"PATCH", "/v1/late", {}, "{}"}, absl::Now() - absl::Seconds(1),
                  [&](absl::StatusOr<HttpResponse> response) {
                    absl::MutexLock callback_lock(&mu);  // Deadlocks if run inside Start().
                    result = response.status();
                  });
    EXPECT_FALSE(result.has_value());
  }
  absl::MutexLock lock(&mu);
  auto ended = [&result]() { return result.has_value(); };
  ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&ended), absl::Seconds(10)));
  EXPECT_EQ(result->code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(result->message(), "the deadline expired before the upstream request was sent");
  EXPECT_EQ(upstream.connections(), 0);
}

// An ended call's easy handle is reset and kept for the next call: nothing
// of one call (method, body, headers) may reach the upstream with the
// next. Eight calls in turn on one connection, each request exactly as sent.
TEST(CurlHttpClientTest, AKeptHandleCarriesNothingOfTheCallBefore) {
  absl::Mutex mu;
  std::vector<std::string> seen;  // Each request's head, a blank line, its body.
  ScriptedUpstream upstream([&](Connection& c) {
    do {
      {
        absl::MutexLock lock(&mu);
        seen.push_back(absl::StrCat(c.request_head(), "\r\n\r\n", c.request_body()));
      }
      if (!c.Write(HttpResponseBytes(200, "application/json", "{}"))) return;
    } while (c.ReadRequest());
  });
  auto client = NewClient(upstream.base_url(), 1);
  ASSERT_NE(client, nullptr);
  const std::vector<HttpRequest> requests = {
      {"PATCH", "/v1/a", {{"authorization", "Bearer test-token"}, {"x-request-id", "r1"}},
       R"({"role":"admin"})"},
      {"GET", "/v1/b", {}, ""},
      {"DELETE", "/v1/c", {}, ""},
      {"POST", "/v1/d", {{"x-request-id", "r4"}}, "{}"},
      {"GET", "/v1/e?x=1", {}, ""},
      {"DELETE", "/v1/f", {}, R"({"etag":"7"})"},
      {"PUT", "/v1/g", {}, ""},
      {"GET", "/v1/h", {}, ""},
  };
  for (const HttpRequest& request : requests) {
    absl::Notification ended;
    absl::StatusOr<HttpResponse> result;
    client->Start(request, absl::Now() + absl::Seconds(10),
                  [&](absl::StatusOr<HttpResponse> response) {
                    result = std::move(response);
                    ended.Notify();
                  });
    ASSERT_TRUE(ended.WaitForNotificationWithTimeout(absl::Seconds(20)));
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->status, 200);
  }
  const std::string host = absl::StrCat("Host: 127.0.0.1:", upstream.port(), "\r\n");
  const std::string agent = "User-Agent: gateway-proxy/" GATEWAY_PROXY_VERSION "\r\n";
  const std::string accept = "Accept: application/json\r\n";
  absl::MutexLock lock(&mu);
  EXPECT_EQ(seen, (std::vector<std::string>{
                      absl::StrCat("PATCH /v1/a HTTP/1.1\r\n", host, agent, accept,
                                   "Content-Type: application/json\r\n"
                                   "authorization: Bearer test-token\r\n"
                                   "x-request-id: r1\r\n"
                                   "Content-Length: 16\r\n\r\n"
                                   R"({"role":"admin"})"),
                      absl::StrCat("GET /v1/b HTTP/1.1\r\n", host, agent, accept, "\r\n"),
                      absl::StrCat("DELETE /v1/c HTTP/1.1\r\n", host, agent, accept, "\r\n"),
                      absl::StrCat("POST /v1/d HTTP/1.1\r\n", host, agent, accept,
                                   "Content-Type: application/json\r\n"
                                   "x-request-id: r4\r\n"
                                   "Content-Length: 2\r\n\r\n{}"),
                      absl::StrCat("GET /v1/e?x=1 HTTP/1.1\r\n", host, agent, accept, "\r\n"),
                      absl::StrCat("DELETE /v1/f HTTP/1.1\r\n", host, agent, accept,
                                   "Content-Type: application/json\r\n"
                                   "Content-Length: 12\r\n\r\n"
                                   R"({"etag":"7"})"),
                      absl::StrCat("PUT /v1/g HTTP/1.1\r\n", host, agent, accept,
                                   "Content-Length: 0\r\n\r\n"),
                      absl::StrCat("GET /v1/h HTTP/1.1\r\n", host, agent, accept, "\r\n"),
                  }));
  EXPECT_EQ(upstream.connections(), 1);
}

// The proxy's own retry waits what an HTTP-date Retry-After asks, as the
// RetryInfo it would give the caller says (retry_after.h): the upstream
// answers a GET with 503 and a date about 2 s ahead, then 200. The second
// request reaches it no sooner than a second later (the date has whole
// seconds), where a backoff alone would have waited at most 25 ms.
TEST(CurlHttpClientTest, RetryWaitsForAnHttpDateRetryAfter) {
  absl::Mutex mu;
  std::vector<absl::Time> arrivals;
  ScriptedUpstream upstream([&](Connection& c) {
    do {
      int index;
      {
        absl::MutexLock lock(&mu);
        arrivals.push_back(absl::Now());
        index = static_cast<int>(arrivals.size());
      }
      std::string answer = HttpResponseBytes(200, "application/json", "{}");
      if (index == 1) {
        const std::string date = absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT",
                                                  absl::Now() + absl::Seconds(2),
                                                  absl::UTCTimeZone());
        answer = absl::StrCat("HTTP/1.1 503 Service Unavailable\r\nRetry-After: ", date,
                              "\r\nContent-Length: 0\r\n\r\n");
      }
      if (!c.Write(answer)) return;
    } while (c.ReadRequest());
  });
  CurlHttpClient::Options options;
  options.base_url = upstream.base_url();
  options.retry.max_retries = 1;
  auto client = CurlHttpClient::Create(options);
  ASSERT_TRUE(client.ok()) << client.status();
  Calls calls;
  calls.Start(**client, "/v1/users/alice", absl::Seconds(10));
  const auto results = calls.Wait();
  ASSERT_TRUE(results.at(0).ok()) << results.at(0).status();
  EXPECT_EQ(results.at(0)->status, 200);
  EXPECT_EQ(results.at(0)->retries, 1);
  absl::MutexLock lock(&mu);
  ASSERT_EQ(arrivals.size(), 2u);
  EXPECT_GE(arrivals[1] - arrivals[0], absl::Seconds(1));
  EXPECT_LE(arrivals[1] - arrivals[0], absl::Seconds(3));
}

// Kept easy handles (no curl_easy_reset between calls) after transfers
// that failed in every way, then other methods, bodies and headers on the
// same handle and connection pool; and many calls at once. Every request
// the upstream sees must be exactly its own call's, and a PATCH is still
// sent at most once.
struct Seen {
  std::string method, path, head, body;
};

class Recorder {
 public:
  void Add(const Connection& c) {
    Seen s;
    s.head = c.request_head();
    s.body = c.request_body();
    std::vector<std::string> parts = absl::StrSplit(s.head.substr(0, s.head.find("\r\n")), ' ');
    s.method = parts.size() > 0 ? parts[0] : "";
    s.path = parts.size() > 1 ? parts[1] : "";
    absl::MutexLock lock(&mu_);
    seen_.push_back(std::move(s));
  }
  std::vector<Seen> All() {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

 private:
  absl::Mutex mu_;
  std::vector<Seen> seen_;
};

// Paths decide what the upstream does after reading a request.
void Script(Recorder* rec, Connection& c) {
  do {
    rec->Add(c);
    const std::string& head = c.request_head();
    const std::string path = head.substr(0, head.find("\r\n"));
    if (absl::StrContains(path, "/reset")) {
      c.Reset();
      return;
    }
    if (absl::StrContains(path, "/close")) {
      c.Close();
      return;
    }
    if (absl::StrContains(path, "/slow")) {
      c.Hold(absl::Seconds(3));
      return;
    }
    if (absl::StrContains(path, "/big")) {
      c.Write(HttpResponseBytes(200, "application/json", std::string(200000, ' ')));
      return;
    }
    if (absl::StrContains(path, "/half")) {
      c.Write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"na");
      c.Reset();
      return;
    }
    if (!c.Write(HttpResponseBytes(200, "application/json", "{}"))) return;
  } while (c.ReadRequest());
}

absl::StatusOr<HttpResponse> Call(HttpClient& client, HttpRequest request,
                                  absl::Duration timeout = absl::Seconds(10),
                                  std::optional<absl::Duration> cancel_after = std::nullopt) {
  absl::Notification ended;
  absl::StatusOr<HttpResponse> result;
  auto id = client.Start(std::move(request), absl::Now() + timeout,
                         [&](absl::StatusOr<HttpResponse> r) {
                           result = std::move(r);
                           ended.Notify();
                         });
  if (cancel_after.has_value()) {
    absl::SleepFor(*cancel_after);
    client.Cancel(id);
  }
  EXPECT_TRUE(ended.WaitForNotificationWithTimeout(absl::Seconds(20)));
  return result;
}

// Checks a request the upstream saw against what its call sent.
void ExpectExactly(const Seen& s, const std::string& method, const std::string& body,
                   const std::string& auth) {
  SCOPED_TRACE(s.head);
  EXPECT_EQ(s.method, method);
  EXPECT_EQ(s.body, body);
  const bool has_length = absl::StrContains(s.head, "Content-Length:");
  if (method == "GET" || (method == "DELETE" && body.empty())) {
    EXPECT_FALSE(has_length);
    EXPECT_FALSE(absl::StrContains(s.head, "Content-Type:"));
  } else {
    EXPECT_TRUE(absl::StrContains(s.head, absl::StrCat("Content-Length: ", body.size())));
  }
  // This call's credential, once, and no other.
  const std::vector<std::string> pieces = absl::StrSplit(absl::AsciiStrToLower(s.head),
                                                         "authorization:");
  if (auth.empty()) {
    EXPECT_EQ(pieces.size(), 1u);
  } else {
    EXPECT_EQ(pieces.size(), 2u);
    EXPECT_TRUE(absl::StrContains(s.head, absl::StrCat("authorization: Bearer ", auth, "\r\n")) ||
                absl::EndsWith(s.head, absl::StrCat("authorization: Bearer ", auth)));
  }
}

// What follows each failed PATCH on the same handle: method and body.
const std::vector<std::pair<std::string, std::string>> kAfter = {
    {"GET", ""}, {"DELETE", ""}, {"POST", ""}, {"DELETE", "{}"}, {"GET", ""}};

TEST(KeptHandleTest, EveryFailureThenOtherMethodsOnTheSameHandle) {
  Recorder rec;
  ScriptedUpstream upstream([&](Connection& c) { Script(&rec, c); });
  auto client = NewClient(upstream.base_url(), 1, 1024);
  ASSERT_NE(client, nullptr);
  struct Fault {
    std::string path;
    absl::StatusCode code;
    absl::Duration timeout = absl::Seconds(10);
    std::optional<absl::Duration> cancel_after;
  };
  const std::vector<Fault> faults = {
      {"/reset", absl::StatusCode::kUnknown, absl::Seconds(10), std::nullopt},
      {"/close", absl::StatusCode::kUnknown, absl::Seconds(10), std::nullopt},
      {"/half", absl::StatusCode::kUnknown, absl::Seconds(10), std::nullopt},
      {"/big", absl::StatusCode::kInternal, absl::Seconds(10), std::nullopt},
      {"/slow", absl::StatusCode::kDeadlineExceeded, absl::Milliseconds(300), std::nullopt},
      {"/slow", absl::StatusCode::kCancelled, absl::Seconds(10), absl::Milliseconds(200)},
  };
  int n = 0;
  for (const Fault& fault : faults) {
    // Warm a kept-alive connection first, so the PATCH goes out on a reused
    // connection too (the libcurl re-send case).
    ASSERT_TRUE(Call(*client, {"GET", absl::StrCat("/warm", n), {}, ""}).ok());
    const std::string secret = absl::StrCat("secret-", n);
    const std::string body = absl::StrCat(R"({"n":)", n, R"(,"pad":")", std::string(5000, 'x'),
                                          R"("})");
    auto r = Call(*client,
                  {"PATCH", absl::StrCat(fault.path, "/", n),
                   {{"authorization", absl::StrCat("Bearer ", secret)}}, body},
                  fault.timeout, fault.cancel_after);
    EXPECT_EQ(r.status().code(), fault.code) << fault.path << " " << r.status();
    // Then every other shape of request, no credential, on the same handle.
    for (size_t k = 0; k < kAfter.size(); ++k) {
      const auto& [method, b] = kAfter[k];
      auto after = Call(*client, {method, absl::StrCat("/after/", n, "/", k), {}, b});
      EXPECT_TRUE(after.ok()) << fault.path << " then " << method << ": " << after.status();
    }
    ++n;
  }
  // Each request was recorded before its answer, so all are in.
  std::map<std::string, int> patches;
  for (const Seen& s : rec.All()) {
    if (absl::StartsWith(s.path, "/warm")) {
      ExpectExactly(s, "GET", "", "");
    } else if (absl::StartsWith(s.path, "/after/")) {
      std::vector<std::string> parts = absl::StrSplit(s.path, '/');
      size_t k = 0;
      ASSERT_TRUE(absl::SimpleAtoi(parts.back(), &k)) << s.path;
      ASSERT_LT(k, kAfter.size()) << s.path;
      ExpectExactly(s, kAfter[k].first, kAfter[k].second, "");
    } else {
      EXPECT_EQ(s.method, "PATCH") << s.head;
      ++patches[s.path];
    }
  }
  // Each PATCH at most once; those not cut short by time, exactly once (a
  // deadline or cancel on a loaded machine may come before the bytes go).
  for (const auto& [path, count] : patches) EXPECT_EQ(count, 1) << path << " sent twice";
  for (size_t i = 0; i < faults.size(); ++i) {
    if (faults[i].path == "/slow") continue;
    EXPECT_EQ(patches.count(absl::StrCat(faults[i].path, "/", i)), 1u) << faults[i].path;
  }
}

TEST(KeptHandleTest, ManyCallsAtOnceEachSeesOnlyItsOwn) {
  Recorder rec;
  ScriptedUpstream upstream([&](Connection& c) { Script(&rec, c); });
  auto client = NewClient(upstream.base_url(), 4, 1024);
  ASSERT_NE(client, nullptr);
  const std::vector<std::string> methods = {"PATCH", "GET", "DELETE", "POST", "PUT", "GET"};
  constexpr int kThreads = 8, kPerThread = 60;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int id = t * 1000 + i;
        const std::string& method = methods[id % methods.size()];
        std::string body;
        std::vector<std::pair<std::string, std::string>> headers;
        if (method != "GET" && !(method == "DELETE" && id % 2 == 0)) {
          body = absl::StrCat(R"({"id":)", id, "}");
        }
        if (id % 3 != 0) headers.push_back({"authorization", absl::StrCat("Bearer tok-", id)});
        // Some calls fail (reset after the request), to put failed handles
        // back in the pool among the good ones.
        const std::string path =
            absl::StrCat(id % 7 == 0 ? "/reset/" : "/ok/", id, "/", method, "/",
                         headers.empty() ? "noauth" : "auth");
        auto r = Call(*client, {method, path, headers, body});
        if (id % 7 != 0) {
          EXPECT_TRUE(r.ok()) << path << " " << r.status();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  std::map<int, int> sends;  // By call id.
  for (const Seen& s : rec.All()) {
    std::vector<std::string> parts = absl::StrSplit(s.path, '/');
    ASSERT_EQ(parts.size(), 5u) << s.path;
    int id = 0;
    ASSERT_TRUE(absl::SimpleAtoi(parts[2], &id));
    const std::string& method = parts[3];
    std::string body;
    if (method != "GET" && !(method == "DELETE" && id % 2 == 0)) {
      body = absl::StrCat(R"({"id":)", id, "}");
    }
    ExpectExactly(s, method, body, parts[4] == "auth" ? absl::StrCat("tok-", id) : "");
    ++sends[id];
  }
  // Every call reached the upstream; a GET reset on a kept-alive connection
  // may be sent a second time, anything else exactly once.
  EXPECT_EQ(sends.size(), static_cast<size_t>(kThreads * kPerThread));
  for (const auto& [id, count] : sends) {
    const bool get = methods[id % methods.size()] == "GET";
    EXPECT_TRUE(count == 1 || (get && id % 7 == 0 && count == 2)) << id << " sent " << count;
  }
}

}  // namespace
}  // namespace gateway_proxy
