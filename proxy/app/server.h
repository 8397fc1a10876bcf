// The whole proxy as one object: config in, a serving gRPC server out.
// main() and the integration tests both use it.
//
// It owns the observers of every call: Prometheus metrics (with
// config.metrics_listen) and the access log (with config.access_log), and
// tells them and the caller's own observer, if any, of every call.
//
// gRPC health (grpc.health.v1) answers for "", gateway.Gateway and every
// served service, on --listen and --health_listen: SERVING, NOT_SERVING
// while config.upstream_health_interval's checks fail (upstream_health.h),
// and NOT_SERVING for good once Shutdown() has begun.
//
// Once serving, Start() writes every setting as one JSON line to stderr
// (StartupLogLine() in config.h), then "listening on ADDRESS" as stdout's
// first line; then comes one access-log line per call (access_log.h).
//
//   Config config;
//   config.listen = "127.0.0.1:0";
//   config.upstream = "http://127.0.0.1:8080";
//   auto server = ProxyServer::Start(config);
//   ... (*server)->port() ...
//   (*server)->Shutdown(absl::Seconds(5));
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/dynamic_message.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/server.h"
#include "proxy/app/config.h"
#include "proxy/core/route_table.h"
#include "proxy/edge/credentials.h"
#include "proxy/edge/proxy_service.h"
#include "proxy/edge/route_service.h"
#include "proxy/observability/access_log.h"
#include "proxy/observability/metrics.h"
#include "proxy/upstream/curl_http_client.h"
#include "proxy/upstream/upstream_health.h"

namespace gateway_proxy {

// The prefix of the start-up error for a --service_upstream service that is
// not served; main exits 2 on it, as on any invalid flag value.
inline constexpr char kServiceUpstreamFlag[] = "--service_upstream";

class ProxyServer {
 public:
  // Validates `config`, builds the route table from the compiled-in Gateway
  // service and those of config.descriptor_set, starts the upstream client and the gRPC server. Errors name
  // what is wrong (a flag, a route, a port that cannot be bound).
  // `observer` (may be null) is told of every call and must outlive the
  // server.
  static absl::StatusOr<std::unique_ptr<ProxyServer>> Start(
      const Config& config, CallObserver* observer = nullptr);

  ~ProxyServer();

  // The bound TCP port (the chosen one when config.listen asked for 0), or 0
  // for a Unix socket.
  int port() const { return port_; }
  // host:port (or unix:path) clients can dial.
  const std::string& address() const { return address_; }
  // The bound port of config.health_listen, or 0 without one.
  int health_port() const { return health_port_; }
  // The bound port of config.metrics_listen, or 0 without one.
  int metrics_port() const;
  // host:port of the metrics endpoint (the chosen port when
  // config.metrics_listen asked for 0), or empty without one.
  const std::string& metrics_address() const { return metrics_address_; }

  // Stops accepting calls; in-flight calls get up to `grace` to finish, then
  // are cancelled. Idempotent.
  void Shutdown(absl::Duration grace);

  // Waits until the access log has written every line, at most `timeout`;
  // false when stdout did not take them in time (AccessLog::Flush).
  bool FlushLogs(absl::Duration timeout);

 private:
  ProxyServer() = default;

  // Every health name ("", gateway.Gateway, each served service) on both
  // listeners answers `serving`, unless the drain has begun: then nothing
  // changes (the drain's NOT_SERVING stands).
  void SetServing(bool serving);

  // Start()'s steps, in order; each fails with the message Start() returns.
  // The route table, from the compiled-in protos and --descriptor_set.
  absl::Status BuildRoutes(const Config& config);
  absl::Status LoadApiKeyFile(const Config& config);
  // The --upstream client, and one per distinct --service_upstream URL: the
  // client of each service named there.
  absl::StatusOr<std::map<std::string, HttpClient*>> StartUpstreamClients(
      const Config& config);
  // Metrics, the access log and `observer`, each when configured.
  absl::Status StartObservers(const Config& config, CallObserver* observer);
  // The gRPC listener, serving ProxyService; sets address_ and port_.
  absl::Status StartListener(const Config& config,
                             std::map<std::string, HttpClient*> service_clients);
  absl::Status StartHealthListener(const Config& config);
  void StartUpstreamHealthChecks(const Config& config);
  // Every setting on stderr, then "listening on ..." first on stdout.
  void AnnounceListening(const Config& config);

  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<prometheus::Exposer> metrics_exposer_;
  std::unique_ptr<AccessLog> access_log_;
  ObserverList observers_;
  // Message classes for descriptor-set services; outlives the routes.
  std::unique_ptr<google::protobuf::DynamicMessageFactory> dynamic_factory_;
  std::shared_ptr<const RouteTable> routes_;
  std::vector<std::unique_ptr<RouteService>> route_services_;
  std::unique_ptr<ApiKeyFile> api_key_file_;
  std::unique_ptr<CurlHttpClient> http_client_;
  // One client per distinct --service_upstream URL.
  std::vector<std::unique_ptr<CurlHttpClient>> service_clients_;
  std::unique_ptr<ProxyService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::CallbackGenericService> health_other_methods_;
  std::unique_ptr<grpc::Server> health_server_;
  absl::Mutex health_mu_;
  bool draining_ ABSL_GUARDED_BY(health_mu_) = false;
  // With config.upstream_health_interval; stopped first when destroyed.
  std::unique_ptr<UpstreamHealthChecker> upstream_health_;
  int port_ = 0;
  int health_port_ = 0;
  std::string address_;
  std::string metrics_address_;
};

}  // namespace gateway_proxy
