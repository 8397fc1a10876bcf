#include "proxy/observability/process_metrics.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace gateway_proxy {
namespace {

std::string ReadWholeFile(const char* path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// /proc/stat's "btime" line: when the machine booted, seconds since the epoch.
std::optional<double> BootTime() {
  for (absl::string_view line : absl::StrSplit(ReadWholeFile("/proc/stat"), '\n')) {
    double seconds = 0;
    if (absl::ConsumePrefix(&line, "btime ") && absl::SimpleAtod(line, &seconds)) {
      return seconds;
    }
  }
  return std::nullopt;
}

// Entries of /proc/self/fd, less the one reading it.
std::optional<int> OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  int count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;
}

prometheus::MetricFamily OneValue(const char* name, const char* help,
                                  prometheus::MetricType type, double value) {
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return prometheus::MetricFamily{name, help, type, {metric}};
}

}  // namespace

std::optional<ProcessStat> ParseProcStat(absl::string_view stat, long ticks_per_second,
                                         long page_size, double boot_time_seconds) {
  // "pid (comm) state ppid ...": the fields after comm start at field 3.
  const size_t comm_end = stat.rfind(')');
  if (comm_end == absl::string_view::npos || ticks_per_second <= 0) return std::nullopt;
  const std::vector<absl::string_view> fields =
      absl::StrSplit(stat.substr(comm_end + 1), ' ', absl::SkipEmpty());
  // fields[0] is field 3 (state): field N is fields[N - 3].
  constexpr size_t kUtime = 14 - 3, kStime = 15 - 3, kStartTime = 22 - 3, kRss = 24 - 3;
  if (fields.size() <= kRss) return std::nullopt;
  double utime, stime, start, rss;
  if (!absl::SimpleAtod(fields[kUtime], &utime) || !absl::SimpleAtod(fields[kStime], &stime) ||
      !absl::SimpleAtod(fields[kStartTime], &start) || !absl::SimpleAtod(fields[kRss], &rss)) {
    return std::nullopt;
  }
  const double ticks = static_cast<double>(ticks_per_second);
  return ProcessStat{(utime + stime) / ticks, rss * static_cast<double>(page_size),
                     boot_time_seconds + start / ticks};
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  const std::optional<double> boot_time = BootTime();
  const std::optional<ProcessStat> stat =
      boot_time.has_value()
          ? ParseProcStat(ReadWholeFile("/proc/self/stat"), sysconf(_SC_CLK_TCK),
                          sysconf(_SC_PAGESIZE), *boot_time)
          : std::nullopt;
  if (stat.has_value()) {
    families.push_back(OneValue("process_cpu_seconds_total",
                                "Total user and system CPU time spent in seconds.",
                                prometheus::MetricType::Counter, stat->cpu_seconds));
    families.push_back(OneValue("process_resident_memory_bytes",
                                "Resident memory size in bytes.",
                                prometheus::MetricType::Gauge, stat->resident_bytes));
    families.push_back(OneValue("process_start_time_seconds",
                                "Start time of the process since unix epoch in seconds.",
                                prometheus::MetricType::Gauge, stat->start_time_seconds));
  }
  if (const std::optional<int> fds = OpenFds()) {
    families.push_back(OneValue("process_open_fds", "Number of open file descriptors.",
                                prometheus::MetricType::Gauge, *fds));
  }
  return families;
}

}  // namespace gateway_proxy
