// mock-gateway: an in-memory stand-in for the Gateway REST API's four User
// calls - Create (POST /v1/accounts/{account_id}/users), Get and Update
// (GET and PATCH .../users/{user_id}) and List (GET .../users) - with the
// grpc-gateway error bodies the real API answers. gateway-proxy's demo and
// end-to-end tests point --upstream at it. With --seed (the default) it
// starts with account acme and its users alice and bob; the User API
// creates no accounts, so acme is the only one.
//
//   mock-gateway --api_key=demo-key-0000 --listen=127.0.0.1:0
//   listening on 127.0.0.1:41234                      (stdout, one line)
//   PATCH /v1/accounts/acme/users/alice 200           (stderr, per request)
//
// Exits 0 on SIGTERM or SIGINT, 2 on bad flags, 1 when it cannot serve.
// The REST behaviour lives in rest_handler.h; this file only wires flags,
// the HTTP server and shutdown.
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "httplib.h"
#include "proxy/app/env_flags.h"
#include "rest_handler.h"
#include "user_store.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0",
          "HOST:PORT to serve on; port 0 picks a free port, printed on stdout");
ABSL_FLAG(std::string, api_key, "",
          "The API key the mock accepts as \"Authorization: Bearer <key>\" "
          "(required)");
ABSL_FLAG(std::string, status_table, "v2",
          "HTTP statuses for errors: v2 (google.rpc.Code's mapping, "
          "FAILED_PRECONDITION 400) or v1 (grpc-gateway v1, "
          "FAILED_PRECONDITION 412, CANCELLED 408)");
ABSL_FLAG(bool, seed, true,
          "Start with account acme and its users alice (admin) and bob (user)");

namespace gateway_proxy::mock_gateway {
namespace {

struct ListenAddress {
  std::string host;
  int port = 0;
};

// "127.0.0.1:0" -> {"127.0.0.1", 0}.
absl::StatusOr<ListenAddress> ParseListenAddress(absl::string_view text) {
  const size_t colon = text.rfind(':');
  ListenAddress address;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(text.substr(colon + 1), &address.port) ||
      address.port < 0 || address.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--listen=%s is not HOST:PORT", text));
  }
  address.host = std::string(text.substr(0, colon));
  return address;
}

RestRequest FromHttplib(const httplib::Request& request) {
  RestRequest rest;
  rest.method = request.method;
  rest.path = request.path;
  rest.query.assign(request.params.begin(), request.params.end());
  rest.headers.assign(request.headers.begin(), request.headers.end());
  rest.body = request.body;
  return rest;
}

int Run() {
  const std::string api_key = absl::GetFlag(FLAGS_api_key);
  if (api_key.empty()) {
    absl::FPrintF(stderr, "mock-gateway: --api_key is required\n");
    return 2;
  }
  const absl::StatusOr<StatusTable> table =
      ParseStatusTable(absl::GetFlag(FLAGS_status_table));
  const absl::StatusOr<ListenAddress> address =
      ParseListenAddress(absl::GetFlag(FLAGS_listen));
  for (const absl::Status& status : {table.status(), address.status()}) {
    if (!status.ok()) {
      absl::FPrintF(stderr, "mock-gateway: %s\n", status.message());
      return 2;
    }
  }

  // Signals go to sigwait() below, in every thread started from here on.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  UserStore store;
  if (absl::GetFlag(FLAGS_seed)) SeedDemoUsers(store, absl::Now());
  const RestHandler handler(api_key, *table, &store);

  httplib::Server server;
  const auto handle = [&handler](const httplib::Request& request,
                                 httplib::Response& response) {
    HttpResponse reply = handler.Handle(FromHttplib(request), absl::Now());
    response.status = reply.status;
    const std::string content_type(reply.Header("Content-Type"));
    for (const auto& [name, value] : reply.headers) {
      if (!absl::EqualsIgnoreCase(name, "Content-Type")) {
        response.set_header(name, value);
      }
    }
    response.set_content(std::move(reply.body), content_type.c_str());
  };
  // Every method reaches the handler, which answers grpc-gateway's routing
  // errors itself.
  server.Get(".*", handle);
  server.Patch(".*", handle);
  server.Post(".*", handle);
  server.Put(".*", handle);
  server.Delete(".*", handle);
  server.Options(".*", handle);
  // cpp-httplib gives each connection a worker thread for as long as it is
  // kept alive; with its default of 8 workers, a proxy holding more idle
  // connections than that would see its requests wait in a queue. Enough
  // workers for the proxy's own connection cap keeps the mock out of the way.
  server.new_task_queue = [] { return new httplib::ThreadPool(256); };
  // cpp-httplib writes a response's headers and body separately; with Nagle
  // on, the body waits for the client's delayed ACK of the headers, ~40 ms
  // on most keep-alive requests. Accepted sockets inherit TCP_NODELAY.
  server.set_tcp_nodelay(true);
  // cpp-httplib's default adds SO_REUSEPORT, which lets a second process
  // bind a port already in use; a taken --listen port must be an error.
  // The socket is kept for the listen() below: the last one offered is the
  // one bound.
  socket_t listen_socket = INVALID_SOCKET;
  server.set_socket_options([&listen_socket](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_socket = sock;
  });
  server.set_logger(
      [](const httplib::Request& request, const httplib::Response& response) {
        absl::FPrintF(stderr, "%s %s %d\n", request.method, request.path,
                      response.status);
      });

  int port = address->port;
  if (port == 0) {
    port = server.bind_to_any_port(address->host);
  } else if (!server.bind_to_port(address->host, port)) {
    port = -1;
  }
  if (port < 0) {
    absl::FPrintF(stderr, "mock-gateway: cannot listen on %s\n",
                  absl::GetFlag(FLAGS_listen));
    return 1;
  }
  // The packaged cpp-httplib listens with a backlog of 5 (a compile-time
  // CPPHTTPLIB_LISTEN_BACKLOG of the shared library): a proxy opening more
  // connections at once than that has the rest of its SYNs dropped and
  // retried a second or more later. Listening again on the bound socket
  // raises the backlog (Linux, POSIX 2008 listen()).
  if (listen(listen_socket, SOMAXCONN) != 0) {
    absl::FPrintF(stderr,
                  "mock-gateway: cannot raise the listen backlog (%s); "
                  "bursts of connections will be slow\n",
                  strerror(errno));
  }

  std::atomic<bool> serve_failed{false};
  std::thread serving([&server, &serve_failed] {
    if (!server.listen_after_bind()) {
      serve_failed = true;
      kill(getpid(), SIGTERM);  // Wakes sigwait() below.
    }
  });
  // The socket already accepts connections; announcing only once the accept
  // loop runs means a signal that follows the line can stop it (stop() is a
  // no-op before).
  while (!server.is_running() && !serve_failed) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!serve_failed) {
    absl::PrintF("listening on %s:%d\n", address->host, port);
    std::fflush(stdout);
  }

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  if (!serve_failed) {
    absl::FPrintF(stderr, "mock-gateway: %s, shutting down\n",
                  strsignal(signal_number));
  }
  server.stop();
  serving.join();
  if (serve_failed) {
    absl::FPrintF(stderr, "mock-gateway: the server stopped with an error\n");
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace gateway_proxy::mock_gateway

int main(int argc, char** argv) {
  constexpr char kFlagsFile[] = "tools/mock_gateway/main.cc";
  const auto action = gateway_proxy::CheckCommandLine(kFlagsFile, argc, argv);
  if (!action.ok()) {
    absl::FPrintF(stderr, "mock-gateway: %s\n", action.status().message());
    return 2;
  }
  if (*action == gateway_proxy::CommandLineAction::kHelp) {
    absl::PrintF(
        "mock-gateway %s: an in-memory Gateway User REST API for gateway-proxy's "
        "demo and tests.\n\n"
        "Usage: mock-gateway --api_key=KEY [--listen=127.0.0.1:0] "
        "[--status_table=v2|v1] [--seed=true]\n\n"
        "Flags:\n%s\n"
        "  --flagfile=FILE[,FILE...]  read flags from files, one per line\n"
        "  -h, --help                 print this help\n"
        "  --version                  print the version\n",
        GATEWAY_PROXY_VERSION, gateway_proxy::FlagsHelp(kFlagsFile));
    return 0;
  }
  if (*action == gateway_proxy::CommandLineAction::kVersion) {
    absl::PrintF("mock-gateway %s\n", GATEWAY_PROXY_VERSION);
    return 0;
  }
  absl::ParseCommandLine(argc, argv);
  return gateway_proxy::mock_gateway::Run();
}
