// The gRPC-only ceiling for bench/run.sh: a gRPC C++ callback server that
// answers every gateway.Gateway/UpdateUser with the same canned User the
// bench's nginx returns as JSON, and calls no upstream. Whatever the proxy
// does on top of gRPC shows up as the difference between the two.
//
//   bench-ceiling --listen=127.0.0.1:0
//   -> listening on 127.0.0.1:40123      (first line on stdout)
//
// Runs until SIGTERM or SIGINT.
#include <signal.h>

#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "bench/canned_user.h"
#include "gateway/gateway.grpc.pb.h"
#include "grpcpp/grpcpp.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "host:port to serve on (port 0: any free one).");

namespace {

class CeilingService final : public gateway::Gateway::CallbackService {
 public:
  grpc::ServerUnaryReactor* UpdateUser(grpc::CallbackServerContext* context,
                                       const gateway::UpdateUserRequest* /*request*/,
                                       gateway::User* reply) override {
    *reply = canned_;
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  const gateway::User canned_ = gateway_proxy::bench::CannedUser();
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const std::string listen = absl::GetFlag(FLAGS_listen);
  CeilingService service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "bench-ceiling: cannot listen on " << listen << "\n";
    return 1;
  }
  std::cout << "listening on " << listen.substr(0, listen.rfind(':')) << ":" << port
            << std::endl;
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  server->Shutdown();
  return 0;
}
