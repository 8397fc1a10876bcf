// PathTemplate (proxy/core/path_template.h): parsing google.api.http templates,
// expanding them with percent-encoded values and rendering resource names.
#include "proxy/core/path_template.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gateway_proxy {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using SegmentKind = PathTemplate::SegmentKind;

constexpr absl::string_view kUserTemplate = "/v1/accounts/{account_id}/users/{user_id}";
constexpr absl::string_view kUndeleteTemplate = "/v1/{name=accounts/*/users/*}:undelete";

PathTemplate MustParse(absl::string_view text) {
  auto parsed = PathTemplate::Parse(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *std::move(parsed) : PathTemplate();
}

// The kinds and literals of a variable's pattern, e.g. "accounts", "*".
std::vector<std::string> PatternText(const PathTemplate::Variable& variable) {
  std::vector<std::string> out;
  for (const PathTemplate::Segment& s : variable.pattern) {
    switch (s.kind) {
      case SegmentKind::kLiteral:
        out.push_back("lit:" + s.literal);
        break;
      case SegmentKind::kWildcard:
        out.push_back("*");
        break;
      case SegmentKind::kDoubleWildcard:
        out.push_back("**");
        break;
    }
  }
  return out;
}

void ExpectParseError(absl::string_view text, absl::string_view message) {
  auto parsed = PathTemplate::Parse(text);
  ASSERT_FALSE(parsed.ok()) << text << " parsed";
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << text;
  EXPECT_EQ(parsed.status().message(), message) << text;
}

void ExpectExpandError(const PathTemplate& t, const std::vector<std::string>& values,
                       absl::string_view message) {
  auto expanded = t.Expand(values);
  ASSERT_FALSE(expanded.ok()) << "expanded to " << *expanded;
  EXPECT_EQ(expanded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(expanded.status().message(), message);
}

// --- Parse ---------------------------------------------------------------

TEST(PathTemplateParseTest, LiteralsOnlyHaveNoVariables) {
  PathTemplate t = MustParse("/v1/users");
  EXPECT_THAT(t.variables(), IsEmpty());
  EXPECT_EQ(t.verb(), "");
  EXPECT_EQ(t.text(), "/v1/users");
  EXPECT_EQ(*t.Expand({}), "/v1/users");
}

TEST(PathTemplateParseTest, PlainVariablesAreSingleWildcards) {
  PathTemplate t = MustParse(kUserTemplate);
  ASSERT_EQ(t.variables().size(), 2u);
  EXPECT_THAT(t.variables()[0].field_path, ElementsAre("account_id"));
  EXPECT_THAT(PatternText(t.variables()[0]), ElementsAre("*"));
  EXPECT_THAT(t.variables()[1].field_path, ElementsAre("user_id"));
  EXPECT_THAT(PatternText(t.variables()[1]), ElementsAre("*"));
  EXPECT_EQ(t.verb(), "");
  EXPECT_EQ(t.text(), kUserTemplate);
}

TEST(PathTemplateParseTest, DottedFieldPathIsSplit) {
  PathTemplate t = MustParse("/v1/{user.name}/x");
  ASSERT_EQ(t.variables().size(), 1u);
  EXPECT_THAT(t.variables()[0].field_path, ElementsAre("user", "name"));
  EXPECT_THAT(PatternText(t.variables()[0]), ElementsAre("*"));
}

TEST(PathTemplateParseTest, VariableWithPatternKeepsItsSegments) {
  PathTemplate t = MustParse("/v1/{name=accounts/*/users/*}");
  ASSERT_EQ(t.variables().size(), 1u);
  EXPECT_THAT(t.variables()[0].field_path, ElementsAre("name"));
  EXPECT_THAT(PatternText(t.variables()[0]),
              ElementsAre("lit:accounts", "*", "lit:users", "*"));
  EXPECT_EQ(t.verb(), "");
}

TEST(PathTemplateParseTest, DoubleWildcardAsLastPatternSegment) {
  PathTemplate t = MustParse("/v1/{path=files/**}");
  ASSERT_EQ(t.variables().size(), 1u);
  EXPECT_THAT(PatternText(t.variables()[0]), ElementsAre("lit:files", "**"));
}

TEST(PathTemplateParseTest, TrailingVerbIsSplitOff) {
  PathTemplate t = MustParse(kUndeleteTemplate);
  EXPECT_EQ(t.verb(), "undelete");
  EXPECT_EQ(t.text(), kUndeleteTemplate);
  ASSERT_EQ(t.variables().size(), 1u);
  EXPECT_THAT(PatternText(t.variables()[0]),
              ElementsAre("lit:accounts", "*", "lit:users", "*"));
}

TEST(PathTemplateParseTest, VerbAfterLiteralSegment) {
  PathTemplate t = MustParse("/v1/users:batchGet");
  EXPECT_EQ(t.verb(), "batchGet");
  EXPECT_EQ(*t.Expand({}), "/v1/users:batchGet");
}

TEST(PathTemplateParseTest, ColonInsideVariablePatternIsNotAVerb) {
  PathTemplate t = MustParse("/v1/{name=a:b/*}");
  EXPECT_EQ(t.verb(), "");
  ASSERT_EQ(t.variables().size(), 1u);
  EXPECT_THAT(PatternText(t.variables()[0]), ElementsAre("lit:a:b", "*"));
}

TEST(PathTemplateParseTest, ColonBeforeLastSlashIsPartOfALiteral) {
  PathTemplate t = MustParse("/v1/a:b/c");
  EXPECT_EQ(t.verb(), "");
  EXPECT_EQ(*t.Expand({}), "/v1/a:b/c");
}

TEST(PathTemplateParseTest, MissingLeadingSlashIsRejected) {
  ExpectParseError("v1/users", "path template \"v1/users\": must start with '/'");
}

TEST(PathTemplateParseTest, EmptyTemplateIsRejected) {
  ExpectParseError("", "path template \"\": must start with '/'");
}

TEST(PathTemplateParseTest, RootAloneHasNoSegment) {
  ExpectParseError("/", "path template \"/\": expected a segment at offset 1");
}

TEST(PathTemplateParseTest, TrailingSlashIsRejected) {
  ExpectParseError("/v1/", "path template \"/v1/\": expected a segment at offset 4");
}

TEST(PathTemplateParseTest, UnclosedVariableIsRejected) {
  ExpectParseError("/v1/{name",
                   "path template \"/v1/{name\": expected '}' at offset 9");
}

TEST(PathTemplateParseTest, UnclosedVariableWithPatternIsRejected) {
  ExpectParseError("/v1/{name=users/*",
                   "path template \"/v1/{name=users/*\": expected '}' at offset 17");
}

TEST(PathTemplateParseTest, NestedVariableIsRejected) {
  ExpectParseError(
      "/v1/{name=accounts/{id}}",
      "path template \"/v1/{name=accounts/{id}}\": nested variable at offset 19");
}

TEST(PathTemplateParseTest, NestedVariableAtPatternStartIsRejected) {
  ExpectParseError("/v1/{name={id}}",
                   "path template \"/v1/{name={id}}\": nested variable at offset 10");
}

TEST(PathTemplateParseTest, DoubleWildcardNotLastIsRejected) {
  ExpectParseError("/v1/{name=**/users}",
                   "path template \"/v1/{name=**/users}\": '**' must be the last "
                   "segment of a variable at offset 18");
}

TEST(PathTemplateParseTest, WildcardOutsideVariableIsRejected) {
  ExpectParseError("/v1/*/users",
                   "path template \"/v1/*/users\": a wildcard outside a {variable} "
                   "has no request field to fill it at offset 5");
}

TEST(PathTemplateParseTest, DoubleWildcardOutsideVariableIsRejected) {
  ExpectParseError("/v1/**",
                   "path template \"/v1/**\": a wildcard outside a {variable} has "
                   "no request field to fill it at offset 6");
}

TEST(PathTemplateParseTest, EmptyVerbIsRejected) {
  ExpectParseError("/v1/users:", "path template \"/v1/users:\": empty verb after ':'");
  // Errors in the part before the verb quote the whole template.
  ExpectParseError("/v1/*:list",
                   "path template \"/v1/*:list\": a wildcard outside a {variable} has no "
                   "request field to fill it at offset 5");
}

TEST(PathTemplateParseTest, SameFieldBoundTwiceIsRejected) {
  ExpectParseError("/v1/{id}/x/{id}",
                   "path template \"/v1/{id}/x/{id}\": field id bound twice at offset 15");
}

TEST(PathTemplateParseTest, SameDottedFieldBoundTwiceIsRejected) {
  ExpectParseError("/v1/{a.b}/{a.b=*}",
                   "path template \"/v1/{a.b}/{a.b=*}\": field a.b bound twice at offset 17");
}

TEST(PathTemplateParseTest, SiblingFieldsWithSharedPrefixAreDistinct) {
  PathTemplate t = MustParse("/v1/{a.b}/{a.c}");
  ASSERT_EQ(t.variables().size(), 2u);
  EXPECT_THAT(t.variables()[1].field_path, ElementsAre("a", "c"));
}

TEST(PathTemplateParseTest, VariableWithoutFieldNameIsRejected) {
  ExpectParseError("/v1/{}", "path template \"/v1/{}\": expected a field name at offset 5");
}

TEST(PathTemplateParseTest, FieldNameStartingWithDigitIsRejected) {
  ExpectParseError("/v1/{1id}",
                   "path template \"/v1/{1id}\": expected a field name at offset 5");
}

TEST(PathTemplateParseTest, EmptyVariablePatternIsRejected) {
  ExpectParseError("/v1/{name=}",
                   "path template \"/v1/{name=}\": expected a segment at offset 10");
}

TEST(PathTemplateParseTest, StrayClosingBraceIsRejected) {
  ExpectParseError("/v1}", "path template \"/v1}\": unexpected character at offset 3");
}

TEST(PathTemplateParseTest, EmptySegmentIsRejected) {
  ExpectParseError("/v1//users",
                   "path template \"/v1//users\": expected a segment at offset 4");
}

// --- Expand: single-segment variables ------------------------------------

TEST(PathTemplateExpandTest, PlainValuesAreInsertedInOrder) {
  PathTemplate t = MustParse(kUserTemplate);
  EXPECT_EQ(*t.Expand({"acme", "alice"}), "/v1/accounts/acme/users/alice");
}

TEST(PathTemplateExpandTest, SpaceIsPercentEncoded) {
  PathTemplate t = MustParse(kUserTemplate);
  EXPECT_EQ(*t.Expand({"acme", "alice smith"}), "/v1/accounts/acme/users/alice%20smith");
}

TEST(PathTemplateExpandTest, SlashInSingleSegmentValueIsRefused) {
  PathTemplate t = MustParse(kUserTemplate);
  ExpectExpandError(t, {"acme", "a/b"},
                    "field user_id must not contain '/' in the request path (got \"a/b\")");
  ExpectExpandError(t, {"acme", "/"},
                    "field user_id must not contain '/' in the request path (got \"/\")");
  ExpectExpandError(t, {"acme/users/bob", "x"},
                    "field account_id must not contain '/' in the request path (got "
                    "\"acme/users/bob\")");
}

TEST(PathTemplateExpandTest, PercentEncodedSequenceIsRefused) {
  PathTemplate t = MustParse(kUserTemplate);
  ExpectExpandError(t, {"acme", "%2F"},
                    "field user_id must not contain a percent-encoded sequence (\"%2F\") "
                    "in the request path; send the value unencoded");
  ExpectExpandError(t, {"acme", "..%2f..%2fadmin"},
                    "field user_id must not contain a percent-encoded sequence (\"%2f\") "
                    "in the request path; send the value unencoded");
  ExpectExpandError(t, {"%2E%2E", "bob"},
                    "field account_id must not contain a percent-encoded sequence "
                    "(\"%2E\") in the request path; send the value unencoded");
}

TEST(PathTemplateExpandTest, PercentSignNotStartingAnEscapeIsEncoded) {
  PathTemplate t = MustParse(kUserTemplate);
  EXPECT_EQ(*t.Expand({"acme", "100%"}), "/v1/accounts/acme/users/100%25");
  EXPECT_EQ(*t.Expand({"acme", "%zz%4"}), "/v1/accounts/acme/users/%25zz%254");
}

TEST(PathTemplateExpandTest, EveryReservedCharacterIsEncoded) {
  PathTemplate t = MustParse("/v1/{id}");
  EXPECT_EQ(*t.Expand({":?#[]@!$&'()*+,;= \"<>\\^`{|}"}),
            "/v1/%3A%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D"
            "%20%22%3C%3E%5C%5E%60%7B%7C%7D");
}

TEST(PathTemplateExpandTest, UnreservedCharactersAreKept) {
  PathTemplate t = MustParse("/v1/{id}");
  EXPECT_EQ(*t.Expand({"AZaz09-._~"}), "/v1/AZaz09-._~");
}

TEST(PathTemplateExpandTest, DotsInsideALongerSegmentAreKept) {
  PathTemplate t = MustParse("/v1/{id}");
  EXPECT_EQ(*t.Expand({"..."}), "/v1/...");
  EXPECT_EQ(*t.Expand({"..x"}), "/v1/..x");
}

TEST(PathTemplateExpandTest, Utf8BytesAreEncodedOneByOne) {
  PathTemplate t = MustParse("/v1/{id}");
  EXPECT_EQ(*t.Expand({"caf\xC3\xA9"}), "/v1/caf%C3%A9");
  EXPECT_EQ(*t.Expand({"\xE2\x82\xAC"}), "/v1/%E2%82%AC");
}

TEST(PathTemplateExpandTest, EmptyValueIsRejectedNamingTheField) {
  PathTemplate t = MustParse(kUserTemplate);
  ExpectExpandError(t, {"acme", ""},
                    "field user_id must not be empty, \".\" or \"..\" in the request path");
}

TEST(PathTemplateExpandTest, DotValueIsRejected) {
  PathTemplate t = MustParse(kUserTemplate);
  ExpectExpandError(t, {".", "alice"},
                    "field account_id must not be empty, \".\" or \"..\" in the request "
                    "path (got \".\")");
}

TEST(PathTemplateExpandTest, DotDotValueIsRejected) {
  PathTemplate t = MustParse(kUserTemplate);
  ExpectExpandError(t, {"acme", ".."},
                    "field user_id must not be empty, \".\" or \"..\" in the request path "
                    "(got \"..\")");
}

TEST(PathTemplateExpandTest, NulIsRejectedAsControlCharacter) {
  PathTemplate t = MustParse(kUserTemplate);
  ExpectExpandError(t, {"acme", std::string("ali\0ce", 6)},
                    "field user_id must not contain control characters in the request path");
}

TEST(PathTemplateExpandTest, CrLfIsRejectedAsControlCharacter) {
  PathTemplate t = MustParse(kUserTemplate);
  ExpectExpandError(t, {"acme\r\nX-Injected: 1", "alice"},
                    "field account_id must not contain control characters in the "
                    "request path");
}

TEST(PathTemplateExpandTest, TabAndDelAreRejectedAsControlCharacters) {
  PathTemplate t = MustParse("/v1/{id}");
  ExpectExpandError(t, {"a\tb"},
                    "field id must not contain control characters in the request path");
  ExpectExpandError(t, {"a\x7f"},
                    "field id must not contain control characters in the request path");
}

TEST(PathTemplateExpandTest, DottedFieldIsNamedInErrors) {
  PathTemplate t = MustParse("/v1/{user.name}");
  ExpectExpandError(t, {""},
                    "field user.name must not be empty, \".\" or \"..\" in the request path");
}

TEST(PathTemplateExpandTest, WrongNumberOfValuesIsInternal) {
  PathTemplate t = MustParse(kUserTemplate);
  auto expanded = t.Expand({"acme"});
  ASSERT_FALSE(expanded.ok());
  EXPECT_EQ(expanded.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(expanded.status().message(),
            "path template \"/v1/accounts/{account_id}/users/{user_id}\" takes 2 "
            "values, got 1");
}

TEST(PathTemplateExpandTest, VerbIsAppendedAfterEncodedValue) {
  PathTemplate t = MustParse("/v1/users/{id}:activate");
  EXPECT_EQ(*t.Expand({"a b:c"}), "/v1/users/a%20b%3Ac:activate");
}

// --- Expand: multi-segment patterns ---------------------------------------

TEST(PathTemplateExpandTest, MatchingMultiSegmentValueKeepsItsSlashes) {
  PathTemplate t = MustParse(kUndeleteTemplate);
  EXPECT_EQ(*t.Expand({"accounts/acme/users/bob"}),
            "/v1/accounts/acme/users/bob:undelete");
}

TEST(PathTemplateExpandTest, EachWildcardSegmentIsEncoded) {
  PathTemplate t = MustParse(kUndeleteTemplate);
  EXPECT_EQ(*t.Expand({"accounts/a b/users/100%"}),
            "/v1/accounts/a%20b/users/100%25:undelete");
}

TEST(PathTemplateExpandTest, WrongLiteralDoesNotMatch) {
  PathTemplate t = MustParse(kUndeleteTemplate);
  ExpectExpandError(t, {"users/bob"},
                    "field name (\"users/bob\") does not match the pattern "
                    "accounts/*/users/*");
}

TEST(PathTemplateExpandTest, TooFewSegmentsDoNotMatch) {
  PathTemplate t = MustParse(kUndeleteTemplate);
  ExpectExpandError(t, {"accounts/acme/users"},
                    "field name (\"accounts/acme/users\") does not match the pattern "
                    "accounts/*/users/*");
}

TEST(PathTemplateExpandTest, TooManySegmentsDoNotMatch) {
  PathTemplate t = MustParse(kUndeleteTemplate);
  ExpectExpandError(t, {"accounts/acme/users/bob/extra"},
                    "field name (\"accounts/acme/users/bob/extra\") does not match the "
                    "pattern accounts/*/users/*");
}

TEST(PathTemplateExpandTest, EmptyValueDoesNotMatchMultiSegmentPattern) {
  PathTemplate t = MustParse(kUndeleteTemplate);
  ExpectExpandError(t, {""},
                    "field name (\"\") does not match the pattern accounts/*/users/*");
}

TEST(PathTemplateExpandTest, EmptyWildcardSegmentIsRejected) {
  PathTemplate t = MustParse(kUndeleteTemplate);
  ExpectExpandError(t, {"accounts//users/bob"},
                    "field name must not be empty, \".\" or \"..\" in the request path");
}

TEST(PathTemplateExpandTest, DotDotWildcardSegmentIsRejected) {
  PathTemplate t = MustParse(kUndeleteTemplate);
  ExpectExpandError(t, {"accounts/../users/bob"},
                    "field name must not be empty, \".\" or \"..\" in the request path "
                    "(got \"..\")");
}

TEST(PathTemplateExpandTest, ControlCharacterInMultiSegmentValueIsRejected) {
  PathTemplate t = MustParse(kUndeleteTemplate);
  ExpectExpandError(t, {"accounts/acme/users/b\nob"},
                    "field name must not contain control characters in the request path");
}

TEST(PathTemplateExpandTest, DoubleWildcardTakesTheRestOfTheValue) {
  PathTemplate t = MustParse("/v1/{path=files/**}");
  EXPECT_EQ(*t.Expand({"files/a/b c/d"}), "/v1/files/a/b%20c/d");
}

TEST(PathTemplateExpandTest, DoubleWildcardMatchesZeroSegments) {
  PathTemplate t = MustParse("/v1/{path=files/**}");
  EXPECT_EQ(*t.Expand({"files"}), "/v1/files");
}

TEST(PathTemplateExpandTest, BareDoubleWildcardTakesWholeValue) {
  PathTemplate t = MustParse("/v1/{path=**}:get");
  EXPECT_EQ(*t.Expand({"a/b/c"}), "/v1/a/b/c:get");
}

TEST(PathTemplateExpandTest, DoubleWildcardStillRejectsDotDotSegments) {
  PathTemplate t = MustParse("/v1/{path=files/**}");
  ExpectExpandError(t, {"files/a/../b"},
                    "field path must not be empty, \".\" or \"..\" in the request path "
                    "(got \"..\")");
}

TEST(PathTemplateExpandTest, DoubleWildcardPrefixMustStillMatch) {
  PathTemplate t = MustParse("/v1/{path=files/**}");
  ExpectExpandError(t, {"dirs/a"},
                    "field path (\"dirs/a\") does not match the pattern files/**");
}

TEST(PathTemplateExpandTest, VariablesAndLiteralsInterleave) {
  PathTemplate t = MustParse("/v1/{parent=shelves/*}/books/{book_id}:read");
  EXPECT_EQ(*t.Expand({"shelves/s 1", "b:2"}), "/v1/shelves/s%201/books/b%3A2:read");
}

// --- Render ---------------------------------------------------------------

TEST(PathTemplateRenderTest, InsertsValuesUnencodedAndUnchecked) {
  PathTemplate t = MustParse(kUserTemplate);
  EXPECT_EQ(t.Render({"acme", "alice smith"}), "/v1/accounts/acme/users/alice smith");
  EXPECT_EQ(t.Render({"acme", ".."}), "/v1/accounts/acme/users/..");
}

TEST(PathTemplateRenderTest, LeavesOutTheVerb) {
  PathTemplate t = MustParse(kUndeleteTemplate);
  EXPECT_EQ(t.Render({"accounts/acme/users/bob"}), "/v1/accounts/acme/users/bob");
}

TEST(PathTemplateRenderTest, MissingValuesRenderEmpty) {
  PathTemplate t = MustParse(kUserTemplate);
  EXPECT_EQ(t.Render({"acme"}), "/v1/accounts/acme/users/");
}

// --- PercentEncode --------------------------------------------------------

TEST(PercentEncodeTest, EncodesEverythingButUnreserved) {
  EXPECT_EQ(PercentEncode("a b/c?d=e&f"), "a%20b%2Fc%3Fd%3De%26f");
  EXPECT_EQ(PercentEncode("role,displayName"), "role%2CdisplayName");
}

TEST(PercentEncodeTest, EmbeddedNulIsEncoded) {
  EXPECT_EQ(PercentEncode(absl::string_view("a\0b", 3)), "a%00b");
}

TEST(PercentEncodeTest, EmptyValueIsEmpty) {
  EXPECT_EQ(PercentEncode(""), "");
  EXPECT_EQ(PercentEncode(absl::string_view()), "");
}

TEST(PercentEncodeTest, EmptyViewIntoALongerStringIsEmpty) {
  // A zero-length view need not point at a terminator; nothing past its end
  // may be read.
  const absl::string_view text = "abc";
  EXPECT_EQ(PercentEncode(text.substr(1, 0)), "");
}

}  // namespace
}  // namespace gateway_proxy
