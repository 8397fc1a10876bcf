#!/usr/bin/env python3
"""The built binary's logs and metrics: one JSON access-log line per call on
stdout, a start-up configuration line on stderr, Prometheus samples,
environment variables as flags, and no credential anywhere in any of them."""

import json
import os
import socket
import sys
import tempfile
import unittest
import urllib.request

import grpc

from gateway import gateway_pb2, gateway_pb2_grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_test import API_KEY, CALL_TIMEOUT_S, MOCK_BIN, PROXY_BIN, Server  # noqa: E402

FILE_KEY = "file-key-do-not-log-5b1e"
BEARER_TOKEN = "bearer-token-do-not-log-77c2"
X_API_KEY = "x-api-key-do-not-log-90af"
CALLER_TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

# AccessLogEntry's fields (proto/gateway_proxy/logs.proto), in order.
ACCESS_LOG_KEYS = ["time", "grpc_method", "grpc_code", "http_method", "upstream_status",
                   "latency_ms", "upstream_latency_ms", "request_id", "error",
                   "upstream_error", "retries", "request_bytes", "response_bytes", "peer",
                   "user_agent", "trace_id", "span_id"]


class LogsTest(unittest.TestCase):

    def test_access_log_and_startup_line_and_no_credential_anywhere(self):
        with tempfile.TemporaryDirectory() as work:
            mock = Server("mock-gateway", [MOCK_BIN, f"--api_key={API_KEY}",
                                           "--listen=127.0.0.1:0"], work)
            key_file = os.path.join(work, "api_key")
            with open(key_file, "w") as f:
                f.write(FILE_KEY + "\n")
            stdout_path = os.path.join(work, "proxy.stdout")
            # Configured through the environment, as a container would be.
            env = dict(os.environ,
                       GATEWAY_PROXY_LISTEN="127.0.0.1:0",
                       GATEWAY_PROXY_UPSTREAM=f"http://{mock.address}",
                       GATEWAY_PROXY_API_KEY_FILE=key_file,
                       GATEWAY_PROXY_METRICS_LISTEN="127.0.0.1:0")
            proxy = Server("gateway-proxy", [PROXY_BIN], work, env=env,
                           stdout_copy=stdout_path)
            try:
                channel = grpc.insecure_channel(proxy.address)
                stub = gateway_pb2_grpc.GatewayStub(channel)
                request = gateway_pb2.UpdateUserRequest(
                    account_id="acme", user_id="alice", user=gateway_pb2.User(role="admin"))
                # The mock accepts only API_KEY: each of these is refused
                # upstream, but each credential did travel through the proxy.
                errors = []
                for metadata in ([("authorization", f"Bearer {BEARER_TOKEN}")],
                                 [("x-api-key", X_API_KEY)],
                                 [("x-request-id", "req-logs-1")]):
                    with self.assertRaises(grpc.RpcError) as raised:
                        stub.UpdateUser(request, metadata=metadata, timeout=CALL_TIMEOUT_S)
                    self.assertEqual(raised.exception.code(),
                                     grpc.StatusCode.PERMISSION_DENIED)
                    errors.append(raised.exception.details())
                user = stub.UpdateUser(request, metadata=[("x-api-key", API_KEY),
                                                          ("traceparent", CALLER_TRACEPARENT)],
                                       timeout=CALL_TIMEOUT_S)
                self.assertEqual(user.role, "admin")
                channel.close()
                # The start-up line names the metrics endpoint's bound port.
                with open(proxy.log_path) as log:
                    metrics_address = json.loads(log.readline())["metrics_address"]
                with urllib.request.urlopen(f"http://{metrics_address}/metrics",
                                            timeout=CALL_TIMEOUT_S) as response:
                    metrics = response.read().decode()
            finally:
                self.assertEqual(proxy.stop(), 0)
                mock.stop()
            stderr = proxy.log()
            with open(stdout_path) as f:
                stdout = f.read()

        for secret in (FILE_KEY, BEARER_TOKEN, X_API_KEY, API_KEY):
            self.assertNotIn(secret, stdout)
            self.assertNotIn(secret, stderr)
            self.assertNotIn(secret, metrics)

        samples = metrics.splitlines()
        update = 'grpc_method="UpdateUser",grpc_service="gateway.Gateway",grpc_type="unary"'
        for sample in [
                f"grpc_server_started_total{{{update}}} 4",
                f'grpc_server_handled_total{{grpc_code="PermissionDenied",{update}}} 3',
                f'grpc_server_handled_total{{grpc_code="OK",{update}}} 1',
                f"grpc_server_handling_seconds_count{{{update}}} 4",
                'gateway_proxy_upstream_requests_total{http_method="PATCH",http_status="403"} 3',
                'gateway_proxy_upstream_requests_total{http_method="PATCH",http_status="200"} 1',
                "gateway_proxy_inflight_rpcs 0"]:
            self.assertIn(sample, samples)

        startup = json.loads(stderr.splitlines()[0])
        self.assertEqual(startup["msg"], "serving")
        self.assertEqual(startup["address"], proxy.address)
        self.assertEqual(startup["api_key_file"], key_file)  # The path, not the key.

        lines = stdout.splitlines()
        self.assertEqual(lines[0], f"listening on {proxy.address}")
        entries = [json.loads(line) for line in lines[1:]]
        self.assertEqual(len(entries), 4)
        for entry in entries:
            self.assertEqual(list(entry), ACCESS_LOG_KEYS)
        self.assertEqual([(e["grpc_method"], e["grpc_code"], e["http_method"],
                           e["upstream_status"], e["request_id"]) for e in entries],
                         [("/gateway.Gateway/UpdateUser", "PERMISSION_DENIED", "PATCH", 403, ""),
                          ("/gateway.Gateway/UpdateUser", "PERMISSION_DENIED", "PATCH", 403, ""),
                          ("/gateway.Gateway/UpdateUser", "PERMISSION_DENIED", "PATCH", 403,
                           "req-logs-1"),
                          ("/gateway.Gateway/UpdateUser", "OK", "PATCH", 200, "")])
        # The message each caller got; the reply's size only on success.
        self.assertEqual([e["error"] for e in entries], errors + [""])
        self.assertEqual([e["response_bytes"] for e in entries],
                         [0, 0, 0, len(user.SerializeToString())])
        # Only the call that sent a traceparent is traced, in a span of the
        # proxy's own.
        self.assertEqual([e["trace_id"] for e in entries],
                         ["", "", "", "4bf92f3577b34da6a3ce929d0e0e4736"])
        self.assertEqual([e["span_id"] for e in entries[:3]], ["", "", ""])
        self.assertRegex(entries[3]["span_id"], r"^[0-9a-f]{16}$")
        self.assertNotEqual(entries[3]["span_id"], "00f067aa0ba902b7")
        for entry in entries:
            self.assertEqual(entry["request_bytes"], len(request.SerializeToString()))
            self.assertEqual((entry["upstream_error"], entry["retries"]), ("", 0))
            self.assertRegex(entry["peer"], r"^ipv4:127\.0\.0\.1:\d+$")
            self.assertRegex(entry["user_agent"], r"^grpc-python/")
            self.assertRegex(entry["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertIsInstance(entry["latency_ms"], (int, float))
            self.assertGreaterEqual(entry["latency_ms"], entry["upstream_latency_ms"])
            self.assertGreater(entry["upstream_latency_ms"], 0)

    def test_invalid_utf8_from_a_client_is_refused_without_a_log_line_per_call(self):
        # UpdateUserRequest{account_id: "acme", user_id: "\xff\xfe"}, which
        # generated stubs refuse to build: sent as raw bytes.
        raw = b"\x0a\x04acme\x12\x02\xff\xfe"
        with tempfile.TemporaryDirectory() as work:
            proxy = Server("gateway-proxy", [PROXY_BIN, "--listen=127.0.0.1:0",
                                             "--upstream=http://127.0.0.1:9"], work)
            try:
                with grpc.insecure_channel(proxy.address) as channel:
                    call = channel.unary_unary("/gateway.Gateway/UpdateUser")
                    for _ in range(20):
                        with self.assertRaises(grpc.RpcError) as raised:
                            call(raw, metadata=[("x-api-key", "k")], timeout=CALL_TIMEOUT_S)
                        self.assertEqual(raised.exception.code(),
                                         grpc.StatusCode.INVALID_ARGUMENT)
                        self.assertEqual(
                            raised.exception.details(),
                            "the request message does not parse as gateway.UpdateUserRequest")
            finally:
                self.assertEqual(proxy.stop(), 0)
            lines = proxy.log().splitlines()
        # The start-up line and the drain notice; nothing per call.
        self.assertEqual(json.loads(lines[0])["msg"], "serving")
        self.assertEqual(len(lines), 2, lines)
        draining = json.loads(lines[1])
        self.assertEqual(list(draining), ["time", "level", "msg", "signal", "drain_timeout"])
        self.assertEqual((draining["level"], draining["msg"], draining["signal"],
                          draining["drain_timeout"]), ("info", "draining", "SIGTERM", "10s"))
        self.assertRegex(draining["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

    def test_command_line_wins_over_the_environment(self):
        with tempfile.TemporaryDirectory() as work:
            env = dict(os.environ, GATEWAY_PROXY_LISTEN="nope",
                       GATEWAY_PROXY_UPSTREAM="http://127.0.0.1:9")
            proxy = Server("gateway-proxy", [PROXY_BIN, "--listen=127.0.0.1:0"], work, env=env)
            self.assertTrue(proxy.address.startswith("127.0.0.1:"))
            self.assertEqual(proxy.stop(), 0)


    def test_refused_upstream_is_logged_with_its_reason(self):
        with tempfile.TemporaryDirectory() as work:
            # A port bound and closed again: nothing listens there.
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            stdout_path = os.path.join(work, "proxy.stdout")
            proxy = Server("gateway-proxy", [PROXY_BIN, "--listen=127.0.0.1:0",
                                             f"--upstream=http://127.0.0.1:{port}"],
                           work, stdout_copy=stdout_path)
            try:
                with grpc.insecure_channel(proxy.address) as channel:
                    stub = gateway_pb2_grpc.GatewayStub(channel)
                    with self.assertRaises(grpc.RpcError) as raised:
                        stub.GetUser(gateway_pb2.GetUserRequest(account_id="acme",
                                                                user_id="alice"),
                                     metadata=[("x-api-key", "k")], timeout=CALL_TIMEOUT_S)
            finally:
                self.assertEqual(proxy.stop(), 0)
            with open(stdout_path) as f:
                lines = f.read().splitlines()
        self.assertEqual(raised.exception.code(), grpc.StatusCode.UNAVAILABLE)
        self.assertEqual(len(lines), 2, lines)
        entry = json.loads(lines[1])
        self.assertEqual(list(entry), ACCESS_LOG_KEYS)
        self.assertEqual((entry["grpc_code"], entry["upstream_status"], entry["upstream_error"],
                          entry["retries"], entry["error"]),
                         ("UNAVAILABLE", 0, "refused", 0, raised.exception.details()))

    def test_log_level_error_drops_the_info_lines(self):
        with tempfile.TemporaryDirectory() as work:
            proxy = Server("gateway-proxy", [PROXY_BIN, "--listen=127.0.0.1:0",
                                             "--upstream=http://127.0.0.1:9",
                                             "--log_level=error"], work)
            self.assertEqual(proxy.stop(), 0)
            # No start-up line, no drain notice: both are info.
            self.assertEqual(proxy.log(), "")

    def test_log_level_debug_keeps_the_startup_line(self):
        with tempfile.TemporaryDirectory() as work:
            proxy = Server("gateway-proxy", [PROXY_BIN, "--listen=127.0.0.1:0",
                                             "--upstream=http://127.0.0.1:9",
                                             "--log_level=debug"], work)
            self.assertEqual(proxy.stop(), 0)
            startup = json.loads(proxy.log().splitlines()[0])
        self.assertEqual((startup["msg"], startup["log_level"]), ("serving", "debug"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
