"""A scripted HTTP/1.1 upstream on a raw socket that records every request.

The end-to-end tests count what actually went over the wire: how many times a
request reached the upstream, on which connection, with which headers. An
ordinary HTTP server hides exactly that (and cannot read a request and then
hang up without answering), so this one parses HTTP/1.1 itself.

    upstream = RawUpstream(script)   # listens on 127.0.0.1, port 0
    ...
    upstream.requests()              # every Request received, in order
    upstream.wait_for(lambda requests: len(requests) >= 3)
    upstream.stop()

`script(request)` runs on the connection's thread once the whole request
(body included) has been read, and returns what to do:
  - bytes: send them (e.g. `response(200, USER_JSON)`), then read the next
    request on the same connection (keep-alive);
  - CLOSE: close the connection without answering.
It may block first (hold the call) for as long as it likes; `stop()` closes
every connection, so a held script finds its socket gone and the thread ends.
"""

import socket
import threading
import time

CLOSE = object()
_SOCKET_TIMEOUT_S = 60  # No connection thread outlives a stuck peer by more.


class Request:
    """One request as received: its connection and its place on it."""

    def __init__(self, connection, index, method, target, headers, body):
        self.connection = connection  # 0, 1, ... in the order accepted
        self.index = index  # 0 for a connection's first request
        self.method = method
        self.target = target
        self.headers = headers  # [(name, value)] as sent, in order
        self.body = body

    def header(self, name):
        """The value of the first header called `name` (any case), or None."""
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def __repr__(self):
        return (f"Request(connection={self.connection}, index={self.index}, "
                f"{self.method} {self.target}, {len(self.body)} body bytes)")


def response(status, body=b"", headers=(), content_type="application/json",
             reason="Reason"):
    """An HTTP/1.1 response with a Content-Length, kept alive."""
    if isinstance(body, str):
        body = body.encode()
    lines = [f"HTTP/1.1 {status} {reason}"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    lines.extend(f"{name}: {value}" for name, value in headers)
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class _Closed(Exception):
    pass


class _Connection:
    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def _more(self):
        data = self.sock.recv(65536)
        if not data:
            raise _Closed()
        self.buffer += data

    def read_until(self, marker):
        while marker not in self.buffer:
            self._more()
        head, _, self.buffer = self.buffer.partition(marker)
        return head

    def read_exactly(self, n):
        while len(self.buffer) < n:
            self._more()
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def read_request(self):
        """(method, target, headers, body) of the next request."""
        head = self.read_until(b"\r\n\r\n").decode("latin-1")
        request_line, *header_lines = head.split("\r\n")
        method, target, _version = request_line.split(" ", 2)
        headers = []
        for line in header_lines:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
        lookup = {name.lower(): value for name, value in headers}
        if lookup.get("expect", "").lower() == "100-continue":
            self.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        if lookup.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.read_until(b"\r\n").split(b";")[0], 16)
                if size == 0:
                    self.read_until(b"\r\n")  # No trailers expected.
                    break
                body += self.read_exactly(size)
                self.read_exactly(2)
        else:
            body = self.read_exactly(int(lookup.get("content-length", "0")))
        return method, target, headers, body


class RawUpstream:
    def __init__(self, script):
        self._script = script
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self.port = self._listener.getsockname()[1]
        self.address = f"127.0.0.1:{self.port}"
        self._changed = threading.Condition()
        self._requests = []
        self._sockets = []
        self._threads = []
        self._stopped = False
        self._accepted = 0
        acceptor = threading.Thread(target=self._accept, daemon=True)
        acceptor.start()
        self._threads.append(acceptor)

    # --- What was received ----------------------------------------------

    def requests(self):
        with self._changed:
            return list(self._requests)

    def connections(self):
        """How many connections were accepted so far."""
        with self._changed:
            return self._accepted

    def wait_for(self, predicate, timeout=10):
        """Waits until predicate(requests) is true; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(list(self._requests)):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True

    # --- Life cycle -----------------------------------------------------

    def stop(self):
        with self._changed:
            self._stopped = True
            sockets = list(self._sockets)
        for sock in [self._listener] + sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _accept(self):
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return  # stop() closed the listener.
            sock.settimeout(_SOCKET_TIMEOUT_S)
            with self._changed:
                if self._stopped:
                    sock.close()
                    return
                number = self._accepted
                self._accepted += 1
                self._sockets.append(sock)
                thread = threading.Thread(target=self._serve,
                                          args=(sock, number), daemon=True)
                self._threads.append(thread)
                self._changed.notify_all()
            thread.start()

    def _serve(self, sock, number):
        connection = _Connection(sock)
        index = 0
        try:
            while True:
                method, target, headers, body = connection.read_request()
                request = Request(number, index, method, target, headers, body)
                index += 1
                with self._changed:
                    self._requests.append(request)
                    self._changed.notify_all()
                answer = self._script(request)
                if answer is CLOSE:
                    return
                sock.sendall(answer)
        except (_Closed, OSError, ValueError):
            return
        finally:
            try:
                sock.close()
            except OSError:
                pass
