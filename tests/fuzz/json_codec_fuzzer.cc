// libFuzzer target: the JSON codec (proxy/core/json_codec.h) against protobuf's
// JSON util. Any input is parsed into gateway.User and into a message of
// every field kind, through the codec and through the util, each with
// ignore_unknown_fields off and on: the codec may decline, but when it
// handles the input, the util must succeed with the same bytes, and a
// decline must leave the message as it was. When the util parses it, the
// message is printed both ways and must come out the same. Any difference
// aborts.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "gateway/gateway.pb.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/json_util.h"
#include "json_types.pb.h"
#include "proxy/core/json_codec.h"

namespace {

void Require(bool condition) {
  if (!condition) __builtin_trap();
}

void CheckPrint(const google::protobuf::Message& message) {
  std::string theirs, ours;
  const bool util_ok = google::protobuf::util::MessageToJsonString(message, &theirs).ok();
  if (gateway_proxy::TryPrintJsonFast(message, &ours)) {
    Require(util_ok);
    Require(ours == theirs);
  }
}

void CheckParse(absl::string_view json, const google::protobuf::Message& prototype,
                bool ignore_unknown) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = ignore_unknown;
  std::unique_ptr<google::protobuf::Message> theirs(prototype.New());
  std::unique_ptr<google::protobuf::Message> ours(prototype.New());
  const bool util_ok = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), theirs.get(), options).ok();
  if (gateway_proxy::TryParseJsonFast(json, ours.get(), ignore_unknown)) {
    Require(util_ok);
    Require(ours->SerializeAsString() == theirs->SerializeAsString());
  } else {
    Require(ours->ByteSizeLong() == 0);
  }
  if (util_ok) CheckPrint(*theirs);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    google::protobuf::SetLogHandler(nullptr);
    return true;
  }();
  (void)quiet;
  const absl::string_view json(reinterpret_cast<const char*>(data), size);
  for (bool ignore_unknown : {false, true}) {
    CheckParse(json, gateway::User::default_instance(), ignore_unknown);
    CheckParse(json, gateway_proxy::test::JsonTypes::default_instance(), ignore_unknown);
  }
  return 0;
}
