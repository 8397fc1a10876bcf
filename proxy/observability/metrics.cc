#include "proxy/observability/metrics.h"

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

// gRPC message sizes: powers of 4 from 64 bytes to 4 MiB (the default
// --max_request_bytes and --max_response_bytes).
const prometheus::Histogram::BucketBoundaries& ByteBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304};
  return *buckets;
}

prometheus::Family<prometheus::Counter>& CounterFamily(prometheus::Registry& registry,
                                                      const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

prometheus::Family<prometheus::Histogram>& HistogramFamily(prometheus::Registry& registry,
                                                          const char* name, const char* help) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(registry);
}

constexpr const char* kStatusClasses[] = {"2xx", "3xx", "4xx", "5xx", "none"};

// "2xx" for 200..299 and so on; "none" for 0 (no response) or anything
// outside 200..599.
std::string StatusClass(int http_status) {
  if (http_status < 200 || http_status > 599) return "none";
  return absl::StrCat(http_status / 100, "xx");
}

}  // namespace

Metrics::Metrics(std::shared_ptr<prometheus::Registry> registry, const RouteTable& routes)
    : registry_(std::move(registry)),
      started_(CounterFamily(*registry_, "grpc_server_started_total",
                             "Total number of RPCs started on the server.")),
      handled_(CounterFamily(*registry_, "grpc_server_handled_total",
                             "Total number of RPCs completed on the server, regardless of "
                             "success or failure.")),
      handling_(HistogramFamily(*registry_, "grpc_server_handling_seconds",
                                "Histogram of response latency (seconds) of gRPC that had "
                                "been application-level handled by the server.")),
      upstream_requests_(CounterFamily(
          *registry_, "gateway_proxy_upstream_requests_total",
          "Calls that sent a REST request upstream, by HTTP method and the final status "
          "that came back, after any retries (\"none\" for none).")),
      upstream_seconds_(HistogramFamily(
          *registry_, "gateway_proxy_upstream_request_seconds",
          "Latency of the REST exchange of a call, retries included, in seconds.")),
      request_bytes_(HistogramFamily(
          *registry_, "gateway_proxy_request_bytes",
          "Size of the gRPC request messages of served methods, serialized, in bytes.")),
      response_bytes_(HistogramFamily(*registry_, "gateway_proxy_response_bytes",
                                      "Size of the gRPC reply messages, serialized, in bytes.")),
      upstream_retries_(CounterFamily(
          *registry_, "gateway_proxy_upstream_retries_total",
          "REST requests sent again after a failed attempt, by HTTP method.")),
      inflight_(prometheus::BuildGauge()
                    .Name("gateway_proxy_inflight_rpcs")
                    .Help("RPCs the proxy is handling right now.")
                    .Register(*registry_)
                    .Add({})),
      process_(std::make_shared<ProcessCollector>()) {
  prometheus::BuildGauge()
      .Name("gateway_proxy_build_info")
      .Help("Always 1; the version of gateway-proxy serving, as a label.")
      .Register(*registry_)
      .Add({{"version", GATEWAY_PROXY_VERSION}})
      .Set(1);
  for (const auto& route : routes.routes()) {
    by_method_.emplace(route->grpc_method,
                       AddSeries(route->method->service()->full_name(), route->method->name(),
                                 /*served=*/true));
  }
  unknown_ = AddSeries("unknown", "unknown", /*served=*/false);
  for (const auto& route : routes.routes()) {
    for (const char* status_class : kStatusClasses) {
      upstream_seconds_.Add(
          {{"http_method", route->http_method}, {"http_status_class", status_class}},
          Buckets());
    }
    upstream_retries_.Add({{"http_method", route->http_method}});
  }
}

Metrics::MethodSeries Metrics::AddSeries(const std::string& service,
                                         const std::string& method, bool served) {
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
  if (served) {
    const prometheus::Labels method_labels = {{"grpc_service", service},
                                              {"grpc_method", method}};
    series.request_bytes = &request_bytes_.Add(method_labels, ByteBuckets());
    series.response_bytes = &response_bytes_.Add(method_labels, ByteBuckets());
  }
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
  if (series.request_bytes != nullptr) {
    series.request_bytes->Observe(static_cast<double>(record.request_bytes));
    if (record.code == absl::StatusCode::kOk) {
      series.response_bytes->Observe(static_cast<double>(record.response_bytes));
    }
  }
  if (!record.http_method.empty()) {
    const UpstreamSeries upstream =
        UpstreamSeriesFor(record.http_method, record.upstream_status);
    upstream.requests->Increment();
    upstream.seconds->Observe(absl::ToDoubleSeconds(record.upstream_latency));
    if (record.retries > 0) upstream.retries->Increment(record.retries);
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
    it->second.seconds = &upstream_seconds_.Add(
        {{"http_method", http_method}, {"http_status_class", StatusClass(http_status)}},
        Buckets());
    it->second.retries = &upstream_retries_.Add({{"http_method", http_method}});
  }
  return it->second;
}

absl::StatusOr<std::unique_ptr<prometheus::Exposer>> ServeMetrics(const std::string& address,
                                                                  const Metrics& metrics) {
  std::unique_ptr<prometheus::Exposer> exposer;
  // prometheus-cpp reports a failed bind by throwing; this is the one place
  // the proxy meets an exception, and it becomes a status here.
  try {
    exposer = std::make_unique<prometheus::Exposer>(address, 1);
  } catch (const std::exception&) {
    return absl::UnavailableError(
        absl::StrCat("--metrics_listen: cannot listen on ", address));
  }
  exposer->RegisterCollectable(metrics.registry());
  exposer->RegisterCollectable(metrics.process());
  return exposer;
}

}  // namespace gateway_proxy
