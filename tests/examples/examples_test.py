#!/usr/bin/env python3
"""The example clients in examples/ work as a user runs them: each calls the
built gateway-proxy in front of mock-gateway and prints the user, or the
error's code and its google.rpc details.

Run by CTest with /usr/bin/python3 and PYTHONPATH (generated stubs),
GATEWAY_PROXY_BIN, MOCK_GATEWAY_BIN, SOURCE_DIR and BUILD_DIR. The Node
example's packages are installed from examples/node/package-lock.json with
`npm ci` when examples/node/node_modules is missing or older than the lock;
a failed install fails the test."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from e2e_test import API_KEY, MOCK_BIN, PROXY_BIN, Server  # noqa: E402

SOURCE_DIR = os.environ.get("SOURCE_DIR", "")
BUILD_DIR = os.environ.get("BUILD_DIR", "")
NODE_DIR = os.path.join(SOURCE_DIR, "examples", "node")
GOOGLEAPIS = "/usr/share/gocode/src/github.com/gogo/googleapis"

NOT_FOUND = (
    "UpdateUser failed: NOT_FOUND: user accounts/acme/users/zed not found\n"
    "  ErrorInfo: reason=USER_NOT_FOUND domain=gateway.fireworks.ai\n"
    "    account_id=acme\n"
    "    user_id=zed\n")
MISSING_ROLE = (
    "UpdateUser failed: INVALID_ARGUMENT: missing required field: user.role\n"
    "  BadRequest:\n"
    "    field user.role: required field is missing\n")


def npm_ci():
    modules = os.path.join(NODE_DIR, "node_modules")
    lock = os.path.join(NODE_DIR, "package-lock.json")
    marker = os.path.join(modules, ".package-lock.json")
    if os.path.exists(marker) and os.path.getmtime(marker) >= os.path.getmtime(lock):
        return
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True,
                   timeout=600)


class ExampleClientsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="gateway-proxy-examples-")
        cls.mock = Server("mock-gateway", [
            MOCK_BIN, f"--api_key={API_KEY}", "--listen=127.0.0.1:0"], cls.dir.name)
        cls.proxy = Server("gateway-proxy", [
            PROXY_BIN, "--listen=127.0.0.1:0",
            f"--upstream=http://{cls.mock.address}"], cls.dir.name)

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.mock.stop()
        cls.dir.cleanup()

    def python(self, *args):
        return subprocess.run(
            ["/usr/bin/python3", os.path.join(SOURCE_DIR, "examples", "python",
                                              "update_user.py"),
             "--target", self.proxy.address, "--api-key", API_KEY, *args],
            capture_output=True, text=True, timeout=60)

    def node(self, *args):
        includes = []
        for path in (os.path.join(SOURCE_DIR, "proto"), GOOGLEAPIS,
                     os.path.join(BUILD_DIR, "googleapis-extra"), "/usr/include"):
            includes += ["--proto-path", path]
        return subprocess.run(
            ["node", os.path.join(NODE_DIR, "update_user.js"),
             "--target", self.proxy.address, "--api-key", API_KEY, *includes, *args],
            capture_output=True, text=True, timeout=60)

    def check_all_cases(self, run):
        ok = run("--account", "acme", "--user", "bob", "--role", "admin",
                 "--display-name", "Bob Example")
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertTrue(ok.stdout.startswith("UpdateUser OK:\n"), ok.stdout)
        self.assertIn('"displayName": "Bob Example"', ok.stdout)
        self.assertIn('"role": "admin"', ok.stdout)
        self.assertIn('"name": "accounts/acme/users/bob"', ok.stdout)

        missing_role = run("--account", "acme", "--user", "bob", "--display-name", "Bob")
        self.assertEqual(missing_role.returncode, 1, missing_role.stderr)
        self.assertEqual(missing_role.stdout, MISSING_ROLE)

        not_found = run("--account", "acme", "--user", "zed", "--role", "user")
        self.assertEqual(not_found.returncode, 1, not_found.stderr)
        self.assertEqual(not_found.stdout, NOT_FOUND)

    def test_python_example(self):
        self.check_all_cases(self.python)

    @unittest.skipIf(shutil.which("node") is None, "never: install-deps.sh installs node")
    def test_node_example(self):
        npm_ci()
        self.check_all_cases(self.node)


if __name__ == "__main__":
    unittest.main(verbosity=2)
