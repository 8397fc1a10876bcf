#!/usr/bin/env python3
"""End-to-end: the built gateway-proxy in front of the built mock-gateway.

Each test starts a fresh mock-gateway (seeded with acme/alice and acme/bob)
and a gateway-proxy whose --upstream is that mock, both on loopback port 0,
and calls gateway.Gateway/UpdateUser with the stubs generated from proto/.
The mock's own REST API (urllib) shows what the proxy's PATCH stored.

Run by CTest with /usr/bin/python3 and:
  PYTHONPATH         the generated Python stubs (build/gen/python)
  GATEWAY_PROXY_BIN  the gateway-proxy binary
  MOCK_GATEWAY_BIN   the mock-gateway binary
"""

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.error
import urllib.request

import grpc
from google.rpc import error_details_pb2, status_pb2

from gateway import gateway_pb2, gateway_pb2_grpc

PROXY_BIN = os.environ.get("GATEWAY_PROXY_BIN", "")
MOCK_BIN = os.environ.get("MOCK_GATEWAY_BIN", "")

API_KEY = "e2e-key-0000"  # What the mock accepts; a throwaway value.
WRONG_KEY = "e2e-wrong-key"
STARTUP_TIMEOUT_S = 20
CALL_TIMEOUT_S = 10
STOP_TIMEOUT_S = 10


class _FirstLine:
    """Reads a process's first stdout line back from the file it writes to."""

    def __init__(self, path, process):
        self.path = path
        self.process = process

    def readline(self):
        import time
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            with open(self.path, "rb") as f:
                line = f.readline()
            if line.endswith(b"\n") or self.process.poll() is not None:
                return line
            time.sleep(0.02)  # The file has no readiness event to wait on.
        return b""

    def close(self):
        pass


class Server:
    """A binary that prints "listening on HOST:PORT" once it serves."""

    def __init__(self, name, argv, log_dir, env=None, stdout_copy=None):
        """stdout_copy: a file that receives all of stdout, the first line
        included (the pipe is then only read for that first line)."""
        self.name = name
        self.log_path = os.path.join(log_dir, f"{name}.log")
        with open(self.log_path, "wb") as log:
            if stdout_copy is not None:
                # tee-like: the process writes to the file; the first line is
                # read back from it below.
                self._stdout_file = open(stdout_copy, "wb")
                self.process = subprocess.Popen(
                    argv, stdin=subprocess.DEVNULL, stdout=self._stdout_file,
                    stderr=log, env=env)
                self.process.stdout = _FirstLine(stdout_copy, self.process)
            else:
                self.process = subprocess.Popen(
                    argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                    stderr=log, env=env)
        # readline() blocks, so it runs on a thread and the wait has a
        # deadline instead.
        lines = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.process.stdout.readline()),
                         daemon=True).start()
        try:
            line = lines.get(timeout=STARTUP_TIMEOUT_S).decode()
        except queue.Empty:
            line = ""
        prefix = "listening on "
        if not line.startswith(prefix):
            self.stop()
            raise AssertionError(
                f"{name} did not print '{prefix}HOST:PORT' within "
                f"{STARTUP_TIMEOUT_S} s (first line {line!r}); its log:\n"
                f"{self.log()}")
        self.address = line[len(prefix):].strip()

    def stop(self):
        """SIGTERM, then SIGKILL after STOP_TIMEOUT_S; the exit status."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        if hasattr(self, "_stdout_file"):
            self._stdout_file.close()
        return self.process.returncode

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            return log.read()


def rpc_status(error):
    """The google.rpc.Status in the grpc-status-details-bin trailer."""
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            return status_pb2.Status.FromString(value)
    raise AssertionError(f"no grpc-status-details-bin in {error!r}")


def unpack_details(error, message_type):
    """Every detail of type `message_type` the error carries."""
    found = []
    for detail in rpc_status(error).details:
        if detail.Is(message_type.DESCRIPTOR):
            message = message_type()
            detail.Unpack(message)
            found.append(message)
    return found


@unittest.skipUnless(PROXY_BIN and MOCK_BIN,
                     "GATEWAY_PROXY_BIN and MOCK_GATEWAY_BIN must be set")
class GatewayProxyEndToEndTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="gateway-proxy-e2e-")
        self.addCleanup(self.dir.cleanup)
        self.servers = []
        self.channel = None

    def tearDown(self):
        if self.channel is not None:
            self.channel.close()
        for server in reversed(self.servers):
            server.stop()
        if self._failed():
            for server in self.servers:
                print(f"\n--- {server.name} log ---\n{server.log()}",
                      file=sys.stderr)

    def _failed(self):
        # unittest keeps no public "did this test fail" flag.
        result = getattr(getattr(self, "_outcome", None), "result", None)
        if result is None:
            return False
        return any(test is self for test, _ in result.errors + result.failures)

    # --- Set-up helpers ---------------------------------------------------

    def start(self, status_table="v2", proxy_key=API_KEY):
        """Starts the mock and a proxy holding `proxy_key` in its key file."""
        self.mock = Server("mock-gateway", [
            MOCK_BIN, f"--api_key={API_KEY}", "--listen=127.0.0.1:0",
            f"--status_table={status_table}"], self.dir.name)
        self.servers.append(self.mock)
        key_file = os.path.join(self.dir.name, "api_key")
        with open(key_file, "w", encoding="utf-8") as f:
            f.write(proxy_key + "\n")
        self.proxy = Server("gateway-proxy", [
            PROXY_BIN, "--listen=127.0.0.1:0",
            f"--upstream=http://{self.mock.address}",
            f"--api_key_file={key_file}"], self.dir.name)
        self.servers.append(self.proxy)
        if self.channel is not None:
            self.channel.close()
        self.channel = grpc.insecure_channel(self.proxy.address)
        self.stub = gateway_pb2_grpc.GatewayStub(self.channel)

    def update_user(self, account, user_id, metadata=(), mask=(), **fields):
        request = gateway_pb2.UpdateUserRequest(
            account_id=account, user_id=user_id,
            user=gateway_pb2.User(**fields))
        request.update_mask.paths.extend(mask)
        return self.stub.UpdateUser(request, metadata=list(metadata),
                                    timeout=CALL_TIMEOUT_S)

    def update_user_error(self, *args, **kwargs):
        with self.assertRaises(grpc.RpcError) as raised:
            self.update_user(*args, **kwargs)
        return raised.exception

    def rest(self, method, path, body=None):
        """Calls the mock's REST API directly; the decoded JSON reply."""
        request = urllib.request.Request(
            f"http://{self.mock.address}{path}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {API_KEY}",
                     "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=CALL_TIMEOUT_S) as reply:
            return json.load(reply)

    # --- Successful calls -------------------------------------------------

    def test_update_user_returns_the_updated_user(self):
        self.start()
        user = self.update_user("acme", "alice", role="admin",
                                display_name="Alice Liddell")
        self.assertEqual(user.name, "accounts/acme/users/alice")
        self.assertEqual(user.display_name, "Alice Liddell")
        self.assertEqual(user.role, "admin")
        self.assertEqual(user.email, "alice@example.com")
        self.assertTrue(user.HasField("service_account"))
        self.assertFalse(user.service_account)
        self.assertFalse(user.HasField("permission_preset"))
        self.assertEqual(user.state, gateway_pb2.User.READY)
        self.assertTrue(user.HasField("create_time"))
        self.assertGreater(user.update_time.ToNanoseconds(),
                           user.create_time.ToNanoseconds())

    def test_patch_changes_only_the_fields_sent(self):
        self.start()
        bob = "/v1/accounts/acme/users/bob"
        self.rest("PATCH", bob, {"role": "user", "serviceAccount": True})
        before = self.rest("GET", bob)

        # serviceAccount false is sent on purpose: a set-but-false optional
        # field must reach the REST API, not be dropped as a default.
        self.update_user("acme", "bob", role="user", display_name="Robert",
                         service_account=False)

        after = self.rest("GET", bob)
        changed = {key for key in before.keys() | after.keys()
                   if before.get(key) != after.get(key)}
        self.assertEqual(changed, {"displayName", "serviceAccount", "updateTime"})
        self.assertEqual(after["displayName"], "Robert")
        self.assertIs(after["serviceAccount"], False)
        self.assertEqual(after["email"], "bob@example.com")
        self.assertEqual(after["role"], "user")

    def test_update_mask_limits_what_changes(self):
        self.start()
        user = self.update_user("acme", "bob", mask=["display_name"],
                                role="admin", display_name="Robert",
                                email="robert@example.com")
        self.assertEqual(user.display_name, "Robert")
        self.assertEqual(user.role, "user")
        self.assertEqual(user.email, "bob@example.com")
        stored = self.rest("GET", "/v1/accounts/acme/users/bob")
        self.assertEqual((stored["displayName"], stored["role"], stored["email"]),
                         ("Robert", "user", "bob@example.com"))

    # --- Credentials ------------------------------------------------------

    def test_x_api_key_metadata_becomes_the_bearer_key(self):
        self.start(proxy_key=WRONG_KEY)
        user = self.update_user("acme", "alice", metadata=[("x-api-key", API_KEY)],
                                role="admin")
        self.assertEqual(user.name, "accounts/acme/users/alice")

    def test_wrong_x_api_key_is_permission_denied(self):
        self.start()
        error = self.update_user_error(
            "acme", "alice", metadata=[("x-api-key", WRONG_KEY)], role="admin")
        self.assertEqual(error.code(), grpc.StatusCode.PERMISSION_DENIED)
        self.assertEqual(error.details(), "unauthorized")

    def test_authorization_metadata_is_forwarded_verbatim(self):
        self.start(proxy_key=WRONG_KEY)
        user = self.update_user(
            "acme", "alice", metadata=[("authorization", f"Bearer {API_KEY}")],
            role="admin")
        self.assertEqual(user.name, "accounts/acme/users/alice")

    def test_wrong_authorization_is_permission_denied(self):
        self.start()
        for value in (f"Bearer {WRONG_KEY}", f"Basic {API_KEY}"):
            with self.subTest(authorization=value):
                error = self.update_user_error(
                    "acme", "alice", metadata=[("authorization", value)],
                    role="admin")
                self.assertEqual(error.code(), grpc.StatusCode.PERMISSION_DENIED)
                self.assertEqual(error.details(), "unauthorized")

    def test_wrong_api_key_file_is_permission_denied(self):
        self.start(proxy_key=WRONG_KEY)
        error = self.update_user_error("acme", "alice", role="admin")
        self.assertEqual(error.code(), grpc.StatusCode.PERMISSION_DENIED)
        self.assertEqual(error.details(), "unauthorized")

    # --- Errors with details ---------------------------------------------

    def test_missing_role_is_invalid_argument_before_any_rest_call(self):
        self.start()
        error = self.update_user_error("acme", "alice",
                                       display_name="Alice Liddell")
        self.assertEqual(error.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(rpc_status(error).code,
                         grpc.StatusCode.INVALID_ARGUMENT.value[0])
        [bad_request] = unpack_details(error, error_details_pb2.BadRequest)
        self.assertEqual([v.field for v in bad_request.field_violations],
                         ["user.role"])
        # Once the mock has exited its log is complete: no PATCH reached it.
        self.assertEqual(self.mock.stop(), 0)
        self.assertNotIn("PATCH", self.mock.log())

    def test_unknown_user_is_not_found_with_error_info(self):
        self.start()
        error = self.update_user_error("acme", "zed", role="user")
        self.assertEqual(error.code(), grpc.StatusCode.NOT_FOUND)
        self.assertEqual(error.details(), "user accounts/acme/users/zed not found")
        [info] = unpack_details(error, error_details_pb2.ErrorInfo)
        self.assertEqual(info.reason, "USER_NOT_FOUND")
        self.assertEqual(info.domain, "gateway.fireworks.ai")
        self.assertEqual(dict(info.metadata),
                         {"account_id": "acme", "user_id": "zed"})

    def test_failed_precondition_survives_both_status_tables(self):
        # The mock answers 400 (v2) or 412 (v1); the body's code wins.
        for table in ("v2", "v1"):
            with self.subTest(status_table=table):
                self.start(status_table=table)
                error = self.update_user_error("acme", "alice", role="admin",
                                               permission_preset="viewer")
                self.assertEqual(error.code(), grpc.StatusCode.FAILED_PRECONDITION)
                self.assertEqual(
                    error.details(),
                    'user.permission_preset requires role "custom", not "admin"')
                [failure] = unpack_details(error,
                                           error_details_pb2.PreconditionFailure)
                self.assertEqual(
                    [(v.type, v.subject) for v in failure.violations],
                    [("ROLE", "accounts/acme/users/alice")])

    # --- Lifecycle --------------------------------------------------------

    def test_both_exit_zero_on_sigterm(self):
        self.start()
        self.channel.close()
        self.channel = None
        self.assertEqual(self.proxy.stop(), 0)
        self.assertEqual(self.mock.stop(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
