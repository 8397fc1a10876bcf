// Prometheus metrics, under the names grpc-ecosystem dashboards already use
// (go-grpc-prometheus), plus the proxy's view of its upstream:
//
//   grpc_server_started_total{grpc_type,grpc_service,grpc_method}
//   grpc_server_handled_total{grpc_type,grpc_service,grpc_method,grpc_code}
//   grpc_server_handling_seconds{grpc_type,grpc_service,grpc_method}  histogram
//   gateway_proxy_request_bytes{grpc_service,grpc_method}             histogram
//   gateway_proxy_response_bytes{grpc_service,grpc_method}            histogram
//   gateway_proxy_upstream_requests_total{http_method,http_status}
//   gateway_proxy_upstream_request_seconds{http_method,http_status_class}  histogram
//   gateway_proxy_upstream_retries_total{http_method}
//   gateway_proxy_inflight_rpcs                                       gauge
//   gateway_proxy_build_info{version}                                 gauge, 1
//   process_cpu_seconds_total, process_resident_memory_bytes,
//   process_open_fds, process_start_time_seconds  (process_metrics.h)
//
// The byte histograms count serialized gRPC messages: every request of a
// served method, and every reply (calls that end with a status alone have
// none). http_status_class is "2xx" ... "5xx" ("1xx" cannot end a call), or
// "none" when no response came back.
//
// grpc_code is spelled as Go's codes.Code prints it ("NotFound"), as those
// dashboards expect. Series for every served method and code exist from the
// start (at 0), as do the upstream histograms (each status class) and retry
// counters of the routes' HTTP methods; a
// call to a method the proxy does not serve counts under
// grpc_service="unknown", grpc_method="unknown", so clients cannot grow the
// label set. http_status is "none" when no response came back; its values
// (and so the series) are bounded by the three-digit HTTP statuses.
//
// Thread-safe. Per call: a lookup in an immutable map, one in a small cache
// of upstream series (created on first use, under a lock held only for the
// lookup), and the increments.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "proxy/core/route_table.h"
#include "proxy/observability/call_observer.h"
#include "proxy/observability/process_metrics.h"

namespace gateway_proxy {

class Metrics final : public CallObserver {
 public:
  // Metric families in `registry`, with series for every route of `routes`.
  Metrics(std::shared_ptr<prometheus::Registry> registry, const RouteTable& routes);

  void OnCallStarted(absl::string_view grpc_method) override;
  void OnCallFinished(const CallRecord& record) override;

  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }
  // The process_* metrics, served next to registry().
  const std::shared_ptr<ProcessCollector>& process() const { return process_; }

 private:
  struct MethodSeries {
    prometheus::Counter* started;
    std::vector<prometheus::Counter*> handled;  // Indexed by code number.
    prometheus::Histogram* handling;
    // Null for methods nobody serves: their messages are never read.
    prometheus::Histogram* request_bytes = nullptr;
    prometheus::Histogram* response_bytes = nullptr;
  };
  struct UpstreamSeries {
    prometheus::Counter* requests;
    prometheus::Histogram* seconds;
    prometheus::Counter* retries;
  };
  const MethodSeries& SeriesFor(absl::string_view grpc_method) const;
  MethodSeries AddSeries(const std::string& service, const std::string& method,
                         bool served);
  // Series for a request sent with `http_method` that got `http_status` (0:
  // no response).
  UpstreamSeries UpstreamSeriesFor(const std::string& http_method, int http_status);

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_;
  prometheus::Family<prometheus::Counter>& upstream_requests_;
  prometheus::Family<prometheus::Histogram>& upstream_seconds_;
  prometheus::Family<prometheus::Histogram>& request_bytes_;
  prometheus::Family<prometheus::Histogram>& response_bytes_;
  prometheus::Family<prometheus::Counter>& upstream_retries_;
  prometheus::Gauge& inflight_;
  std::shared_ptr<ProcessCollector> process_;
  absl::flat_hash_map<std::string, MethodSeries> by_method_;  // Immutable.
  MethodSeries unknown_;
  absl::Mutex upstream_mu_;
  absl::flat_hash_map<std::pair<std::string, int>, UpstreamSeries> upstream_
      ABSL_GUARDED_BY(upstream_mu_);
};

// Serves `metrics` (its registry and process metrics) at
// http://`address`/metrics (host:port; port 0 picks one). UNAVAILABLE naming
// the address when it cannot listen.
absl::StatusOr<std::unique_ptr<prometheus::Exposer>> ServeMetrics(const std::string& address,
                                                                  const Metrics& metrics);

}  // namespace gateway_proxy
