#!/usr/bin/env bash
# The benchmark, one command: installs what is missing, builds gateway-proxy
# and bench-ceiling as shipped (RelWithDebInfo) and the Go sidecar it is
# measured against (bench/go-sidecar), then runs bench/bench.py,
# which prints one table of figures measured in this run. Arguments go to
# bench.py (e.g. --count-c16 20000 for a quicker run).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target gateway-proxy bench-ceiling python_stubs \
  bench-go-sidecar
# 10,000 calls in flight hold 10,000 upstream sockets in the proxy and nginx.
ulimit -n "$(ulimit -Hn)"
PYTHONPATH=build/gen/python exec /usr/bin/python3 bench/bench.py "$@"
