#include "proxy/edge/metadata.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace gateway_proxy {

bool IsForwardableKey(absl::string_view key) {
  static constexpr absl::string_view kNotForwardable[] = {
      // Framing and routing of the HTTP message.
      "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te",
      "trailer", "host", "content-length", "content-type", "content-encoding", "expect",
      // The proxy's own.
      "authorization", "x-api-key", "proxy-authorization", "accept", "user-agent"};
  if (key.empty() || absl::EndsWith(key, "-bin") || absl::StartsWith(key, "grpc-")) return false;
  for (absl::string_view name : kNotForwardable) {
    if (key == name) return false;
  }
  for (char c : key) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-' || c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

}  // namespace gateway_proxy
