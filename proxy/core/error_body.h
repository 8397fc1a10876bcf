// What a non-2xx REST body says about its error: a code, a message and
// details, read from whichever of the three forms README's "Errors" section
// lists (a grpc-gateway body, a Google body, any other JSON object), with
// the limits and the detail decoding it states.
//
//   ReadErrorBody(R"({"code":5,"message":"user not found","details":[...]})", pool)
//     == {code: NOT_FOUND, message: "user not found", details: [Any, ...]}
//   ReadErrorBody("<html>...", pool) == {}  // not JSON: nothing
//
// Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/descriptor.h"

namespace gateway_proxy {

struct ErrorBodyContent {
  // The code the body names; nullopt when the HTTP status decides.
  std::optional<absl::StatusCode> code;
  // The body's message string as written (possibly ""); nullopt when it has
  // none.
  std::optional<std::string> message;
  // Each element of its "details", in order, as a binary Any: the detail's
  // type when `pool` knows it, else its raw form or a google.protobuf.Struct.
  // Empty when the body was nested too deep to read whole.
  std::vector<google::protobuf::Any> details;
};

// The content of `body`; empty when it is not a JSON object this reads (over
// 256 KiB, not starting with '{', or rejected by protobuf's parser). Never
// fails.
ErrorBodyContent ReadErrorBody(absl::string_view body,
                               const google::protobuf::DescriptorPool& pool);

}  // namespace gateway_proxy
