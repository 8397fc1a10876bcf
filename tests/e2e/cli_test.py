"""The gateway-proxy binary's command line: --help is the reference, and a
bad value stops start-up with one line naming the flag."""

import json
import os
import re
import socket
import subprocess
import tempfile
import time
import unittest

import grpc

PROXY = os.environ["GATEWAY_PROXY_BIN"]
MOCK = os.environ["MOCK_GATEWAY_BIN"]
# The version has one source, CMakeLists.txt's project(VERSION).
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                       "CMakeLists.txt")) as cmake_lists:
    VERSION = re.search(r"^project\(gateway_proxy VERSION ([0-9.]+) ", cmake_lists.read(),
                        re.MULTILINE).group(1)


def run(*args, env=None, binary=PROXY):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=30,
                          env=None if env is None else dict(os.environ, **env))


def start_up_line(*args, env=None):
    """The start-up line of a proxy started with `args`, and its address."""
    process = subprocess.Popen([PROXY, *args], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=None if env is None else dict(os.environ, **env))
    try:
        first = process.stdout.readline()
        line = process.stderr.readline()
    finally:
        process.terminate()
        _, rest = process.communicate(timeout=30)
    if not first.startswith("listening on "):
        raise AssertionError(f"did not start: {first!r}\n{line}{rest}")
    return json.loads(line), first[len("listening on "):].strip()


def help_flags():
    """The flag names --help documents."""
    result = run("--help")
    return re.findall(r"^    --([a-z0-9_]+) \(", result.stdout + result.stderr, re.MULTILINE)


class CommandLineTest(unittest.TestCase):
    def test_help_documents_every_flag_with_its_default(self):
        result = run("--help")
        self.assertEqual(result.returncode, 0)
        self.assertEqual(result.stderr, "")
        out = result.stdout
        for flag, default in [
            ("--listen", 'default: "127.0.0.1:50051"'),
            ("--upstream", 'default: "https://api.fireworks.ai"'),
            ("--api_key_file", 'default: ""'),
            ("--upstream_timeout", "default: 30s"),
            ("--upstream_connect_timeout", "default: 5s"),
            ("--forward_metadata", "default: x-request-id"),
            ("--descriptor_set", 'default: ""'),
            ("--max_request_bytes", "default: 4194304"),
            ("--max_inflight", "default: 10000"),
            ("--max_retries", "default: 0"),
            ("--max_upstream_connections", "default: 256"),
            ("--max_response_bytes", "default: 4194304"),
            ("--upstream_ca_file", 'default: ""'),
            ("--drain_timeout", "default: 10s"),
            ("--tls_cert", 'default: ""'),
            ("--health_listen", 'default: ""'),
            ("--metrics_listen", 'default: ""'),
            ("--access_log", "default: true"),
            ("--tls_key", 'default: ""'),
            ("--tls_client_ca", 'default: ""'),
            ("--log_level", 'default: "info"'),
            ("--trace_sampling", "default: 0"),
            ("--upstream_health_interval", "default: 0"),
            ("--upstream_health_path", 'default: ""'),
            ("--upstream_health_failures", "default: 3"),
            ("--upstream_client_cert", 'default: ""'),
            ("--upstream_client_key", 'default: ""'),
            ("--service_upstream", 'default: ;'),
        ]:
            with self.subTest(flag=flag):
                start = out.index(flag + " (")
                end = out.find("\n    --", start + 1)
                self.assertIn(default, out[start:end if end != -1 else None])

    def test_help_names_no_source_file_and_h_is_the_same(self):
        result = run("--help")
        self.assertTrue(result.stdout.startswith(
            f"gateway-proxy {VERSION}: a gRPC-to-REST transcoding sidecar"), result.stdout)
        for build_detail in [".cc", "Flags from", os.path.dirname(PROXY), "/work/"]:
            self.assertNotIn(build_detail, result.stdout)
        for also in ["  --flagfile=FILE", "  -h, --help", "  --version"]:
            self.assertIn(also, result.stdout)
        for same in [["-h"], ["-help"], ["--listen=nope", "--help"], ["--nope", "-h"]]:
            with self.subTest(args=same):
                self.assertEqual(run(*same).returncode, 0)
                self.assertEqual(run(*same).stdout, result.stdout)

    def test_version_prints_the_version(self):
        for args in [["--version"], ["--version", "--max_retries=x"]]:
            with self.subTest(args=args):
                result = run(*args)
                self.assertEqual(result.returncode, 0)
                self.assertEqual(result.stdout, f"gateway-proxy {VERSION}\n")
                self.assertEqual(result.stderr, "")

    def test_values_that_do_not_parse_exit_2_with_one_line_naming_the_flag(self):
        cases = [
            (["--upstream_timeout=abc"],
             'gateway-proxy: --upstream_timeout: expected a duration such as 30s or 500ms, '
             'got "abc"\n'),
            (["--max_retries=x"], 'gateway-proxy: --max_retries: expected an integer, got "x"\n'),
            (["--max_inflight", "99999999999"],
             'gateway-proxy: --max_inflight: expected an integer, got "99999999999"\n'),
            (["--access_log=maybe"],
             'gateway-proxy: --access_log: expected true or false, got "maybe"\n'),
            (["--upstream_timeout"], "gateway-proxy: --upstream_timeout: missing value\n"),
            (["--nolisten"],
             "gateway-proxy: --listen: --nolisten is for true/false flags only\n"),
        ]
        for args, expected in cases:
            with self.subTest(args=args):
                result = run(*args)
                self.assertEqual(result.returncode, 2)
                self.assertEqual(result.stderr, expected)
                self.assertEqual(result.stdout, "")

    def test_unknown_flags_and_arguments_exit_2_with_one_line(self):
        cases = [
            (["--upstream_timout=5s"],
             "gateway-proxy: --upstream_timout: unknown flag (--help lists every flag)\n"),
            (["--helpfull"],
             "gateway-proxy: --helpfull: unknown flag (--help lists every flag)\n"),
            (["--listen=127.0.0.1:0", "serve"],
             'gateway-proxy: "serve": unexpected argument (flags are --name=value)\n'),
        ]
        for args, expected in cases:
            with self.subTest(args=args):
                result = run(*args)
                self.assertEqual(result.returncode, 2)
                self.assertEqual(result.stderr, expected)
                self.assertEqual(result.stdout, "")

    def test_invalid_values_exit_2_with_one_line_naming_the_flag(self):
        cases = [
            (["--listen=nope"], 'gateway-proxy: --listen: expected host:port, got "nope"\n'),
            (["--health_listen=:99999"],
             'gateway-proxy: --health_listen: expected host:port, got ":99999"\n'),
            (["--upstream=ftp://x"],
             'gateway-proxy: --upstream: must be an http:// or https:// URL, got "ftp://x"\n'),
            (["--upstream_connect_timeout=0s"],
             "gateway-proxy: --upstream_connect_timeout: must be positive (got 0)\n"),
            (["--upstream_timeout=-1s"],
             "gateway-proxy: --upstream_timeout: must be positive (got -1s)\n"),
            (["--api_key_file=/nonexistent/key"],
             'gateway-proxy: --api_key_file: cannot read "/nonexistent/key"\n'),
            (["--forward_metadata=host"],
             'gateway-proxy: --forward_metadata: "host" cannot be forwarded (gRPC metadata '
             "names only: 0-9 a-z - _ .; not -bin, grpc-*, pseudo, hop-by-hop, framing or "
             "credential headers)\n"),
            (["--forward_metadata=x-request-id,content-encoding"],
             'gateway-proxy: --forward_metadata: "content-encoding" cannot be forwarded (gRPC '
             "metadata names only: 0-9 a-z - _ .; not -bin, grpc-*, pseudo, hop-by-hop, "
             "framing or credential headers)\n"),
            (["--tls_cert=/etc/hostname"],
             "gateway-proxy: --tls_key: --tls_cert and --tls_key go together\n"),
            (["--metrics_listen=nope"],
             'gateway-proxy: --metrics_listen: expected host:port, got "nope"\n'),
            (["--max_request_bytes=0"],
             "gateway-proxy: --max_request_bytes: must be 1..1073741824\n"),
            (["--log_level=verbose"],
             'gateway-proxy: --log_level: must be error, warn, info or debug, got "verbose"\n'),
            (["--trace_sampling=2"], "gateway-proxy: --trace_sampling: must be 0..1, got 2\n"),
            (["--forward_metadata=x-request-id,traceparent"],
             'gateway-proxy: --forward_metadata: "traceparent" is not forwarded as sent: the '
             "proxy sends the upstream its own traceparent and the caller's tracestate\n"),
            (["--upstream_health_interval=-1s"],
             "gateway-proxy: --upstream_health_interval: must not be negative (got -1s)\n"),
            (["--upstream_health_failures=0"],
             "gateway-proxy: --upstream_health_failures: must be 1..100, got 0\n"),
            (["--service_upstream=example.library.v1.Library"],
             "gateway-proxy: --service_upstream: expected SERVICE=URL, e.g. "
             'library.Library=https://library.internal, got "example.library.v1.Library"\n'),
            (["--service_upstream=example.library.v1.Library=ftp://x"],
             'gateway-proxy: --service_upstream: must be an http:// or https:// URL, got '
             '"ftp://x"\n'),
            (["--service_upstream=example.library.v1.Library=http://127.0.0.1:9"],
             'gateway-proxy: --service_upstream: "example.library.v1.Library" is not served '
             "(a service of --descriptor_set with google.api.http rules)\n"),
            # Each occurrence adds to the others: the second does not replace
            # the first.
            (["--service_upstream=a.A=http://127.0.0.1:9",
              "--service_upstream=a.A=http://127.0.0.1:10"],
             'gateway-proxy: --service_upstream: "a.A" is named twice\n'),
            (["--upstream_client_cert=/etc/hostname"],
             "gateway-proxy: --upstream_client_key: --upstream_client_cert and "
             "--upstream_client_key go together\n"),
            (["--upstream_client_cert=/etc/hostname", "--upstream_client_key=/etc/hostname"],
             'gateway-proxy: --upstream_client_cert: "/etc/hostname" holds no PEM '
             "certificate\n"),
            (["--upstream_health_path=/healthz"],
             "gateway-proxy: --upstream_health_path: needs --upstream_health_interval\n"),
            (["--upstream_health_interval=5s", "--upstream_health_path=healthz"],
             "gateway-proxy: --upstream_health_path: must be a path starting with '/', "
             'got "healthz"\n'),
        ]
        for args, expected in cases:
            with self.subTest(args=args):
                result = run(*args)
                self.assertEqual(result.returncode, 2)
                self.assertEqual(result.stderr, expected)
                self.assertEqual(result.stdout, "")

    @unittest.skipUnless(os.environ.get("GATEWAY_PROXY_JEMALLOC") == "1",
                         "built without jemalloc (a sanitizer build)")
    def test_memory_comes_from_jemalloc_with_two_arenas(self):
        # jemalloc prints its settings at exit when MALLOC_CONF asks; glibc's
        # malloc would print nothing.
        result = run("--version", env={"MALLOC_CONF": "stats_print:true"})
        self.assertEqual(result.returncode, 0)
        self.assertTrue(result.stdout.startswith("gateway-proxy "), result.stdout)
        self.assertIn("___ Begin jemalloc statistics ___\n", result.stderr)
        self.assertIn("\n  opt.narenas: 2\n", result.stderr)

    def test_a_port_in_use_fails_start_up(self):
        import socket

        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            port = busy.getsockname()[1]
            result = run(f"--listen=127.0.0.1:{port}", "--upstream=http://127.0.0.1:9")
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr.splitlines()[-1],
                         f"gateway-proxy: --listen: cannot listen on 127.0.0.1:{port}")


    def test_a_metrics_port_in_use_fails_start_up(self):
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            port = busy.getsockname()[1]
            result = run("--listen=127.0.0.1:0", "--upstream=http://127.0.0.1:9",
                         f"--metrics_listen=127.0.0.1:{port}")
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr,
                         f"gateway-proxy: --metrics_listen: cannot listen on 127.0.0.1:{port}\n")
        self.assertEqual(result.stdout, "")

    def test_garbage_or_mismatched_tls_files_exit_2_naming_the_file(self):
        with tempfile.TemporaryDirectory() as work:
            garbage = os.path.join(work, "garbage.pem")
            with open(garbage, "w") as f:
                f.write("not a certificate\n")
            cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
            other_key = os.path.join(work, "other.key")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", key,
                            "-out", cert], check=True, capture_output=True)
            subprocess.run(["openssl", "genrsa", "-out", other_key, "2048"], check=True,
                           capture_output=True)
            cases = [
                ([f"--tls_cert={garbage}", f"--tls_key={key}"],
                 f'gateway-proxy: --tls_cert: "{garbage}" holds no PEM certificate\n'),
                ([f"--tls_cert={cert}", f"--tls_key={garbage}"],
                 f'gateway-proxy: --tls_key: "{garbage}" holds no unencrypted PEM private key\n'),
                ([f"--tls_cert={cert}", f"--tls_key={other_key}"],
                 f'gateway-proxy: --tls_key: "{other_key}" does not match the certificate in '
                 f'--tls_cert "{cert}"\n'),
                ([f"--upstream_ca_file={garbage}"],
                 f'gateway-proxy: --upstream_ca_file: "{garbage}" holds no PEM certificate\n'),
            ]
            for args, expected in cases:
                with self.subTest(args=args):
                    result = run("--listen=127.0.0.1:0", "--upstream=http://127.0.0.1:9", *args)
                    self.assertEqual(result.returncode, 2)
                    self.assertEqual(result.stderr, expected)
                    self.assertEqual(result.stdout, "")

    def test_the_health_listener_serves_health_alone_not_reflection(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            health_port = probe.getsockname()[1]
        with tempfile.TemporaryDirectory() as work:
            out_path = os.path.join(work, "out")
            with open(out_path, "wb") as out, open(os.path.join(work, "err"), "wb") as err:
                proxy = subprocess.Popen(
                    [PROXY, "--listen=127.0.0.1:0", "--upstream=http://127.0.0.1:9",
                     f"--health_listen=127.0.0.1:{health_port}", "--access_log=false"],
                    stdout=out, stderr=err)
            try:
                deadline = time.monotonic() + 20
                address = None
                while time.monotonic() < deadline and address is None:
                    with open(out_path) as out:
                        line = out.readline()
                    if line.endswith("\n"):
                        address = line.split()[-1]
                    time.sleep(0.02)
                self.assertIsNotNone(address)
                # ServerReflectionRequest{list_services: ""}.
                list_services = b"\x3a\x00"
                method = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"
                with grpc.insecure_channel(address) as channel:
                    answers = list(channel.stream_stream(method)(iter([list_services]),
                                                                timeout=10))
                    self.assertEqual(len(answers), 1)
                    self.assertIn(b"gateway.Gateway", answers[0])
                with grpc.insecure_channel(f"127.0.0.1:{health_port}") as channel:
                    with self.assertRaises(grpc.RpcError) as raised:
                        list(channel.stream_stream(method)(iter([list_services]), timeout=10))
                    self.assertEqual(raised.exception.code(), grpc.StatusCode.UNIMPLEMENTED)
                    health = channel.unary_unary("/grpc.health.v1.Health/Check")(b"", timeout=10)
                    self.assertEqual(health, b"\x08\x01")  # status: SERVING
            finally:
                proxy.terminate()
                self.assertEqual(proxy.wait(timeout=20), 0)

    def test_upstream_credentials_are_refused_and_not_echoed(self):
        result = run("--upstream=https://svc:pw-do-not-echo@api.example.com")
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr,
                         "gateway-proxy: --upstream: must not hold a user name or password "
                         "(credentials come from the call or --api_key_file)\n")
        self.assertNotIn("pw-do-not-echo", result.stdout + result.stderr)


class EnvironmentTest(unittest.TestCase):
    """GATEWAY_PROXY_<FLAG> variables; the binary's own behaviour with them
    is in logs_test.py."""

    def test_every_flag_is_set_by_its_variable(self):
        with tempfile.NamedTemporaryFile("w", suffix=".key") as key_file:
            key_file.write("key-do-not-log\n")
            key_file.flush()
            # flag: (variable value, as the start-up line shows it)
            settings = {
                "listen": ("127.0.0.1:0", "127.0.0.1:0"),
                "upstream": ("http://127.0.0.1:9/base", "http://127.0.0.1:9/base"),
                "api_key_file": (key_file.name, key_file.name),
                "upstream_timeout": ("7s", "7s"),
                "upstream_connect_timeout": ("3s", "3s"),
                "forward_metadata": ("x-request-id,x-tenant", ["x-request-id", "x-tenant"]),
                "max_retries": ("2", 2),
                "max_inflight": ("77", 77),
                "max_upstream_connections": ("9", 9),
                "max_request_bytes": ("1000", 1000),
                "max_response_bytes": ("2000", 2000),
                # Must hold a certificate: Debian's CA bundle (ca-certificates).
                "upstream_ca_file": ("/etc/ssl/certs/ca-certificates.crt",
                                     "/etc/ssl/certs/ca-certificates.crt"),
                "health_listen": ("127.0.0.1:0", "127.0.0.1:0"),
                "metrics_listen": ("127.0.0.1:0", "127.0.0.1:0"),
                "access_log": ("false", False),
                "drain_timeout": ("3s", "3s"),
                "trace_sampling": ("0.25", 0.25),
                # Not "warn" or "error": those would drop the start-up line.
                "log_level": ("debug", "debug"),
                "upstream_health_interval": ("250ms", "250ms"),
                "upstream_health_path": ("/healthz", "/healthz"),
                "upstream_health_failures": ("4", 4),
            }
            # Flags whose files must hold real certificates or descriptors:
            # each variable shows it is read by the error that names it.
            named_in_errors = {
                "descriptor_set": ({"GATEWAY_PROXY_DESCRIPTOR_SET": "/nonexistent/set.pb"},
                                   'cannot read "/nonexistent/set.pb"'),
                "tls_cert": ({"GATEWAY_PROXY_TLS_CERT": "/nonexistent/cert.pem",
                              "GATEWAY_PROXY_TLS_KEY": key_file.name},
                             'cannot read "/nonexistent/cert.pem"'),
                "tls_key": ({"GATEWAY_PROXY_TLS_CERT": key_file.name,
                             "GATEWAY_PROXY_TLS_KEY": "/nonexistent/key.pem"},
                            'cannot read "/nonexistent/key.pem"'),
                "tls_client_ca": ({"GATEWAY_PROXY_TLS_CLIENT_CA": key_file.name},
                                  "needs --tls_cert and --tls_key"),
                "service_upstream": ({"GATEWAY_PROXY_SERVICE_UPSTREAM": "x.Y"},
                                     "expected SERVICE=URL, e.g. "
                                     'library.Library=https://library.internal, got "x.Y"'),
                "upstream_client_cert": ({"GATEWAY_PROXY_UPSTREAM_CLIENT_CERT":
                                          "/nonexistent/client.pem",
                                          "GATEWAY_PROXY_UPSTREAM_CLIENT_KEY": key_file.name},
                                         'cannot read "/nonexistent/client.pem"'),
                "upstream_client_key": ({"GATEWAY_PROXY_UPSTREAM_CLIENT_CERT": key_file.name,
                                         "GATEWAY_PROXY_UPSTREAM_CLIENT_KEY":
                                         "/nonexistent/client.key"},
                                        'cannot read "/nonexistent/client.key"'),
            }
            self.assertEqual(set(help_flags()), set(settings) | set(named_in_errors),
                             "a flag was added: give it a value here")

            env = {"GATEWAY_PROXY_" + flag.upper(): value
                   for flag, (value, _) in settings.items()}
            process = subprocess.Popen([PROXY], stdin=subprocess.DEVNULL,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       text=True, env=dict(os.environ, **env))
            try:
                first = process.stdout.readline()
                startup = json.loads(process.stderr.readline())
            finally:
                process.terminate()
                process.communicate(timeout=30)
            self.assertTrue(first.startswith("listening on 127.0.0.1:"), first)
            for flag, (_, shown) in settings.items():
                with self.subTest(flag=flag):
                    self.assertEqual(startup[flag], shown)

            for flag, (variables, problem) in named_in_errors.items():
                with self.subTest(flag=flag):
                    result = run(env=variables)
                    self.assertEqual(result.returncode, 2)
                    self.assertEqual(
                        result.stderr,
                        f"gateway-proxy: GATEWAY_PROXY_{flag.upper()} (--{flag}): {problem}\n")

    def test_a_variable_that_does_not_parse_exits_2_naming_it_and_its_flag(self):
        cases = [
            ("UPSTREAM_TIMEOUT", "abc",
             "GATEWAY_PROXY_UPSTREAM_TIMEOUT (--upstream_timeout): expected a duration "
             'such as 30s or 500ms, got "abc"'),
            ("MAX_RETRIES", "x",
             'GATEWAY_PROXY_MAX_RETRIES (--max_retries): expected an integer, got "x"'),
            ("ACCESS_LOG", "maybe",
             "GATEWAY_PROXY_ACCESS_LOG (--access_log): expected true or false, "
             'got "maybe"'),
        ]
        for name, value, expected in cases:
            with self.subTest(variable=name):
                result = run(env={"GATEWAY_PROXY_" + name: value})
                self.assertEqual(result.returncode, 2)
                self.assertEqual(result.stderr, f"gateway-proxy: {expected}\n")
                self.assertEqual(result.stdout, "")

    def test_a_variable_with_a_bad_setting_exits_2_naming_it_and_its_flag(self):
        result = run(env={"GATEWAY_PROXY_UPSTREAM_TIMEOUT": "-1s"})
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr,
                         "gateway-proxy: GATEWAY_PROXY_UPSTREAM_TIMEOUT (--upstream_timeout): "
                         "must be positive (got -1s)\n")

    def test_the_command_line_wins_and_its_errors_name_only_the_flag(self):
        result = run("--upstream_timeout=-2s", env={"GATEWAY_PROXY_UPSTREAM_TIMEOUT": "-1s"})
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr,
                         "gateway-proxy: --upstream_timeout: must be positive (got -2s)\n")
        result = run("--upstream_timeout=-2s", env={"GATEWAY_PROXY_UPSTREAM_TIMEOUT": "5s"})
        self.assertEqual(result.stderr,
                         "gateway-proxy: --upstream_timeout: must be positive (got -2s)\n")


class FlagfileTest(unittest.TestCase):
    """--flagfile: flags one per line, read in place of the --flagfile
    argument; the command line is read in order and a flag's last value
    wins; the environment is under all of it."""

    def flagfile(self, text):
        f = tempfile.NamedTemporaryFile("w", suffix=".flags", delete=False)
        self.addCleanup(os.remove, f.name)
        with f:
            f.write(text)
        return f.name

    def test_a_flagfile_sets_flags(self):
        path = self.flagfile("# from a ConfigMap\n"
                             "\n"
                             "--listen=127.0.0.1:0\n"
                             "  --upstream=http://127.0.0.1:9/from-file\n"
                             "--upstream_timeout=7s\n"
                             "--noaccess_log\n")
        startup, _ = start_up_line(f"--flagfile={path}")
        self.assertEqual(startup["upstream"], "http://127.0.0.1:9/from-file")
        self.assertEqual(startup["upstream_timeout"], "7s")
        self.assertEqual(startup["access_log"], False)

    def test_the_last_value_wins_whether_from_the_line_or_the_file(self):
        path = self.flagfile("--listen=127.0.0.1:0\n--upstream=http://127.0.0.1:9\n"
                             "--upstream_timeout=7s\n")
        startup, _ = start_up_line(f"--flagfile={path}", "--upstream_timeout=9s")
        self.assertEqual(startup["upstream_timeout"], "9s")
        startup, _ = start_up_line("--upstream_timeout=9s", f"--flagfile={path}")
        self.assertEqual(startup["upstream_timeout"], "7s")

    def test_a_flagfile_wins_over_the_environment(self):
        path = self.flagfile("--listen=127.0.0.1:0\n--upstream=http://127.0.0.1:9\n"
                             "--upstream_timeout=7s\n")
        startup, _ = start_up_line(f"--flagfile={path}",
                                   env={"GATEWAY_PROXY_UPSTREAM_TIMEOUT": "3s",
                                        "GATEWAY_PROXY_DRAIN_TIMEOUT": "4s"})
        self.assertEqual(startup["upstream_timeout"], "7s")
        self.assertEqual(startup["drain_timeout"], "4s")

    def test_service_upstream_adds_up_across_the_file_and_the_line(self):
        library_set = os.path.join(os.environ["TEST_DESCRIPTOR_SET_DIR"], "library.pb")
        path = self.flagfile("--listen=127.0.0.1:0\n--upstream=http://127.0.0.1:9\n"
                             "--service_upstream=example.library.v1.Library=http://127.0.0.1:10\n")
        startup, _ = start_up_line(f"--descriptor_set={library_set}", f"--flagfile={path}",
                                   "--service_upstream=gateway.Gateway=http://127.0.0.1:11",
                                   env={"GATEWAY_PROXY_SERVICE_UPSTREAM": "x.Y"})
        self.assertEqual(startup["service_upstream"],
                         ["example.library.v1.Library=http://127.0.0.1:10",
                          "gateway.Gateway=http://127.0.0.1:11"])
        # Without any on the command line, the variable's list is used.
        startup, _ = start_up_line(
            f"--descriptor_set={library_set}", f"--flagfile={path}", "--service_upstream=",
            env={"GATEWAY_PROXY_SERVICE_UPSTREAM": "gateway.Gateway=http://127.0.0.1:12"})
        self.assertEqual(startup["service_upstream"],
                         ["example.library.v1.Library=http://127.0.0.1:10"])
        startup, _ = start_up_line(
            f"--descriptor_set={library_set}", "--listen=127.0.0.1:0",
            "--upstream=http://127.0.0.1:9",
            env={"GATEWAY_PROXY_SERVICE_UPSTREAM":
                 "gateway.Gateway=http://127.0.0.1:12,example.library.v1.Library=http://h:1"})
        self.assertEqual(startup["service_upstream"],
                         ["gateway.Gateway=http://127.0.0.1:12",
                          "example.library.v1.Library=http://h:1"])

    def test_both_service_upstreams_carry_calls_on_the_wire(self):
        # The flagfile's gateway.Gateway=RECORDER must survive the command
        # line's second --service_upstream: GetUser then reaches the
        # recorder, not --upstream (a port that refuses connections).
        import http.server
        import threading
        from gateway import gateway_pb2, gateway_pb2_grpc

        received = []

        class Recorder(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                received.append((self.command, self.path))
                body = b'{"name":"accounts/acme/users/alice","role":"admin"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        recorder = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        threading.Thread(target=recorder.serve_forever, daemon=True).start()
        self.addCleanup(recorder.server_close)
        self.addCleanup(recorder.shutdown)
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            refusing = closed.getsockname()[1]
        library_set = os.path.join(os.environ["TEST_DESCRIPTOR_SET_DIR"], "library.pb")
        path = self.flagfile(
            "--listen=127.0.0.1:0\n"
            f"--upstream=http://127.0.0.1:{refusing}\n"
            f"--service_upstream=gateway.Gateway=http://127.0.0.1:{recorder.server_port}\n")
        process = subprocess.Popen(
            [PROXY, f"--descriptor_set={library_set}", f"--flagfile={path}",
             f"--service_upstream=example.library.v1.Library=http://127.0.0.1:{refusing}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True)
        try:
            first = process.stdout.readline()
            self.assertTrue(first.startswith("listening on "), first)
            with grpc.insecure_channel(first[len("listening on "):].strip()) as channel:
                user = gateway_pb2_grpc.GatewayStub(channel).GetUser(
                    gateway_pb2.GetUserRequest(account_id="acme", user_id="alice"),
                    metadata=(("x-api-key", "test-key-1"),), timeout=10)
        finally:
            process.terminate()
            process.communicate(timeout=30)
        self.assertEqual(user.role, "admin")
        self.assertEqual(received, [("GET", "/v1/accounts/acme/users/alice")])

    def test_a_bad_line_exits_2_naming_the_flag_and_the_line(self):
        path = self.flagfile("--listen=127.0.0.1:0\n--max_retries=x\n")
        result = run(f"--flagfile={path}")
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr, 'gateway-proxy: --max_retries: expected an integer, '
                                        f'got "x" (flagfile "{path}" line 2)\n')
        path = self.flagfile("--upstream_timeout=-1s\n")
        result = run(f"--flagfile={path}")
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr,
                         "gateway-proxy: --upstream_timeout: must be positive (got -1s)\n")

    def test_a_missing_flagfile_exits_2(self):
        result = run("--flagfile=/nonexistent/flags")
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr,
                         'gateway-proxy: --flagfile: cannot read "/nonexistent/flags"\n')


class StartupLineTest(unittest.TestCase):
    def test_startup_line_holds_every_flag_and_the_bound_addresses(self):
        startup, address = start_up_line(
            "--listen=127.0.0.1:0", "--upstream=http://127.0.0.1:9",
            "--metrics_listen=127.0.0.1:0", "--health_listen=127.0.0.1:0")
        self.assertEqual(startup["msg"], "serving")
        self.assertRegex(address, r"^127\.0\.0\.1:[1-9][0-9]*$")
        self.assertEqual(startup["address"], address)
        self.assertRegex(startup["metrics_address"], r"^127\.0\.0\.1:[1-9][0-9]*$")
        self.assertRegex(startup["health_address"], r"^127\.0\.0\.1:[1-9][0-9]*$")
        self.assertEqual(len({address, startup["metrics_address"], startup["health_address"]}),
                         3)
        self.assertEqual(startup["health_listen"], "127.0.0.1:0")
        settings = set(startup) - {"time", "level", "msg", "address", "metrics_address",
                                   "health_address"}
        self.assertEqual(settings, set(help_flags()))

    def test_the_health_address_is_the_one_that_answers(self):
        with tempfile.TemporaryDirectory() as work:
            err_path = os.path.join(work, "err")
            with open(err_path, "wb") as err:
                proxy = subprocess.Popen(
                    [PROXY, "--listen=127.0.0.1:0", "--upstream=http://127.0.0.1:9",
                     "--health_listen=127.0.0.1:0", "--access_log=false"],
                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, text=True)
            try:
                self.assertTrue(proxy.stdout.readline().startswith("listening on "))
                # The start-up line is written before stdout's line.
                with open(err_path) as err:
                    startup = json.loads(err.readline())
                with grpc.insecure_channel(startup["health_address"]) as channel:
                    health = channel.unary_unary("/grpc.health.v1.Health/Check")(b"",
                                                                               timeout=10)
                self.assertEqual(health, b"\x08\x01")  # status: SERVING
            finally:
                proxy.terminate()
                proxy.communicate(timeout=30)
            self.assertEqual(proxy.returncode, 0)

    def test_without_metrics_or_health_their_addresses_are_empty(self):
        startup, _ = start_up_line("--listen=127.0.0.1:0", "--upstream=http://127.0.0.1:9")
        self.assertEqual(startup["metrics_address"], "")
        self.assertEqual(startup["health_address"], "")


class MockGatewayCommandLineTest(unittest.TestCase):
    def test_help_lists_its_flags_and_exits_0(self):
        result = run("--help", binary=MOCK)
        self.assertEqual(result.returncode, 0)
        self.assertEqual(result.stderr, "")
        listed = re.findall(r"^    --([a-z0-9_]+) \(", result.stdout, re.MULTILINE)
        self.assertEqual(listed, ["api_key", "listen", "seed", "status_table"])
        self.assertIn('--listen (HOST:PORT to serve on', result.stdout)
        self.assertIn('default: "127.0.0.1:0";', result.stdout)
        self.assertNotIn(".cc", result.stdout)
        self.assertEqual(run("-h", binary=MOCK).stdout, result.stdout)
        self.assertEqual(run("-h", binary=MOCK).returncode, 0)

    def test_version_and_bad_flags(self):
        result = run("--version", binary=MOCK)
        self.assertEqual((result.returncode, result.stdout), (0, f"mock-gateway {VERSION}\n"))
        result = run("--seed=perhaps", binary=MOCK)
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr,
                         'mock-gateway: --seed: expected true or false, got "perhaps"\n')
        result = run("--api_keys=k", binary=MOCK)
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr,
                         "mock-gateway: --api_keys: unknown flag (--help lists every flag)\n")


if __name__ == "__main__":
    unittest.main(verbosity=2)
