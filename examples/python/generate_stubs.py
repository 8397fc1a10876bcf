#!/usr/bin/env python3
"""Generates the Python stubs of proto/gateway/gateway.proto into this folder.

  python3 generate_stubs.py     # writes gateway/gateway_pb2{,_grpc}.py here

Two routes, chosen by what is installed:
- pip (requirements.txt): grpcio-tools compiles gateway.proto. The google.api
  and google.rpc modules come from googleapis-common-protos; protoc reads
  their descriptors from the installed modules (--descriptor_set_in), since
  not every release of that package ships the .proto files.
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


def pip_route_available():
    """Whether grpcio-tools and googleapis-common-protos are installed."""
    try:
        import grpc_tools.protoc  # noqa: F401
        import google.api.annotations_pb2  # noqa: F401
    except ImportError:
        return False
    return True


def write_google_descriptor_set(path):
    """Writes the descriptors of the google/api and google/rpc files that
    gateway.proto imports, from the installed Python modules, to `path`."""
    from google.api import annotations_pb2, field_behavior_pb2, http_pb2
    from google.protobuf import descriptor_pb2
    from google.rpc import code_pb2
    file_set = descriptor_pb2.FileDescriptorSet()
    for module in (http_pb2, annotations_pb2, field_behavior_pb2, code_pb2):
        module.DESCRIPTOR.CopyToProto(file_set.file.add())
    with open(path, "wb") as f:
        f.write(file_set.SerializeToString())


def generate_with_grpc_tools(proto_dir):
    import grpc_tools
    from grpc_tools import protoc
    well_known = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    with tempfile.TemporaryDirectory() as scratch:
        google_set = os.path.join(scratch, "google.pb")
        write_google_descriptor_set(google_set)
        args = ["grpc_tools.protoc", f"-I{proto_dir}", f"-I{well_known}",
                f"--descriptor_set_in={google_set}", f"--python_out={HERE}",
                f"--grpc_python_out={HERE}", GATEWAY_PROTO]
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
    if pip_route_available():
        generate_with_grpc_tools(args.proto_dir)
    elif os.path.isdir(DEBIAN_GOOGLEAPIS):
        generate_with_debian_protoc(args.proto_dir)
    else:
        sys.exit("generate_stubs: install grpcio-tools and googleapis-common-protos "
                 "(pip install -r requirements.txt), or on Debian 12 "
                 "protobuf-compiler-grpc and golang-github-gogo-googleapis-dev")
    print(f"generate_stubs: wrote {os.path.join(HERE, 'gateway')}")


if __name__ == "__main__":
    main()
