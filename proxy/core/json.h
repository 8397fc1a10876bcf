// protobuf's JSON util (JsonStringToMessage / MessageToJsonString), with the
// type information it needs resolved once per type instead of per call.
//
// The util's one-call functions build a google.protobuf.Type from the
// message's descriptors on every call, a large part of the JSON cost on the
// per-call path (README, Performance). These functions do
// exactly what those do (serialize, then BinaryToJsonString; or
// JsonToBinaryString, then parse) through a resolver that caches each Type
// and Enum of the message's descriptor pool. Same output, same errors.
//
// In front of the util sits a descriptor-driven codec (json_codec.h) for
// the common messages: with default options (for parsing, also with
// ignore_unknown_fields) it prints or parses them itself, identically, and
// whenever it is not certain to, it declines and the util runs on the
// original input, so every error is the util's own. README's Performance
// section has what each path costs.
//
//   gateway::User user;
//   user.set_role("admin");
//   std::string json;
//   PrintJson(user, &json);            // {"role":"admin"}
//   ParseJson(R"({"displayName":"A"})", &user);  // user is now {display_name: "A"}
//
// Thread-safe.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver.h"

namespace gateway_proxy {

// The host part of the type URLs these functions use ("type.googleapis.com").
inline constexpr absl::string_view kTypeUrlPrefix = "type.googleapis.com";

// The caching resolver of `pool`'s types (URLs under kTypeUrlPrefix), for
// the util's lower-level functions (JsonToBinaryString, ...). Lives as long
// as the process; thread-safe.
google::protobuf::util::TypeResolver* CachedTypeResolver(
    const google::protobuf::DescriptorPool& pool);

// As google::protobuf::util::MessageToJsonString; replaces *json.
google::protobuf::util::Status PrintJson(
    const google::protobuf::Message& message, std::string* json,
    const google::protobuf::util::JsonPrintOptions& options = {});

// As google::protobuf::util::JsonStringToMessage.
google::protobuf::util::Status ParseJson(
    absl::string_view json, google::protobuf::Message* message,
    const google::protobuf::util::JsonParseOptions& options = {});

}  // namespace gateway_proxy
