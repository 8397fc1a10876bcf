// The User-Agent the upstream sees: the proxy's name and version, whatever
// the caller's gRPC library calls itself. A real proxy on 127.0.0.1:0 and a
// real HTTP upstream on 127.0.0.1:0.
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "gateway/gateway.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "gtest/gtest.h"
#include "proxy/app/server.h"
#include "support/fake_upstream.h"

namespace gateway_proxy {
namespace {

using ::gateway_proxy::testing::FakeUpstream;
using ::gateway_proxy::testing::RecordedRequest;

TEST(UserAgentTest, UpstreamSeesTheProxysNameAndVersionOnly) {
  FakeUpstream upstream;
  Config config;
  config.listen = "127.0.0.1:0";
  config.upstream = upstream.base_url();
  config.access_log = false;
  auto proxy = ProxyServer::Start(config);
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  // A caller that names itself: the name stays between it and the proxy.
  grpc::ChannelArguments args;
  args.SetUserAgentPrefix("caller-app/9.9");
  auto stub = gateway::Gateway::NewStub(grpc::CreateCustomChannel(
      (*proxy)->address(), grpc::InsecureChannelCredentials(), args));
  grpc::ClientContext context;
  context.AddMetadata("x-api-key", "test-key-1");
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  gateway::GetUserRequest request;
  request.set_account_id("acme");
  request.set_user_id("alice");
  gateway::User reply;

  const grpc::Status status = stub->GetUser(&context, request, &reply);

  ASSERT_TRUE(status.ok()) << status.error_message();
  const std::vector<RecordedRequest> requests = upstream.requests();
  ASSERT_EQ(requests.size(), 1u);
  int user_agents = 0;
  for (const auto& [name, value] : requests[0].headers) {
    if (absl::EqualsIgnoreCase(name, "User-Agent")) ++user_agents;
  }
  EXPECT_EQ(user_agents, 1);
  EXPECT_EQ(requests[0].Header("User-Agent"), "gateway-proxy/0.1.0");
}

}  // namespace
}  // namespace gateway_proxy
