// A real HTTP server on 127.0.0.1, port 0, standing in for the REST API in
// integration tests. Every request is recorded; the answer comes from a
// handler the test sets.
//
//   FakeUpstream upstream;
//   upstream.SetHandler([](const RecordedRequest& r) {
//     return CannedResponse{200, "application/json", R"({"name":"x"})"};
//   });
//   ... upstream.base_url() ... upstream.requests().size() ...
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "proxy/core/http_types.h"

namespace httplib {
class Server;
}

namespace gateway_proxy::testing {

struct RecordedRequest {
  std::string method;
  std::string path;   // Decoded path, as the server routed it.
  std::string target; // Raw request target: path and query as sent.
  HttpHeaders headers;
  std::string body;

  std::string Header(absl::string_view name) const;
};

struct CannedResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  HttpHeaders headers;
};

class FakeUpstream {
 public:
  using Handler = std::function<CannedResponse(const RecordedRequest&)>;

  // Starts serving plain HTTP; answers 200 {} until SetHandler().
  FakeUpstream();
  // Starts serving HTTPS with this PEM certificate chain and key; with
  // `client_ca`, clients must present a certificate that CA signed.
  FakeUpstream(const std::string& tls_cert, const std::string& tls_key,
               const std::string& client_ca = "");
  ~FakeUpstream();

  void SetHandler(Handler handler);
  // http://127.0.0.1:PORT, or https:// when serving TLS.
  std::string base_url() const;
  int port() const { return port_; }
  std::vector<RecordedRequest> requests() const;
  // Blocks until `n` requests have arrived or `timeout` passes.
  bool WaitForRequests(size_t n, absl::Duration timeout) const;

 private:
  void Serve();

  std::unique_ptr<httplib::Server> server_;
  bool tls_ = false;
  std::thread thread_;
  int port_ = 0;
  mutable absl::Mutex mu_;
  Handler handler_ ABSL_GUARDED_BY(mu_);
  std::vector<RecordedRequest> requests_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gateway_proxy::testing
