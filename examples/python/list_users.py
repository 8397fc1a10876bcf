#!/usr/bin/env python3
"""Lists every user of a Gateway account through gateway-proxy, a page at a
time, following next_page_token until the last page.

A plain gRPC client of gateway.Gateway/ListUsers with stubs generated from
proto/ (`/usr/bin/python3 examples/python/generate_stubs.py` writes them
next to this script):

  /usr/bin/python3 examples/python/list_users.py \
      --target 127.0.0.1:50051 --account acme --page-size 1

prints one line per user, with the page it came on, then a summary:

  page 1: accounts/acme/users/alice role=admin display_name=Alice
  page 2: accounts/acme/users/bob role=user display_name=Bob
  2 users in 2 page(s), total_size 2

On failure it prints the code, the message and the google.rpc details
(rpc_errors.py), e.g. for --filter bogus:

  ListUsers failed: INVALID_ARGUMENT: unsupported filter term "bogus": expected field = value
    BadRequest:
      field filter: unsupported filter term "bogus": expected field = value

Exit status: 0 on success, 1 when a call failed, 2 on bad arguments.
"""

import argparse
import sys

import grpc

from gateway import gateway_pb2, gateway_pb2_grpc
from rpc_errors import describe_error


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", default="127.0.0.1:50051",
                        help="gateway-proxy address (default %(default)s)")
    parser.add_argument("--account", required=True, help="account id")
    parser.add_argument("--page-size", type=int, default=0,
                        help="users per page (default: the server's, 50)")
    parser.add_argument("--filter", default="",
                        help='AIP-160 filter, e.g. \'role = "admin"\'')
    parser.add_argument("--order-by", default="",
                        help='e.g. "display_name desc" (default: by name)')
    parser.add_argument("--api-key",
                        help="sent as x-api-key metadata; without it the "
                             "proxy uses its own --api_key_file")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="deadline of each call in seconds "
                             "(default %(default)s)")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    # A page token belongs to the query it came from: every page repeats the
    # same filter and order_by, and only page_token changes.
    request = gateway_pb2.ListUsersRequest(
        account_id=args.account, page_size=args.page_size,
        filter=args.filter, order_by=args.order_by)
    metadata = [("x-api-key", args.api_key)] if args.api_key else []
    pages = users = 0
    with grpc.insecure_channel(args.target) as channel:
        stub = gateway_pb2_grpc.GatewayStub(channel)
        while True:
            try:
                page = stub.ListUsers(request, metadata=metadata,
                                      timeout=args.timeout)
            except grpc.RpcError as error:
                print("ListUsers failed:", "\n".join(describe_error(error)))
                return 1
            pages += 1
            for user in page.users:
                users += 1
                print(f"page {pages}: {user.name} role={user.role} "
                      f"display_name={user.display_name}")
            if not page.next_page_token:
                break
            request.page_token = page.next_page_token
    print(f"{users} users in {pages} page(s), total_size {page.total_size}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
