// The text of an error body that names no message, made safe to show in
// one (README, "Errors"): its first 64 KiB, markup stripped from HTML and
// XML, only valid UTF-8 without control characters, whitespace collapsed,
// at most 120 bytes cut at a character boundary, "..." when cut.
//
//   502 "<html><head><title>502 Bad Gateway</title></head><body>
//        <center><h1>502 Bad Gateway</h1></center></body></html>"
//   -> "502 Bad Gateway 502 Bad Gateway"
//
// Pure; thread-safe.
#pragma once

#include <string>

#include "proxy/core/http_types.h"

namespace gateway_proxy {

// The excerpt of `response`'s body; empty when nothing in it is text.
std::string BodyExcerpt(const HttpResponse& response);

}  // namespace gateway_proxy
