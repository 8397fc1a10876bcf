// A descriptor-driven JSON codec for the common messages of the per-call
// path, a fast path in front of protobuf's JSON util (proxy/json.h).
//
// For each message type a plan is compiled once: its fields in field-number
// order, their JSON keys, and whether every type reachable from it is one
// the codec handles. The codec handles proto3 messages of the generated pool
// made of scalars (every integer kind, float, double, bool), string, bytes,
// enums, nested messages, repeated fields, oneofs, proto3 `optional` and
// google.protobuf.Timestamp. It declines maps, every other
// google.protobuf.* type (Any, Struct, Value, Duration, FieldMask,
// wrappers, Empty, ...), proto2, and messages carrying unknown fields.
//
// It never reports an error: where it is not certain to produce exactly what
// protobuf 3.21's MessageToJsonString / JsonStringToMessage would (default
// options; for parsing, ignore_unknown_fields either way), it declines, and
// the caller runs the util, which then produces the output or the error.
// Parsing accepts a strict subset of what the util accepts: standard JSON,
// each key once, numbers that fit their field exactly, enum values by name,
// canonical base64, RFC 3339 timestamps with 0 to 9 fraction digits.
//
//   gateway::User user;
//   if (TryParseJsonFast(R"({"role":"admin"})", &user, false)) ...  // user.role() == "admin"
//   std::string json;
//   if (TryPrintJsonFast(user, &json)) ...                          // {"role":"admin"}
//
// Thread-safe. Plans are built under a lock the first time a type is seen
// and read without one afterwards.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace gateway_proxy {

// Prints `message` as MessageToJsonString with default options would and
// returns true, *json replaced. Returns false (declined) when it cannot be
// sure of that; *json is then unspecified.
bool TryPrintJsonFast(const google::protobuf::Message& message, std::string* json);

// Parses `json` into `message` as JsonStringToMessage would with
// ignore_unknown_fields as given (and no other option) and returns true:
// *message is replaced. Returns false (declined) when the util might answer
// differently, an error included; *message then serializes exactly as
// before the call.
bool TryParseJsonFast(absl::string_view json, google::protobuf::Message* message,
                      bool ignore_unknown_fields);

// Whether the codec handles `descriptor`'s messages (every type reachable
// from it is supported). For tests.
bool JsonCodecSupports(const google::protobuf::Descriptor* descriptor);

}  // namespace gateway_proxy
