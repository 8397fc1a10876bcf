#!/usr/bin/env bash
# Installs every Debian 12 package gateway-proxy needs to build, test and run
# its demo. Idempotent: packages already present are skipped, so a warm
# machine pays only for one dpkg query.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ninja-build
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libcurl4-openssl-dev libabsl-dev libgtest-dev libgmock-dev
  libcpp-httplib-dev libssl-dev prometheus-cpp-dev
  golang-github-gogo-googleapis-dev libgoogle-common-protos-java
  python3 python3-grpcio python3-protobuf python3-yaml
  curl ca-certificates openssl nginx
  # bench/run.sh: the load generator and nginx's echo_sleep.
  nghttp2-client libnginx-mod-http-echo
)
# tests/deploy renders deploy/ with `kubectl kustomize`. Debian's kubectl is
# kubernetes-client; it conflicts with other kubectl packages, so it is added
# only where no kubectl is installed.
if ! command -v kubectl >/dev/null 2>&1; then
  packages+=(kubernetes-client)
fi

# The Node.js example needs node and npm. A machine that already has a node
# (this image ships one outside Debian's packages) keeps it: Debian's nodejs
# and npm would conflict with it, so its own npm is expected alongside.
if ! command -v node >/dev/null 2>&1; then
  packages+=(nodejs npm)
elif ! command -v npm >/dev/null 2>&1; then
  echo "install-deps: $(command -v node) has no npm next to it;" \
       "install the npm of that Node.js (tests/examples/node_test.py needs it)" >&2
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
