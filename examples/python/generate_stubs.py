#!/usr/bin/env python3
"""Generates the Python stubs of proto/gateway/gateway.proto into this folder.

  python3 generate_stubs.py     # writes gateway/gateway_pb2{,_grpc}.py here

Two routes, chosen by what is installed:
- pip (requirements.txt): grpcio-tools compiles gateway.proto; the google.api
  and google.rpc modules come from googleapis-common-protos, whose package
  also holds the .proto files.
- Debian 12 (python3-grpcio, protobuf-compiler-grpc): protoc and
  grpc_python_plugin compile gateway.proto and the google/api and google/rpc
  files it needs, taken from golang-github-gogo-googleapis-dev, plus
  google/api/field_behavior.proto from libgoogle-common-protos-java's jar.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
GATEWAY_PROTO = "gateway/gateway.proto"
DEBIAN_GOOGLEAPIS = "/usr/share/gocode/src/github.com/gogo/googleapis"
DEBIAN_COMMON_PROTOS_JAR = "/usr/share/java/proto-google-common-protos.jar"
DEBIAN_GOOGLE_PROTOS = (
    "google/api/annotations.proto", "google/api/http.proto",
    "google/api/field_behavior.proto", "google/rpc/code.proto",
    "google/rpc/status.proto", "google/rpc/error_details.proto")


def pip_includes():
    """grpcio-tools' well-known protos and googleapis-common-protos' dir, or
    None when either is missing."""
    try:
        import grpc_tools
        import google.api.annotations_pb2  # noqa: F401
    except ImportError:
        return None
    for path in sys.path:
        if os.path.isfile(os.path.join(path, "google", "api", "annotations.proto")):
            return [os.path.join(os.path.dirname(grpc_tools.__file__), "_proto"), path]
    return None


def generate_with_grpc_tools(proto_dir, includes):
    from grpc_tools import protoc
    args = ["grpc_tools.protoc", f"-I{proto_dir}"] + [f"-I{i}" for i in includes] + [
        f"--python_out={HERE}", f"--grpc_python_out={HERE}", GATEWAY_PROTO]
    if protoc.main(args) != 0:
        sys.exit("generate_stubs: grpc_tools.protoc failed")


def generate_with_debian_protoc(proto_dir):
    with tempfile.TemporaryDirectory() as extra:
        with zipfile.ZipFile(DEBIAN_COMMON_PROTOS_JAR) as jar:
            jar.extract("google/api/field_behavior.proto", extra)
        subprocess.run(
            ["protoc", f"-I{proto_dir}", f"-I{DEBIAN_GOOGLEAPIS}", f"-I{extra}",
             "-I/usr/include", f"--python_out={HERE}", f"--grpc_python_out={HERE}",
             "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin",
             GATEWAY_PROTO, *DEBIAN_GOOGLE_PROTOS], check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proto-dir", default=os.path.join(HERE, "..", "..", "proto"),
                        help="the repository's proto/ (default %(default)s)")
    args = parser.parse_args()
    includes = pip_includes()
    if includes:
        generate_with_grpc_tools(args.proto_dir, includes)
    else:
        generate_with_debian_protoc(args.proto_dir)
    print(f"generate_stubs: wrote {os.path.join(HERE, 'gateway')}")


if __name__ == "__main__":
    main()
