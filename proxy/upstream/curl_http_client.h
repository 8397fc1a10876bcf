// HttpClient on libcurl's multi interface (its socket API, on epoll),
// driven by one event-loop thread: no thread per call, connections kept
// alive and reused across calls, HTTP/2 multiplexed where the upstream
// offers it over TLS. A call started while no other is in flight is sent
// on the caller's thread; callbacks always run on the loop's. More than
// 512 connections are split over several multi handles on that loop.
//
//   CurlHttpClient::Options options;
//   options.base_url = "http://127.0.0.1:8080";
//   auto client = CurlHttpClient::Create(options);  // starts the loop thread
//   (*client)->Start({"GET", "/v1/accounts/acme/users/alice", {}, ""},
//                    absl::Now() + absl::Seconds(5), std::move(done));
//
// REQUIRES: curl_global_init() has run (main() does it once).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "proxy/core/defaults.h"
#include "proxy/upstream/http_client.h"
#include "proxy/upstream/retry_policy.h"

namespace gateway_proxy {

class CurlHttpClient final : public HttpClient {
 public:
  struct Options {
    // scheme://host[:port][/base/path]; request paths are appended to it.
    std::string base_url;
    // A response body larger than this is INTERNAL.
    size_t max_response_bytes = kDefaultMaxMessageBytes;
    // CA bundle for upstream TLS; empty uses the system store.
    std::string ca_file;
    // PEM client certificate (chain) and private key presented to an https
    // upstream that asks for one (mutual TLS); both or neither.
    std::string client_cert;
    std::string client_key;
    // Connect timeout, within the call's own deadline.
    absl::Duration connect_timeout = kDefaultConnectTimeout;
    // Connections open at once; requests beyond wait for a free one.
    int max_connections = kDefaultMaxUpstreamConnections;
    // When failed requests are tried again (never, by default).
    RetryPolicy retry;
  };

  // INVALID_ARGUMENT when base_url is not an http(s) URL.
  static absl::StatusOr<std::unique_ptr<CurlHttpClient>> Create(Options options);

  // Aborts every call still in flight (their callbacks run with
  // UNAVAILABLE) and joins the loop thread.
  ~CurlHttpClient() override;

  CallId Start(HttpRequest request, absl::Time deadline, Callback done) override;
  void Cancel(CallId id) override;

 private:
  class Loop;
  explicit CurlHttpClient(std::unique_ptr<Loop> loop);
  std::unique_ptr<Loop> loop_;
};

}  // namespace gateway_proxy
