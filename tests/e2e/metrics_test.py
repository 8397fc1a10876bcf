#!/usr/bin/env python3
"""The built binary's /metrics beyond the per-call series: message sizes,
the upstream status class, build info and the process_* family, checked
against what the test sent and against /proc of the proxy's process."""

import json
import os
import re
import sys
import tempfile
import time
import unittest
import urllib.request

import grpc

from gateway import gateway_pb2, gateway_pb2_grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_test import API_KEY, CALL_TIMEOUT_S, MOCK_BIN, PROXY_BIN, Server  # noqa: E402

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                       "CMakeLists.txt")) as cmake_lists:
    VERSION = re.search(r"^project\(gateway_proxy VERSION ([0-9.]+) ", cmake_lists.read(),
                        re.MULTILINE).group(1)


def samples_of(text):
    """{'name{labels}': value} of a Prometheus text scrape."""
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            series, value = line.rsplit(" ", 1)
            samples[series] = float(value)
    return samples


class MetricsTest(unittest.TestCase):

    def test_sizes_status_class_build_info_and_process_metrics(self):
        with tempfile.TemporaryDirectory() as work:
            mock = Server("mock-gateway", [MOCK_BIN, f"--api_key={API_KEY}",
                                           "--listen=127.0.0.1:0"], work)
            launched = time.time()
            proxy = Server("gateway-proxy",
                           [PROXY_BIN, "--listen=127.0.0.1:0", f"--upstream=http://{mock.address}",
                            "--metrics_listen=127.0.0.1:0", "--noaccess_log"], work)
            try:
                channel = grpc.insecure_channel(proxy.address)
                stub = gateway_pb2_grpc.GatewayStub(channel)
                request = gateway_pb2.UpdateUserRequest(
                    account_id="acme", user_id="alice", user=gateway_pb2.User(role="admin"))
                user = stub.UpdateUser(request, metadata=[("x-api-key", API_KEY)],
                                       timeout=CALL_TIMEOUT_S)
                with self.assertRaises(grpc.RpcError) as raised:
                    stub.UpdateUser(request, metadata=[("x-api-key", "wrong-key")],
                                    timeout=CALL_TIMEOUT_S)
                self.assertEqual(raised.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
                channel.close()
                with open(proxy.log_path) as log:
                    metrics_address = json.loads(log.readline())["metrics_address"]
                pid = proxy.process.pid
                fds = len(os.listdir(f"/proc/{pid}/fd"))
                with open(f"/proc/{pid}/statm") as statm:
                    resident = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
                with urllib.request.urlopen(f"http://{metrics_address}/metrics",
                                            timeout=CALL_TIMEOUT_S) as response:
                    text = response.read().decode()
                scraped = time.time()
            finally:
                self.assertEqual(proxy.stop(), 0)
                mock.stop()

        samples = samples_of(text)
        update = 'grpc_method="UpdateUser",grpc_service="gateway.Gateway"'
        self.assertEqual(samples[f"gateway_proxy_request_bytes_count{{{update}}}"], 2)
        self.assertEqual(samples[f"gateway_proxy_request_bytes_sum{{{update}}}"],
                         2 * len(request.SerializeToString()))
        self.assertEqual(samples[f"gateway_proxy_response_bytes_count{{{update}}}"], 1)
        self.assertEqual(samples[f"gateway_proxy_response_bytes_sum{{{update}}}"],
                         len(user.SerializeToString()))
        seconds = "gateway_proxy_upstream_request_seconds_count"
        self.assertEqual(samples[f'{seconds}{{http_method="PATCH",http_status_class="2xx"}}'], 1)
        self.assertEqual(samples[f'{seconds}{{http_method="PATCH",http_status_class="4xx"}}'], 1)
        self.assertEqual(samples[f'{seconds}{{http_method="PATCH",http_status_class="5xx"}}'], 0)
        self.assertEqual(samples['gateway_proxy_upstream_retries_total{http_method="PATCH"}'], 0)
        self.assertEqual(samples[f'gateway_proxy_build_info{{version="{VERSION}"}}'], 1)

        # The process's own figures, as /proc gave them around the scrape.
        start = samples["process_start_time_seconds"]
        self.assertGreaterEqual(start, int(launched) - 1)
        self.assertLessEqual(start, scraped)
        self.assertGreater(samples["process_cpu_seconds_total"], 0)
        self.assertLessEqual(samples["process_cpu_seconds_total"], 2 * (scraped - launched) + 1)
        self.assertLessEqual(abs(samples["process_open_fds"] - fds), 4)
        self.assertLess(abs(samples["process_resident_memory_bytes"] - resident),
                        resident * 0.25)
        # Label sets stay bounded: only the expected label names appear.
        for series in samples:
            if series.startswith("process_"):
                self.assertNotIn("{", series)
        for name in ("process_cpu_seconds_total", "process_resident_memory_bytes",
                     "process_open_fds", "process_start_time_seconds"):
            self.assertIn(f"# TYPE {name} {'counter' if name.endswith('_total') else 'gauge'}",
                          text)


if __name__ == "__main__":
    unittest.main()
