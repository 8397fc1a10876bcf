// The proxy's reading of google.rpc.Code (proxy/core/status_mapping.h),
// and the REST server's code -> HTTP tables it must read back
// (tools/mock_gateway/http_status.h).
#include "proxy/core/status_mapping.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "http_status.h"

namespace gateway_proxy {
namespace {

using Code = absl::StatusCode;

struct CodeRow {
  Code code;
  absl::string_view name;
  int http;     // google/rpc/code.proto "HTTP Mapping".
  int http_v1;  // grpc-gateway v1.
};

// Every google.rpc.Code, in number order.
const std::vector<CodeRow>& AllCodes() {
  static const auto* rows = new std::vector<CodeRow>{
      {Code::kOk, "OK", 200, 200},
      {Code::kCancelled, "CANCELLED", 499, 408},
      {Code::kUnknown, "UNKNOWN", 500, 500},
      {Code::kInvalidArgument, "INVALID_ARGUMENT", 400, 400},
      {Code::kDeadlineExceeded, "DEADLINE_EXCEEDED", 504, 504},
      {Code::kNotFound, "NOT_FOUND", 404, 404},
      {Code::kAlreadyExists, "ALREADY_EXISTS", 409, 409},
      {Code::kPermissionDenied, "PERMISSION_DENIED", 403, 403},
      {Code::kResourceExhausted, "RESOURCE_EXHAUSTED", 429, 429},
      {Code::kFailedPrecondition, "FAILED_PRECONDITION", 400, 412},
      {Code::kAborted, "ABORTED", 409, 409},
      {Code::kOutOfRange, "OUT_OF_RANGE", 400, 400},
      {Code::kUnimplemented, "UNIMPLEMENTED", 501, 501},
      {Code::kInternal, "INTERNAL", 500, 500},
      {Code::kUnavailable, "UNAVAILABLE", 503, 503},
      {Code::kDataLoss, "DATA_LOSS", 500, 500},
      {Code::kUnauthenticated, "UNAUTHENTICATED", 401, 401},
  };
  return *rows;
}

TEST(StatusMappingTest, TableCoversAllSeventeenCodesInOrder) {
  ASSERT_EQ(AllCodes().size(), 17u);
  for (size_t i = 0; i < AllCodes().size(); ++i) {
    EXPECT_EQ(static_cast<int>(AllCodes()[i].code), static_cast<int>(i));
  }
}

TEST(StatusMappingTest, HttpStatusFromCodeFollowsCodeProto) {
  for (const CodeRow& row : AllCodes()) {
    EXPECT_EQ(mock_gateway::HttpStatusFromCode(row.code), row.http) << row.name;
  }
}

TEST(StatusMappingTest,
     GrpcGatewayV1TableDiffersOnlyForCancelledAndFailedPrecondition) {
  for (const CodeRow& row : AllCodes()) {
    EXPECT_EQ(mock_gateway::GrpcGatewayV1HttpStatusFromCode(row.code), row.http_v1)
        << row.name;
  }
  EXPECT_EQ(mock_gateway::GrpcGatewayV1HttpStatusFromCode(Code::kCancelled), 408);
  EXPECT_EQ(mock_gateway::GrpcGatewayV1HttpStatusFromCode(Code::kFailedPrecondition), 412);
}

TEST(StatusMappingTest, CodesOutsideTheEnumMapTo500) {
  EXPECT_EQ(mock_gateway::HttpStatusFromCode(static_cast<Code>(17)), 500);
  EXPECT_EQ(mock_gateway::HttpStatusFromCode(static_cast<Code>(-1)), 500);
  EXPECT_EQ(mock_gateway::GrpcGatewayV1HttpStatusFromCode(static_cast<Code>(17)), 500);
  EXPECT_EQ(mock_gateway::GrpcGatewayV1HttpStatusFromCode(static_cast<Code>(-1)), 500);
}

TEST(StatusMappingTest, CodeFromHttpStatusMapsEveryNamedStatus) {
  const std::vector<std::pair<int, Code>> named = {
      {400, Code::kInvalidArgument},  {401, Code::kUnauthenticated},
      {403, Code::kPermissionDenied}, {404, Code::kNotFound},
      {409, Code::kAborted},          {412, Code::kFailedPrecondition},
      {416, Code::kOutOfRange},       {429, Code::kResourceExhausted},
      {499, Code::kCancelled},        {501, Code::kUnimplemented},
      {502, Code::kUnavailable},      {503, Code::kUnavailable},
      {504, Code::kDeadlineExceeded},
  };
  for (const auto& [http, code] : named) {
    EXPECT_EQ(CodeFromHttpStatus(http), code) << http;
  }
}

TEST(StatusMappingTest, OtherFourHundredsAreFailedPrecondition) {
  for (int http : {402, 405, 406, 407, 408, 410, 411, 413, 414, 415, 417, 418,
                   422, 425, 426, 428, 431, 451, 498}) {
    EXPECT_EQ(CodeFromHttpStatus(http), Code::kFailedPrecondition) << http;
  }
}

TEST(StatusMappingTest, OtherFiveHundredsAreInternal) {
  for (int http : {500, 505, 506, 507, 508, 510, 511, 599}) {
    EXPECT_EQ(CodeFromHttpStatus(http), Code::kInternal) << http;
  }
}

TEST(StatusMappingTest, TwoHundredsAreOk) {
  for (int http : {200, 201, 202, 204, 206, 299}) {
    EXPECT_EQ(CodeFromHttpStatus(http), Code::kOk) << http;
  }
}

TEST(StatusMappingTest, InformationalRedirectsAndOutOfRangeAreUnknown) {
  for (int http : {0, -1, 100, 101, 199, 300, 301, 302, 304, 307, 308, 399, 600,
                   999, 1000}) {
    EXPECT_EQ(CodeFromHttpStatus(http), Code::kUnknown) << http;
  }
}

TEST(StatusMappingTest, HttpStatusOfEachErrorCodeMapsBackToAnErrorCode) {
  // The fallback never turns an error a REST server answered into OK.
  for (const CodeRow& row : AllCodes()) {
    if (row.code == Code::kOk) continue;
    EXPECT_NE(CodeFromHttpStatus(row.http), Code::kOk) << row.name;
    EXPECT_NE(CodeFromHttpStatus(row.http_v1), Code::kOk) << row.name;
  }
}

TEST(StatusMappingTest, CodeFromNameKnowsAllSeventeenNames) {
  for (const CodeRow& row : AllCodes()) {
    EXPECT_EQ(CodeFromName(row.name), std::optional<Code>(row.code))
        << row.name;
  }
}

// The names are google.rpc.Code's own (its generated Code_Name), and stay
// valid after the call: the access log appends them.
TEST(StatusMappingTest, CodeNameNamesAllSeventeenAndUnknownOutside) {
  std::vector<absl::string_view> names;
  for (const CodeRow& row : AllCodes()) names.push_back(CodeName(row.code));
  for (size_t i = 0; i < AllCodes().size(); ++i) EXPECT_EQ(names[i], AllCodes()[i].name);
  EXPECT_EQ(CodeName(static_cast<Code>(17)), "UNKNOWN");
  EXPECT_EQ(CodeName(static_cast<Code>(-1)), "UNKNOWN");
}

TEST(StatusMappingTest, CodeFromNameRejectsUnknownAndMisspelledNames) {
  for (absl::string_view name :
       {"", "not_found", "NotFound", "NOT FOUND", "NOT_FOUND ", " NOT_FOUND",
        "CANCELED", "5", "TEAPOT"}) {
    EXPECT_EQ(CodeFromName(name), std::nullopt) << "'" << name << "'";
  }
}

TEST(StatusMappingTest, CodeFromNumberAcceptsZeroThroughSixteen) {
  for (const CodeRow& row : AllCodes()) {
    EXPECT_EQ(CodeFromNumber(static_cast<int>(row.code)),
              std::optional<Code>(row.code))
        << row.name;
  }
}

TEST(StatusMappingTest, CodeFromNumberRejectsOutsideZeroThroughSixteen) {
  for (long long number :
       {-1LL, 17LL, 100LL, -9223372036854775807LL - 1, 9223372036854775807LL}) {
    EXPECT_EQ(CodeFromNumber(number), std::nullopt) << number;
  }
}

}  // namespace
}  // namespace gateway_proxy
