#!/usr/bin/env python3
"""End-to-end: all four User operations round-trip through the built
gateway-proxy to the built mock-gateway (CreateUser, GetUser with a read
mask, ListUsers page by page with filter and ordering, UpdateUser).

UserServiceTest shares one mock and proxy (seeded with acme/alice and
acme/bob, plus five members it creates) across its tests, which only add
users; PageSizeCapTest starts its own, as it needs more than 200 users.
Run like e2e_test.py, whose helpers it uses.
"""

import os
import sys
import tempfile
import unittest

import grpc
from google.protobuf import field_mask_pb2
from google.rpc import error_details_pb2

from gateway import gateway_pb2, gateway_pb2_grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_test import API_KEY, CALL_TIMEOUT_S, MOCK_BIN, PROXY_BIN, Server, unpack_details  # noqa: E402


@unittest.skipUnless(PROXY_BIN and MOCK_BIN,
                     "GATEWAY_PROXY_BIN and MOCK_GATEWAY_BIN must be set")
class UserServiceTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="gateway-proxy-users-")
        cls.mock = Server("mock-gateway", [
            MOCK_BIN, f"--api_key={API_KEY}", "--listen=127.0.0.1:0"], cls.dir.name)
        cls.proxy = Server("gateway-proxy", [
            PROXY_BIN, "--listen=127.0.0.1:0",
            f"--upstream=http://{cls.mock.address}"], cls.dir.name)
        cls.channel = grpc.insecure_channel(cls.proxy.address)
        cls.stub = gateway_pb2_grpc.GatewayStub(cls.channel)
        # Five more users in acme: seven in all with alice and bob.
        for i, role in enumerate(["inference-user", "admin", "inference-user",
                                         "contributor", "inference-user"]):
            cls.call("CreateUser", gateway_pb2.CreateUserRequest(
                account_id="acme", user_id=f"member-{i}",
                user=gateway_pb2.User(role=role, display_name=f"Member {i}")))

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.proxy.stop()
        cls.mock.stop()
        cls.dir.cleanup()

    @classmethod
    def call(cls, method, request):
        return getattr(cls.stub, method)(
            request, metadata=[("x-api-key", API_KEY)], timeout=CALL_TIMEOUT_S)

    def error(self, method, request):
        with self.assertRaises(grpc.RpcError) as raised:
            self.call(method, request)
        return raised.exception

    def test_create_then_get_returns_the_new_user(self):
        created = self.call("CreateUser", gateway_pb2.CreateUserRequest(
            account_id="acme", user_id="carol",
            user=gateway_pb2.User(role="user", email="carol@example.com",
                                  display_name="Carol")))
        self.assertEqual(created.name, "accounts/acme/users/carol")
        self.assertEqual(created.state, gateway_pb2.User.READY)
        self.assertTrue(created.HasField("create_time"))
        fetched = self.call("GetUser", gateway_pb2.GetUserRequest(
            account_id="acme", user_id="carol"))
        self.assertEqual(fetched, created)

    def test_create_ignores_the_name_and_output_only_fields_sent(self):
        created = self.call("CreateUser", gateway_pb2.CreateUserRequest(
            account_id="acme", user_id="dave",
            user=gateway_pb2.User(
                name="accounts/elsewhere/users/someone", role="contributor",
                state=gateway_pb2.User.DELETING)))
        self.assertEqual(created.name, "accounts/acme/users/dave")
        self.assertEqual(created.state, gateway_pb2.User.READY)
        self.assertEqual(created.role, "contributor")
        self.assertEqual(created.create_time, created.update_time)

    def test_create_without_user_id_gets_an_id_from_the_server(self):
        first = self.call("CreateUser", gateway_pb2.CreateUserRequest(
            account_id="acme", user=gateway_pb2.User(role="user")))
        second = self.call("CreateUser", gateway_pb2.CreateUserRequest(
            account_id="acme", user=gateway_pb2.User(role="user")))
        self.assertRegex(first.name, r"^accounts/acme/users/user-[0-9]+$")
        self.assertRegex(second.name, r"^accounts/acme/users/user-[0-9]+$")
        self.assertNotEqual(first.name, second.name)
        self.assertEqual(self.call("GetUser", gateway_pb2.GetUserRequest(
            account_id="acme", user_id=second.name.split("/")[-1])), second)

    def test_create_with_an_invalid_user_id_is_invalid_argument(self):
        error = self.error("CreateUser", gateway_pb2.CreateUserRequest(
            account_id="acme", user_id="Not_Valid",
            user=gateway_pb2.User(role="user")))
        self.assertEqual(error.code(), grpc.StatusCode.INVALID_ARGUMENT)
        [bad] = unpack_details(error, error_details_pb2.BadRequest)
        self.assertEqual([v.field for v in bad.field_violations], ["user_id"])

    def test_creating_an_existing_user_is_already_exists_with_error_info(self):
        error = self.error("CreateUser", gateway_pb2.CreateUserRequest(
            account_id="acme", user_id="alice", user=gateway_pb2.User(role="user")))
        self.assertEqual(error.code(), grpc.StatusCode.ALREADY_EXISTS)
        self.assertEqual(error.details(), "user accounts/acme/users/alice already exists")
        [info] = unpack_details(error, error_details_pb2.ErrorInfo)
        self.assertEqual(info.reason, "USER_ALREADY_EXISTS")
        self.assertEqual(dict(info.metadata), {"account_id": "acme", "user_id": "alice"})

    def test_get_with_a_read_mask_returns_only_those_fields(self):
        user = self.call("GetUser", gateway_pb2.GetUserRequest(
            account_id="acme", user_id="alice",
            read_mask=field_mask_pb2.FieldMask(paths=["display_name", "role"])))
        self.assertEqual(user, gateway_pb2.User(display_name="Alice", role="admin"))

    def test_get_of_an_unknown_user_is_not_found(self):
        error = self.error("GetUser", gateway_pb2.GetUserRequest(
            account_id="acme", user_id="nobody"))
        self.assertEqual(error.code(), grpc.StatusCode.NOT_FOUND)
        [info] = unpack_details(error, error_details_pb2.ErrorInfo)
        self.assertEqual(info.reason, "USER_NOT_FOUND")

    def test_list_follows_next_page_token_to_the_end(self):
        pages, token = [], ""
        while len(pages) < 10:
            page = self.call("ListUsers", gateway_pb2.ListUsersRequest(
                account_id="acme", page_size=1, page_token=token,
                filter='role = "inference-user"', order_by="display_name desc",
                read_mask=field_mask_pb2.FieldMask(paths=["name"])))
            self.assertEqual(page.total_size, 3)  # member-0, -2, -4
            for user in page.users:
                self.assertEqual(user, gateway_pb2.User(name=user.name))
            pages.append([u.name for u in page.users])
            token = page.next_page_token
            if not token:
                break
        self.assertEqual(pages, [["accounts/acme/users/member-4"],
                                 ["accounts/acme/users/member-2"],
                                 ["accounts/acme/users/member-0"]])

    def test_filters_the_mock_does_not_support_are_invalid_argument(self):
        for filter_text in ('role = "admin" OR role = "user"',
                            'role != "admin"', "state = DONE"):
            with self.subTest(filter=filter_text):
                error = self.error("ListUsers", gateway_pb2.ListUsersRequest(
                    account_id="acme", filter=filter_text))
                self.assertEqual(error.code(), grpc.StatusCode.INVALID_ARGUMENT)
                [bad] = unpack_details(error, error_details_pb2.BadRequest)
                self.assertEqual(bad.field_violations[0].field, "filter")

    def test_list_three_pages_in_descending_display_name_order(self):
        seen, token = [], ""
        for _ in range(3):
            page = self.call("ListUsers", gateway_pb2.ListUsersRequest(
                account_id="acme", page_size=2, page_token=token,
                order_by="display_name desc"))
            seen.append([u.display_name for u in page.users])
            token = page.next_page_token
        self.assertEqual(seen[0], ["Member 4", "Member 3"])
        self.assertEqual(seen[1], ["Member 2", "Member 1"])
        # Other tests may add users whose names sort below "Member 0".
        self.assertEqual(seen[2][0], "Member 0")

    def test_a_token_of_another_query_is_invalid_argument(self):
        first = self.call("ListUsers", gateway_pb2.ListUsersRequest(
            account_id="acme", page_size=1, order_by="display_name"))
        self.assertTrue(first.next_page_token)
        error = self.error("ListUsers", gateway_pb2.ListUsersRequest(
            account_id="acme", page_size=1, page_token=first.next_page_token))
        self.assertEqual(error.code(), grpc.StatusCode.INVALID_ARGUMENT)
        [bad] = unpack_details(error, error_details_pb2.BadRequest)
        self.assertEqual(bad.field_violations[0].field, "page_token")

    def test_list_of_an_unknown_account_is_not_found(self):
        error = self.error("ListUsers", gateway_pb2.ListUsersRequest(
            account_id="initech"))
        self.assertEqual(error.code(), grpc.StatusCode.NOT_FOUND)
        [info] = unpack_details(error, error_details_pb2.ErrorInfo)
        self.assertEqual((info.reason, dict(info.metadata)),
                         ("ACCOUNT_NOT_FOUND", {"account_id": "initech"}))

    def test_a_token_that_was_never_issued_is_invalid_argument(self):
        error = self.error("ListUsers", gateway_pb2.ListUsersRequest(
            account_id="acme", page_token="not-a-token"))
        self.assertEqual(error.code(), grpc.StatusCode.INVALID_ARGUMENT)
        [bad] = unpack_details(error, error_details_pb2.BadRequest)
        self.assertEqual(bad.field_violations[0].field, "page_token")

    def test_an_unsupported_filter_is_invalid_argument(self):
        error = self.error("ListUsers", gateway_pb2.ListUsersRequest(
            account_id="acme", filter="role > 3"))
        self.assertEqual(error.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(error.details(),
                         'unsupported filter term "role > 3": expected field = value')

    def test_update_through_the_same_proxy(self):
        user = self.call("UpdateUser", gateway_pb2.UpdateUserRequest(
            account_id="acme", user_id="member-1",
            user=gateway_pb2.User(role="admin"),
            update_mask=field_mask_pb2.FieldMask(paths=["role"])))
        self.assertEqual(user.role, "admin")
        self.assertEqual(user.display_name, "Member 1")


@unittest.skipUnless(PROXY_BIN and MOCK_BIN,
                     "GATEWAY_PROXY_BIN and MOCK_GATEWAY_BIN must be set")
class PageSizeCapTest(unittest.TestCase):
    """page_size over 200 is capped at 200 (AIP-158), not refused."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="gateway-proxy-cap-")
        self.addCleanup(self.dir.cleanup)
        self.mock = Server("mock-gateway", [
            MOCK_BIN, f"--api_key={API_KEY}", "--listen=127.0.0.1:0"],
            self.dir.name)
        self.addCleanup(self.mock.stop)
        self.proxy = Server("gateway-proxy", [
            PROXY_BIN, "--listen=127.0.0.1:0",
            f"--upstream=http://{self.mock.address}"], self.dir.name)
        self.addCleanup(self.proxy.stop)
        self.channel = grpc.insecure_channel(self.proxy.address)
        self.addCleanup(self.channel.close)
        self.stub = gateway_pb2_grpc.GatewayStub(self.channel)

    def list_users(self, **fields):
        return self.stub.ListUsers(
            gateway_pb2.ListUsersRequest(account_id="acme", **fields),
            metadata=[("x-api-key", API_KEY)], timeout=CALL_TIMEOUT_S)

    def test_page_size_over_200_is_capped(self):
        # 199 members with alice and bob: 201 users. Sent all at once; the
        # futures only overlap the round trips.
        futures = [self.stub.CreateUser.future(
            gateway_pb2.CreateUserRequest(
                account_id="acme", user_id=f"member-{i:03d}",
                user=gateway_pb2.User(role="user")),
            metadata=[("x-api-key", API_KEY)], timeout=CALL_TIMEOUT_S)
            for i in range(199)]
        for future in futures:
            future.result()

        first = self.list_users(page_size=1000)
        self.assertEqual(len(first.users), 200)
        self.assertEqual(first.total_size, 201)
        self.assertTrue(first.next_page_token)
        last = self.list_users(page_size=1000, page_token=first.next_page_token)
        self.assertEqual([u.name for u in last.users],
                         ["accounts/acme/users/member-198"])
        self.assertEqual(last.total_size, 201)
        self.assertEqual(last.next_page_token, "")
        self.assertEqual(len(self.list_users().users), 50)  # The default.


if __name__ == "__main__":
    unittest.main(verbosity=2)
