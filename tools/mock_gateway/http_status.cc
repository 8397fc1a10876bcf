#include "http_status.h"

namespace gateway_proxy::mock_gateway {

using Code = absl::StatusCode;

int HttpStatusFromCode(absl::StatusCode code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kCancelled:
      return 499;
    case Code::kUnknown:
      return 500;
    case Code::kInvalidArgument:
      return 400;
    case Code::kDeadlineExceeded:
      return 504;
    case Code::kNotFound:
      return 404;
    case Code::kAlreadyExists:
      return 409;
    case Code::kPermissionDenied:
      return 403;
    case Code::kResourceExhausted:
      return 429;
    case Code::kFailedPrecondition:
      return 400;
    case Code::kAborted:
      return 409;
    case Code::kOutOfRange:
      return 400;
    case Code::kUnimplemented:
      return 501;
    case Code::kInternal:
      return 500;
    case Code::kUnavailable:
      return 503;
    case Code::kDataLoss:
      return 500;
    case Code::kUnauthenticated:
      return 401;
    default:
      break;
  }
  return 500;
}

int GrpcGatewayV1HttpStatusFromCode(absl::StatusCode code) {
  switch (code) {
    case Code::kCancelled:
      return 408;
    case Code::kFailedPrecondition:
      return 412;
    default:
      return HttpStatusFromCode(code);
  }
}

}  // namespace gateway_proxy::mock_gateway
