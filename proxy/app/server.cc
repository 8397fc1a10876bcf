#include "proxy/app/server.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/gateway.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/support/time.h"
#include "proxy/app/descriptor_set.h"
#include "proxy/observability/stderr_log.h"

namespace gateway_proxy {

namespace {

// How often the listener's certificate, key and client CA files are checked
// for a change. cert-manager and the kubelet rewrite a mounted Secret in place
// (a `..data` symlink swapped to a new directory); new connections present
// the new certificate at most this long after.
constexpr unsigned int kTlsFilesRefreshSeconds = 10;

// Plaintext, TLS, or mutual TLS, as the config asks. The files were checked
// at start-up (ValidateConfig); from then on gRPC re-reads them every
// kTlsFilesRefreshSeconds.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ListenerCredentials(
    const Config& config) {
  if (config.tls_cert.empty()) return grpc::InsecureServerCredentials();
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      config.tls_key, config.tls_cert, config.tls_client_ca, kTlsFilesRefreshSeconds);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (config.tls_client_ca.empty()) {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    options.watch_root_certs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  std::shared_ptr<grpc::ServerCredentials> credentials =
      grpc::experimental::TlsServerCredentials(options);
  if (credentials == nullptr) {
    return absl::InvalidArgumentError("--tls_cert: cannot set up TLS on the listener");
  }
  return credentials;
}

// Builder plugins left out of a server: the health-only listener must not
// serve reflection, which InitProtoReflectionServerBuilderPlugin() adds to
// every builder of the process.
class NoPlugins final : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->clear();
  }
};

// Every method of the health-only listener but grpc.health.v1: refused.
// (A server needs one callback service for gRPC to poll its listener at all;
// this is the one.)
class HealthListenerOtherMethods final : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    return new Refusal(context->method());
  }

 private:
  class Refusal final : public grpc::ServerGenericBidiReactor {
   public:
    explicit Refusal(const std::string& method) {
      Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                          absl::StrCat("method ", method,
                                       " is not served on --health_listen, which serves "
                                       "grpc.health.v1 alone")));
    }
    void OnDone() override { delete this; }
  };
};

// Compressed requests are refused (UNIMPLEMENTED, gRPC's answer for an
// encoding it does not take) before their message is read: gRPC inflates a
// message whole before checking its size, so 300 KB of gzip would cost
// 300 MB. A sidecar on loopback gains nothing from compression anyway.
void RefuseCompressedRequests(grpc::ServerBuilder& builder) {
  builder.SetCompressionAlgorithmSupportStatus(GRPC_COMPRESS_DEFLATE, false);
  builder.SetCompressionAlgorithmSupportStatus(GRPC_COMPRESS_GZIP, false);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ProxyServer>> ProxyServer::Start(const Config& config,
                                                                CallObserver* observer) {
  if (absl::Status s = ValidateConfig(config); !s.ok()) return s;
  // grpc.health.v1.Health on every server built from here on: SERVING while
  // the process serves (liveness and Kubernetes' native gRPC probes).
  grpc::EnableDefaultHealthCheckService(true);
  std::unique_ptr<ProxyServer> server(new ProxyServer());
  if (absl::Status s = server->BuildRoutes(config); !s.ok()) return s;
  if (absl::Status s = server->LoadApiKeyFile(config); !s.ok()) return s;
  auto service_clients = server->StartUpstreamClients(config);
  if (!service_clients.ok()) return service_clients.status();
  if (absl::Status s = server->StartObservers(config, observer); !s.ok()) return s;
  if (absl::Status s = server->StartListener(config, *std::move(service_clients)); !s.ok()) {
    return s;
  }
  if (absl::Status s = server->StartHealthListener(config); !s.ok()) {
    server->server_->Shutdown();
    return s;
  }
  server->SetServing(true);
  server->StartUpstreamHealthChecks(config);
  server->AnnounceListening(config);
  return server;
}

absl::Status ProxyServer::BuildRoutes(const Config& config) {
  // Naming a generated type links its descriptors into the generated pool.
  const google::protobuf::DescriptorPool& pool = *gateway::User::descriptor()->file()->pool();
  std::vector<RouteTable::ServiceGroup> groups = {
      {google::protobuf::MessageFactory::generated_factory(), {"gateway.Gateway"}}};
  if (!config.descriptor_set.empty()) {
    auto services = LoadDescriptorSet(config.descriptor_set);
    if (!services.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--descriptor_set: ", services.status().message()));
    }
    // Their messages have no compiled-in classes: dynamic ones stand in.
    dynamic_factory_ = std::make_unique<google::protobuf::DynamicMessageFactory>(&pool);
    groups.push_back({dynamic_factory_.get(), *std::move(services)});
  }
  auto routes = RouteTable::Build(pool, groups);
  if (!routes.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        config.descriptor_set.empty() ? "" : "--descriptor_set: ", routes.status().message()));
  }
  routes_ = *std::move(routes);
  return absl::OkStatus();
}

absl::Status ProxyServer::LoadApiKeyFile(const Config& config) {
  if (config.api_key_file.empty()) return absl::OkStatus();
  api_key_file_ = std::make_unique<ApiKeyFile>(config.api_key_file);
  if (absl::Status s = api_key_file_->Load(); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--api_key_file: ", s.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, HttpClient*>> ProxyServer::StartUpstreamClients(
    const Config& config) {
  CurlHttpClient::Options client_options;
  client_options.base_url = config.upstream;
  client_options.max_response_bytes = config.max_response_bytes;
  client_options.ca_file = config.upstream_ca_file;
  client_options.client_cert = config.upstream_client_cert;
  client_options.client_key = config.upstream_client_key;
  client_options.connect_timeout = config.upstream_connect_timeout;
  client_options.max_connections = config.max_upstream_connections;
  client_options.retry.max_retries = config.max_retries;
  auto client = CurlHttpClient::Create(client_options);
  if (!client.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--upstream: ", client.status().message()));
  }
  http_client_ = *std::move(client);

  // --service_upstream: one client per distinct URL, with the same settings
  // as the --upstream one; each service named must be served.
  std::map<std::string, HttpClient*> service_clients;
  const std::vector<std::string> served = routes_->ServiceNames();
  std::map<std::string, CurlHttpClient*> by_url;
  for (const std::string& entry : config.service_upstreams) {
    const size_t equals = entry.find('=');
    const std::string service = entry.substr(0, equals);
    const std::string url = entry.substr(equals + 1);
    if (std::find(served.begin(), served.end(), service) == served.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          kServiceUpstreamFlag, ": \"", service,
          "\" is not served (a service of --descriptor_set with google.api.http rules)"));
    }
    CurlHttpClient*& url_client = by_url[url];
    if (url_client == nullptr) {
      CurlHttpClient::Options options = client_options;
      options.base_url = url;
      auto created = CurlHttpClient::Create(options);
      if (!created.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(kServiceUpstreamFlag, ": ", created.status().message()));
      }
      service_clients_.push_back(*std::move(created));
      url_client = service_clients_.back().get();
    }
    service_clients[service] = url_client;
  }
  return service_clients;
}

absl::Status ProxyServer::StartObservers(const Config& config, CallObserver* observer) {
  if (!config.metrics_listen.empty()) {
    metrics_ = std::make_unique<Metrics>(std::make_shared<prometheus::Registry>(), *routes_);
    auto exposer = ServeMetrics(config.metrics_listen, *metrics_);
    if (!exposer.ok()) return exposer.status();
    metrics_exposer_ = *std::move(exposer);
    observers_.Add(metrics_.get());
    metrics_address_ = absl::StrCat(
        config.metrics_listen.substr(0, config.metrics_listen.rfind(':')), ":", metrics_port());
  }
  if (config.access_log) {
    access_log_ = std::make_unique<AccessLog>(stdout);
    observers_.Add(access_log_.get());
  }
  if (observer != nullptr) observers_.Add(observer);
  return absl::OkStatus();
}

absl::Status ProxyServer::StartListener(const Config& config,
                                        std::map<std::string, HttpClient*> service_clients) {
  ProxyService::Options service_options;
  service_options.upstream_timeout = config.upstream_timeout;
  service_options.forward_metadata = config.forward_metadata;
  service_options.trace_sampling = config.trace_sampling;
  service_options.observer = &observers_;
  service_options.max_inflight = config.max_inflight;
  service_options.service_clients = std::move(service_clients);
  service_ = std::make_unique<ProxyService>(routes_, http_client_.get(), api_key_file_.get(),
                                            service_options);

  // Routed methods as unary methods, which server reflection also lists
  // (route_service.h); the generic service answers every other method.
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  for (const std::string& service : routes_->ServiceNames()) {
    route_services_.push_back(std::make_unique<RouteService>(service, *routes_, *service_));
    builder.RegisterService(route_services_.back().get());
  }
  int port = 0;
  auto credentials = ListenerCredentials(config);
  if (!credentials.ok()) return credentials.status();
  builder.AddListeningPort(config.listen, *credentials, &port);
  builder.SetMaxReceiveMessageSize(static_cast<int>(config.max_request_bytes));
  // A second process on the same port is a misconfiguration to report, not a
  // listener to share calls with.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  RefuseCompressedRequests(builder);
  builder.RegisterCallbackGenericService(service_.get());
  server_ = builder.BuildAndStart();
  const absl::Status cannot_listen =
      absl::UnavailableError(absl::StrCat("--listen: cannot listen on ", config.listen));
  if (server_ == nullptr) return cannot_listen;
  if (absl::StartsWith(config.listen, "unix:")) {
    address_ = config.listen;
    return absl::OkStatus();
  }
  if (port == 0) {
    server_->Shutdown();
    return cannot_listen;
  }
  port_ = port;
  address_ = absl::StrCat(config.listen.substr(0, config.listen.rfind(':')), ":", port);
  return absl::OkStatus();
}

absl::Status ProxyServer::StartHealthListener(const Config& config) {
  if (config.health_listen.empty()) return absl::OkStatus();
  // Health alone: no generic service, so Gateway methods are UNIMPLEMENTED
  // here and the API key is never used for callers on this address; no
  // reflection either, so the schema is not handed to anyone who asks.
  grpc::ServerBuilder health_builder;
  health_builder.AddListeningPort(config.health_listen, grpc::InsecureServerCredentials(),
                                  &health_port_);
  health_builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  health_builder.SetOption(std::make_unique<NoPlugins>());
  RefuseCompressedRequests(health_builder);
  health_other_methods_ = std::make_unique<HealthListenerOtherMethods>();
  health_builder.RegisterCallbackGenericService(health_other_methods_.get());
  health_server_ = health_builder.BuildAndStart();
  if (health_server_ == nullptr ||
      (health_port_ == 0 && !absl::StartsWith(config.health_listen, "unix:"))) {
    return absl::UnavailableError(
        absl::StrCat("--health_listen: cannot listen on ", config.health_listen));
  }
  return absl::OkStatus();
}

void ProxyServer::StartUpstreamHealthChecks(const Config& config) {
  if (config.upstream_health_interval <= absl::ZeroDuration()) return;
  UpstreamHealthChecker::Options health;
  health.check.upstream = config.upstream;
  health.check.health_path = config.upstream_health_path;
  health.check.ca_file = config.upstream_ca_file;
  health.check.client_cert = config.upstream_client_cert;
  health.check.client_key = config.upstream_client_key;
  health.check.connect_timeout = config.upstream_connect_timeout;
  health.check.timeout = std::max(config.upstream_connect_timeout,
                                  config.upstream_health_interval);
  health.interval = config.upstream_health_interval;
  health.failures_to_fail = config.upstream_health_failures;
  upstream_health_ = std::make_unique<UpstreamHealthChecker>(
      health, [this](bool serving) { SetServing(serving); });
}

void ProxyServer::AnnounceListening(const Config& config) {
  // Every setting on stderr, then stdout's first line, so whoever sees the
  // latter finds the former. Calls may already have finished (the port is
  // known only once serving): the access log holds their lines until then.
  WriteStderrLine(LogLevel::kInfo,
                  StartupLogLine(config, {address_, metrics_address_, health_port_},
                                 absl::Now()));
  // Bounded: a stderr nobody reads must not keep the server from serving.
  FlushStderr(absl::Seconds(1));
  std::string listening = absl::StrCat("listening on ", address_);
  if (access_log_ != nullptr) {
    access_log_->Open(std::move(listening));
  } else {
    std::fprintf(stdout, "%s\n", listening.c_str());
    std::fflush(stdout);
  }
}

bool ProxyServer::FlushLogs(absl::Duration timeout) {
  return access_log_ == nullptr || access_log_->Flush(timeout);
}

int ProxyServer::metrics_port() const {
  if (metrics_exposer_ == nullptr) return 0;
  const std::vector<int> ports = metrics_exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

void ProxyServer::SetServing(bool serving) {
  absl::MutexLock lock(&health_mu_);
  if (draining_) return;
  std::vector<std::string> names = routes_->ServiceNames();
  names.push_back("");
  names.push_back("gateway.Gateway");
  for (grpc::Server* s : {server_.get(), health_server_.get()}) {
    grpc::HealthCheckServiceInterface* health =
        s == nullptr ? nullptr : s->GetHealthCheckService();
    if (health == nullptr) continue;
    for (const std::string& name : names) health->SetServingStatus(name, serving);
  }
}

void ProxyServer::Shutdown(absl::Duration grace) {
  {
    // From here on the upstream checker changes nothing.
    absl::MutexLock lock(&health_mu_);
    draining_ = true;
  }
  if (server_ == nullptr) return;
  // Health checks answer NOT_SERVING from here on (readiness fails, the
  // endpoint leaves the Service), new calls are refused with UNAVAILABLE,
  // and calls in flight get `grace` to finish before they are cancelled.
  service_->StartDraining();
  if (auto* health = server_->GetHealthCheckService()) health->Shutdown();
  if (health_server_ != nullptr) {
    if (auto* health = health_server_->GetHealthCheckService()) health->Shutdown();
  }
  service_->WaitUntilIdle(grace);
  server_->Shutdown(absl::ToChronoTime(absl::Now()));
  if (health_server_ != nullptr) {
    health_server_->Shutdown(absl::ToChronoTime(absl::Now()));
    health_server_.reset();
  }
  server_.reset();
}

ProxyServer::~ProxyServer() {
  upstream_health_.reset();
  Shutdown(absl::ZeroDuration());
  // The HTTP client goes before the service: its loop finishes any call
  // still waiting on the upstream.
  http_client_.reset();
  service_clients_.clear();
}

}  // namespace gateway_proxy
