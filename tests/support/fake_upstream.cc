#include "support/fake_upstream.h"

#include <httplib.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace gateway_proxy::testing {

std::string RecordedRequest::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

FakeUpstream::FakeUpstream() : server_(std::make_unique<httplib::Server>()) { Serve(); }

FakeUpstream::FakeUpstream(const std::string& tls_cert, const std::string& tls_key,
                           const std::string& client_ca)
    : server_(std::make_unique<httplib::SSLServer>(
          tls_cert.c_str(), tls_key.c_str(), client_ca.empty() ? nullptr : client_ca.c_str())),
      tls_(true) {
  Serve();
}

void FakeUpstream::Serve() {
  handler_ = [](const RecordedRequest&) { return CannedResponse{200, "application/json", "{}", {}}; };
  auto handle = [this](const httplib::Request& req, httplib::Response& res) {
    RecordedRequest recorded;
    recorded.method = req.method;
    recorded.path = req.path;
    recorded.target = req.target;
    for (const auto& [key, value] : req.headers) recorded.headers.emplace_back(key, value);
    recorded.body = req.body;
    Handler handler;
    {
      absl::MutexLock lock(&mu_);
      requests_.push_back(recorded);
      handler = handler_;
    }
    CannedResponse response = handler(recorded);
    res.status = response.status;
    for (const auto& [key, value] : response.headers) res.set_header(key, value);
    res.set_content(response.body, response.content_type);
  };
  server_->Get(".*", handle);
  server_->Post(".*", handle);
  server_->Put(".*", handle);
  server_->Patch(".*", handle);
  server_->Delete(".*", handle);
  server_->Options(".*", handle);
  port_ = server_->bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() is a no-op until the accept loop runs, so a FakeUpstream
  // destroyed right away would never stop: wait for the loop to start.
  while (!server_->is_running()) std::this_thread::yield();
}

FakeUpstream::~FakeUpstream() {
  server_->stop();
  thread_.join();
}

void FakeUpstream::SetHandler(Handler handler) {
  absl::MutexLock lock(&mu_);
  handler_ = std::move(handler);
}

std::string FakeUpstream::base_url() const {
  return absl::StrCat(tls_ ? "https" : "http", "://127.0.0.1:", port_);
}

std::vector<RecordedRequest> FakeUpstream::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

bool FakeUpstream::WaitForRequests(size_t n, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return requests_.size() >= n;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

}  // namespace gateway_proxy::testing
