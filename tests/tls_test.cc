// TLS on both sides of the proxy: the gRPC listener (TLS and mutual TLS, for
// clients outside the pod) and the upstream (verified against the system
// store or --upstream_ca_file), plus the Unix-socket listener.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gateway/gateway.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "proxy/app/server.h"
#include "support/fake_upstream.h"
#include "support/test_certs.h"

namespace gateway_proxy {
namespace {

using ::gateway_proxy::testing::CannedResponse;
using ::gateway_proxy::testing::FakeUpstream;
using ::gateway_proxy::testing::ReadTextFile;
using ::gateway_proxy::testing::RecordedRequest;
using ::gateway_proxy::testing::TestCerts;
using ::testing::HasSubstr;

constexpr char kUserJson[] = R"({"name":"accounts/acme/users/alice","role":"admin"})";

gateway::UpdateUserRequest AliceToAdmin() {
  gateway::UpdateUserRequest request;
  request.set_account_id("acme");
  request.set_user_id("alice");
  request.mutable_user()->set_role("admin");
  return request;
}

grpc::Status Call(const std::string& target,
                  const std::shared_ptr<grpc::ChannelCredentials>& credentials,
                  gateway::User* reply) {
  auto stub = gateway::Gateway::NewStub(grpc::CreateChannel(target, credentials));
  grpc::ClientContext context;
  context.AddMetadata("x-api-key", "test-key-1");
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  return stub->UpdateUser(&context, AliceToAdmin(), reply);
}

std::shared_ptr<grpc::ChannelCredentials> TrustingTestCa(bool with_client_cert) {
  const TestCerts& certs = TestCerts::Get();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadTextFile(certs.ca_cert);
  if (with_client_cert) {
    options.pem_private_key = ReadTextFile(certs.client_key);
    options.pem_cert_chain = ReadTextFile(certs.client_cert);
  }
  return grpc::SslCredentials(options);
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    upstream_.SetHandler([](const RecordedRequest&) {
      return CannedResponse{200, "application/json", kUserJson, {}};
    });
  }

  std::unique_ptr<ProxyServer> Start(Config config) {
    auto proxy = ProxyServer::Start(config);
    EXPECT_TRUE(proxy.ok()) << proxy.status();
    return proxy.ok() ? *std::move(proxy) : nullptr;
  }

  Config BaseConfig() {
    Config config;
    config.listen = "127.0.0.1:0";
    config.upstream = upstream_.base_url();
    return config;
  }

  FakeUpstream upstream_;
};

TEST_F(TlsTest, TlsListenerServesClientsThatTrustItsCertificate) {
  Config config = BaseConfig();
  config.tls_cert = TestCerts::Get().server_cert;
  config.tls_key = TestCerts::Get().server_key;
  auto proxy = Start(config);
  ASSERT_NE(proxy, nullptr);
  gateway::User reply;
  grpc::Status status = Call(proxy->address(), TrustingTestCa(false), &reply);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.role(), "admin");

  // A plaintext client gets nowhere, and nothing reaches the upstream.
  status = Call(proxy->address(), grpc::InsecureChannelCredentials(), &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(upstream_.requests().size(), 1u);
}

TEST_F(TlsTest, MutualTlsRequiresAClientCertificateFromTheClientCa) {
  Config config = BaseConfig();
  config.tls_cert = TestCerts::Get().server_cert;
  config.tls_key = TestCerts::Get().server_key;
  config.tls_client_ca = TestCerts::Get().ca_cert;
  auto proxy = Start(config);
  ASSERT_NE(proxy, nullptr);
  gateway::User reply;
  EXPECT_EQ(Call(proxy->address(), TrustingTestCa(false), &reply).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(upstream_.requests().empty());
  grpc::Status status = Call(proxy->address(), TrustingTestCa(true), &reply);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(TlsTest, CertificateWithoutKeyIsAConfigurationError) {
  Config config = BaseConfig();
  config.tls_cert = TestCerts::Get().server_cert;
  auto proxy = ProxyServer::Start(config);
  ASSERT_FALSE(proxy.ok());
  EXPECT_EQ(proxy.status().message(), "--tls_key: --tls_cert and --tls_key go together");
}

TEST(UpstreamTlsTest, UpstreamCertificateIsVerifiedAgainstTheGivenCa) {
  FakeUpstream upstream(TestCerts::Get().server_cert, TestCerts::Get().server_key);
  upstream.SetHandler([](const RecordedRequest&) {
    return CannedResponse{200, "application/json", kUserJson, {}};
  });
  Config config;
  config.listen = "127.0.0.1:0";
  config.upstream = upstream.base_url();
  config.upstream_ca_file = TestCerts::Get().ca_cert;
  auto proxy = ProxyServer::Start(config);
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  gateway::User reply;
  grpc::Status status =
      Call((*proxy)->address(), grpc::InsecureChannelCredentials(), &reply);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.role(), "admin");
}

TEST(UpstreamTlsTest, UntrustedUpstreamCertificateIsUnavailableAndNothingIsSent) {
  FakeUpstream upstream(TestCerts::Get().server_cert, TestCerts::Get().server_key);
  Config config;
  config.listen = "127.0.0.1:0";
  config.upstream = upstream.base_url();
  config.upstream_ca_file = TestCerts::Get().other_ca_cert;
  auto proxy = ProxyServer::Start(config);
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  gateway::User reply;
  grpc::Status status =
      Call((*proxy)->address(), grpc::InsecureChannelCredentials(), &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(),
              ::testing::StartsWith(absl::StrCat("upstream 127.0.0.1:", upstream.port(),
                                                 " unavailable: ")));
  EXPECT_TRUE(upstream.requests().empty());

  // Without a CA file the system store applies, which does not know the
  // test CA either: verification is on by default.
  config.upstream_ca_file = "";
  auto default_proxy = ProxyServer::Start(config);
  ASSERT_TRUE(default_proxy.ok()) << default_proxy.status();
  EXPECT_EQ(Call((*default_proxy)->address(), grpc::InsecureChannelCredentials(), &reply)
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(upstream.requests().empty());
}

TEST(UpstreamTlsTest, UpstreamThatRequiresAClientCertificateGetsTheConfiguredOne) {
  const TestCerts& certs = TestCerts::Get();
  FakeUpstream upstream(certs.server_cert, certs.server_key, certs.ca_cert);
  upstream.SetHandler([](const RecordedRequest&) {
    return CannedResponse{200, "application/json", kUserJson, {}};
  });
  Config config;
  config.listen = "127.0.0.1:0";
  config.upstream = upstream.base_url();
  config.upstream_ca_file = certs.ca_cert;
  config.upstream_client_cert = certs.client_cert;
  config.upstream_client_key = certs.client_key;
  auto proxy = ProxyServer::Start(config);
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  gateway::User reply;
  grpc::Status status = Call((*proxy)->address(), grpc::InsecureChannelCredentials(), &reply);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.role(), "admin");
  EXPECT_EQ(upstream.requests().size(), 1u);

  // Without one the upstream ends the handshake: UNAVAILABLE, nothing sent.
  config.upstream_client_cert = "";
  config.upstream_client_key = "";
  auto anonymous = ProxyServer::Start(config);
  ASSERT_TRUE(anonymous.ok()) << anonymous.status();
  status = Call((*anonymous)->address(), grpc::InsecureChannelCredentials(), &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(),
              ::testing::StartsWith(absl::StrCat("upstream 127.0.0.1:", upstream.port(),
                                                 " unavailable: ")));
  EXPECT_EQ(upstream.requests().size(), 1u);
}

TEST(UnixSocketTest, ListensOnAUnixDomainSocket) {
  FakeUpstream upstream;
  upstream.SetHandler([](const RecordedRequest&) {
    return CannedResponse{200, "application/json", kUserJson, {}};
  });
  const std::string path = ::testing::TempDir() + "/gateway-proxy-test.sock";
  std::remove(path.c_str());
  Config config;
  config.listen = "unix://" + path;
  config.upstream = upstream.base_url();
  auto proxy = ProxyServer::Start(config);
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  EXPECT_EQ((*proxy)->address(), "unix://" + path);
  EXPECT_EQ((*proxy)->port(), 0);
  gateway::User reply;
  grpc::Status status = Call("unix://" + path, grpc::InsecureChannelCredentials(), &reply);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.role(), "admin");
}

}  // namespace
}  // namespace gateway_proxy
