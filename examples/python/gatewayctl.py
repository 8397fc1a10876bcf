#!/usr/bin/env python3
"""gatewayctl: the Gateway User API from the command line, through gateway-proxy.

  gatewayctl.py users get ACCOUNT USER [--read-mask name,role]
  gatewayctl.py users list ACCOUNT [--page-size N] [--page-token T] [--all]
                [--filter F] [--order-by O] [--read-mask M]
  gatewayctl.py users create ACCOUNT [USER] --role ROLE [--display-name ...]
  gatewayctl.py users update ACCOUNT USER [--role ROLE] [--display-name ...]
                [--update-mask display_name,role]

and after any command: [--target HOST:PORT] [--api-key KEY] [--timeout S]
[-o json|table].

Each command is one gRPC call (list --all: one per page) with the stubs
generated from proto/; run it with Debian's Python once generate_stubs.py
has written the stubs next to it:

  /usr/bin/python3 examples/python/generate_stubs.py
  export GATEWAY_TARGET=127.0.0.1:50051
  /usr/bin/python3 examples/python/gatewayctl.py users update acme alice --role admin
  /usr/bin/python3 examples/python/gatewayctl.py users list acme --page-size 2 -o table

The result goes to stdout as protobuf JSON (lowerCamel names, like the REST
API), or with -o table as one line per user. An error goes to stderr with its
code, message and google.rpc details (rpc_errors.py):

  gatewayctl: NOT_FOUND: user accounts/acme/users/zed not found
    ErrorInfo: reason=USER_NOT_FOUND domain=gateway.fireworks.ai
      account_id=acme
      user_id=zed

The API key is sent as x-api-key metadata, from --api-key or GATEWAY_API_KEY
(which keeps it out of `ps`); with neither, the proxy uses its --api_key_file.

Exit status: 0 on success, 1 when a call failed, 2 on bad arguments.
"""

import argparse
import os
import sys

import grpc
from google.protobuf import json_format

from gateway import gateway_pb2, gateway_pb2_grpc
from rpc_errors import describe_error

TABLE_COLUMNS = ("NAME", "ROLE", "DISPLAY NAME", "EMAIL", "STATE")


def add_user_fields(parser):
    """The writable gateway.User fields, as options of `parser`."""
    parser.add_argument("--role", help="admin, user, contributor, "
                                       "inference-user or custom")
    parser.add_argument("--display-name")
    parser.add_argument("--email")
    parser.add_argument("--service-account", choices=["true", "false"])
    parser.add_argument("--permission-preset",
                        help='only valid with role "custom"')


def parse_args(argv):
    # The connection and output options belong to each command, so they go
    # anywhere after it: `users list acme -o table --target HOST:PORT`.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--target",
                        default=os.environ.get("GATEWAY_TARGET", "127.0.0.1:50051"),
                        help="gateway-proxy address (default: $GATEWAY_TARGET "
                             "or 127.0.0.1:50051)")
    common.add_argument("--api-key", default=os.environ.get("GATEWAY_API_KEY"),
                        help="sent as x-api-key (default: $GATEWAY_API_KEY; "
                             "none: the proxy's own key)")
    common.add_argument("--timeout", type=float, default=30.0,
                        help="deadline of each call in seconds "
                             "(default %(default)s)")
    common.add_argument("-o", "--output", choices=["json", "table"],
                        default="json", help="result format (default json)")

    parser = argparse.ArgumentParser(
        prog="gatewayctl", description=__doc__.split("\n\n")[0],
        epilog="See the top of examples/python/gatewayctl.py for examples.")
    resources = parser.add_subparsers(dest="resource", required=True)
    users = resources.add_parser("users", help="the users of an account")
    commands = users.add_subparsers(dest="command", required=True)

    get = commands.add_parser("get", parents=[common], help="GetUser")
    get.add_argument("account")
    get.add_argument("user")
    get.add_argument("--read-mask", help="comma-separated fields to return")

    list_ = commands.add_parser("list", parents=[common], help="ListUsers")
    list_.add_argument("account")
    list_.add_argument("--page-size", type=int, default=0)
    list_.add_argument("--page-token", default="")
    list_.add_argument("--filter", default="",
                       help='AIP-160 filter, e.g. \'role = "admin"\'')
    list_.add_argument("--order-by", default="",
                       help='e.g. "display_name desc"')
    list_.add_argument("--read-mask", help="comma-separated fields to return")
    list_.add_argument("--all", action="store_true",
                       help="follow nextPageToken and print every page's users")

    create = commands.add_parser("create", parents=[common], help="CreateUser")
    create.add_argument("account")
    create.add_argument("user", nargs="?", default="",
                        help="the new user's id (default: the server picks)")
    add_user_fields(create)

    update = commands.add_parser("update", parents=[common], help="UpdateUser")
    update.add_argument("account")
    update.add_argument("user")
    add_user_fields(update)
    update.add_argument("--update-mask",
                        help="comma-separated fields to change "
                             "(default: the fields given)")
    return parser.parse_args(argv)


def user_from_args(args):
    """A gateway.User with only the fields given set, so only they are sent."""
    user = gateway_pb2.User()
    for field in ("role", "display_name", "email", "permission_preset"):
        value = getattr(args, field)
        if value is not None:
            setattr(user, field, value)
    if args.service_account is not None:
        user.service_account = args.service_account == "true"
    return user


def call(stub, args, metadata):
    """Makes the command's call(s); its gateway.User or ListUsersResponse."""
    options = {"metadata": metadata, "timeout": args.timeout}
    if args.command == "get":
        request = gateway_pb2.GetUserRequest(account_id=args.account,
                                             user_id=args.user)
        if args.read_mask:
            request.read_mask.FromJsonString(args.read_mask)
        return stub.GetUser(request, **options)
    if args.command == "create":
        return stub.CreateUser(gateway_pb2.CreateUserRequest(
            account_id=args.account, user_id=args.user,
            user=user_from_args(args)), **options)
    if args.command == "update":
        request = gateway_pb2.UpdateUserRequest(
            account_id=args.account, user_id=args.user, user=user_from_args(args))
        if args.update_mask:
            request.update_mask.FromJsonString(args.update_mask)
        return stub.UpdateUser(request, **options)

    request = gateway_pb2.ListUsersRequest(
        account_id=args.account, page_size=args.page_size,
        page_token=args.page_token, filter=args.filter, order_by=args.order_by)
    if args.read_mask:
        request.read_mask.FromJsonString(args.read_mask)
    page = stub.ListUsers(request, **options)
    if not args.all:
        return page
    # Every page: the users of all, the total of the last, no next token.
    result = gateway_pb2.ListUsersResponse(users=page.users)
    while page.next_page_token:
        request.page_token = page.next_page_token
        page = stub.ListUsers(request, **options)
        result.users.extend(page.users)
    result.total_size = page.total_size
    return result


def table(result):
    """One line per user, in aligned columns under a header."""
    users = result.users if isinstance(result, gateway_pb2.ListUsersResponse) else [result]
    rows = [TABLE_COLUMNS] + [
        (u.name, u.role, u.display_name, u.email,
         gateway_pb2.User.State.Name(u.state) if u.state else "")
        for u in users]
    widths = [max(len(row[i]) for row in rows) for i in range(len(TABLE_COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
             for row in rows]
    if isinstance(result, gateway_pb2.ListUsersResponse):
        if result.next_page_token:
            lines.append(f"next page: --page-token {result.next_page_token}")
        lines.append(f"total: {result.total_size}")
    return "\n".join(lines)


def main(argv):
    args = parse_args(argv)
    metadata = [("x-api-key", args.api_key)] if args.api_key else []
    with grpc.insecure_channel(args.target) as channel:
        try:
            result = call(gateway_pb2_grpc.GatewayStub(channel), args, metadata)
        except grpc.RpcError as error:
            print("gatewayctl:", "\n".join(describe_error(error)), file=sys.stderr)
            return 1
    if args.output == "table":
        print(table(result))
    else:
        print(json_format.MessageToJson(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
