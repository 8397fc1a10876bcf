#!/usr/bin/env python3
"""examples/node against gateway-proxy in front of a fresh mock-gateway:
- README's Node.js section, followed as written (readme_section.py);
- update_user.js, run as a user runs it (`node examples/node/update_user.js
  ...`), prints the same lines as the Python example.

Its npm packages are installed from examples/node/package-lock.json with
`npm ci` into BUILD_DIR/examples-node/node_modules (found through NODE_PATH),
so the source tree stays clean and build directories do not share an
install. The install runs only when that directory was not installed from
the current package.json and lock; npm's own cache (~/.npm) makes a repeat
install work offline. No node, no npm or a failed install fails the test:
install-deps.sh provides node and npm.

(A node_modules in examples/node, from a user's own `npm ci` there, comes
first in Node's module resolution and would be used instead.)

Run by CTest as examples.node; see example_servers.py for the environment.
"""

import hashlib
import os
import shutil
import subprocess
import unittest

from example_servers import (BUILD_DIR, MISSING_ROLE, PRESET_WITHOUT_CUSTOM_ROLE,
                             SOURCE_DIR, THROTTLED, WRONG_KEY, WRONG_KEY_DENIED,
                             ZED_NOT_FOUND, run, start_gateway,
                             start_throttled_proxy, without_times)
from readme_section import check_readme_section

EXAMPLE_DIR = os.path.join(SOURCE_DIR, "examples", "node")
INSTALL_DIR = os.path.join(BUILD_DIR, "examples-node")
MODULES_DIR = os.path.join(INSTALL_DIR, "node_modules")
# Written into node_modules after a successful `npm ci` (which starts by
# deleting node_modules): the hash of the files it installed from.
STAMP = os.path.join(MODULES_DIR, ".gateway-proxy-installed-from")
NPM_CI_TIMEOUT_S = 300


def manifest_hash():
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        with open(os.path.join(EXAMPLE_DIR, name), "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()


def install_packages():
    """`npm ci` into INSTALL_DIR unless it already holds this lock's packages."""
    wanted = manifest_hash()
    try:
        with open(STAMP, encoding="ascii") as f:
            if f.read() == wanted:
                return
    except FileNotFoundError:
        pass
    os.makedirs(INSTALL_DIR, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(os.path.join(EXAMPLE_DIR, name), os.path.join(INSTALL_DIR, name))
    # --ignore-scripts: no package needs an install script (protobufjs's
    # postinstall only prints version advice).
    result = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline"],
        cwd=INSTALL_DIR, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=NPM_CI_TIMEOUT_S)
    if result.returncode != 0:
        raise AssertionError(
            f"npm ci in {INSTALL_DIR} failed ({result.returncode}); is the npm "
            f"registry reachable?\n{result.stdout}{result.stderr}")
    with open(STAMP, "w", encoding="ascii") as f:
        f.write(wanted)


class UpdateUserNodeExampleTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        for tool in ("node", "npm"):
            if shutil.which(tool) is None:
                raise AssertionError(f"{tool} is not on PATH: run scripts/install-deps.sh")
        install_packages()

    def setUp(self):
        self.target = start_gateway(self)

    def update(self, *args, target=None):
        return run(["node", os.path.join(EXAMPLE_DIR, "update_user.js"),
                    "--target", target or self.target,
                    "--account", "acme", *args],
                   env={"NODE_PATH": MODULES_DIR})

    def test_success_prints_the_updated_user(self):
        result = self.update("--user", "bob", "--role", "admin",
                             "--display-name", "Bob Example")
        self.assertEqual(result.returncode, 0, result.stderr)
        header, _, user = result.stdout.partition("\n")
        self.assertEqual(header, "UpdateUser OK:")
        self.assertEqual(without_times(user), {
            "name": "accounts/acme/users/bob", "displayName": "Bob Example",
            "serviceAccount": False, "role": "admin", "email": "bob@example.com",
            "state": "READY"})
        self.assertEqual(result.stderr, "")

    def test_missing_role_prints_the_bad_request_field(self):
        result = self.update("--user", "bob", "--display-name", "Bob")
        self.assertEqual((result.returncode, result.stdout, result.stderr),
                         (1, "UpdateUser failed: " + MISSING_ROLE, ""))

    def test_unknown_user_prints_the_error_info(self):
        result = self.update("--user", "zed", "--role", "user")
        self.assertEqual((result.returncode, result.stdout, result.stderr),
                         (1, "UpdateUser failed: " + ZED_NOT_FOUND, ""))

    def test_preset_without_custom_role_prints_the_precondition_failure(self):
        result = self.update("--user", "bob", "--role", "user",
                             "--permission-preset", "viewer")
        self.assertEqual((result.returncode, result.stdout, result.stderr),
                         (1, "UpdateUser failed: " + PRESET_WITHOUT_CUSTOM_ROLE, ""))

    def test_api_key_flag_is_used_instead_of_the_proxy_key(self):
        result = self.update("--user", "bob", "--role", "user", "--api-key", WRONG_KEY)
        self.assertEqual((result.returncode, result.stdout, result.stderr),
                         (1, "UpdateUser failed: " + WRONG_KEY_DENIED, ""))

    def test_throttled_upstream_prints_the_retry_info(self):
        result = self.update("--user", "bob", "--role", "user",
                             target=start_throttled_proxy(self))
        self.assertEqual((result.returncode, result.stdout, result.stderr),
                         (1, "UpdateUser failed: " + THROTTLED, ""))

    def test_bad_arguments_print_the_usage(self):
        result = run(["node", os.path.join(EXAMPLE_DIR, "update_user.js"), "--bogus"],
                     env={"NODE_PATH": MODULES_DIR})
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stdout, "")
        self.assertTrue(result.stderr.startswith(
            "Unknown option '--bogus'"), result.stderr)


class ReadmeSectionTest(unittest.TestCase):
    """README's Node.js section as written: `npm ci` in a clean copy (npm's
    cache makes a repeat work offline), `npm test` (unit tests and the e2e
    against $GATEWAY_TARGET), then client.js."""

    @classmethod
    def setUpClass(cls):
        for tool in ("node", "npm"):
            if shutil.which(tool) is None:
                raise AssertionError(f"{tool} is not on PATH: run scripts/install-deps.sh")

    def test_readme_section_runs_as_written(self):
        check_readme_section(self, "Node.js", "examples/node")


if __name__ == "__main__":
    unittest.main(verbosity=2)
