#!/usr/bin/env python3
"""Updates a Gateway user through gateway-proxy and prints the result.

A plain gRPC client of gateway.Gateway/UpdateUser, using stubs generated from
proto/ (the build writes them to build/gen/python). Run it with Debian's
Python, which has python3-grpcio:

  PYTHONPATH=build/gen/python /usr/bin/python3 examples/python/update_user.py \
      --target 127.0.0.1:50051 --account acme --user alice \
      --role admin --display-name "Alice Liddell"

On success it prints the updated User as JSON. On failure it prints the gRPC
code and message, then each google.rpc error detail the server sent in the
grpc-status-details-bin trailer, e.g.

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
from google.rpc import error_details_pb2, status_pb2

from gateway import gateway_pb2, gateway_pb2_grpc

STATUS_DETAILS_KEY = "grpc-status-details-bin"


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


def status_details(error):
    """The google.rpc.Status in the call's trailers, or None."""
    for key, value in error.trailing_metadata() or ():
        if key == STATUS_DETAILS_KEY:
            return status_pb2.Status.FromString(value)
    return None


def describe_detail(any_detail):
    """Readable lines for one google.protobuf.Any error detail."""
    known = [
        error_details_pb2.BadRequest, error_details_pb2.ErrorInfo,
        error_details_pb2.PreconditionFailure, error_details_pb2.RetryInfo,
        error_details_pb2.QuotaFailure, error_details_pb2.ResourceInfo,
        error_details_pb2.DebugInfo, error_details_pb2.Help,
        error_details_pb2.LocalizedMessage, error_details_pb2.RequestInfo,
    ]
    for message_type in known:
        if any_detail.Is(message_type.DESCRIPTOR):
            detail = message_type()
            any_detail.Unpack(detail)
            break
    else:
        return [f"{any_detail.type_url} ({len(any_detail.value)} bytes)"]

    if isinstance(detail, error_details_pb2.BadRequest):
        return ["BadRequest:"] + [
            f"  field {v.field}: {v.description}" for v in detail.field_violations]
    if isinstance(detail, error_details_pb2.ErrorInfo):
        return ([f"ErrorInfo: reason={detail.reason} domain={detail.domain}"] +
                [f"  {k}={v}" for k, v in sorted(detail.metadata.items())])
    if isinstance(detail, error_details_pb2.PreconditionFailure):
        return ["PreconditionFailure:"] + [
            f"  {v.type} {v.subject}: {v.description}" for v in detail.violations]
    if isinstance(detail, error_details_pb2.RetryInfo):
        return [f"RetryInfo: retry after {detail.retry_delay.ToTimedelta()}"]
    text = json_format.MessageToJson(detail, indent=None)
    return [f"{detail.DESCRIPTOR.name}: {text}"]


def main(argv):
    args = parse_args(argv)
    metadata = [("x-api-key", args.api_key)] if args.api_key else []
    with grpc.insecure_channel(args.target) as channel:
        stub = gateway_pb2_grpc.GatewayStub(channel)
        try:
            user = stub.UpdateUser(build_request(args), metadata=metadata,
                                   timeout=args.timeout)
        except grpc.RpcError as error:
            print(f"UpdateUser failed: {error.code().name}: {error.details()}")
            status = status_details(error)
            for detail in status.details if status else ():
                for line in describe_detail(detail):
                    print(f"  {line}")
            return 1
    print("UpdateUser OK:")
    print(json_format.MessageToJson(user, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
