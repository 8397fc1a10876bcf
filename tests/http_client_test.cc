// http_client.h: the transfer failure a transport error carries.
#include "proxy/upstream/http_client.h"

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "proxy/core/rpc_status.h"
#include "proxy/edge/grpc_status.h"

namespace gateway_proxy {
namespace {

TEST(TransferFailureTest, ReasonAndRetriesRoundTripOnTheStatus) {
  const absl::Status status = WithTransferFailure(
      absl::UnavailableError("upstream api.internal:443 unavailable: Couldn't connect to server"),
      {"refused", 3});
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "upstream api.internal:443 unavailable: Couldn't connect to server");
  const TransferFailure failure = TransferFailureOf(status);
  EXPECT_EQ(failure.upstream_error, "refused");
  EXPECT_EQ(failure.retries, 3);
}

TEST(TransferFailureTest, StatusWithoutOneSaysNothing) {
  const TransferFailure failure =
      TransferFailureOf(absl::CancelledError("the call was cancelled before the upstream answered"));
  EXPECT_EQ(failure.upstream_error, "");
  EXPECT_EQ(failure.retries, 0);
}

TEST(TransferFailureTest, MalformedPayloadSaysNothing) {
  absl::Status status = absl::UnavailableError("x");
  status.SetPayload(kTransferFailurePayloadUrl, absl::Cord("many reset"));
  const TransferFailure failure = TransferFailureOf(status);
  EXPECT_EQ(failure.upstream_error, "");
  EXPECT_EQ(failure.retries, 0);
}

TEST(TransferFailureTest, NeverReachesTheCaller) {
  const grpc::Status sent =
      ToGrpcStatus(WithTransferFailure(absl::UnavailableError("no"), {"reset", 1}));
  EXPECT_EQ(sent.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(sent.error_message(), "no");
  EXPECT_EQ(sent.error_details(), "");
}

}  // namespace
}  // namespace gateway_proxy
