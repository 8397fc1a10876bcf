// The one UTF-8 reader and cutter the proxy uses (utf8.h).
#include "proxy/core/utf8.h"

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace gateway_proxy {
namespace {

TEST(Utf8Test, DecodesWellFormedSequencesOnly) {
  struct Case {
    std::string bytes;
    size_t length;
    char32_t code_point;
  };
  const std::vector<Case> cases = {
      {"A", 1, U'A'},
      {"\x7f", 1, 0x7f},
      {"\xc3\xa9", 2, 0xe9},
      {"\xe2\x82\xac", 3, 0x20ac},
      {"\xef\xbb\xbf", 3, 0xfeff},
      {"\xf0\x9f\x98\x80", 4, 0x1f600},
      {"\xf4\x8f\xbf\xbf", 4, 0x10ffff},
      {"\xc0\x80", 0, 0},          // overlong NUL
      {"\xc1\xbf", 0, 0},          // overlong
      {"\xe0\x80\x80", 0, 0},      // overlong
      {"\xf0\x80\x80\x80", 0, 0},  // overlong
      {"\xed\xa0\x80", 0, 0},      // surrogate U+D800
      {"\xf4\x90\x80\x80", 0, 0},  // past U+10FFFF
      {"\xf5\x80\x80\x80", 0, 0},
      {"\x80", 0, 0},              // lone continuation byte
      {"\xc3", 0, 0},              // cut short
      {"\xe2\x82", 0, 0},
      {"\xc3\x28", 0, 0},          // second byte not a continuation
  };
  for (const Case& c : cases) {
    char32_t code_point = 0;
    const size_t length = DecodeUtf8(c.bytes, 0, &code_point);
    EXPECT_EQ(length, c.length) << testing::PrintToString(c.bytes);
    if (c.length != 0) {
      EXPECT_EQ(code_point, c.code_point) << testing::PrintToString(c.bytes);
    }
  }
  char32_t code_point = 0;
  EXPECT_EQ(DecodeUtf8("a\xc3\xa9", 1, &code_point), 2u);
  EXPECT_EQ(code_point, 0xe9u);
}

TEST(Utf8Test, CutsOnlyBetweenCharacters) {
  const std::string text = "a\xc3\xa9\xf0\x9f\x98\x80z";  // a, é, 😀, z
  const std::vector<std::pair<size_t, size_t>> cases = {
      {0, 0}, {1, 1}, {2, 1}, {3, 3}, {4, 3}, {5, 3}, {6, 3}, {7, 7}, {8, 8}};
  for (const auto& [at, expected] : cases) {
    EXPECT_EQ(CharacterStartAtOrBefore(text, at), expected) << at;
  }
}

}  // namespace
}  // namespace gateway_proxy
