#include "credentials.h"

#include <sys/stat.h>

#include <fstream>
#include <optional>
#include <tuple>
#include <utility>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace gateway_proxy {
namespace {

bool HasHeaderBreakingByte(absl::string_view value) {
  for (unsigned char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return true;
  }
  return false;
}

const std::string* Find(const Metadata& metadata, absl::string_view key) {
  for (const auto& [k, v] : metadata) {
    if (k == key) return &v;
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<std::string> SelectAuthorization(const Metadata& metadata,
                                                absl::string_view file_key) {
  if (const std::string* authorization = Find(metadata, "authorization");
      authorization != nullptr && !authorization->empty()) {
    if (HasHeaderBreakingByte(*authorization)) {
      return absl::InvalidArgumentError(
          "metadata \"authorization\" contains CR, LF or NUL");
    }
    return *authorization;
  }
  if (const std::string* api_key = Find(metadata, "x-api-key");
      api_key != nullptr && !api_key->empty()) {
    if (HasHeaderBreakingByte(*api_key)) {
      return absl::InvalidArgumentError("metadata \"x-api-key\" contains CR, LF or NUL");
    }
    return absl::StrCat("Bearer ", *api_key);
  }
  if (!file_key.empty()) return absl::StrCat("Bearer ", file_key);
  return absl::UnauthenticatedError(
      "no credentials: send \"authorization\" or \"x-api-key\" metadata, or start "
      "gateway-proxy with --api_key_file");
}

absl::StatusOr<HttpHeaders> ForwardedHeaders(const Metadata& metadata,
                                             const std::vector<std::string>& allowlist) {
  HttpHeaders out;
  for (const auto& [key, value] : metadata) {
    if (absl::EndsWith(key, "-bin")) continue;
    bool allowed = false;
    for (const std::string& name : allowlist) allowed = allowed || name == key;
    if (!allowed) continue;
    if (HasHeaderBreakingByte(value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("metadata \"", key, "\" contains CR, LF or NUL"));
    }
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
                        st.st_mtim.tv_nsec};
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
  if (HasHeaderBreakingByte(key)) {
    return absl::FailedPreconditionError(
        absl::StrCat("api key file ", path, " holds more than one line"));
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
  if (read.ok() && read->has_value()) std::tie(stamp_, key_) = **std::move(read);
  return key_;
}

}  // namespace gateway_proxy
