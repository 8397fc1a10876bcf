// CurlHttpClient keeps ended calls' easy handles, without curl_easy_reset,
// for later calls. After transfers that failed in every way, other
// methods, bodies and headers go out on the same handle and connection
// pool, and many calls run at once: every request the upstream sees must be
// exactly its own call's, and a PATCH is still sent at most once.
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
#include "curl_http_client.h"
#include "gtest/gtest.h"
#include "support/scripted_upstream.h"

namespace gateway_proxy {
namespace {

using ::gateway_proxy::testing::HttpResponseBytes;
using ::gateway_proxy::testing::ScriptedUpstream;
using Connection = ScriptedUpstream::Connection;

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

std::unique_ptr<CurlHttpClient> NewClient(const std::string& base_url, int max_connections) {
  CurlHttpClient::Options options;
  options.base_url = base_url;
  options.max_connections = max_connections;
  options.max_response_bytes = 1024;
  auto client = CurlHttpClient::Create(options);
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? *std::move(client) : nullptr;
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
  auto client = NewClient(upstream.base_url(), 1);
  ASSERT_NE(client, nullptr);
  struct Fault {
    std::string path;
    absl::StatusCode code;
    absl::Duration timeout = absl::Seconds(10);
    std::optional<absl::Duration> cancel_after;
  };
  const std::vector<Fault> faults = {
      {"/reset", absl::StatusCode::kUnknown},
      {"/close", absl::StatusCode::kUnknown},
      {"/half", absl::StatusCode::kUnknown},
      {"/big", absl::StatusCode::kInternal},
      {"/slow", absl::StatusCode::kDeadlineExceeded, absl::Milliseconds(300)},
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
  auto client = NewClient(upstream.base_url(), 4);
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
        if (id % 7 != 0) EXPECT_TRUE(r.ok()) << path << " " << r.status();
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
