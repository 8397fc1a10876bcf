#include "proxy/upstream/curl_http_client.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <deque>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "proxy/upstream/retry_policy.h"

namespace gateway_proxy {
namespace {

// One request on its way: everything libcurl points into lives here until
// the transfer is removed from the multi handle.
struct Transfer {
  HttpClient::CallId id = 0;
  HttpRequest request;
  absl::Time deadline;
  HttpClient::Callback done;

  CURL* easy = nullptr;
  CURLM* multi = nullptr;  // The multi handle (of the loop's) it goes on.
  curl_slist* headers = nullptr;
  HttpResponse response;
  size_t max_response_bytes = 0;
  bool too_large = false;
  char error[CURL_ERROR_SIZE] = {};
  int retries = 0;
  // While waiting to be retried: when the next attempt may start.
  std::optional<absl::Time> retry_at;
  // How often libcurl set out to send this attempt's request; more than once
  // when it re-sends on its own after a kept-alive connection died.
  int sends = 0;
  // OnPrerequest() stopped such a re-send: the request had been written.
  bool resend_refused = false;

  // Forgets this attempt (its easy handle already released), ready for
  // another.
  void ResetAttempt() {
    if (headers != nullptr) curl_slist_free_all(headers);
    headers = nullptr;
    response = HttpResponse();
    too_large = false;
    error[0] = '\0';
    sends = 0;
    resend_refused = false;
  }

  ~Transfer() {
    if (headers != nullptr) curl_slist_free_all(headers);
    if (easy != nullptr) curl_easy_cleanup(easy);
  }
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (t->response.body.size() + n > t->max_response_bytes) {
    t->too_large = true;
    return 0;  // Makes libcurl fail the transfer with CURLE_WRITE_ERROR.
  }
  t->response.body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  absl::string_view line(data, n);
  if (absl::StartsWith(line, "HTTP/")) {
    // A new status line (after a 100 Continue, say): start over.
    t->response.headers.clear();
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return n;
  t->response.headers.emplace_back(
      std::string(absl::StripAsciiWhitespace(line.substr(0, colon))),
      std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
  return n;
}

// Methods libcurl may send twice: a second GET or HEAD changes nothing
// upstream. Every other method, PUT and DELETE included, is sent at most once
// once any of its bytes were written.
bool MaySendTwice(absl::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

// Bytes of the request written to a connection so far, over every send.
long RequestBytesWritten(CURL* easy) {
  long written = 0;
  curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &written);
  return written;
}

// Runs each time libcurl is about to send the request on a connection. A
// second time means libcurl is re-sending it by itself: it does so when a
// kept-alive connection closes before any byte of the response, and it may
// do so on up to five connections in a row. A request whose bytes reached
// the earlier connection may have been processed there, so only a GET or
// HEAD goes out again (once); anything else stops here and fails as UNKNOWN.
int OnPrerequest(void* user, char*, char*, int, int) {
  auto* t = static_cast<Transfer*>(user);
  if (++t->sends == 1 || RequestBytesWritten(t->easy) == 0) return CURL_PREREQFUNC_OK;
  if (MaySendTwice(t->request.method) && t->sends <= 2) return CURL_PREREQFUNC_OK;
  t->resend_refused = true;
  return CURL_PREREQFUNC_ABORT;
}

// Whether the upstream refused the TLS handshake only after the request was
// written. A TLS 1.3 client sends its request right after its Finished
// message, before the server has checked the client certificate: a server
// that rejects it (none, or one it does not trust) answers with an alert
// ("tlsv13 alert certificate required"), having never read the request.
bool RefusedInHandshake(const Transfer& t, CURLcode result) {
  return result == CURLE_RECV_ERROR && absl::StrContains(t.error, " alert ");
}

// The transport reason of a failed transfer, as TransferFailure names it.
std::string UpstreamErrorToken(const Transfer& t, CURLcode result) {
  if (t.too_large) return "size_cap";
  if (RefusedInHandshake(t, result)) return "tls";
  if (t.resend_refused) return "closed";
  switch (result) {
    case CURLE_COULDNT_CONNECT:
      return "refused";
    case CURLE_OPERATION_TIMEDOUT:
      return "timeout";
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return "dns";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CLIENTCERT:
      return "tls";
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return "reset";
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      return "closed";
    default:
      return "other";
  }
}

}  // namespace

constexpr long kReceiveBufferBytes = 4096;

// Connections a multi handle holds at most. libcurl 7.88 looks for a
// connection to reuse by walking every connection to the host, for every
// request: with thousands open over HTTP/1.1 that walk dominated the loop
// (README, Performance). A larger --max_upstream_connections is split over
// several multi handles, each with its own pool, on the same loop.
constexpr int kConnectionsPerMulti = 512;

class CurlHttpClient::Loop {
 public:
  Loop(Options options, std::string upstream_name)
      : options_(std::move(options)),
        upstream_name_(std::move(upstream_name)),
        epoll_fd_(epoll_create1(EPOLL_CLOEXEC)),
        wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    epoll_event wake = {};
    wake.events = EPOLLIN;
    wake.data.u64 = kWakeEvent;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &wake);
    // --max_upstream_connections split as evenly as can be.
    const int count = std::max(
        1, (options_.max_connections + kConnectionsPerMulti - 1) / kConnectionsPerMulti);
    shards_.resize(count);
    for (int i = 0; i < count; ++i) {
      const int connections =
          options_.max_connections / count + (i < options_.max_connections % count ? 1 : 0);
      shards_[i].loop = this;
      shards_[i].index = static_cast<uint32_t>(i);
      shards_[i].multi = NewMulti(&shards_[i], connections);
    }
    thread_ = std::thread([this] { Run(); });
  }

  ~Loop() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    WriteWakeFd();
    thread_.join();
    // Requests queued after the loop's last look (never sent), and calls
    // refused by a Submit() that found the loop stopping: their callbacks.
    std::deque<std::unique_ptr<Transfer>> left;
    {
      absl::MutexLock lock(&queue_mu_);
      left.swap(submitted_);
    }
    std::vector<Finished> finished;
    {
      absl::MutexLock lock(&mu_);
      finished.swap(finished_);
    }
    for (auto& t : left) {
      finished.emplace_back(std::move(t->done),
                            absl::UnavailableError("gateway-proxy is shutting down"));
    }
    RunCallbacks(&finished);
    {
      absl::MutexLock lock(&mu_);
      for (CURL* easy : idle_handles_) curl_easy_cleanup(easy);
    }
    for (Shard& shard : shards_) curl_multi_cleanup(shard.multi);
    close(wake_fd_);
    close(epoll_fd_);
  }

  // With no other call in flight, the request is sent on the caller's
  // thread: the loop is woken only to run a callback, or when libcurl's
  // timer now falls before its wake-up. At one call at a time, handing each
  // request to the idle loop thread cost a thread wake-up per call (README,
  // Performance). With calls in flight the loop is awake or soon
  // will be, and handing over is cheaper than sharing libcurl: the request
  // waits in a queue, and the loop sends queued requests in batches. The
  // callback never runs inside Submit() (its caller may hold a lock the
  // callback takes): the loop runs it.
  CallId Submit(HttpRequest request, absl::Time deadline, Callback done) {
    auto transfer = std::make_unique<Transfer>();
    transfer->request = std::move(request);
    transfer->deadline = deadline;
    transfer->done = std::move(done);
    transfer->max_response_bytes = options_.max_response_bytes;
    const CallId id = transfer->id = last_id_.fetch_add(1, std::memory_order_relaxed) + 1;
    if (in_flight_.load(std::memory_order_relaxed) > 0 || !mu_.TryLock()) {
      {
        absl::MutexLock lock(&queue_mu_);
        submitted_.push_back(std::move(transfer));
      }
      Wake();
      return id;
    }
    if (stopping_) {
      finished_.emplace_back(std::move(transfer->done),
                             absl::UnavailableError("gateway-proxy is shutting down"));
    } else {
      Begin(std::move(transfer));
      RunTimersDue();
      CompleteEnded();
    }
    const bool wake = !finished_.empty() || NextTimer() < loop_wakes_at_;
    mu_.Unlock();
    if (wake) Wake();
    return id;
  }

  void Cancel(CallId id) {
    {
      absl::MutexLock lock(&queue_mu_);
      cancelled_.push_back(id);
    }
    Wake();
  }

 private:
  // Wakes the loop from epoll_wait(), unless a wake-up is already on its
  // way: under load most calls then cost no write() and no wake-up.
  void Wake() {
    if (!wake_pending_.exchange(true, std::memory_order_acq_rel)) WriteWakeFd();
  }

  void WriteWakeFd() {
    const uint64_t one = 1;
    // Fails only when the counter is full, and then a wake-up is pending.
    (void)!write(wake_fd_, &one, sizeof(one));
  }

  // One multi handle with its pool of connections, driven through
  // libcurl's socket API: the loop waits on its own epoll set, and libcurl
  // works only on the sockets that are ready and the transfers whose timer
  // is due. (curl_multi_perform() visited every transfer on every wake-up,
  // and curl_multi_poll() polled every socket: with thousands of calls in
  // flight, most of the loop's time.)
  struct Shard {
    Loop* loop = nullptr;
    uint32_t index = 0;
    CURLM* multi = nullptr;
    // When libcurl's timer is due (OnTimer).
    std::optional<absl::Time> timer_due;
  };

  // A finished call's callback and what it is called with.
  using Finished = std::pair<Callback, absl::StatusOr<HttpResponse>>;

  // An epoll event's data: the shard's index and the socket, or kWakeEvent.
  static constexpr uint64_t kWakeEvent = ~uint64_t{0};
  static uint64_t EventData(const Shard& shard, curl_socket_t s) {
    return (uint64_t{shard.index} << 32) | static_cast<uint32_t>(s);
  }

  static CURLM* NewMulti(Shard* shard, int max_connections) {
    CURLM* multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &Loop::OnSocket);
    curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, shard);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &Loop::OnTimer);
    curl_multi_setopt(multi, CURLMOPT_TIMERDATA, shard);
    // HTTP/2 multiplexing where the upstream offers it; a new connection only
    // when no existing one can carry the request.
    curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(max_connections));
    // Keep as many idle connections as may be open, so bursts reuse them.
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(max_connections));
    return multi;
  }

  // libcurl's CURLMOPT_SOCKETFUNCTION: which events of socket `s` it waits
  // for now. Runs on the loop thread, inside a curl_multi_* call.
  // `added` is what curl_multi_assign() gave the socket: non-null once it
  // is in the epoll set.
  static int OnSocket(CURL*, curl_socket_t s, int what, void* user, void* added) {
    auto* shard = static_cast<Shard*>(user);
    const int epoll_fd = shard->loop->epoll_fd_;
    if (what == CURL_POLL_REMOVE) {
      // Fails when libcurl closed the socket first, which removed it.
      epoll_ctl(epoll_fd, EPOLL_CTL_DEL, s, nullptr);
      return 0;  // libcurl forgets the assignment with the socket.
    }
    epoll_event event = {};
    event.events = 0;
    if (what & CURL_POLL_IN) event.events |= EPOLLIN;
    if (what & CURL_POLL_OUT) event.events |= EPOLLOUT;
    event.data.u64 = EventData(*shard, s);
    // The other operation when the set disagrees (a socket number closed and
    // reused without a removal).
    const int first = added != nullptr ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    const int second = added != nullptr ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    if (epoll_ctl(epoll_fd, first, s, &event) != 0 &&
        epoll_ctl(epoll_fd, second, s, &event) != 0) {
      return -1;  // libcurl then fails the transfers on that socket.
    }
    if (added == nullptr) curl_multi_assign(shard->multi, s, shard);
    return 0;
  }

  // libcurl's CURLMOPT_TIMERFUNCTION: when it next needs
  // curl_multi_socket_action(CURL_SOCKET_TIMEOUT) (-1: not at all; 0: as
  // soon as it returns).
  static int OnTimer(CURLM*, long timeout_ms, void* user) {
    auto* shard = static_cast<Shard*>(user);
    if (timeout_ms < 0) {
      shard->timer_due.reset();
    } else {
      shard->timer_due = absl::Now() + absl::Milliseconds(timeout_ms);
    }
    return 0;
  }

  // The earliest libcurl timer, InfiniteFuture() for none.
  absl::Time NextTimer() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    absl::Time next = absl::InfiniteFuture();
    for (const Shard& shard : shards_) {
      if (shard.timer_due.has_value()) next = std::min(next, *shard.timer_due);
    }
    return next;
  }

  // Runs each libcurl timer that is due.
  void RunTimersDue() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const absl::Time now = absl::Now();
    for (Shard& shard : shards_) {
      if (!shard.timer_due.has_value() || *shard.timer_due > now) continue;
      shard.timer_due.reset();
      int running = 0;
      curl_multi_socket_action(shard.multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
  }

  // Hands each ended transfer to Complete(), once all are read: removing a
  // transfer from its multi handle walks the messages still unread, which
  // made a burst of thousands of answers quadratic.
  void CompleteEnded() {
    for (Shard& shard : shards_) {
      ended_.clear();
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(shard.multi, &queued)) {
        if (msg->msg != CURLMSG_DONE) continue;
        Transfer* t = nullptr;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
        ended_.emplace_back(t, msg->data.result);
      }
      for (const auto& [t, result] : ended_) Complete(t, result);
    }
  }

  // How long epoll_wait() may wait: until a libcurl timer or the next
  // retry, whichever is first; whole milliseconds, rounded up.
  int WaitMilliseconds(absl::Duration next_retry) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const absl::Duration wait = std::min(next_retry, NextTimer() - absl::Now());
    if (wait <= absl::ZeroDuration()) return 0;
    return static_cast<int>(
        std::max<int64_t>(1, absl::ToInt64Milliseconds(wait + absl::Microseconds(999))));
  }

  void Run() {
    pthread_setname_np(pthread_self(), "upstream-loop");  // As top -H shows it.
    std::vector<Finished> finished;
    std::deque<std::unique_ptr<Transfer>> submitted;
    std::vector<CallId> cancelled;
    for (;;) {
      // Cleared before the queues are read: a Submit() or Cancel() after
      // this wakes the loop again, one before it is in the queues.
      wake_pending_.store(false, std::memory_order_release);
      {
        absl::MutexLock lock(&queue_mu_);
        submitted.swap(submitted_);
        cancelled.swap(cancelled_);
      }
      int wait_ms = 0;
      bool stopping;
      {
        absl::MutexLock lock(&mu_);
        for (auto& transfer : submitted) Begin(std::move(transfer));
        submitted.clear();
        for (CallId id : cancelled) {
          Finish(id, absl::CancelledError("the call was cancelled before the upstream answered"));
        }
        cancelled.clear();
        stopping = stopping_;
        if (stopping) {
          std::vector<CallId> left;
          for (const auto& [id, t] : active_) left.push_back(id);
          for (CallId id : left) Finish(id, absl::UnavailableError("gateway-proxy is shutting down"));
        } else {
          RunTimersDue();
          CompleteEnded();
          // Wait for a socket, libcurl's timer, the next retry or a wake-up.
          wait_ms = WaitMilliseconds(StartDueRetries());
          loop_wakes_at_ = absl::Now() + absl::Milliseconds(wait_ms);
        }
        finished.swap(finished_);
      }
      RunCallbacks(&finished);
      if (stopping) break;

      epoll_event events[64];
      const int ready = epoll_wait(epoll_fd_, events, 64, wait_ms);
      {
        absl::MutexLock lock(&mu_);
        // Awake: the timers are looked at again before the next wait.
        loop_wakes_at_ = absl::InfinitePast();
        for (int i = 0; i < ready; ++i) OnEvent(events[i]);
        CompleteEnded();
        finished.swap(finished_);
      }
      RunCallbacks(&finished);
    }
  }

  // Hands a ready socket to libcurl, or drains the wake-up.
  void OnEvent(const epoll_event& event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const uint64_t data = event.data.u64;
    if (data == kWakeEvent) {
      uint64_t count;
      (void)!read(wake_fd_, &count, sizeof(count));
      return;
    }
    int mask = 0;
    if (event.events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) mask |= CURL_CSELECT_IN;
    if (event.events & EPOLLOUT) mask |= CURL_CSELECT_OUT;
    if (event.events & EPOLLERR) mask |= CURL_CSELECT_ERR;
    // A socket closed and its number reused by another thread's Submit()
    // since epoll_wait() returned gets a spurious action, which libcurl
    // answers with nothing to read or write.
    int running = 0;
    curl_multi_socket_action(shards_[data >> 32].multi,
                             static_cast<curl_socket_t>(data & 0xffffffffu), mask, &running);
  }

  // Runs the callbacks of finished calls, outside the lock.
  static void RunCallbacks(std::vector<Finished>* finished) {
    for (auto& [done, result] : *finished) std::move(done)(std::move(result));
    finished->clear();
  }

  void Begin(std::unique_ptr<Transfer> t) {
    budget_.OnFirstAttempt();
    t->multi = shards_[t->id % shards_.size()].multi;
    Transfer* transfer = t.get();
    active_.emplace(t->id, std::move(t));
    in_flight_.store(active_.size(), std::memory_order_relaxed);
    StartAttempt(transfer);
  }

  // Starts `t` (in active_, with no handle) on an easy handle.
  void StartAttempt(Transfer* t) {
    t->retry_at.reset();
    const absl::Duration remaining = t->deadline - absl::Now();
    if (remaining <= absl::ZeroDuration()) {
      Finish(t->id, WithTransferFailure(
                        absl::DeadlineExceededError(
                            "the deadline expired before the upstream request was sent"),
                        {"timeout", t->retries}));
      return;
    }
    t->easy = TakeHandle();
    if (t->easy == nullptr) {
      Finish(t->id, absl::ResourceExhaustedError("cannot allocate an upstream request"));
      return;
    }
    CURL* e = t->easy;
    const std::string url = options_.base_url + t->request.path;
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_PREREQDATA, t);
    // Whole milliseconds, rounded up so a 0.4 ms budget is not "no limit".
    const long timeout_ms = static_cast<long>(
        std::max<int64_t>(1, absl::ToInt64Milliseconds(remaining + absl::Microseconds(999))));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::min<int64_t>(
                         timeout_ms, absl::ToInt64Milliseconds(options_.connect_timeout))));
    SetMethod(e, t->request);
    t->headers = RequestHeaders(t->request);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_multi_add_handle(t->multi, e);
  }

  // The request's method and body on `e`, whatever an earlier call on the
  // same handle set: options stay set on a kept handle until changed.
  static void SetMethod(CURL* e, const HttpRequest& request) {
    const std::string& method = request.method;
    // Back to a GET without a body first, which any other method then
    // replaces.
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method == "GET" ? nullptr : method.c_str());
    if (method != "GET" &&
        (!request.body.empty() || (method != "DELETE" && method != "HEAD"))) {
      // Points into the request, alive until the transfer is removed.
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
  }

  static curl_slist* RequestHeaders(const HttpRequest& request) {
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Accept: application/json");
    headers = curl_slist_append(headers, "Expect:");  // No 100-continue round trip.
    if (!request.body.empty()) {
      headers = curl_slist_append(headers, "Content-Type: application/json");
    } else {
      headers = curl_slist_append(headers, "Content-Type:");
    }
    for (const auto& [name, value] : request.headers) {
      headers = curl_slist_append(headers, absl::StrCat(name, ": ", value).c_str());
    }
    return headers;
  }

  // A new easy handle with the options every call shares; the caller sets
  // the rest (SetMethod and what StartAttempt sets).
  CURL* NewHandle() const {
    CURL* e = curl_easy_init();
    if (e == nullptr) return nullptr;
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    // No CURLOPT_PROXY: libcurl takes the proxy from the environment
    // (http_proxy for http://, HTTPS_PROXY or https_proxy for https://,
    // NO_PROXY for the exceptions), as Go's net/http and most tools in a pod
    // do. An operator whose pod reaches the API through an egress proxy sets
    // the standard variables and nothing else; a pod without them connects
    // directly.
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, &OnPrerequest);
    // HTTP/2 over TLS only: Debian 12's libcurl (7.88.1) breaks HTTP/2
    // without TLS (prior knowledge) on connection reuse (curl issue 10634,
    // fixed in 8.0), so plain http:// stays HTTP/1.1.
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    // Over TLS, wait for ALPN to say whether the first connection can carry
    // this request as another HTTP/2 stream. Plain HTTP/1.1 must not wait:
    // every call would queue behind the first.
    if (absl::StartsWith(options_.base_url, "https://")) {
      curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    }
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    // libcurl's 16 KiB default receive buffer per call was half of what a
    // call in flight cost; a User is a few hundred bytes, and a larger body
    // just arrives in more pieces.
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, kReceiveBufferBytes);
    // The smallest upload buffer libcurl allows (64 KiB by default), for the
    // same reason: HTTP/2 requests stage their body in it.
    curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, 16384L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "gateway-proxy/" GATEWAY_PROXY_VERSION);
    if (!options_.ca_file.empty()) {
      curl_easy_setopt(e, CURLOPT_CAINFO, options_.ca_file.c_str());
    }
    if (!options_.client_cert.empty()) {
      curl_easy_setopt(e, CURLOPT_SSLCERT, options_.client_cert.c_str());
      curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
      curl_easy_setopt(e, CURLOPT_SSLKEY, options_.client_key.c_str());
      curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
    }
    return e;
  }

  void Complete(Transfer* t, CURLcode result) {
    absl::StatusOr<HttpResponse> outcome;
    bool never_left = false;
    if (result == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
      t->response.status = static_cast<int>(status);
      t->response.retries = t->retries;
      outcome = std::move(t->response);
    } else {
      // No byte of the request written, or the handshake refused: the
      // upstream cannot have acted on it.
      never_left = RequestBytesWritten(t->easy) == 0 || RefusedInHandshake(*t, result);
      outcome = TransportError(*t, result, never_left);
    }
    const absl::Time now = absl::Now();
    const std::optional<absl::Duration> delay =
        RetryDelay(options_.retry, t->request.method, outcome, never_left, t->retries, now,
                   t->deadline, absl::Uniform(bitgen_, 0.0, 1.0));
    if (delay.has_value() && budget_.TryRetry()) {
      ReleaseHandle(t);
      t->ResetAttempt();
      ++t->retries;
      t->retry_at = now + *delay;
      retrying_.insert(t->id);
      return;
    }
    if (!outcome.ok()) {
      outcome = WithTransferFailure(std::move(outcome).status(),
                                    {UpstreamErrorToken(*t, result), t->retries});
    }
    Finish(t->id, std::move(outcome));
  }

  // An easy handle for a new attempt: one an ended attempt left, or a new
  // one. Null when none can be allocated.
  CURL* TakeHandle() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (idle_handles_.empty()) return NewHandle();
    CURL* easy = idle_handles_.back();
    idle_handles_.pop_back();
    return easy;
  }

  // Takes t's attempt off its multi handle and keeps its easy handle for a
  // later attempt (up to kIdleHandles of them), with the options every call
  // shares still set. curl_easy_reset() and setting them again cost more
  // than setting what each call changes (README, Performance).
  void ReleaseHandle(Transfer* t) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (t->easy == nullptr) return;
    curl_multi_remove_handle(t->multi, t->easy);
    if (idle_handles_.size() < kIdleHandles) {
      // Nothing of the ended transfer stays reachable from the handle.
      curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, nullptr);
      curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, nullptr);
      curl_easy_setopt(t->easy, CURLOPT_PRIVATE, nullptr);
      curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, nullptr);
      curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, nullptr);
      curl_easy_setopt(t->easy, CURLOPT_HEADERDATA, nullptr);
      curl_easy_setopt(t->easy, CURLOPT_PREREQDATA, nullptr);
      idle_handles_.push_back(t->easy);
    } else {
      curl_easy_cleanup(t->easy);
    }
    t->easy = nullptr;
  }

  // Starts the retries whose wait is over; the time until the next one.
  absl::Duration StartDueRetries() {
    const absl::Time now = absl::Now();
    absl::Duration next = absl::Seconds(1);
    std::vector<Transfer*> due;
    for (CallId id : retrying_) {
      Transfer* t = active_.at(id).get();
      if (*t->retry_at <= now) {
        due.push_back(t);
      } else {
        next = std::min(next, *t->retry_at - now);
      }
    }
    for (Transfer* t : due) {
      retrying_.erase(t->id);
      StartAttempt(t);
    }
    return next;
  }

  absl::Status TransportError(const Transfer& t, CURLcode result, bool never_left) const {
    if (t.too_large) {
      return absl::InternalError(absl::StrCat("upstream response exceeds the ",
                                              options_.max_response_bytes,
                                              "-byte limit"));
    }
    const std::string what = curl_easy_strerror(result);
    if (result == CURLE_OPERATION_TIMEDOUT) {
      // A timeout before the call's deadline, with nothing written, is the
      // connect timeout: the upstream cannot be reached, which is worth a
      // retry elsewhere.
      if (never_left && absl::Now() + absl::Milliseconds(1) < t.deadline) {
        return absl::UnavailableError(absl::StrCat(
            "upstream ", upstream_name_, " unavailable: no connection within ",
            absl::FormatDuration(options_.connect_timeout)));
      }
      return absl::DeadlineExceededError(
          absl::StrCat("upstream ", upstream_name_, " did not answer before the deadline"));
    }
    if (!never_left && !MaySendTwice(t.request.method)) {
      // The request reached the upstream, which may have acted on it before
      // the connection failed: UNKNOWN, which clients do not retry as they
      // retry UNAVAILABLE.
      const std::string how =
          t.resend_refused
              ? absl::StrCat("closed the connection after the ", t.request.method,
                             " request was sent, before any response")
              : absl::StrCat("failed after the ", t.request.method,
                             " request was sent (", what, ")");
      return absl::UnknownError(absl::StrCat(
          "upstream ", upstream_name_, " ", how,
          "; the request may have been processed, so it was not sent again"));
    }
    if (t.resend_refused) {
      return absl::UnavailableError(absl::StrCat(
          "upstream ", upstream_name_,
          " unavailable: the connection closed before any response, twice"));
    }
    // Connect, DNS, TLS, reset, nothing received: the upstream cannot be
    // reached now, which a client may retry. The message names the host
    // (never the URL's query or any header).
    return absl::UnavailableError(
        absl::StrCat("upstream ", upstream_name_, " unavailable: ", what));
  }

  // Removes call `id` (wherever it is) and runs its callback with `result`.
  void Finish(CallId id, absl::StatusOr<HttpResponse> result) {
    auto it = active_.find(id);
    if (it == active_.end()) return;  // Already finished, or never started.
    std::unique_ptr<Transfer> t = std::move(it->second);
    active_.erase(it);
    in_flight_.store(active_.size(), std::memory_order_relaxed);
    retrying_.erase(id);
    ReleaseHandle(t.get());
    Callback done = std::move(t->done);
    t.reset();
    finished_.emplace_back(std::move(done), std::move(result));
  }

  const Options options_;
  const std::string upstream_name_;
  const int epoll_fd_;  // The sockets libcurl waits on, and wake_fd_.
  const int wake_fd_;   // An eventfd: written to wake the loop.

  std::atomic<bool> wake_pending_{false};
  std::atomic<CallId> last_id_{0};
  // active_.size(), read without the lock.
  std::atomic<size_t> in_flight_{0};
  // Requests and cancellations for the loop to take up.
  absl::Mutex queue_mu_;
  std::deque<std::unique_ptr<Transfer>> submitted_ ABSL_GUARDED_BY(queue_mu_);
  std::vector<CallId> cancelled_ ABSL_GUARDED_BY(queue_mu_);
  // Everything below, and every libcurl call: the loop thread and the
  // threads that Submit() take turns.
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // When the loop's epoll_wait() ends at the latest; InfinitePast() while
  // it is awake.
  absl::Time loop_wakes_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();

  absl::flat_hash_map<CallId, std::unique_ptr<Transfer>> active_ ABSL_GUARDED_BY(mu_);
  // The calls of active_ waiting to be retried (retry_at set).
  absl::flat_hash_set<CallId> retrying_ ABSL_GUARDED_BY(mu_);
  // The multi handles; calls are spread over them in turn. Set up before
  // the loop starts; their handles and timers are used under mu_.
  std::vector<Shard> shards_;
  // Easy handles of ended attempts, kept for the next ones: a new handle
  // per attempt cost its allocation and set-up on every call (README,
  // Performance). Bounded, so a burst does not keep its handles.
  static constexpr size_t kIdleHandles = 64;
  std::vector<CURL*> idle_handles_ ABSL_GUARDED_BY(mu_);
  // CompleteEnded()'s list, kept to reuse its memory.
  std::vector<std::pair<Transfer*, CURLcode>> ended_ ABSL_GUARDED_BY(mu_);
  // Calls finished whose callbacks the loop has yet to run, outside mu_.
  std::vector<Finished> finished_ ABSL_GUARDED_BY(mu_);
  RetryBudget budget_ ABSL_GUARDED_BY(mu_);
  absl::BitGen bitgen_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

absl::StatusOr<std::unique_ptr<CurlHttpClient>> CurlHttpClient::Create(Options options) {
  CURLU* url = curl_url();
  const CURLUcode parsed = curl_url_set(url, CURLUPART_URL, options.base_url.c_str(), 0);
  char* scheme = nullptr;
  char* host = nullptr;
  char* port = nullptr;
  std::string name;
  bool ok = parsed == CURLUE_OK &&
            curl_url_get(url, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
            curl_url_get(url, CURLUPART_HOST, &host, 0) == CURLUE_OK;
  if (ok) {
    ok = absl::string_view(scheme) == "http" || absl::string_view(scheme) == "https";
    name = host;
    if (curl_url_get(url, CURLUPART_PORT, &port, 0) == CURLUE_OK) {
      absl::StrAppend(&name, ":", port);
    }
  }
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(url);
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "upstream \"", options.base_url, "\" is not an http:// or https:// URL"));
  }
  // Request paths start with '/'; a trailing one on the base would double it.
  while (absl::EndsWith(options.base_url, "/")) options.base_url.pop_back();
  return std::unique_ptr<CurlHttpClient>(
      new CurlHttpClient(std::make_unique<Loop>(std::move(options), std::move(name))));
}

CurlHttpClient::CurlHttpClient(std::unique_ptr<Loop> loop) : loop_(std::move(loop)) {}
CurlHttpClient::~CurlHttpClient() = default;

HttpClient::CallId CurlHttpClient::Start(HttpRequest request, absl::Time deadline,
                                         Callback done) {
  return loop_->Submit(std::move(request), deadline, std::move(done));
}

void CurlHttpClient::Cancel(CallId id) { loop_->Cancel(id); }

}  // namespace gateway_proxy
