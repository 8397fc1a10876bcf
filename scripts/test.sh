#!/usr/bin/env bash
# Builds gateway-proxy and runs every test: unit, integration (real gRPC and
# HTTP servers on loopback) and end-to-end (the built binaries driven by
# Python and Node clients). First the suite on an ASan + UBSan build and each
# libFuzzer target for a short fixed time, then the regular build's suite,
# last the container image built and run with podman (scripts/image-test.sh,
# which uses that build's mock-gateway and Python stubs).
# README's second quick-start command; CI runs exactly this. QUICK=1 runs the
# regular suite only (no sanitizers, fuzzing or image).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
if [[ "${QUICK:-0}" != 1 ]]; then
  echo "== The suite under AddressSanitizer + UndefinedBehaviorSanitizer"
  bash scripts/sanitize.sh "$@"
  echo "== Fuzzing each parser for ${FUZZ_SECONDS:-15}s"
  FUZZ_SECONDS=${FUZZ_SECONDS:-15} bash scripts/fuzz.sh
fi
echo "== The suite on the regular build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
if [[ "${QUICK:-0}" != 1 ]]; then
  echo "== The container image, built and run"
  bash scripts/image-test.sh build
fi
