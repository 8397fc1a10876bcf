#include "proxy/core/json_codec.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/stubs/common.h"
#include "google/protobuf/stubs/strutil.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"
#include "proxy/core/utf8.h"

namespace gateway_proxy {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::util::TimeUtil;

// Deeper messages or JSON values are left to the util, whose own limits
// (and their errors) then apply.
constexpr int kMaxDepth = 32;
// Fields and oneofs per message the duplicate-key check can track.
constexpr int kMaxFields = 256;
constexpr int kMaxOneofs = 64;


enum class Kind : uint8_t {
  kInt32, kInt64, kUint32, kUint64, kFloat, kDouble, kBool,
  kString, kBytes, kEnum, kMessage, kTimestamp,
};

struct MessagePlan;

struct FieldPlan {
  const FieldDescriptor* field = nullptr;
  Kind kind = Kind::kInt32;
  bool repeated = false;
  bool has_presence = false;  // HasField decides whether it is written.
  int oneof = -1;             // Index of its oneof, or -1.
  const MessagePlan* message = nullptr;  // For kMessage.
  std::string key;            // `"jsonName":`, as the util writes it.
};

struct MessagePlan {
  const Descriptor* descriptor = nullptr;
  bool supported = true;
  std::vector<FieldPlan> fields;  // In field-number order.
  // JSON key (lowerCamel or original name) -> index in `fields`.
  absl::flat_hash_map<std::string, int> by_key;
};

// ---------------------------------------------------------------------------
// Strings: protobuf 3.21's JSON escaping (util/internal/json_escaping.cc).

constexpr char kHex[] = "0123456789abcdef";

void AppendU16Escape(uint32_t unit, std::string* out) {
  const char escape[6] = {'\\', 'u', kHex[(unit >> 12) & 0xf], kHex[(unit >> 8) & 0xf],
                          kHex[(unit >> 4) & 0xf], kHex[unit & 0xf]};
  out->append(escape, 6);
}

// The escape of an ASCII character, or nullptr when it is written as is.
const char* AsciiEscape(unsigned char c) {
  switch (c) {
    case '\b': return "\\b";
    case '\t': return "\\t";
    case '\n': return "\\n";
    case '\f': return "\\f";
    case '\r': return "\\r";
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '<': return "\\u003c";
    case '>': return "\\u003e";
    case 0x7f: return "\\u007f";
    default: return nullptr;
  }
}

// Code points above U+007F the util writes as \u escapes.
bool NeedsUnicodeEscape(uint32_t cp) {
  if (cp < 0xa0) return true;  // C1 controls.
  switch (cp) {
    case 0x00ad: case 0x06dd: case 0x070f: case 0x17b4: case 0x17b5:
    case 0xfeff: case 0xfff9: case 0xfffa: case 0xfffb:
      return true;
    default:
      break;
  }
  return (cp >= 0x0600 && cp <= 0x0603) || (cp >= 0x200b && cp <= 0x200f) ||
         (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2064) ||
         (cp >= 0x206a && cp <= 0x206f) || cp == 0xe0001 ||
         (cp >= 0x1d173 && cp <= 0x1d17a) || (cp >= 0xe0020 && cp <= 0xe007f);
}


// Appends `s` quoted and escaped as the util escapes it. False when `s` is
// not valid UTF-8 (the util drops such bytes in ways not worth copying).
bool AppendStringAsTheUtil(absl::string_view s, std::string* out) {
  out->push_back('"');
  size_t start = 0, i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && AsciiEscape(c) == nullptr) {
      ++i;
      continue;
    }
    out->append(s.data() + start, i - start);
    if (c < 0x80) {
      const char* escape = AsciiEscape(c);
      if (escape != nullptr) out->append(escape);
      else AppendU16Escape(c, out);
      start = ++i;
      continue;
    }
    char32_t cp;
    const size_t len = DecodeUtf8(s, i, &cp);
    if (len == 0) return false;
    if (!NeedsUnicodeEscape(cp)) {
      out->append(s.data() + i, len);
    } else if (cp < 0x10000) {
      AppendU16Escape(cp, out);
    } else {
      AppendU16Escape(0xd800 + ((cp - 0x10000) >> 10), out);
      AppendU16Escape(0xdc00 + (cp & 0x3ff), out);
    }
    start = i += len;
  }
  out->append(s.data() + start, s.size() - start);
  out->push_back('"');
  return true;
}

// ---------------------------------------------------------------------------
// Timestamps: written through protobuf's own time util, which the JSON
// util's converter formats them with; read by the codec (below).

// As the util writes a Timestamp: "2026-01-01T00:00:00.500Z", quoted. False
// when out of range (the util's error).
bool AppendTimestamp(int64_t seconds, int32_t nanos, std::string* out) {
  if (seconds < TimeUtil::kTimestampMinSeconds || seconds > TimeUtil::kTimestampMaxSeconds ||
      nanos < 0 || nanos > 999999999) {
    return false;
  }
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(seconds);
  timestamp.set_nanos(nanos);
  absl::StrAppend(out, "\"", TimeUtil::ToString(timestamp), "\"");
  return true;
}

// Reads exactly `width` digits of `s` at *pos into a number in [lo, hi].
bool ReadFixedDigits(absl::string_view s, size_t* pos, int width, int lo, int hi,
                     int* value) {
  if (s.size() < *pos + width) return false;
  *value = 0;
  for (int k = 0; k < width; ++k) {
    const char c = s[*pos + k];
    if (c < '0' || c > '9') return false;
    *value = *value * 10 + (c - '0');
  }
  *pos += width;
  return *value >= lo && *value <= hi;
}

bool Expect(absl::string_view s, size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

// "YYYY-MM-DDTHH:MM:SS" with a valid date, into seconds since the epoch.
bool ParseDateTime(absl::string_view s, size_t* pos, int64_t* seconds) {
  int year, month, day, hour, minute, second;
  if (!ReadFixedDigits(s, pos, 4, 1, 9999, &year) || !Expect(s, pos, '-') ||
      !ReadFixedDigits(s, pos, 2, 1, 12, &month) || !Expect(s, pos, '-') ||
      !ReadFixedDigits(s, pos, 2, 1, 31, &day) || !Expect(s, pos, 'T') ||
      !ReadFixedDigits(s, pos, 2, 0, 23, &hour) || !Expect(s, pos, ':') ||
      !ReadFixedDigits(s, pos, 2, 0, 59, &minute) || !Expect(s, pos, ':') ||
      !ReadFixedDigits(s, pos, 2, 0, 59, &second)) {
    return false;
  }
  const absl::CivilSecond civil(year, month, day, hour, minute, second);
  if (civil.day() != day) return false;  // April 31 became May 1: no such date.
  *seconds = absl::ToUnixSeconds(absl::FromCivil(civil, absl::UTCTimeZone()));
  return true;
}

// The subset of the util's Timestamp forms this codec accepts, read by the
// codec itself (protobuf's TimeUtil::FromString fails a CHECK, rather than
// returning false, on a time an offset takes out of range):
// "YYYY-MM-DDTHH:MM:SS[.1 to 9 digits](Z|+HH:MM|-HH:MM)", in range.
bool ParseTimestamp(absl::string_view s, int64_t* seconds, int32_t* nanos) {
  size_t pos = 0;
  if (!ParseDateTime(s, &pos, seconds)) return false;
  *nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, ++digits) {
      if (digits < 9) *nanos = *nanos * 10 + (s[pos] - '0');
    }
    if (digits == 0 || digits > 9) return false;
    for (; digits < 9; ++digits) *nanos *= 10;
  }
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const bool plus = s[pos++] == '+';
    int hours, minutes;
    if (!ReadFixedDigits(s, &pos, 2, 0, 23, &hours) || !Expect(s, &pos, ':') ||
        !ReadFixedDigits(s, &pos, 2, 0, 59, &minutes)) {
      return false;
    }
    *seconds += (plus ? -60 : 60) * (hours * 60 + minutes);
  } else if (!Expect(s, &pos, 'Z')) {
    return false;
  }
  return pos == s.size() && *seconds >= TimeUtil::kTimestampMinSeconds &&
         *seconds <= TimeUtil::kTimestampMaxSeconds;
}

// ---------------------------------------------------------------------------
// Plans.

// Only generated types are planned, so every Timestamp is the generated one.
bool IsTimestamp(const Descriptor* d) {
  return d == google::protobuf::Timestamp::descriptor();
}
const FieldDescriptor* TimestampSeconds() {
  static const FieldDescriptor* const field =
      google::protobuf::Timestamp::descriptor()->FindFieldByNumber(1);
  return field;
}
const FieldDescriptor* TimestampNanos() {
  static const FieldDescriptor* const field =
      google::protobuf::Timestamp::descriptor()->FindFieldByNumber(2);
  return field;
}

// The kind of a field, or false when the codec does not handle it.
bool KindOf(const FieldDescriptor* field, Kind* kind) {
  if (field->is_map() || field->type() == FieldDescriptor::TYPE_GROUP) return false;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: *kind = Kind::kInt32; return true;
    case FieldDescriptor::CPPTYPE_INT64: *kind = Kind::kInt64; return true;
    case FieldDescriptor::CPPTYPE_UINT32: *kind = Kind::kUint32; return true;
    case FieldDescriptor::CPPTYPE_UINT64: *kind = Kind::kUint64; return true;
    case FieldDescriptor::CPPTYPE_FLOAT: *kind = Kind::kFloat; return true;
    case FieldDescriptor::CPPTYPE_DOUBLE: *kind = Kind::kDouble; return true;
    case FieldDescriptor::CPPTYPE_BOOL: *kind = Kind::kBool; return true;
    case FieldDescriptor::CPPTYPE_STRING:
      *kind = field->type() == FieldDescriptor::TYPE_BYTES ? Kind::kBytes : Kind::kString;
      return true;
    case FieldDescriptor::CPPTYPE_ENUM:
      // NullValue is written as null: left to the util.
      *kind = Kind::kEnum;
      return field->enum_type()->full_name() != "google.protobuf.NullValue";
    case FieldDescriptor::CPPTYPE_MESSAGE:
      *kind = IsTimestamp(field->message_type()) ? Kind::kTimestamp : Kind::kMessage;
      return true;
  }
  return false;
}

// Whether the message type itself (not what it reaches) can be handled:
// proto3, no extensions, not one of the types the util writes specially,
// and keys that resolve as the util resolves them.
bool MessageTypeSupported(const Descriptor* d) {
  if (d->file()->syntax() != google::protobuf::FileDescriptor::SYNTAX_PROTO3) return false;
  if (absl::StartsWith(d->full_name(), "google.protobuf.")) return false;
  if (d->extension_range_count() > 0 || d->field_count() > kMaxFields) return false;
  return d->oneof_decl_count() <= kMaxOneofs;
}

// Fills plan->fields and plan->by_key; false if a field is not handled or
// two keys collide (the util would pick one by rules not worth copying).
bool FillFields(MessagePlan* plan) {
  const Descriptor* d = plan->descriptor;
  for (int i = 0; i < d->field_count(); ++i) {
    FieldPlan f;
    f.field = d->field(i);
    if (!KindOf(f.field, &f.kind)) return false;
    f.repeated = f.field->is_repeated();
    f.has_presence = !f.repeated && f.field->has_presence();
    if (f.field->containing_oneof() != nullptr) f.oneof = f.field->containing_oneof()->index();
    if (!AppendStringAsTheUtil(f.field->json_name(), &f.key)) return false;
    f.key.push_back(':');
    plan->fields.push_back(std::move(f));
  }
  std::sort(plan->fields.begin(), plan->fields.end(),
            [](const FieldPlan& a, const FieldPlan& b) {
              return a.field->number() < b.field->number();
            });
  for (int i = 0; i < static_cast<int>(plan->fields.size()); ++i) {
    const FieldDescriptor* field = plan->fields[i].field;
    if (!plan->by_key.try_emplace(field->json_name(), i).second) return false;
    if (field->name() != field->json_name() &&
        !plan->by_key.try_emplace(field->name(), i).second) {
      return false;
    }
  }
  return true;
}

// Every plan, built under a lock the first time its type is seen and kept
// for the life of the process.
class PlanCache {
 public:
  // Each thread keeps the plans it has looked up: a call's lookup takes no
  // lock once its thread has seen the type.
  const MessagePlan* Get(const Descriptor* d) {
    thread_local absl::flat_hash_map<const Descriptor*, const MessagePlan*> known;
    if (auto it = known.find(d); it != known.end()) return it->second;
    const MessagePlan* plan;
    {
      absl::MutexLock lock(&mu_);
      plan = Find(d);
      if (plan == nullptr) plan = Build(d);
    }
    known.emplace(d, plan);
    return plan;
  }

 private:
  using Fresh = absl::flat_hash_map<const Descriptor*, std::unique_ptr<MessagePlan>>;

  const MessagePlan* Find(const Descriptor* d) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = plans_.find(d);
    return it == plans_.end() ? nullptr : it->second.get();
  }
  const MessagePlan* Build(const Descriptor* root) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Collect(const Descriptor* d, Fresh* fresh) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  // Never changed once in: threads hold pointers to them.
  absl::flat_hash_map<const Descriptor*, std::unique_ptr<MessagePlan>> plans_
      ABSL_GUARDED_BY(mu_);
};

// Makes a plan for `d` and every message type it reaches that has none yet.
void PlanCache::Collect(const Descriptor* d, Fresh* fresh) {
  if (Find(d) != nullptr || fresh->contains(d)) return;
  MessagePlan* plan = ((*fresh)[d] = std::make_unique<MessagePlan>()).get();
  plan->descriptor = d;
  plan->supported = MessageTypeSupported(d) && FillFields(plan);
  if (!plan->supported) return;
  for (const FieldPlan& f : plan->fields) {
    if (f.kind == Kind::kMessage) Collect(f.field->message_type(), fresh);
  }
}

const MessagePlan* PlanCache::Build(const Descriptor* root) {
  Fresh fresh;
  Collect(root, &fresh);
  const auto plan_of = [&](const Descriptor* d) -> MessagePlan* {
    auto it = fresh.find(d);
    return it != fresh.end() ? it->second.get() : plans_.at(d).get();
  };
  for (auto& [d, plan] : fresh) {
    for (FieldPlan& f : plan->fields) {
      if (f.kind == Kind::kMessage) f.message = plan_of(f.field->message_type());
    }
  }
  // A type is supported only if everything it reaches is: spread the
  // unsupported ones up until nothing changes (types may be recursive).
  for (bool changed = true; changed;) {
    changed = false;
    for (auto& [d, plan] : fresh) {
      if (!plan->supported) continue;
      for (const FieldPlan& f : plan->fields) {
        if (f.kind == Kind::kMessage && !f.message->supported) {
          plan->supported = false;
          changed = true;
          break;
        }
      }
    }
  }
  const MessagePlan* result = plan_of(root);
  for (auto& [d, plan] : fresh) plans_.emplace(d, std::move(plan));
  return result;
}

// The plan of `d`, or nullptr. Only the generated pool's types, which live
// as long as the process, are planned.
const MessagePlan* PlanFor(const Descriptor* d) {
  if (d->file()->pool() != google::protobuf::DescriptorPool::generated_pool()) return nullptr;
  static PlanCache* const cache = new PlanCache();
  const MessagePlan* plan = cache->Get(d);
  return plan != nullptr && plan->supported ? plan : nullptr;
}

// ---------------------------------------------------------------------------
// Printing, as the util's ProtoStreamObjectSource over the serialized
// message: set fields in field-number order, defaults of fields without
// presence left out.

class Printer {
 public:
  explicit Printer(std::string* out) : out_(out) {}

  bool Message(const MessagePlan& plan, const google::protobuf::Message& message, int depth);

 private:
  bool Field(const FieldPlan& f, const google::protobuf::Message& message, int depth);
  bool Value(const FieldPlan& f, const google::protobuf::Message& message, int index,
             int depth);
  bool Number(const FieldPlan& f, const google::protobuf::Message& message, int index);
  bool Text(const FieldPlan& f, const google::protobuf::Message& message, int index);
  bool Timestamp(const google::protobuf::Message& timestamp);
  void Floating(double value, bool is_float);

  std::string* out_;
  std::string scratch_;
  std::string base64_;  // A bytes value's text, reused.
};

bool Printer::Message(const MessagePlan& plan, const google::protobuf::Message& message,
                      int depth) {
  if (depth > kMaxDepth) return false;
  const Reflection* reflection = message.GetReflection();
  if (!reflection->GetUnknownFields(message).empty()) return false;
  out_->push_back('{');
  const size_t empty_size = out_->size();
  for (const FieldPlan& f : plan.fields) {
    if (f.repeated) {
      if (reflection->FieldSize(message, f.field) == 0) continue;
    } else if (f.has_presence) {
      if (!reflection->HasField(message, f.field)) continue;
    } else if (f.kind == Kind::kFloat || f.kind == Kind::kDouble) {
      const double value = f.kind == Kind::kFloat ? reflection->GetFloat(message, f.field)
                                                  : reflection->GetDouble(message, f.field);
      // -0.0: whether it is serialized differs between protobuf's code paths.
      if (value == 0 && std::signbit(value)) return false;
      if (value == 0) continue;
    } else if (!reflection->HasField(message, f.field)) {
      continue;
    }
    if (out_->size() != empty_size) out_->push_back(',');
    out_->append(f.key);
    if (!Field(f, message, depth)) return false;
  }
  out_->push_back('}');
  return true;
}

bool Printer::Field(const FieldPlan& f, const google::protobuf::Message& message, int depth) {
  if (!f.repeated) return Value(f, message, -1, depth);
  out_->push_back('[');
  const int size = message.GetReflection()->FieldSize(message, f.field);
  for (int i = 0; i < size; ++i) {
    if (i > 0) out_->push_back(',');
    if (!Value(f, message, i, depth)) return false;
  }
  out_->push_back(']');
  return true;
}

// One value of `f`: element `index` of a repeated field, or the field (-1).
bool Printer::Value(const FieldPlan& f, const google::protobuf::Message& message, int index,
                    int depth) {
  const Reflection* r = message.GetReflection();
  switch (f.kind) {
    case Kind::kMessage:
    case Kind::kTimestamp: {
      const google::protobuf::Message& sub =
          index < 0 ? r->GetMessage(message, f.field)
                    : r->GetRepeatedMessage(message, f.field, index);
      return f.kind == Kind::kTimestamp ? Timestamp(sub) : Message(*f.message, sub, depth + 1);
    }
    case Kind::kString:
    case Kind::kBytes:
    case Kind::kEnum:
      return Text(f, message, index);
    case Kind::kBool: {
      const bool value = index < 0 ? r->GetBool(message, f.field)
                                   : r->GetRepeatedBool(message, f.field, index);
      out_->append(value ? "true" : "false");
      return true;
    }
    default:
      return Number(f, message, index);
  }
}

bool Printer::Number(const FieldPlan& f, const google::protobuf::Message& message, int index) {
  const Reflection* r = message.GetReflection();
  const FieldDescriptor* fd = f.field;
  const bool one = index < 0;
  switch (f.kind) {
    case Kind::kInt32:
      absl::StrAppend(out_, one ? r->GetInt32(message, fd) : r->GetRepeatedInt32(message, fd, index));
      return true;
    case Kind::kUint32:
      absl::StrAppend(out_, one ? r->GetUInt32(message, fd) : r->GetRepeatedUInt32(message, fd, index));
      return true;
    case Kind::kInt64:
      absl::StrAppend(out_, "\"", one ? r->GetInt64(message, fd) : r->GetRepeatedInt64(message, fd, index), "\"");
      return true;
    case Kind::kUint64:
      absl::StrAppend(out_, "\"", one ? r->GetUInt64(message, fd) : r->GetRepeatedUInt64(message, fd, index), "\"");
      return true;
    case Kind::kFloat:
      Floating(one ? r->GetFloat(message, fd) : r->GetRepeatedFloat(message, fd, index), true);
      return true;
    case Kind::kDouble:
      Floating(one ? r->GetDouble(message, fd) : r->GetRepeatedDouble(message, fd, index), false);
      return true;
    default:
      return false;
  }
}

// As the util: SimpleFtoa / SimpleDtoa, and the non-finite values quoted.
void Printer::Floating(double value, bool is_float) {
  if (std::isnan(value)) {
    out_->append("\"NaN\"");
  } else if (std::isinf(value)) {
    out_->append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  } else if (is_float) {
    out_->append(google::protobuf::SimpleFtoa(static_cast<float>(value)));
  } else {
    out_->append(google::protobuf::SimpleDtoa(value));
  }
}

bool Printer::Text(const FieldPlan& f, const google::protobuf::Message& message, int index) {
  const Reflection* r = message.GetReflection();
  if (f.kind == Kind::kEnum) {
    const int number = index < 0 ? r->GetEnumValue(message, f.field)
                                 : r->GetRepeatedEnumValue(message, f.field, index);
    const auto* value = f.field->enum_type()->FindValueByNumber(number);
    if (value == nullptr) {
      absl::StrAppend(out_, number);  // The util writes unknown values as numbers.
      return true;
    }
    return AppendStringAsTheUtil(value->name(), out_);
  }
  const std::string& text = index < 0 ? r->GetStringReference(message, f.field, &scratch_)
                                      : r->GetRepeatedStringReference(message, f.field, index,
                                                                      &scratch_);
  if (f.kind == Kind::kString) return AppendStringAsTheUtil(text, out_);
  out_->push_back('"');
  absl::Base64Escape(text, &base64_);
  out_->append(base64_);
  out_->push_back('"');
  return true;
}

bool Printer::Timestamp(const google::protobuf::Message& timestamp) {
  const Reflection* r = timestamp.GetReflection();
  if (!r->GetUnknownFields(timestamp).empty()) return false;
  return AppendTimestamp(r->GetInt64(timestamp, TimestampSeconds()),
                         r->GetInt32(timestamp, TimestampNanos()), out_);
}

// ---------------------------------------------------------------------------
// Parsing: a strict subset of what the util's JsonStreamParser and
// ProtoStreamObjectWriter accept, filling the message through reflection.

// A JSON number as the util's parser classifies it: an integer literal that
// fits uint64 (non-negative) or int64 (negative), or a finite double.
struct JsonNumber {
  enum Type { kUint, kInt, kDouble } type = kUint;
  uint64_t u = 0;
  int64_t i = 0;
  double d = 0;
};

// Which fields and oneofs an object has named so far.
class Seen {
 public:
  // False if `field` or another member of `oneof` was named before.
  bool Mark(int field, int oneof) {
    uint64_t& word = fields_[field / 64];
    const uint64_t bit = uint64_t{1} << (field % 64);
    if (word & bit) return false;
    word |= bit;
    if (oneof < 0) return true;
    const uint64_t oneof_bit = uint64_t{1} << oneof;
    if (oneofs_ & oneof_bit) return false;
    oneofs_ |= oneof_bit;
    return true;
  }

 private:
  uint64_t fields_[kMaxFields / 64] = {};
  uint64_t oneofs_ = 0;
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// As protobuf's JSON parser writes a \u escape's code point.
void AppendUtf8(uint32_t cp, std::string* out) {
  char utf8[google::protobuf::UTFmax];
  out->append(utf8, google::protobuf::EncodeAsUTF8Char(cp, utf8));
}

// Canonical standard base64 with padding, the form the util writes; the
// util decodes it to the same bytes. False for anything else.
bool DecodeBase64(absl::string_view s, std::string* out) {
  return absl::Base64Unescape(s, out) && absl::Base64Escape(*out) == s;
}

// A double as the util narrows it to float (util/internal/datapiece.cc):
// values just past float's range that round to its largest value are
// taken. False where the util reports an error.
bool DoubleToFloat(double value, float* out) {
  constexpr float kMax = std::numeric_limits<float>::max();
  if (!std::isfinite(value) || (value <= kMax && value >= -kMax)) {
    *out = static_cast<float>(value);
    return true;
  }
  const double half = value * 0.5;
  if (!(half < kMax && half > -kMax)) return false;
  const float half_after = static_cast<float>(half);
  if (!(half_after <= kMax * 0.5f && half_after >= -kMax * 0.5f)) return false;
  *out = half_after + half_after;
  return true;
}

class Parser {
 public:
  Parser(absl::string_view json, bool ignore_unknown_fields)
      : p_(json.data()), end_(json.data() + json.size()),
        ignore_unknown_fields_(ignore_unknown_fields) {}

  bool Root(const MessagePlan& plan, Message* message) {
    if (!Object(plan, message, 1)) return false;
    SkipSpace();
    return p_ == end_;
  }

 private:
  void SkipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool Consume(char c) {
    SkipSpace();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  bool Word(absl::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  bool Object(const MessagePlan& plan, Message* message, int depth);
  bool Member(const MessagePlan& plan, Message* message, int depth, Seen* seen);
  bool Field(const FieldPlan& f, Message* message, int depth);
  bool Element(const FieldPlan& f, Message* message, bool add, int depth);
  bool Text(const FieldPlan& f, Message* message, bool add);
  bool EnumNumber(const FieldPlan& f, Message* message, bool add);
  bool Timestamp(const FieldPlan& f, Message* message, bool add);
  bool Scalar(const FieldPlan& f, Message* message, bool add);
  bool QuotedScalar(const FieldPlan& f, Message* message, bool add);
  bool SetNumber(const FieldPlan& f, const JsonNumber& n, Message* message, bool add);
  bool String(absl::string_view* out);
  bool Escape();
  bool Unicode();
  bool Number(JsonNumber* n);
  bool Skip(int depth);

  const char* p_;
  const char* const end_;
  const bool ignore_unknown_fields_;
  std::string storage_;  // A string with escapes, decoded.
  std::string bytes_;    // A bytes value, decoded.
};

bool Parser::Object(const MessagePlan& plan, Message* message, int depth) {
  if (depth > kMaxDepth || !Consume('{')) return false;
  if (Consume('}')) return true;
  Seen seen;
  do {
    if (!Member(plan, message, depth, &seen)) return false;
  } while (Consume(','));
  return Consume('}');
}

bool Parser::Member(const MessagePlan& plan, Message* message, int depth, Seen* seen) {
  SkipSpace();
  absl::string_view key;
  // The util refuses an empty key whatever the options.
  if (!String(&key) || key.empty() || !Consume(':')) return false;
  const auto it = plan.by_key.find(key);
  if (it == plan.by_key.end()) return ignore_unknown_fields_ && Skip(depth + 1);
  const FieldPlan& f = plan.fields[it->second];
  return seen->Mark(it->second, f.oneof) && Field(f, message, depth);
}

// A field's value. null leaves the field unset, as the util does.
bool Parser::Field(const FieldPlan& f, Message* message, int depth) {
  SkipSpace();
  if (Word("null")) return true;
  if (!f.repeated) return Element(f, message, false, depth);
  if (!Consume('[')) return false;  // The util's scalar-as-list form is left to it.
  if (Consume(']')) return true;
  do {
    SkipSpace();
    if (!Element(f, message, true, depth)) return false;
  } while (Consume(','));
  return Consume(']');
}

// One value: the field's (add false) or a new element of it (add true).
bool Parser::Element(const FieldPlan& f, Message* message, bool add, int depth) {
  const Reflection* r = message->GetReflection();
  switch (f.kind) {
    case Kind::kMessage: {
      Message* sub = add ? r->AddMessage(message, f.field) : r->MutableMessage(message, f.field);
      return Object(*f.message, sub, depth + 1);
    }
    case Kind::kTimestamp:
      return Timestamp(f, message, add);
    case Kind::kEnum:
      if (p_ < end_ && *p_ != '"') return EnumNumber(f, message, add);
      return Text(f, message, add);
    case Kind::kString:
    case Kind::kBytes:
      return Text(f, message, add);
    case Kind::kBool: {
      bool value;
      if (Word("true")) value = true;
      else if (Word("false")) value = false;
      else return false;
      if (add) r->AddBool(message, f.field, value);
      else r->SetBool(message, f.field, value);
      return true;
    }
    default:
      return Scalar(f, message, add);
  }
}

bool Parser::Text(const FieldPlan& f, Message* message, bool add) {
  const Reflection* r = message->GetReflection();
  absl::string_view text;
  if (!String(&text)) return false;
  if (f.kind == Kind::kEnum) {
    const auto* value = f.field->enum_type()->FindValueByName(std::string(text));
    if (value == nullptr) return false;  // Numbers, unknown names: the util's rules.
    if (add) r->AddEnumValue(message, f.field, value->number());
    else r->SetEnumValue(message, f.field, value->number());
    return true;
  }
  if (f.kind == Kind::kBytes) {
    if (!DecodeBase64(text, &bytes_)) return false;
    text = bytes_;
  }
  if (add) r->AddString(message, f.field, std::string(text));
  else r->SetString(message, f.field, std::string(text));
  return true;
}

// An enum value given as a number: any int32, as the util takes it (proto3
// enums keep numbers they do not name).
bool Parser::EnumNumber(const FieldPlan& f, Message* message, bool add) {
  JsonNumber n;
  if (!Number(&n)) return false;
  if (!(n.type == JsonNumber::kUint && n.u <= INT32_MAX) &&
      !(n.type == JsonNumber::kInt && n.i >= INT32_MIN)) {
    return false;
  }
  const int number = n.type == JsonNumber::kUint ? static_cast<int>(n.u) : static_cast<int>(n.i);
  const Reflection* r = message->GetReflection();
  if (add) r->AddEnumValue(message, f.field, number);
  else r->SetEnumValue(message, f.field, number);
  return true;
}

bool Parser::Timestamp(const FieldPlan& f, Message* message, bool add) {
  absl::string_view text;
  int64_t seconds;
  int32_t nanos;
  if (!String(&text) || !ParseTimestamp(text, &seconds, &nanos)) return false;
  const Reflection* r = message->GetReflection();
  Message* sub = add ? r->AddMessage(message, f.field) : r->MutableMessage(message, f.field);
  sub->GetReflection()->SetInt64(sub, TimestampSeconds(), seconds);
  sub->GetReflection()->SetInt32(sub, TimestampNanos(), nanos);
  return true;
}

bool Parser::Scalar(const FieldPlan& f, Message* message, bool add) {
  if (p_ < end_ && *p_ == '"') return QuotedScalar(f, message, add);
  JsonNumber n;
  return Number(&n) && SetNumber(f, n, message, add);
}

// Numbers in strings: canonical decimal integers for the integer kinds,
// "NaN", "Infinity" and "-Infinity" for float and double.
bool Parser::QuotedScalar(const FieldPlan& f, Message* message, bool add) {
  absl::string_view text;
  if (!String(&text)) return false;
  JsonNumber n;
  if (f.kind == Kind::kFloat || f.kind == Kind::kDouble) {
    n.type = JsonNumber::kDouble;
    if (text == "NaN") n.d = std::numeric_limits<double>::quiet_NaN();
    else if (text == "Infinity") n.d = std::numeric_limits<double>::infinity();
    else if (text == "-Infinity") n.d = -std::numeric_limits<double>::infinity();
    else return false;
    return SetNumber(f, n, message, add);
  }
  // An integer: the digits must be the whole string, without "-0".
  Parser digits(text, false);
  const bool ok = digits.Number(&n) && digits.p_ == digits.end_ &&
                  n.type != JsonNumber::kDouble && !(n.type == JsonNumber::kInt && n.i == 0);
  return ok && SetNumber(f, n, message, add);
}

template <typename T>
void SetOrAdd(const Reflection* r, Message* message, const FieldDescriptor* field, bool add,
              T value, void (Reflection::*set)(Message*, const FieldDescriptor*, T) const,
              void (Reflection::*add_fn)(Message*, const FieldDescriptor*, T) const) {
  (r->*(add ? add_fn : set))(message, field, value);
}

// Stores `n` in `f` if it converts exactly, as the util converts it.
bool Parser::SetNumber(const FieldPlan& f, const JsonNumber& n, Message* message, bool add) {
  const Reflection* r = message->GetReflection();
  const FieldDescriptor* fd = f.field;
  const bool is_uint = n.type == JsonNumber::kUint, is_int = n.type == JsonNumber::kInt;
  switch (f.kind) {
    case Kind::kInt32:
      if (!(is_uint && n.u <= INT32_MAX) && !(is_int && n.i >= INT32_MIN)) return false;
      SetOrAdd<int32_t>(r, message, fd, add, is_uint ? static_cast<int32_t>(n.u) : static_cast<int32_t>(n.i),
                        &Reflection::SetInt32, &Reflection::AddInt32);
      return true;
    case Kind::kInt64:
      if (!(is_uint && n.u <= INT64_MAX) && !is_int) return false;
      SetOrAdd<int64_t>(r, message, fd, add, is_uint ? static_cast<int64_t>(n.u) : n.i,
                        &Reflection::SetInt64, &Reflection::AddInt64);
      return true;
    case Kind::kUint32:
      if (!(is_uint && n.u <= UINT32_MAX) && !(is_int && n.i == 0)) return false;
      SetOrAdd<uint32_t>(r, message, fd, add, static_cast<uint32_t>(is_uint ? n.u : 0),
                         &Reflection::SetUInt32, &Reflection::AddUInt32);
      return true;
    case Kind::kUint64:
      if (!is_uint && !(is_int && n.i == 0)) return false;
      SetOrAdd<uint64_t>(r, message, fd, add, is_uint ? n.u : 0, &Reflection::SetUInt64,
                         &Reflection::AddUInt64);
      return true;
    case Kind::kDouble:
      SetOrAdd<double>(r, message, fd, add,
                       is_uint ? static_cast<double>(n.u) : is_int ? static_cast<double>(n.i) : n.d,
                       &Reflection::SetDouble, &Reflection::AddDouble);
      return true;
    case Kind::kFloat: {
      // The util narrows integers straight to float, doubles as below.
      float value;
      if (is_uint) value = static_cast<float>(n.u);
      else if (is_int) value = static_cast<float>(n.i);
      else if (!DoubleToFloat(n.d, &value)) return false;
      SetOrAdd<float>(r, message, fd, add, value, &Reflection::SetFloat, &Reflection::AddFloat);
      return true;
    }
    default:
      return false;
  }
}

// A JSON string at p_ (which must be its opening quote). The result points
// into the input, or into storage_ when the string has escapes.
bool Parser::String(absl::string_view* out) {
  if (p_ == end_ || *p_ != '"') return false;
  const char* start = ++p_;
  while (p_ < end_ && *p_ != '"' && *p_ != '\\') {
    if (static_cast<unsigned char>(*p_) < 0x20) return false;  // The util allows them; JSON does not.
    ++p_;
  }
  if (p_ == end_) return false;
  if (*p_ == '"') {
    *out = absl::string_view(start, p_++ - start);
    return true;
  }
  storage_.assign(start, p_ - start);
  while (p_ < end_ && *p_ != '"') {
    if (static_cast<unsigned char>(*p_) < 0x20) return false;
    if (*p_ != '\\') {
      storage_.push_back(*p_++);
    } else if (!Escape()) {
      return false;
    }
  }
  if (p_ == end_) return false;
  ++p_;
  *out = storage_;
  return true;
}

// The escape at p_, JSON's own only.
bool Parser::Escape() {
  if (end_ - p_ < 2) return false;
  char c;
  switch (p_[1]) {
    case '"': c = '"'; break;
    case '\\': c = '\\'; break;
    case '/': c = '/'; break;
    case 'b': c = '\b'; break;
    case 'f': c = '\f'; break;
    case 'n': c = '\n'; break;
    case 'r': c = '\r'; break;
    case 't': c = '\t'; break;
    case 'u': return Unicode();
    default: return false;
  }
  storage_.push_back(c);
  p_ += 2;
  return true;
}

// \uXXXX at p_, or a surrogate pair \uD8xx\uDCxx. A lone surrogate is left
// to the util.
bool Parser::Unicode() {
  const auto unit = [&](const char* at, uint32_t* value) {
    if (end_ - at < 6 || at[0] != '\\' || at[1] != 'u') return false;
    *value = 0;
    for (int k = 2; k < 6; ++k) {
      const int digit = HexValue(at[k]);
      if (digit < 0) return false;
      *value = *value << 4 | digit;
    }
    return true;
  };
  uint32_t cp;
  if (!unit(p_, &cp)) return false;
  p_ += 6;
  if (cp >= 0xdc00 && cp <= 0xdfff) return false;
  if (cp >= 0xd800 && cp <= 0xdbff) {
    uint32_t low;
    if (!unit(p_, &low) || low < 0xdc00 || low > 0xdfff) return false;
    p_ += 6;
    cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
  }
  AppendUtf8(cp, &storage_);
  return true;
}

// A JSON number at p_ (strict grammar: no leading zeros, no '+').
bool Parser::Number(JsonNumber* n) {
  const char* start = p_;
  const bool negative = p_ < end_ && *p_ == '-';
  if (negative) ++p_;
  if (p_ == end_ || !IsDigit(*p_)) return false;
  const char* digits = p_;
  if (*p_ == '0') ++p_;
  else while (p_ < end_ && IsDigit(*p_)) ++p_;
  const char* digits_end = p_;
  bool floating = false;
  if (p_ < end_ && *p_ == '.') {
    floating = true;
    if (++p_ == end_ || !IsDigit(*p_)) return false;
    while (p_ < end_ && IsDigit(*p_)) ++p_;
  }
  if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
    floating = true;
    if (++p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
    if (p_ == end_ || !IsDigit(*p_)) return false;
    while (p_ < end_ && IsDigit(*p_)) ++p_;
  }
  if (floating) {
    n->type = JsonNumber::kDouble;
    return google::protobuf::safe_strtod(std::string(start, p_ - start), &n->d) &&
           std::isfinite(n->d);
  }
  uint64_t magnitude = 0;
  for (const char* d = digits; d < digits_end; ++d) {
    const uint64_t digit = *d - '0';
    if (magnitude > (std::numeric_limits<uint64_t>::max() - digit) / 10) return false;
    magnitude = magnitude * 10 + digit;
  }
  if (!negative) {
    n->type = JsonNumber::kUint;
    n->u = magnitude;
    return true;
  }
  if (magnitude > uint64_t{1} << 63) return false;
  n->type = JsonNumber::kInt;
  n->i = magnitude == uint64_t{1} << 63 ? std::numeric_limits<int64_t>::min()
                                        : -static_cast<int64_t>(magnitude);
  return true;
}

// Any JSON value, checked as the util would check it, and dropped (the value
// of a field the message does not have).
bool Parser::Skip(int depth) {
  if (depth > kMaxDepth) return false;
  SkipSpace();
  if (p_ == end_) return false;
  absl::string_view text;
  JsonNumber n;
  switch (*p_) {
    case '"': return String(&text);
    case 't': return Word("true");
    case 'f': return Word("false");
    case 'n': return Word("null");
    case '{':
      ++p_;
      if (Consume('}')) return true;
      do {
        SkipSpace();
        if (!String(&text) || text.empty() || !Consume(':') || !Skip(depth + 1)) return false;
      } while (Consume(','));
      return Consume('}');
    case '[':
      ++p_;
      if (Consume(']')) return true;
      do {
        if (!Skip(depth + 1)) return false;
      } while (Consume(','));
      return Consume(']');
    default:
      return Number(&n);
  }
}

}  // namespace

bool TryPrintJsonFast(const google::protobuf::Message& message, std::string* json) {
  const MessagePlan* plan = PlanFor(message.GetDescriptor());
  if (plan == nullptr) return false;
  json->clear();
  return Printer(json).Message(*plan, message, 1);
}

bool TryParseJsonFast(absl::string_view json, google::protobuf::Message* message,
                      bool ignore_unknown_fields) {
  const MessagePlan* plan = PlanFor(message->GetDescriptor());
  if (plan == nullptr) return false;
  // The util refuses input that is not UTF-8 as a whole.
  if (!google::protobuf::internal::IsStructurallyValidUTF8(json.data(),
                                                           static_cast<int>(json.size()))) {
    return false;
  }
  // The util replaces the message on success and leaves it alone on error:
  // parse into an empty message, with what it held set aside meanwhile.
  google::protobuf::Arena* arena = message->GetArena();
  Message* held = nullptr;
  if (message->ByteSizeLong() != 0) {
    held = message->New(arena);
    message->GetReflection()->Swap(message, held);
  }
  const bool handled = Parser(json, ignore_unknown_fields).Root(*plan, message);
  if (!handled) {
    message->Clear();
    if (held != nullptr) message->GetReflection()->Swap(message, held);
  }
  if (arena == nullptr) delete held;
  return handled;
}

bool JsonCodecSupports(const Descriptor* descriptor) {
  return PlanFor(descriptor) != nullptr;
}

}  // namespace gateway_proxy
