// The process_* metrics every Prometheus client library exports, with the
// Go and Java clients' names and units, read from /proc at each scrape:
//
//   process_cpu_seconds_total       counter  user + system CPU time, seconds
//   process_resident_memory_bytes   gauge    resident set size
//   process_open_fds                gauge    open file descriptors
//   process_start_time_seconds      gauge    start time, seconds since the epoch
//
//   auto process = std::make_shared<ProcessCollector>();
//   exposer.RegisterCollectable(process);
//
// Thread-safe: Collect() only reads /proc.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace gateway_proxy {

// The figures of one /proc/<pid>/stat line, in the metrics' units.
struct ProcessStat {
  double cpu_seconds = 0;          // utime + stime
  double resident_bytes = 0;       // rss
  double start_time_seconds = 0;   // starttime, since the epoch
};

// Parses `stat` (/proc/<pid>/stat's line; the command name may hold spaces
// and parentheses) given the clock ticks per second, the page size and the
// boot time (/proc/stat's btime). nullopt when the line is malformed.
std::optional<ProcessStat> ParseProcStat(absl::string_view stat, long ticks_per_second,
                                         long page_size, double boot_time_seconds);

class ProcessCollector final : public prometheus::Collectable {
 public:
  // A family for each metric /proc answered; none when it did not.
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace gateway_proxy
