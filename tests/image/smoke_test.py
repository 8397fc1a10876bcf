#!/usr/bin/env python3
"""The container image, run for real: the built image (IMAGE) started with
podman the way a restricted Kubernetes pod runs it (read-only root, no
capabilities, no privilege gain, UID 65532), in front of the host's
mock-gateway on loopback (the container shares the host's network).

Run by scripts/image-test.sh, which builds the image and sets:
  IMAGE              the image reference to run
  MOCK_GATEWAY_BIN   the host's mock-gateway binary
  PYTHONPATH         the generated Python stubs (build/gen/python)
  CONTAINER_IDS      a file this test appends each container ID to, so the
                     script removes them even if this process dies
  CONTAINERS_CONF, CONTAINERS_STORAGE_CONF  podman's settings and its
                     private storage, inherited by every podman call
"""

import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import unittest

import grpc
from google.rpc import error_details_pb2

from gateway import gateway_pb2, gateway_pb2_grpc

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))
from e2e_test import CALL_TIMEOUT_S, Server, unpack_details  # noqa: E402

IMAGE = os.environ.get("IMAGE", "")
MOCK_BIN = os.environ.get("MOCK_GATEWAY_BIN", "")
CONTAINER_IDS = os.environ.get("CONTAINER_IDS", "")

API_KEY = "image-test-key-0000"  # What the mock accepts; a throwaway value.
KEY_PATH = "/var/run/secrets/gateway/api-key"  # As deploy/ mounts it.
BINARY = "/usr/local/bin/gateway-proxy"
UID = 65532
PODMAN_TIMEOUT_S = 60
# A --health_listen port is chosen free here before the container binds it;
# another process may take it in between, so a start is tried this often.
START_ATTEMPTS = 3
# grpc.health.v1 messages by hand (Debian's grpcio has no grpc_health):
# an empty HealthCheckRequest, and HealthCheckResponse{status} as bytes.
SERVING = b"\x08\x01"


# Whatever ends the run, the processes started here stop: image-test.sh's
# clean-up sends SIGTERM, which unwinds as Ctrl-C does, then exit stops them.
# (The containers are removed by that script, by the IDs recorded here.)
_started = []
atexit.register(lambda: [server.stop() for server in reversed(_started)])
signal.signal(signal.SIGTERM, signal.default_int_handler)


def podman(*args, check=True):
    result = subprocess.run(["podman", *args], capture_output=True, text=True,
                            timeout=PODMAN_TIMEOUT_S)
    if check and result.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)} exited {result.returncode}: "
                             f"{result.stderr}")
    return result


def record_container(cidfile):
    """Adds the ID podman wrote to `cidfile` (if it got that far) to
    CONTAINER_IDS; the ID, or None."""
    try:
        with open(cidfile) as f:
            cid = f.read().strip()
    except FileNotFoundError:
        return None
    if cid:
        with open(CONTAINER_IDS, "a") as f:
            f.write(cid + "\n")
    return cid or None


def free_loopback_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def health(address):
    with grpc.insecure_channel(address) as channel:
        check = channel.unary_unary("/grpc.health.v1.Health/Check")
        return check(b"", timeout=CALL_TIMEOUT_S)


class Proxy:
    """gateway-proxy in a container: `podman run` in the foreground, so its
    stdout's first line gives the --listen port, as with the bare binary."""

    def __init__(self, upstream, work_dir, name):
        key_file = os.path.join(work_dir, "api-key")
        with open(key_file, "w", encoding="utf-8") as f:
            f.write(API_KEY + "\n")
        os.chmod(key_file, 0o444)  # The container's UID reads it.
        for attempt in range(1, START_ATTEMPTS + 1):
            self.health_address = f"127.0.0.1:{free_loopback_port()}"
            cidfile = os.path.join(work_dir, f"{name}-{attempt}.cid")
            try:
                self.server = Server(name, [
                    "podman", "run", f"--cidfile={cidfile}", "--network=host",
                    "--read-only", "--cap-drop=ALL",
                    "--security-opt=no-new-privileges",
                    f"--volume={key_file}:{KEY_PATH}:ro", IMAGE,
                    "--listen=127.0.0.1:0", f"--health_listen={self.health_address}",
                    f"--upstream=http://{upstream}", f"--api_key_file={KEY_PATH}",
                    "--drain_timeout=10s"], work_dir)
                _started.append(self.server)
            except AssertionError as error:
                cid = record_container(cidfile)
                if cid is not None:
                    podman("rm", "--force", "--time=0", cid, check=False)
                if "cannot listen on" in str(error) and attempt < START_ATTEMPTS:
                    continue
                raise
            self.cid = record_container(cidfile)
            self.address = self.server.address
            return

    def stub(self):
        self.channel = grpc.insecure_channel(self.address)
        return gateway_pb2_grpc.GatewayStub(self.channel)

    def stop(self):
        if getattr(self, "channel", None) is not None:
            self.channel.close()
        self.server.stop()
        podman("rm", "--force", "--time=0", self.cid, check=False)


@unittest.skipUnless(IMAGE and MOCK_BIN and CONTAINER_IDS,
                     "IMAGE, MOCK_GATEWAY_BIN and CONTAINER_IDS must be set "
                     "(scripts/image-test.sh sets them)")
class ImageTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.mock = Server("mock-gateway", [
            MOCK_BIN, f"--api_key={API_KEY}", "--listen=127.0.0.1:0"], cls.dir.name)
        _started.append(cls.mock)
        try:
            cls.proxy = Proxy(cls.mock.address, cls.dir.name, "gateway-proxy")
        except BaseException:
            cls.mock.stop()
            cls.dir.cleanup()
            raise
        cls.gateway = cls.proxy.stub()

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.mock.stop()
        cls.dir.cleanup()

    def update_user(self, account, user_id, **fields):
        request = gateway_pb2.UpdateUserRequest(
            account_id=account, user_id=user_id, user=gateway_pb2.User(**fields))
        return self.gateway.UpdateUser(request, timeout=CALL_TIMEOUT_S)

    def test_every_library_the_binary_links_is_in_the_image(self):
        cidfile = os.path.join(self.dir.name, "ldd.cid")
        try:
            result = subprocess.run(
                ["podman", "run", "--rm", f"--cidfile={cidfile}", "--network=none",
                 "--entrypoint=/usr/bin/ldd", IMAGE, BINARY],
                capture_output=True, text=True, timeout=PODMAN_TIMEOUT_S)
        finally:
            record_container(cidfile)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("not found", result.stdout)
        libraries = [line.split()[0] for line in result.stdout.splitlines()]
        for soname in ("libgrpc++.so.1.51", "libprotobuf.so.32", "libcurl.so.4",
                       "libprometheus-cpp-pull.so.1.0"):
            self.assertIn(soname, libraries)

    def test_runs_as_uid_65532_with_no_capabilities_and_no_privilege_gain(self):
        pid = podman("inspect", "--format={{.State.Pid}}", self.proxy.cid).stdout.strip()
        # The proxy's own process, seen from the host (no user namespace).
        with open(f"/proc/{pid}/status") as f:
            status = dict(line.rstrip("\n").split(":\t", 1) for line in f)
        self.assertEqual(status["Uid"].split(), [str(UID)] * 4)
        self.assertEqual(status["Gid"].split(), [str(UID)] * 4)
        self.assertEqual(status["CapEff"], "0000000000000000")
        self.assertEqual(status["CapPrm"], "0000000000000000")
        self.assertEqual(status["CapBnd"], "0000000000000000")
        self.assertEqual(status["NoNewPrivs"], "1")

    def test_root_filesystem_is_read_only_even_for_root(self):
        result = podman("exec", "--user=0", self.proxy.cid, "touch", "/written",
                        check=False)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr,
                         "touch: cannot touch '/written': Read-only file system\n")

    def test_health_is_serving_on_listen_and_on_health_listen(self):
        self.assertEqual(health(self.proxy.address), SERVING)
        self.assertEqual(health(self.proxy.health_address), SERVING)

    def test_health_listen_serves_no_gateway_method(self):
        with grpc.insecure_channel(self.proxy.health_address) as channel:
            with self.assertRaises(grpc.RpcError) as raised:
                gateway_pb2_grpc.GatewayStub(channel).UpdateUser(
                    gateway_pb2.UpdateUserRequest(account_id="acme", user_id="alice"),
                    timeout=CALL_TIMEOUT_S)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.UNIMPLEMENTED)

    def test_update_user_reaches_the_upstream_with_the_mounted_key(self):
        user = self.update_user("acme", "alice", role="admin",
                                display_name="Alice Liddell")
        self.assertEqual(user.name, "accounts/acme/users/alice")
        self.assertEqual(user.role, "admin")
        self.assertEqual(user.display_name, "Alice Liddell")
        self.assertEqual(user.email, "alice@example.com")
        self.assertEqual(user.state, gateway_pb2.User.READY)

    def test_unknown_user_is_not_found_with_error_info(self):
        with self.assertRaises(grpc.RpcError) as raised:
            self.update_user("acme", "zed", role="user")
        error = raised.exception
        self.assertEqual(error.code(), grpc.StatusCode.NOT_FOUND)
        self.assertEqual(error.details(), "user accounts/acme/users/zed not found")
        [info] = unpack_details(error, error_details_pb2.ErrorInfo)
        self.assertEqual(info.reason, "USER_NOT_FOUND")
        self.assertEqual(info.domain, "gateway.fireworks.ai")
        self.assertEqual(dict(info.metadata), {"account_id": "acme", "user_id": "zed"})

    def test_sigterm_drains_and_the_container_exits_zero(self):
        # A container of its own, so the one the other tests share lives on.
        proxy = Proxy(self.mock.address, self.dir.name, "gateway-proxy-drained")
        try:
            gateway = proxy.stub()
            user = gateway.UpdateUser(
                gateway_pb2.UpdateUserRequest(account_id="acme", user_id="bob",
                                              user=gateway_pb2.User(role="user")),
                timeout=CALL_TIMEOUT_S)
            self.assertEqual(user.name, "accounts/acme/users/bob")
            podman("kill", "--signal=TERM", proxy.cid)
            self.assertEqual(proxy.server.process.wait(timeout=30), 0)
            self.assertEqual(podman("inspect", "--format={{.State.ExitCode}}",
                                    proxy.cid).stdout.strip(), "0")
            draining = [entry for entry in map(json_or_none, proxy.server.log().splitlines())
                        if isinstance(entry, dict) and entry.get("msg") == "draining"]
            self.assertEqual(len(draining), 1, proxy.server.log())
            self.assertEqual((draining[0]["level"], draining[0]["signal"]), ("info", "SIGTERM"))
        finally:
            proxy.stop()


def json_or_none(line):
    """`line` as JSON, or None: stderr is one JSON object a line."""
    try:
        return json.loads(line)
    except ValueError:
        return None


if __name__ == "__main__":
    unittest.main(verbosity=2)
