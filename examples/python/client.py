#!/usr/bin/env python3
"""The Gateway client every example in examples/ implements: one scenario,
the same output in each language.

It calls gateway-proxy at $GATEWAY_TARGET (default 127.0.0.1:50051) with a
10 s deadline per call, `x-request-id: example-N` on the N-th call, and
`authorization: Bearer $GATEWAY_API_KEY` when that variable is set (otherwise
the proxy uses its own key). Against mock-gateway --seed it prints:

  UpdateUser acme/alice: OK
    accounts/acme/users/alice role=admin display_name=Alice Liddell
  UpdateUser acme/alice: INVALID_ARGUMENT: missing required field: user.role
    BadRequest:
      field user.role: required field is missing
  ...

Each failed call prints its code, message and every google.rpc detail
(rpc_errors.py). Stubs: `python3 generate_stubs.py` writes them here.
"""

import os
import sys

import grpc

from gateway import gateway_pb2, gateway_pb2_grpc
from rpc_errors import describe_error

DEADLINE_S = 10


class Caller:
    """Makes calls with the deadline and metadata every call carries."""

    def __init__(self, stub, api_key):
        self.stub = stub
        self.api_key = api_key
        self.calls = 0

    def call(self, label, method, request):
        """Prints `label: OK` or `label: CODE: message` and the details;
        the reply, or None when the call failed."""
        self.calls += 1
        metadata = [("x-request-id", f"example-{self.calls}")]
        if self.api_key:
            metadata.append(("authorization", f"Bearer {self.api_key}"))
        try:
            reply = getattr(self.stub, method)(request, metadata=metadata,
                                               timeout=DEADLINE_S)
        except grpc.RpcError as error:
            print(f"{label}: " + "\n".join(describe_error(error)))
            return None
        return reply


def user_line(user):
    return f"  {user.name} role={user.role} display_name={user.display_name}"


def update_user(caller, user_id, **fields):
    request = gateway_pb2.UpdateUserRequest(
        account_id="acme", user_id=user_id, user=gateway_pb2.User(**fields))
    user = caller.call(f"UpdateUser acme/{user_id}", "UpdateUser", request)
    if user is not None:
        print(f"UpdateUser acme/{user_id}: OK")
        print(user_line(user))


def get_user(caller, user_id):
    request = gateway_pb2.GetUserRequest(account_id="acme", user_id=user_id)
    request.read_mask.paths.extend(["name", "role", "display_name"])
    user = caller.call(f"GetUser acme/{user_id}", "GetUser", request)
    if user is not None:
        print(f"GetUser acme/{user_id}: OK")
        print(user_line(user))


def list_users(caller):
    """Every page, following next_page_token."""
    request = gateway_pb2.ListUsersRequest(account_id="acme", page_size=1)
    page_number = 0
    while True:
        page_number += 1
        label = f"ListUsers acme page {page_number}"
        page = caller.call(label, "ListUsers", request)
        if page is None:
            return
        print(f"{label}: OK, total_size {page.total_size}")
        for user in page.users:
            print(user_line(user))
        if not page.next_page_token:
            return
        request.page_token = page.next_page_token


def main():
    target = os.environ.get("GATEWAY_TARGET", "127.0.0.1:50051")
    with grpc.insecure_channel(target) as channel:
        caller = Caller(gateway_pb2_grpc.GatewayStub(channel),
                        os.environ.get("GATEWAY_API_KEY"))
        update_user(caller, "alice", role="admin", display_name="Alice Liddell")
        update_user(caller, "alice", display_name="Alice")  # no role
        update_user(caller, "zed", role="user")  # no such user
        update_user(caller, "bob", role="user", permission_preset="viewer")
        get_user(caller, "alice")
        list_users(caller)
    return 0


if __name__ == "__main__":
    sys.exit(main())
