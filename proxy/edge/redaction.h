// Keeps the pod's key from reaching callers who never had it.
//
// When a call carries no credential and the proxy adds its --api_key_file key,
// an upstream that echoes the Authorization header (in an error message, an
// HTML page, a detail, a response header or the data) would hand the key to
// the caller. Every such place is redacted before anything goes back:
//
//   401 {"code":16,"message":"invalid credential: Bearer sk-123"}
//   -> UNAUTHENTICATED "invalid credential: Bearer [redacted]"
//
// A detail whose bytes still hold the key after its string fields were
// redacted (the key inside a bytes field, a type the pool does not know) is
// dropped whole. A credential the caller sent itself is never redacted: the
// caller has it already.
//
// Pure; thread-safe.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "proxy/core/http_types.h"

namespace gateway_proxy {

inline constexpr absl::string_view kRedacted = "[redacted]";

// True when `secret` is not empty and occurs in `bytes`.
bool ContainsSecret(absl::string_view bytes, absl::string_view secret);

// `text` with every occurrence of `secret` replaced by kRedacted.
std::string RedactText(absl::string_view text, absl::string_view secret);

// Redacts `secret` in the body and every header value of `response`, before
// anything is read from it.
void RedactResponse(absl::string_view secret, HttpResponse* response);

// Redacts `secret` in every string field of `message`, at any depth (map
// keys and values, repeated fields). Bytes fields and unknown fields that
// hold it are cleared.
void RedactMessage(absl::string_view secret, google::protobuf::Message* message);

// `status` with `secret` redacted in its message and in its details (as
// rpc_status.h carries them): details of types in `pool` are parsed and their
// strings redacted; a detail still holding the secret is dropped.
absl::Status RedactStatus(const absl::Status& status, absl::string_view secret,
                          const google::protobuf::DescriptorPool& pool);

}  // namespace gateway_proxy
