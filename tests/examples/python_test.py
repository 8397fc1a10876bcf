#!/usr/bin/env python3
"""examples/python, run as a user runs it (Debian's Python, stubs made by
`generate_stubs.py` in a clean copy of the folder) against gateway-proxy in
front of a fresh mock-gateway:
- README's Python section, followed as written (readme_section.py);
- update_user.py, get_user.py and list_users.py print exactly what their
  docstrings promise.

Run by CTest as examples.python; see example_servers.py for the environment.
"""

import os
import subprocess
import tempfile
import unittest

from example_servers import (BUILD_DIR, MISSING_ROLE, PRESET_WITHOUT_CUSTOM_ROLE,
                             THROTTLED, WRONG_KEY, WRONG_KEY_DENIED,
                             ZED_NOT_FOUND, run, start_gateway,
                             start_throttled_proxy, without_times)
from readme_section import check_readme_section, clean_copy

EXAMPLES_DIR = None  # A clean copy of examples/python with its stubs.


def setUpModule():
    global EXAMPLES_DIR
    work = clean_copy(unittest.addModuleCleanup, ["proto", "examples/python"])
    EXAMPLES_DIR = os.path.join(work, "examples", "python")
    subprocess.run(["/usr/bin/python3", "generate_stubs.py"], cwd=EXAMPLES_DIR,
                   check=True, capture_output=True)


def example(name, target, *args):
    return run(["/usr/bin/python3", os.path.join(EXAMPLES_DIR, name),
                "--target", target, *args])


class ReadmeSectionTest(unittest.TestCase):

    def test_readme_section_runs_as_written(self):
        check_readme_section(self, "Python", "examples/python")


class PipRouteTest(unittest.TestCase):
    """generate_stubs.py's pip route takes the google/api and google/rpc
    descriptors from the installed modules. No PyPI here: the build's own
    google.* modules stand in for googleapis-common-protos, and Debian's
    protoc for grpcio-tools' (same command line)."""

    def test_descriptors_of_installed_modules_compile_gateway_proto(self):
        out = tempfile.TemporaryDirectory()
        self.addCleanup(out.cleanup)
        google_set = os.path.join(out.name, "google.pb")
        stand_in = {"PYTHONPATH": os.path.join(BUILD_DIR, "gen", "python")}
        written = run(["/usr/bin/python3", "-c",
                       "import generate_stubs, sys; "
                       "generate_stubs.write_google_descriptor_set(sys.argv[1])",
                       google_set], env=stand_in, cwd=EXAMPLES_DIR)
        self.assertEqual(written.returncode, 0, written.stderr)
        compiled = run(["protoc", f"-I{os.path.join(EXAMPLES_DIR, '..', '..', 'proto')}",
                        "-I/usr/include", f"--descriptor_set_in={google_set}",
                        f"--python_out={out.name}", "gateway/gateway.proto"])
        self.assertEqual((compiled.returncode, compiled.stderr), (0, ""))
        loaded = run(["/usr/bin/python3", "-c",
                      "from gateway import gateway_pb2; "
                      "print(gateway_pb2.DESCRIPTOR.services_by_name['Gateway']"
                      ".methods_by_name['UpdateUser'].full_name)"],
                     env={"PYTHONPATH": f"{out.name}:{stand_in['PYTHONPATH']}"})
        self.assertEqual((loaded.returncode, loaded.stdout, loaded.stderr),
                         (0, "gateway.Gateway.UpdateUser\n", ""))


class UpdateUserExampleTest(unittest.TestCase):

    def setUp(self):
        self.target = start_gateway(self)

    def update(self, *args):
        return example("update_user.py", self.target, "--account", "acme", *args)

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
        target = start_throttled_proxy(self)
        result = example("update_user.py", target, "--account", "acme",
                         "--user", "bob", "--role", "user")
        self.assertEqual((result.returncode, result.stdout, result.stderr),
                         (1, "UpdateUser failed: " + THROTTLED, ""))


class GetUserExampleTest(unittest.TestCase):

    def setUp(self):
        self.target = start_gateway(self)

    def test_read_mask_limits_the_fields(self):
        result = example("get_user.py", self.target, "--account", "acme",
                         "--user", "alice", "--read-mask", "name,role")
        self.assertEqual((result.returncode, result.stdout, result.stderr), (0, (
            "GetUser OK:\n"
            "{\n"
            '  "name": "accounts/acme/users/alice",\n'
            '  "role": "admin"\n'
            "}\n"), ""))

    def test_unknown_user_prints_the_error_info(self):
        result = example("get_user.py", self.target, "--account", "acme",
                         "--user", "zed")
        self.assertEqual((result.returncode, result.stdout, result.stderr),
                         (1, "GetUser failed: " + ZED_NOT_FOUND, ""))


class ListUsersExampleTest(unittest.TestCase):

    def setUp(self):
        self.target = start_gateway(self)

    def test_follows_next_page_token_to_the_last_page(self):
        result = example("list_users.py", self.target, "--account", "acme",
                         "--page-size", "1")
        self.assertEqual((result.returncode, result.stdout, result.stderr), (0, (
            "page 1: accounts/acme/users/alice role=admin display_name=Alice\n"
            "page 2: accounts/acme/users/bob role=user display_name=Bob\n"
            "2 users in 2 page(s), total_size 2\n"), ""))

    def test_filter_and_order_apply_to_every_page(self):
        result = example("list_users.py", self.target, "--account", "acme",
                         "--page-size", "1", "--filter", "state = READY",
                         "--order-by", "display_name desc")
        self.assertEqual((result.returncode, result.stdout, result.stderr), (0, (
            "page 1: accounts/acme/users/bob role=user display_name=Bob\n"
            "page 2: accounts/acme/users/alice role=admin display_name=Alice\n"
            "2 users in 2 page(s), total_size 2\n"), ""))

    def test_bad_filter_prints_the_bad_request_field(self):
        result = example("list_users.py", self.target, "--account", "acme",
                         "--filter", "bogus")
        message = 'unsupported filter term "bogus": expected field = value'
        self.assertEqual((result.returncode, result.stdout, result.stderr), (1, (
            f"ListUsers failed: INVALID_ARGUMENT: {message}\n"
            "  BadRequest:\n"
            f"    field filter: {message}\n"), ""))


if __name__ == "__main__":
    unittest.main(verbosity=2)
