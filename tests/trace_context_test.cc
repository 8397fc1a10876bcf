// trace_context.h: which traceparent values count, and the span the proxy
// sends upstream, with a generator whose output the test fixes.
#include "proxy/edge/trace_context.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gateway_proxy {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

constexpr char kCallerParent[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

// Returns the given 64-bit values in turn, then zeros.
class FixedBits {
 public:
  using result_type = uint64_t;
  explicit FixedBits(std::vector<uint64_t> values) : values_(std::move(values)) {}
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<uint64_t>::max(); }
  result_type operator()() { return next_ < values_.size() ? values_[next_++] : 0; }

 private:
  std::vector<uint64_t> values_;
  size_t next_ = 0;
};

TEST(TraceContextTest, ValidTraceparentIsSplitIntoItsParts) {
  const std::optional<TraceParent> parent = ParseTraceparent(kCallerParent);
  ASSERT_TRUE(parent.has_value());
  EXPECT_EQ(parent->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(parent->span_id, "00f067aa0ba902b7");
  EXPECT_EQ(parent->flags, "01");
  EXPECT_EQ(FormatTraceparent(*parent), kCallerParent);
}

TEST(TraceContextTest, UnsampledFlagsAreKept) {
  const auto parent =
      ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(parent.has_value());
  EXPECT_EQ(parent->flags, "00");
}

TEST(TraceContextTest, InvalidTraceparentsCountAsAbsent) {
  for (const char* value : {
           "",
           "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // version 01
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // version ff
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",   // zero trace-id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",   // zero parent-id
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",   // upper case
           "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",    // short trace-id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",    // short parent-id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",    // short flags
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",   // not hex
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",  // trailing
           "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",   // separators
           " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",   // space
       }) {
    EXPECT_FALSE(ParseTraceparent(value).has_value()) << value;
  }
}

TEST(TraceContextTest, ProxySpanKeepsTheCallersTraceAndFlagsWithANewSpanId) {
  FixedBits bits({0x1122334455667788});
  const auto span = StartProxySpan(ParseTraceparent(kCallerParent), 0, bits);
  ASSERT_TRUE(span.has_value());
  EXPECT_EQ(FormatTraceparent(*span),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-1122334455667788-01");
}

TEST(TraceContextTest, ZeroSpanIdIsNeverChosen) {
  FixedBits bits({0, 0, 0xab});
  const auto span = StartProxySpan(ParseTraceparent(kCallerParent), 0, bits);
  ASSERT_TRUE(span.has_value());
  EXPECT_EQ(span->span_id, "00000000000000ab");
}

TEST(TraceContextTest, NoCallerTraceAndNoSamplingIsNotTraced) {
  absl::BitGen bitgen;
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(StartProxySpan(std::nullopt, 0, bitgen).has_value());
  }
}

TEST(TraceContextTest, NoCallerTraceWithSamplingOneStartsASampledTrace) {
  absl::BitGen bitgen;
  for (int i = 0; i < 100; ++i) {
    const auto span = StartProxySpan(std::nullopt, 1, bitgen);
    ASSERT_TRUE(span.has_value());
    EXPECT_EQ(span->flags, "01");
    // Valid ids: what is sent parses back.
    const auto parsed = ParseTraceparent(FormatTraceparent(*span));
    ASSERT_TRUE(parsed.has_value()) << FormatTraceparent(*span);
    EXPECT_EQ(parsed->trace_id, span->trace_id);
  }
}

TEST(TraceContextTest, UpstreamGetsTheProxySpanAndTheCallersTracestate) {
  FixedBits bits({0x0102030405060708});
  const UpstreamTrace trace = TraceForUpstream(
      {{"x-request-id", "r1"},
       {"tracestate", "rojo=00f067aa0ba902b7"},
       {"traceparent", kCallerParent},
       {"tracestate", "congo=t61rcWkgMzE"}},
      0, bits);
  ASSERT_TRUE(trace.span.has_value());
  EXPECT_EQ(trace.span->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(trace.span->span_id, "0102030405060708");
  EXPECT_THAT(trace.headers,
              ElementsAre(Pair("traceparent",
                               "00-4bf92f3577b34da6a3ce929d0e0e4736-0102030405060708-01"),
                          Pair("tracestate", "rojo=00f067aa0ba902b7"),
                          Pair("tracestate", "congo=t61rcWkgMzE")));
}

TEST(TraceContextTest, TracestateWithoutAValidTraceparentIsDropped) {
  absl::BitGen bitgen;
  const UpstreamTrace trace = TraceForUpstream(
      {{"traceparent", "00-zz"}, {"tracestate", "rojo=00f067aa0ba902b7"}}, 0, bitgen);
  EXPECT_FALSE(trace.span.has_value());
  EXPECT_TRUE(trace.headers.empty());
}

TEST(TraceContextTest, SampledNewTraceCarriesNoTracestate) {
  absl::BitGen bitgen;
  const UpstreamTrace trace =
      TraceForUpstream({{"tracestate", "rojo=00f067aa0ba902b7"}}, 1, bitgen);
  ASSERT_TRUE(trace.span.has_value());
  ASSERT_EQ(trace.headers.size(), 1u);
  EXPECT_EQ(trace.headers[0].first, "traceparent");
  EXPECT_EQ(trace.headers[0].second, FormatTraceparent(*trace.span));
  EXPECT_EQ(trace.span->flags, "01");
}

TEST(TraceContextTest, TwoTraceparentsCountAsNone) {
  absl::BitGen bitgen;
  const UpstreamTrace trace =
      TraceForUpstream({{"traceparent", kCallerParent}, {"traceparent", kCallerParent}}, 0,
                       bitgen);
  EXPECT_FALSE(trace.span.has_value());
  EXPECT_TRUE(trace.headers.empty());
}

TEST(TraceContextTest, TracestateWithControlCharactersIsDropped) {
  FixedBits bits({0x0102030405060708});
  const UpstreamTrace trace = TraceForUpstream(
      {{"traceparent", kCallerParent}, {"tracestate", "a=b\r\nX-Evil: yes"}}, 0, bits);
  EXPECT_THAT(trace.headers,
              ElementsAre(Pair("traceparent",
                               "00-4bf92f3577b34da6a3ce929d0e0e4736-0102030405060708-01")));
}

}  // namespace
}  // namespace gateway_proxy
