#include "proxy/core/error_excerpt.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "proxy/core/utf8.h"

namespace gateway_proxy {
namespace {

// Limits (README, Errors).
constexpr size_t kMaxScannedBodyBytes = 64 * 1024;
constexpr size_t kMaxExcerptBytes = 120;

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

}  // namespace

std::string BodyExcerpt(const HttpResponse& response) {
  const absl::string_view window =
      absl::string_view(response.body).substr(0, kMaxScannedBodyBytes);
  std::string text =
      LooksLikeMarkup(response) ? CleanText(StripMarkup(window)) : CleanText(window);
  bool cut = response.body.size() > window.size();
  if (text.size() > kMaxExcerptBytes) {
    text.resize(CharacterStartAtOrBefore(text, kMaxExcerptBytes));
    if (!text.empty() && text.back() == ' ') text.pop_back();
    cut = true;
  }
  if (cut && !text.empty()) text += "...";
  return text;
}

}  // namespace gateway_proxy
