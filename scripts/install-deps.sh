#!/usr/bin/env bash
# Installs the Debian 12 packages gateway-proxy needs, by group:
#
#   bash scripts/install-deps.sh build     # building the binary (the Dockerfile's build stage)
#   bash scripts/install-deps.sh test      # build + everything the test suite and demo use
#   bash scripts/install-deps.sh bench     # build + test + what bench/run.sh uses
#   bash scripts/install-deps.sh image     # what scripts/image-test.sh uses to build
#                                          # and run the container image
#   bash scripts/install-deps.sh           # all of them
#
# Idempotent: packages already present are skipped, so a warm machine pays
# only for one dpkg query.
set -euo pipefail

groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(all)

# Building gateway-proxy itself (and its generated protos).
build_packages=(
  build-essential cmake pkg-config ninja-build
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libcurl4-openssl-dev libabsl-dev libssl-dev prometheus-cpp-dev libjemalloc-dev
  # googleapis protos: google/api + google/rpc, and field_behavior.proto.
  golang-github-gogo-googleapis-dev libgoogle-common-protos-java
)

# The test suite, mock-gateway, the demo and the example clients.
test_packages=(
  libgtest-dev libgmock-dev libcpp-httplib-dev
  python3 python3-grpcio python3-protobuf python3-yaml python3-h2
  curl ca-certificates openssl nginx
  # examples/go: Go 1.19, grpc-go, genproto's errdetails, the protoc plugins;
  # generate.sh unzips field_behavior.proto from the common-protos jar.
  golang-go golang-google-grpc-dev golang-google-genproto-dev
  golang-google-protobuf-dev golang-github-golang-protobuf-1-5-dev
  protoc-gen-go protoc-gen-go-grpc unzip
  # examples/java: javac and the jars in /usr/share/java it compiles against.
  default-jdk-headless libgrpc-java libprotobuf-java
  protobuf-compiler-grpc-java-plugin libnetty-java libperfmark-java
  libguava-java libgeronimo-annotation-1.3-spec-java
)
# tests/deploy renders deploy/ with `kubectl kustomize`. Debian's kubectl is
# kubernetes-client; it conflicts with other kubectl packages, so it is added
# only where no kubectl is installed. deploy/'s Components need kustomize v4
# or later (kubectl 1.24+); Debian 12's kubernetes-client 1.20 embeds v2, and
# kustomize_test.py says so where that is the kubectl found.
if ! command -v kubectl >/dev/null 2>&1; then
  test_packages+=(kubernetes-client)
fi
# The Node.js example needs node and npm, and so does tests/deploy's schema
# check (`npm ci` of tests/deploy/package-lock.json). A machine that already
# has a node (this image ships one outside Debian's packages) keeps it:
# Debian's nodejs and npm would conflict with it, so its own npm is expected
# alongside.
if ! command -v node >/dev/null 2>&1; then
  test_packages+=(nodejs npm)
elif ! command -v npm >/dev/null 2>&1; then
  echo "install-deps: $(command -v node) has no npm next to it;" \
       "install the npm of that Node.js (tests/examples/node_test.py and" \
       "tests/deploy/kustomize_test.py need it)" >&2
fi

# bench/run.sh: the load generator, nginx's echo_sleep, and the Go sidecar
# it measures against (bench/go-sidecar, built offline from Debian's Go
# sources; golang-github-golang-protobuf-1-5-dev is the protobuf-go based
# github.com/golang/protobuf that grpc-go needs, named here because apt
# would otherwise pick the older 1.3 one).
bench_packages=(
  nghttp2-client libnginx-mod-http-echo
  golang-go golang-google-grpc-dev golang-google-protobuf-dev
  golang-github-golang-protobuf-1-5-dev protoc-gen-go protoc-gen-go-grpc
  valgrind
)

# scripts/image-test.sh: podman with runc (crun cannot start containers on
# every host, see that script) and mmdebstrap to make the Debian base images.
image_packages=(
  podman runc mmdebstrap
)

packages=()
for group in "${groups[@]}"; do
  case "$group" in
    build) packages+=("${build_packages[@]}") ;;
    test) packages+=("${build_packages[@]}" "${test_packages[@]}") ;;
    bench)
      packages+=("${build_packages[@]}" "${test_packages[@]}" "${bench_packages[@]}") ;;
    image) packages+=("${image_packages[@]}") ;;
    all)
      packages+=("${build_packages[@]}" "${test_packages[@]}" "${bench_packages[@]}"
                 "${image_packages[@]}") ;;
    *)
      echo "install-deps: unknown group \"$group\" (build, test, bench, image or all)" >&2
      exit 2 ;;
  esac
done

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
