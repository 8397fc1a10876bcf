#include "reply_metadata.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gateway_proxy {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

HttpResponse WithHeaders(HttpHeaders headers) {
  HttpResponse response;
  response.status = 200;
  response.headers = std::move(headers);
  return response;
}

TEST(ReplyMetadataTest, GrpcMetadataPrefixIsStrippedAndKeysLowerCased) {
  EXPECT_THAT(ReplyMetadata(WithHeaders({{"Grpc-Metadata-Request-Cost", "3"},
                                         {"grpc-metadata-region", "eu-1"}}),
                            ""),
              ElementsAre(Pair("request-cost", "3"), Pair("region", "eu-1")));
}

TEST(ReplyMetadataTest, OtherHeadersAreNotPassedOn) {
  EXPECT_THAT(ReplyMetadata(WithHeaders({{"Server", "nginx"},
                                         {"Content-Type", "application/json"},
                                         {"Set-Cookie", "a=b"}}),
                            ""),
              IsEmpty());
}

TEST(ReplyMetadataTest, ReservedBinaryAndInvalidEntriesAreDropped) {
  EXPECT_THAT(ReplyMetadata(WithHeaders({{"Grpc-Metadata-Grpc-Status", "13"},
                                         {"Grpc-Metadata-Trace-Bin", "AAEC"},
                                         {"Grpc-Metadata-", "empty key"},
                                         {"Grpc-Metadata-Bad Key", "x"},
                                         {"Grpc-Metadata-Note", "caf\xc3\xa9"},
                                         {"Grpc-Metadata-Ok", "fine"}}),
                            ""),
              ElementsAre(Pair("ok", "fine")));
}

TEST(ReplyMetadataTest, UpstreamRequestIdWinsOverTheCallers) {
  EXPECT_THAT(ReplyMetadata(WithHeaders({{"X-Request-Id", "up-1"}}), "caller-1"),
              ElementsAre(Pair("x-request-id", "up-1")));
}

TEST(ReplyMetadataTest, CallerRequestIdIsEchoedWhenTheUpstreamSendsNone) {
  EXPECT_THAT(ReplyMetadata(WithHeaders({}), "caller-1"),
              ElementsAre(Pair("x-request-id", "caller-1")));
}

TEST(ReplyMetadataTest, RequestIdIsSentOnceAndOnlyWhenPrintable) {
  EXPECT_THAT(ReplyMetadata(WithHeaders({{"X-Request-Id", "a"}, {"x-request-id", "b"}}), ""),
              ElementsAre(Pair("x-request-id", "a")));
  EXPECT_THAT(ReplyMetadata(WithHeaders({}), "bad\r\nid"), IsEmpty());
}

}  // namespace
}  // namespace gateway_proxy
