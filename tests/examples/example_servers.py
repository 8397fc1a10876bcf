"""What the example-client tests run the clients against, and what they print.

start_gateway(test) starts a fresh mock-gateway (seeded: acme/alice, admin,
"Alice"; acme/bob, user, "Bob") and a gateway-proxy in front of it, both on
loopback port 0, the proxy holding the mock's API key in --api_key_file, as
a deployment would. start_throttled_proxy(test) puts a proxy in front of an
upstream that answers every request 429 with Retry-After: 7. Both stop their
servers in the test's cleanups.

Servers print "listening on HOST:PORT" as their first stdout line; a thread
reads it and then keeps draining stdout (the proxy's access log), so a
server never blocks on a full pipe.

Environment (set by tests/CMakeLists.txt): GATEWAY_PROXY_BIN,
MOCK_GATEWAY_BIN, SOURCE_DIR, BUILD_DIR.
"""

import http.server
import json
import os
import queue
import subprocess
import tempfile
import threading

PROXY_BIN = os.environ["GATEWAY_PROXY_BIN"]
MOCK_BIN = os.environ["MOCK_GATEWAY_BIN"]
SOURCE_DIR = os.environ["SOURCE_DIR"]
BUILD_DIR = os.environ["BUILD_DIR"]

API_KEY = "examples-key-0000"  # What the mock accepts; a throwaway value.
WRONG_KEY = "examples-wrong-key"
STARTUP_TIMEOUT_S = 20
STOP_TIMEOUT_S = 10
CLIENT_TIMEOUT_S = 60

# What every example prints after "<Method> failed: " for the same errors.
MISSING_ROLE = (
    "INVALID_ARGUMENT: missing required field: user.role\n"
    "  BadRequest:\n"
    "    field user.role: required field is missing\n")
ZED_NOT_FOUND = (
    "NOT_FOUND: user accounts/acme/users/zed not found\n"
    "  ErrorInfo: reason=USER_NOT_FOUND domain=gateway.fireworks.ai\n"
    "    account_id=acme\n"
    "    user_id=zed\n")
PRESET_WITHOUT_CUSTOM_ROLE = (
    'FAILED_PRECONDITION: user.permission_preset requires role "custom", not "user"\n'
    "  PreconditionFailure:\n"
    '    ROLE accounts/acme/users/bob: permission_preset applies only to role '
    '"custom"; the role is "user"\n')
# The mock's auth layer answers a wrong key 403 {"error":"unauthorized"}.
WRONG_KEY_DENIED = "PERMISSION_DENIED: unauthorized\n"
THROTTLED = (
    "RESOURCE_EXHAUSTED: too many requests for account acme\n"
    "  RetryInfo: retry after 7s\n")


class Server:
    """A binary that prints "listening on HOST:PORT" once it serves."""

    def __init__(self, name, argv, log_dir):
        self.name = name
        self.log_path = os.path.join(log_dir, f"{name}.log")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                            stdout=subprocess.PIPE, stderr=log)
        first_line = queue.Queue()
        self._lines = []  # stdout after the first line (the proxy's access log)
        self._new_line = threading.Condition()

        def drain():
            first_line.put(self.process.stdout.readline())
            for line in self.process.stdout:
                with self._new_line:
                    self._lines.append(line.decode(errors="replace"))
                    self._new_line.notify_all()

        self._drain = threading.Thread(target=drain, daemon=True)
        self._drain.start()
        try:
            line = first_line.get(timeout=STARTUP_TIMEOUT_S).decode()
        except queue.Empty:
            line = ""
        prefix = "listening on "
        if not line.startswith(prefix):
            self.stop()
            with open(self.log_path, encoding="utf-8", errors="replace") as log:
                raise AssertionError(
                    f"{name} did not print '{prefix}HOST:PORT' within "
                    f"{STARTUP_TIMEOUT_S} s (first line {line!r}); its log:\n"
                    f"{log.read()}")
        self.address = line[len(prefix):].strip()

    def lines_once(self, done, timeout=STARTUP_TIMEOUT_S):
        """The stdout lines after "listening on" as soon as done(lines) is
        true, or after `timeout` s (the proxy writes its access log every
        10 ms, after the calls' answers)."""
        with self._new_line:
            self._new_line.wait_for(lambda: done(self._lines), timeout)
            return list(self._lines)

    def stop(self):
        """SIGTERM, then SIGKILL after STOP_TIMEOUT_S."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._drain.join()  # stdout ends with the process.
        self.process.stdout.close()


def _start_proxy(test, upstream):
    """A gateway-proxy for `upstream`, its key file holding API_KEY."""
    work_dir = tempfile.TemporaryDirectory(prefix="gateway-proxy-examples-")
    test.addCleanup(work_dir.cleanup)
    key_file = os.path.join(work_dir.name, "api_key")
    with open(key_file, "w", encoding="ascii") as f:
        f.write(API_KEY + "\n")
    proxy = Server("gateway-proxy", [
        PROXY_BIN, "--listen=127.0.0.1:0", f"--upstream={upstream}",
        f"--api_key_file={key_file}"], work_dir.name)
    test.addCleanup(proxy.stop)
    return proxy


def start_gateway_proxy(test):
    """Starts mock-gateway and a gateway-proxy in front of it for `test`;
    the proxy's Server."""
    log_dir = tempfile.TemporaryDirectory(prefix="mock-gateway-examples-")
    test.addCleanup(log_dir.cleanup)
    mock = Server("mock-gateway", [
        MOCK_BIN, f"--api_key={API_KEY}", "--listen=127.0.0.1:0"], log_dir.name)
    test.addCleanup(mock.stop)
    return _start_proxy(test, f"http://{mock.address}")


def start_gateway(test):
    """Like start_gateway_proxy; the proxy's HOST:PORT."""
    return start_gateway_proxy(test).address


class _ThrottlingHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({"code": 8, "message": "too many requests for account acme",
                           "details": []}).encode()
        self.send_response(429)
        self.send_header("Retry-After", "7")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = _answer

    def log_message(self, *args):
        pass


def start_throttled_proxy(test):
    """A gateway-proxy whose upstream answers every call 429, Retry-After: 7
    (the proxy turns that into a RetryInfo detail); its HOST:PORT."""
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ThrottlingHandler)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    test.addCleanup(upstream.server_close)
    test.addCleanup(upstream.shutdown)
    host, port = upstream.server_address
    return _start_proxy(test, f"http://{host}:{port}").address


def run(argv, env=None, cwd=None):
    """Runs a client as a user would; its CompletedProcess (text output)."""
    return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=CLIENT_TIMEOUT_S, cwd=cwd,
                          env={**os.environ, **(env or {})})


def without_times(user_json):
    """`user_json` (a User as JSON) without createTime and updateTime, which
    change with every run, after checking that both are there."""
    user = json.loads(user_json)
    for key in ("createTime", "updateTime"):
        if key not in user:
            raise AssertionError(f"no {key} in {user_json}")
        del user[key]
    return user
