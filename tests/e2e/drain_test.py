#!/usr/bin/env python3
"""Graceful drain: SIGTERM while calls are in flight lets every one of them
finish, refuses new calls, and exits 0."""

import http.server
import os
import signal
import sys
import tempfile
import threading
import unittest
from concurrent import futures

import grpc

from gateway import gateway_pb2, gateway_pb2_grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_test import PROXY_BIN, Server  # noqa: E402

IN_FLIGHT = 8
# grpc.health.v1 messages by hand (Debian's grpcio has no grpc_health):
# an empty HealthCheckRequest, and HealthCheckResponse{status} as bytes.
SERVING = b"\x08\x01"
NOT_SERVING = b"\x08\x02"


def health(channel):
    check = channel.unary_unary("/grpc.health.v1.Health/Check")
    return check(b"", timeout=5)
USER_JSON = b'{"name":"accounts/acme/users/alice","role":"admin"}'


class HeldUpstream(http.server.ThreadingHTTPServer):
    """Answers every PATCH only once `release` is set."""

    daemon_threads = True

    def __init__(self):
        self.release = threading.Event()
        self.arrived = threading.Semaphore(0)
        super().__init__(("127.0.0.1", 0), HeldHandler)


class HeldHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_PATCH(self):  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.arrived.release()
        self.server.release.wait(timeout=30)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(USER_JSON)))
        self.end_headers()
        self.wfile.write(USER_JSON)

    def log_message(self, *args):
        pass


class DrainTest(unittest.TestCase):

    def test_sigterm_lets_in_flight_calls_finish_and_exits_zero(self):
        upstream = HeldUpstream()
        threading.Thread(target=upstream.serve_forever, daemon=True).start()
        self.addCleanup(upstream.shutdown)
        with tempfile.TemporaryDirectory() as log_dir:
            proxy = Server("gateway-proxy", [
                PROXY_BIN, "--listen=127.0.0.1:0", "--drain_timeout=20s",
                f"--upstream=http://127.0.0.1:{upstream.server_address[1]}"], log_dir)
            try:
                channel = grpc.insecure_channel(proxy.address)
                stub = gateway_pb2_grpc.GatewayStub(channel)
                request = gateway_pb2.UpdateUserRequest(
                    account_id="acme", user_id="alice",
                    user=gateway_pb2.User(role="admin"))
                pool = futures.ThreadPoolExecutor(IN_FLIGHT)
                calls = [pool.submit(stub.UpdateUser, request,
                                     metadata=[("x-api-key", "k")], timeout=30)
                         for _ in range(IN_FLIGHT)]
                for _ in range(IN_FLIGHT):
                    self.assertTrue(upstream.arrived.acquire(timeout=20),
                                    "a call never reached the upstream")

                self.assertEqual(health(channel), SERVING)
                proxy.process.send_signal(signal.SIGTERM)
                # Readiness goes NOT_SERVING once the drain has begun: wait
                # for that state (bounded), then check what a new call gets.
                for _ in range(500):
                    if health(channel) == NOT_SERVING:
                        break
                else:
                    self.fail("health never went NOT_SERVING after SIGTERM")
                # A new call is refused while the old calls drain.
                late = grpc.insecure_channel(proxy.address)
                with self.assertRaises(grpc.RpcError) as refused:
                    gateway_pb2_grpc.GatewayStub(late).UpdateUser(
                        request, metadata=[("x-api-key", "k")], timeout=5)
                self.assertEqual(refused.exception.code(), grpc.StatusCode.UNAVAILABLE)
                late.close()

                upstream.release.set()
                for call in calls:
                    self.assertEqual(call.result(timeout=30).role, "admin")
                self.assertEqual(proxy.process.wait(timeout=30), 0)
                channel.close()
                pool.shutdown()
            finally:
                proxy.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
