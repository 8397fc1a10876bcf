#include "proxy/upstream/upstream_health.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "proxy/observability/stderr_log.h"

namespace gateway_proxy {
namespace {

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};

size_t DiscardBody(char*, size_t size, size_t count, void*) { return size * count; }

// libcurl's progress callback: non-zero aborts the transfer.
int AbortWhenAsked(void* abort, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(abort)->load() ? 1 : 0;
}

long WholeMilliseconds(absl::Duration d) {
  return static_cast<long>(std::max<int64_t>(1, absl::ToInt64Milliseconds(d)));
}

}  // namespace

std::optional<bool> UpstreamHealthState::OnCheck(bool passed) {
  if (passed) {
    consecutive_failures_ = 0;
    if (serving_) return std::nullopt;
    serving_ = true;
    return true;
  }
  ++consecutive_failures_;
  if (!serving_ || consecutive_failures_ < failures_to_fail_) return std::nullopt;
  serving_ = false;
  return false;
}

absl::Status CheckUpstream(const UpstreamHealthCheck& check, const std::atomic<bool>* abort) {
  std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  if (easy == nullptr) return absl::UnavailableError("cannot start a check");
  CURL* e = easy.get();
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, WholeMilliseconds(check.connect_timeout));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, WholeMilliseconds(check.timeout));
  curl_easy_setopt(e, CURLOPT_USERAGENT, "gateway-proxy/" GATEWAY_PROXY_VERSION);
  if (!check.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, check.ca_file.c_str());
  if (!check.client_cert.empty()) {
    curl_easy_setopt(e, CURLOPT_SSLCERT, check.client_cert.c_str());
    curl_easy_setopt(e, CURLOPT_SSLKEY, check.client_key.c_str());
  }
  if (abort != nullptr) {
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, &AbortWhenAsked);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(abort));
  }
  // A fresh connection each time: the check is of reaching the upstream.
  curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  std::string url = check.upstream;
  if (check.health_path.empty()) {
    // TCP, and TLS for https://, then nothing is sent.
    curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
  } else {
    url = absl::StrCat(absl::StripSuffix(check.upstream, "/"), check.health_path);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &DiscardBody);
  }
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  const CURLcode result = curl_easy_perform(e);
  if (result != CURLE_OK) {
    return absl::UnavailableError(error[0] != '\0' ? error : curl_easy_strerror(result));
  }
  if (check.health_path.empty()) return absl::OkStatus();
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) {
    return absl::UnavailableError(absl::StrCat("GET ", check.health_path, " answered ", status));
  }
  return absl::OkStatus();
}

UpstreamHealthChecker::UpstreamHealthChecker(Options options,
                                             absl::AnyInvocable<void(bool)> on_change)
    : options_(std::move(options)), on_change_(std::move(on_change)) {
  thread_ = std::thread([this] { Run(); });
}

UpstreamHealthChecker::~UpstreamHealthChecker() { Stop(); }

void UpstreamHealthChecker::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  abort_check_ = true;
  if (thread_.joinable()) thread_.join();
}

void UpstreamHealthChecker::Run() {
  UpstreamHealthState state(options_.failures_to_fail);
  auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
  while (true) {
    const absl::Status result = CheckUpstream(options_.check, &abort_check_);
    if (abort_check_) return;
    const std::optional<bool> change = state.OnCheck(result.ok());
    if (change.has_value()) {
      if (*change) {
        LogToStderr(LogLevel::kInfo, "upstream healthy again: serving",
                    {{"upstream", options_.check.upstream}});
      } else {
        const std::string failures = std::to_string(state.consecutive_failures());
        LogToStderr(LogLevel::kWarn, "upstream unhealthy: not serving",
                    {{"upstream", options_.check.upstream},
                     {"error", result.message()},
                     {"failures", failures}});
      }
      on_change_(*change);
    }
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping), options_.interval)) return;
  }
}

}  // namespace gateway_proxy
