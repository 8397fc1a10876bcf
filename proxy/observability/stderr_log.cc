#include "proxy/observability/stderr_log.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <deque>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace gateway_proxy {
namespace {

// Writes lines to file descriptor 2 from a thread of its own. Created on
// first use and never destroyed: a thread stuck in write() on a stalled pipe
// must not keep the process from exiting, so nothing ever joins it.
class StderrWriter {
 public:
  static StderrWriter& Get() {
    static StderrWriter* const writer = new StderrWriter();
    return *writer;
  }

  void Queue(std::string line) {
    line.push_back('\n');
    absl::MutexLock lock(&mu_);
    if (pending_.size() >= kMaxPendingStderrLines) {
      ++dropped_;
      return;
    }
    pending_.push_back(std::move(line));
    ++queued_;
  }

  bool Flush(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    const uint64_t target = queued_;
    auto done = [this, target]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return written_ >= target;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
  }

 private:
  StderrWriter() {
    std::thread([this] { Run(); }).detach();
  }

  void Run() {
    pthread_setname_np(pthread_self(), "stderr-log");
    for (;;) {
      std::deque<std::string> lines;
      uint64_t dropped;
      {
        absl::MutexLock lock(&mu_);
        auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return !pending_.empty() || dropped_ != reported_dropped_;
        };
        mu_.Await(absl::Condition(&has_work));
        lines.swap(pending_);
        dropped = dropped_;
      }
      const size_t queued_lines = lines.size();
      if (dropped != reported_dropped_) {
        lines.push_back(absl::StrCat(
            StderrLogLine(absl::Now(), LogLevel::kWarn,
                          "stderr is not keeping up; lines were dropped",
                          {{"dropped_lines", absl::StrCat(dropped)}}),
            "\n"));
        reported_dropped_ = dropped;
      }
      for (const std::string& line : lines) WriteAll(line);
      absl::MutexLock lock(&mu_);
      written_ += queued_lines;
    }
  }

  static void WriteAll(absl::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = write(STDERR_FILENO, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // stderr is gone: nothing to be done.
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }

  absl::Mutex mu_;
  std::deque<std::string> pending_ ABSL_GUARDED_BY(mu_);
  uint64_t queued_ ABSL_GUARDED_BY(mu_) = 0;
  // Lines written or dropped, in queue order; the report of drops aside.
  uint64_t written_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t reported_dropped_ = 0;  // Writer thread only.
};

// The least severe level written. Relaxed: lines racing with the one
// SetStderrLogLevel() at start-up may see either level.
std::atomic<LogLevel> stderr_level{LogLevel::kInfo};

}  // namespace

std::optional<LogLevel> ParseLogLevel(absl::string_view name) {
  for (LogLevel level : {LogLevel::kError, LogLevel::kWarn, LogLevel::kInfo, LogLevel::kDebug}) {
    if (name == LogLevelName(level)) return level;
  }
  return std::nullopt;
}

void SetStderrLogLevel(LogLevel level) {
  stderr_level.store(level, std::memory_order_relaxed);
}

bool StderrLogEnabled(LogLevel level) {
  return level <= stderr_level.load(std::memory_order_relaxed);
}

absl::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return "error";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kDebug:
      return "debug";
  }
  return "info";
}

void AppendJsonString(absl::string_view text, std::string* out) {
  out->push_back('"');
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (byte < 0x20 || byte > 0x7e) {
      absl::StrAppendFormat(out, "\\u%04x", byte);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

std::string StderrLogLine(
    absl::Time now, LogLevel level, absl::string_view msg,
    std::initializer_list<std::pair<absl::string_view, absl::string_view>> fields) {
  std::string line = absl::StrCat(
      "{\"time\":\"", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", now, absl::UTCTimeZone()),
      "\",\"level\":\"", LogLevelName(level), "\",\"msg\":");
  AppendJsonString(msg, &line);
  for (const auto& [key, value] : fields) {
    line.push_back(',');
    AppendJsonString(key, &line);
    line.push_back(':');
    AppendJsonString(value, &line);
  }
  line.push_back('}');
  return line;
}

void LogToStderr(
    LogLevel level, absl::string_view msg,
    std::initializer_list<std::pair<absl::string_view, absl::string_view>> fields) {
  if (!StderrLogEnabled(level)) return;
  StderrWriter::Get().Queue(StderrLogLine(absl::Now(), level, msg, fields));
}

void WriteStderrLine(LogLevel level, std::string line) {
  if (!StderrLogEnabled(level)) return;
  StderrWriter::Get().Queue(std::move(line));
}

bool FlushStderr(absl::Duration timeout) { return StderrWriter::Get().Flush(timeout); }

}  // namespace gateway_proxy
