"""The gateway-proxy binary's command line: --help is the reference, and a
bad value stops start-up with one line naming the flag."""

import os
import subprocess
import unittest

PROXY = os.environ["GATEWAY_PROXY_BIN"]


def run(*args):
    return subprocess.run([PROXY, *args], capture_output=True, text=True, timeout=30)


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
             'gateway-proxy: --forward_metadata: "host" cannot be forwarded (lower-case '
             "names only; not -bin, grpc-*, pseudo, hop-by-hop, framing or credential "
             "headers)\n"),
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


if __name__ == "__main__":
    unittest.main(verbosity=2)
