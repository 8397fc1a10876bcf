#!/usr/bin/env python3
"""Hardening, end to end against the built binary, counting what went over
the wire with a raw-socket upstream (raw_upstream.py):

- a PATCH or POST whose bytes were written reaches the upstream at most once,
  whatever the connection does afterwards; a GET may still be sent again;
- the pod's key (--api_key_file) never comes back to a caller who did not
  send it: not in a message, an excerpt, a detail or reply metadata;
- SIGTERM drains and exits in time while nobody reads stdout;
- a gzip-compressed request is refused before it is decompressed;
- reply metadata carries no hop-by-hop or reserved names and stays under a
  size cap.

Run by CTest with /usr/bin/python3, PYTHONPATH and GATEWAY_PROXY_BIN (see
e2e_test.py). Needs python3-h2 to send a hand-compressed gRPC message.
"""

import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import zlib
from concurrent import futures

import grpc
import h2.config  # python3-h2
import h2.connection
import h2.events
import h2.exceptions
from google.rpc import error_details_pb2, status_pb2

from gateway import gateway_pb2, gateway_pb2_grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_test import PROXY_BIN, Server  # noqa: E402
from raw_upstream import CLOSE, RawUpstream, response  # noqa: E402

CALL_TIMEOUT_S = 10
USER_JSON = b'{"name":"accounts/acme/users/alice","role":"admin"}'
CALLER_KEY = [("x-api-key", "caller-key-0000")]

# grpc.health.v1 by hand (Debian's grpcio has no grpc_health): an empty
# HealthCheckRequest, and HealthCheckResponse{status} as bytes.
SERVING = b"\x08\x01"
NOT_SERVING = b"\x08\x02"


def answer_first_then_die(request):
    """Each connection answers its first request and hangs up, unanswered,
    after reading its second."""
    if request.index == 0:
        return response(200, USER_JSON)
    return CLOSE


def with_id(request_id):
    """Matches the requests that carried x-request-id `request_id`."""
    return lambda request: request.header("x-request-id") == request_id


def outcome(call):
    """(code, message) of a call made with `call()`: OK and "" on success."""
    try:
        call()
        return grpc.StatusCode.OK, ""
    except grpc.RpcError as error:
        return error.code(), error.details()


def update_user(stub, request_id, **kwargs):
    request = gateway_pb2.UpdateUserRequest(
        account_id="acme", user_id="alice", user=gateway_pb2.User(role="admin"))
    return stub.UpdateUser(request, timeout=CALL_TIMEOUT_S,
                           metadata=CALLER_KEY + [("x-request-id", request_id)],
                           **kwargs)


def create_user(stub, request_id, user_id="carol"):
    request = gateway_pb2.CreateUserRequest(
        account_id="acme", user_id=user_id, user=gateway_pb2.User(role="admin"))
    return stub.CreateUser(request, timeout=CALL_TIMEOUT_S,
                           metadata=CALLER_KEY + [("x-request-id", request_id)])


def get_user(stub, request_id):
    request = gateway_pb2.GetUserRequest(account_id="acme", user_id="alice")
    return stub.GetUser(request, timeout=CALL_TIMEOUT_S,
                        metadata=CALLER_KEY + [("x-request-id", request_id)])


def h2_unary(address, path, frame, headers, timeout=30):
    """Sends one gRPC request whose body is `frame` as is (e.g. compressed by
    hand), over HTTP/2 with python3-h2; the response's headers and trailers.

    A gRPC client compresses the message it is given, so a bomb would cost
    this process its decompressed size; and curl loses an answer that comes
    back while it is still uploading."""
    connection = h2.connection.H2Connection(h2.config.H2Configuration(
        client_side=True, header_encoding="utf-8"))
    fields = {}
    host, port = address.rsplit(":", 1)
    deadline = time.monotonic() + timeout
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        connection.initiate_connection()
        stream = connection.get_next_available_stream_id()
        connection.send_headers(stream, [
            (":method", "POST"), (":scheme", "http"), (":authority", address),
            (":path", path), ("content-type", "application/grpc"),
            ("te", "trailers")] + list(headers))
        sent = 0
        ended = False
        while not ended:
            # As much of the body as flow control allows; the rest after
            # the peer's WINDOW_UPDATE.
            while sent < len(frame):
                size = min(connection.local_flow_control_window(stream),
                           connection.max_outbound_frame_size, len(frame) - sent)
                if size <= 0:
                    break
                connection.send_data(stream, frame[sent:sent + size],
                                     end_stream=sent + size == len(frame))
                sent += size
            sock.sendall(connection.data_to_send())
            if time.monotonic() > deadline:
                raise AssertionError(f"no answer within {timeout} s: {fields}")
            data = sock.recv(65536)
            if not data:
                break
            try:
                events = connection.receive_data(data)
            except h2.exceptions.ProtocolError as error:
                # h2 reads no frame after a GOAWAY: the answer ends here.
                fields["h2-error"] = str(error)
                break
            for event in events:
                if isinstance(event, (h2.events.ResponseReceived,
                                      h2.events.TrailersReceived)):
                    fields.update(event.headers)
                elif isinstance(event, h2.events.ConnectionTerminated):
                    fields["goaway"] = str(event.error_code)
                    ended = True
                elif isinstance(event, h2.events.DataReceived):
                    connection.acknowledge_received_data(
                        event.flow_controlled_length, event.stream_id)
                elif isinstance(event, (h2.events.StreamEnded,
                                        h2.events.StreamReset)):
                    ended = ended or event.stream_id == stream
            sock.sendall(connection.data_to_send())
    return fields


@unittest.skipUnless(PROXY_BIN, "GATEWAY_PROXY_BIN must be set")
class HardeningTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="gateway-proxy-hardening-")
        self.addCleanup(self.dir.cleanup)

    def print_log_if_failed(self, server):
        # unittest keeps no public "did this test fail" flag.
        result = getattr(getattr(self, "_outcome", None), "result", None)
        failed = [test for test, _ in (result.errors + result.failures if result else ())]
        if any(getattr(test, "test_case", test) is self for test in failed):
            print(f"\n--- {server.name} log ---\n{server.log()}", file=sys.stderr)

    def upstream(self, script):
        upstream = RawUpstream(script)
        self.addCleanup(upstream.stop)
        return upstream

    def proxy(self, upstream, *flags):
        """A proxy in front of `upstream`; a Gateway stub and its channel."""
        proxy = Server("gateway-proxy", [
            PROXY_BIN, "--listen=127.0.0.1:0",
            f"--upstream=http://{upstream.address}", "--access_log=false",
            *flags], self.dir.name)
        self.addCleanup(self.print_log_if_failed, proxy)
        self.addCleanup(proxy.stop)
        channel = grpc.insecure_channel(proxy.address)
        self.addCleanup(channel.close)
        return proxy, channel, gateway_pb2_grpc.GatewayStub(channel)

    # --- 1. At most once for PATCH and POST --------------------------------

    def assert_sent_once_then_unknown(self, upstream, request_id, method,
                                      code, message):
        sent = [r for r in upstream.requests() if with_id(request_id)(r)]
        self.assertEqual(len(sent), 1, f"{method} sent {len(sent)} times: {sent}"
                         f" (the client got {code.name}: {message!r})")
        self.assertEqual(sent[0].method, method)
        self.assertEqual(code, grpc.StatusCode.UNKNOWN, message)
        self.assertTrue(message.startswith(f"upstream 127.0.0.1:{upstream.port} "),
                        message)
        self.assertIn("may have been processed", message)

    def test_patch_on_a_connection_that_dies_after_reading_is_sent_once(self):
        for retries in ("0", "3"):
            with self.subTest(max_retries=retries):
                upstream = self.upstream(answer_first_then_die)
                _, _, stub = self.proxy(upstream, f"--max_retries={retries}")
                self.assertEqual(update_user(stub, "patch-1").role, "admin")
                code, message = outcome(lambda: update_user(stub, "patch-2"))
                self.assert_sent_once_then_unknown(upstream, "patch-2", "PATCH",
                                                   code, message)
                self.assertEqual(len(upstream.requests()), 2, upstream.requests())

    def test_post_on_a_connection_that_dies_after_reading_is_sent_once(self):
        for retries in ("0", "3"):
            with self.subTest(max_retries=retries):
                upstream = self.upstream(answer_first_then_die)
                _, _, stub = self.proxy(upstream, f"--max_retries={retries}")
                self.assertEqual(create_user(stub, "post-1", "dave").role, "admin")
                code, message = outcome(lambda: create_user(stub, "post-2"))
                self.assert_sent_once_then_unknown(upstream, "post-2", "POST",
                                                   code, message)
                self.assertEqual(upstream.requests()[1].target,
                                 "/v1/accounts/acme/users?userId=carol")
                self.assertEqual(len(upstream.requests()), 2, upstream.requests())

    def test_post_is_sent_once_when_every_pooled_connection_dies(self):
        connections = 8
        for retries in ("0", "3"):
            with self.subTest(max_retries=retries):
                warm = threading.Barrier(connections, timeout=10)
                dying = threading.Event()

                def script(request):
                    if dying.is_set():
                        return CLOSE
                    # Held until all of them arrived: one connection each.
                    try:
                        warm.wait()
                    except threading.BrokenBarrierError:
                        return CLOSE
                    return response(200, USER_JSON)

                upstream = self.upstream(script)
                _, _, stub = self.proxy(upstream, f"--max_retries={retries}")
                with futures.ThreadPoolExecutor(connections) as pool:
                    warm_calls = [pool.submit(create_user, stub, f"warm-{i}", f"u{i}")
                                  for i in range(connections)]
                    for call in warm_calls:
                        self.assertEqual(call.result(timeout=20).role, "admin")
                self.assertEqual(upstream.connections(), connections)

                dying.set()
                code, message = outcome(lambda: create_user(stub, "post-once"))
                # Counted first: the point is what reached the upstream.
                self.assert_sent_once_then_unknown(upstream, "post-once", "POST",
                                                   code, message)

    def test_get_on_a_connection_that_dies_after_reading_is_sent_again(self):
        upstream = self.upstream(answer_first_then_die)
        _, _, stub = self.proxy(upstream)
        self.assertEqual(get_user(stub, "get-1").role, "admin")
        self.assertEqual(get_user(stub, "get-2").role, "admin")
        sent = [r for r in upstream.requests() if with_id("get-2")(r)]
        self.assertEqual([(r.method, r.connection, r.index) for r in sent],
                         [("GET", 0, 1), ("GET", 1, 0)])

    # --- 3. The pod's key never reaches a caller ---------------------------

    POD_KEY = "pod-key-for-tests-7f3a9c"  # A throwaway value.
    CALLER_TOKEN = "caller-own-token-1"

    @staticmethod
    def echo_authorization(request):
        """Hands the Authorization header back; the user id picks where."""
        auth = request.header("authorization") or ""
        case = request.target.split("?")[0].rsplit("/", 1)[-1]
        if case == "message":
            return response(401, json.dumps(
                {"code": 16, "message": f"invalid credential: {auth}"}))
        if case == "excerpt":
            return response(
                502, f"<html><body><h1>Bad gateway</h1><p>{auth}</p></body></html>",
                content_type="text/html")
        if case == "detail":
            return response(404, json.dumps({
                "code": 5, "message": "no such user", "details": [{
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "USER_NOT_FOUND", "domain": "gateway.example",
                    "metadata": {"auth": auth}}]}))
        return response(200, USER_JSON, headers=[("Grpc-Metadata-Echo-Auth", auth)])

    def echo_calls(self, caller_metadata):
        """The four echo calls; for each, (code, message, reply bytes,
        initial metadata, trailing metadata)."""
        upstream = self.upstream(self.echo_authorization)
        key_file = os.path.join(self.dir.name, "api_key")
        with open(key_file, "w", encoding="utf-8") as f:
            f.write(self.POD_KEY + "\n")
        _, channel, _ = self.proxy(upstream, f"--api_key_file={key_file}")
        get = channel.unary_unary(
            "/gateway.Gateway/GetUser",
            request_serializer=gateway_pb2.GetUserRequest.SerializeToString)
        results = {}
        for case in ("message", "excerpt", "detail", "metadata"):
            request = gateway_pb2.GetUserRequest(account_id="acme", user_id=case)
            try:
                reply, call = get.with_call(request, timeout=CALL_TIMEOUT_S,
                                            metadata=caller_metadata)
                results[case] = (call.code(), call.details() or "", reply,
                                 call.initial_metadata(), call.trailing_metadata())
            except grpc.RpcError as error:
                results[case] = (error.code(), error.details() or "", b"",
                                 error.initial_metadata(), error.trailing_metadata())
        return upstream, results

    @staticmethod
    def details_of(trailing_metadata):
        for key, value in trailing_metadata or ():
            if key == "grpc-status-details-bin":
                return status_pb2.Status.FromString(value)
        raise AssertionError(f"no grpc-status-details-bin in {trailing_metadata}")

    def error_info(self, trailing_metadata):
        infos = []
        for detail in self.details_of(trailing_metadata).details:
            if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                infos.append(info)
        self.assertEqual(len(infos), 1, infos)
        return infos[0]

    def test_the_pods_key_is_redacted_from_everything_a_caller_receives(self):
        upstream, results = self.echo_calls(caller_metadata=[])
        # The upstream did get the pod's key, every time.
        self.assertEqual([r.header("authorization") for r in upstream.requests()],
                         [f"Bearer {self.POD_KEY}"] * 4)
        redacted = "Bearer [redacted]"
        key = self.POD_KEY.encode()
        leaks = []
        for case, (code, message, reply, initial, trailing) in results.items():
            received = [message.encode(), reply]
            for key_name, value in list(initial or ()) + list(trailing or ()):
                received.append(key_name.encode())
                received.append(value if isinstance(value, bytes) else value.encode())
            leaks.extend(f"{case}: {item[:200]!r}" for item in received if key in item)
        self.assertEqual(leaks, [], "the pod's key reached the caller")

        code, message, _, _, _ = results["message"]
        self.assertEqual((code, message), (grpc.StatusCode.UNAUTHENTICATED,
                                           f"invalid credential: {redacted}"))
        code, message, _, _, _ = results["excerpt"]
        self.assertEqual(code, grpc.StatusCode.UNAVAILABLE, message)
        self.assertTrue(message.startswith("upstream HTTP 502: "), message)
        self.assertIn(redacted, message)
        code, message, _, _, trailing = results["detail"]
        self.assertEqual((code, message), (grpc.StatusCode.NOT_FOUND, "no such user"))
        info = self.error_info(trailing)
        self.assertEqual((info.reason, info.domain, dict(info.metadata)),
                         ("USER_NOT_FOUND", "gateway.example", {"auth": redacted}))
        code, _, reply, initial, _ = results["metadata"]
        self.assertEqual(code, grpc.StatusCode.OK)
        self.assertEqual(gateway_pb2.User.FromString(reply).role, "admin")
        self.assertIn(("echo-auth", redacted), list(initial))

    def test_a_callers_own_credential_is_echoed_as_sent(self):
        auth = f"Bearer {self.CALLER_TOKEN}"
        upstream, results = self.echo_calls(caller_metadata=[("authorization", auth)])
        self.assertEqual([r.header("authorization") for r in upstream.requests()],
                         [auth] * 4)
        self.assertEqual(results["message"][:2], (grpc.StatusCode.UNAUTHENTICATED,
                                                  f"invalid credential: {auth}"))
        self.assertEqual(results["excerpt"][0], grpc.StatusCode.UNAVAILABLE)
        self.assertIn(auth, results["excerpt"][1])
        self.assertEqual(dict(self.error_info(results["detail"][4]).metadata),
                         {"auth": auth})
        self.assertIn(("echo-auth", auth), list(results["metadata"][3]))

    # --- 6. SIGTERM while stdout is stalled ---------------------------------

    def test_sigterm_drains_and_exits_while_stdout_is_not_read(self):
        drain_timeout_s = 2
        release = threading.Event()
        self.addCleanup(release.set)

        def script(request):
            if request.header("x-request-id") == "held":
                release.wait(timeout=3)
            return response(200, USER_JSON)

        upstream = self.upstream(script)
        stdout_read, stdout_write = os.pipe()
        stderr_read, stderr_write = os.pipe()
        process = subprocess.Popen(
            [PROXY_BIN, "--listen=127.0.0.1:0", f"--upstream=http://{upstream.address}",
             f"--drain_timeout={drain_timeout_s}s"],
            stdin=subprocess.DEVNULL, stdout=stdout_write, stderr=stderr_write)
        os.close(stdout_write)
        os.close(stderr_write)

        def stop():
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
            os.close(stdout_read)  # Kept open until here: a stalled reader.
        self.addCleanup(stop)

        stderr_lines = []
        stderr_changed = threading.Condition()

        def read_stderr():
            pending = b""
            while True:
                data = os.read(stderr_read, 65536)
                if not data:
                    break
                pending += data
                *lines, pending = pending.split(b"\n")
                with stderr_changed:
                    stderr_lines.extend(lines)
                    stderr_changed.notify_all()
            os.close(stderr_read)
        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()

        # Only the first stdout line is read, a byte at a time so nothing
        # after it is taken out of the pipe.
        first_line = b""
        deadline = time.monotonic() + 20
        while not first_line.endswith(b"\n") and time.monotonic() < deadline:
            if select.select([stdout_read], [], [], 0.5)[0]:
                byte = os.read(stdout_read, 1)
                if not byte:
                    break
                first_line += byte
        self.assertTrue(first_line.startswith(b"listening on "), first_line)
        address = first_line[len(b"listening on "):].strip().decode()

        channel = grpc.insecure_channel(address)
        self.addCleanup(channel.close)
        stub = gateway_pb2_grpc.GatewayStub(channel)
        # 300 access-log lines of over 2 KB each: far more than a pipe holds.
        long_id = "r" * 2048
        with futures.ThreadPoolExecutor(8) as pool:
            calls = [pool.submit(update_user, stub, f"{long_id}-{i}") for i in range(300)]
            for call in calls:
                self.assertEqual(call.result(timeout=30).role, "admin")

        held_pool = futures.ThreadPoolExecutor(1)
        self.addCleanup(held_pool.shutdown)
        self.addCleanup(release.set)  # Runs first: the held call ends.
        held = held_pool.submit(outcome, lambda: update_user(stub, "held"))
        self.assertTrue(upstream.wait_for(lambda rs: any(map(with_id("held"), rs))),
                        "the held call never reached the upstream")

        with stderr_changed:
            seen = len(stderr_lines)
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)

        def draining_line():
            for line in stderr_lines[seen:]:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if isinstance(entry, dict) and entry.get("msg") == "draining":
                    return entry
            return None
        with stderr_changed:
            stderr_changed.wait_for(draining_line, timeout=1)
            entry = draining_line()
            after_signal = [line.decode(errors="replace") for line in stderr_lines[seen:]]
        self.assertIsNotNone(entry, "no JSON 'draining' line on stderr within 1 s of "
                             f"SIGTERM; stderr after it: {after_signal}")
        self.assertEqual(entry.get("signal"), "SIGTERM", entry)
        self.assertEqual([key for key in ("time", "level", "msg") if key not in entry],
                         [], entry)

        # Readiness goes NOT_SERVING once the drain has begun, which the line
        # may precede by a moment: polled (bounded) while the call is held.
        check = channel.unary_unary("/grpc.health.v1.Health/Check")
        statuses = []
        while time.monotonic() - signalled < 1.5 and NOT_SERVING not in statuses:
            statuses.append(check(b"", timeout=1))
            if statuses[-1] != NOT_SERVING:
                time.sleep(0.01)  # No event to wait on; Check is cheap.
        self.assertEqual(statuses[-1], NOT_SERVING,
                         f"health within 1.5 s of SIGTERM: {statuses}")
        self.assertFalse(held.done(), "the held call ended before health was checked")

        left = drain_timeout_s + 1 - (time.monotonic() - signalled)
        try:
            code = process.wait(timeout=max(0, left))
        except subprocess.TimeoutExpired:
            self.fail(f"still running {drain_timeout_s + 1} s after SIGTERM")
        self.assertEqual(code, 0)
        held.result(timeout=10)
        reader.join(timeout=10)
        # Every stderr line is one JSON object with at least these keys.
        for line in stderr_lines:
            entry = json.loads(line)
            self.assertEqual([key for key in ("time", "level", "msg") if key not in entry],
                             [], line)

    # --- 7. gzip bombs ---------------------------------------------------

    def gzip_bomb_frame(self, decompressed_mb=300):
        """A gzip-compressed gRPC frame of an UpdateUserRequest whose
        user.display_name holds `decompressed_mb` MB of zeros."""
        zeros = decompressed_mb << 20

        def varint(n):
            out = bytearray()
            while n >= 0x80:
                out.append(n & 0x7F | 0x80)
                n >>= 7
            out.append(n)
            return bytes(out)
        display_name = b"\x12" + varint(zeros)  # User.display_name = 2
        user = b"\x1a" + varint(len(display_name) + zeros)  # user = 3
        head = b"\x0a\x04acme\x12\x05alice" + user + display_name
        compressor = zlib.compressobj(wbits=31)
        parts = [compressor.compress(head)]
        chunk = bytes(1 << 20)
        for _ in range(decompressed_mb):
            parts.append(compressor.compress(chunk))
        parts.append(compressor.flush())
        payload = b"".join(parts)
        return b"\x01" + len(payload).to_bytes(4, "big") + payload

    def test_gzip_requests_are_refused_before_they_are_decompressed(self):
        upstream = self.upstream(lambda request: response(200, USER_JSON))
        proxy, _, stub = self.proxy(upstream)
        frame = self.gzip_bomb_frame()
        self.assertLess(len(frame), 400_000)

        peak_kib = [0]
        sampling = threading.Event()

        def sample():
            path = f"/proc/{proxy.process.pid}/status"
            while not sampling.wait(0.01):
                try:
                    with open(path) as status:
                        for line in status:
                            if line.startswith("VmRSS:"):
                                peak_kib[0] = max(peak_kib[0], int(line.split()[1]))
                except OSError:
                    return
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            answers = [h2_unary(proxy.address, "/gateway.Gateway/UpdateUser", frame,
                                [("grpc-encoding", "gzip"),
                                 ("x-api-key", "caller-key-0000")])
                       for _ in range(3)]
        finally:
            sampling.set()
            sampler.join(timeout=5)

        self.assertEqual(upstream.requests(), [], "a bomb reached the upstream")
        self.assertLess(peak_kib[0], 100 * 1024, f"peak VmRSS {peak_kib[0]} KiB")
        for fields in answers:
            # gRPC's own answer to a compression algorithm it has disabled.
            self.assertEqual((fields.get("grpc-status"),
                              urllib.parse.unquote(fields.get("grpc-message", ""))),
                             ("12", "Compression algorithm 'gzip' is disabled."),
                             fields)
        self.assertEqual(update_user(stub, "after-bombs").role, "admin")

    # --- 8. Reply metadata --------------------------------------------------

    def reply_metadata(self, headers, caller_metadata=()):
        """The initial metadata of an OK call whose 200 carries `headers`."""
        upstream = self.upstream(lambda request: response(200, USER_JSON, headers=headers))
        _, _, stub = self.proxy(upstream)
        request = gateway_pb2.GetUserRequest(account_id="acme", user_id="alice")
        try:
            user, call = stub.GetUser.with_call(
                request, timeout=CALL_TIMEOUT_S,
                metadata=CALLER_KEY + list(caller_metadata))
        except grpc.RpcError as error:
            self.fail(f"{error.code().name}: {error.details()}")
        self.assertEqual(user.role, "admin")
        return [tuple(entry) for entry in call.initial_metadata()]

    def test_hop_by_hop_and_reserved_names_are_dropped(self):
        reserved = ["Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade",
                    "Te", "Host"]
        metadata = self.reply_metadata(
            [(f"Grpc-Metadata-{name}", "x") for name in reserved]
            + [("Grpc-Metadata-Fine", "ok")])
        self.assertIn(("fine", "ok"), metadata)
        names = {key for key, _ in metadata}
        self.assertEqual(names & {name.lower() for name in reserved}, set(), metadata)

    def test_an_oversized_value_is_dropped_not_fatal(self):
        metadata = self.reply_metadata([("Grpc-Metadata-Fine", "ok"),
                                        ("Grpc-Metadata-Big", "b" * 9216)])
        self.assertNotIn("big", {key for key, _ in metadata})
        self.assertIn(("fine", "ok"), metadata)

    def test_reply_metadata_is_capped_dropping_whole_entries_from_the_end(self):
        # Each entry counts len(key) + len(value) + 32: 7 x 534 = 3,738 fits
        # in 4,096 bytes, 8 x 534 does not.
        headers = [(f"Grpc-Metadata-K{i}", str(i) * 500) for i in range(10)]
        metadata = self.reply_metadata(headers)
        self.assertEqual(metadata, [(f"k{i}", str(i) * 500) for i in range(7)])
        # The request id echo comes first and counts: 12 + 400 + 32 bytes
        # leave room for six.
        request_id = "q" * 400
        metadata = self.reply_metadata(headers,
                                       caller_metadata=[("x-request-id", request_id)])
        self.assertIn(("x-request-id", request_id), metadata)
        self.assertEqual([entry for entry in metadata if entry[0] != "x-request-id"],
                         [(f"k{i}", str(i) * 500) for i in range(6)])


if __name__ == "__main__":
    unittest.main(verbosity=2)
