#!/bin/sh
# Builds build/gateway-client.jar from proto/ and GatewayClient.java with
# Debian 12's Java packages, no Maven: protoc + grpc_java_plugin
# (protobuf-compiler-grpc-java-plugin) write the stubs, javac compiles them
# against the jars in /usr/share/java (libgrpc-java, libprotobuf-java,
# libnetty-java, libperfmark-java, libguava-java,
# libgeronimo-annotation-1.3-spec-java), and the jar's manifest
# names those jars, so `java -jar build/gateway-client.jar` runs it.
#
# The google/rpc and google/api classes are generated too: Debian's
# proto-google-common-protos.jar predates google.rpc.ErrorInfo. Their protos
# come from golang-github-gogo-googleapis-dev, plus field_behavior.proto from
# libgoogle-common-protos-java's jar. PROTO_DIR defaults to ../../proto.
set -eu
cd "$(dirname "$0")"
proto_dir=${PROTO_DIR:-../../proto}
googleapis=/usr/share/gocode/src/github.com/gogo/googleapis
jars=/usr/share/java
classpath="protobuf.jar grpc-api.jar grpc-context.jar grpc-core.jar grpc-netty.jar
  grpc-protobuf.jar grpc-protobuf-lite.jar grpc-stub.jar guava.jar perfmark-api.jar
  netty-buffer.jar netty-codec.jar netty-codec-http.jar netty-codec-http2.jar
  netty-common.jar netty-handler.jar netty-resolver.jar netty-transport.jar"

rm -rf build
mkdir -p build/protos build/gen build/classes
(cd build/protos && jar xf "$jars/proto-google-common-protos.jar" google/api/field_behavior.proto)
protoc -I "$proto_dir" -I "$googleapis" -I build/protos -I /usr/include \
  --java_out=build/gen --grpc-java_out=build/gen \
  --plugin=protoc-gen-grpc-java=/usr/bin/grpc_java_plugin \
  gateway/gateway.proto google/api/annotations.proto google/api/http.proto \
  google/api/field_behavior.proto google/rpc/code.proto google/rpc/status.proto \
  google/rpc/error_details.proto

# geronimo-annotation-1.3-spec.jar (libgeronimo-annotation-1.3-spec-java):
# javax.annotation.Generated, which the gRPC stubs carry and Java 17 lacks;
# needed to compile only.
javac -nowarn -d build/classes \
  -cp "$(for j in $classpath; do printf '%s:' "$jars/$j"; done)$jars/geronimo-annotation-1.3-spec.jar" \
  $(find build/gen -name '*.java') GatewayClient.java
printf 'Main-Class: GatewayClient\nClass-Path:%s\n' \
  "$(for j in $classpath; do printf ' %s\n ' "$jars/$j"; done | sed '$d')" > build/manifest.txt
jar cfm build/gateway-client.jar build/manifest.txt -C build/classes .
