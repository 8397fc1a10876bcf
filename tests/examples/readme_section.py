"""Follows a language's section of README's "Call it from your language" as
written, and checks that its client prints the shared scenario.

check_readme_section(test, "Go", "examples/go"):
1. finds README's `### Go` section under "## Call it from your language",
   checks that it is at most 10 lines, and takes the commands of its ```sh
   block;
2. copies the tracked files of proto/, the example's folder and
   examples/scenario.txt into a clean temporary directory;
3. runs every command but the last there with bash, as one script (so `cd`
   carries), with GATEWAY_TARGET naming a fresh gateway-proxy in front of a
   fresh mock-gateway and GATEWAY_API_KEY the mock's key;
4. runs the last command (the client) four times, and compares its stdout
   with the text every example must print:
   - against that proxy: examples/scenario.txt; the proxy's access log must
     show the client's x-request-id of every call;
   - with a key the mock refuses, sent as `authorization`: WRONG_KEY_OUTPUT;
   - against a proxy whose upstream answers 429, Retry-After: 7:
     THROTTLED_OUTPUT;
   - against RecordingServer, which sees what the client sends (the
     `authorization` and `x-request-id` metadata, the deadline) and answers
     with a detail of a type no client knows: RECORDED_OUTPUT.
Each output is also written to BUILD_DIR/examples-output/LANGUAGE/, where
same_output_test.py compares the languages with each other.
"""

import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

import grpc

from example_servers import (API_KEY, BUILD_DIR, SOURCE_DIR, WRONG_KEY,
                             start_gateway_proxy, start_throttled_proxy)

sys.path.insert(0, os.path.join(BUILD_DIR, "gen", "python"))  # python_stubs
from google.protobuf import any_pb2  # noqa: E402
from google.rpc import status_pb2  # noqa: E402

SECTION_HEADING = "## Call it from your language"
MAX_SECTION_LINES = 10
SETUP_TIMEOUT_S = 300
RUN_TIMEOUT_S = 60
OUTPUT_DIR = os.path.join(BUILD_DIR, "examples-output")
VARIANTS = ("scenario", "wrong_key", "throttled", "recorded")
DEADLINE_S = 10  # Every example's deadline per call.

with open(os.path.join(SOURCE_DIR, "examples", "scenario.txt"), encoding="utf-8") as f:
    SCENARIO_OUTPUT = f.read()

# The scenario's calls when every one reaching the REST API fails the same
# way; the call without a role never gets there (the proxy refuses it).
_FAILED_CALLS = (
    "UpdateUser acme/alice: {0}\n"
    "UpdateUser acme/alice: INVALID_ARGUMENT: missing required field: user.role\n"
    "  BadRequest:\n"
    "    field user.role: required field is missing\n"
    "UpdateUser acme/zed: {0}\n"
    "UpdateUser acme/bob: {0}\n"
    "GetUser acme/alice: {0}\n"
    "ListUsers acme page 1: {0}\n")
WRONG_KEY_OUTPUT = _FAILED_CALLS.format("PERMISSION_DENIED: unauthorized")
THROTTLED_OUTPUT = _FAILED_CALLS.format(
    "RESOURCE_EXHAUSTED: too many requests for account acme\n"
    "  RetryInfo: retry after 7s")

# Against RecordingServer every call fails, the first ListUsers page too.
RECORDED_CALLS = (
    ("/gateway.Gateway/UpdateUser", "UpdateUser acme/alice"),
    ("/gateway.Gateway/UpdateUser", "UpdateUser acme/alice"),
    ("/gateway.Gateway/UpdateUser", "UpdateUser acme/zed"),
    ("/gateway.Gateway/UpdateUser", "UpdateUser acme/bob"),
    ("/gateway.Gateway/GetUser", "GetUser acme/alice"),
    ("/gateway.Gateway/ListUsers", "ListUsers acme page 1"))
UNKNOWN_DETAIL = any_pb2.Any(type_url="type.googleapis.com/example.NoSuchDetail",
                             value=b"\x08\x01\x10")
RECORDED_OUTPUT = "".join(
    f"{label}: UNAVAILABLE: recorded\n"
    f"  type.googleapis.com/example.NoSuchDetail (3 bytes)\n"
    for _, label in RECORDED_CALLS)


class RecordingServer(grpc.GenericRpcHandler):
    """A gRPC server on 127.0.0.1:0 that answers every call UNAVAILABLE
    "recorded", with UNKNOWN_DETAIL in grpc-status-details-bin, and records
    each call as (method, metadata dict, seconds left of its deadline)."""

    def __init__(self, test):
        self.calls = []
        self._lock = threading.Lock()
        self._server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=2))
        self._server.add_generic_rpc_handlers([self])
        port = self._server.add_insecure_port("127.0.0.1:0")
        self.address = f"127.0.0.1:{port}"
        self._server.start()
        test.addCleanup(self._server.stop, None)

    def service(self, handler_call_details):
        method = handler_call_details.method

        def answer(request, context):
            with self._lock:
                self.calls.append((method, dict(context.invocation_metadata()),
                                   context.time_remaining()))
            status = status_pb2.Status(code=grpc.StatusCode.UNAVAILABLE.value[0],
                                       message="recorded", details=[UNKNOWN_DETAIL])
            context.set_trailing_metadata(
                [("grpc-status-details-bin", status.SerializeToString())])
            context.abort(grpc.StatusCode.UNAVAILABLE, "recorded")

        return grpc.unary_unary_rpc_method_handler(answer)


def readme_section(language):
    """(the section's lines, the commands of its ```sh block)."""
    with open(os.path.join(SOURCE_DIR, "README.md"), encoding="utf-8") as f:
        readme = f.read().splitlines()
    start = readme.index(SECTION_HEADING)
    end = next((i for i in range(start + 1, len(readme))
                if readme[i].startswith("## ")), len(readme))
    heading = f"### {language}"
    first = readme.index(heading, start, end)
    last = next((i for i in range(first + 1, end) if readme[i].startswith("#")), end)
    lines = readme[first:last]
    while lines and not lines[-1].strip():
        lines.pop()
    fence = lines.index("```sh")
    block = lines[fence + 1:lines.index("```", fence + 1)]
    commands = re.sub(r"\\\n\s*", "", "\n".join(block) + "\n").splitlines()
    return lines, [c for c in commands if c.strip()]


def clean_copy(add_cleanup, paths):
    """A temporary directory holding the tracked files under `paths`
    (relative to SOURCE_DIR), as a fresh clone has them; add_cleanup (a
    test's addCleanup) removes it."""
    work = tempfile.TemporaryDirectory(prefix="readme-section-")
    add_cleanup(work.cleanup)
    listed = subprocess.run(["git", "-C", SOURCE_DIR, "ls-files", "-z", "--", *paths],
                            capture_output=True, check=True).stdout
    for rel in filter(None, listed.decode().split("\0")):
        dest = os.path.join(work.name, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy2(os.path.join(SOURCE_DIR, rel), dest)
    return work.name


def _bash(script, cwd, env, timeout):
    return subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=cwd,
                          env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout)


def check_readme_section(test, language, example_dir):
    save_dir = os.path.join(OUTPUT_DIR, language)
    shutil.rmtree(save_dir, ignore_errors=True)
    lines, commands = readme_section(language)
    test.assertLessEqual(len(lines), MAX_SECTION_LINES,
                         f"README's {language} section:\n" + "\n".join(lines))
    test.assertGreaterEqual(len(commands), 2, commands)
    setup, client = commands[:-1], commands[-1]

    work = clean_copy(test.addCleanup, ["proto", example_dir, "examples/scenario.txt"])
    proxy = start_gateway_proxy(test)
    env = {**os.environ, "GATEWAY_TARGET": proxy.address, "GATEWAY_API_KEY": API_KEY,
           "CMAKE_BUILD_PARALLEL_LEVEL": "2",
           "npm_config_audit": "false", "npm_config_fund": "false"}
    # The directory the setup ends in is where the client command runs.
    cwd_file = os.path.join(work, ".cwd")
    result = _bash("\n".join(setup) + f'\npwd > "{cwd_file}"\n', work, env,
                   SETUP_TIMEOUT_S)
    test.assertEqual(result.returncode, 0,
                     f"{language} setup failed:\n{result.stdout}{result.stderr}"
                     f"{_exited(proxy)}")
    with open(cwd_file, encoding="utf-8") as f:
        client_cwd = f.read().strip()

    outputs = {}
    outputs["scenario"] = _bash(client, client_cwd, env, RUN_TIMEOUT_S)
    outputs["wrong_key"] = _bash(client, client_cwd,
                                 {**env, "GATEWAY_API_KEY": WRONG_KEY}, RUN_TIMEOUT_S)
    outputs["throttled"] = _bash(
        client, client_cwd, {**env, "GATEWAY_TARGET": start_throttled_proxy(test)},
        RUN_TIMEOUT_S)
    recorder = RecordingServer(test)
    outputs["recorded"] = _bash(client, client_cwd,
                                {**env, "GATEWAY_TARGET": recorder.address},
                                RUN_TIMEOUT_S)

    os.makedirs(save_dir)
    for variant, result in outputs.items():
        with open(os.path.join(save_dir, f"{variant}.txt"), "w", encoding="utf-8") as f:
            f.write(result.stdout)

    expected = {"scenario": SCENARIO_OUTPUT, "wrong_key": WRONG_KEY_OUTPUT,
                "throttled": THROTTLED_OUTPUT, "recorded": RECORDED_OUTPUT}
    for variant, result in outputs.items():
        with test.subTest(variant=variant):
            test.assertEqual((result.returncode, result.stdout),
                             (0, expected[variant]),
                             result.stderr + _exited(proxy))

    # What the client sent: the method, `authorization: Bearer KEY`,
    # `x-request-id: example-N` on the N-th call, and a 10 s deadline: some
    # of it is spent before the server sees the call, yet the server may
    # also see a little more than 10 s left (10.1 s seen with Debian's
    # python3-grpcio on both ends), hence the margins.
    test.assertEqual(
        [(method, metadata.get("authorization"), metadata.get("x-request-id"))
         for method, metadata, _ in recorder.calls],
        [(method, f"Bearer {API_KEY}", f"example-{n}")
         for n, (method, _) in enumerate(RECORDED_CALLS, start=1)])
    for method, _, time_left in recorder.calls:
        test.assertTrue(DEADLINE_S - 5 < time_left <= DEADLINE_S + 1,
                        f"{method}: {time_left} s of the deadline left")

    # Both runs against `proxy` sent x-request-id example-1 ... example-N,
    # one per call, in order: the last lines of its access log.
    want = [f"example-{n}" for n in range(1, _calls(SCENARIO_OUTPUT) + 1)] + \
        [f"example-{n}" for n in range(1, _calls(WRONG_KEY_OUTPUT) + 1)]

    def request_ids(lines):
        return [json.loads(line)["request_id"] for line in lines[-len(want):]]

    test.assertEqual(request_ids(proxy.lines_once(lambda l: request_ids(l) == want)),
                     want)


def _exited(server):
    """A note for a failure message when `server` is no longer running."""
    status = server.process.poll()
    if status is None:
        return ""
    with open(server.log_path, encoding="utf-8", errors="replace") as log:
        return (f"\n{server.name} exited early (status {status}; negative: "
                f"killed by that signal). Its log ends:\n{log.read()[-2000:]}")


def _calls(output):
    """How many calls printed `output`: one line each starts unindented."""
    return len(re.findall(r"^\S", output, re.M))
