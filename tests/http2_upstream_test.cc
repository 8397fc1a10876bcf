// HTTP/2 to the upstream where it offers it: nginx (Debian's) serves TLS
// with h2 on loopback, and its access log shows the protocol each request
// arrived on. Several calls in flight at once share one connection.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/blocking_counter.h"
#include "gateway/gateway.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "proxy/app/server.h"
#include "support/scripted_upstream.h"
#include "support/test_certs.h"

namespace gateway_proxy {
namespace {

using ::gateway_proxy::testing::ReadTextFile;
using ::gateway_proxy::testing::TestCerts;
using ::testing::Each;
using ::testing::SizeIs;

// A free loopback port: nginx cannot be told to pick one.
int FreePort() {
  testing::ScriptedUpstream probe([](testing::ScriptedUpstream::Connection&) {});
  return probe.port();
}

class Nginx {
 public:
  Nginx() : port_(FreePort()) {
    char pattern[] = "/tmp/gateway-proxy-nginx-XXXXXX";
    dir_ = mkdtemp(pattern);
    const TestCerts& certs = TestCerts::Get();
    std::ofstream(dir_ + "/nginx.conf") << absl::StrCat(
        "daemon off;\nworker_processes 1;\npid ", dir_, "/nginx.pid;\n",
        "error_log ", dir_, "/error.log;\nevents {}\nhttp {\n",
        "  log_format proto '$request_method $request_uri $server_protocol "
        "$connection';\n",
        "  access_log ", dir_, "/access.log proto;\n",
        "  client_body_temp_path ", dir_, ";\n  proxy_temp_path ", dir_, ";\n",
        "  fastcgi_temp_path ", dir_, ";\n  uwsgi_temp_path ", dir_, ";\n",
        "  scgi_temp_path ", dir_, ";\n",
        "  server {\n    listen 127.0.0.1:", port_, " ssl http2;\n",
        "    ssl_certificate ", certs.server_cert, ";\n",
        "    ssl_certificate_key ", certs.server_key, ";\n",
        "    location / {\n      default_type application/json;\n",
        "      return 200 '{\"name\":\"accounts/acme/users/alice\",\"role\":\"admin\"}';\n",
        "    }\n  }\n}\n");
    pid_ = fork();
    if (pid_ == 0) {
      // Start-up errors come before error_log applies: keep them too.
      freopen((dir_ + "/stderr.log").c_str(), "w", stderr);
      execl("/usr/sbin/nginx", "nginx", "-p", dir_.c_str(), "-c",
            (dir_ + "/nginx.conf").c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~Nginx() {
    kill(pid_, SIGQUIT);
    waitpid(pid_, nullptr, 0);
  }
  int port() const { return port_; }
  std::vector<std::string> AccessLog() const {
    std::vector<std::string> lines =
        absl::StrSplit(ReadTextFile(dir_ + "/access.log"), '\n', absl::SkipEmpty());
    return lines;
  }
  std::string ErrorLog() const {
    return ReadTextFile(dir_ + "/stderr.log") + ReadTextFile(dir_ + "/error.log");
  }

 private:
  int port_;
  std::string dir_;
  pid_t pid_ = -1;
};

TEST(Http2UpstreamTest, CallsGoOverOneMultiplexedHttp2Connection) {
  Nginx nginx;
  Config config;
  config.listen = "127.0.0.1:0";
  config.upstream = absl::StrCat("https://127.0.0.1:", nginx.port());
  config.upstream_ca_file = TestCerts::Get().ca_cert;
  config.upstream_connect_timeout = absl::Seconds(2);
  auto proxy = ProxyServer::Start(config);
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  auto stub = gateway::Gateway::NewStub(
      grpc::CreateChannel((*proxy)->address(), grpc::InsecureChannelCredentials()));
  gateway::UpdateUserRequest request;
  request.set_account_id("acme");
  request.set_user_id("alice");
  request.mutable_user()->set_role("admin");

  // nginx starts in the background: the first call may find it not yet
  // listening (UNAVAILABLE); a bounded number of attempts waits for it.
  grpc::Status first;
  for (int attempt = 0; attempt < 50; ++attempt) {
    grpc::ClientContext context;
    context.AddMetadata("x-api-key", "test-key-1");
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    gateway::User reply;
    first = stub->UpdateUser(&context, request, &reply);
    if (first.error_code() != grpc::StatusCode::UNAVAILABLE) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(first.ok()) << first.error_message() << "\n" << nginx.ErrorLog();

  constexpr int kCalls = 8;
  grpc::ClientContext contexts[kCalls];
  gateway::User replies[kCalls];
  grpc::Status statuses[kCalls];
  absl::BlockingCounter done(kCalls);
  for (int i = 0; i < kCalls; ++i) {
    contexts[i].AddMetadata("x-api-key", "test-key-1");
    contexts[i].set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    stub->async()->UpdateUser(&contexts[i], &request, &replies[i], [&, i](grpc::Status s) {
      statuses[i] = std::move(s);
      done.DecrementCount();
    });
  }
  done.Wait();
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_TRUE(statuses[i].ok()) << statuses[i].error_message();
    EXPECT_EQ(replies[i].role(), "admin");
  }
  (*proxy)->Shutdown(absl::Seconds(1));

  // "PATCH /v1/accounts/acme/users/alice HTTP/2.0 <connection serial>"
  const std::vector<std::string> log = nginx.AccessLog();
  ASSERT_THAT(log, SizeIs(kCalls + 1));
  std::set<std::string> connections;
  for (const std::string& line : log) {
    std::vector<std::string> fields = absl::StrSplit(line, ' ');
    ASSERT_EQ(fields.size(), 4u) << line;
    EXPECT_EQ(fields[0], "PATCH");
    EXPECT_EQ(fields[1], "/v1/accounts/acme/users/alice");
    EXPECT_EQ(fields[2], "HTTP/2.0");
    connections.insert(fields[3]);
  }
  EXPECT_EQ(connections.size(), 1u) << "every call should share one h2 connection";
}

}  // namespace
}  // namespace gateway_proxy
