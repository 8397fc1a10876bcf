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


def run(*args, env=None):
    return subprocess.run([PROXY, *args], capture_output=True, text=True, timeout=30,
                          env=None if env is None else dict(os.environ, **env))


def help_flags():
    """The flag names --help documents."""
    result = run("--help")
    return re.findall(r"^    --([a-z0-9_]+) \(", result.stdout + result.stderr, re.MULTILINE)


class CommandLineTest(unittest.TestCase):
    def test_help_documents_every_flag_with_its_default(self):
        result = run("--help")
        self.assertEqual(result.returncode, 1)  # absl's --help exit code
        out = result.stdout + result.stderr
        for flag, default in [
            ("--listen", 'default: "127.0.0.1:50051"'),
            ("--upstream", 'default: "https://api.fireworks.ai"'),
            ("--api_key_file", 'default: ""'),
            ("--upstream_timeout", "default: 30s"),
            ("--upstream_connect_timeout", "default: 5s"),
            ("--forward_metadata", "default: x-request-id,traceparent,tracestate"),
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
        ]:
            with self.subTest(flag=flag):
                start = out.index(flag + " (")
                end = out.find("\n    --", start + 1)
                self.assertIn(default, out[start:end if end != -1 else None])

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
            (["--tls_cert=/etc/hostname"],
             "gateway-proxy: --tls_key: --tls_cert and --tls_key go together\n"),
            (["--metrics_listen=nope"],
             'gateway-proxy: --metrics_listen: expected host:port, got "nope"\n'),
            (["--max_request_bytes=0"],
             "gateway-proxy: --max_request_bytes: must be 1..1073741824\n"),
        ]
        for args, expected in cases:
            with self.subTest(args=args):
                result = run(*args)
                self.assertEqual(result.returncode, 2)
                self.assertEqual(result.stderr, expected)
                self.assertEqual(result.stdout, "")

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
        result = run(env={"GATEWAY_PROXY_UPSTREAM_TIMEOUT": "abc"})
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr,
                         "gateway-proxy: GATEWAY_PROXY_UPSTREAM_TIMEOUT (--upstream_timeout): "
                         "Illegal value 'abc' specified for flag 'upstream_timeout'\n")
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


class StartupLineTest(unittest.TestCase):
    def test_startup_line_holds_every_flag(self):
        process = subprocess.Popen(
            [PROXY, "--listen=127.0.0.1:0", "--upstream=http://127.0.0.1:9",
             "--metrics_listen=127.0.0.1:0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        try:
            first = process.stdout.readline()
            startup = json.loads(process.stderr.readline())
        finally:
            process.terminate()
            process.communicate(timeout=30)
        self.assertEqual(process.returncode, 0)
        self.assertTrue(first.startswith("listening on 127.0.0.1:"), first)
        self.assertEqual(startup["msg"], "serving")
        self.assertEqual(startup["address"], first[len("listening on "):].strip())
        self.assertRegex(startup["metrics_address"], r"^127\.0\.0\.1:[1-9][0-9]*$")
        settings = set(startup) - {"time", "level", "msg", "address", "metrics_address"}
        self.assertEqual(settings, set(help_flags()))


if __name__ == "__main__":
    unittest.main(verbosity=2)
