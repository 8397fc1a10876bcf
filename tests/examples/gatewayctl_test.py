#!/usr/bin/env python3
"""examples/python/gatewayctl.py, run as a user runs it (Debian's Python,
stubs made by generate_stubs.py in a clean copy of the folder,
GATEWAY_TARGET) against gateway-proxy in front of a fresh mock-gateway: each of its four commands, both output formats, and
errors on stderr with their google.rpc details.

Run by CTest as examples.gatewayctl; see example_servers.py for the
environment.
"""

import json
import os
import subprocess
import unittest

from example_servers import (MISSING_ROLE, WRONG_KEY, WRONG_KEY_DENIED,
                             ZED_NOT_FOUND, run, start_gateway, without_times)
from readme_section import clean_copy

GATEWAYCTL = None  # In a clean copy of examples/python with its stubs.


def setUpModule():
    global GATEWAYCTL
    work = clean_copy(unittest.addModuleCleanup, ["proto", "examples/python"])
    example_dir = os.path.join(work, "examples", "python")
    subprocess.run(["/usr/bin/python3", "generate_stubs.py"], cwd=example_dir,
                   check=True, capture_output=True)
    GATEWAYCTL = os.path.join(example_dir, "gatewayctl.py")


class GatewayctlTest(unittest.TestCase):

    def setUp(self):
        self.env = {"GATEWAY_TARGET": start_gateway(self)}

    def gatewayctl(self, *args, env=None):
        return run(["/usr/bin/python3", GATEWAYCTL, *args], env={**self.env, **(env or {})})

    def assert_ok(self, result, stdout):
        self.assertEqual((result.returncode, result.stdout, result.stderr),
                         (0, stdout, ""))

    def assert_fails(self, result, stderr):
        self.assertEqual((result.returncode, result.stdout, result.stderr),
                         (1, "", "gatewayctl: " + stderr))

    def test_get_prints_the_user_as_json(self):
        result = self.gatewayctl("users", "get", "acme", "alice")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(without_times(result.stdout), {
            "name": "accounts/acme/users/alice", "displayName": "Alice",
            "serviceAccount": False, "role": "admin", "email": "alice@example.com",
            "state": "READY"})

    def test_get_with_read_mask_as_table(self):
        self.assert_ok(
            self.gatewayctl("users", "get", "acme", "bob", "--read-mask", "name,role",
                            "-o", "table"),
            "NAME                     ROLE  DISPLAY NAME  EMAIL  STATE\n"
            "accounts/acme/users/bob  user\n")

    def test_list_one_page_prints_the_next_page_token(self):
        first = self.gatewayctl("users", "list", "acme", "--page-size", "1")
        self.assertEqual(first.returncode, 0, first.stderr)
        page = json.loads(first.stdout)
        self.assertEqual([u["name"] for u in page["users"]],
                         ["accounts/acme/users/alice"])
        self.assertEqual(page["totalSize"], 2)

        self.assert_ok(
            self.gatewayctl("users", "list", "acme", "--page-size", "1", "-o", "table",
                            "--page-token", page["nextPageToken"]),
            "NAME                     ROLE  DISPLAY NAME  EMAIL            STATE\n"
            "accounts/acme/users/bob  user  Bob           bob@example.com  READY\n"
            "total: 2\n")

    def test_create_then_list_all_pages(self):
        created = self.gatewayctl("users", "create", "acme", "carol", "--role",
                                  "contributor", "--display-name", "Carol",
                                  "--email", "carol@example.com")
        self.assertEqual(created.returncode, 0, created.stderr)
        self.assertEqual(without_times(created.stdout), {
            "name": "accounts/acme/users/carol", "displayName": "Carol",
            "role": "contributor", "email": "carol@example.com", "state": "READY"})

        self.assert_ok(
            self.gatewayctl("users", "list", "acme", "--all", "--page-size", "2",
                            "-o", "table"),
            "NAME                       ROLE         DISPLAY NAME  EMAIL"
            "              STATE\n"
            "accounts/acme/users/alice  admin        Alice         alice@example.com"
            "  READY\n"
            "accounts/acme/users/bob    user         Bob           bob@example.com"
            "    READY\n"
            "accounts/acme/users/carol  contributor  Carol         carol@example.com"
            "  READY\n"
            "total: 3\n")

    def test_create_an_existing_user_prints_the_error_info(self):
        self.assert_fails(
            self.gatewayctl("users", "create", "acme", "bob", "--role", "user"),
            "ALREADY_EXISTS: user accounts/acme/users/bob already exists\n"
            "  ErrorInfo: reason=USER_ALREADY_EXISTS domain=gateway.fireworks.ai\n"
            "    account_id=acme\n"
            "    user_id=bob\n")

    def test_update_with_mask_changes_only_the_masked_field(self):
        self.assert_ok(
            self.gatewayctl("users", "update", "acme", "alice", "--role", "user",
                            "--display-name", "Not Sent", "--update-mask", "role",
                            "-o", "table"),
            "NAME                       ROLE  DISPLAY NAME  EMAIL              STATE\n"
            "accounts/acme/users/alice  user  Alice         alice@example.com  READY\n")

    def test_update_without_role_prints_the_bad_request_field(self):
        self.assert_fails(
            self.gatewayctl("users", "update", "acme", "alice", "--display-name", "A"),
            MISSING_ROLE)

    def test_update_unknown_user_prints_the_error_info(self):
        self.assert_fails(
            self.gatewayctl("users", "update", "acme", "zed", "--role", "user"),
            ZED_NOT_FOUND)

    def test_api_key_from_the_environment_is_sent(self):
        self.assert_fails(
            self.gatewayctl("users", "get", "acme", "alice",
                            env={"GATEWAY_API_KEY": WRONG_KEY}),
            WRONG_KEY_DENIED)

    def test_missing_command_is_a_usage_error(self):
        result = self.gatewayctl("users")
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stdout, "")
        self.assertTrue(result.stderr.endswith(
            "gatewayctl users: error: the following arguments are required: "
            "command\n"), result.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
