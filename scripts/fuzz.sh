#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for
# FUZZ_SECONDS (default 20) on a copy of its committed corpus. A crash fails
# the script and leaves the reproducer in build-fuzz/crashes/<target>/; turn
# it into a regression test and add it to tests/fuzz/corpus/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-20}
build=${FUZZ_BUILD_DIR:-build-fuzz}
sanitize="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

bash scripts/install-deps.sh
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DGATEWAY_PROXY_BUILD_TESTS=OFF -DGATEWAY_PROXY_FUZZ=ON \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link $sanitize" \
  -DCMAKE_EXE_LINKER_FLAGS="$sanitize" >/dev/null
targets=(path_template_fuzzer upstream_error_fuzzer request_transcoder_fuzzer json_codec_fuzzer)
cmake --build "$build" --target "${targets[@]}"

for target in "${targets[@]}"; do
  corpus=$(mktemp -d)
  cp tests/fuzz/corpus/"$target"/* "$corpus"/
  mkdir -p "$build/crashes/$target"
  echo "fuzz: $target for ${seconds}s"
  "$build/tests/fuzz/$target" -max_total_time="$seconds" -print_final_stats=0 \
    -artifact_prefix="$build/crashes/$target/" "$corpus" 2>"$build/$target.log" || {
      tail -40 "$build/$target.log"
      echo "fuzz: $target found a crash; reproducer in $build/crashes/$target/" >&2
      exit 1
    }
  grep -E "^#[0-9]+.*DONE" "$build/$target.log" | tail -1 || true
  rm -rf "$corpus"
done
echo "fuzz: no crash in ${#targets[@]} targets"
