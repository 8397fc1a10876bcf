#include "proxy/edge/reply_metadata.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "proxy/edge/metadata.h"

namespace gateway_proxy {
namespace {

constexpr absl::string_view kMetadataPrefix = "grpc-metadata-";

// HPACK's size of an entry (RFC 7541, section 4.1).
size_t EntrySize(absl::string_view key, absl::string_view value) {
  return key.size() + value.size() + 32;
}

bool IsValidValue(absl::string_view value) {
  for (unsigned char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

Metadata ReplyMetadata(const HttpResponse& response,
                       absl::string_view caller_request_id) {
  absl::string_view request_id = caller_request_id;
  for (const auto& [name, value] : response.headers) {
    if (absl::EqualsIgnoreCase(name, "x-request-id") && IsValidValue(value)) {
      request_id = value;
      break;
    }
  }
  Metadata out;
  size_t total = 0;
  if (!request_id.empty() && IsValidValue(request_id) &&
      EntrySize("x-request-id", request_id) <= kMaxReplyMetadataBytes) {
    out.emplace_back("x-request-id", std::string(request_id));
    total = EntrySize("x-request-id", request_id);
  }
  for (const auto& [name, value] : response.headers) {
    if (name.size() <= kMetadataPrefix.size() ||
        !absl::StartsWithIgnoreCase(name, kMetadataPrefix)) {
      continue;
    }
    std::string key = absl::AsciiStrToLower(
        absl::string_view(name).substr(kMetadataPrefix.size()));
    if (!IsForwardableKey(key) || key == "x-request-id" || !IsValidValue(value)) continue;
    total += EntrySize(key, value);
    if (total > kMaxReplyMetadataBytes) break;  // This one and every later one.
    out.emplace_back(std::move(key), value);
  }
  return out;
}

}  // namespace gateway_proxy
