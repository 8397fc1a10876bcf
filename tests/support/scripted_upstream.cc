#include "support/scripted_upstream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace gateway_proxy::testing {
namespace {

// Counts requests for the upstream that owns a connection.
thread_local std::atomic<int>* request_counter = nullptr;

}  // namespace

bool ScriptedUpstream::Connection::Write(const std::string& bytes) {
  size_t sent = 0;
  while (fd_ >= 0 && sent < bytes.size()) {
    const ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return fd_ >= 0;
}

void ScriptedUpstream::Connection::Reset() {
  if (fd_ < 0) return;
  linger hard{1, 0};  // Close with RST instead of FIN.
  setsockopt(fd_, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
  close(fd_);
  fd_ = -1;
}

void ScriptedUpstream::Connection::Close() {
  if (fd_ < 0) return;
  close(fd_);
  fd_ = -1;
}

void ScriptedUpstream::Connection::Hold(absl::Duration duration) {
  stopping_->WaitForNotificationWithTimeout(duration);
}

bool ScriptedUpstream::Connection::ReadRequest() {
  // Headers up to the blank line, then Content-Length bytes of body.
  for (;;) {
    const size_t end = buffer_.find("\r\n\r\n");
    if (end != std::string::npos) {
      size_t length = 0;
      for (absl::string_view line : absl::StrSplit(buffer_.substr(0, end), "\r\n")) {
        const size_t colon = line.find(':');
        if (colon != absl::string_view::npos &&
            absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(line.substr(0, colon)),
                                   "content-length")) {
          (void)absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(colon + 1)),
                                 &length);
        }
      }
      if (buffer_.size() >= end + 4 + length) {
        request_head_ = buffer_.substr(0, end);
        request_body_ = buffer_.substr(end + 4, length);
        buffer_.erase(0, end + 4 + length);
        if (request_counter != nullptr) ++*request_counter;
        return true;
      }
    }
    pollfd p{fd_, POLLIN, 0};
    if (fd_ < 0 || poll(&p, 1, 100) < 0) return false;
    if (stopping_->HasBeenNotified()) return false;
    if ((p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    char chunk[4096];
    const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

ScriptedUpstream::ScriptedUpstream(std::function<void(Connection&)> script,
                                   bool read_first_request, bool listen_now)
    : script_(std::move(script)), read_first_request_(read_first_request) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  if (listen_now) Listen();
  socklen_t size = sizeof(address);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &size);
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { Accept(); });
}

void ScriptedUpstream::Listen() {
  listen(listen_fd_, 64);
  listening_ = true;
}

void ScriptedUpstream::Accept() {
  for (;;) {
    if (!listening_) {
      if (stopping_.WaitForNotificationWithTimeout(absl::Milliseconds(5))) return;
      continue;
    }
    pollfd p{listen_fd_, POLLIN, 0};
    poll(&p, 1, 100);
    if (stopping_.HasBeenNotified()) return;
    if ((p.revents & POLLIN) == 0) continue;
    const int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    ++connections_;
    workers_.emplace_back([this, fd] {
      request_counter = &requests_;
      Connection connection(fd, &stopping_);
      if (!read_first_request_ || connection.ReadRequest()) script_(connection);
      connection.Close();
      ++closed_;
    });
  }
}

namespace {

bool WaitFor(const std::atomic<int>& count, int n, absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  while (count.load() < n) {
    if (absl::Now() >= give_up) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

}  // namespace

bool ScriptedUpstream::WaitForClosed(int n, absl::Duration timeout) const {
  return WaitFor(closed_, n, timeout);
}

bool ScriptedUpstream::WaitForConnections(int n, absl::Duration timeout) const {
  return WaitFor(connections_, n, timeout);
}

ScriptedUpstream::~ScriptedUpstream() {
  stopping_.Notify();
  acceptor_.join();
  for (auto& worker : workers_) worker.join();
  close(listen_fd_);
}

std::string ScriptedUpstream::base_url() const {
  return absl::StrCat("http://127.0.0.1:", port_);
}

std::string HttpResponseBytes(int status, const std::string& content_type,
                              const std::string& body, bool keep_alive) {
  return absl::StrCat("HTTP/1.1 ", status, " Status\r\nContent-Type: ", content_type,
                      "\r\nContent-Length: ", body.size(), "\r\nConnection: ",
                      keep_alive ? "keep-alive" : "close", "\r\n\r\n", body);
}

}  // namespace gateway_proxy::testing
