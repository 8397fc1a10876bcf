// The JSON codec (proxy/core/json_codec.h) against protobuf's JSON util: output
// byte for byte, errors code and message, parsed messages byte for byte,
// on pseudo-random messages of every field kind (fixed seeds), on their
// mutations, and on hand-written inputs. The codec must also really handle
// the common cases, and decline what it does not support.
#include "proxy/core/json_codec.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/canned_user.h"
#include "gateway/gateway.pb.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/stubs/strutil.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "json_types.pb.h"
#include "json_types_proto2.pb.h"
#include "proxy/core/json.h"

namespace gateway_proxy {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::util::JsonParseOptions;
using test::JsonTypes;

// The util logs a warning for each error these tests provoke on purpose.
const bool kProtobufLogsDiscarded = [] {
  google::protobuf::SetLogHandler(nullptr);
  return true;
}();

// ---------------------------------------------------------------------------
// Pseudo-random messages.

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  void Fill(Message* message, int depth) {
    const Descriptor* d = message->GetDescriptor();
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* field = d->field(i);
      if (!Chance(depth == 0 ? 40 : 25)) continue;
      if (field->is_repeated()) {
        for (int n = Below(4); n > 0; --n) Set(message, field, true, depth);
      } else {
        Set(message, field, false, depth);
      }
    }
  }

  bool Chance(int percent) { return Below(100) < percent; }
  int Below(int n) { return static_cast<int>(rng_() % n); }
  uint64_t Bits() { return rng_(); }

  std::string Text() {
    static const std::vector<uint32_t> kPool = {
        'a', 'Z', '0', ' ', '"', '\\', '/', '<', '>', '&', '\'', 0x00, 0x01, 0x08, 0x09, 0x0a,
        0x0c, 0x0d, 0x1f, 0x7f, 0x80, 0x9f, 0xa0, 0xad, 0xe9, 0x600, 0x6dd, 0x70f, 0x17b4,
        0x200b, 0x2028, 0x2029, 0x202e, 0x2060, 0x206f, 0xfeff, 0xfff9, 0xfffd, 0xffff,
        0x10000, 0x1d173, 0x1f600, 0xe0001, 0xe007f, 0x10ffff};
    std::string out;
    for (int n = Below(12); n > 0; --n) {
      AppendCodePoint(Chance(50) ? 'a' + Below(26) : kPool[Below(kPool.size())], &out);
    }
    return out;
  }

  static void AppendCodePoint(uint32_t cp, std::string* out) {
    char utf8[google::protobuf::UTFmax];
    out->append(utf8, google::protobuf::EncodeAsUTF8Char(cp, utf8));
  }

 private:
  template <typename T>
  T Integer() {
    const T edges[] = {0, 1, static_cast<T>(-1), std::numeric_limits<T>::min(),
                       std::numeric_limits<T>::max(), 100};
    return Chance(50) ? edges[Below(6)] : static_cast<T>(Bits() >> Below(64));
  }

  double Floating() {
    const double edges[] = {0.0, -0.0, 1.5, -2.25, 1e-300, 1e300, 0.1, 3.4028234663852886e38,
                            std::numeric_limits<double>::quiet_NaN(),
                            std::numeric_limits<double>::infinity(),
                            -std::numeric_limits<double>::infinity(),
                            std::numeric_limits<double>::denorm_min()};
    if (Chance(50)) return edges[Below(12)];
    if (Chance(50)) return (static_cast<double>(Bits() % 2000000) - 1e6) / 1000.0;
    const uint64_t bits = Bits();
    double value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
  }

  void SetTimestamp(Message* timestamp) {
    const int64_t min = -62135596800LL, max = 253402300799LL;
    int64_t seconds = min + static_cast<int64_t>(Bits() % static_cast<uint64_t>(max - min + 1));
    if (Chance(10)) seconds = Chance(50) ? min : max;
    if (Chance(3)) seconds = max + 1;  // The util's error.
    static const int32_t kNanos[] = {0, 500000000, 1000, 123456789, 999999999, 1000000, 10};
    int32_t nanos = Chance(50) ? kNanos[Below(7)] : static_cast<int32_t>(Bits() % 1000000000);
    if (Chance(2)) nanos = -1;
    const Reflection* r = timestamp->GetReflection();
    r->SetInt64(timestamp, timestamp->GetDescriptor()->FindFieldByNumber(1), seconds);
    r->SetInt32(timestamp, timestamp->GetDescriptor()->FindFieldByNumber(2), nanos);
  }

  void Set(Message* m, const FieldDescriptor* f, bool add, int depth);

  std::mt19937_64 rng_;
};

void Generator::Set(Message* m, const FieldDescriptor* f, bool add, int depth) {
  const Reflection* r = m->GetReflection();
#define GATEWAY_SET(Name, value) \
  add ? r->Add##Name(m, f, value) : r->Set##Name(m, f, value)
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: GATEWAY_SET(Int32, Integer<int32_t>()); break;
    case FieldDescriptor::CPPTYPE_INT64: GATEWAY_SET(Int64, Integer<int64_t>()); break;
    case FieldDescriptor::CPPTYPE_UINT32: GATEWAY_SET(UInt32, Integer<uint32_t>()); break;
    case FieldDescriptor::CPPTYPE_UINT64: GATEWAY_SET(UInt64, Integer<uint64_t>()); break;
    case FieldDescriptor::CPPTYPE_FLOAT: GATEWAY_SET(Float, static_cast<float>(Floating())); break;
    case FieldDescriptor::CPPTYPE_DOUBLE: GATEWAY_SET(Double, Floating()); break;
    case FieldDescriptor::CPPTYPE_BOOL: GATEWAY_SET(Bool, Chance(50)); break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      static const int kValues[] = {0, 1, 2, -3, 7, 1 << 20};
      GATEWAY_SET(EnumValue, kValues[Below(6)]);
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string value = Text();
      if (f->type() == FieldDescriptor::TYPE_BYTES) {
        for (int n = Below(6); n > 0; --n) value.push_back(static_cast<char>(Bits()));
      }
      GATEWAY_SET(String, value);
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      if (depth > 3) break;
      Message* sub = add ? r->AddMessage(m, f) : r->MutableMessage(m, f);
      if (f->message_type()->full_name() == "google.protobuf.Timestamp") SetTimestamp(sub);
      else Fill(sub, depth + 1);
      break;
    }
  }
#undef GATEWAY_SET
}

// ---------------------------------------------------------------------------
// Comparisons.

// PrintJson (fast path first) against the util; true if the codec handled it.
bool ExpectSamePrint(const Message& message) {
  std::string ours, theirs, fast;
  const auto our_status = PrintJson(message, &ours);
  const auto their_status = google::protobuf::util::MessageToJsonString(message, &theirs);
  EXPECT_EQ(our_status.ToString(), their_status.ToString()) << message.ShortDebugString();
  EXPECT_EQ(ours, theirs) << message.ShortDebugString();
  const bool handled = TryPrintJsonFast(message, &fast);
  if (handled) {
    EXPECT_TRUE(their_status.ok()) << message.ShortDebugString();
    EXPECT_EQ(fast, theirs) << message.ShortDebugString();
  }
  return handled;
}

// ParseJson against the util into copies of `start`: same status, same
// resulting bytes (the util leaves the message alone on error). True if
// the codec handled it.
bool ExpectSameParse(const std::string& json, const Message& start, bool ignore_unknown) {
  JsonParseOptions options;
  options.ignore_unknown_fields = ignore_unknown;
  std::unique_ptr<Message> ours(start.New()), theirs(start.New()), fast(start.New());
  ours->CopyFrom(start);
  theirs->CopyFrom(start);
  fast->CopyFrom(start);
  const auto our_status = ParseJson(json, ours.get(), options);
  const auto their_status = google::protobuf::util::JsonStringToMessage(json, theirs.get(), options);
  EXPECT_EQ(our_status.ToString(), their_status.ToString()) << json;
  EXPECT_EQ(ours->SerializeAsString(), theirs->SerializeAsString()) << json;
  const bool handled = TryParseJsonFast(json, fast.get(), ignore_unknown);
  if (handled) {
    EXPECT_TRUE(their_status.ok()) << json;
    EXPECT_EQ(fast->SerializeAsString(), theirs->SerializeAsString()) << json;
  } else {
    EXPECT_EQ(fast->SerializeAsString(), start.SerializeAsString()) << json;
  }
  return handled;
}

JsonTypes StartState() {
  JsonTypes start;
  start.set_text("held before");
  start.add_r_i32(5);
  start.mutable_nested()->set_value(9);
  return start;
}

// ---------------------------------------------------------------------------
// Support.

TEST(JsonCodecTest, SupportsTheCommonTypes) {
  EXPECT_TRUE(JsonCodecSupports(JsonTypes::descriptor()));
  EXPECT_TRUE(JsonCodecSupports(gateway::User::descriptor()));
  EXPECT_TRUE(JsonCodecSupports(gateway::ListUsersResponse::descriptor()));
  EXPECT_TRUE(JsonCodecSupports(gateway::CreateUserRequest::descriptor()));
}

TEST(JsonCodecTest, DeclinesTypesItDoesNotHandle) {
  for (const Descriptor* d :
       {test::WithMap::descriptor(), test::WithDuration::descriptor(),
        test::WithStruct::descriptor(), test::WithValue::descriptor(),
        test::WithListValue::descriptor(), test::WithWrapper::descriptor(),
        test::WithAny::descriptor(), test::WithFieldMask::descriptor(),
        test::WithEmpty::descriptor(), test::WithNullValue::descriptor(),
        test::ReachesMap::descriptor(), test::Proto2Message::descriptor(),
        gateway::UpdateUserRequest::descriptor(),  // Its update_mask is a FieldMask.
        google::protobuf::Timestamp::descriptor()}) {
    EXPECT_FALSE(JsonCodecSupports(d)) << d->full_name();
  }
  test::WithMap with_map;
  (*with_map.mutable_counts())["a"] = 1;
  std::string json;
  EXPECT_FALSE(TryPrintJsonFast(with_map, &json));
  EXPECT_FALSE(TryParseJsonFast(R"({"counts":{"a":1}})", &with_map, false));
  ExpectSamePrint(with_map);
  ExpectSameParse(R"({"counts":{"a":1}})", with_map, false);
}

TEST(JsonCodecTest, DeclinesUnknownFields) {
  gateway::User user = bench::CannedUser();
  user.GetReflection()->MutableUnknownFields(&user)->AddVarint(99, 1);
  std::string json;
  EXPECT_FALSE(TryPrintJsonFast(user, &json));
  ExpectSamePrint(user);
}

// ---------------------------------------------------------------------------
// Printing.

TEST(JsonCodecTest, PrintsTheBenchUserItself) {
  std::string json;
  ASSERT_TRUE(TryPrintJsonFast(bench::CannedUser(), &json));
  EXPECT_EQ(json,
            R"({"name":"accounts/acme/users/alice","displayName":"Alice Example",)"
            R"("serviceAccount":false,"createTime":"2026-01-01T00:00:00Z","role":"admin",)"
            R"("email":"alice@example.com","state":"READY","updateTime":"2026-01-01T00:00:00Z"})");
  EXPECT_TRUE(ExpectSamePrint(bench::CannedUser()));
  gateway::ListUsersResponse page;
  *page.add_users() = bench::CannedUser();
  page.add_users()->mutable_status()->set_code(google::rpc::NOT_FOUND);
  page.set_total_size(2);
  EXPECT_TRUE(ExpectSamePrint(page));
}

// The message random case `seed` of the tests below prints and parses.
JsonTypes RandomMessage(int seed) {
  Generator generator(seed);
  JsonTypes message;
  generator.Fill(&message, 0);
  return message;
}

TEST(JsonCodecTest, PrintsRandomMessagesAsTheUtil) {
  int handled = 0;
  constexpr int kCases = 3000;
  for (int seed = 0; seed < kCases; ++seed) handled += ExpectSamePrint(RandomMessage(seed));
  EXPECT_GT(handled, kCases * 3 / 4);  // Declines are for rare values only.
}

TEST(JsonCodecTest, PrintsEveryCodePointAsTheUtil) {
  for (uint32_t first = 0; first <= 0x10ffff; first += 128) {
    JsonTypes message;
    std::string text;
    for (uint32_t cp = first; cp < first + 128 && cp <= 0x10ffff; ++cp) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      Generator::AppendCodePoint(cp, &text);
    }
    message.set_text(text);
    EXPECT_TRUE(ExpectSamePrint(message)) << first;
  }
}

TEST(JsonCodecTest, PrintsEveryKindOfTimestampAsTheUtil) {
  Generator generator(7);
  const int64_t min = -62135596800LL, max = 253402300799LL;
  for (int i = 0; i < 5000; ++i) {
    JsonTypes message;
    int64_t seconds = min + static_cast<int64_t>(generator.Bits() % (max - min + 1));
    if (i < 200) seconds = (i % 2 ? max : min) + (i / 2 % 50) * (i % 2 ? -86399 : 86399);
    message.mutable_when()->set_seconds(seconds);
    static const int32_t kNanos[] = {0, 1, 10, 1000, 1000000, 120000000, 999999999};
    message.mutable_when()->set_nanos(kNanos[i % 7]);
    EXPECT_TRUE(ExpectSamePrint(message)) << seconds;
  }
}

TEST(JsonCodecTest, LeavesWhatItCannotPrintToTheUtil) {
  JsonTypes message;
  message.mutable_when()->set_seconds(253402300800LL);  // Past 9999: the util's error.
  std::string json;
  EXPECT_FALSE(TryPrintJsonFast(message, &json));
  EXPECT_FALSE(ExpectSamePrint(message));
  message.Clear();
  message.set_text(std::string("bad \xff utf-8"));
  EXPECT_FALSE(ExpectSamePrint(message));
  message.Clear();
  message.set_dbl(-0.0);
  EXPECT_FALSE(ExpectSamePrint(message));
  message.Clear();
  message.set_o_dbl(-0.0);  // With presence it is written: "-0".
  EXPECT_TRUE(ExpectSamePrint(message));
}

// ---------------------------------------------------------------------------
// Parsing.

TEST(JsonCodecTest, ParsesTheBenchUsersJsonItself) {
  const std::string json = bench::kCannedUserJson;
  gateway::User user;
  ASSERT_TRUE(TryParseJsonFast(json, &user, true));
  EXPECT_EQ(user.SerializeAsString(), bench::CannedUser().SerializeAsString());
  EXPECT_TRUE(ExpectSameParse(json, gateway::User(), true));
  EXPECT_TRUE(ExpectSameParse(json, bench::CannedUser(), false));
}

TEST(JsonCodecTest, ParsesWhatTheUtilPrintsAsTheUtil) {
  int handled = 0;
  constexpr int kCases = 3000;
  for (int seed = 0; seed < kCases; ++seed) {
    std::string json;
    if (!google::protobuf::util::MessageToJsonString(RandomMessage(seed), &json).ok()) continue;
    handled += ExpectSameParse(json, StartState(), seed % 2 == 0);
  }
  EXPECT_GT(handled, kCases * 3 / 4);  // Declines are for rare values only.
}

// One random edit of `json`: a byte dropped, doubled or replaced by one of
// the characters that matter to JSON, numbers and timestamps.
std::string Mutate(std::string json, Generator* generator) {
  static const std::string kBytes = "{}[]\":,-+.0123456789eE \\u/tfnZz\x01\x7f\xc3\xa9\xff";
  if (json.empty()) return json;
  const size_t at = generator->Below(json.size());
  switch (generator->Below(4)) {
    case 0: json.erase(at, 1); break;
    case 1: json.insert(at, 1, json[at]); break;
    case 2: json[at] = kBytes[generator->Below(kBytes.size())]; break;
    default: json.insert(at, json.substr(generator->Below(json.size()), generator->Below(8))); break;
  }
  return json;
}

TEST(JsonCodecTest, ParsesMutationsAsTheUtil) {
  int handled = 0, cases = 0;
  for (int seed = 0; seed < 1500; ++seed) {
    Generator generator(seed + 100000);
    JsonTypes message;
    generator.Fill(&message, 0);
    std::string json;
    if (!google::protobuf::util::MessageToJsonString(message, &json).ok()) continue;
    for (int round = 0; round < 4; ++round) {
      json = Mutate(json, &generator);
      handled += ExpectSameParse(json, StartState(), round % 2 == 0);
      ++cases;
    }
  }
  EXPECT_GT(handled, 0);
  EXPECT_LT(handled, cases);
}

// Inputs where the codec and the util could part ways. Each is compared
// with the util; `handled` says whether the codec must take it itself.
struct Tricky {
  const char* json;
  bool handled;
};

void ExpectTricky(const std::vector<Tricky>& cases, const Message& start) {
  for (const Tricky& c : cases) {
    for (bool ignore : {false, true}) {
      const bool handled = ExpectSameParse(c.json, start, ignore);
      if (c.handled) {
        EXPECT_TRUE(handled) << c.json;
      }
    }
  }
}

TEST(JsonCodecTest, ParsesTrickyNumbersAsTheUtil) {
  ExpectTricky({{R"({"i32":-2147483648,"u32":4294967295,"i64":"-9223372036854775808"})", true},
                {R"({"u64":"18446744073709551615","i64":9223372036854775807})", true},
                {R"({"i32":"123","s64":"-5","fx64":"0"})", true},
                {R"({"u32":-0,"i32":-0,"dbl":-0})", true},
                {R"({"dbl":-0.0,"flt":-0.0,"oDbl":-0})", true},
                {R"({"dbl":1e308,"flt":16777217,"rFlt":[9007199254740993,0.1,1E-45]})", true},
                {R"({"dbl":"NaN","flt":"-Infinity","rDbl":["Infinity",2.5e-324]})", true},
                {R"({"i32":1.0})", false}, {R"({"i32":1e2})", false},
                {R"({"i32":01})", false}, {R"({"i32":2147483648})", false},
                {R"({"i32":-2147483649})", false}, {R"({"u32":-1})", false},
                {R"({"i64":9223372036854775808})", false},
                {R"({"u64":18446744073709551616})", false},
                {R"({"i32":" 1"})", false}, {R"({"i32":"1 "})", false},
                {R"({"i32":"-0"})", false}, {R"({"i32":"+1"})", false},
                {R"({"i32":"0x10"})", false}, {R"({"i32":1.5})", false},
                {R"({"dbl":1e400})", false}, {R"({"dbl":"1.5"})", false},
                {R"({"dbl":"nan"})", false}, {R"({"flt":3.5e38})", false},
                {R"({"flt":3.4028235e38,"rFlt":[-3.4028235e+38,3.40282356e38]})", true},
                {R"({"flt":3.4028236e38})", false}, {R"({"dbl":+1})", false},
                {R"({"dbl":.5})", false}, {R"({"dbl":1.})", false},
                {R"({"flag":"true"})", false}, {R"({"flag":1})", false},
                {R"({"i32":true})", false}, {R"({"text":1})", false}},
               StartState());
}

TEST(JsonCodecTest, ParsesTrickyStringsAsTheUtil) {
  ExpectTricky({{R"({"text":"\u00e9\ud83d\ude00\u0000\/\"\\\b\f\n\r\t"})", true},
                {"{\"text\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}", true},
                {R"({"text":"\ud83d"})", false}, {R"({"text":"\udc00"})", false},
                {R"({"text":"\ud83dx"})", false}, {R"({"text":"\ud83d\u0041"})", false},
                {R"({"text":"\v"})", false}, {R"({"text":"\'"})", false},
                {R"({"text":"\u12"})", false}, {R"({"text":"\uzzzz"})", false},
                {"{\"text\":\"tab\there\"}", false}, {"{\"text\":\"\xff\"}", false},
                {"{\"text\":\"\xc0\x80\"}", false}, {"{\"text\":\"\xed\xa0\x80\"}", false},
                {R"({"text":'single'})", false}, {R"({"text":"unterminated)", false},
                {R"({"data":"QQ==","rData":["","+/8=","AAAA"]})", true},
                {R"({"data":"QR=="})", false}, {R"({"data":"QQ"})", false},
                {R"({"data":"-_8="})", false}, {R"({"data":"Q Q=="})", false},
                {R"({"color":"GREEN","rColor":["CRIMSON","RED","BLUE"]})", true},
                {R"({"color":"green"})", false}, {R"({"color":"NOPE"})", false},
                {R"({"color":2,"rColor":[-3,7,2147483647,-2147483648],"oColor":0})", true},
                {R"({"color":2147483648})", false}, {R"({"color":1.0})", false},
                {R"({"color":"2"})", false}},
               StartState());
}

TEST(JsonCodecTest, ParsesTrickyStructureAsTheUtil) {
  ExpectTricky({{" \n{ \"i32\" : 1 , \"text\" : \"a\" }\r\n\t", true},
                {R"({})", true}, {R"({"nested":{},"rNested":[{},{"value":2}]})", true},
                {R"({"text":null,"nested":null,"when":null,"rI32":null,"oI32":null})", true},
                {R"({"field_with_2_parts":1,"customKey":"a","r_i32":[1]})", true},
                {R"({"i\u0033\u0032":7})", true},
                {R"({"choiceText":"a"})", true}, {R"({"choice_nested":{"name":"n"}})", true},
                {R"({"custom":"a"})", false},  // Only customKey names it.
                {R"({"i32":1,"i32":2})", false}, {R"({"i32":1,"i_32":2})", false},
                {R"({"fieldWith2Parts":1,"field_with_2_parts":2})", false},
                {R"({"choiceText":"a","choiceNumber":"1"})", false},
                {R"({"choiceText":null,"choiceNumber":"1"})", false},
                {R"({"rI32":1})", false}, {R"({"rI32":[1,null]})", false},
                {R"({"rI32":[[1]]})", false}, {R"({"nested":[]})", false},
                {R"({"i32":1,})", false}, {R"({i32:1})", false}, {R"({"":1})", false},
                {R"({} x)", false}, {R"({}{})", false}, {"", false}, {" ", false},
                {"null", false}, {"[]", false}, {R"("x")", false}, {"{\"i32\":1\f}", false},
                {R"({"unknown":1})", false},
                {R"({"unknown":{"a":[1,2.5,"x",null,true,{"b":{}}]},"i32":3})", false},
                {R"({"unknown":1e999})", false}, {R"({"unknown":01})", false},
                {R"({"unknown":{"":1}})", false}},
               StartState());
}

TEST(JsonCodecTest, SkipsUnknownFieldsWhenAskedAsTheUtil) {
  const std::string json = R"({"unknown":{"a":[1,2.5,"x",null,true,{"b":{}}]},"i32":3})";
  JsonTypes message;
  EXPECT_FALSE(TryParseJsonFast(json, &message, false));
  ASSERT_TRUE(TryParseJsonFast(json, &message, true));
  EXPECT_EQ(message.i32(), 3);
  EXPECT_TRUE(ExpectSameParse(json, StartState(), true));
  EXPECT_TRUE(ExpectSameParse(R"({"role":"admin","addedLater":{"x":[1]}})", gateway::User(), true));
}

TEST(JsonCodecTest, ParsesTrickyTimestampsAsTheUtil) {
  const std::vector<const char*> handled = {
      "2026-01-01T00:00:00Z", "2026-01-01T00:00:00.1Z", "2026-01-01T00:00:00.123456789Z",
      "2026-01-01T00:00:00+01:00", "2026-01-01T00:00:00.5-23:59", "2024-02-29T12:00:00Z",
      "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "1970-01-01T00:00:00Z",
      "2000-02-29T23:59:59Z", "1969-12-31T23:59:59.000000001Z",
      // The offset keeps these in range.
      "0001-01-01T00:00:00-00:01", "9999-12-31T00:00:00+01:00"};
  // Out of range once the offset applies, or not the strict form.
  const std::vector<const char*> declined = {
      "0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01",
      "0000-01-01T00:00:00Z", "0000-01-01T00:00:00+00:00",
      "2026-1-01T00:00:00Z", "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
      "2026-04-31T00:00:00Z", "2026-01-01T00:00:00.1234567891Z", "2026-01-01T00:00:00z",
      "", "2026"};
  // The util's answer, whichever it is.
  const std::vector<const char*> compared = {
      "2026-01-01T24:00:00Z", "2026-01-01 00:00:00Z", "2026-01-01T00:00:60Z",
      "2026-01-01T00:00:00", "2026-01-01T00:00:00Z ", "2026-01-01T00:00:00.Z",
      "2026-01-01T00:00:00+1:00", "2026-01-01T00:00:00+24:00", "+2026-01-01T00:00:00Z",
      "2026-01-01T00:00:00.-1Z"};
  for (const char* when : handled) {
    const std::string json = absl::StrCat(R"({"when":")", when, R"(","rWhen":[")", when, R"("]})");
    EXPECT_TRUE(ExpectSameParse(json, StartState(), false)) << json;
    EXPECT_TRUE(ExpectSameParse(absl::StrCat(R"({"createTime":")", when, R"("})"),
                                gateway::User(), true));
  }
  for (const char* when : declined) {
    const std::string json = absl::StrCat(R"({"when":")", when, R"("})");
    EXPECT_FALSE(ExpectSameParse(json, StartState(), false)) << json;
  }
  for (const char* when : compared) {
    ExpectSameParse(absl::StrCat(R"({"when":")", when, R"("})"), StartState(), false);
  }
  // A NUL ends the text protobuf's TimeUtil reads, so these once reached it
  // with the offset in force and out of range, where it fails a CHECK and
  // the process ends: an upstream's reply must never do that.
  for (const char* json : {R"({"createTime":"0001-01-01T00:00:00+01:00\u0000Z"})",
                           R"({"updateTime":"9999-12-31T23:59:59-01:00\u0000Z"})",
                           R"({"createTime":"2026-01-01T00:00:00Z\u0000"})"}) {
    EXPECT_FALSE(ExpectSameParse(json, gateway::User(), true)) << json;
  }
  EXPECT_TRUE(ExpectSameParse(R"({"when":"2026-01-01T00:00:00\u005a"})", StartState(), false));
  EXPECT_FALSE(ExpectSameParse(R"({"when":{"seconds":1}})", StartState(), false));
  EXPECT_FALSE(ExpectSameParse(R"({"when":1})", StartState(), false));
}

TEST(JsonCodecTest, LeavesTheMessageAsItWasWhenItDeclinesHalfway) {
  // The codec has filled text and i32 when it meets the unknown enum name.
  const std::string json = R"({"text":"new","i32":4,"nested":{"value":1},"color":"NOPE"})";
  const JsonTypes start = StartState();
  JsonTypes message = start;
  EXPECT_FALSE(TryParseJsonFast(json, &message, false));
  EXPECT_EQ(message.SerializeAsString(), start.SerializeAsString());
  const auto status = ParseJson(json, &message);
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(message.SerializeAsString(), start.SerializeAsString());
  ExpectSameParse(json, start, false);
  ExpectSameParse(json, start, true);
  // From an empty message, too.
  JsonTypes empty;
  EXPECT_FALSE(TryParseJsonFast(json, &empty, false));
  EXPECT_EQ(empty.ByteSizeLong(), 0u);
}

TEST(JsonCodecTest, DeclinesDeepNestingToTheUtil) {
  std::string json;
  for (int i = 0; i < 40; ++i) json += R"({"self":)";
  json += "{}";
  for (int i = 0; i < 40; ++i) json += "}";
  JsonTypes message;
  EXPECT_FALSE(TryParseJsonFast(json, &message, false));
  ExpectSameParse(json, StartState(), false);
  std::string shallow;
  for (int i = 0; i < 10; ++i) shallow += R"({"self":)";
  shallow += "{}";
  for (int i = 0; i < 10; ++i) shallow += "}";
  EXPECT_TRUE(ExpectSameParse(shallow, StartState(), false));
}

TEST(JsonCodecTest, OtherOptionsGoToTheUtil) {
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  std::string ours, theirs;
  ASSERT_TRUE(PrintJson(bench::CannedUser(), &ours, print).ok());
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(bench::CannedUser(), &theirs, print).ok());
  EXPECT_EQ(ours, theirs);
  JsonParseOptions parse;
  parse.case_insensitive_enum_parsing = true;
  gateway::User a, b;
  EXPECT_EQ(ParseJson(R"({"state":"ready"})", &a, parse).ToString(),
            google::protobuf::util::JsonStringToMessage(R"({"state":"ready"})", &b, parse).ToString());
  EXPECT_EQ(a.SerializeAsString(), b.SerializeAsString());
}

}  // namespace
}  // namespace gateway_proxy
