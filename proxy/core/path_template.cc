#include "proxy/core/path_template.h"


#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace gateway_proxy {
namespace {

using Segment = PathTemplate::Segment;
using SegmentKind = PathTemplate::SegmentKind;

bool IsIdentStart(char c) { return absl::ascii_isalpha(c) || c == '_'; }
bool IsIdentChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

bool HasControlCharacter(absl::string_view value) {
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// Recursive-descent parser over the template text (without its verb).
class Parser {
 public:
  // Parses `text`, the template less its verb; errors quote `whole`.
  Parser(absl::string_view text, absl::string_view whole) : text_(text), whole_(whole) {}

  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(
        "path template \"", whole_, "\": ", what, " at offset ", pos_));
  }
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  bool Consume(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }

  // Segment = "*" | "**" | LITERAL. Variables are handled by the caller.
  absl::StatusOr<Segment> ParseSegment() {
    if (Consume('*')) {
      if (Consume('*')) return Segment{SegmentKind::kDoubleWildcard, ""};
      return Segment{SegmentKind::kWildcard, ""};
    }
    const size_t start = pos_;
    while (!AtEnd() && Peek() != '/' && Peek() != '{' && Peek() != '}' &&
           Peek() != '=' && Peek() != '*') {
      ++pos_;
    }
    if (pos_ == start) return Error("expected a segment");
    return Segment{SegmentKind::kLiteral, std::string(text_.substr(start, pos_ - start))};
  }

  absl::StatusOr<std::vector<std::string>> ParseFieldPath() {
    std::vector<std::string> path;
    do {
      if (!IsIdentStart(Peek())) return Error("expected a field name");
      const size_t start = pos_;
      while (IsIdentChar(Peek())) ++pos_;
      path.emplace_back(text_.substr(start, pos_ - start));
    } while (Consume('.'));
    return path;
  }

  // Segments inside "{field=...}", up to the closing brace.
  absl::StatusOr<std::vector<Segment>> ParseVariablePattern() {
    std::vector<Segment> pattern;
    do {
      if (Peek() == '{') return Error("nested variable");
      auto segment = ParseSegment();
      if (!segment.ok()) return segment.status();
      pattern.push_back(*std::move(segment));
    } while (Consume('/'));
    return pattern;
  }

  size_t pos() const { return pos_; }

 private:
  absl::string_view text_;
  absl::string_view whole_;
  size_t pos_ = 0;
};

// Checks one segment of a value and appends it, encoded, to `out`.
absl::Status AppendValueSegment(absl::string_view segment,
                                absl::string_view field, std::string* out) {
  if (segment.empty() || segment == "." || segment == "..") {
    return absl::InvalidArgumentError(absl::StrCat(
        "field ", field, " must not be empty, \".\" or \"..\" in the request path",
        segment.empty() ? "" : absl::StrCat(" (got \"", segment, "\")")));
  }
  // The proxy encodes values itself, so "%2F" here is a value encoded twice;
  // a server (or a load balancer before it) that decodes twice would see a
  // '/' or "..". Refused rather than guessed at.
  for (size_t i = 0; i + 2 < segment.size(); ++i) {
    if (segment[i] == '%' && absl::ascii_isxdigit(segment[i + 1]) &&
        absl::ascii_isxdigit(segment[i + 2])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "field ", field, " must not contain a percent-encoded sequence (\"",
          segment.substr(i, 3), "\") in the request path; send the value unencoded"));
    }
  }
  absl::StrAppend(out, PercentEncode(segment));
  return absl::OkStatus();
}

// A variable's "{field=pattern}" after its '{'; an error when it binds a
// field `others` already bind.
absl::StatusOr<PathTemplate::Variable> ParseVariable(
    Parser& parser, const std::vector<PathTemplate::Variable>& others) {
  PathTemplate::Variable variable;
  auto field_path = parser.ParseFieldPath();
  if (!field_path.ok()) return field_path.status();
  variable.field_path = *std::move(field_path);
  variable.name = absl::StrJoin(variable.field_path, ".");
  if (parser.Consume('=')) {
    auto pattern = parser.ParseVariablePattern();
    if (!pattern.ok()) return pattern.status();
    variable.pattern = *std::move(pattern);
    for (size_t i = 0; i + 1 < variable.pattern.size(); ++i) {
      if (variable.pattern[i].kind == PathTemplate::SegmentKind::kDoubleWildcard) {
        return parser.Error("'**' must be the last segment of a variable");
      }
    }
  } else {
    variable.pattern = {PathTemplate::Segment{PathTemplate::SegmentKind::kWildcard, ""}};
  }
  if (!parser.Consume('}')) return parser.Error("expected '}'");
  for (const PathTemplate::Variable& other : others) {
    if (other.field_path == variable.field_path) {
      return parser.Error(absl::StrCat("field ", variable.name, " bound twice"));
    }
  }
  return variable;
}

absl::Status PatternMismatch(const PathTemplate::Variable& variable, absl::string_view value) {
  std::vector<std::string> shown;
  for (const PathTemplate::Segment& s : variable.pattern) {
    shown.push_back(s.kind == PathTemplate::SegmentKind::kLiteral    ? s.literal
                    : s.kind == PathTemplate::SegmentKind::kWildcard ? "*"
                                                                      : "**");
  }
  return absl::InvalidArgumentError(absl::StrCat("field ", variable.name, " (\"", value,
                                                 "\") does not match the pattern ",
                                                 absl::StrJoin(shown, "/")));
}

// Appends `value` as the segments of `variable`'s pattern
// ("shelves/*/books/**"), each checked and encoded.
absl::Status AppendPattern(const PathTemplate::Variable& variable, const std::string& value,
                           std::string* out) {
  const std::vector<absl::string_view> parts = absl::StrSplit(value, '/');
  size_t next = 0;
  for (size_t i = 0; i < variable.pattern.size(); ++i) {
    const PathTemplate::Segment& segment = variable.pattern[i];
    if (segment.kind == PathTemplate::SegmentKind::kDoubleWildcard) {
      // Zero or more segments: the rest of the value.
      for (; next < parts.size(); ++next) {
        if (i > 0 || next > 0) out->push_back('/');
        absl::Status status = AppendValueSegment(parts[next], variable.name, out);
        if (!status.ok()) return status;
      }
      break;
    }
    if (next >= parts.size()) return PatternMismatch(variable, value);
    if (i > 0) out->push_back('/');
    if (segment.kind == PathTemplate::SegmentKind::kLiteral) {
      if (parts[next] != segment.literal) return PatternMismatch(variable, value);
      absl::StrAppend(out, segment.literal);
    } else {
      absl::Status status = AppendValueSegment(parts[next], variable.name, out);
      if (!status.ok()) return status;
    }
    ++next;
  }
  if (next != parts.size()) return PatternMismatch(variable, value);
  return absl::OkStatus();
}

// Appends one variable's value to the path.
absl::Status AppendVariable(const PathTemplate::Variable& variable, const std::string& value,
                            std::string* out) {
  if (HasControlCharacter(value)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "field ", variable.name, " must not contain control characters in the request path"));
  }
  // A plain {field} is one segment. A '/' in it is refused, not encoded:
  // servers that decode "%2F" before routing would resolve another path.
  if (variable.pattern.size() == 1 &&
      variable.pattern[0].kind == PathTemplate::SegmentKind::kWildcard) {
    if (value.find('/') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "field ", variable.name, " must not contain '/' in the request path (got \"", value,
          "\")"));
    }
    return AppendValueSegment(value, variable.name, out);
  }
  return AppendPattern(variable, value, out);
}

}  // namespace

std::string PercentEncode(absl::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    out.push_back('%');
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0xF]);
  }
  return out;
}

absl::StatusOr<PathTemplate> PathTemplate::Parse(absl::string_view text) {
  PathTemplate result;
  result.text_ = std::string(text);
  if (text.empty() || text[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("path template \"", text, "\": must start with '/'"));
  }
  // The verb is a ':' after the last '/' and outside any variable.
  absl::string_view body = text;
  const size_t last_slash = text.rfind('/');
  const size_t last_brace = text.rfind('}');
  const size_t colon = text.rfind(':');
  if (colon != absl::string_view::npos && colon > last_slash &&
      (last_brace == absl::string_view::npos || colon > last_brace)) {
    result.verb_ = std::string(text.substr(colon + 1));
    body = text.substr(0, colon);
    if (result.verb_.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("path template \"", text, "\": empty verb after ':'"));
    }
  }

  Parser parser(body, text);
  while (parser.Consume('/')) {
    Piece piece;
    if (parser.Consume('{')) {
      auto variable = ParseVariable(parser, result.variables_);
      if (!variable.ok()) return variable.status();
      piece.is_variable = true;
      piece.variable_index = static_cast<int>(result.variables_.size());
      result.variables_.push_back(*std::move(variable));
    } else {
      auto segment = parser.ParseSegment();
      if (!segment.ok()) return segment.status();
      if (segment->kind != SegmentKind::kLiteral) {
        return parser.Error(
            "a wildcard outside a {variable} has no request field to fill it");
      }
      piece.segment = *std::move(segment);
    }
    result.pieces_.push_back(std::move(piece));
  }
  if (!parser.AtEnd()) return parser.Error("unexpected character");
  if (result.pieces_.empty()) return parser.Error("expected a segment");
  return result;
}

absl::StatusOr<std::string> PathTemplate::Expand(
    absl::Span<const std::string> values) const {
  if (values.size() != variables_.size()) {
    return absl::InternalError(absl::StrCat("path template \"", text_, "\" takes ",
                                            variables_.size(), " values, got ",
                                            values.size()));
  }
  std::string out;
  for (const Piece& piece : pieces_) {
    out.push_back('/');
    if (!piece.is_variable) {
      absl::StrAppend(&out, piece.segment.literal);
      continue;
    }
    absl::Status status =
        AppendVariable(variables_[piece.variable_index], values[piece.variable_index], &out);
    if (!status.ok()) return status;
  }
  if (!verb_.empty()) absl::StrAppend(&out, ":", verb_);
  return out;
}

std::string PathTemplate::Render(absl::Span<const std::string> values) const {
  std::string out;
  for (const Piece& piece : pieces_) {
    out.push_back('/');
    if (!piece.is_variable) {
      absl::StrAppend(&out, piece.segment.literal);
    } else if (static_cast<size_t>(piece.variable_index) < values.size()) {
      absl::StrAppend(&out, values[piece.variable_index]);
    }
  }
  return out;
}

}  // namespace gateway_proxy
