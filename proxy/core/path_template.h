// A google.api.http path template, parsed once at start-up and expanded for
// every call with values taken from the request message.
//
// Grammar (google/api/http.proto):
//   Template = "/" Segments [ Verb ] ;
//   Segments = Segment { "/" Segment } ;
//   Segment  = "*" | "**" | LITERAL | Variable ;
//   Variable = "{" FieldPath [ "=" Segments ] "}" ;
//   FieldPath = IDENT { "." IDENT } ;
//   Verb     = ":" LITERAL ;
//
// Expansion percent-encodes every value: a plain `{field}` is one segment, so
// everything but A-Za-z0-9-._~ is escaped, '/' included; a `{field=pattern}`
// value may span segments and must match the pattern, each segment encoded
// and the '/' between them kept.
//
//   auto t = PathTemplate::Parse("/v1/accounts/{account_id}/users/{user_id}");
//   t->Expand({"acme", "alice smith"})
//       == "/v1/accounts/acme/users/alice%20smith"
//   t->Expand({"acme", "a/b"})  == "/v1/accounts/acme/users/a%2Fb"
//   t->Expand({"acme", ".."})   -> INVALID_ARGUMENT, nothing to send
//
//   auto n = PathTemplate::Parse("/v1/{name=accounts/*/users/*}:undelete");
//   n->Expand({"accounts/acme/users/bob"})
//       == "/v1/accounts/acme/users/bob:undelete"
//   n->Expand({"users/bob"})    -> INVALID_ARGUMENT (does not match)
//
// Immutable after Parse(); thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace gateway_proxy {

class PathTemplate {
 public:
  enum class SegmentKind { kLiteral, kWildcard, kDoubleWildcard };
  struct Segment {
    SegmentKind kind;
    std::string literal;  // kLiteral only.
  };
  struct Variable {
    std::vector<std::string> field_path;  // {"user", "name"} for {user.name}
    std::string name;                     // "user.name", as messages name it
    // The pattern the value must match; a plain {field} is {"*"}.
    std::vector<Segment> pattern;
  };

  // Parses `text`; INVALID_ARGUMENT names what is wrong and where. A
  // wildcard outside a variable has no value to expand from and is refused.
  static absl::StatusOr<PathTemplate> Parse(absl::string_view text);

  // The variables in template order; Expand() takes one value for each.
  const std::vector<Variable>& variables() const { return variables_; }
  const std::string& verb() const { return verb_; }
  const std::string& text() const { return text_; }

  // The encoded origin-form path for `values` (one per variable, in order).
  // INVALID_ARGUMENT, naming the field, when a value is empty, is "." or
  // "..", holds a control character, or does not match its pattern.
  absl::StatusOr<std::string> Expand(absl::Span<const std::string> values) const;

  // The path with `values` inserted as they are, unencoded and unchecked,
  // and without the verb: "/v1/accounts/acme/users/alice". Resource names
  // (AIP-122) are built from it.
  std::string Render(absl::Span<const std::string> values) const;

 private:
  // A template piece: a literal or wildcard, or a variable's slot.
  struct Piece {
    bool is_variable = false;
    int variable_index = -1;
    Segment segment;  // When !is_variable.
  };

  std::string text_;
  std::vector<Piece> pieces_;
  std::vector<Variable> variables_;
  std::string verb_;
};

// Percent-encodes `value` as one path segment or query component: every byte
// but the RFC 3986 unreserved A-Za-z0-9-._~ becomes %XX, upper-case hex, as
// libcurl's curl_easy_escape() does (a test holds the two to each other).
std::string PercentEncode(absl::string_view value);

}  // namespace gateway_proxy
