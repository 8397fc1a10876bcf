// gateway-proxy: a gRPC server that transcodes each call into the REST call
// its google.api.http rule names. main() parses flags into a Config, starts
// the ProxyServer, and waits for SIGTERM/SIGINT to drain and exit.
#include <curl/curl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "google/protobuf/stubs/logging.h"
#include "proxy/app/config.h"
#include "proxy/app/env_flags.h"
#include "proxy/app/server.h"
#include "proxy/observability/stderr_log.h"

#ifdef GATEWAY_PROXY_JEMALLOC
// jemalloc reads its settings from this variable, then from MALLOC_CONF.
// Its default of four arenas per core suits programs whose many threads all
// allocate; here a few threads do, and each arena holds memory of its own.
extern "C" {
const char* malloc_conf = "narenas:2";
}
#endif

namespace {
const gateway_proxy::Config kDefaults;
// The flags below are gateway-proxy's: the environment and --help look for
// the flags defined in this file.
constexpr char kFlagsFile[] = "proxy/app/main.cc";
// At exit, how long the log writers get to write out what is queued.
constexpr absl::Duration kExitFlushTimeout = absl::Milliseconds(500);

// protobuf's log lines, on stderr as before, except the one a client can
// cause at will: a string field with invalid UTF-8 already fails that call
// with INVALID_ARGUMENT, and a line per such call would let any client flood
// the pod's logs.
void ProtobufLog(google::protobuf::LogLevel level, const char*, int,
                 const std::string& message) {
  if (absl::StrContains(message, "contains invalid UTF-8 data")) return;
  gateway_proxy::LogToStderr(level >= google::protobuf::LOGLEVEL_ERROR
                                 ? gateway_proxy::LogLevel::kError
                                 : gateway_proxy::LogLevel::kWarn,
                             message, {{"source", "protobuf"}});
}

// --help's text: what the binary is, where flags come from, and every flag.
std::string Usage() {
  return absl::StrCat(
      "gateway-proxy ", GATEWAY_PROXY_VERSION,
      ": a gRPC-to-REST transcoding sidecar for the Gateway API.\n\n"
      "Usage: gateway-proxy [--flag=value ...]\n\n"
      "Every flag can also be set by the environment variable\n"
      "GATEWAY_PROXY_<FLAG IN UPPER CASE>, e.g. GATEWAY_PROXY_UPSTREAM.\n"
      "--flagfile=FILE reads flags from FILE, one per line (--name=value; blank\n"
      "lines and lines starting with # are skipped), in place of --flagfile.\n"
      "The environment is read first, then the command line from left to right:\n"
      "a flag's last value wins.\n\n"
      "Flags:\n",
      gateway_proxy::FlagsHelp(kFlagsFile),
      "\n"
      "  --flagfile=FILE[,FILE...]  read flags from files, as above\n"
      "  -h, --help                 print this help\n"
      "  --version                  print the version\n");
}
}  // namespace

// Listeners: where callers, probes and Prometheus reach the proxy.
ABSL_FLAG(std::string, listen, kDefaults.listen,
          "host:port the gRPC server listens on; port 0 picks a free port. "
          "A sidecar keeps the default loopback address.");
ABSL_FLAG(std::string, health_listen, "",
          "host:port of a second, plaintext listener that serves only "
          "grpc.health.v1 (e.g. 0.0.0.0:8081), for Kubernetes probes, which "
          "cannot reach a loopback --listen. Empty: none.");
ABSL_FLAG(std::string, metrics_listen, "",
          "host:port of the Prometheus endpoint (/metrics), e.g. 0.0.0.0:9464. "
          "Empty: no metrics endpoint.");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain for TLS on the gRPC listener (with --tls_key); "
          "for clients outside the pod. Default: plaintext, for a loopback sidecar.");
ABSL_FLAG(std::string, tls_key, "", "PEM private key for --tls_cert.");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle; when set, clients must present a certificate it signed "
          "(mutual TLS).");

// The upstream: where calls go, and how it is reached.
ABSL_FLAG(std::string, upstream, kDefaults.upstream,
          "Base URL of the Gateway REST API (http:// or https://).");
ABSL_FLAG(std::string, descriptor_set, "",
          "A FileDescriptorSet (protoc --include_imports --descriptor_set_out=FILE) "
          "whose services' google.api.http rules are served too, on the same port.");
ABSL_FLAG(std::vector<std::string>, service_upstream, {},
          "SERVICE=URL: calls of that service (its full name, one --descriptor_set "
          "serves) go to URL instead of --upstream. Repeat the flag, or separate "
          "entries with commas, for several.");
ABSL_FLAG(std::string, upstream_ca_file, "",
          "PEM CA bundle to verify the upstream's certificate (default: system CAs).");
ABSL_FLAG(std::string, upstream_client_cert, "",
          "PEM client certificate chain presented to an https upstream that requires "
          "mutual TLS (with --upstream_client_key).");
ABSL_FLAG(std::string, upstream_client_key, "",
          "PEM private key for --upstream_client_cert.");
ABSL_FLAG(absl::Duration, upstream_timeout, kDefaults.upstream_timeout,
          "Upstream deadline for calls whose client set none, e.g. 30s, 500ms. "
          "A client's own deadline always applies as is.");
ABSL_FLAG(absl::Duration, upstream_connect_timeout, kDefaults.upstream_connect_timeout,
          "How long connecting to the upstream (TCP and TLS) may take; a call "
          "that cannot connect in time is UNAVAILABLE.");
ABSL_FLAG(int, max_retries, kDefaults.max_retries,
          "Retries of a failed upstream request, 0..10 (0: none). Only safe ones: "
          "a request that never left (connect or TLS failure) for any method, a "
          "503/429 for GET; exponential backoff with jitter or Retry-After, within "
          "the call's deadline and a retry budget of 10% of calls.");

// Credentials and metadata sent upstream.
ABSL_FLAG(std::string, api_key_file, "",
          "File with the API key sent as 'Authorization: Bearer <key>' for calls "
          "that carry neither 'authorization' nor 'x-api-key' metadata. Re-read "
          "when it changes (a rotated Kubernetes Secret).");
ABSL_FLAG(std::vector<std::string>, forward_metadata, kDefaults.forward_metadata,
          "Comma-separated caller metadata forwarded upstream as HTTP headers. "
          "Not traceparent or tracestate: the proxy sends its own traceparent "
          "and the caller's tracestate.");
ABSL_FLAG(double, trace_sampling, kDefaults.trace_sampling,
          "Probability (0..1) that a call without a valid W3C traceparent starts "
          "a new trace (sent upstream as traceparent, logged as trace_id and "
          "span_id). 0: only callers' traces are continued.");

// Limits.
ABSL_FLAG(int, max_inflight, kDefaults.max_inflight,
          "Calls in flight at once; beyond it new calls get RESOURCE_EXHAUSTED "
          "instead of queueing without bound.");
ABSL_FLAG(int, max_upstream_connections, kDefaults.max_upstream_connections,
          "Connections to the upstream at once; further requests wait for one.");
ABSL_FLAG(int64_t, max_request_bytes, kDefaults.max_request_bytes,
          "Largest gRPC request message accepted (RESOURCE_EXHAUSTED above it).");
ABSL_FLAG(int64_t, max_response_bytes, kDefaults.max_response_bytes,
          "Largest upstream response body accepted (INTERNAL above it).");

// Health and shutdown.
ABSL_FLAG(absl::Duration, upstream_health_interval, kDefaults.upstream_health_interval,
          "How often to check that the upstream can be reached, e.g. 5s; after "
          "--upstream_health_failures failed checks in a row gRPC health answers "
          "NOT_SERVING until one passes. 0: no checks.");
ABSL_FLAG(std::string, upstream_health_path, kDefaults.upstream_health_path,
          "With --upstream_health_interval: GET this path of --upstream (e.g. "
          "/healthz) and expect a 2xx, rather than only connecting (TCP, and TLS "
          "for https).");
ABSL_FLAG(int, upstream_health_failures, kDefaults.upstream_health_failures,
          "Failed upstream checks in a row that turn health NOT_SERVING, 1..100.");
ABSL_FLAG(absl::Duration, drain_timeout, kDefaults.drain_timeout,
          "On SIGTERM, how long in-flight calls get to finish.");

// What the proxy reports.
ABSL_FLAG(bool, access_log, kDefaults.access_log,
          "Write one JSON line per call to stdout (method, code, upstream status, "
          "latencies, request id; never a credential).");
ABSL_FLAG(std::string, log_level, kDefaults.log_level,
          "Least severe stderr line written: error, warn, info or debug.");

namespace {

// --help, --version, or a command line absl would refuse: the exit status
// to end with, having printed the answer or one line of error. nullopt to
// go on. Each --service_upstream occurrence is collected in `repeated`.
std::optional<int> AnswerCommandLine(int argc, char** argv,
                                     gateway_proxy::RepeatedFlagValues* repeated) {
  const auto action = gateway_proxy::CheckCommandLine(kFlagsFile, argc, argv, repeated);
  if (!action.ok()) {
    std::fprintf(stderr, "gateway-proxy: %s\n", std::string(action.status().message()).c_str());
    return 2;
  }
  if (*action == gateway_proxy::CommandLineAction::kHelp) {
    std::fputs(Usage().c_str(), stdout);
    return 0;
  }
  if (*action == gateway_proxy::CommandLineAction::kVersion) {
    std::puts("gateway-proxy " GATEWAY_PROXY_VERSION);
    return 0;
  }
  return std::nullopt;
}

// The parsed flags as a validated config; `repeated` holds every
// --service_upstream the command line gave (which then replace the
// variable's).
absl::StatusOr<gateway_proxy::Config> ConfigFromFlags(
    const gateway_proxy::RepeatedFlagValues& repeated) {
  gateway_proxy::Config config;
  config.listen = absl::GetFlag(FLAGS_listen);
  config.upstream = absl::GetFlag(FLAGS_upstream);
  config.health_listen = absl::GetFlag(FLAGS_health_listen);
  config.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  config.access_log = absl::GetFlag(FLAGS_access_log);
  config.api_key_file = absl::GetFlag(FLAGS_api_key_file);
  config.upstream_timeout = absl::GetFlag(FLAGS_upstream_timeout);
  config.upstream_connect_timeout = absl::GetFlag(FLAGS_upstream_connect_timeout);
  config.forward_metadata = absl::GetFlag(FLAGS_forward_metadata);
  const int64_t max_request = absl::GetFlag(FLAGS_max_request_bytes);
  const int64_t max_response = absl::GetFlag(FLAGS_max_response_bytes);
  if (max_request <= 0 || max_request > (1 << 30)) {
    return absl::InvalidArgumentError("--max_request_bytes: must be 1..1073741824");
  }
  if (max_response <= 0) {
    return absl::InvalidArgumentError("--max_response_bytes: must be positive");
  }
  config.max_request_bytes = static_cast<size_t>(max_request);
  config.max_response_bytes = static_cast<size_t>(max_response);
  config.upstream_ca_file = absl::GetFlag(FLAGS_upstream_ca_file);
  config.upstream_client_cert = absl::GetFlag(FLAGS_upstream_client_cert);
  config.upstream_client_key = absl::GetFlag(FLAGS_upstream_client_key);
  config.service_upstreams = absl::GetFlag(FLAGS_service_upstream);
  if (const auto it = repeated.find("service_upstream");
      it != repeated.end() && !it->second.empty()) {
    config.service_upstreams.clear();  // The command line's, all of them.
    for (const std::string& value : it->second) {
      if (value.empty()) continue;  // "--service_upstream=" names none.
      for (absl::string_view entry : absl::StrSplit(value, ',')) {
        config.service_upstreams.emplace_back(entry);
      }
    }
  }
  config.max_inflight = absl::GetFlag(FLAGS_max_inflight);
  config.max_retries = absl::GetFlag(FLAGS_max_retries);
  config.max_upstream_connections = absl::GetFlag(FLAGS_max_upstream_connections);
  config.descriptor_set = absl::GetFlag(FLAGS_descriptor_set);
  config.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  config.tls_key = absl::GetFlag(FLAGS_tls_key);
  config.tls_client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  config.drain_timeout = absl::GetFlag(FLAGS_drain_timeout);
  config.trace_sampling = absl::GetFlag(FLAGS_trace_sampling);
  config.log_level = absl::GetFlag(FLAGS_log_level);
  config.upstream_health_interval = absl::GetFlag(FLAGS_upstream_health_interval);
  config.upstream_health_path = absl::GetFlag(FLAGS_upstream_health_path);
  config.upstream_health_failures = absl::GetFlag(FLAGS_upstream_health_failures);
  if (absl::Status s = gateway_proxy::ValidateConfig(config); !s.ok()) return s;
  return config;
}

// SIGTERM and SIGINT, blocked in every thread started after this, for
// sigwait(); SIGPIPE ignored, so a reader of stdout that went away
// (`gateway-proxy | head -1`) fails the access log's write with EPIPE
// instead of killing the server.
sigset_t BlockTerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return signals;
}

// Serves until SIGTERM or SIGINT, then drains. Fails only when the server
// cannot start.
absl::Status Serve(const gateway_proxy::Config& config, const sigset_t& signals) {
  // Once serving, it logs its settings on stderr and prints "listening on
  // HOST:PORT" on stdout.
  auto server = gateway_proxy::ProxyServer::Start(config);
  if (!server.ok()) return server.status();
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  // Nothing from here on waits for whoever reads stdout or stderr: the line
  // is queued for stderr's writer thread, and the drain takes at most
  // --drain_timeout whatever the logs do.
  gateway_proxy::LogToStderr(
      gateway_proxy::LogLevel::kInfo, "draining",
      {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"},
       {"drain_timeout", absl::FormatDuration(config.drain_timeout)}});
  (*server)->Shutdown(config.drain_timeout);
  const bool access_log_written = (*server)->FlushLogs(kExitFlushTimeout);
  if (!gateway_proxy::FlushStderr(kExitFlushTimeout) || !access_log_written) {
    // stdout or stderr is a pipe nobody reads: the log writers may never
    // return from write(), and the destructors would wait for them.
    _exit(0);
  }
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil checks every Mutex acquisition for lock-order cycles, a
  // debugging aid with a measurable cost per call (README, Performance); the
  // test builds keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  google::protobuf::SetLogHandler(&ProtobufLog);
  // --help and --version answer whatever else the line holds; a line absl
  // would refuse stops here with one line and status 2, as a bad value does.
  // --service_upstream adds up: each occurrence names more services.
  gateway_proxy::RepeatedFlagValues repeated = {{"service_upstream", {}}};
  if (const std::optional<int> done = AnswerCommandLine(argc, argv, &repeated)) return *done;
  // GATEWAY_PROXY_<FLAG> variables first, so the command line wins.
  const auto from_env = gateway_proxy::ApplyEnvironment(kFlagsFile, &std::getenv);
  if (!from_env.ok()) {
    std::fprintf(stderr, "gateway-proxy: %s\n", std::string(from_env.status().message()).c_str());
    return 2;
  }
  // Applies the line checked above: flagfiles in place, the last value wins.
  absl::ParseCommandLine(argc, argv);
  // One line naming the flag, and its variable when the value came from one.
  auto fail = [&](absl::string_view message, int exit_code) {
    std::fprintf(stderr, "gateway-proxy: %s\n",
                 gateway_proxy::NameVariableInError(message, *from_env).c_str());
    return exit_code;
  };
  const absl::StatusOr<gateway_proxy::Config> config = ConfigFromFlags(repeated);
  if (!config.ok()) return fail(config.status().message(), 2);
  gateway_proxy::SetStderrLogLevel(*gateway_proxy::ParseLogLevel(config->log_level));

  // Before any thread starts, so that no other thread receives them.
  const sigset_t signals = BlockTerminationSignals();
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const absl::Status served = Serve(*config, signals);
  curl_global_cleanup();
  if (!served.ok()) {
    // A --service_upstream service that turned out not to be served is an
    // invalid flag value, like those ValidateConfig() finds.
    const bool invalid_flag =
        absl::StartsWith(served.message(), gateway_proxy::kServiceUpstreamFlag);
    return fail(served.message(), invalid_flag ? 2 : 1);
  }
  return 0;
}
