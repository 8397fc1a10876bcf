#!/usr/bin/env bash
# Builds the Go sidecar into BUILD_DIR/bench/go-sidecar/go-sidecar (BUILD_DIR
# defaults to build) from Debian's Go packages alone, offline: GOPATH mode
# over /usr/share/gocode, where golang-google-grpc-dev and
# golang-google-protobuf-dev put their sources, and no module proxy. The
# stubs are generated from proto/gateway/gateway.proto by protoc-gen-go and
# protoc-gen-go-grpc; the googleapis imports come from the same places as
# CMakeLists.txt takes them (BUILD_DIR/googleapis-extra is written by
# CMake's configure step). `bash scripts/install-deps.sh bench` installs
# everything this needs.
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir=$(realpath -m "${1:-build}")
out="$build_dir/bench/go-sidecar"
googleapis=/usr/share/gocode/src/github.com/gogo/googleapis
extra="$build_dir/googleapis-extra"
[ -f "$extra/google/api/field_behavior.proto" ] ||
  { echo "build.sh: $extra has no field_behavior.proto: configure $build_dir with CMake first" >&2; exit 1; }

# The Go packages the generated code imports for the googleapis protos
# (gogo's copies name Go packages that are not Go import paths).
api="google.golang.org/genproto/googleapis/api/annotations;annotations"
mappings="Mgoogle/api/annotations.proto=$api,Mgoogle/api/http.proto=$api"
mappings+=",Mgoogle/api/field_behavior.proto=$api"
mappings+=",Mgoogle/rpc/code.proto=google.golang.org/genproto/googleapis/rpc/code;code"

gopath="$out/gopath"
rm -rf "$gopath"
mkdir -p "$gopath/src"
protoc -I proto -I "$googleapis" -I "$extra" -I /usr/include \
  --go_out="$gopath/src" --go_opt="$mappings" \
  --go-grpc_out="$gopath/src" --go-grpc_opt="$mappings" \
  proto/gateway/gateway.proto

export GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOPROXY=off GOFLAGS=
export GOCACHE="$out/cache" CGO_ENABLED=0
go build -trimpath -o "$out/go-sidecar" ./bench/go-sidecar
