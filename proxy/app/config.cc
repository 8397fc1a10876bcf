#include "proxy/app/config.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway_proxy/logs.pb.h"
#include "proxy/app/pem_files.h"
#include "proxy/edge/metadata.h"
#include "proxy/observability/access_log.h"
#include "proxy/observability/stderr_log.h"

namespace gateway_proxy {
namespace {

absl::Status Invalid(absl::string_view flag, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", problem));
}

absl::Status ValidateListen(absl::string_view flag, const std::string& listen) {
  if (absl::StartsWith(listen, "unix:")) {
    if (listen.size() <= 5) return Invalid(flag, "unix: needs a socket path");
    return absl::OkStatus();
  }
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Invalid(flag, absl::StrCat("expected host:port, got \"", listen, "\""));
  }
  int port = 0;
  if (!absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return Invalid(flag, absl::StrCat("port must be 0..65535, got \"", listen, "\""));
  }
  return absl::OkStatus();
}

// `url` as an error message may show it: not at all when it holds an '@',
// which may be the end of a password.
std::string Shown(const std::string& url) {
  if (url.find('@') != std::string::npos) return "(not shown: it holds an '@')";
  return absl::StrCat("\"", url, "\"");
}

// The base URL, parsed by libcurl's own URL parser, so that what is checked
// is what libcurl will use: "http:///u:pw@host" has a password for libcurl
// even though a '@' follows a third '/'.
absl::Status ValidateUpstream(const std::string& upstream, absl::string_view flag = "upstream") {
  if (!absl::StartsWith(upstream, "http://") && !absl::StartsWith(upstream, "https://")) {
    return Invalid(flag,
                   absl::StrCat("must be an http:// or https:// URL, got ", Shown(upstream)));
  }
  std::unique_ptr<CURLU, void (*)(CURLU*)> url(curl_url(), &curl_url_cleanup);
  if (const CURLUcode parsed = curl_url_set(url.get(), CURLUPART_URL, upstream.c_str(), 0);
      parsed != CURLUE_OK) {
    return Invalid(flag, absl::StrCat("not a valid URL (", curl_url_strerror(parsed),
                                            "): ", Shown(upstream)));
  }
  auto has = [&](CURLUPart part) {
    char* value = nullptr;
    const bool present = curl_url_get(url.get(), part, &value, 0) == CURLUE_OK;
    curl_free(value);
    return present;
  };
  // A user:password@ would never be used (the Authorization header comes
  // from the call or --api_key_file) but would be logged: refused, and not
  // echoed back.
  if (has(CURLUPART_USER) || has(CURLUPART_PASSWORD) || has(CURLUPART_OPTIONS)) {
    return Invalid(flag,
                   "must not hold a user name or password (credentials come from the "
                   "call or --api_key_file)");
  }
  if (has(CURLUPART_QUERY) || has(CURLUPART_FRAGMENT)) {
    return Invalid(flag, "must not hold a query or fragment");
  }
  return absl::OkStatus();
}

// Each --service_upstream entry: SERVICE=URL, the URL as --upstream's, each
// service named once. Whether the service is served is known only once the
// routes are built (ProxyServer::Start).
absl::Status ValidateServiceUpstreams(const Config& config) {
  std::set<std::string> seen;
  for (const std::string& entry : config.service_upstreams) {
    const size_t equals = entry.find('=');
    if (equals == 0 || equals == std::string::npos) {
      return Invalid("service_upstream",
                     absl::StrCat("expected SERVICE=URL, e.g. "
                                  "library.Library=https://library.internal, got ",
                                  Shown(entry)));
    }
    const std::string service = entry.substr(0, equals);
    if (!seen.insert(service).second) {
      return Invalid("service_upstream", absl::StrCat("\"", service, "\" is named twice"));
    }
    if (absl::Status s = ValidateUpstream(entry.substr(equals + 1), "service_upstream");
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// The PEM files of the TLS flags, read now, so that a garbage or mismatched
// file stops start-up naming the flag rather than failing the listener or
// the first call.
absl::Status ValidateTlsFiles(const Config& config) {
  if (!config.tls_cert.empty()) {
    if (absl::Status s = CheckCertificateAndKey(config.tls_cert, config.tls_key); !s.ok()) {
      return s;
    }
  }
  if (!config.tls_client_ca.empty()) {
    if (absl::Status s = CheckCaBundle(config.tls_client_ca); !s.ok()) {
      return Invalid("tls_client_ca", s.message());
    }
  }
  if (!config.upstream_ca_file.empty()) {
    if (absl::Status s = CheckCaBundle(config.upstream_ca_file); !s.ok()) {
      return Invalid("upstream_ca_file", s.message());
    }
  }
  if (!config.upstream_client_cert.empty()) {
    if (absl::Status s = CheckCertificateAndKey(config.upstream_client_cert,
                                                config.upstream_client_key,
                                                "upstream_client_cert", "upstream_client_key");
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// The readiness check's flags (upstream_health.h).
absl::Status ValidateUpstreamHealth(const Config& config) {
  if (config.upstream_health_interval < absl::ZeroDuration()) {
    return Invalid("upstream_health_interval",
                   absl::StrCat("must not be negative (got ",
                                absl::FormatDuration(config.upstream_health_interval), ")"));
  }
  if (config.upstream_health_failures < 1 || config.upstream_health_failures > 100) {
    return Invalid("upstream_health_failures",
                   absl::StrCat("must be 1..100, got ", config.upstream_health_failures));
  }
  if (config.upstream_health_path.empty()) return absl::OkStatus();
  if (config.upstream_health_interval == absl::ZeroDuration()) {
    return Invalid("upstream_health_path", "needs --upstream_health_interval");
  }
  // A path, with a query if need be; nothing that could leave the upstream.
  const bool printable =
      std::all_of(config.upstream_health_path.begin(), config.upstream_health_path.end(),
                  [](char c) { return c > ' ' && c < 0x7f && c != '#'; });
  if (config.upstream_health_path[0] != '/' || !printable) {
    return Invalid("upstream_health_path",
                   absl::StrCat("must be a path starting with '/', got \"",
                                config.upstream_health_path, "\""));
  }
  return absl::OkStatus();
}

}  // namespace

std::string StartupLogLine(const Config& config, const BoundAddresses& bound,
                           absl::Time now) {
  StartupLogEntry entry;
  entry.set_time(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", now, absl::UTCTimeZone()));
  entry.set_level("info");
  entry.set_msg("serving");
  entry.set_address(bound.address);
  entry.set_metrics_address(bound.metrics_address);
  if (absl::StartsWith(config.health_listen, "unix:")) {
    entry.set_health_address(config.health_listen);
  } else if (!config.health_listen.empty()) {
    entry.set_health_address(absl::StrCat(
        config.health_listen.substr(0, config.health_listen.rfind(':')), ":",
        bound.health_port));
  }
  entry.set_listen(config.listen);
  entry.set_upstream(config.upstream);
  entry.set_api_key_file(config.api_key_file);
  entry.set_upstream_timeout(absl::FormatDuration(config.upstream_timeout));
  entry.set_upstream_connect_timeout(absl::FormatDuration(config.upstream_connect_timeout));
  for (const std::string& name : config.forward_metadata) entry.add_forward_metadata(name);
  entry.set_max_inflight(config.max_inflight);
  entry.set_max_upstream_connections(config.max_upstream_connections);
  entry.set_max_request_bytes(
      static_cast<int32_t>(std::min<size_t>(config.max_request_bytes, INT32_MAX)));
  entry.set_max_response_bytes(
      static_cast<int32_t>(std::min<size_t>(config.max_response_bytes, INT32_MAX)));
  entry.set_upstream_ca_file(config.upstream_ca_file);
  entry.set_descriptor_set(config.descriptor_set);
  entry.set_tls_cert(config.tls_cert);
  entry.set_tls_key(config.tls_key);
  entry.set_tls_client_ca(config.tls_client_ca);
  entry.set_health_listen(config.health_listen);
  entry.set_metrics_listen(config.metrics_listen);
  entry.set_access_log(config.access_log);
  entry.set_drain_timeout(absl::FormatDuration(config.drain_timeout));
  entry.set_max_retries(config.max_retries);
  entry.set_log_level(config.log_level);
  entry.set_trace_sampling(config.trace_sampling);
  entry.set_upstream_health_interval(absl::FormatDuration(config.upstream_health_interval));
  entry.set_upstream_health_path(config.upstream_health_path);
  entry.set_upstream_health_failures(config.upstream_health_failures);
  entry.set_upstream_client_cert(config.upstream_client_cert);
  entry.set_upstream_client_key(config.upstream_client_key);
  for (const std::string& entry_text : config.service_upstreams) {
    entry.add_service_upstream(entry_text);
  }
  return LogJson(entry);
}

namespace {

// Where the proxy listens, where it sends calls, and the key file.
absl::Status ValidateEndpoints(const Config& config) {
  if (absl::Status s = ValidateListen("listen", config.listen); !s.ok()) return s;
  if (absl::Status s = ValidateUpstream(config.upstream); !s.ok()) return s;
  if (absl::Status s = ValidateServiceUpstreams(config); !s.ok()) return s;
  if (!config.api_key_file.empty() && access(config.api_key_file.c_str(), R_OK) != 0) {
    return Invalid("api_key_file",
                   absl::StrCat("cannot read \"", config.api_key_file, "\""));
  }
  if (!config.metrics_listen.empty() && absl::StartsWith(config.metrics_listen, "unix:")) {
    return Invalid("metrics_listen", "must be host:port");
  }
  if (!config.metrics_listen.empty()) {
    if (absl::Status s = ValidateListen("metrics_listen", config.metrics_listen); !s.ok()) {
      return s;
    }
  }
  if (!config.health_listen.empty()) {
    if (absl::Status s = ValidateListen("health_listen", config.health_listen); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateTimeouts(const Config& config) {
  if (config.upstream_timeout <= absl::ZeroDuration()) {
    return Invalid("upstream_timeout",
                   absl::StrCat("must be positive (got ",
                                absl::FormatDuration(config.upstream_timeout), ")"));
  }
  if (config.drain_timeout < absl::ZeroDuration()) {
    return Invalid("drain_timeout",
                   absl::StrCat("must not be negative (got ",
                                absl::FormatDuration(config.drain_timeout), ")"));
  }
  if (config.upstream_connect_timeout <= absl::ZeroDuration()) {
    return Invalid("upstream_connect_timeout",
                   absl::StrCat("must be positive (got ",
                                absl::FormatDuration(config.upstream_connect_timeout), ")"));
  }
  return absl::OkStatus();
}

absl::Status ValidateForwardMetadata(const Config& config) {
  for (const std::string& name : config.forward_metadata) {
    if (name == "traceparent" || name == "tracestate") {
      return Invalid("forward_metadata",
                     absl::StrCat("\"", name,
                                  "\" is not forwarded as sent: the proxy sends the upstream "
                                  "its own traceparent and the caller's tracestate"));
    }
    // A name IsForwardableKey() refuses could never match what a caller
    // sends (upper case, a space), or would split, misdirect or misdescribe
    // the request, or replace its credential.
    if (!IsForwardableKey(name)) {
      return Invalid("forward_metadata",
                     absl::StrCat("\"", name,
                                  "\" cannot be forwarded (gRPC metadata names only: "
                                  "0-9 a-z - _ .; "
                                  "not -bin, grpc-*, pseudo, hop-by-hop, framing or "
                                  "credential headers)"));
    }
  }
  return absl::OkStatus();
}

// Tracing, logging, retries and the limits on calls, connections and bodies.
absl::Status ValidateLimits(const Config& config) {
  // Also false for NaN.
  if (!(config.trace_sampling >= 0 && config.trace_sampling <= 1)) {
    return Invalid("trace_sampling",
                   absl::StrCat("must be 0..1, got ", config.trace_sampling));
  }
  if (!ParseLogLevel(config.log_level).has_value()) {
    return Invalid("log_level", absl::StrCat("must be error, warn, info or debug, got \"",
                                             config.log_level, "\""));
  }
  if (config.max_retries < 0 || config.max_retries > 10) {
    return Invalid("max_retries", absl::StrCat("must be 0..10, got ", config.max_retries));
  }
  if (config.max_inflight <= 0) return Invalid("max_inflight", "must be positive");
  if (config.max_upstream_connections <= 0) {
    return Invalid("max_upstream_connections", "must be positive");
  }
  if (config.max_request_bytes == 0) return Invalid("max_request_bytes", "must be positive");
  if (config.max_response_bytes == 0) {
    return Invalid("max_response_bytes", "must be positive");
  }
  return absl::OkStatus();
}

// The TLS flags that go together, and every file a flag names is readable.
absl::Status ValidateFileFlags(const Config& config) {
  if (!config.upstream_ca_file.empty() && access(config.upstream_ca_file.c_str(), R_OK) != 0) {
    return Invalid("upstream_ca_file",
                   absl::StrCat("cannot read \"", config.upstream_ca_file, "\""));
  }
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    return Invalid(config.tls_cert.empty() ? "tls_cert" : "tls_key",
                   "--tls_cert and --tls_key go together");
  }
  if (config.upstream_client_cert.empty() != config.upstream_client_key.empty()) {
    return Invalid(config.upstream_client_cert.empty() ? "upstream_client_cert"
                                                       : "upstream_client_key",
                   "--upstream_client_cert and --upstream_client_key go together");
  }
  if (!config.tls_client_ca.empty() && config.tls_cert.empty()) {
    return Invalid("tls_client_ca", "needs --tls_cert and --tls_key");
  }
  for (const auto& [flag, path] : {std::pair<const char*, const std::string*>{
                                       "tls_cert", &config.tls_cert},
                                   {"tls_key", &config.tls_key},
                                   {"tls_client_ca", &config.tls_client_ca},
                                   {"upstream_client_cert", &config.upstream_client_cert},
                                   {"upstream_client_key", &config.upstream_client_key},
                                   {"descriptor_set", &config.descriptor_set}}) {
    if (!path->empty() && access(path->c_str(), R_OK) != 0) {
      return Invalid(flag, absl::StrCat("cannot read \"", *path, "\""));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateConfig(const Config& config) {
  for (absl::Status (*validate)(const Config&) :
       {&ValidateEndpoints, &ValidateTimeouts, &ValidateForwardMetadata, &ValidateLimits,
        &ValidateFileFlags, &ValidateUpstreamHealth, &ValidateTlsFiles}) {
    if (absl::Status status = validate(config); !status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace gateway_proxy
