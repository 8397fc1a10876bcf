#!/usr/bin/env python3
"""The built binary's readiness with --upstream_health_interval: an upstream
port that refuses connections turns grpc.health.v1 NOT_SERVING on the health
listener, with one stderr line; once the port listens it turns SERVING,
with another. (The drain's precedence over the checks is
tests/upstream_health_test.cc's.)"""

import json
import os
import socket
import sys
import tempfile
import threading
import time
import unittest

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_test import PROXY_BIN, Server  # noqa: E402

WAIT_S = 20


def health(address, service=""):
    """HealthCheckResponse.status (1 SERVING, 2 NOT_SERVING) of `service`."""
    request = b"" if not service else b"\x0a" + bytes([len(service)]) + service.encode()
    with grpc.insecure_channel(address) as channel:
        check = channel.unary_unary("/grpc.health.v1.Health/Check")
        reply = check(request, timeout=5)
    return reply[1] if len(reply) == 2 and reply[0] == 0x08 else None


def await_health(address, want, service=""):
    deadline = time.monotonic() + WAIT_S
    got = health(address, service)
    while got != want and time.monotonic() < deadline:
        time.sleep(0.01)
        got = health(address, service)
    return got


def stderr_lines(proxy):
    with open(proxy.log_path) as log:
        return [json.loads(line) for line in log if line.strip()]


def await_line(proxy, msg):
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        for line in stderr_lines(proxy):
            if line["msg"] == msg:
                return line
        time.sleep(0.01)
    raise AssertionError(f"no {msg!r} line on stderr:\n{proxy.log()}")


def accept_and_close(listener):
    """Takes each connection the checks make, until the listener closes."""
    while True:
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        connection.close()


class UpstreamHealthTest(unittest.TestCase):

    def test_readiness_follows_the_upstream_with_a_line_per_transition(self):
        # Bound but not listening: connections to it are refused.
        upstream = socket.socket()
        upstream.bind(("127.0.0.1", 0))
        port = upstream.getsockname()[1]
        with tempfile.TemporaryDirectory() as work:
            proxy = Server("gateway-proxy",
                           [PROXY_BIN, "--listen=127.0.0.1:0", "--health_listen=127.0.0.1:0",
                            f"--upstream=http://127.0.0.1:{port}", "--noaccess_log",
                            "--upstream_health_interval=50ms",
                            "--upstream_health_failures=2"], work)
            try:
                health_address = stderr_lines(proxy)[0]["health_address"]
                self.assertEqual(await_health(health_address, 2), 2)
                self.assertEqual(health(health_address, "gateway.Gateway"), 2)
                down = await_line(proxy, "upstream unhealthy: not serving")
                self.assertEqual(list(down), ["time", "level", "msg", "upstream", "error",
                                              "failures"])
                self.assertEqual((down["level"], down["upstream"], down["failures"]),
                                 ("warn", f"http://127.0.0.1:{port}", "2"))
                self.assertIn(f"127.0.0.1 port {port}", down["error"])

                upstream.listen(16)
                threading.Thread(target=accept_and_close, args=(upstream,), daemon=True).start()
                self.assertEqual(await_health(health_address, 1), 1)
                self.assertEqual(health(health_address, "gateway.Gateway"), 1)
                up = await_line(proxy, "upstream healthy again: serving")
                self.assertEqual((up["level"], up["upstream"]),
                                 ("info", f"http://127.0.0.1:{port}"))
            finally:
                self.assertEqual(proxy.stop(), 0)
                upstream.close()


if __name__ == "__main__":
    unittest.main()
