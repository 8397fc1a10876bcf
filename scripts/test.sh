#!/usr/bin/env bash
# Builds gateway-proxy and runs every test: unit, integration (real gRPC and
# HTTP servers on loopback) and end-to-end (the built binaries driven by a
# Python client). README's second quick-start command; CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
