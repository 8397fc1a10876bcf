#include "proxy/core/rpc_status.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/any.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"
#include "proxy/core/utf8.h"
#include "proxy/edge/grpc_status.h"

namespace gateway_proxy {
namespace {

google::rpc::BadRequest BadRequestFor(const std::string& field,
                                      const std::string& description) {
  google::rpc::BadRequest bad;
  auto* violation = bad.add_field_violations();
  violation->set_field(field);
  violation->set_description(description);
  return bad;
}

google::rpc::ErrorInfo ErrorInfoFor(const std::string& reason) {
  google::rpc::ErrorInfo info;
  info.set_reason(reason);
  info.set_domain("accounts.example.com");
  (*info.mutable_metadata())["user"] = "alice";
  return info;
}

TEST(RpcStatusTest, PackAnyUsesTypeGoogleapisPrefix) {
  const google::protobuf::Any any = PackAny(ErrorInfoFor("USER_DISABLED"));
  EXPECT_EQ(any.type_url(), "type.googleapis.com/google.rpc.ErrorInfo");
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(any.UnpackTo(&info));
  EXPECT_EQ(info.reason(), "USER_DISABLED");
}

TEST(RpcStatusTest, StatusWithDetailsKeepsCodeAndMessage) {
  const absl::Status status = StatusWithDetails(
      absl::StatusCode::kInvalidArgument, "user.role is required",
      {PackAny(BadRequestFor("user.role", "required"))});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "user.role is required");
  EXPECT_TRUE(status.GetPayload(kRpcStatusPayloadUrl).has_value());
}

TEST(RpcStatusTest, DetailsRoundTripThroughToRpcStatus) {
  const absl::Status status = StatusWithDetails(
      absl::StatusCode::kInvalidArgument, "user.role is required",
      {PackAny(BadRequestFor("user.role", "required field is missing"))});

  const google::rpc::Status rpc = ToRpcStatus(status);
  EXPECT_EQ(rpc.code(), 3);
  EXPECT_EQ(rpc.message(), "user.role is required");
  ASSERT_EQ(rpc.details_size(), 1);
  google::rpc::BadRequest bad;
  ASSERT_TRUE(rpc.details(0).UnpackTo(&bad));
  ASSERT_EQ(bad.field_violations_size(), 1);
  EXPECT_EQ(bad.field_violations(0).field(), "user.role");
  EXPECT_EQ(bad.field_violations(0).description(), "required field is missing");
}

TEST(RpcStatusTest, ToGrpcStatusCarriesDetailsAsSerializedRpcStatus) {
  const absl::Status status =
      StatusWithDetails(absl::StatusCode::kNotFound, "user alice not found",
                        {PackAny(ErrorInfoFor("USER_NOT_FOUND"))});

  const grpc::Status grpc_status = ToGrpcStatus(status);
  EXPECT_EQ(grpc_status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(grpc_status.error_message(), "user alice not found");
  google::rpc::Status rpc;
  ASSERT_TRUE(rpc.ParseFromString(grpc_status.error_details()));
  EXPECT_EQ(rpc.code(), 5);
  EXPECT_EQ(rpc.message(), "user alice not found");
  ASSERT_EQ(rpc.details_size(), 1);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(rpc.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "USER_NOT_FOUND");
  EXPECT_EQ(info.domain(), "accounts.example.com");
  EXPECT_EQ(info.metadata().at("user"), "alice");
  // The trailer carries exactly what ToRpcStatus() describes.
  EXPECT_EQ(grpc_status.error_details(),
            ToRpcStatus(status).SerializeAsString());
}

TEST(RpcStatusTest, OrderAndDuplicatesArePreserved) {
  const google::protobuf::Any first = PackAny(ErrorInfoFor("FIRST"));
  const google::protobuf::Any second =
      PackAny(BadRequestFor("name", "too long"));
  const absl::Status status =
      StatusWithDetails(absl::StatusCode::kFailedPrecondition, "no",
                        {first, second, first, second, second});

  const google::rpc::Status rpc = ToRpcStatus(status);
  ASSERT_EQ(rpc.details_size(), 5);
  const std::vector<std::string> expected_types = {
      "type.googleapis.com/google.rpc.ErrorInfo",
      "type.googleapis.com/google.rpc.BadRequest",
      "type.googleapis.com/google.rpc.ErrorInfo",
      "type.googleapis.com/google.rpc.BadRequest",
      "type.googleapis.com/google.rpc.BadRequest",
  };
  for (int i = 0; i < rpc.details_size(); ++i) {
    EXPECT_EQ(rpc.details(i).type_url(), expected_types[i]) << i;
  }
  EXPECT_EQ(rpc.details(0).value(), first.value());
  EXPECT_EQ(rpc.details(1).value(), second.value());
  EXPECT_EQ(rpc.details(2).value(), first.value());
  EXPECT_EQ(rpc.details(3).value(), second.value());
  EXPECT_EQ(rpc.details(4).value(), second.value());
}

TEST(RpcStatusTest, PlainStatusHasNoDetails) {
  const absl::Status status = absl::NotFoundError("user alice not found");

  const google::rpc::Status rpc = ToRpcStatus(status);
  EXPECT_EQ(rpc.code(), 5);
  EXPECT_EQ(rpc.message(), "user alice not found");
  EXPECT_EQ(rpc.details_size(), 0);

  const grpc::Status grpc_status = ToGrpcStatus(status);
  EXPECT_EQ(grpc_status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(grpc_status.error_message(), "user alice not found");
  EXPECT_EQ(grpc_status.error_details(), "");
}

TEST(RpcStatusTest, StatusWithNoDetailsIsAPlainStatus) {
  const absl::Status status =
      StatusWithDetails(absl::StatusCode::kUnavailable, "try later", {});
  EXPECT_EQ(status, absl::UnavailableError("try later"));
  EXPECT_FALSE(status.GetPayload(kRpcStatusPayloadUrl).has_value());
  EXPECT_EQ(ToGrpcStatus(status).error_details(), "");
}

TEST(RpcStatusTest, OkStatusBecomesGrpcOk) {
  const grpc::Status grpc_status = ToGrpcStatus(absl::OkStatus());
  EXPECT_TRUE(grpc_status.ok());
  EXPECT_EQ(grpc_status.error_message(), "");
  EXPECT_EQ(grpc_status.error_details(), "");
  const google::rpc::Status rpc = ToRpcStatus(absl::OkStatus());
  EXPECT_EQ(rpc.code(), 0);
  EXPECT_EQ(rpc.details_size(), 0);
}

TEST(RpcStatusTest, EveryErrorCodeKeepsItsNumberOnTheWire) {
  for (int number = 1; number <= 16; ++number) {
    const auto code = static_cast<absl::StatusCode>(number);
    const absl::Status status =
        StatusWithDetails(code, "m", {PackAny(ErrorInfoFor("R"))});
    const grpc::Status grpc_status = ToGrpcStatus(status);
    EXPECT_EQ(static_cast<int>(grpc_status.error_code()), number);
    google::rpc::Status rpc;
    ASSERT_TRUE(rpc.ParseFromString(grpc_status.error_details()));
    EXPECT_EQ(rpc.code(), number);
  }
}

TEST(RpcStatusTest, CodeAndMessageOfTheAbslStatusWinOverThePayload) {
  const absl::Status original = StatusWithDetails(
      absl::StatusCode::kNotFound, "old", {PackAny(ErrorInfoFor("R"))});
  absl::Status changed(absl::StatusCode::kInternal, "new");
  changed.SetPayload(kRpcStatusPayloadUrl,
                     *original.GetPayload(kRpcStatusPayloadUrl));

  const google::rpc::Status rpc = ToRpcStatus(changed);
  EXPECT_EQ(rpc.code(), 13);
  EXPECT_EQ(rpc.message(), "new");
  ASSERT_EQ(rpc.details_size(), 1);
  EXPECT_EQ(rpc.details(0).type_url(),
            "type.googleapis.com/google.rpc.ErrorInfo");
}

}  // namespace
}  // namespace gateway_proxy

namespace gateway_proxy {
namespace {

TEST(RpcStatusLimitsTest, LongMessageIsCutAtACharacterBoundary) {
  // 300 two-byte characters: 600 bytes, over the 512-byte limit.
  std::string long_message;
  for (int i = 0; i < 300; ++i) long_message += "\xc3\xa9";
  grpc::Status status = ToGrpcStatus(absl::NotFoundError(long_message));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), long_message.substr(0, 508) + "...");
}

TEST(RpcStatusLimitsTest, DetailsBeyondTheLimitAreDroppedFromTheEnd) {
  std::vector<google::protobuf::Any> details;
  for (int i = 0; i < 10; ++i) {
    google::rpc::ErrorInfo info;
    info.set_reason(absl::StrCat("R", i));
    info.set_domain(std::string(500, 'd'));
    details.push_back(PackAny(info));
  }
  grpc::Status status = ToGrpcStatus(
      StatusWithDetails(absl::StatusCode::kInternal, "many details", details));
  google::rpc::Status rpc;
  ASSERT_TRUE(rpc.ParseFromString(status.error_details()));
  EXPECT_LE(status.error_details().size(), kMaxStatusDetailsBytes);
  ASSERT_EQ(rpc.details_size(), 5);
  google::rpc::ErrorInfo first;
  ASSERT_TRUE(rpc.details(0).UnpackTo(&first));
  EXPECT_EQ(first.reason(), "R0");
  EXPECT_EQ(rpc.message(), "many details");
}

TEST(RpcStatusLimitsTest, TruncateUtf8KeepsShortTextAsIs) {
  EXPECT_EQ(TruncateUtf8("short", 10), "short");
  EXPECT_EQ(TruncateUtf8("abcdefghijk", 8), "abcde...");
}

}  // namespace
}  // namespace gateway_proxy
