#include "reply_metadata.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace gateway_proxy {
namespace {

constexpr absl::string_view kMetadataPrefix = "grpc-metadata-";

bool IsValidKey(absl::string_view key) {
  if (key.empty() || absl::StartsWith(key, "grpc-") || absl::EndsWith(key, "-bin")) {
    return false;
  }
  for (char c : key) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-' || c == '_' ||
          c == '.')) {
      return false;
    }
  }
  return true;
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
  Metadata out;
  bool has_request_id = false;
  for (const auto& [name, value] : response.headers) {
    std::string key = absl::AsciiStrToLower(name);
    if (absl::StartsWith(key, kMetadataPrefix)) {
      key = key.substr(kMetadataPrefix.size());
    } else if (key != "x-request-id") {
      continue;
    }
    if (!IsValidKey(key) || !IsValidValue(value)) continue;
    if (key == "x-request-id") {
      if (has_request_id) continue;
      has_request_id = true;
    }
    out.emplace_back(std::move(key), value);
  }
  if (!has_request_id && !caller_request_id.empty() && IsValidValue(caller_request_id)) {
    out.emplace_back("x-request-id", std::string(caller_request_id));
  }
  return out;
}

}  // namespace gateway_proxy
