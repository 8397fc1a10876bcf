#!/usr/bin/env python3
"""Soak: sends many UpdateUser calls through gateway-proxy to a healthy
upstream (mock-gateway) at a fixed concurrency, and reports failures and the
proxy's resident memory after warm-up and at the end.

  PYTHONPATH=build/gen/python /usr/bin/python3 bench/soak.py \
      --proxy build/proxy/gateway-proxy --mock build/tools/mock_gateway/mock-gateway

Exit status 0 when no call failed and RSS grew by less than --max-growth
(10% by default) between warm-up and the end. A script, not a test: it
prints figures measured on this machine."""

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time

import grpc

from gateway import gateway_pb2, gateway_pb2_grpc

API_KEY = "soak-key-0000"  # What the mock accepts; a throwaway value.


def start(argv):
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = process.stdout.readline().decode()
    if not line.startswith("listening on "):
        process.kill()
        sys.exit(f"{argv[0]} did not start: {line!r}")
    return process, line.split()[-1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def run(stub, count, concurrency):
    """Sends `count` calls, `concurrency` at a time; the number that failed."""
    request = gateway_pb2.UpdateUserRequest(
        account_id="acme", user_id="alice", user=gateway_pb2.User(role="admin"))
    metadata = [("x-api-key", API_KEY)]
    lock = threading.Lock()
    sent = 0
    failed = []
    done = threading.Event()
    remaining = [count]

    def send_next():
        nonlocal sent
        with lock:
            if sent >= count:
                return
            sent += 1
        future = stub.UpdateUser.future(request, metadata=metadata, timeout=30)
        future.add_done_callback(finished)

    def finished(future):
        if future.exception() is not None:
            with lock:
                failed.append(future.exception())
        with lock:
            remaining[0] -= 1
            last = remaining[0] == 0
        if last:
            done.set()
        else:
            send_next()

    for _ in range(min(concurrency, count)):
        send_next()
    done.wait()
    return failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proxy", default="build/proxy/gateway-proxy")
    parser.add_argument("--mock", default="build/tools/mock_gateway/mock-gateway")
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--warmup", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--max-growth", type=float, default=0.10)
    args = parser.parse_args()

    mock, mock_address = start([args.mock, f"--api_key={API_KEY}", "--listen=127.0.0.1:0"])
    # No access log: nothing reads the proxy's stdout after its first line.
    proxy, proxy_address = start([args.proxy, "--listen=127.0.0.1:0",
                                  f"--upstream=http://{mock_address}", "--access_log=false"])
    try:
        channel = grpc.insecure_channel(proxy_address)
        stub = gateway_pb2_grpc.GatewayStub(channel)
        warm_failed = run(stub, args.warmup, args.concurrency)
        rss_warm = rss_kib(proxy.pid)
        started = time.monotonic()
        failed = run(stub, args.calls, args.concurrency)
        elapsed = time.monotonic() - started
        rss_end = rss_kib(proxy.pid)
        channel.close()
    finally:
        proxy.terminate()
        mock.terminate()
        proxy.wait()
        mock.wait()

    growth = (rss_end - rss_warm) / rss_warm if rss_warm else 0.0
    print(f"machine: {os.cpu_count()} cores")
    print(f"calls: {args.calls} at concurrency {args.concurrency} "
          f"(after {args.warmup} warm-up calls, {len(warm_failed)} of them failed)")
    print(f"failures: {len(failed)}")
    for error in failed[:5]:
        print(f"  {error.code()}: {error.details()}")
    print(f"throughput: {args.calls / elapsed:.0f} calls/s over {elapsed:.1f} s")
    print(f"proxy RSS: {rss_warm} KiB after warm-up, {rss_end} KiB at the end "
          f"({growth:+.1%})")
    ok = not failed and not warm_failed and growth < args.max_growth
    print("soak: PASS" if ok else "soak: FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
