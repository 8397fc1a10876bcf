"""Reads a failed call's code and google.rpc details, for the example clients.

gateway-proxy, like any server using gRPC's richer error model, sends the
error's google.rpc.Status (code, message and details, each a
google.protobuf.Any) in the binary trailer `grpc-status-details-bin`.
describe_error() turns a grpc.RpcError into readable lines:

  NOT_FOUND: user accounts/acme/users/zed not found
    ErrorInfo: reason=USER_NOT_FOUND domain=gateway.fireworks.ai
      account_id=acme
      user_id=zed

(pip's grpcio-status offers rpc_status.from_call() for the first step;
Debian's python3-grpcio does not include it, and the parse is one line.)
"""

from google.protobuf import json_format
from google.rpc import error_details_pb2, status_pb2

STATUS_DETAILS_KEY = "grpc-status-details-bin"

# Every google.rpc detail type, so each one the server sends can be unpacked.
DETAIL_TYPES = (
    error_details_pb2.BadRequest, error_details_pb2.ErrorInfo,
    error_details_pb2.PreconditionFailure, error_details_pb2.RetryInfo,
    error_details_pb2.QuotaFailure, error_details_pb2.ResourceInfo,
    error_details_pb2.DebugInfo, error_details_pb2.Help,
    error_details_pb2.LocalizedMessage, error_details_pb2.RequestInfo,
)


def rpc_status(error):
    """The google.rpc.Status in a grpc.RpcError's trailers, or None."""
    for key, value in error.trailing_metadata() or ():
        if key == STATUS_DETAILS_KEY:
            return status_pb2.Status.FromString(value)
    return None


def unpack(any_detail):
    """The message inside one google.protobuf.Any detail, or None if its
    type is not a google.rpc one."""
    for message_type in DETAIL_TYPES:
        if any_detail.Is(message_type.DESCRIPTOR):
            detail = message_type()
            any_detail.Unpack(detail)
            return detail
    return None


def seconds(duration):
    """A Duration as "7" or "1.5": the fraction's trailing zeros dropped, as
    every example in examples/ prints it."""
    if not duration.nanos:
        return str(duration.seconds)
    return f"{duration.seconds}.{duration.nanos:09d}".rstrip("0")


def describe_detail(any_detail):
    """Readable lines for one detail."""
    detail = unpack(any_detail)
    if detail is None:
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
        return [f"RetryInfo: retry after {seconds(detail.retry_delay)}s"]
    return [f"{detail.DESCRIPTOR.name}: "
            f"{json_format.MessageToJson(detail, indent=None)}"]


def describe_error(error):
    """The error's code name and message, then its details indented."""
    lines = [f"{error.code().name}: {error.details()}"]
    status = rpc_status(error)
    for detail in status.details if status else ():
        lines += [f"  {line}" for line in describe_detail(detail)]
    return lines
