#include "proxy/core/error_body.h"

#include <cmath>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver.h"
#include "proxy/core/json.h"
#include "proxy/core/rpc_status.h"
#include "proxy/core/status_mapping.h"

namespace gateway_proxy {
namespace {

using google::protobuf::Any;
using google::protobuf::Struct;
using google::protobuf::Value;
using google::protobuf::util::TypeResolver;

// Limits (README, Errors).
constexpr size_t kMaxJsonBodyBytes = 256 * 1024;
// protobuf's parser takes objects nested 33 deep into a Struct (three
// message levels each, within its recursion limit of 100).
constexpr int kMaxJsonNesting = 32;

// `json` with every array or object nested deeper than kMaxJsonNesting
// replaced by null, so that the parser (which gives up past its own limit,
// and spends quadratic time on 100k '[') sees the top levels, where the
// code and message are; `*cut` says whether anything was replaced. Not a
// parser: it counts brackets outside strings, and leaves whatever else is
// wrong with the input for the parser to reject.
std::string CutDeepNesting(absl::string_view json, bool* cut) {
  std::string out;
  out.reserve(json.size());
  int depth = 0;
  bool in_string = false;
  *cut = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\' && i + 1 < json.size()) {
        out.push_back(json[++i]);  // The escaped character cannot end the string.
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if ((c == '{' || c == '[') && depth == kMaxJsonNesting) {
      // Skip this container whole, strings inside included.
      int skipped = 0;
      bool skipped_string = false;
      for (; i < json.size(); ++i) {
        const char d = json[i];
        if (skipped_string) {
          if (d == '\\') {
            ++i;
          } else if (d == '"') {
            skipped_string = false;
          }
        } else if (d == '"') {
          skipped_string = true;
        } else if (d == '{' || d == '[') {
          ++skipped;
        } else if ((d == '}' || d == ']') && --skipped == 0) {
          break;
        }
      }
      out.append("null");
      *cut = true;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    }
    out.push_back(c);
  }
  return out;
}

// A JSON object read from an error body; `cut`: parts nested past
// kMaxJsonNesting were left out (CutDeepNesting), so its details are not
// whole and are not used.
struct JsonBody {
  Struct object;
  bool cut = false;
};

// `body` as a JSON object, or nullopt when it is not one we will read.
std::optional<JsonBody> ParseJsonObject(absl::string_view body) {
  if (body.size() > kMaxJsonBodyBytes) return std::nullopt;
  const absl::string_view json = absl::StripLeadingAsciiWhitespace(body);
  if (!absl::StartsWith(json, "{")) return std::nullopt;
  JsonBody parsed;
  const std::string shallow = CutDeepNesting(json, &parsed.cut);
  if (!ParseJson(shallow, &parsed.object).ok()) return std::nullopt;
  return parsed;
}

const Value* FindField(const Struct& object, const std::string& key) {
  const auto it = object.fields().find(key);
  return it == object.fields().end() ? nullptr : &it->second;
}

const std::string* StringField(const Struct& object, const std::string& key) {
  const Value* value = FindField(object, key);
  if (value == nullptr || value->kind_case() != Value::kStringValue) {
    return nullptr;
  }
  return &value->string_value();
}

const Struct* ObjectField(const Struct& object, const std::string& key) {
  const Value* value = FindField(object, key);
  if (value == nullptr || value->kind_case() != Value::kStructValue) {
    return nullptr;
  }
  return &value->struct_value();
}

const google::protobuf::ListValue* ListField(const Struct& object, const std::string& key) {
  const Value* value = FindField(object, key);
  if (value == nullptr || value->kind_case() != Value::kListValue) {
    return nullptr;
  }
  return &value->list_value();
}

// The code of a grpc-gateway body: "code" is an integer in 1..16.
std::optional<absl::StatusCode> GrpcGatewayCode(const Struct& body) {
  const Value* code = FindField(body, "code");
  if (code == nullptr || code->kind_case() != Value::kNumberValue) {
    return std::nullopt;
  }
  const double number = code->number_value();
  if (!(number >= 1 && number <= 16) || number != std::floor(number)) {
    return std::nullopt;
  }
  return CodeFromNumber(static_cast<long long>(number));
}

// ---------------------------------------------------------------------------
// Details

// The type name of a type URL: what follows the last '/'.
absl::string_view TypeNameOf(absl::string_view type_url) {
  const size_t slash = type_url.rfind('/');
  return slash == absl::string_view::npos ? type_url
                                          : type_url.substr(slash + 1);
}

// `detail` parsed as the JSON form of an Any whose "@type" names
// `type_name`, resolved through `resolver` whatever the URL's host was.
std::optional<Any> TypedDetail(const Struct& detail,
                               absl::string_view type_name,
                               bool ignore_unknown_fields,
                               TypeResolver* resolver) {
  Struct canonical = detail;
  (*canonical.mutable_fields())["@type"].set_string_value(
      absl::StrCat(kTypeUrlPrefix, "/", type_name));
  std::string json;
  if (!PrintJson(canonical, &json).ok()) {
    return std::nullopt;
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = ignore_unknown_fields;
  std::string binary;
  if (!google::protobuf::util::JsonToBinaryString(
           resolver, absl::StrCat(kTypeUrlPrefix, "/google.protobuf.Any"), json,
           &binary, options)
           .ok()) {
    return std::nullopt;
  }
  Any any;
  if (!any.ParseFromString(binary)) return std::nullopt;
  return any;
}

// The bytes of the raw form {"@type": X, "value": "<base64>"}.
std::optional<std::string> RawDetailValue(const Struct& detail) {
  if (detail.fields_size() != 2) return std::nullopt;  // "@type" and "value".
  const std::string* value = StringField(detail, "value");
  if (value == nullptr) return std::nullopt;
  std::string bytes;
  if (absl::Base64Unescape(*value, &bytes) ||
      absl::WebSafeBase64Unescape(*value, &bytes)) {
    return bytes;
  }
  return std::nullopt;
}

// One element of "details" as an Any; nullopt when it is skipped.
std::optional<Any> DecodeDetail(const Value& element,
                                const google::protobuf::DescriptorPool& pool,
                                TypeResolver* resolver) {
  if (element.kind_case() != Value::kStructValue) return std::nullopt;
  const Struct& detail = element.struct_value();
  const std::string* type_url = StringField(detail, "@type");
  const absl::string_view type_name =
      type_url == nullptr ? absl::string_view() : TypeNameOf(*type_url);
  if (type_name.empty()) return PackAny(detail);

  const std::string url = absl::StrContains(*type_url, '/')
                              ? *type_url
                              : absl::StrCat(kTypeUrlPrefix, "/", type_name);
  const bool known =
      pool.FindMessageTypeByName(std::string(type_name)) != nullptr;
  std::optional<Any> any;
  if (known) {
    any = TypedDetail(detail, type_name, /*ignore_unknown_fields=*/false,
                      resolver);
  }
  if (!any.has_value()) {
    if (std::optional<std::string> bytes = RawDetailValue(detail)) {
      any.emplace();
      any->set_value(*std::move(bytes));
    }
  }
  if (!any.has_value() && known) {
    any = TypedDetail(detail, type_name, /*ignore_unknown_fields=*/true,
                      resolver);
  }
  if (!any.has_value()) return PackAny(detail);
  any->set_type_url(url);
  return any;
}

std::vector<Any> DecodeDetails(const google::protobuf::ListValue& details,
                               const google::protobuf::DescriptorPool& pool) {
  std::vector<Any> anys;
  if (details.values_size() == 0) return anys;
  TypeResolver* const resolver = CachedTypeResolver(pool);
  for (const Value& element : details.values()) {
    if (std::optional<Any> any = DecodeDetail(element, pool, resolver)) {
      anys.push_back(*std::move(any));
    }
  }
  return anys;
}

// The code, message and details of `body` in the form it takes.
void ReadForm(const Struct& body, const std::string** message,
              const google::protobuf::ListValue** details,
              std::optional<absl::StatusCode>* code) {
  if (std::optional<absl::StatusCode> gateway_code = GrpcGatewayCode(body)) {
    *code = gateway_code;
    *message = StringField(body, "message");
    *details = ListField(body, "details");
  } else if (const Struct* error = ObjectField(body, "error")) {
    if (const std::string* name = StringField(*error, "status")) {
      const std::optional<absl::StatusCode> named = CodeFromName(*name);
      if (named.has_value() && *named != absl::StatusCode::kOk) *code = named;
    }
    *message = StringField(*error, "message");
    *details = ListField(*error, "details");
  } else {
    *message = StringField(body, "message");
    const std::string* error_string = StringField(body, "error");
    if (*message == nullptr || ((*message)->empty() && error_string != nullptr)) {
      *message = error_string;
    }
    *details = ListField(body, "details");
  }
}

}  // namespace

ErrorBodyContent ReadErrorBody(absl::string_view body,
                               const google::protobuf::DescriptorPool& pool) {
  ErrorBodyContent content;
  const std::optional<JsonBody> parsed = ParseJsonObject(body);
  if (!parsed.has_value()) return content;
  const std::string* message = nullptr;
  const google::protobuf::ListValue* details = nullptr;
  ReadForm(parsed->object, &message, &details, &content.code);
  if (message != nullptr) content.message = *message;
  if (details != nullptr && !parsed->cut) content.details = DecodeDetails(*details, pool);
  return content;
}

}  // namespace gateway_proxy
