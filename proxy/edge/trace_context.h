// W3C Trace Context (https://www.w3.org/TR/trace-context/) for one call: the
// caller's `traceparent` is read, and the upstream gets the proxy's own span
// in the same trace.
//
//   caller:   traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
//   upstream: traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-<new span-id>-01
//
// Only version 00 is read: "00-" 32 lower-case hex digits (not all zero) "-"
// 16 lower-case hex digits (not all zero) "-" 2 lower-case hex digits, 55
// characters in all. Anything else (another version, upper case, a zero id,
// extra characters, two traceparent values) counts as no traceparent.
//
// No spans are exported: the ids in the access log and in the upstream's
// headers are the whole contract.
//
// Pure apart from the random generator passed in; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "absl/random/bit_gen_ref.h"
#include "absl/strings/string_view.h"
#include "proxy/core/http_types.h"
#include "proxy/edge/credentials.h"

namespace gateway_proxy {

struct TraceParent {
  std::string trace_id;  // 32 lower-case hex digits
  std::string span_id;   // 16 lower-case hex digits (the header's parent-id)
  std::string flags;     // 2 lower-case hex digits; "01" = sampled
};

// The traceparent header `value` as its parts, or nullopt when it is not a
// valid version-00 traceparent.
//   ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
//     -> {"4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "01"}
std::optional<TraceParent> ParseTraceparent(absl::string_view value);

// "00-<trace_id>-<span_id>-<flags>".
std::string FormatTraceparent(const TraceParent& parent);

// The proxy's span for a call whose caller sent `caller` (nullopt: no valid
// traceparent): the caller's trace-id and flags with a new random span-id;
// without a caller's trace, a new trace with flags "01" when a draw of
// probability `sampling` (0..1) says so, else nullopt (the call is not
// traced).
std::optional<TraceParent> StartProxySpan(const std::optional<TraceParent>& caller,
                                          double sampling, absl::BitGenRef bitgen);

struct UpstreamTrace {
  // The proxy's span; nullopt when the call is not traced.
  std::optional<TraceParent> span;
  // `traceparent` for `span`, then each `tracestate` value as the caller
  // sent it (only after a valid caller traceparent, and only values of
  // printable ASCII); empty when not traced.
  HttpHeaders headers;
};

// The trace of a call whose caller sent `metadata`, `sampling` as in
// StartProxySpan.
UpstreamTrace TraceForUpstream(const Metadata& metadata, double sampling,
                               absl::BitGenRef bitgen);

}  // namespace gateway_proxy
