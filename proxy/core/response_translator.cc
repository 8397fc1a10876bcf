#include "proxy/core/response_translator.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "proxy/core/json.h"

namespace gateway_proxy {

absl::Status ParseReplyJson(const Route& route, absl::string_view json,
                            google::protobuf::Message* reply) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(json);
  if (trimmed.empty()) return absl::OkStatus();

  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  google::protobuf::util::Status status;
  if (route.response_body.empty()) {
    status = ParseJson(trimmed, reply, options);
  } else {
    // The body is the value of one field: parse it as that field of an
    // object, which the JSON util then checks like any other. It must be a
    // single JSON value first, or text after it ({...},"other":1) would be
    // spliced into the wrapper and set other reply fields.
    google::protobuf::Value single_value;
    status = ParseJson(trimmed, &single_value);
    if (status.ok()) {
      google::protobuf::Message* target = reply;
      for (size_t i = 0; i + 1 < route.response_body.size(); ++i) {
        target = target->GetReflection()->MutableMessage(target, route.response_body[i]);
      }
      const std::string wrapped = absl::StrCat(
          "{\"", route.response_body.back()->json_name(), "\":", trimmed, "}");
      status = ParseJson(wrapped, target, options);
    }
  }
  if (!status.ok()) {
    reply->Clear();
    return absl::InternalError(absl::StrCat(
        "upstream returned a 2xx response that is not valid JSON for ",
        route.response_prototype->GetDescriptor()->full_name(), ": ",
        status.message().substr(0, 200).ToString()));
  }
  return absl::OkStatus();
}

}  // namespace gateway_proxy
