// IsForwardableKey (proxy/edge/metadata.h): the one rule for the metadata
// keys that cross between a gRPC call and an HTTP message, both ways.
#include "proxy/edge/metadata.h"

#include <string>

#include "gtest/gtest.h"

namespace gateway_proxy {
namespace {

TEST(IsForwardableKeyTest, OrdinaryKeysCross) {
  for (const char* key : {"x-tenant", "x-request-id", "request-cost", "a", "0.9_z-"}) {
    EXPECT_TRUE(IsForwardableKey(key)) << key;
  }
}

TEST(IsForwardableKeyTest, OnlyGrpcKeyCharactersCross) {
  for (const char* key : {"", "X-Tenant", "bad key", "a/b", "a:b", ":path", "caf\xc3\xa9",
                          "tab\there"}) {
    EXPECT_FALSE(IsForwardableKey(key)) << key;
  }
}

TEST(IsForwardableKeyTest, BinaryAndGrpcKeysStay) {
  for (const char* key : {"trace-bin", "grpc-timeout", "grpc-status", "grpc-metadata-x"}) {
    EXPECT_FALSE(IsForwardableKey(key)) << key;
  }
}

TEST(IsForwardableKeyTest, FramingRoutingAndTheProxysOwnHeadersStay) {
  for (const char* key :
       {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te",
        "trailer", "host", "content-length", "content-type", "content-encoding", "expect",
        "authorization", "x-api-key", "proxy-authorization", "accept", "user-agent"}) {
    EXPECT_FALSE(IsForwardableKey(key)) << key;
  }
}

TEST(IsForwardableKeyTest, ANameOnlyStartingLikeAReservedOneCrosses) {
  for (const char* key : {"hosts", "content-language", "x-authorization", "accept-language"}) {
    EXPECT_TRUE(IsForwardableKey(key)) << key;
  }
}

}  // namespace
}  // namespace gateway_proxy
