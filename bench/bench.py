#!/usr/bin/python3
"""The proxy against its physical limits and a hand-written Go sidecar, on
loopback, in one run.

Started here: nginx (bench/nginx.conf.in) answering the PATCH with a canned
User, gateway-proxy in front of it, the Go sidecar (bench/go-sidecar, the
same service written by hand with grpc-go and net/http) in front of it too,
and bench-ceiling (bench/ceiling_server.cc), a gRPC callback server that
answers the same call with the same User and calls no upstream. h2load
drives gRPC UpdateUser (a pre-encoded gRPC frame, content-type
application/grpc, te: trailers) at concurrency 1 and 16 against the proxy,
the Go sidecar and the ceiling, and the same PATCH straight to nginx
(HTTP/1.1, as the proxy sends it). Then head-of-line blocking: a small
GetUser's p99 alone and while six ~3.6 MB ListUsers replies are kept in
flight. Last a concurrency check: 1,000 and 10,000 calls in flight at once
through a proxy (and a Go sidecar) whose upstream, over HTTP/1.1 and over
HTTP/2 with TLS, holds every request 1 s.

  bash bench/run.sh            # builds, then runs this

Prints one table, every figure measured in this run, and each target as met
or MISSED. Exit status 1 when a call failed or answered wrong (h2load's
counts and bytes of reply data, the replies of the checked calls, the
proxy's metrics); a missed target is reported, not an error."""

import argparse
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import grpc
from google.protobuf import json_format

from gateway import gateway_pb2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from h2load_output import Summary, UnexpectedOutput  # noqa: E402

API_KEY = "bench-key-0000"  # A throwaway value: nginx checks nothing.
SERVICE = "/gateway.Gateway/"
METHOD_PATH = SERVICE + "UpdateUser"
REST_PATH = "/v1/accounts/acme/users/alice"
# The User nginx answers, and bench-ceiling answers field for field.
USER_JSON = json.dumps({
    "name": "accounts/acme/users/alice", "displayName": "Alice Example",
    "serviceAccount": False, "createTime": "2026-01-01T00:00:00Z", "role": "admin",
    "email": "alice@example.com", "state": "READY",
    "updateTime": "2026-01-01T00:00:00Z"}, separators=(",", ":"))
# What the proxy sends for the request below; the direct run sends the same.
PATCH_JSON = json.dumps({
    "name": "accounts/acme/users/alice", "displayName": "Alice Example",
    "role": "admin"}, separators=(",", ":"))
# The gRPC reply every UpdateUser and GetUser must get, byte for byte.
USER_REPLY = json_format.Parse(USER_JSON, gateway_pb2.User()).SerializeToString()
LIST_USERS_BYTES = 3_600_000  # About the size of the ListUsers JSON nginx serves.
CLK_TCK = os.sysconf("SC_CLK_TCK")


def list_users_json():
    """A ListUsersResponse of about LIST_USERS_BYTES of JSON."""
    users, size, i = [], 0, 0
    while size < LIST_USERS_BYTES:
        user = {"name": f"accounts/acme/users/user-{i:06d}",
                "displayName": f"User {i:06d} of the head-of-line check",
                "serviceAccount": i % 7 == 0, "createTime": "2026-01-01T00:00:00Z",
                "role": ("admin", "user", "contributor")[i % 3],
                "email": f"user-{i:06d}@example.com", "state": "READY",
                "status": {"code": "OK", "message": ""},
                "updateTime": "2026-01-02T03:04:05.678Z"}
        users.append(user)
        size += len(json.dumps(user, separators=(",", ":"))) + 1
        i += 1
    return json.dumps({"users": users, "nextPageToken": "page-2", "totalSize": 2 * i},
                      separators=(",", ":"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def grpc_frame(message):
    data = message.SerializeToString()
    return b"\x00" + len(data).to_bytes(4, "big") + data


UPDATE_USER = gateway_pb2.UpdateUserRequest(
    account_id="acme", user_id="alice",
    user=gateway_pb2.User(display_name="Alice Example", role="admin"))
GET_USER = gateway_pb2.GetUserRequest(account_id="acme", user_id="alice")
LIST_USERS = gateway_pb2.ListUsersRequest(account_id="acme")


# --- processes ---------------------------------------------------------------

class Process:
    """A server started with stdout and stderr in files of `workdir`."""

    def __init__(self, name, argv, workdir, wait_for=None):
        self.name = name
        self.out_path = os.path.join(workdir, f"{name}.out")
        self.err_path = os.path.join(workdir, f"{name}.err")
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.process = subprocess.Popen(argv, stdout=out, stderr=err)
        self.pid = self.process.pid
        self.address = None
        if wait_for == "listening":
            self.address = self._wait_for_listening()

    def _wait_for_listening(self):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with open(self.out_path, encoding="utf-8", errors="replace") as out:
                first = out.readline()
            if first.startswith("listening on ") and first.endswith("\n"):
                return first.split()[-1]
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        self.stop()
        sys.exit(f"bench: {self.name} did not start; stderr:\n{self.stderr()}")

    def stderr(self):
        with open(self.err_path, encoding="utf-8", errors="replace") as err:
            return err.read()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wait_for_port(port, process):
    """True once `port` accepts connections; False if `process` exits first."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        if process.process.poll() is not None:
            return False
        time.sleep(0.02)
    process.stop()
    sys.exit(f"bench: {process.name} is not listening on {port}:\n{process.stderr()}")


def start_nginx(args, workdir):
    """nginx on three free ports: (process, fast port, {"h1": port, "h2": port}).

    nginx cannot take port 0, so the ports are picked first; another process
    may take one meanwhile, and then nginx exits and is started again on new
    ones."""
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "nginx.conf.in")) as f:
        template = f.read()
    for _ in range(5):
        fast_port = free_port()
        ports = {"h1": free_port(), "h2": free_port()}
        conf = template
        for key, value in (("@PREFIX@", workdir), ("@FAST_PORT@", str(fast_port)),
                           ("@SLOW_H1_PORT@", str(ports["h1"])),
                           ("@SLOW_H2_PORT@", str(ports["h2"])), ("@USER_JSON@", USER_JSON),
                           ("@API_KEY@", API_KEY)):
            conf = conf.replace(key, value)
        with open(os.path.join(workdir, "nginx.conf"), "w") as f:
            f.write(conf)
        nginx = Process("nginx", [args.nginx, "-p", workdir, "-c",
                                  os.path.join(workdir, "nginx.conf")], workdir)
        if all(wait_for_port(port, nginx) for port in (fast_port, *ports.values())):
            time.sleep(0.1)  # A port another process held answers too: check nginx lives.
            if nginx.process.poll() is None:
                return nginx, fast_port, ports
        nginx.stop()
    sys.exit(f"bench: nginx did not start:\n{nginx.stderr()}")


def proc_status(pid, key):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    """utime + stime of the whole process, in seconds."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14, 15


def cpu_seconds_by_thread_name(pid):
    """utime + stime of each of the process's thread names, in seconds."""
    by_name = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as stat:
                text = stat.read()
        except FileNotFoundError:
            continue  # The thread ended meanwhile.
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text.rsplit(")", 1)[1].split()
        by_name[name] = by_name.get(name, 0) + (int(fields[11]) + int(fields[12])) / CLK_TCK
    return by_name


def context_switches(pid):
    """Context switches so far, summed over the process's live threads."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as status:
                for line in status:
                    if line.startswith(("voluntary_ctxt_switches:",
                                        "nonvoluntary_ctxt_switches:")):
                        total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total


class Sampler:
    """The highest RSS (KiB) and thread count of `pid` while in use."""

    def __init__(self, pid):
        self.pid = pid
        self.rss_kib = proc_status(pid, "VmRSS")
        self.threads = proc_status(pid, "Threads")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(0.02):
            self.rss_kib = max(self.rss_kib, proc_status(self.pid, "VmRSS"))
            self.threads = max(self.threads, proc_status(self.pid, "Threads"))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


# --- h2load -----------------------------------------------------------------

# What went wrong with any call of the run, each starting with the server's
# name: the bench exits 1 when one of gateway-proxy's ("proxy ...") is here.
FAILURES = []


class Load:
    """One h2load run's summary, and its p50 and p99 (us) when it kept a log."""

    def __init__(self, summary, log_path):
        self.summary = summary
        self.seconds, self.rps = summary.seconds, summary.rps
        self.p50_us = self.p99_us = None
        if log_path:
            with open(log_path) as log:
                took = sorted(int(line.split()[2]) for line in log if line.strip())
            self.p50_us = took[len(took) // 2]
            self.p99_us = took[min(len(took) - 1, (len(took) * 99) // 100)]


def h2load(url, frame_path, count, clients, *, what, reply_bytes, streams=1, http1=False,
           headers=(), log_path=None):
    """`count` calls; each must succeed with a reply of `reply_bytes` bytes of
    data (a gRPC error has none), or `what` is added to FAILURES."""
    argv = ["h2load", "-n", str(count), "-c", str(clients), "-m", str(streams),
            "-d", frame_path, "-T", "30", "-N", "30"]
    if http1:
        argv.append("--h1")
    for header in headers:
        argv += ["-H", header]
    if log_path:
        argv.append(f"--log-file={log_path}")
    argv.append(url)
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"bench: h2load failed:\n{result.stdout}\n{result.stderr}")
    try:
        summary = Summary(result.stdout)
    except UnexpectedOutput as e:
        sys.exit(f"bench: {e}")
    if (summary.succeeded, summary.status_2xx, summary.failed, summary.data_bytes) != \
            (count, count, 0, count * reply_bytes):
        FAILURES.append(f"{what}: {summary.succeeded} of {count} succeeded, "
                        f"{summary.status_2xx} 2xx, {summary.failed} failed, "
                        f"{summary.data_bytes:,} bytes of replies, expected "
                        f"{count * reply_bytes:,}")
    return Load(summary, log_path)


GRPC_HEADERS = ("content-type: application/grpc", "te: trailers",
                f"x-api-key: {API_KEY}")
REST_HEADERS = (":method: PATCH", "content-type: application/json",
                f"authorization: Bearer {API_KEY}")
GRPC_USER_BYTES = 5 + len(USER_REPLY)  # One gRPC message: flag, length, User.


def handled_codes(proxy):
    """grpc_server_handled_total of the proxy: {(method, code): calls}."""
    try:
        with urllib.request.urlopen(f"http://{proxy.metrics_address}/metrics",
                                    timeout=10) as answer:
            text = answer.read().decode()
    except OSError as e:
        sys.exit(f"bench: {proxy.name}'s metrics at {proxy.metrics_address}: {e}; "
                 f"exit status {proxy.process.poll()}, stderr ends:\n{proxy.stderr()[-2000:]}")
    codes = {}
    for line in text.splitlines():
        if line.startswith("grpc_server_handled_total{"):
            method = re.search(r'grpc_method="(\w+)"', line).group(1)
            code = re.search(r'grpc_code="(\w+)"', line).group(1)
            value = int(float(line.rsplit(" ", 1)[1]))
            if value:
                codes[(method, code)] = value
    return codes


def settled_codes(proxy, expected):
    """handled_codes once they equal `expected`, or as they are after 5 s: a
    call is counted just after its client has the reply."""
    deadline = time.monotonic() + 5
    while True:
        codes = handled_codes(proxy)
        if codes == expected or time.monotonic() > deadline:
            return codes
        time.sleep(0.05)


# --- the run ----------------------------------------------------------------

def start_proxy(args, workdir, name, upstream_port, extra=(), scheme="http"):
    proxy = Process(name, [args.proxy, "--listen=127.0.0.1:0",
                           f"--upstream={scheme}://127.0.0.1:{upstream_port}",
                           "--metrics_listen=127.0.0.1:0", *extra],
                    workdir, wait_for="listening")
    startup = json.loads(proxy.stderr().splitlines()[0])
    proxy.metrics_address = startup["metrics_address"]
    return proxy


def start_go(args, workdir, name, upstream_port, scheme="http"):
    return Process(name, [args.go_sidecar, "-listen", "127.0.0.1:0",
                          "-upstream", f"{scheme}://127.0.0.1:{upstream_port}",
                          "-upstream_ca_file", os.path.join(workdir, "upstream.pem")],
                   workdir, wait_for="listening")


def rpc(channel, method, request):
    """One call as a client makes it: (reply bytes, None) or (None, RpcError)."""
    try:
        return channel.unary_unary(SERVICE + method)(
            request.SerializeToString(), timeout=60,
            metadata=(("x-api-key", API_KEY),)), None
    except grpc.RpcError as error:
        return None, error


def channel_to(address):
    return grpc.insecure_channel(address, options=[
        ("grpc.max_receive_message_length", 16 << 20)])


def check_answers(name, address, list_reply):
    """Each method once, its reply compared byte for byte with what nginx's
    JSON becomes; a user nginx does not have must be NOT_FOUND. Exits at
    once on a wrong answer: there is no point measuring it."""
    wrong = []
    missing = gateway_pb2.GetUserRequest(account_id="acme", user_id="missing")
    with channel_to(address) as channel:
        for method, request, expected in (("UpdateUser", UPDATE_USER, USER_REPLY),
                                          ("GetUser", GET_USER, USER_REPLY),
                                          ("ListUsers", LIST_USERS, list_reply),
                                          ("GetUser", missing, None)):
            reply, error = rpc(channel, method, request)
            if expected is None:
                if error is None or error.code() != grpc.StatusCode.NOT_FOUND:
                    wrong.append(f"{method} of a missing user: "
                                 f"{'OK' if error is None else error.code().name}, "
                                 "expected NOT_FOUND")
            elif error is not None:
                wrong.append(f"{method}: {error.code().name}: {error.details()}")
            elif reply != expected:
                wrong.append(f"{method}: a reply of {len(reply):,} bytes differing from the "
                             f"{len(expected):,} expected")
    if wrong:
        sys.exit(f"bench: {name} answers wrong:\n  " + "\n  ".join(wrong))


def measure(url, frame, workdir, name, pid, args, reply_bytes, **kwargs):
    """Warm-up, c=1 latency, then c=16 throughput with CPU per call."""
    h2load(url, frame, args.warmup, 16, what=f"{name} warm-up", reply_bytes=reply_bytes,
           **kwargs)
    c1 = h2load(url, frame, args.count_c1, 1, what=f"{name} c=1", reply_bytes=reply_bytes,
                log_path=os.path.join(workdir, f"{name}.c1.log"), **kwargs)
    before = cpu_seconds(pid) if pid else 0
    threads_before = cpu_seconds_by_thread_name(pid) if pid else {}
    switches_before = context_switches(pid) if pid else 0
    with Sampler(pid) if pid else _NoSampler() as sampler:
        c16 = h2load(url, frame, args.count_c16, 16, what=f"{name} c=16",
                     reply_bytes=reply_bytes, **kwargs)
    cpu_us = (cpu_seconds(pid) - before) * 1e6 / args.count_c16 if pid else None
    switches = (context_switches(pid) - switches_before) / args.count_c16 if pid else None
    by_thread = {}
    if pid:
        for thread, seconds in cpu_seconds_by_thread_name(pid).items():
            by_thread[thread] = (seconds - threads_before.get(thread, 0)) * 1e6 / args.count_c16
    return {"c1": c1, "c16": c16, "cpu_us": cpu_us, "by_thread": by_thread,
            "switches": switches, "sampler": sampler,
            "calls": args.warmup + args.count_c1 + args.count_c16}


class _NoSampler:
    rss_kib = threads = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


LIST_CALLS_IN_FLIGHT = 6
# Under load, GetUser calls for about this long, and at least 100 of them:
# while replies block each other a call can take a second.
LOADED_SECONDS = 10


def head_of_line(args, workdir, frames, name, address, list_reply):
    """GetUser's p99 at c=1 alone, then while six ListUsers calls of ~3.6 MB
    replies are kept in flight (each client starts the next call as soon as
    one ends; every reply is checked byte for byte). Under load there are as
    many GetUser calls as fit in LOADED_SECONDS by a first probe of 20, at
    least 100 and at most --hol-count (all of them without a probe when
    --hol-count is 100 or less)."""
    url = f"http://{address}{SERVICE}GetUser"

    def get_users(label, count):
        return h2load(url, frames["get"], count, 1, what=f"{name} GetUser {label}",
                      reply_bytes=GRPC_USER_BYTES, headers=GRPC_HEADERS,
                      log_path=os.path.join(workdir, f"{name}.hol-{label}.log"))

    alone = get_users("alone", args.hol_count)
    stop = threading.Event()
    steady = threading.Semaphore(0)
    outcomes = []  # One per ListUsers call: None when it answered right.
    lock = threading.Lock()

    def keep_one_in_flight():
        with channel_to(address) as channel:
            first = True
            while not stop.is_set():
                reply, error = rpc(channel, "ListUsers", LIST_USERS)
                outcome = (f"{error.code().name}: {error.details()}" if error else
                           None if reply == list_reply else
                           f"a reply of {len(reply):,} bytes differing from the expected")
                with lock:
                    outcomes.append(outcome)
                if first:
                    steady.release()  # Connected, and one whole reply went through.
                    first = False

    clients = [threading.Thread(target=keep_one_in_flight)
               for _ in range(LIST_CALLS_IN_FLIGHT)]
    for client in clients:
        client.start()
    for _ in clients:
        steady.acquire()
    loads = [alone]
    try:
        count = args.hol_count
        if count > 100:
            loads.append(get_users("probe", 20))
            mean = max(loads[-1].summary.request_mean, 1e-6)
            count = min(count, max(100, int(LOADED_SECONDS / mean)))
        loaded = get_users("loaded", count)
        loads.append(loaded)
    finally:
        stop.set()
        for client in clients:
            client.join()
    for outcome in set(outcomes) - {None}:
        FAILURES.append(f"{name} ListUsers during the head-of-line check: {outcome} "
                        f"({outcomes.count(outcome)} calls)")
    return {"alone": alone, "loaded": loaded, "list_calls": len(outcomes),
            "get_calls": sum(load.summary.total for load in loads)}


# The upstreams of the concurrency check: (label, nginx port key, scheme).
PROTOCOLS = (("HTTP/1.1", "h1", "http"), ("HTTP/2+TLS", "h2", "https"))


def in_flight(args, workdir, frame, ports, protocol, calls, server):
    """`calls` RPCs at once through `server` (proxy or go) against an
    upstream that holds each 1 s."""
    label, key, scheme = protocol
    name = f"{server}-inflight-{key}-{calls}"
    if server == "proxy":
        extra = [f"--upstream_ca_file={workdir}/upstream.pem"]
        if key == "h1":
            # Over HTTP/1.1 each call in flight needs a connection of its own.
            extra.append(f"--max_upstream_connections={calls}")
        process = start_proxy(args, workdir, name, ports[key], extra, scheme=scheme)
    else:
        process = start_go(args, workdir, name, ports[key], scheme=scheme)
    codes = None
    try:
        url = f"http://{process.address}{METHOD_PATH}"
        clients = max(1, calls // 1000)
        with Sampler(process.pid) as sampler:
            load = h2load(url, frame, calls, clients, streams=calls // clients,
                          headers=GRPC_HEADERS, what=f"{server} {calls:,} in flight, {label}",
                          reply_bytes=GRPC_USER_BYTES)
        if server == "proxy":
            codes = settled_codes(process, {("UpdateUser", "OK"): calls})
    finally:
        process.stop()
    if codes is not None and codes != {("UpdateUser", "OK"): calls}:
        FAILURES.append(f"proxy {calls:,} in flight, {label}: grpc_server_handled_total "
                        f"{codes}")
    return {"server": server, "protocol": label, "calls": calls, "load": load,
            "sampler": sampler}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proxy", default="build/proxy/gateway-proxy")
    parser.add_argument("--ceiling", default="build/bench/bench-ceiling")
    parser.add_argument("--go-sidecar", default="build/bench/go-sidecar/go-sidecar",
                        help="the Go sidecar; empty: leave its column out")
    parser.add_argument("--nginx", default="/usr/sbin/nginx")
    parser.add_argument("--warmup", type=int, default=5000)
    parser.add_argument("--count-c1", type=int, default=10000)
    parser.add_argument("--count-c16", type=int, default=100000)
    parser.add_argument("--hol-count", type=int, default=2000,
                        help="GetUser calls of each half of the head-of-line check")
    parser.add_argument("--inflight", type=int, default=10000)
    args = parser.parse_args()
    for tool in ("h2load", args.nginx, args.proxy, args.ceiling, args.go_sidecar or "h2load"):
        if not shutil.which(tool):
            sys.exit(f"bench: {tool} not found (bash bench/run.sh builds and installs all)")
    servers = ("proxy", "go") if args.go_sidecar else ("proxy",)

    workdir = tempfile.mkdtemp(prefix="gateway-proxy-bench-")
    frames = {}
    for key, message in (("update", UPDATE_USER), ("get", GET_USER)):
        frames[key] = os.path.join(workdir, f"{key}.grpc")
        with open(frames[key], "wb") as f:
            f.write(grpc_frame(message))
    patch_path = os.path.join(workdir, "update_user.json")
    with open(patch_path, "w") as f:
        f.write(PATCH_JSON)
    list_json = list_users_json()
    with open(os.path.join(workdir, "list_users.json"), "w") as f:
        f.write(list_json)
    # nginx's worker reads the file as an unprivileged user.
    os.chmod(workdir, 0o755)
    os.chmod(os.path.join(workdir, "list_users.json"), 0o644)
    list_reply = json_format.Parse(list_json, gateway_pb2.ListUsersResponse()).SerializeToString()

    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", os.path.join(workdir, "upstream.key"),
                    "-out", os.path.join(workdir, "upstream.pem")],
                   check=True, capture_output=True)

    processes = []
    try:
        nginx, fast_port, ports = start_nginx(args, workdir)
        processes.append(nginx)

        front = {"proxy": start_proxy(args, workdir, "proxy", fast_port)}
        if args.go_sidecar:
            front["go"] = start_go(args, workdir, "go", fast_port)
        processes += front.values()
        time.sleep(0.5)
        idle = {name: (proc_status(p.pid, "VmRSS"), proc_status(p.pid, "Threads"))
                for name, p in front.items()}
        ceiling = Process("ceiling", [args.ceiling, "--listen=127.0.0.1:0"], workdir,
                          wait_for="listening")
        processes.append(ceiling)
        for name, process in front.items():
            check_answers(name, process.address, list_reply)

        print(f"bench: {args.count_c1:,} calls at c=1 and {args.count_c16:,} at c=16 "
              f"against each of {', '.join(servers)}, ceiling and nginx ...", flush=True)
        results = {}
        for name, process in front.items():
            results[name] = measure(f"http://{process.address}{METHOD_PATH}", frames["update"],
                                    workdir, name, process.pid, args, GRPC_USER_BYTES,
                                    headers=GRPC_HEADERS)
        results["ceiling"] = measure(f"http://{ceiling.address}{METHOD_PATH}",
                                     frames["update"], workdir, "ceiling", ceiling.pid, args,
                                     GRPC_USER_BYTES, headers=GRPC_HEADERS)
        results["direct"] = measure(f"http://127.0.0.1:{fast_port}{REST_PATH}", patch_path,
                                    workdir, "direct", None, args, len(USER_JSON), http1=True,
                                    headers=REST_HEADERS)
        ceiling.stop()

        print(f"bench: head-of-line, {args.hol_count:,} GetUser calls alone and up to as "
              f"many with {LIST_CALLS_IN_FLIGHT} ListUsers of {len(list_json) / 1e6:.1f} MB "
              "in flight ...",
              flush=True)
        hol = {name: head_of_line(args, workdir, frames, name, process.address, list_reply)
               for name, process in front.items()}

        # Every call the proxy served, by method and code, as its metrics count it.
        expected = {("UpdateUser", "OK"): results["proxy"]["calls"] + 1,
                    ("GetUser", "OK"): 1 + hol["proxy"]["get_calls"], ("GetUser", "NotFound"): 1,
                    ("ListUsers", "OK"): 1 + hol["proxy"]["list_calls"]}
        codes = settled_codes(front["proxy"], expected)
        if codes != expected:
            FAILURES.append(f"proxy grpc_server_handled_total: {codes}, expected {expected}")
        for process in front.values():
            process.stop()

        counts = sorted({min(1000, args.inflight), args.inflight})
        print(f"bench: {' and then '.join(f'{n:,}' for n in counts)} calls in flight at once, "
              "upstream holding each 1 s, over HTTP/1.1 and HTTP/2+TLS ...", flush=True)
        inflight = [in_flight(args, workdir, frames["update"], ports, protocol, calls, server)
                    for protocol in PROTOCOLS for calls in counts for server in servers]
    finally:
        for process in reversed(processes):
            process.stop()

    report(results, idle, hol, inflight, servers)
    # Calls that failed through the servers gateway-proxy is compared with
    # are shown, but are not gateway-proxy's failures: the run still counts.
    own = [f for f in FAILURES if f.split(" ", 1)[0] == "proxy"]
    others = [f for f in FAILURES if f not in own]
    if others:
        print("\nFailed calls through the servers compared with (not gateway-proxy's; their "
              "figures for that case are not comparable):\n  " + "\n  ".join(others))
    if own:
        print("\nFAILED calls:\n  " + "\n  ".join(own))
    else:
        print(f"\nEvery call ended OK with the expected reply (h2load's counts and bytes of "
              f"replies; each checked call's reply; the proxy's grpc_server_handled_total: "
              f"{sum(expected.values()):,} calls plus "
              f"{sum(r['calls'] for r in inflight if r['server'] == 'proxy'):,} in flight).")
    shutil.rmtree(workdir, ignore_errors=True)
    return 1 if own else 0


def report(results, idle, hol, inflight, servers):
    proxy, ceiling, direct = results["proxy"], results["ceiling"], results["direct"]
    go = results.get("go")
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    print()
    print(f"gateway-proxy bench, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
          f"{cpu}, {os.cpu_count()} cores, Linux {platform.release()}")
    columns = ("proxy", "Go sidecar", "ceiling", "direct", "proxy / Go")
    print(f"{'':38}" + "".join(f"{c:>12}" for c in columns))

    def ratio(a, b):
        return a / b if a is not None and b else None

    def row(label, values, fmt, ratio_fmt=".2f"):
        """values: proxy, go, ceiling, direct; the ratio proxy / Go is added."""
        cells = [None if v is None else format(v, fmt) for v in values]
        r = ratio(values[0], values[1])
        cells.append(None if r is None else format(r, ratio_fmt))
        print(f"{label:38}" + "".join(f"{'-' if c is None else c:>12}" for c in cells))

    def figure(key, result):
        return None if result is None else key(result)

    every = (proxy, go, ceiling, direct)
    row("RPS, c=16", [figure(lambda r: r["c16"].rps, r) for r in every], ",.0f")
    row("RPS, c=1", [figure(lambda r: r["c1"].rps, r) for r in every], ",.0f")
    row("p50 latency, c=1 (us)", [figure(lambda r: r["c1"].p50_us, r) for r in every], ",d")
    row("p99 latency, c=1 (us)", [figure(lambda r: r["c1"].p99_us, r) for r in every], ",d")
    row("CPU per call, c=16 (us)", [figure(lambda r: r["cpu_us"], r) for r in every], ",.1f")
    row("context switches per call, c=16",
        [figure(lambda r: r["switches"], r) for r in every], ".2f")
    row("RSS idle (MiB)", [idle["proxy"][0] / 1024,
                           idle["go"][0] / 1024 if "go" in idle else None, None, None], ".1f")
    row("RSS peak, c=16 (MiB)", [figure(lambda r: r["sampler"].rss_kib / 1024, r)
                                 for r in (proxy, go, ceiling)] + [None], ".1f")
    threads = [f"{idle[name][1]} / {results[name]['sampler'].threads}" if name in idle
               else "-" for name in ("proxy", "go")] + \
        [f"- / {ceiling['sampler'].threads}", "-"]
    print(f"{'threads idle / peak, c=16':38}" + "".join(f"{t:>12}" for t in threads))
    hol_rows = (("GetUser p99 alone, c=1 (us)", lambda h: h["alone"].p99_us, ",d"),
                (f"GetUser p99, {LIST_CALLS_IN_FLIGHT} ListUsers in flight (us)",
                 lambda h: h["loaded"].p99_us, ",d"),
                ("GetUser p99 rise (ms)",
                 lambda h: (h["loaded"].p99_us - h["alone"].p99_us) / 1000, ",.2f"),
                ("GetUser calls under load", lambda h: h["loaded"].summary.total, ",d"),
                ("ListUsers calls meanwhile", lambda h: h["list_calls"], ",d"))
    for label, key, fmt in hol_rows:
        row(label, [key(hol["proxy"]), key(hol["go"]) if "go" in hol else None, None, None],
            fmt)
    for name in ("proxy", "ceiling"):
        shares = sorted(results[name]["by_thread"].items(), key=lambda kv: -kv[1])
        print(f"{name + ' CPU per call by thread (us):':38}" +
              ", ".join(f"{thread} {us:.0f}" for thread, us in shares if us >= 0.5))
    for run in inflight:
        server = "Go sidecar" if run["server"] == "go" else run["server"]
        label = f"{run['calls']:,} in flight, {run['protocol']}, {server}"
        print(f"{label + ':':42}wall {run['load'].seconds:.2f} s, RSS peak "
              f"{run['sampler'].rss_kib / 1024:.1f} MiB, threads peak {run['sampler'].threads}")

    # The targets, each against figures of this run.
    checks = []
    cpu_go = ratio(proxy["cpu_us"], go["cpu_us"]) if go else None
    cpu_ceiling = ratio(proxy["cpu_us"], ceiling["cpu_us"])
    rps_go = ratio(proxy["c16"].rps, go["c16"].rps) if go else None
    # /proc counts CPU in clock ticks (10 ms): a short run can use none,
    # and then there is no ratio to report.
    tick = "under one clock tick (raise --count-c16)"
    checks.append((f"proxy CPU / Go CPU per call, c=16 = {cpu_go:.2f}" if cpu_go is not None
                   else f"proxy CPU / Go CPU per call: {'no Go run' if not go else tick}",
                   "<= 0.50", cpu_go is not None and cpu_go <= 0.5))
    checks.append((f"proxy CPU / ceiling CPU per call, c=16 = {cpu_ceiling:.2f}"
                   if cpu_ceiling is not None else f"proxy CPU / ceiling CPU per call: {tick}",
                   "<= 2.00", cpu_ceiling is not None and cpu_ceiling <= 2))
    checks.append((f"proxy RPS / Go RPS, c=16 = {rps_go:.2f}" if rps_go is not None
                   else "proxy RPS / Go RPS: no Go run", ">= 1.50",
                   rps_go is not None and rps_go >= 1.5))
    p50_bound = ceiling["c1"].p50_us + direct["c1"].p50_us + 50
    checks.append((f"proxy p50, c=1 = {proxy['c1'].p50_us} us",
                   f"<= ceiling + direct + 50 = {p50_bound} us",
                   proxy["c1"].p50_us <= p50_bound))
    small = min(run["calls"] for run in inflight)
    large = max(run["calls"] for run in inflight)
    for run in inflight:
        if run["server"] != "proxy":
            continue
        what = f"{run['calls']:,} in flight, {run['protocol']}:"
        rss = run["sampler"].rss_kib / 1024
        if run["calls"] == small:
            checks.append((f"{what} RSS peak {rss:.1f} MiB", "<= 64 MiB", rss <= 64))
        if run["calls"] == large:
            seconds = run["load"].seconds
            checks.append((f"{what} wall {seconds:.2f} s", "< 1.5 s", seconds < 1.5))
            if large != small:
                checks.append((f"{what} RSS peak {rss:.1f} MiB", "<= 200 MiB", rss <= 200))
            threads = run["sampler"].threads
            checks.append((f"{what} {threads} threads", "<= 64", threads <= 64))
    checks.append((f"proxy RSS idle = {idle['proxy'][0] / 1024:.1f} MiB", "<= 24 MiB",
                   idle["proxy"][0] <= 24 * 1024))
    rise_ms = (hol["proxy"]["loaded"].p99_us - hol["proxy"]["alone"].p99_us) / 1000
    checks.append((f"GetUser p99 rise with {LIST_CALLS_IN_FLIGHT} ListUsers in flight = "
                   f"{rise_ms:.2f} ms", "< 5 ms", rise_ms < 5))
    print()
    for text, target, met in checks:
        print(f"  {'met   ' if met else 'MISSED'}  {text:58} target {target}")


if __name__ == "__main__":
    sys.exit(main())
