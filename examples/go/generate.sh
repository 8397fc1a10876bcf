#!/bin/sh
# Generates the Go stubs of proto/gateway/gateway.proto into ./gateway and
# vendors Debian's Go packages into ./vendor, so `go build` works offline.
# Run by `go generate` (see main.go); PROTO_DIR defaults to ../../proto.
#
# Debian 12 packages: protoc-gen-go, protoc-gen-go-grpc, golang-google-grpc-dev,
# golang-google-genproto-dev, golang-github-gogo-googleapis-dev (google/api
# and google/rpc protos), libgoogle-common-protos-java (field_behavior.proto).
set -eu
cd "$(dirname "$0")"
proto_dir=${PROTO_DIR:-../../proto}
gocode=/usr/share/gocode/src
extra=$(mktemp -d)
trap 'rm -rf "$extra"' EXIT
unzip -q -o /usr/share/java/proto-google-common-protos.jar \
  google/api/field_behavior.proto -d "$extra"

# The google/* protos of Debian's gogo copy carry gogo's go_package; the M
# options point them at genproto's packages, which grpc-go uses too.
genproto=google.golang.org/genproto/googleapis
maps="Mgateway/gateway.proto=gatewayclient/gateway;gatewaypb"
maps="$maps,Mgoogle/api/annotations.proto=$genproto/api/annotations;annotations"
maps="$maps,Mgoogle/api/http.proto=$genproto/api/annotations;annotations"
maps="$maps,Mgoogle/api/field_behavior.proto=$genproto/api/annotations;annotations"
maps="$maps,Mgoogle/rpc/code.proto=$genproto/rpc/code;code"
protoc -I "$proto_dir" -I "$gocode/github.com/gogo/googleapis" -I "$extra" \
  -I /usr/include \
  --go_out=. --go_opt=paths=source_relative,"$maps" \
  --go-grpc_out=. --go-grpc_opt=paths=source_relative,"$maps" \
  gateway/gateway.proto

# vendor/: each module go.mod requires, linked from Debian's GOPATH tree,
# and the modules.txt `go build -mod=vendor` (the default with a vendor
# directory) reads.
rm -rf vendor
mkdir vendor
sed -n 's/^\t\([^ ]*\) \(v[^ ]*\)$/\1 \2/p' go.mod | while read -r module version; do
  [ -d "$gocode/$module" ] || { echo "generate.sh: $gocode/$module missing" >&2; exit 1; }
  mkdir -p "vendor/$(dirname "$module")"
  ln -s "$gocode/$module" "vendor/$module"
  # The module's own go version sets the language version it compiles with.
  go_version=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$gocode/$module/go.mod")
  printf '# %s %s\n## explicit; go %s\n' "$module" "$version" "$go_version" \
    >> vendor/modules.txt
  (cd "$gocode" && find "$module" -name '*.go' ! -name '*_test.go' \
     ! -path '*/testdata/*' ! -path '*/internal/testprotos/*' -printf '%h\n') |
    sort -u >> vendor/modules.txt
done
