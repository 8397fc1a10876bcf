#include "proxy/edge/credentials.h"

#include <sys/stat.h>

#include <fstream>
#include <optional>
#include <tuple>
#include <utility>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "proxy/observability/stderr_log.h"

namespace gateway_proxy {
namespace {

const std::string* Find(const Metadata& metadata, absl::string_view key) {
  for (const auto& [k, v] : metadata) {
    if (k == key) return &v;
  }
  return nullptr;
}

// Nothing but whitespace, or an auth scheme with no credential after it
// ("Bearer", "Bearer   "): no credential at all.
bool IsBlank(absl::string_view value) {
  value = absl::StripAsciiWhitespace(value);
  return value.empty() || absl::EqualsIgnoreCase(value, "bearer");
}

absl::Status UnsafeValue(absl::string_view key) {
  return absl::InvalidArgumentError(absl::StrCat(
      "metadata \"", key,
      "\" contains a byte not allowed in an HTTP header (a control character such as CR, "
      "LF or NUL, DEL, or a byte >= 0x80)"));
}

}  // namespace

bool IsHeaderValueSafe(absl::string_view value) {
  for (unsigned char c : value) {
    if ((c < 0x20 && c != '\t') || c >= 0x7f) return false;
  }
  return true;
}

absl::StatusOr<Authorization> SelectAuthorization(const Metadata& metadata,
                                                  absl::string_view file_key) {
  if (const std::string* authorization = Find(metadata, "authorization");
      authorization != nullptr && !IsBlank(*authorization)) {
    if (!IsHeaderValueSafe(*authorization)) return UnsafeValue("authorization");
    return Authorization{*authorization, ""};
  }
  if (const std::string* api_key = Find(metadata, "x-api-key");
      api_key != nullptr && !IsBlank(*api_key)) {
    if (!IsHeaderValueSafe(*api_key)) return UnsafeValue("x-api-key");
    return Authorization{absl::StrCat("Bearer ", *api_key), ""};
  }
  if (!file_key.empty()) {
    return Authorization{absl::StrCat("Bearer ", file_key), std::string(file_key)};
  }
  return absl::UnauthenticatedError(
      "no credentials: send \"authorization\" or \"x-api-key\" metadata, or start "
      "gateway-proxy with --api_key_file");
}

absl::StatusOr<HttpHeaders> ForwardedHeaders(const Metadata& metadata,
                                             const std::vector<std::string>& allowlist) {
  HttpHeaders out;
  for (const auto& [key, value] : metadata) {
    bool allowed = false;
    for (const std::string& name : allowlist) allowed = allowed || name == key;
    if (!allowed || !IsForwardableKey(key)) continue;
    if (!IsHeaderValueSafe(value)) return UnsafeValue(key);
    out.emplace_back(key, value);
  }
  return out;
}

ApiKeyFile::ApiKeyFile(std::string path, absl::Duration recheck_interval)
    : path_(std::move(path)), recheck_interval_(recheck_interval) {}

absl::StatusOr<std::optional<std::pair<ApiKeyFile::Stamp, std::string>>>
ApiKeyFile::ReadIfChanged(const std::string& path, const Stamp& known) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat("api key file ", path, " cannot be read"));
  }
  const Stamp stamp{static_cast<long long>(st.st_ino), static_cast<long long>(st.st_size),
                    static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL +
                        st.st_mtim.tv_nsec,
                    static_cast<long long>(st.st_ctim.tv_sec) * 1000000000LL +
                        st.st_ctim.tv_nsec};
  if (stamp == known) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::PermissionDeniedError(
        absl::StrCat("api key file ", path, " cannot be opened"));
  }
  std::stringstream content;
  content << in.rdbuf();
  std::string key(absl::StripAsciiWhitespace(content.str()));
  if (key.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("api key file ", path, " is empty"));
  }
  if (key.find_first_of("\r\n") != std::string::npos) {
    return absl::FailedPreconditionError(
        absl::StrCat("api key file ", path, " holds more than one line"));
  }
  if (!IsHeaderValueSafe(key)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "api key file ", path,
        " holds a byte not allowed in an HTTP header (a control character, DEL or a byte "
        ">= 0x80)"));
  }
  return std::make_pair(stamp, std::move(key));
}

absl::Status ApiKeyFile::Load() {
  {
    absl::MutexLock lock(&mu_);
    last_check_ = absl::Now();
  }
  auto read = ReadIfChanged(path_, Stamp());
  if (!read.ok()) return read.status();
  absl::MutexLock lock(&mu_);
  if (read->has_value()) std::tie(stamp_, key_) = **std::move(read);
  return absl::OkStatus();
}

std::string ApiKeyFile::Current() {
  Stamp known;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = absl::Now();
    if (now - last_check_ < recheck_interval_) return key_;
    last_check_ = now;
    if (!key_.empty()) known = stamp_;
  }
  // The file is read without the lock: calls meanwhile use the key in hand.
  auto read = ReadIfChanged(path_, known);
  absl::MutexLock lock(&mu_);
  // A failed re-read keeps the last good key: a Secret mid-rotation must
  // not turn into a burst of UNAUTHENTICATED.
  if (read.ok()) {
    if (read->has_value()) std::tie(stamp_, key_) = **std::move(read);
    return key_;
  }
  ++unreported_failures_;
  const absl::Time now = absl::Now();
  if (now - last_warning_ >= kWarningInterval) {
    // The status names the path and what is wrong, never the content.
    LogToStderr(LogLevel::kWarn, "api key file cannot be re-read; the last good key stays in use",
                {{"error", read.status().message()},
                 {"failures", absl::StrCat(unreported_failures_)}});
    unreported_failures_ = 0;
    last_warning_ = now;
  }
  return key_;
}

}  // namespace gateway_proxy
