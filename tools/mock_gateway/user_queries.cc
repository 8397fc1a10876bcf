#include "user_queries.h"

#include <algorithm>
#include <functional>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/rpc/error_details.pb.h"
#include "proxy/core/rpc_status.h"

namespace gateway_proxy::mock_gateway {
namespace {

using google::protobuf::FieldDescriptor;

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 200;

absl::Status BadArgument(absl::string_view field, absl::string_view message) {
  google::rpc::BadRequest bad_request;
  auto* violation = bad_request.add_field_violations();
  violation->set_field(std::string(field));
  violation->set_description(std::string(message));
  return StatusWithDetails(absl::StatusCode::kInvalidArgument, message,
                           {PackAny(bad_request)});
}

// The gateway.User field called `name` in snake_case or lowerCamel.
const FieldDescriptor* UserField(absl::string_view name) {
  const auto* descriptor = gateway::User::descriptor();
  if (const auto* field = descriptor->FindFieldByName(std::string(name))) {
    return field;
  }
  return descriptor->FindFieldByLowercaseName(std::string(name)) != nullptr
             ? descriptor->FindFieldByLowercaseName(std::string(name))
             : descriptor->FindFieldByCamelcaseName(std::string(name));
}

std::string Fingerprint(const ListQuery& query) {
  return std::to_string(std::hash<std::string>()(
      absl::StrCat(query.filter, "\n", query.order_by)));
}

struct Term {
  const FieldDescriptor* field;
  std::string value;
};

// `filter` cut at each AND that stands between whitespace outside a quoted
// string: `a = "x AND y" AND b = z` -> {`a = "x AND y"`, `b = z`}.
std::vector<absl::string_view> SplitAtAnd(absl::string_view filter) {
  std::vector<absl::string_view> terms;
  size_t start = 0;
  bool quoted = false;
  for (size_t i = 0; i < filter.size(); ++i) {
    const char c = filter[i];
    if (quoted) {
      if (c == '\\') {
        ++i;  // An escaped character, perhaps a quote.
      } else if (c == '"') {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (absl::ascii_isspace(c) && filter.substr(i + 1, 3) == "AND" &&
               i + 4 < filter.size() && absl::ascii_isspace(filter[i + 4])) {
      terms.push_back(filter.substr(start, i - start));
      start = i + 4;
      i += 3;
    }
  }
  terms.push_back(filter.substr(start));
  return terms;
}

// One `field = value` term; see user_queries.h for the grammar.
absl::StatusOr<Term> ParseTerm(absl::string_view text) {
  const absl::string_view term = absl::StripAsciiWhitespace(text);
  const auto unsupported = [&term] {
    return BadArgument("filter",
                       absl::StrCat("unsupported filter term \"", term,
                                    "\": expected field = value"));
  };
  size_t name_end = 0;
  while (name_end < term.size() &&
         (absl::ascii_isalnum(term[name_end]) || term[name_end] == '_')) {
    ++name_end;
  }
  const absl::string_view name = term.substr(0, name_end);
  absl::string_view rest =
      absl::StripLeadingAsciiWhitespace(term.substr(name_end));
  if (name.empty() || !absl::ConsumePrefix(&rest, "=")) return unsupported();
  rest = absl::StripLeadingAsciiWhitespace(rest);

  std::string value;
  if (absl::ConsumePrefix(&rest, "\"")) {
    bool closed = false;
    while (!rest.empty() && !closed) {
      char c = rest.front();
      rest.remove_prefix(1);
      if (c == '"') {
        closed = true;
      } else {
        if (c == '\\' && !rest.empty()) {
          c = rest.front();
          rest.remove_prefix(1);
        }
        value.push_back(c);
      }
    }
    // `term` ends where the quote closes, or it holds more than one term.
    if (!closed || !rest.empty()) return unsupported();
  } else {
    // A bare word: READY, true, admin.
    if (rest.empty() || std::any_of(rest.begin(), rest.end(), [](char c) {
          return absl::ascii_isspace(c) ||
                 absl::string_view("\"=!<>:()").find(c) !=
                     absl::string_view::npos;
        })) {
      return unsupported();
    }
    value = std::string(rest);
  }

  const FieldDescriptor* field = UserField(name);
  static const char* const kFilterable[] = {"role", "email", "display_name",
                                            "state", "service_account"};
  const bool filterable =
      field != nullptr &&
      std::any_of(std::begin(kFilterable), std::end(kFilterable),
                  [&](const char* f) { return field->name() == f; });
  if (!filterable) {
    return BadArgument("filter",
                       absl::StrCat("cannot filter on \"", name, "\""));
  }
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_ENUM &&
      field->enum_type()->FindValueByName(value) == nullptr) {
    std::vector<std::string> names;
    for (int i = 0; i < field->enum_type()->value_count(); ++i) {
      names.push_back(field->enum_type()->value(i)->name());
    }
    return BadArgument(
        "filter", absl::StrCat(field->name(), " \"", value, "\" is not one of ",
                               absl::StrJoin(names, ", ")));
  }
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_BOOL && value != "true" &&
      value != "false") {
    return BadArgument("filter", absl::StrCat(field->name(), " \"", value,
                                              "\" is not true or false"));
  }
  return Term{field, std::move(value)};
}

absl::StatusOr<std::vector<Term>> ParseFilter(absl::string_view filter) {
  std::vector<Term> terms;
  if (absl::StripAsciiWhitespace(filter).empty()) return terms;
  for (absl::string_view text : SplitAtAnd(filter)) {
    absl::StatusOr<Term> term = ParseTerm(text);
    if (!term.ok()) return term.status();
    terms.push_back(*std::move(term));
  }
  return terms;
}

std::string FieldText(const gateway::User& user, const FieldDescriptor& field) {
  const auto& r = *user.GetReflection();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return r.GetString(user, &field);
    case FieldDescriptor::CPPTYPE_BOOL:
      return r.GetBool(user, &field) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return r.GetEnum(user, &field)->name();
    default:
      return "";
  }
}

struct OrderKey {
  std::string field;
  bool descending;
};

absl::StatusOr<std::vector<OrderKey>> ParseOrderBy(absl::string_view order_by) {
  std::vector<OrderKey> keys;
  for (absl::string_view part :
       absl::StrSplit(order_by, ',', absl::SkipWhitespace())) {
    std::vector<absl::string_view> words = absl::StrSplit(
        absl::StripAsciiWhitespace(part), ' ', absl::SkipEmpty());
    const FieldDescriptor* field =
        words.empty() ? nullptr : UserField(words[0]);
    const bool orderable =
        field != nullptr &&
        (field->name() == "name" || field->name() == "display_name" ||
         field->name() == "email" || field->name() == "create_time");
    const bool direction_ok =
        words.size() == 1 ||
        (words.size() == 2 && (words[1] == "asc" || words[1] == "desc"));
    if (!orderable || !direction_ok) {
      return BadArgument("order_by",
                         absl::StrCat("cannot order by \"",
                                      absl::StripAsciiWhitespace(part), "\""));
    }
    keys.push_back({field->name(), words.size() == 2 && words[1] == "desc"});
  }
  return keys;
}

// -1, 0 or 1 as a is before, level with or after b on `key`.
int CompareOn(const gateway::User& a, const gateway::User& b,
              const std::string& key) {
  if (key == "create_time") {
    const auto ta =
        std::make_pair(a.create_time().seconds(), a.create_time().nanos());
    const auto tb =
        std::make_pair(b.create_time().seconds(), b.create_time().nanos());
    return ta < tb ? -1 : (tb < ta ? 1 : 0);
  }
  const FieldDescriptor* field =
      gateway::User::descriptor()->FindFieldByName(key);
  const std::string va = FieldText(a, *field), vb = FieldText(b, *field);
  return va < vb ? -1 : (vb < va ? 1 : 0);
}

}  // namespace

absl::StatusOr<google::protobuf::FieldMask> ParseReadMask(
    const QueryParams& query) {
  google::protobuf::FieldMask mask;
  for (const auto& [name, value] : query) {
    if (name != "readMask" && name != "read_mask") continue;
    for (absl::string_view path :
         absl::StrSplit(value, ',', absl::SkipWhitespace())) {
      path = absl::StripAsciiWhitespace(path);
      const FieldDescriptor* field = UserField(path);
      if (field == nullptr) {
        return BadArgument("read_mask",
                           absl::StrCat("read_mask path \"", path,
                                        "\" is not a field of gateway.User"));
      }
      mask.add_paths(field->name());
    }
  }
  return mask;
}

gateway::User ApplyReadMask(const gateway::User& user,
                            const google::protobuf::FieldMask& mask) {
  if (mask.paths().empty()) return user;
  gateway::User trimmed = user;
  google::protobuf::util::FieldMaskUtil::TrimMessage(mask, &trimmed);
  return trimmed;
}

absl::StatusOr<ListQuery> ParseListQuery(const QueryParams& query) {
  ListQuery out;
  out.page_size = kDefaultPageSize;
  std::string token;
  for (const auto& [name, value] : query) {
    if (name == "pageSize" || name == "page_size") {
      int size = 0;
      if (!absl::SimpleAtoi(value, &size) || size < 0) {
        return BadArgument("page_size",
                           absl::StrCat("page_size must be a number from 0 "
                                        "to 200, got \"",
                                        value, "\""));
      }
      out.page_size =
          size == 0 ? kDefaultPageSize : std::min(size, kMaxPageSize);
    } else if (name == "pageToken" || name == "page_token") {
      token = value;
    } else if (name == "filter") {
      out.filter = value;
    } else if (name == "orderBy" || name == "order_by") {
      out.order_by = value;
    }
  }
  auto mask = ParseReadMask(query);
  if (!mask.ok()) return mask.status();
  out.read_mask = *std::move(mask);
  if (!token.empty()) {
    std::string decoded;
    std::vector<std::string> parts;
    if (absl::WebSafeBase64Unescape(token, &decoded)) {
      parts = absl::StrSplit(decoded, absl::MaxSplits(':', 1));
    }
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &out.offset) ||
        out.offset < 0) {
      return BadArgument("page_token",
                         "page_token is not one this server issued");
    }
    if (parts[1] != Fingerprint(out)) {
      return BadArgument(
          "page_token",
          "page_token belongs to a query with another filter or order_by");
    }
  }
  return out;
}

absl::Status ValidateListQuery(const ListQuery& query) {
  if (auto terms = ParseFilter(query.filter); !terms.ok())
    return terms.status();
  if (auto keys = ParseOrderBy(query.order_by); !keys.ok())
    return keys.status();
  return absl::OkStatus();
}

absl::StatusOr<gateway::ListUsersResponse> ListPage(
    std::vector<gateway::User> users, const ListQuery& query) {
  auto terms = ParseFilter(query.filter);
  if (!terms.ok()) return terms.status();
  auto keys = ParseOrderBy(query.order_by);
  if (!keys.ok()) return keys.status();

  users.erase(std::remove_if(users.begin(), users.end(),
                             [&](const gateway::User& user) {
                               for (const Term& term : *terms) {
                                 if (FieldText(user, *term.field) != term.value)
                                   return true;
                               }
                               return false;
                             }),
              users.end());
  std::stable_sort(users.begin(), users.end(),
                   [&](const gateway::User& a, const gateway::User& b) {
                     for (const OrderKey& key : *keys) {
                       const int c = CompareOn(a, b, key.field);
                       if (c != 0) return key.descending ? c > 0 : c < 0;
                     }
                     return false;
                   });

  gateway::ListUsersResponse page;
  page.set_total_size(static_cast<int>(users.size()));
  const size_t begin = std::min<size_t>(query.offset, users.size());
  const size_t end = std::min<size_t>(begin + query.page_size, users.size());
  for (size_t i = begin; i < end; ++i) {
    *page.add_users() = ApplyReadMask(users[i], query.read_mask);
  }
  if (end < users.size()) {
    page.set_next_page_token(
        absl::WebSafeBase64Escape(absl::StrCat(end, ":", Fingerprint(query))));
  }
  return page;
}

absl::Status ValidateNewUserId(absl::string_view user_id) {
  bool ok =
      !user_id.empty() && user_id.size() <= 63 &&
      (absl::ascii_islower(user_id[0]) || absl::ascii_isdigit(user_id[0]));
  for (char c : user_id) {
    ok = ok && (absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-');
  }
  if (ok) return absl::OkStatus();
  return BadArgument("user_id",
                     absl::StrCat("user_id \"", user_id,
                                  "\" must match [a-z0-9][a-z0-9-]{0,62}"));
}

}  // namespace gateway_proxy::mock_gateway
