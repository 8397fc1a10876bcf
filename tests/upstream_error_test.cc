#include "proxy/core/upstream_error.h"

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/wrappers.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"
#include "http_status.h"
#include "proxy/core/http_types.h"
#include "proxy/core/rpc_status.h"
#include "proxy/edge/grpc_status.h"

namespace gateway_proxy {
namespace {

using Code = absl::StatusCode;
using google::protobuf::Any;

// 2026-10-21 07:27:00 UTC: one minute before the HTTP-dates below.
const absl::Time kNow = absl::FromCivil(
    absl::CivilSecond(2026, 10, 21, 7, 27, 0), absl::UTCTimeZone());

HttpResponse Response(int status, std::string body, HttpHeaders headers = {}) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

HttpResponse Json(int status, std::string body, HttpHeaders headers = {}) {
  headers.emplace_back("Content-Type", "application/json");
  return Response(status, std::move(body), std::move(headers));
}

absl::Status Translate(const HttpResponse& response) {
  return StatusFromUpstreamError(
      response, *google::protobuf::DescriptorPool::generated_pool(), kNow);
}

// What the caller receives in grpc-status-details-bin.
google::rpc::Status WireDetails(const absl::Status& status) {
  const grpc::Status grpc_status = ToGrpcStatus(status);
  google::rpc::Status rpc;
  EXPECT_TRUE(rpc.ParseFromString(grpc_status.error_details()));
  EXPECT_EQ(rpc.code(), static_cast<int>(grpc_status.error_code()));
  EXPECT_EQ(rpc.message(), grpc_status.error_message());
  return rpc;
}

// absl::Status's operator== compares payloads too: EXPECT_EQ(status,
// absl::NotFoundError("...")) also asserts that no details were attached.

template <typename T>
T Unpack(const Any& any) {
  T message;
  EXPECT_EQ(any.type_url(),
            absl::StrCat("type.googleapis.com/", T::descriptor()->full_name()));
  EXPECT_TRUE(any.UnpackTo(&message)) << any.type_url();
  return message;
}

std::string CodeName(Code code) { return absl::StatusCodeToString(code); }

// ---------------------------------------------------------------------------
// 1. grpc-gateway bodies

TEST(UpstreamErrorTest, GrpcGatewayCodeWinsUnderTheV2Table) {
  for (int number = 1; number <= 16; ++number) {
    const auto code = static_cast<Code>(number);
    SCOPED_TRACE(CodeName(code));
    const std::string message = absl::StrCat("failure ", number);
    const absl::Status status =
        Translate(Json(mock_gateway::HttpStatusFromCode(code),
                       absl::StrCat(R"({"code": )", number, R"(, "message": ")",
                                    message, R"(", "details": []})")));
    EXPECT_EQ(status.code(), code);
    EXPECT_EQ(status.message(), message);
    EXPECT_EQ(ToGrpcStatus(status).error_details(), "");
  }
}

TEST(UpstreamErrorTest, GrpcGatewayCodeWinsUnderTheV1Table) {
  for (int number = 1; number <= 16; ++number) {
    const auto code = static_cast<Code>(number);
    SCOPED_TRACE(CodeName(code));
    const std::string message = absl::StrCat("failure ", number);
    const absl::Status status =
        Translate(Json(mock_gateway::GrpcGatewayV1HttpStatusFromCode(code),
                       absl::StrCat(R"({"code": )", number, R"(, "message": ")",
                                    message, R"("})")));
    EXPECT_EQ(status.code(), code);
    EXPECT_EQ(status.message(), message);
  }
}

TEST(UpstreamErrorTest, CancelledAndFailedPreconditionSurviveBothTables) {
  EXPECT_EQ(Translate(Json(408, R"({"code":1,"message":"gone"})")),
            absl::CancelledError("gone"));
  EXPECT_EQ(Translate(Json(499, R"({"code":1,"message":"gone"})")),
            absl::CancelledError("gone"));
  EXPECT_EQ(Translate(Json(412, R"({"code":9,"message":"not empty"})")),
            absl::FailedPreconditionError("not empty"));
  EXPECT_EQ(Translate(Json(400, R"({"code":9,"message":"not empty"})")),
            absl::FailedPreconditionError("not empty"));
}

TEST(UpstreamErrorTest, GrpcGatewayCodeWinsEvenOverAnUnrelatedHttpStatus) {
  EXPECT_EQ(Translate(Json(500, R"({"code": 5, "message": "user not found"})")),
            absl::NotFoundError("user not found"));
  EXPECT_EQ(Translate(Json(302, R"({"code": 14, "message": "draining"})")),
            absl::UnavailableError("draining"));
}

TEST(UpstreamErrorTest, GrpcGatewayCodeWrittenAsIntegralFloatCounts) {
  EXPECT_EQ(Translate(Json(400, R"({"code": 5.0, "message": "m"})")),
            absl::NotFoundError("m"));
}

TEST(UpstreamErrorTest,
     InvalidGrpcGatewayCodeFallsBackToHttpStatusKeepingMessage) {
  for (const char* code : {"0", "17", "-1", "5.5", "1e300", R"("5")",
                           R"("NOT_FOUND")", "true", "null", "[5]", "{}"}) {
    SCOPED_TRACE(code);
    const absl::Status status = Translate(Json(
        404, absl::StrCat(R"({"code": )", code, R"(, "message": "gone"})")));
    EXPECT_EQ(status, absl::NotFoundError("gone"));
  }
}

TEST(UpstreamErrorTest, GrpcGatewayCodeZeroUnderA500IsInternal) {
  EXPECT_EQ(Translate(Json(500, R"({"code": 0, "message": "odd"})")),
            absl::InternalError("odd"));
}

TEST(UpstreamErrorTest, GrpcGatewayBodyWithEmptyMessageGetsHttpStatusMessage) {
  EXPECT_EQ(Translate(Json(404, R"({"code": 5, "message": ""})")),
            absl::NotFoundError("upstream HTTP 404"));
}

TEST(UpstreamErrorTest, GrpcGatewayBodyWithoutMessageGetsExcerpt) {
  EXPECT_EQ(Translate(Json(404, R"({"code": 5})")),
            absl::NotFoundError(R"(upstream HTTP 404: {"code": 5})"));
}

TEST(UpstreamErrorTest, GrpcGatewayMessageIsKeptAsWritten) {
  EXPECT_EQ(
      Translate(Json(
          400, R"({"code": 3, "message": "line 1\n\tline 2 \u00e9 <b>"})")),
      absl::InvalidArgumentError("line 1\n\tline 2 \xC3\xA9 <b>"));
}

// ---------------------------------------------------------------------------
// 2. Google bodies

TEST(UpstreamErrorTest, GoogleStatusNameWinsOverHttpStatus) {
  EXPECT_EQ(Translate(Json(400, R"({"error": {"code": 400,
                                    "message": "bucket not empty",
                                    "status": "FAILED_PRECONDITION"}})")),
            absl::FailedPreconditionError("bucket not empty"));
  EXPECT_EQ(Translate(Json(500, R"({"error": {"code": 500,
                                    "message": "no such user",
                                    "status": "NOT_FOUND"}})")),
            absl::NotFoundError("no such user"));
  EXPECT_EQ(Translate(Json(409, R"({"error": {"code": 409,
                                    "message": "exists",
                                    "status": "ALREADY_EXISTS"}})")),
            absl::AlreadyExistsError("exists"));
}

TEST(UpstreamErrorTest, GoogleBodyWithoutStatusUsesHttpStatus) {
  EXPECT_EQ(Translate(Json(404, R"({"error": {"code": 404,
                                    "message": "Requested entity was not found."}})")),
            absl::NotFoundError("Requested entity was not found."));
}

TEST(UpstreamErrorTest, GoogleBodyWithUnknownOrOkStatusUsesHttpStatus) {
  for (const char* name :
       {R"("TEAPOT")", R"("OK")", R"("not_found")", "5", "null"}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(
        Translate(Json(429, absl::StrCat(R"({"error": {"status": )", name,
                                         R"(, "message": "slow down"}})"))),
        absl::ResourceExhaustedError("slow down"));
  }
}

TEST(UpstreamErrorTest, GoogleErrorCodeFieldIsIgnored) {
  EXPECT_EQ(
      Translate(Json(503, R"({"error": {"code": 404, "message": "busy"}})")),
      absl::UnavailableError("busy"));
}

TEST(UpstreamErrorTest, GoogleBodyWithoutMessageGetsHttpStatusExcerpt) {
  EXPECT_EQ(
      Translate(Json(403, R"({"error": {"status": "PERMISSION_DENIED"}})")),
      absl::PermissionDeniedError(
          R"(upstream HTTP 403: {"error": {"status": "PERMISSION_DENIED"}})"));
  EXPECT_EQ(
      Translate(Json(
          403, R"({"error": {"status": "PERMISSION_DENIED", "message": ""}})")),
      absl::PermissionDeniedError("upstream HTTP 403"));
}

TEST(UpstreamErrorTest, GoogleBodyDetailsAreDecoded) {
  const absl::Status status = Translate(Json(400, R"({
    "error": {
      "code": 400,
      "message": "Invalid value at 'user.email'",
      "status": "INVALID_ARGUMENT",
      "details": [{
        "@type": "type.googleapis.com/google.rpc.BadRequest",
        "fieldViolations": [{"field": "user.email",
                             "description": "must contain @"}]
      }]
    }
  })"));
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_EQ(status.message(), "Invalid value at 'user.email'");
  const google::rpc::Status rpc = WireDetails(status);
  ASSERT_EQ(rpc.details_size(), 1);
  const auto bad = Unpack<google::rpc::BadRequest>(rpc.details(0));
  ASSERT_EQ(bad.field_violations_size(), 1);
  EXPECT_EQ(bad.field_violations(0).field(), "user.email");
  EXPECT_EQ(bad.field_violations(0).description(), "must contain @");
}

TEST(UpstreamErrorTest, GrpcGatewayBodyWinsOverGoogleShape) {
  EXPECT_EQ(Translate(Json(400, R"({"code": 6, "message": "dup",
                                    "error": {"status": "NOT_FOUND",
                                              "message": "other"}})")),
            absl::AlreadyExistsError("dup"));
}

// ---------------------------------------------------------------------------
// 3. Other bodies

TEST(UpstreamErrorTest, AuthLayerErrorStringBecomesMessage) {
  EXPECT_EQ(Translate(Json(403, R"({"error":"unauthorized"})")),
            absl::PermissionDeniedError("unauthorized"));
}

TEST(UpstreamErrorTest, TopLevelMessageStringBecomesMessage) {
  EXPECT_EQ(Translate(Json(500, R"({"message": "database unavailable",
                                    "error": "internal"})")),
            absl::InternalError("database unavailable"));
}

TEST(UpstreamErrorTest, EmptyTopLevelMessageFallsBackToErrorString) {
  EXPECT_EQ(
      Translate(Json(401, R"({"message": "", "error": "token expired"})")),
      absl::UnauthenticatedError("token expired"));
}

TEST(UpstreamErrorTest, EmptyMessageAndErrorGiveHttpStatusMessage) {
  EXPECT_EQ(Translate(Json(401, R"({"message": "", "error": ""})")),
            absl::UnauthenticatedError("upstream HTTP 401"));
}

TEST(UpstreamErrorTest, JsonObjectWithoutMessageGetsExcerpt) {
  EXPECT_EQ(
      Translate(Json(422, R"({"errors": [{"detail": "name is taken"}]})")),
      absl::FailedPreconditionError(
          R"(upstream HTTP 422: {"errors": [{"detail": "name is taken"}]})"));
}

TEST(UpstreamErrorTest, JsonThatIsNotAnObjectIsText) {
  EXPECT_EQ(Translate(Json(500, R"("boom")")),
            absl::InternalError(R"(upstream HTTP 500: "boom")"));
  EXPECT_EQ(Translate(Json(500, "[1, 2]")),
            absl::InternalError("upstream HTTP 500: [1, 2]"));
}

TEST(UpstreamErrorTest, InvalidJsonWithJsonContentTypeGetsExcerpt) {
  EXPECT_EQ(Translate(Json(500, R"({"code": 5, "message": "cut off)")),
            absl::InternalError(
                R"(upstream HTTP 500: {"code": 5, "message": "cut off)"));
}

TEST(UpstreamErrorTest, JsonWithDuplicateKeysIsText) {
  // protobuf's parser rejects repeated keys, so the body is only shown.
  EXPECT_EQ(
      Translate(Json(404, R"({"code": 5, "code": 6})")),
      absl::NotFoundError(R"(upstream HTTP 404: {"code": 5, "code": 6})"));
}

TEST(UpstreamErrorTest, LoadBalancerHtmlPageIsSanitized) {
  const absl::Status status = Translate(Response(
      502,
      "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
      "<center><h1>502 Bad "
      "Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
      "</body>\r\n</html>\r\n",
      {{"Content-Type", "text/html"}}));
  EXPECT_EQ(status,
            absl::UnavailableError(
                "upstream HTTP 502: 502 Bad Gateway 502 Bad Gateway nginx"));
  EXPECT_EQ(ToGrpcStatus(status).error_details(), "");
}

TEST(UpstreamErrorTest, HeaderExampleHtmlPageGivesDocumentedMessage) {
  EXPECT_EQ(Translate(Response(
                502,
                "<html><head><title>502 Bad Gateway</title></head><body>\n"
                "<center><h1>502 Bad Gateway</h1></center></body></html>")),
            absl::UnavailableError(
                "upstream HTTP 502: 502 Bad Gateway 502 Bad Gateway"));
}

TEST(UpstreamErrorTest, HtmlScriptsStylesCommentsAndEntitiesAreHandled) {
  const absl::Status status = Translate(Response(
      503,
      "<!DOCTYPE html><html><head><style>body { color: red; }</style>"
      "<script type=\"text/javascript\">if (a < b) { alert('x'); }</script>"
      "<!-- served by lb-7 --></head><body><p>Service&nbsp;Unavailable &amp; "
      "down &lt;for now&gt; &quot;sorry&quot; &#39;ok&#39; &copy;</p>"
      "</body></html>",
      {{"content-type", "text/html; charset=utf-8"}}));
  EXPECT_EQ(status,
            absl::UnavailableError("upstream HTTP 503: Service Unavailable & "
                                   "down <for now> \"sorry\" 'ok' &copy;"));
}

TEST(UpstreamErrorTest,
     BodyStartingWithAngleBracketIsMarkupWithoutContentType) {
  EXPECT_EQ(Translate(Response(404, "  <h1>Not Found</h1><p>/v1/x</p>")),
            absl::NotFoundError("upstream HTTP 404: Not Found /v1/x"));
}

TEST(UpstreamErrorTest, XmlErrorBodyLosesItsTags) {
  EXPECT_EQ(Translate(Response(
                404,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>"
                "NoSuchKey</Code><Message>The specified key does not exist."
                "</Message></Error>",
                {{"Content-Type", "application/xml"}})),
            absl::NotFoundError("upstream HTTP 404: NoSuchKey The specified "
                                "key does not exist."));
}

TEST(UpstreamErrorTest, AngleBracketNotStartingATagIsText) {
  EXPECT_EQ(Translate(Response(400, "<html>limit must be < 10 and > 2</html>")),
            absl::InvalidArgumentError(
                "upstream HTTP 400: limit must be < 10 and > 2"));
}

TEST(UpstreamErrorTest, UnterminatedTagDropsTheRest) {
  EXPECT_EQ(Translate(Response(500, "<p>oops</p><a href=\"x")),
            absl::InternalError("upstream HTTP 500: oops"));
}

TEST(UpstreamErrorTest, PlainTextKeepsAngleBracketsAndAmpersands) {
  EXPECT_EQ(Translate(Response(400, "value must be < 10 & > 2 <b>x</b> &amp;",
                               {{"Content-Type", "text/plain"}})),
            absl::InvalidArgumentError(
                "upstream HTTP 400: value must be < 10 & > 2 <b>x</b> &amp;"));
}

TEST(UpstreamErrorTest, PlainTextBodyIsTheMessageExcerpt) {
  EXPECT_EQ(Translate(Response(
                503,
                "upstream connect error or disconnect/reset before headers. "
                "reset reason: connection failure\n",
                {{"Content-Type", "text/plain"}})),
            absl::UnavailableError(
                "upstream HTTP 503: upstream connect error or disconnect/reset "
                "before headers. reset reason: connection failure"));
}

TEST(UpstreamErrorTest, EmptyBodyGivesHttpStatusWithoutColon) {
  EXPECT_EQ(Translate(Response(500, "")),
            absl::InternalError("upstream HTTP 500"));
  EXPECT_EQ(Translate(Response(504, " \r\n\t ")),
            absl::DeadlineExceededError("upstream HTTP 504"));
  EXPECT_EQ(Translate(Response(401, "<html><body> </body></html>")),
            absl::UnauthenticatedError("upstream HTTP 401"));
  EXPECT_EQ(Translate(Response(400, std::string("\x01\x02\xff", 3))),
            absl::InvalidArgumentError("upstream HTTP 400"));
}

TEST(UpstreamErrorTest, StatusesOutsideErrorRangesAreUnknown) {
  EXPECT_EQ(Translate(Response(302, "")),
            absl::UnknownError("upstream HTTP 302"));
  EXPECT_EQ(Translate(Response(0, "")), absl::UnknownError("upstream HTTP 0"));
  EXPECT_EQ(Translate(Response(100, "x")),
            absl::UnknownError("upstream HTTP 100: x"));
}

TEST(UpstreamErrorTest, InvalidUtf8AndControlCharactersAreDropped) {
  const std::string body =
      "bad\xff\xfe bytes\x01\x02 and\ttabs\x7f;"
      " overlong\xC0\xAF surrogate\xED\xA0\x80 cut\xE2\x82"
      " kept: \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 c1\xC2\x85x"
      " bom\xEF\xBB\xBF nbsp\xC2\xA0here\r\n\x00";
  EXPECT_EQ(
      Translate(Response(500, std::string(body.data(), body.size() + 1),
                         {{"Content-Type", "text/plain"}})),
      absl::InternalError("upstream HTTP 500: bad bytes and tabs; overlong "
                          "surrogate cut kept: \xC3\xA9 \xE2\x82\xAC "
                          "\xF0\x9F\x98\x80 c1x bom nbsp here"));
}

TEST(UpstreamErrorTest, LongHtmlBodyIsCutAt120BytesWithEllipsis) {
  std::string body = "<html><body><p>";
  for (int i = 0; i < 1000; ++i) body += "lorem ipsum\n";
  body += "</p></body></html>";
  const std::vector<std::string> words(10, "lorem ipsum");
  // Ten "lorem ipsum " fill exactly 120 bytes; the trailing space goes.
  EXPECT_EQ(Translate(Response(500, body, {{"Content-Type", "text/html"}})),
            absl::InternalError(absl::StrCat(
                "upstream HTTP 500: ", absl::StrJoin(words, " "), "...")));
}

TEST(UpstreamErrorTest, ExcerptOfExactly120BytesIsNotCut) {
  const std::string text(120, 'a');
  EXPECT_EQ(Translate(Response(500, text)),
            absl::InternalError(absl::StrCat("upstream HTTP 500: ", text)));
  EXPECT_EQ(
      Translate(Response(500, text + "b")),
      absl::InternalError(absl::StrCat("upstream HTTP 500: ", text, "...")));
}

TEST(UpstreamErrorTest, CutNeverSplitsAUtf8Sequence) {
  // "é" would occupy bytes 119 and 120: it is left out whole.
  const std::string body = std::string(119, 'a') + "\xC3\xA9" + "tail";
  EXPECT_EQ(Translate(Response(500, body)),
            absl::InternalError(absl::StrCat(
                "upstream HTTP 500: ", std::string(119, 'a'), "...")));
  // A 4-byte emoji starting at byte 118.
  const std::string emoji = std::string(118, 'a') + "\xF0\x9F\x98\x80" + "z";
  EXPECT_EQ(Translate(Response(500, emoji)),
            absl::InternalError(absl::StrCat(
                "upstream HTTP 500: ", std::string(118, 'a'), "...")));
}

TEST(UpstreamErrorTest, OnlyTheFirst64KiBOfABodyAreRead) {
  // Whitespace fills the window; the text after it is never looked at.
  const std::string body = std::string(64 * 1024, ' ') + "hidden";
  EXPECT_EQ(Translate(Response(500, body)),
            absl::InternalError("upstream HTTP 500"));
  // Text inside the window that the window cut gets "...".
  const std::string long_body = "short" + std::string(64 * 1024, ' ') + "more";
  EXPECT_EQ(Translate(Response(500, long_body)),
            absl::InternalError("upstream HTTP 500: short..."));
}

TEST(UpstreamErrorTest, JsonBodyOverTheLimitIsText) {
  std::string body = R"({"code": 5, "message": "big", "pad": ")";
  body += std::string(256 * 1024, 'x');
  body += R"("})";
  const absl::Status status = Translate(Json(500, body));
  EXPECT_EQ(status.code(), Code::kInternal);
  EXPECT_EQ(status.message(),
            absl::StrCat(R"(upstream HTTP 500: {"code": 5, "message": "big", )",
                         R"("pad": ")", std::string(120 - 38, 'x'), "..."));
}

TEST(UpstreamErrorTest, DeeplyNestedJsonKeepsItsCodeAndMessageAndReturnsPromptly) {
  // protobuf's parser is quadratic in array nesting, and gives up past its
  // own limit: the deep part is cut before it gets there.
  const std::string arrays = R"({"code": 5, "message": "m", "x": )" +
                             std::string(100000, '[') +
                             std::string(100000, ']') + "}";
  EXPECT_EQ(Translate(Json(400, arrays)), absl::NotFoundError("m"));
  const std::string objects = std::string(100000, '{');
  EXPECT_EQ(Translate(Json(400, objects)).code(), Code::kInvalidArgument);
}

// A body nested `depth` levels deep in its field "x" (the body itself is
// level 1), with a grpc-gateway code, message and one ErrorInfo detail.
std::string NestedBody(int depth) {
  std::string nested = "1";
  for (int i = 1; i < depth; ++i) nested = absl::StrCat(R"({"a":)", nested, "}");
  return absl::StrCat(R"({"code": 9, "message": "precondition failed", "details": [)",
                      R"({"@type": "type.googleapis.com/google.rpc.ErrorInfo", )",
                      R"("reason": "R", "domain": "d"}], "x": )",
                      nested, "}");
}

TEST(UpstreamErrorTest, NestingUpToTheLimitKeepsCodeMessageAndDetails) {
  for (int depth : {2, 20, 32}) {
    const absl::Status status = Translate(Json(400, NestedBody(depth)));
    EXPECT_EQ(status.code(), Code::kFailedPrecondition) << depth;
    EXPECT_EQ(status.message(), "precondition failed") << depth;
    const google::rpc::Status rpc = ToRpcStatus(status);
    ASSERT_EQ(rpc.details_size(), 1) << depth;
    google::rpc::ErrorInfo info;
    ASSERT_TRUE(rpc.details(0).UnpackTo(&info));
    EXPECT_EQ(info.reason(), "R");
  }
}

TEST(UpstreamErrorTest, NestingPastTheLimitKeepsCodeAndMessageAndDropsDetails) {
  // protobuf's parser takes objects 33 deep; 34 to 64 used to turn a
  // FAILED_PRECONDITION into INVALID_ARGUMENT with a raw excerpt.
  for (int depth : {33, 34, 35, 50, 64, 65, 1000}) {
    const absl::Status status = Translate(Json(400, NestedBody(depth)));
    EXPECT_EQ(status, absl::FailedPreconditionError("precondition failed")) << depth;
    EXPECT_EQ(ToRpcStatus(status).details_size(), 0) << depth;
  }
}

TEST(UpstreamErrorTest, NestingWithinTheLimitIsParsed) {
  std::string nested = "1";
  for (int i = 0; i < 20; ++i) nested = "[" + nested + "]";
  EXPECT_EQ(
      Translate(Json(400, absl::StrCat(R"({"code": 5, "message": "m", "x": )",
                                       nested, "}"))),
      absl::NotFoundError("m"));
}

TEST(UpstreamErrorTest, BracketsInsideStringsDoNotCountAsNesting) {
  const std::string body =
      absl::StrCat(R"({"code": 5, "message": ")", std::string(1000, '['),
                   R"(\"[[[", "x": "]]]"})");
  EXPECT_EQ(Translate(Json(400, body)),
            absl::NotFoundError(absl::StrCat(std::string(1000, '['), "\"[[[")));
}

TEST(UpstreamErrorTest, LargeBinaryBodyNeverFails) {
  std::string body;
  body.reserve(8 << 20);
  unsigned state = 12345;
  for (int i = 0; i < (8 << 20); ++i) {
    state = state * 1103515245 + 12345;
    body += static_cast<char>(state >> 16);
  }
  const absl::Status status = Translate(
      Response(502, body, {{"Content-Type", "application/octet-stream"}}));
  EXPECT_EQ(status.code(), Code::kUnavailable);
  EXPECT_TRUE(absl::StartsWith(status.message(), "upstream HTTP 502"))
      << status.message();
  EXPECT_LE(status.message().size(),
            std::string("upstream HTTP 502: ").size() + 123);
}

// A valid UTF-8 proto3 string survives a round trip through google.rpc.Status;
// one that is not fails to parse.
bool IsValidUtf8(absl::string_view text) {
  google::rpc::Status rpc;
  rpc.set_message(std::string(text));
  google::rpc::Status parsed;
  return parsed.ParseFromString(rpc.SerializeAsString());
}

TEST(UpstreamErrorTest, MutatedBodiesAlwaysGiveAnErrorWithAValidMessage) {
  const std::vector<std::string> seeds = {
      R"({"code": 3, "message": "bad \u00e9", "details": [{"@type": )"
      R"("type.googleapis.com/google.rpc.BadRequest", "fieldViolations": )"
      R"([{"field": "a", "description": "b"}]}, {"@type": "x/y", "value": "AAE="}]})",
      R"({"error": {"code": 404, "message": "m", "status": "NOT_FOUND", )"
      R"("details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", )"
      R"("reason": "R", "metadata": {"k": "v"}}]}})",
      "<html><head><style>x</style></head><body><h1>502 &amp; Bad "
      "\xC3\xA9</h1><!-- c --></body></html>",
      "plain text \xE2\x82\xAC error",
  };
  constexpr absl::string_view kPunctuation = "{}[]\"<>,:&;\\";
  std::mt19937 random(20261021);
  int with_details = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string body = seeds[i % seeds.size()];
    const int edits = 1 + static_cast<int>(random() % 8);
    for (int e = 0; e < edits && !body.empty(); ++e) {
      const size_t at = random() % body.size();
      switch (random() % 4) {
        case 0:
          body[at] = static_cast<char>(random());
          break;
        case 1:
          body.insert(at, 1, kPunctuation[random() % kPunctuation.size()]);
          break;
        case 2:
          body.erase(at, 1 + random() % 4);
          break;
        default:
          body.resize(at);
      }
    }
    static constexpr const char* kTypes[] = {"application/json", "text/html",
                                             "text/plain"};
    const int http = 400 + static_cast<int>(random() % 200);
    const absl::Status status = Translate(Response(
        http, body,
        {{"Content-Type", kTypes[random() % 3]}, {"Retry-After", body}}));
    SCOPED_TRACE(absl::CEscape(body));
    ASSERT_NE(status.code(), Code::kOk);
    ASSERT_FALSE(status.message().empty());
    ASSERT_TRUE(IsValidUtf8(status.message()))
        << absl::CEscape(status.message());
    const std::string wire = ToGrpcStatus(status).error_details();
    google::rpc::Status rpc;
    ASSERT_TRUE(rpc.ParseFromString(wire));
    if (rpc.details_size() > 0) ++with_details;
  }
  // Enough mutants stay valid JSON to exercise the details path too.
  EXPECT_GT(with_details, 50);
}

TEST(UpstreamErrorTest, SuccessStatusIsACallerBug) {
  EXPECT_EQ(Translate(Response(200, R"({"code": 5})")),
            absl::InternalError("StatusFromUpstreamError called with HTTP 200, "
                                "which is not an error"));
  EXPECT_EQ(Translate(Response(204, "")),
            absl::InternalError("StatusFromUpstreamError called with HTTP 204, "
                                "which is not an error"));
}

// ---------------------------------------------------------------------------
// Details

TEST(UpstreamErrorTest, BadRequestFieldViolationsAreDecoded) {
  const absl::Status status = Translate(Json(400, R"({
    "code": 3,
    "message": "invalid user",
    "details": [{
      "@type": "type.googleapis.com/google.rpc.BadRequest",
      "fieldViolations": [
        {"field": "user.role", "description": "required field is missing"},
        {"field": "user.email", "description": "must contain @"}
      ]
    }]
  })"));
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_EQ(status.message(), "invalid user");
  const google::rpc::Status rpc = WireDetails(status);
  EXPECT_EQ(rpc.code(), 3);
  EXPECT_EQ(rpc.message(), "invalid user");
  ASSERT_EQ(rpc.details_size(), 1);
  const auto bad = Unpack<google::rpc::BadRequest>(rpc.details(0));
  ASSERT_EQ(bad.field_violations_size(), 2);
  EXPECT_EQ(bad.field_violations(0).field(), "user.role");
  EXPECT_EQ(bad.field_violations(0).description(), "required field is missing");
  EXPECT_EQ(bad.field_violations(1).field(), "user.email");
  EXPECT_EQ(bad.field_violations(1).description(), "must contain @");
}

TEST(UpstreamErrorTest, ErrorInfoWithMetadataIsDecoded) {
  const absl::Status status = Translate(Json(403, R"({
    "code": 7,
    "message": "account disabled",
    "details": [{
      "@type": "type.googleapis.com/google.rpc.ErrorInfo",
      "reason": "ACCOUNT_DISABLED",
      "domain": "accounts.example.com",
      "metadata": {"account": "acme", "since": "2026-01-01"}
    }]
  })"));
  EXPECT_EQ(status.code(), Code::kPermissionDenied);
  const google::rpc::Status rpc = WireDetails(status);
  ASSERT_EQ(rpc.details_size(), 1);
  const auto info = Unpack<google::rpc::ErrorInfo>(rpc.details(0));
  EXPECT_EQ(info.reason(), "ACCOUNT_DISABLED");
  EXPECT_EQ(info.domain(), "accounts.example.com");
  ASSERT_EQ(info.metadata_size(), 2);
  EXPECT_EQ(info.metadata().at("account"), "acme");
  EXPECT_EQ(info.metadata().at("since"), "2026-01-01");
}

TEST(UpstreamErrorTest, DetailsKeepTheirOrderAndDuplicates) {
  const absl::Status status = Translate(Json(400, R"({
    "code": 9,
    "message": "precondition",
    "details": [
      {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "FIRST"},
      {"@type": "type.googleapis.com/google.rpc.PreconditionFailure",
       "violations": [{"type": "TOS", "subject": "user:alice",
                       "description": "terms not accepted"}]},
      {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "FIRST"}
    ]
  })"));
  const google::rpc::Status rpc = WireDetails(status);
  ASSERT_EQ(rpc.details_size(), 3);
  EXPECT_EQ(Unpack<google::rpc::ErrorInfo>(rpc.details(0)).reason(), "FIRST");
  const auto failure = Unpack<google::rpc::PreconditionFailure>(rpc.details(1));
  ASSERT_EQ(failure.violations_size(), 1);
  EXPECT_EQ(failure.violations(0).type(), "TOS");
  EXPECT_EQ(failure.violations(0).subject(), "user:alice");
  EXPECT_EQ(failure.violations(0).description(), "terms not accepted");
  EXPECT_EQ(Unpack<google::rpc::ErrorInfo>(rpc.details(2)).reason(), "FIRST");
  EXPECT_EQ(rpc.details(0).value(), rpc.details(2).value());
}

TEST(UpstreamErrorTest, UnknownTypeWithBase64ValueIsKeptAsRawAny) {
  const std::string bytes(
      "\x0a\x03"
      "abc\x10\x07\xff",
      8);
  const absl::Status status = Translate(Json(
      400, absl::StrCat(R"({"code": 3, "message": "m", "details": [{"@type": )",
                        R"("type.example.com/acme.v1.QuotaHint", "value": ")",
                        absl::Base64Escape(bytes), R"("}]})")));
  const google::rpc::Status rpc = WireDetails(status);
  ASSERT_EQ(rpc.details_size(), 1);
  EXPECT_EQ(rpc.details(0).type_url(), "type.example.com/acme.v1.QuotaHint");
  EXPECT_EQ(rpc.details(0).value(), bytes);
}

TEST(UpstreamErrorTest, UnknownTypeWithWebSafeBase64ValueIsKeptAsRawAny) {
  const std::string bytes("\xfb\xff\xfe", 3);
  const absl::Status status = Translate(Json(
      400, absl::StrCat(R"({"code": 3, "message": "m", "details": [{"@type": )",
                        R"("type.googleapis.com/acme.v1.Hint", "value": ")",
                        absl::WebSafeBase64Escape(bytes), R"("}]})")));
  const google::rpc::Status rpc = WireDetails(status);
  ASSERT_EQ(rpc.details_size(), 1);
  EXPECT_EQ(rpc.details(0).type_url(), "type.googleapis.com/acme.v1.Hint");
  EXPECT_EQ(rpc.details(0).value(), bytes);
}

TEST(UpstreamErrorTest, UnknownTypeWithoutValueIsKeptAsStruct) {
  const absl::Status status = Translate(Json(400, R"({
    "code": 3, "message": "m",
    "details": [{"@type": "type.googleapis.com/acme.v1.QuotaHint",
                 "limit": 10, "unit": "requests", "tags": ["a", true, null]}]
  })"));
  const google::rpc::Status rpc = WireDetails(status);
  ASSERT_EQ(rpc.details_size(), 1);
  const auto detail = Unpack<google::protobuf::Struct>(rpc.details(0));
  ASSERT_EQ(detail.fields_size(), 4);
  EXPECT_EQ(detail.fields().at("@type").string_value(),
            "type.googleapis.com/acme.v1.QuotaHint");
  EXPECT_EQ(detail.fields().at("limit").number_value(), 10);
  EXPECT_EQ(detail.fields().at("unit").string_value(), "requests");
  const auto& tags = detail.fields().at("tags").list_value();
  ASSERT_EQ(tags.values_size(), 3);
  EXPECT_EQ(tags.values(0).string_value(), "a");
  EXPECT_EQ(tags.values(1).bool_value(), true);
  EXPECT_EQ(tags.values(2).kind_case(), google::protobuf::Value::kNullValue);
}

TEST(UpstreamErrorTest, UnknownTypeWithNonBase64ValueIsKeptAsStruct) {
  const absl::Status status = Translate(Json(400, R"({
    "code": 3, "message": "m",
    "details": [{"@type": "type.googleapis.com/acme.v1.Hint", "value": "not base64!"}]
  })"));
  const google::rpc::Status rpc = WireDetails(status);
  ASSERT_EQ(rpc.details_size(), 1);
  const auto detail = Unpack<google::protobuf::Struct>(rpc.details(0));
  EXPECT_EQ(detail.fields().at("value").string_value(), "not base64!");
}

TEST(UpstreamErrorTest, DetailWithoutTypeIsKeptAsStruct) {
  const absl::Status status = Translate(Json(422, R"({
    "message": "validation failed",
    "details": [{"field": "name", "issue": "too long"}, {"@type": ""}]
  })"));
  EXPECT_EQ(status.code(), Code::kFailedPrecondition);
  EXPECT_EQ(status.message(), "validation failed");
  const google::rpc::Status rpc = WireDetails(status);
  ASSERT_EQ(rpc.details_size(), 2);
  const auto first = Unpack<google::protobuf::Struct>(rpc.details(0));
  ASSERT_EQ(first.fields_size(), 2);
  EXPECT_EQ(first.fields().at("field").string_value(), "name");
  EXPECT_EQ(first.fields().at("issue").string_value(), "too long");
  const auto second = Unpack<google::protobuf::Struct>(rpc.details(1));
  ASSERT_EQ(second.fields_size(), 1);
  EXPECT_EQ(second.fields().at("@type").string_value(), "");
}

TEST(UpstreamErrorTest, DetailsThatAreNotObjectsAreSkipped) {
  const absl::Status status = Translate(Json(400, R"({
    "code": 3, "message": "m",
    "details": [1, "text", null, true, [{"reason": "nested"}],
                {"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                 "reason": "KEPT"}]
  })"));
  const google::rpc::Status rpc = WireDetails(status);
  ASSERT_EQ(rpc.details_size(), 1);
  EXPECT_EQ(Unpack<google::rpc::ErrorInfo>(rpc.details(0)).reason(), "KEPT");
}

TEST(UpstreamErrorTest, DetailsThatAreNotAListAreIgnored) {
  const absl::Status status = Translate(Json(400, R"({
    "code": 3, "message": "m", "details": {"@type": "type.googleapis.com/google.rpc.ErrorInfo"}
  })"));
  EXPECT_EQ(status, absl::InvalidArgumentError("m"));
  EXPECT_EQ(ToGrpcStatus(status).error_details(), "");
}

TEST(UpstreamErrorTest, KnownTypeInRawFormKeepsItsBytes) {
  google::rpc::ErrorInfo info;
  info.set_reason("RAW");
  info.set_domain("example.com");
  const absl::Status status = Translate(Json(
      400,
      absl::StrCat(R"({"code": 3, "message": "m", "details": [{"@type": )",
                   R"("type.googleapis.com/google.rpc.ErrorInfo", "value": ")",
                   absl::Base64Escape(info.SerializeAsString()), R"("}]})")));
  const google::rpc::Status rpc = WireDetails(status);
  ASSERT_EQ(rpc.details_size(), 1);
  const auto decoded = Unpack<google::rpc::ErrorInfo>(rpc.details(0));
  EXPECT_EQ(decoded.reason(), "RAW");
  EXPECT_EQ(decoded.domain(), "example.com");
}

TEST(UpstreamErrorTest, KnownTypeWithUnknownFieldsKeepsTheKnownOnes) {
  const absl::Status status = Translate(Json(400, R"({
    "code": 3, "message": "m",
    "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                 "reason": "NEWER_SERVER", "addedInV2": {"x": 1}}]
  })"));
  const google::rpc::Status rpc = WireDetails(status);
  ASSERT_EQ(rpc.details_size(), 1);
  EXPECT_EQ(Unpack<google::rpc::ErrorInfo>(rpc.details(0)).reason(),
            "NEWER_SERVER");
}

TEST(UpstreamErrorTest, KnownTypeWhoseFieldsDoNotParseIsKeptAsStruct) {
  const absl::Status status = Translate(Json(400, R"({
    "code": 3, "message": "m",
    "details": [{"@type": "type.googleapis.com/google.rpc.BadRequest",
                 "fieldViolations": "user.name is wrong"}]
  })"));
  const google::rpc::Status rpc = WireDetails(status);
  ASSERT_EQ(rpc.details_size(), 1);
  const auto detail = Unpack<google::protobuf::Struct>(rpc.details(0));
  EXPECT_EQ(detail.fields().at("@type").string_value(),
            "type.googleapis.com/google.rpc.BadRequest");
  EXPECT_EQ(detail.fields().at("fieldViolations").string_value(),
            "user.name is wrong");
}

TEST(UpstreamErrorTest, TypeUrlHostIsKeptAndTypeWithoutHostGetsOne) {
  const absl::Status status = Translate(Json(400, R"({
    "code": 3, "message": "m",
    "details": [{"@type": "type.example.com/google.rpc.ErrorInfo", "reason": "A"},
                {"@type": "google.rpc.ErrorInfo", "reason": "B"}]
  })"));
  const google::rpc::Status rpc = WireDetails(status);
  ASSERT_EQ(rpc.details_size(), 2);
  EXPECT_EQ(rpc.details(0).type_url(), "type.example.com/google.rpc.ErrorInfo");
  google::rpc::ErrorInfo a;
  ASSERT_TRUE(a.ParseFromString(rpc.details(0).value()));
  EXPECT_EQ(a.reason(), "A");
  EXPECT_EQ(Unpack<google::rpc::ErrorInfo>(rpc.details(1)).reason(), "B");
}

TEST(UpstreamErrorTest, WellKnownTypeDetailUsesItsJsonForm) {
  const absl::Status status = Translate(Json(400, R"({
    "code": 3, "message": "m",
    "details": [{"@type": "type.googleapis.com/google.protobuf.StringValue",
                 "value": "hello"}]
  })"));
  const google::rpc::Status rpc = WireDetails(status);
  ASSERT_EQ(rpc.details_size(), 1);
  EXPECT_EQ(Unpack<google::protobuf::StringValue>(rpc.details(0)).value(),
            "hello");
}

TEST(UpstreamErrorTest, DetailsOfTypesMissingFromThePoolNeverFail) {
  const google::protobuf::DescriptorPool empty_pool;
  const absl::Status status = StatusFromUpstreamError(
      Json(400, R"({"code": 3, "message": "m", "details": [
        {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "R"}]})"),
      empty_pool, kNow);
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_EQ(status.message(), "m");
  const google::rpc::Status rpc = WireDetails(status);
  ASSERT_EQ(rpc.details_size(), 1);
  const auto detail = Unpack<google::protobuf::Struct>(rpc.details(0));
  EXPECT_EQ(detail.fields().at("reason").string_value(), "R");
}

// ---------------------------------------------------------------------------
// Retry-After

google::protobuf::Duration RetryDelayOf(const absl::Status& status) {
  const google::rpc::Status rpc = WireDetails(status);
  EXPECT_EQ(rpc.details_size(), 1);
  if (rpc.details_size() != 1) return {};
  return Unpack<google::rpc::RetryInfo>(rpc.details(0)).retry_delay();
}

TEST(UpstreamErrorTest, RetryAfterSecondsAddsRetryInfo) {
  const absl::Status status =
      Translate(Response(429, "slow down", {{"Retry-After", "120"}}));
  EXPECT_EQ(status.code(), Code::kResourceExhausted);
  EXPECT_EQ(status.message(), "upstream HTTP 429: slow down");
  const google::protobuf::Duration delay = RetryDelayOf(status);
  EXPECT_EQ(delay.seconds(), 120);
  EXPECT_EQ(delay.nanos(), 0);
}

TEST(UpstreamErrorTest, RetryAfterHeaderNameIgnoresCase) {
  const google::protobuf::Duration delay =
      RetryDelayOf(Translate(Response(503, "", {{"retry-after", " 7 "}})));
  EXPECT_EQ(delay.seconds(), 7);
}

TEST(UpstreamErrorTest, RetryAfterHttpDateIsRelativeToNow) {
  for (const char* date :
       {"Wed, 21 Oct 2026 07:28:00 GMT", "Wednesday, 21-Oct-26 07:28:00 GMT",
        "Wed Oct 21 07:28:00 2026"}) {
    SCOPED_TRACE(date);
    const google::protobuf::Duration delay =
        RetryDelayOf(Translate(Response(503, "", {{"Retry-After", date}})));
    EXPECT_EQ(delay.seconds(), 60);
    EXPECT_EQ(delay.nanos(), 0);
  }
}

TEST(UpstreamErrorTest, RetryAfterHttpDateKeepsSubSecondPrecisionOfNow) {
  const absl::Status status = StatusFromUpstreamError(
      Response(503, "", {{"Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT"}}),
      *google::protobuf::DescriptorPool::generated_pool(),
      kNow + absl::Milliseconds(250));
  const google::protobuf::Duration delay = RetryDelayOf(status);
  EXPECT_EQ(delay.seconds(), 59);
  EXPECT_EQ(delay.nanos(), 750000000);
}

TEST(UpstreamErrorTest, RetryAfterDateInThePastIsZero) {
  const google::protobuf::Duration delay = RetryDelayOf(Translate(
      Response(503, "", {{"Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT"}})));
  EXPECT_EQ(delay.seconds(), 0);
  EXPECT_EQ(delay.nanos(), 0);
}

TEST(UpstreamErrorTest, RetryAfterIsCappedAt2To31Seconds) {
  for (const char* value : {"99999999999999999999999", "4294967296",
                            "Wed, 21 Oct 99999 07:28:00 GMT"}) {
    SCOPED_TRACE(value);
    const google::protobuf::Duration delay =
        RetryDelayOf(Translate(Response(503, "", {{"Retry-After", value}})));
    EXPECT_EQ(delay.seconds(), int64_t{1} << 31);
  }
}

TEST(UpstreamErrorTest, InvalidRetryAfterIsIgnored) {
  for (const char* value :
       {"", "soon", "-5", "1.5", "12s", "+3", "0x10",
        "Wed, 21 Oct 2026 07:28:00 UTC", "2026-10-21T07:28:00Z",
        "Wed, 32 Oct 2026 07:28:00 GMT"}) {
    SCOPED_TRACE(value);
    const absl::Status status =
        Translate(Response(503, "", {{"Retry-After", value}}));
    EXPECT_EQ(status, absl::UnavailableError("upstream HTTP 503"));
    EXPECT_EQ(ToGrpcStatus(status).error_details(), "");
  }
}

TEST(UpstreamErrorTest, RetryAfterIsAppendedAfterBodyDetails) {
  const absl::Status status =
      Translate(Json(429, R"({"code": 8, "message": "quota",
               "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                            "reason": "RATE_LIMITED"}]})",
                     {{"Retry-After", "30"}}));
  EXPECT_EQ(status.code(), Code::kResourceExhausted);
  const google::rpc::Status rpc = WireDetails(status);
  ASSERT_EQ(rpc.details_size(), 2);
  EXPECT_EQ(Unpack<google::rpc::ErrorInfo>(rpc.details(0)).reason(),
            "RATE_LIMITED");
  EXPECT_EQ(
      Unpack<google::rpc::RetryInfo>(rpc.details(1)).retry_delay().seconds(),
      30);
}

TEST(UpstreamErrorTest, RetryAfterIsNotAddedWhenBodyCarriesRetryInfo) {
  const absl::Status status =
      Translate(Json(503, R"({"code": 14, "message": "draining",
               "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                            "retryDelay": "5.500s"}]})",
                     {{"Retry-After", "120"}}));
  EXPECT_EQ(status.code(), Code::kUnavailable);
  EXPECT_EQ(status.message(), "draining");
  const google::rpc::Status rpc = WireDetails(status);
  ASSERT_EQ(rpc.details_size(), 1);
  const auto info = Unpack<google::rpc::RetryInfo>(rpc.details(0));
  EXPECT_EQ(info.retry_delay().seconds(), 5);
  EXPECT_EQ(info.retry_delay().nanos(), 500000000);
}

}  // namespace
}  // namespace gateway_proxy
