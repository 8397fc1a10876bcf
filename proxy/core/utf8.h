// UTF-8 as the proxy reads and cuts it: the error excerpts
// (upstream_error.h), status messages (rpc_status.h) and the JSON codec
// (json_codec.h) use these, so that they agree on what is valid and where a
// character starts.
//
//   char32_t c;
//   DecodeUtf8("\xc3\xa9!", 0, &c)          // 2, c == U+00E9
//   CharacterStartAtOrBefore("\xc3\xa9", 1)  // 0
//   TruncateUtf8("abcdef", 5)               // "ab..."
#pragma once

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace gateway_proxy {

// The length of the well-formed UTF-8 sequence at text[i] (i < size),
// storing its code point in *code_point; 0 when the bytes there are not
// well-formed (overlong forms, surrogates, values past U+10FFFF and
// sequences cut short included).
size_t DecodeUtf8(absl::string_view text, size_t i, char32_t* code_point);

// The largest position <= `at` that is not inside a character: `at` backed
// up over continuation bytes (10xxxxxx). Cutting `text` there leaves no
// partial character. `at` may be text.size().
size_t CharacterStartAtOrBefore(absl::string_view text, size_t at);

// `text` cut to at most `max_bytes` (>= 4) at a UTF-8 character boundary,
// ending in "..." when cut.
std::string TruncateUtf8(absl::string_view text, size_t max_bytes);

}  // namespace gateway_proxy
