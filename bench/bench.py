#!/usr/bin/python3
"""The proxy against its physical limits, on loopback, in one run.

Started here: nginx (bench/nginx.conf.in) answering the PATCH with a canned
User, gateway-proxy in front of it, and bench-ceiling (bench/ceiling_server.cc),
a gRPC callback server that answers the same call with the same User and calls
no upstream. h2load drives gRPC UpdateUser (a pre-encoded gRPC frame,
content-type application/grpc, te: trailers) at concurrency 1 and 16 against
the proxy and the ceiling, and the same PATCH straight to nginx (HTTP/1.1, as
the proxy sends it). Then a concurrency check: 10,000 calls in flight at once
through a proxy whose upstream (nginx again, HTTP/2 over TLS) holds every
request 1 s.

  bash bench/run.sh            # builds, then runs this

Prints one table, every figure measured in this run. Exit status 1 when a
call failed (h2load's count, or a non-OK code in the proxy's metrics); a
missed target is reported, not an error."""

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from gateway import gateway_pb2

API_KEY = "bench-key-0000"  # A throwaway value: nginx checks nothing.
METHOD_PATH = "/gateway.Gateway/UpdateUser"
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
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def grpc_frame():
    request = gateway_pb2.UpdateUserRequest(
        account_id="acme", user_id="alice",
        user=gateway_pb2.User(display_name="Alice Example", role="admin"))
    message = request.SerializeToString()
    return b"\x00" + len(message).to_bytes(4, "big") + message


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
                           ("@SLOW_H2_PORT@", str(ports["h2"])), ("@USER_JSON@", USER_JSON)):
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

class Load:
    """One h2load run's figures."""

    def __init__(self, output, log_path):
        def number(pattern):
            match = re.search(pattern, output)
            if not match:
                sys.exit(f"bench: unexpected h2load output:\n{output}")
            return float(match.group(1))
        match = re.search(r"finished in ([\d.]+)(m?s), ([\d.]+) req/s", output)
        if not match:
            sys.exit(f"bench: unexpected h2load output:\n{output}")
        self.seconds = float(match.group(1)) / (1000 if match.group(2) == "ms" else 1)
        self.rps = float(match.group(3))
        self.succeeded = int(number(r"(\d+) succeeded"))
        self.failed = int(number(r"(\d+) failed")) + int(number(r"(\d+) errored")) + \
            int(number(r"(\d+) timeout"))
        self.status_2xx = int(number(r"status codes: (\d+) 2xx"))
        self.p50_us = self.p99_us = None
        if log_path:
            with open(log_path) as log:
                took = sorted(int(line.split()[2]) for line in log if line.strip())
            self.p50_us = took[len(took) // 2]
            self.p99_us = took[min(len(took) - 1, (len(took) * 99) // 100)]


def h2load(url, frame_path, count, clients, streams=1, http1=False, headers=(),
           log_path=None):
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
    return Load(result.stdout, log_path)


GRPC_HEADERS = ("content-type: application/grpc", "te: trailers",
                f"x-api-key: {API_KEY}")
REST_HEADERS = (":method: PATCH", "content-type: application/json",
                f"authorization: Bearer {API_KEY}")


def handled_codes(metrics_address):
    """grpc_server_handled_total of UpdateUser, by code, from the proxy."""
    with urllib.request.urlopen(f"http://{metrics_address}/metrics", timeout=10) as answer:
        text = answer.read().decode()
    codes = {}
    for line in text.splitlines():
        if line.startswith("grpc_server_handled_total{") and \
                'grpc_method="UpdateUser"' in line:
            code = re.search(r'grpc_code="(\w+)"', line).group(1)
            value = float(line.rsplit(" ", 1)[1])
            if value:
                codes[code] = int(value)
    return codes


# --- the run ----------------------------------------------------------------

def start_proxy(args, workdir, name, upstream_port, extra=(), scheme="http"):
    proxy = Process(name, [args.proxy, "--listen=127.0.0.1:0",
                           f"--upstream={scheme}://127.0.0.1:{upstream_port}",
                           "--metrics_listen=127.0.0.1:0", *extra],
                    workdir, wait_for="listening")
    startup = json.loads(proxy.stderr().splitlines()[0])
    proxy.metrics_address = startup["metrics_address"]
    return proxy


def measure(url, frame, workdir, name, pid, args, **kwargs):
    """Warm-up, c=1 latency, then c=16 throughput with CPU per call."""
    h2load(url, frame, args.warmup, 16, **kwargs)
    c1 = h2load(url, frame, args.count_c1, 1, log_path=os.path.join(workdir, f"{name}.c1.log"),
                **kwargs)
    before = cpu_seconds(pid) if pid else 0
    threads_before = cpu_seconds_by_thread_name(pid) if pid else {}
    switches_before = context_switches(pid) if pid else 0
    with Sampler(pid) if pid else _NoSampler() as sampler:
        c16 = h2load(url, frame, args.count_c16, 16, **kwargs)
    cpu_us = (cpu_seconds(pid) - before) * 1e6 / args.count_c16 if pid else None
    switches = (context_switches(pid) - switches_before) / args.count_c16 if pid else None
    by_thread = {}
    if pid:
        for name, seconds in cpu_seconds_by_thread_name(pid).items():
            by_thread[name] = (seconds - threads_before.get(name, 0)) * 1e6 / args.count_c16
    return {"c1": c1, "c16": c16, "cpu_us": cpu_us, "by_thread": by_thread,
            "switches": switches, "sampler": sampler,
            "calls": args.warmup + args.count_c1 + args.count_c16}


class _NoSampler:
    rss_kib = threads = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


# The upstreams of the concurrency check: (label, nginx port key, scheme).
PROTOCOLS = (("HTTP/1.1", "h1", "http"), ("HTTP/2+TLS", "h2", "https"))


def in_flight(args, workdir, frame, ports, protocol, calls):
    """`calls` RPCs at once against an upstream that holds each 1 s."""
    label, key, scheme = protocol
    extra = [f"--upstream_ca_file={workdir}/upstream.pem"]
    if key == "h1":
        # Over HTTP/1.1 each call in flight needs a connection of its own.
        extra.append(f"--max_upstream_connections={calls}")
    proxy = start_proxy(args, workdir, f"proxy-inflight-{key}-{calls}", ports[key], extra,
                        scheme=scheme)
    try:
        url = f"http://{proxy.address}{METHOD_PATH}"
        clients = max(1, calls // 1000)
        with Sampler(proxy.pid) as sampler:
            load = h2load(url, frame, calls, clients, streams=calls // clients,
                          headers=GRPC_HEADERS)
        codes = handled_codes(proxy.metrics_address)
    finally:
        proxy.stop()
    return {"protocol": label, "calls": calls, "load": load, "sampler": sampler,
            "codes": codes}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proxy", default="build/proxy/gateway-proxy")
    parser.add_argument("--ceiling", default="build/bench/bench-ceiling")
    parser.add_argument("--nginx", default="/usr/sbin/nginx")
    parser.add_argument("--warmup", type=int, default=5000)
    parser.add_argument("--count-c1", type=int, default=10000)
    parser.add_argument("--count-c16", type=int, default=100000)
    parser.add_argument("--inflight", type=int, default=10000)
    args = parser.parse_args()
    for tool in ("h2load", args.nginx, args.proxy, args.ceiling):
        if not shutil.which(tool):
            sys.exit(f"bench: {tool} not found (bash bench/run.sh builds and installs all)")

    workdir = tempfile.mkdtemp(prefix="gateway-proxy-bench-")
    frame_path = os.path.join(workdir, "update_user.grpc")
    with open(frame_path, "wb") as f:
        f.write(grpc_frame())
    patch_path = os.path.join(workdir, "update_user.json")
    with open(patch_path, "w") as f:
        f.write(PATCH_JSON)

    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", os.path.join(workdir, "upstream.key"),
                    "-out", os.path.join(workdir, "upstream.pem")],
                   check=True, capture_output=True)

    processes = []
    try:
        nginx, fast_port, ports = start_nginx(args, workdir)
        processes.append(nginx)

        proxy = start_proxy(args, workdir, "proxy", fast_port)
        processes.append(proxy)
        time.sleep(0.5)
        idle_rss, idle_threads = proc_status(proxy.pid, "VmRSS"), proc_status(proxy.pid, "Threads")
        ceiling = Process("ceiling", [args.ceiling, "--listen=127.0.0.1:0"], workdir,
                          wait_for="listening")
        processes.append(ceiling)

        print(f"bench: {args.count_c1:,} calls at c=1 and {args.count_c16:,} at c=16 "
              "against each of proxy, ceiling and nginx ...", flush=True)
        results = {
            "proxy": measure(f"http://{proxy.address}{METHOD_PATH}", frame_path, workdir,
                             "proxy", proxy.pid, args, headers=GRPC_HEADERS),
            "ceiling": measure(f"http://{ceiling.address}{METHOD_PATH}", frame_path,
                               workdir, "ceiling", ceiling.pid, args, headers=GRPC_HEADERS),
            "direct": measure(f"http://127.0.0.1:{fast_port}{REST_PATH}", patch_path,
                              workdir, "direct", None, args, http1=True,
                              headers=REST_HEADERS),
        }
        codes = handled_codes(proxy.metrics_address)
        proxy.stop()
        ceiling.stop()

        print(f"bench: 1,000 and then {args.inflight:,} calls in flight at once, "
              "upstream holding each 1 s, over HTTP/1.1 and HTTP/2+TLS ...", flush=True)
        inflight = [in_flight(args, workdir, frame_path, ports, protocol, calls)
                    for protocol in PROTOCOLS for calls in (1000, args.inflight)]
    finally:
        for process in reversed(processes):
            process.stop()

    failures = report(args, results, codes, idle_rss, idle_threads, inflight)
    shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failures else 0


def report(args, results, codes, idle_rss, idle_threads, inflight):
    proxy, ceiling, direct = results["proxy"], results["ceiling"], results["direct"]
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    print()
    print(f"gateway-proxy bench, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
          f"{cpu}, {os.cpu_count()} cores, Linux {platform.release()}")
    print(f"{'':34}{'proxy':>12}{'ceiling':>12}{'direct':>12}")

    def row(label, values, fmt):
        cells = "".join(f"{'-' if v is None else format(v, fmt):>12}" for v in values)
        print(f"{label:34}{cells}")

    row("RPS, c=16", [r["c16"].rps for r in (proxy, ceiling, direct)], ",.0f")
    row("RPS, c=1", [r["c1"].rps for r in (proxy, ceiling, direct)], ",.0f")
    row("p50 latency, c=1 (us)", [r["c1"].p50_us for r in (proxy, ceiling, direct)], ",d")
    row("p99 latency, c=1 (us)", [r["c1"].p99_us for r in (proxy, ceiling, direct)], ",d")
    row("CPU per call, c=16 (us)", [proxy["cpu_us"], ceiling["cpu_us"], None], ",.1f")
    row("context switches per call, c=16", [proxy["switches"], ceiling["switches"], None],
        ".2f")
    row("RSS idle (MiB)", [idle_rss / 1024, None, None], ".1f")
    row("RSS peak, c=16 (MiB)", [proxy["sampler"].rss_kib / 1024,
                                 ceiling["sampler"].rss_kib / 1024, None], ".1f")
    threads = [f"{idle_threads} / {proxy['sampler'].threads}",
               f"- / {ceiling['sampler'].threads}", "-"]
    print(f"{'threads idle / peak, c=16':34}" + "".join(f"{t:>12}" for t in threads))
    for name in ("proxy", "ceiling"):
        shares = sorted(results[name]["by_thread"].items(), key=lambda kv: -kv[1])
        print(f"{name + ' CPU per call by thread (us):':34}" +
              ", ".join(f"{thread} {us:.0f}" for thread, us in shares if us >= 0.5))
    for run in inflight:
        label = f"{run['calls']:,} in flight, {run['protocol']}"
        print(f"{label + ':':34}wall {run['load'].seconds:.2f} s, proxy RSS peak "
              f"{run['sampler'].rss_kib / 1024:.1f} MiB, threads peak {run['sampler'].threads}")

    # The targets, each against figures of this run.
    rps_ratio = proxy["c16"].rps / ceiling["c16"].rps
    # /proc counts CPU in clock ticks (10 ms): a short run of the ceiling
    # can use none, and then there is no ratio to report.
    cpu_ratio = proxy["cpu_us"] / ceiling["cpu_us"] if ceiling["cpu_us"] else float("inf")
    p50_bound = ceiling["c1"].p50_us + direct["c1"].p50_us + 50
    checks = [
        (f"proxy RPS / ceiling RPS = {rps_ratio:.2f}", ">= 0.50", rps_ratio >= 0.5),
        (f"proxy CPU / ceiling CPU per call = {cpu_ratio:.2f}" if ceiling["cpu_us"] else
         "proxy CPU / ceiling CPU per call: ceiling under one clock tick (raise --count-c16)",
         "<= 1.50", cpu_ratio <= 1.5),
        (f"proxy p50 = {proxy['c1'].p50_us} us", f"<= ceiling + direct + 50 = {p50_bound} us",
         proxy["c1"].p50_us <= p50_bound),
        (f"RSS idle = {idle_rss / 1024:.1f} MiB", "<= 24 MiB", idle_rss <= 24 * 1024),
    ]
    for run in inflight:
        what = f"{run['calls']:,} in flight, {run['protocol']}:"
        if run["calls"] == 1000:
            rss = run["sampler"].rss_kib / 1024
            checks.append((f"{what} RSS {rss:.1f} MiB", "<= 64 MiB", rss <= 64))
        else:
            seconds = run["load"].seconds
            checks.append((f"{what} wall {seconds:.2f} s", "< 2 s", seconds < 2))
            threads = run["sampler"].threads
            checks.append((f"{what} {threads} threads", "<= 64", threads <= 64))
    print()
    for figure, target, met in checks:
        print(f"  {'met   ' if met else 'MISSED'}  {figure:52} target {target}")

    # Every call must have ended OK: h2load's counts, and the proxy's metrics
    # (a gRPC error is an HTTP 200 to h2load).
    failures = []
    for name, result in results.items():
        for key in ("c1", "c16"):
            load = result[key]
            if load.failed or load.status_2xx != load.succeeded:
                failures.append(f"{name} {key}: {load.failed} failed, "
                                f"{load.succeeded - load.status_2xx} not 2xx")
    expected = proxy["calls"]
    if codes != {"OK": expected}:
        failures.append(f"proxy metrics: {codes}, expected {{'OK': {expected}}}")
    for run in inflight:
        if run["codes"] != {"OK": run["calls"]} or run["load"].failed:
            failures.append(f"{run['calls']:,} in flight, {run['protocol']}: {run['codes']}, "
                            f"{run['load'].failed} failed")
    print()
    if failures:
        print("FAILED calls:\n  " + "\n  ".join(failures))
    else:
        in_flight_calls = sum(run["calls"] for run in inflight)
        print(f"Every call ended OK by the proxies' grpc_server_handled_total "
              f"({expected:,}, plus {in_flight_calls:,} in the concurrency checks).")
    return failures


if __name__ == "__main__":
    sys.exit(main())
