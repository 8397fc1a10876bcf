#include "proxy/edge/reply_metadata.h"

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

TEST(ReplyMetadataTest, HopByHopAndReservedNamesAreDropped) {
  // A strict HTTP/2 client (Node's) resets a stream that carries any of the
  // connection-specific names; gRPC reserves the others.
  EXPECT_THAT(ReplyMetadata(WithHeaders({{"Grpc-Metadata-Connection", "x"},
                                         {"Grpc-Metadata-Keep-Alive", "x"},
                                         {"Grpc-Metadata-Proxy-Connection", "x"},
                                         {"Grpc-Metadata-Transfer-Encoding", "x"},
                                         {"Grpc-Metadata-Upgrade", "x"},
                                         {"Grpc-Metadata-Te", "x"},
                                         {"Grpc-Metadata-Trailer", "x"},
                                         {"Grpc-Metadata-Host", "x"},
                                         {"Grpc-Metadata-Content-Length", "1"},
                                         {"Grpc-Metadata-Content-Type", "x"},
                                         {"Grpc-Metadata-Content-Encoding", "gzip"},
                                         {"Grpc-Metadata-User-Agent", "x"},
                                         {"Grpc-Metadata-Grpc-Encoding", "gzip"},
                                         {"Grpc-Metadata-Fine", "ok"}}),
                            ""),
              ElementsAre(Pair("fine", "ok")));
}

// The same rule as forwarding (metadata.h): an upstream that echoes
// credentials as Grpc-Metadata-* must not hand them to the caller.
TEST(ReplyMetadataTest, CredentialAndRequestOnlyNamesAreDropped) {
  EXPECT_THAT(ReplyMetadata(WithHeaders({{"Grpc-Metadata-Authorization", "Bearer k"},
                                         {"Grpc-Metadata-X-Api-Key", "k"},
                                         {"Grpc-Metadata-Proxy-Authorization", "Basic k"},
                                         {"Grpc-Metadata-Accept", "*/*"},
                                         {"Grpc-Metadata-Expect", "100-continue"},
                                         {"Grpc-Metadata-Fine", "ok"}}),
                            ""),
              ElementsAre(Pair("fine", "ok")));
}

TEST(ReplyMetadataTest, AValueTooLargeForTheCapIsDroppedWhole) {
  EXPECT_THAT(ReplyMetadata(WithHeaders({{"Grpc-Metadata-Big", std::string(9000, 'v')},
                                         {"Grpc-Metadata-After", "1"}}),
                            "req-1"),
              ElementsAre(Pair("x-request-id", "req-1")));
}

TEST(ReplyMetadataTest, EntriesPastTheCapAreDroppedFromTheFirstThatDoesNotFit) {
  HttpHeaders headers;
  for (int i = 0; i < 10; ++i) {
    headers.emplace_back("Grpc-Metadata-K" + std::to_string(i), std::string(500, 'a' + i));
  }
  const Metadata metadata = ReplyMetadata(WithHeaders(headers), "");
  // Each entry counts 2 + 500 + 32 = 534 bytes: 7 fit in 4096, 8 do not.
  ASSERT_EQ(metadata.size(), 7u);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(metadata[i].first, "k" + std::to_string(i));
  size_t total = 0;
  for (const auto& [key, value] : metadata) total += key.size() + value.size() + 32;
  EXPECT_LE(total, kMaxReplyMetadataBytes);
}

TEST(ReplyMetadataTest, TheRequestIdComesFirstAndCountsTowardsTheCap) {
  HttpHeaders headers = {{"Grpc-Metadata-A", std::string(2000, 'a')},
                         {"Grpc-Metadata-B", std::string(2000, 'b')}};
  // 12 + 1000 + 32 for the id, then 1 + 2000 + 32 for a: b no longer fits.
  const Metadata metadata = ReplyMetadata(WithHeaders(headers), std::string(1000, 'r'));
  ASSERT_EQ(metadata.size(), 2u);
  EXPECT_EQ(metadata[0].first, "x-request-id");
  EXPECT_EQ(metadata[1].first, "a");
}

}  // namespace
}  // namespace gateway_proxy
