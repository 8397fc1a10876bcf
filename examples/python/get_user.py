#!/usr/bin/env python3
"""Gets one Gateway user through gateway-proxy and prints it.

A plain gRPC client of gateway.Gateway/GetUser with stubs generated from
proto/ (`/usr/bin/python3 examples/python/generate_stubs.py` writes them
next to this script):

  /usr/bin/python3 examples/python/get_user.py \
      --target 127.0.0.1:50051 --account acme --user alice --read-mask name,role

prints

  GetUser OK:
  {
    "name": "accounts/acme/users/alice",
    "role": "admin"
  }

On failure it prints the code, the message and the google.rpc details
(rpc_errors.py), e.g. for --user zed:

  GetUser failed: NOT_FOUND: user accounts/acme/users/zed not found
    ErrorInfo: reason=USER_NOT_FOUND domain=gateway.fireworks.ai
      account_id=acme
      user_id=zed

Exit status: 0 on success, 1 when the call failed, 2 on bad arguments.
"""

import argparse
import sys

import grpc
from google.protobuf import json_format

from gateway import gateway_pb2, gateway_pb2_grpc
from rpc_errors import describe_error


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", default="127.0.0.1:50051",
                        help="gateway-proxy address (default %(default)s)")
    parser.add_argument("--account", required=True, help="account id")
    parser.add_argument("--user", required=True, help="user id")
    parser.add_argument("--read-mask",
                        help="comma-separated fields to return, e.g. name,role "
                             "(default: all)")
    parser.add_argument("--api-key",
                        help="sent as x-api-key metadata; without it the "
                             "proxy uses its own --api_key_file")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="call deadline in seconds (default %(default)s)")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    request = gateway_pb2.GetUserRequest(account_id=args.account,
                                         user_id=args.user)
    if args.read_mask:
        request.read_mask.FromJsonString(args.read_mask)
    metadata = [("x-api-key", args.api_key)] if args.api_key else []
    with grpc.insecure_channel(args.target) as channel:
        stub = gateway_pb2_grpc.GatewayStub(channel)
        try:
            user = stub.GetUser(request, metadata=metadata, timeout=args.timeout)
        except grpc.RpcError as error:
            print("GetUser failed:", "\n".join(describe_error(error)))
            return 1
    print("GetUser OK:")
    print(json_format.MessageToJson(user, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
