#!/usr/bin/env python3
"""Updates a Gateway user through gateway-proxy and prints the result.

A plain gRPC client of gateway.Gateway/UpdateUser, using stubs generated from
proto/ (`/usr/bin/python3 examples/python/generate_stubs.py` writes them
next to this script). Run it with Debian's Python, which has python3-grpcio:

  /usr/bin/python3 examples/python/update_user.py \
      --target 127.0.0.1:50051 --account acme --user alice \
      --role admin --display-name "Alice Liddell"

On success it prints the updated User as JSON. On failure it prints the gRPC
code and message, then each google.rpc error detail the server sent in the
grpc-status-details-bin trailer (rpc_errors.py), e.g.

  UpdateUser failed: NOT_FOUND: user accounts/acme/users/zed not found
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
    parser.add_argument("--role",
                        help="admin, user, contributor, inference-user or "
                             "custom (required by the API; leave it out to "
                             "see the error)")
    parser.add_argument("--display-name")
    parser.add_argument("--email")
    parser.add_argument("--service-account", choices=["true", "false"])
    parser.add_argument("--permission-preset")
    parser.add_argument("--update-mask",
                        help="comma-separated fields to change, e.g. "
                             "display_name,role (default: the fields given)")
    parser.add_argument("--api-key",
                        help="sent as x-api-key metadata; without it the "
                             "proxy uses its own --api_key_file")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="call deadline in seconds (default %(default)s)")
    return parser.parse_args(argv)


def build_request(args):
    request = gateway_pb2.UpdateUserRequest(account_id=args.account,
                                            user_id=args.user)
    # Only the fields given are set, so only they are sent and changed.
    user = request.user
    if args.role is not None:
        user.role = args.role
    if args.display_name is not None:
        user.display_name = args.display_name
    if args.email is not None:
        user.email = args.email
    if args.service_account is not None:
        user.service_account = args.service_account == "true"
    if args.permission_preset is not None:
        user.permission_preset = args.permission_preset
    if args.update_mask:
        request.update_mask.paths.extend(
            path.strip() for path in args.update_mask.split(",") if path.strip())
    return request


def main(argv):
    args = parse_args(argv)
    metadata = [("x-api-key", args.api_key)] if args.api_key else []
    with grpc.insecure_channel(args.target) as channel:
        stub = gateway_pb2_grpc.GatewayStub(channel)
        try:
            user = stub.UpdateUser(build_request(args), metadata=metadata,
                                   timeout=args.timeout)
        except grpc.RpcError as error:
            print("UpdateUser failed:", "\n".join(describe_error(error)))
            return 1
    print("UpdateUser OK:")
    print(json_format.MessageToJson(user, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
