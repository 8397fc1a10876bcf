// A misbehaving HTTP upstream on 127.0.0.1:0 for fault tests: each request
// is read off the socket, then a script the test gives decides what the
// connection sees — bytes, silence, a close or a reset (RST).
//
//   ScriptedUpstream upstream([](Connection& c) {
//     c.Write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"na");
//     c.Reset();  // the response breaks off mid-body
//   });
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace gateway_proxy::testing {

class ScriptedUpstream {
 public:
  // One accepted connection, as the script sees it.
  class Connection {
   public:
    explicit Connection(int fd, const absl::Notification* stopping)
        : fd_(fd), stopping_(stopping) {}
    // Sends `bytes`; false once the peer is gone.
    bool Write(const std::string& bytes);
    // Closes the connection with a TCP reset.
    void Reset();
    // Closes it politely (FIN).
    void Close();
    // Waits `duration`, or less if the upstream is being destroyed.
    void Hold(absl::Duration duration);
    // Reads the next request on this connection; false when the peer
    // closed it first. Called once for the first request before the script.
    bool ReadRequest();
    // The request line and headers of the request last read, without the
    // blank line that ends them.
    const std::string& request_head() const { return request_head_; }
    // Its body (Content-Length bytes).
    const std::string& request_body() const { return request_body_; }
    bool open() const { return fd_ >= 0; }

   private:
    int fd_;
    const absl::Notification* stopping_;
    std::string buffer_;
    std::string request_head_;
    std::string request_body_;
  };

  // Runs `script` on a thread of its own for every connection, after its
  // first request has been read (or, with read_first_request false, as soon
  // as the connection is accepted: for peers that do not speak HTTP).
  // With listen_now false the port is bound but refuses connections
  // (ECONNREFUSED) until Listen().
  explicit ScriptedUpstream(std::function<void(Connection&)> script,
                            bool read_first_request = true, bool listen_now = true);
  ~ScriptedUpstream();

  void Listen();

  int port() const { return port_; }
  std::string base_url() const;
  int requests() const { return requests_.load(); }
  int connections() const { return connections_.load(); }
  // Connections whose script has ended and which this side has closed.
  int closed() const { return closed_.load(); }
  // Blocks until `closed()` reaches `n` or `timeout` passes; whether it did.
  bool WaitForClosed(int n, absl::Duration timeout) const;
  // Blocks until `connections()` reaches `n` or `timeout` passes; whether
  // it did. The kernel completes a handshake before the connection is
  // accepted (and counted) here.
  bool WaitForConnections(int n, absl::Duration timeout) const;

 private:
  void Accept();

  std::function<void(Connection&)> script_;
  const bool read_first_request_;
  int listen_fd_ = -1;
  int port_ = 0;
  absl::Notification stopping_;
  std::thread acceptor_;
  std::vector<std::thread> workers_;
  std::atomic<int> requests_{0};
  std::atomic<int> connections_{0};
  std::atomic<int> closed_{0};
  std::atomic<bool> listening_{false};
  friend class Connection;
};

// An HTTP/1.1 response with a Content-Length, ready to Write().
std::string HttpResponseBytes(int status, const std::string& content_type,
                              const std::string& body, bool keep_alive = true);

}  // namespace gateway_proxy::testing
