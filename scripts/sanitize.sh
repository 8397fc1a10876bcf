#!/usr/bin/env bash
# Builds everything with AddressSanitizer + UndefinedBehaviorSanitizer and
# runs the whole test suite on that build (leaks count as failures too).
# scripts/test.sh runs it after the regular suite; it can also run alone.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${SANITIZE_BUILD_DIR:-build-asan}
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"

bash scripts/install-deps.sh
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
cmake --build "$build" -j"$(nproc)"
# The Dockerfile test checks the shipped binary's libraries; this build links
# the sanitizer runtimes, which the image never has. The example clients
# (examples.*) build Go, Java and Node programs of their own, and exercise no
# proxy code the end-to-end tests do not: they run on the regular build only.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$build" --output-on-failure -j"$(nproc)" \
    -E '^(deploy[.]dockerfile_test|examples[.].*)$' "$@"
