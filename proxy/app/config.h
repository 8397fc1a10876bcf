// gateway-proxy's configuration: every setting, its default, and the
// validation that runs once at start-up. The request path only reads it.
//
//   Config config;                    // the defaults
//   config.upstream = "http://127.0.0.1:8080";
//   absl::Status s = ValidateConfig(config);
//   // s.message(): "--upstream_timeout: must be positive (got -1s)"
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "proxy/core/defaults.h"

namespace gateway_proxy {

struct Config {
  // host:port the gRPC server listens on (port 0 picks a free one).
  std::string listen = "127.0.0.1:50051";
  // Base URL of the REST API: http(s)://host[:port][/path].
  std::string upstream = "https://api.fireworks.ai";
  // File holding the API key used when a caller sends no credentials; empty
  // for none. Re-read when it changes.
  std::string api_key_file;
  // Upstream deadline for calls whose client set none.
  absl::Duration upstream_timeout = kDefaultUpstreamTimeout;
  // How long connecting (TCP and TLS) may take, within the call's deadline.
  absl::Duration upstream_connect_timeout = kDefaultConnectTimeout;
  // Caller metadata forwarded upstream as HTTP headers. Never traceparent
  // or tracestate: the proxy sets those itself (trace_context.h).
  std::vector<std::string> forward_metadata = DefaultForwardMetadata();
  // Probability (0..1) that a call without a valid caller traceparent
  // starts a trace; 0: such calls are not traced.
  double trace_sampling = 0;
  // The least severe stderr line written: "error", "warn", "info", "debug".
  std::string log_level = "info";
  // Retries of a failed upstream request (see retry_policy.h); 0 for none.
  int max_retries = 0;
  // Calls in flight at once; more are refused with RESOURCE_EXHAUSTED
  // rather than queued without bound.
  int max_inflight = kDefaultMaxInflight;
  // Connections to the upstream at once (requests beyond wait for one).
  int max_upstream_connections = kDefaultMaxUpstreamConnections;
  // Largest accepted request message and upstream response body.
  size_t max_request_bytes = kDefaultMaxMessageBytes;
  size_t max_response_bytes = kDefaultMaxMessageBytes;
  // CA bundle for the upstream's TLS certificate; empty: the system store.
  std::string upstream_ca_file;
  // SERVICE=URL: calls of that service (by full name, one loaded with
  // descriptor_set) go to URL instead of `upstream`.
  std::vector<std::string> service_upstreams;
  // PEM client certificate (chain) and private key for an https upstream
  // that requires mutual TLS; both or neither.
  std::string upstream_client_cert;
  std::string upstream_client_key;
  // host:port of the Prometheus endpoint (/metrics); empty for none.
  std::string metrics_listen;
  // One JSON line per call on stdout.
  bool access_log = true;
  // On SIGTERM, how long calls in flight get to finish.
  absl::Duration drain_timeout = absl::Seconds(10);
  // A second, plaintext listener serving only grpc.health.v1, for probes
  // that cannot reach a loopback --listen (kubelet dials the pod IP); empty
  // for none.
  std::string health_listen;
  // A FileDescriptorSet whose annotated services are served too; empty for
  // the compiled-in Gateway service alone.
  std::string descriptor_set;
  // TLS on the gRPC listener, for use from outside the pod: PEM certificate
  // chain and private key (both or neither). With tls_client_ca, clients
  // must present a certificate signed by that CA (mutual TLS).
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  // How often the upstream is checked for readiness (upstream_health.h);
  // zero: never, and health follows the process alone.
  absl::Duration upstream_health_interval = absl::ZeroDuration();
  // With a check interval: GET this path of the upstream (2xx passes)
  // instead of only connecting; starts with '/'. Empty: connect only.
  std::string upstream_health_path;
  // Failed checks in a row that turn health NOT_SERVING.
  int upstream_health_failures = 3;
};

// What a server bound, for the start-up line.
struct BoundAddresses {
  std::string address;          // the gRPC listener's host:port
  std::string metrics_address;  // --metrics_listen's host:port; empty without
  int health_port = 0;          // --health_listen's port; 0 without
};

// One JSON line describing `config` for the start-up log at `now`: every
// setting, and file paths rather than anything read from them (no key,
// ever), plus the addresses bound, with the port chosen for a port 0
// (health_address: --health_listen's host and `bound.health_port`; empty
// without). Fields as in StartupLogEntry of proto/gateway_proxy/logs.proto.
//   {"time":"2026-11-30T05:01:02.345Z","level":"info","msg":"serving",
//    "address":"127.0.0.1:50051","metrics_address":"",
//    "health_address":"0.0.0.0:8081","listen":"127.0.0.1:50051",...}
std::string StartupLogLine(const Config& config, const BoundAddresses& bound,
                           absl::Time now);

// OK, or INVALID_ARGUMENT whose message starts with the offending flag
// ("--listen: ..."), one line.
absl::Status ValidateConfig(const Config& config);

}  // namespace gateway_proxy
