// Translates a non-2xx upstream REST response into the status the gRPC
// caller receives, keeping the backend's own code, message and details.
//
// In this order:
//  1. grpc-gateway body  {"code": 5, "message": "user not found",
//                         "details": [{"@type": "...ErrorInfo", ...}]}
//     -> its code wins over the HTTP status (v1 answers 408/412 and v2
//        499/400 for CANCELLED/FAILED_PRECONDITION; both come back right).
//     Only a JSON number that is an integer in 1..16 counts: a code of 0,
//     outside 0..16, fractional or not a number makes the body fall through
//     to 2 or 3 (where, in 3, its "message" is still used).
//  2. Google body        {"error": {"code": 404, "message": "...",
//                                   "status": "NOT_FOUND", "details": [...]}}
//     -> the status name wins; without one (or with "OK" or a name that is
//        not a google.rpc.Code), the HTTP status decides. "error.code" is
//        ignored: it only repeats the HTTP status.
//  3. anything else      -> CodeFromHttpStatus(); the message is the JSON
//     body's top-level "message" string, else its "error" string
//     (403 {"error":"unauthorized"} -> PERMISSION_DENIED "unauthorized"),
//     and a top-level "details" array is kept as in 1.
//
// The message is never empty:
//  - the body's message string when it is not empty, kept as written;
//  - "upstream HTTP 404" when the body names a message but it is "";
//  - otherwise (HTML, text, empty, not JSON, or a JSON object with no message
//    string) "upstream HTTP <n>: <excerpt>", or "upstream HTTP <n>" when the
//    excerpt is empty. The excerpt is the body made safe to show:
//      * only the first 64 KiB of the body are read;
//      * markup (Content-Type containing "html" or "xml", or a body starting
//        with '<') loses its tags, comments and <script>/<style> contents,
//        and &amp; &lt; &gt; &quot; &#39; &apos; &nbsp; are decoded (other
//        entities stay as written); '<' not followed by a letter, '/', '!'
//        or '?' is text. Other bodies are not touched by this step;
//      * invalid UTF-8 bytes, control characters (C0, DEL, C1) and U+FEFF
//        are dropped; runs of whitespace (ASCII and U+00A0) become one
//        space; the ends are trimmed;
//      * at most 120 bytes are kept, cut on a UTF-8 boundary, with any
//        trailing space removed and "..." appended when anything was cut.
//    For example a load balancer's
//      502 "<html><head><title>502 Bad Gateway</title></head><body>
//           <center><h1>502 Bad Gateway</h1></center></body></html>"
//    becomes UNAVAILABLE "upstream HTTP 502: 502 Bad Gateway 502 Bad Gateway".
//
// JSON is read with protobuf's JSON parser, and only from a body that starts
// with '{' (after whitespace) and is at most 256 KiB. Arrays and objects
// nested deeper than 32 levels (protobuf's parser takes 33) are read as null
// before parsing: the body's code, status and message still count, and its
// details, no longer whole, are dropped. A body the parser rejects (invalid
// JSON, invalid UTF-8, duplicate keys) is treated as text.
//
// Details: each element of the "details" array becomes one binary
// google.protobuf.Any, in order, duplicates kept, so clients unpack the same
// ErrorInfo / BadRequest the backend sent. For an object whose "@type" names a
// message in `pool`, in this order:
//   a. the object parsed as that type (strictly) -> Any{"@type", bytes};
//   b. the raw form {"@type": X, "value": "<base64>"} -> Any{X, decoded};
//   c. the object parsed as that type ignoring unknown fields and enum values.
// For an unknown type, b. For anything else (no "@type", a known type whose
// fields do not parse, an unknown type not in raw form) the whole object,
// "@type" included, is kept as an Any of google.protobuf.Struct. An element
// that is not an object is skipped. A detail never fails the translation.
// "@type" without a '/' is sent as "type.googleapis.com/<type>".
//
// Retry-After: when no detail is a google.rpc.RetryInfo, a valid header adds
// one at the end, with the delay retry_after.h reads from it (relative to
// `now`). Any other value is ignored.
#pragma once

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "proxy/core/http_types.h"

namespace gateway_proxy {

// The error status for `response`, whose status is not 2xx. `pool` resolves
// detail types (google.rpc.* must be in it); `now` anchors an HTTP-date
// Retry-After. The result carries its details as rpc_status.h describes.
// A 2xx `response` is a caller bug and gives INTERNAL
// "StatusFromUpstreamError called with HTTP 200, which is not an error".
// Never fails on any body or header. Pure; thread-safe.
absl::Status StatusFromUpstreamError(
    const HttpResponse& response, const google::protobuf::DescriptorPool& pool,
    absl::Time now);

}  // namespace gateway_proxy
