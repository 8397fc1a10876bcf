#!/usr/bin/env bash
# A/B of a hot-path change, one command: builds gateway-proxy as shipped
# (RelWithDebInfo) at REV (default HEAD) and from the working tree, then runs
# both side by side against one nginx (bench/ab.py; its arguments follow REV):
#
#   bash bench/ab.sh                        # HEAD against the working tree
#   bash bench/ab.sh main~3 --instructions  # also instructions per call
set -euo pipefail
cd "$(dirname "$0")/.."

rev=HEAD
if [[ $# -gt 0 && $1 != -* ]]; then rev=$1; shift; fi
commit=$(git rev-parse --short "$rev^{commit}")

bash scripts/install-deps.sh bench
# REV's sources as committed, built apart from the working tree's.
base=build-ab/$commit
if [[ ! -x $base/build/proxy/gateway-proxy ]]; then
  rm -rf "$base/src" && mkdir -p "$base/src"
  git archive "$commit" | tar -x -C "$base/src"
  cmake -S "$base/src" -B "$base/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DGATEWAY_PROXY_BUILD_TESTS=OFF >/dev/null
  cmake --build "$base/build" -j"$(nproc)" --target gateway-proxy
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target gateway-proxy python_stubs
echo "ab: [0] is $rev ($commit), [1] the working tree"
PYTHONPATH=build/gen/python exec /usr/bin/python3 bench/ab.py \
  "$base/build/proxy/gateway-proxy" build/proxy/gateway-proxy "$@"
