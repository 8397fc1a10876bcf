#include "metrics.h"

#include <exception>

#include "absl/strings/str_cat.h"

namespace gateway_proxy {
namespace {

// Go's codes.Code spelling, indexed by code number.
constexpr const char* kGoCodeNames[] = {
    "OK",          "Canceled",         "Unknown",           "InvalidArgument",
    "DeadlineExceeded", "NotFound",    "AlreadyExists",     "PermissionDenied",
    "ResourceExhausted", "FailedPrecondition", "Aborted",   "OutOfRange",
    "Unimplemented", "Internal",       "Unavailable",       "DataLoss",
    "Unauthenticated"};
constexpr int kCodes = 17;

const prometheus::Histogram::BucketBoundaries& Buckets() {
  // go-grpc-prometheus's defaults.
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};
  return *buckets;
}

}  // namespace

Metrics::Metrics(std::shared_ptr<prometheus::Registry> registry, const RouteTable& routes)
    : registry_(std::move(registry)),
      started_(prometheus::BuildCounter()
                   .Name("grpc_server_started_total")
                   .Help("Total number of RPCs started on the server.")
                   .Register(*registry_)),
      handled_(prometheus::BuildCounter()
                   .Name("grpc_server_handled_total")
                   .Help("Total number of RPCs completed on the server, regardless of "
                         "success or failure.")
                   .Register(*registry_)),
      handling_(prometheus::BuildHistogram()
                    .Name("grpc_server_handling_seconds")
                    .Help("Histogram of response latency (seconds) of gRPC that had been "
                          "application-level handled by the server.")
                    .Register(*registry_)),
      upstream_requests_(prometheus::BuildCounter()
                             .Name("gateway_proxy_upstream_requests_total")
                             .Help("Calls that sent a REST request upstream, by HTTP "
                                   "method and the final status that came back, after "
                                   "any retries (\"none\" for none).")
                             .Register(*registry_)),
      upstream_seconds_(prometheus::BuildHistogram()
                            .Name("gateway_proxy_upstream_request_seconds")
                            .Help("Latency of the REST exchange of a call, retries "
                                  "included, in seconds.")
                            .Register(*registry_)),
      inflight_(prometheus::BuildGauge()
                    .Name("gateway_proxy_inflight_rpcs")
                    .Help("RPCs the proxy is handling right now.")
                    .Register(*registry_)
                    .Add({})) {
  for (const auto& route : routes.routes()) {
    by_method_.emplace(route->grpc_method,
                       AddSeries(route->method->service()->full_name(), route->method->name()));
  }
  unknown_ = AddSeries("unknown", "unknown");
  for (const auto& route : routes.routes()) {
    upstream_seconds_.Add({{"http_method", route->http_method}}, Buckets());
  }
}

Metrics::MethodSeries Metrics::AddSeries(const std::string& service,
                                         const std::string& method) {
  const prometheus::Labels labels = {
      {"grpc_type", "unary"}, {"grpc_service", service}, {"grpc_method", method}};
  MethodSeries series;
  series.started = &started_.Add(labels);
  for (int code = 0; code < kCodes; ++code) {
    prometheus::Labels with_code = labels;
    with_code["grpc_code"] = kGoCodeNames[code];
    series.handled.push_back(&handled_.Add(with_code));
  }
  series.handling = &handling_.Add(labels, Buckets());
  return series;
}

const Metrics::MethodSeries& Metrics::SeriesFor(absl::string_view grpc_method) const {
  auto it = by_method_.find(grpc_method);
  return it == by_method_.end() ? unknown_ : it->second;
}

void Metrics::OnCallStarted(absl::string_view grpc_method) {
  SeriesFor(grpc_method).started->Increment();
  inflight_.Increment();
}

void Metrics::OnCallFinished(const CallRecord& record) {
  const MethodSeries& series = SeriesFor(record.grpc_method);
  const int code = static_cast<int>(record.code);
  series.handled[code >= 0 && code < kCodes ? code : 2]->Increment();
  series.handling->Observe(absl::ToDoubleSeconds(record.latency));
  inflight_.Decrement();
  if (!record.http_method.empty()) {
    const UpstreamSeries upstream =
        UpstreamSeriesFor(record.http_method, record.upstream_status);
    upstream.requests->Increment();
    upstream.seconds->Observe(absl::ToDoubleSeconds(record.upstream_latency));
  }
}

Metrics::UpstreamSeries Metrics::UpstreamSeriesFor(const std::string& http_method,
                                                   int http_status) {
  absl::MutexLock lock(&upstream_mu_);
  auto [it, inserted] = upstream_.try_emplace({http_method, http_status});
  if (inserted) {
    // Family::Add builds a metric before it looks the labels up, so it runs
    // once per new pair, not per call.
    it->second.requests = &upstream_requests_.Add(
        {{"http_method", http_method},
         {"http_status", http_status == 0 ? std::string("none") : std::to_string(http_status)}});
    it->second.seconds = &upstream_seconds_.Add({{"http_method", http_method}}, Buckets());
  }
  return it->second;
}

absl::StatusOr<std::unique_ptr<prometheus::Exposer>> ServeMetrics(
    const std::string& address, const std::shared_ptr<prometheus::Registry>& registry) {
  std::unique_ptr<prometheus::Exposer> exposer;
  // prometheus-cpp reports a failed bind by throwing; this is the one place
  // the proxy meets an exception, and it becomes a status here.
  try {
    exposer = std::make_unique<prometheus::Exposer>(address, 1);
  } catch (const std::exception&) {
    return absl::UnavailableError(
        absl::StrCat("--metrics_listen: cannot listen on ", address));
  }
  exposer->RegisterCollectable(registry);
  return exposer;
}

}  // namespace gateway_proxy
