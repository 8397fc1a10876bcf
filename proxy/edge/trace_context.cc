#include "proxy/edge/trace_context.h"

#include <cstdint>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace gateway_proxy {
namespace {

// `text` is `digits` lower-case hex digits, not all of them zero when
// `nonzero`.
bool IsLowerHex(absl::string_view text, size_t digits, bool nonzero) {
  if (text.size() != digits) return false;
  bool any_nonzero = false;
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    any_nonzero = any_nonzero || c != '0';
  }
  return any_nonzero || !nonzero;
}

// `digits` (a multiple of 16) random lower-case hex digits, not all zero.
std::string RandomHex(size_t digits, absl::BitGenRef bitgen) {
  for (;;) {
    std::string hex;
    bool nonzero = false;
    for (size_t i = 0; i < digits; i += 16) {
      const uint64_t bits = absl::Uniform<uint64_t>(bitgen);
      nonzero = nonzero || bits != 0;
      absl::StrAppendFormat(&hex, "%016x", bits);
    }
    if (nonzero) return hex;
  }
}

bool IsPrintableAscii(absl::string_view text) {
  for (const char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

std::optional<TraceParent> ParseTraceparent(absl::string_view value) {
  // 00-<32 hex>-<16 hex>-<2 hex>
  if (value.size() != 55 || value.substr(0, 3) != "00-" || value[35] != '-' ||
      value[52] != '-') {
    return std::nullopt;
  }
  const absl::string_view trace_id = value.substr(3, 32);
  const absl::string_view span_id = value.substr(36, 16);
  const absl::string_view flags = value.substr(53, 2);
  if (!IsLowerHex(trace_id, 32, true) || !IsLowerHex(span_id, 16, true) ||
      !IsLowerHex(flags, 2, false)) {
    return std::nullopt;
  }
  return TraceParent{std::string(trace_id), std::string(span_id), std::string(flags)};
}

std::string FormatTraceparent(const TraceParent& parent) {
  return absl::StrCat("00-", parent.trace_id, "-", parent.span_id, "-", parent.flags);
}

std::optional<TraceParent> StartProxySpan(const std::optional<TraceParent>& caller,
                                          double sampling, absl::BitGenRef bitgen) {
  if (caller.has_value()) {
    return TraceParent{caller->trace_id, RandomHex(16, bitgen), caller->flags};
  }
  // Bernoulli(0) is never true and Bernoulli(1) always.
  if (!absl::Bernoulli(bitgen, sampling)) return std::nullopt;
  return TraceParent{RandomHex(32, bitgen), RandomHex(16, bitgen), "01"};
}

UpstreamTrace TraceForUpstream(const Metadata& metadata, double sampling,
                               absl::BitGenRef bitgen) {
  std::optional<TraceParent> caller;
  int traceparents = 0;
  for (const auto& [key, value] : metadata) {
    if (key != "traceparent") continue;
    // Two traceparent values are no traceparent.
    caller = ++traceparents == 1 ? ParseTraceparent(value) : std::nullopt;
  }
  UpstreamTrace trace;
  trace.span = StartProxySpan(caller, sampling, bitgen);
  if (!trace.span.has_value()) return trace;
  trace.headers.emplace_back("traceparent", FormatTraceparent(*trace.span));
  if (!caller.has_value()) return trace;
  for (const auto& [key, value] : metadata) {
    if (key == "tracestate" && IsPrintableAscii(value)) {
      trace.headers.emplace_back("tracestate", value);
    }
  }
  return trace;
}

}  // namespace gateway_proxy
