// gateway-proxy's own lines on stderr: each one JSON object, like the
// start-up line, handed to a writer thread so that nobody waits for whoever
// reads stderr. A pipe nobody reads must not hold up a call, a signal or the
// drain: at most kMaxPendingLines wait, further ones are dropped and counted.
//
//   LogToStderr(LogLevel::kWarn, "api key file cannot be read",
//               {{"path", "/var/run/secrets/gateway/api-key"}});
//   // {"time":"2026-11-30T05:01:02.345Z","level":"warn",
//   //  "msg":"api key file cannot be read","path":"/var/run/..."}
//
// Lines below the level set by SetStderrLogLevel() (--log_level; info by
// default) are dropped.
//
// Thread-safe. The writer lives as long as the process.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace gateway_proxy {

enum class LogLevel { kError, kWarn, kInfo, kDebug };

inline constexpr size_t kMaxPendingStderrLines = 1000;

// "error", "warn", "info", "debug".
absl::string_view LogLevelName(LogLevel level);

// The level LogLevelName() names `name`; nullopt for any other text.
std::optional<LogLevel> ParseLogLevel(absl::string_view name);

// From now on, lines less severe than `level` are dropped (kWarn keeps
// errors and warnings). The process's one setting, made once at start-up.
void SetStderrLogLevel(LogLevel level);

// Whether a line of `level` is written at the current level.
bool StderrLogEnabled(LogLevel level);

// Appends `text` to `out` as a JSON string: quotes and backslashes escaped,
// every byte outside printable ASCII as \u00XX, so the line stays one valid
// JSON line whatever `text` holds.
void AppendJsonString(absl::string_view text, std::string* out);

// {"time":...,"level":...,"msg":...,<fields>...} (no newline); string values.
std::string StderrLogLine(
    absl::Time now, LogLevel level, absl::string_view msg,
    std::initializer_list<std::pair<absl::string_view, absl::string_view>> fields);

// Queues StderrLogLine(now, ...) for stderr, unless `level` is dropped.
void LogToStderr(
    LogLevel level, absl::string_view msg,
    std::initializer_list<std::pair<absl::string_view, absl::string_view>> fields = {});

// Queues `line` (one JSON object of `level`, no newline) for stderr as it
// is, unless `level` is dropped.
void WriteStderrLine(LogLevel level, std::string line);

// Waits until every line queued so far is written, at most `timeout`. False
// when stderr did not take them in time.
bool FlushStderr(absl::Duration timeout);

}  // namespace gateway_proxy
