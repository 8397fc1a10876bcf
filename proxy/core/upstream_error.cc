#include "proxy/core/upstream_error.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver.h"
#include "google/rpc/error_details.pb.h"
#include "proxy/core/json.h"
#include "proxy/core/retry_after.h"
#include "proxy/core/rpc_status.h"
#include "proxy/core/status_mapping.h"
#include "proxy/core/utf8.h"

namespace gateway_proxy {
namespace {

using google::protobuf::Any;
using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;
using google::protobuf::util::TypeResolver;

// Limits, documented in upstream_error.h.
constexpr size_t kMaxJsonBodyBytes = 256 * 1024;
// protobuf's parser takes objects nested 33 deep into a Struct (three
// message levels each, within its recursion limit of 100).
constexpr int kMaxJsonNesting = 32;
constexpr size_t kMaxScannedBodyBytes = 64 * 1024;
constexpr size_t kMaxExcerptBytes = 120;

// ---------------------------------------------------------------------------
// JSON bodies

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
struct ErrorBody {
  Struct object;
  bool cut = false;
};

// `body` as a JSON object, or nullopt when it is not one we will read.
std::optional<ErrorBody> ParseJsonObject(absl::string_view body) {
  if (body.size() > kMaxJsonBodyBytes) return std::nullopt;
  const absl::string_view json = absl::StripLeadingAsciiWhitespace(body);
  if (!absl::StartsWith(json, "{")) return std::nullopt;
  ErrorBody parsed;
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

const ListValue* ListField(const Struct& object, const std::string& key) {
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

std::vector<Any> DecodeDetails(const ListValue& details,
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

bool HasRetryInfo(const std::vector<Any>& details) {
  return std::any_of(details.begin(), details.end(), [](const Any& any) {
    return TypeNameOf(any.type_url()) ==
           google::rpc::RetryInfo::descriptor()->full_name();
  });
}

// ---------------------------------------------------------------------------
// Retry-After (retry_after.h reads the header)

Any RetryInfoDetail(absl::Duration delay) {
  google::rpc::RetryInfo info;
  const int64_t seconds = absl::ToInt64Seconds(delay);
  info.mutable_retry_delay()->set_seconds(seconds);
  info.mutable_retry_delay()->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(delay - absl::Seconds(seconds))));
  return PackAny(info);
}

// ---------------------------------------------------------------------------
// Messages from bodies that give none

bool IsMarkupStart(char c) {
  return absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '/' ||
         c == '!' || c == '?';
}

bool LooksLikeMarkup(const HttpResponse& response) {
  const std::string type =
      absl::AsciiStrToLower(response.Header("Content-Type"));
  return absl::StrContains(type, "html") || absl::StrContains(type, "xml") ||
         absl::StartsWith(absl::StripLeadingAsciiWhitespace(response.body),
                          "<");
}

// True when `lower` has the start tag of element `name` at `pos` ('<' + 1).
bool IsStartTag(absl::string_view lower, size_t pos, absl::string_view name) {
  if (lower.substr(pos, name.size()) != name) return false;
  if (pos + name.size() >= lower.size()) return true;
  const char next = lower[pos + name.size()];
  return next == '>' || next == '/' || absl::ascii_isspace(next);
}

// `html` without tags, comments and <script>/<style> contents (each replaced
// by a space), with the common entities decoded.
std::string StripMarkup(absl::string_view html) {
  const std::string lower = absl::AsciiStrToLower(html);
  std::string text;
  size_t i = 0;
  while (i < html.size()) {
    if (html[i] != '<' || i + 1 == html.size() || !IsMarkupStart(html[i + 1])) {
      text += html[i++];
      continue;
    }
    text += ' ';
    if (absl::StartsWith(absl::string_view(lower).substr(i), "<!--")) {
      const size_t end = lower.find("-->", i + 4);
      if (end == std::string::npos) break;
      i = end + 3;
      continue;
    }
    size_t end = lower.find('>', i);
    for (absl::string_view element : {"script", "style"}) {
      if (end != std::string::npos && IsStartTag(lower, i + 1, element)) {
        const size_t close = lower.find(absl::StrCat("</", element), end);
        end = close == std::string::npos ? close : lower.find('>', close);
      }
    }
    if (end == std::string::npos) break;  // Unterminated: drop the rest.
    i = end + 1;
  }
  return absl::StrReplaceAll(text, {{"&amp;", "&"},
                                    {"&lt;", "<"},
                                    {"&gt;", ">"},
                                    {"&quot;", "\""},
                                    {"&#39;", "'"},
                                    {"&apos;", "'"},
                                    {"&nbsp;", " "}});
}

// `raw` as valid UTF-8 without control characters, its whitespace runs
// collapsed to single spaces and its ends trimmed.
std::string CleanText(absl::string_view raw) {
  std::string text;
  bool pending_space = false;
  size_t i = 0;
  while (i < raw.size()) {
    char32_t c = 0;
    const size_t length = DecodeUtf8(raw, i, &c);
    if (length == 0) {  // Invalid byte: dropped.
      ++i;
      continue;
    }
    const absl::string_view bytes = raw.substr(i, length);
    i += length;
    if (c == ' ' || (c >= '\t' && c <= '\r') || c == 0xA0) {
      pending_space = true;
    } else if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0xFEFF) {
      continue;  // Control character or byte order mark: dropped.
    } else {
      if (pending_space && !text.empty()) text += ' ';
      pending_space = false;
      text.append(bytes.data(), bytes.size());
    }
  }
  return text;
}

// The first bytes of the body, made safe to show in a message.
std::string BodyExcerpt(const HttpResponse& response) {
  const absl::string_view window =
      absl::string_view(response.body).substr(0, kMaxScannedBodyBytes);
  std::string text = CleanText(LooksLikeMarkup(response) ? StripMarkup(window)
                                                         : std::string(window));
  bool cut = response.body.size() > window.size();
  if (text.size() > kMaxExcerptBytes) {
    text.resize(CharacterStartAtOrBefore(text, kMaxExcerptBytes));
    if (!text.empty() && text.back() == ' ') text.pop_back();
    cut = true;
  }
  if (cut && !text.empty()) text += "...";
  return text;
}

std::string MessageWithoutBodyMessage(const HttpResponse& response) {
  const std::string excerpt = BodyExcerpt(response);
  if (excerpt.empty()) return absl::StrCat("upstream HTTP ", response.status);
  return absl::StrCat("upstream HTTP ", response.status, ": ", excerpt);
}

}  // namespace

absl::Status StatusFromUpstreamError(
    const HttpResponse& response, const google::protobuf::DescriptorPool& pool,
    absl::Time now) {
  if (response.status >= 200 && response.status < 300) {
    return absl::InternalError(
        absl::StrCat("StatusFromUpstreamError called with HTTP ",
                     response.status, ", which is not an error"));
  }

  absl::StatusCode code = CodeFromHttpStatus(response.status);
  const std::string* message = nullptr;
  const ListValue* details = nullptr;
  const std::optional<ErrorBody> parsed = ParseJsonObject(response.body);
  const Struct* body = parsed.has_value() ? &parsed->object : nullptr;
  if (body != nullptr) {
    if (std::optional<absl::StatusCode> gateway_code = GrpcGatewayCode(*body)) {
      code = *gateway_code;
      message = StringField(*body, "message");
      details = ListField(*body, "details");
    } else if (const Struct* error = ObjectField(*body, "error")) {
      if (const std::string* name = StringField(*error, "status")) {
        const std::optional<absl::StatusCode> named = CodeFromName(*name);
        if (named.has_value() && *named != absl::StatusCode::kOk) {
          code = *named;
        }
      }
      message = StringField(*error, "message");
      details = ListField(*error, "details");
    } else {
      message = StringField(*body, "message");
      const std::string* error_string = StringField(*body, "error");
      if (message == nullptr || (message->empty() && error_string != nullptr)) {
        message = error_string;
      }
      details = ListField(*body, "details");
    }
  }

  std::string text;
  if (message == nullptr) {
    text = MessageWithoutBodyMessage(response);
  } else if (message->empty()) {
    text = absl::StrCat("upstream HTTP ", response.status);
  } else {
    text = *message;
  }

  std::vector<Any> anys;
  if (details != nullptr && !parsed->cut) anys = DecodeDetails(*details, pool);
  if (!HasRetryInfo(anys)) {
    if (std::optional<absl::Duration> delay =
            RetryAfterDelay(response.Header("Retry-After"), now)) {
      anys.push_back(RetryInfoDetail(*delay));
    }
  }
  return StatusWithDetails(code, text, std::move(anys));
}

}  // namespace gateway_proxy
