#!/usr/bin/python3
"""A/B of gateway-proxy builds, side by side in one run (bench/ab.sh builds them).

Every binary serves the bench's UpdateUser against one nginx. In alternating
rounds, each gets the same h2load load (c=16 by default); printed per round
and as medians: CPU per call, calls/s and context switches per call. CPU time
on a shared 2-core VM moves with its neighbours, so with --instructions each
binary also runs under callgrind, and the instructions it executes per call
(after a warm-up) are counted: a figure that load on the host does not move.

    PYTHONPATH=build/gen/python /usr/bin/python3 bench/ab.py A/gateway-proxy B/gateway-proxy
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("proxies", nargs="+", help="gateway-proxy binaries to compare")
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--count", type=int, default=40000, help="calls per binary per round")
    p.add_argument("--c", type=int, default=16, help="h2load clients")
    p.add_argument("--instructions", action="store_true",
                   help="also count instructions per call under callgrind")
    p.add_argument("--instruction-calls", type=int, default=2000)
    p.add_argument("--nginx", default="/usr/sbin/nginx")
    return p.parse_args()


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def load(address, frame, count, clients):
    return bench.h2load(f"http://{address}/gateway.Gateway/UpdateUser", frame, count, clients,
                        headers=bench.GRPC_HEADERS, what=f"UpdateUser via {address}",
                        reply_bytes=bench.GRPC_USER_BYTES)


def cpu_rounds(args, work, frame, fast_port):
    proxies = []
    try:
        for i, binary in enumerate(args.proxies):
            args.proxy = binary
            proxies.append(bench.start_proxy(args, work, f"proxy{i}", fast_port))
        for proxy in proxies:
            load(proxy.address, frame, 3000, args.c)  # Warm-up.
        results = [[] for _ in proxies]
        for r in range(args.rounds):
            for i, proxy in enumerate(proxies):
                cpu0 = bench.cpu_seconds(proxy.pid)
                switches0 = bench.context_switches(proxy.pid)
                run = load(proxy.address, frame, args.count, args.c)
                cpu = (bench.cpu_seconds(proxy.pid) - cpu0) * 1e6 / args.count
                switches = (bench.context_switches(proxy.pid) - switches0) / args.count
                results[i].append((cpu, run.rps, switches))
                print(f"round {r} [{i}] CPU per call {cpu:6.1f} us  calls/s {run.rps:8.0f}  "
                      f"context switches per call {switches:.2f}", flush=True)
        return results
    finally:
        for proxy in proxies:
            proxy.stop()


def instructions_per_call(args, work, frame, fast_port, i, binary):
    """Instructions the proxy executes per call, counted by callgrind."""
    out = os.path.join(work, f"callgrind.{i}")
    proxy = bench.Process(f"callgrind{i}", [
        "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}.%p", binary,
        "--listen=127.0.0.1:0", f"--upstream=http://127.0.0.1:{fast_port}",
        "--metrics_listen=127.0.0.1:0"], work, wait_for="listening")
    try:
        load(proxy.address, frame, 500, args.c)  # Warm-up, then counters to zero.
        subprocess.run(["callgrind_control", "-z", str(proxy.pid)], check=True,
                       capture_output=True)
        load(proxy.address, frame, args.instruction_calls, args.c)
        subprocess.run(["callgrind_control", "-d", "measured", str(proxy.pid)], check=True,
                       capture_output=True)
    finally:
        proxy.stop()
    dumps = sorted(glob.glob(f"{out}.{proxy.pid}.*"))
    if not dumps:
        sys.exit(f"ab: no callgrind dump for {binary}")
    with open(dumps[0]) as dump:
        for line in dump:
            if line.startswith(("totals:", "summary:")):
                return int(line.split()[1]) / args.instruction_calls
    sys.exit(f"ab: no totals in {dumps[0]}")


def main():
    args = parse_args()
    work = tempfile.mkdtemp(prefix="gateway-proxy-ab-")
    frame = os.path.join(work, "update_user.grpc")
    with open(frame, "wb") as f:
        f.write(bench.grpc_frame(bench.UPDATE_USER))
    # nginx's TLS port (unused here) needs a certificate.
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-keyout", os.path.join(work, "upstream.key"),
                    "-out", os.path.join(work, "upstream.pem")], check=True, capture_output=True)
    nginx, fast_port, _ = bench.start_nginx(args, work)
    try:
        results = cpu_rounds(args, work, frame, fast_port) if args.rounds > 0 else None
        instructions = [instructions_per_call(args, work, frame, fast_port, i, b)
                        for i, b in enumerate(args.proxies)] if args.instructions else None
    finally:
        nginx.stop()
    if results:
        print(f"\nmedians of {args.rounds} rounds of {args.count:,} UpdateUser calls at c={args.c}")
    for i, binary in enumerate(args.proxies):
        line = f"[{i}] {binary}:"
        if results:
            line += (f" CPU per call {median(r[0] for r in results[i]):.1f} us,"
                     f" calls/s {median(r[1] for r in results[i]):,.0f},"
                     f" context switches per call {median(r[2] for r in results[i]):.2f}")
        if instructions:
            line += f"{';' if results else ''} {instructions[i] / 1000:.1f}k instructions per call"
        print(line)
    if bench.FAILURES:
        sys.exit("ab: calls went wrong (every reply must be the expected User):\n  "
                 + "\n  ".join(bench.FAILURES))


if __name__ == "__main__":
    main()
