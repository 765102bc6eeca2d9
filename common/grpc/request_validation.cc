#include "common/grpc/request_validation.h"

#include <optional>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/text/utf8.h"
#include "google/protobuf/descriptor.h"
#include "parley/api/v1/field_options.pb.h"

namespace parley::api {
namespace {

namespace pb = google::protobuf;
using parley::api::v1::StringFormat;

// google.protobuf.Timestamp's valid range: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;
// google.protobuf.Duration's: about ±10,000 years.
constexpr int64_t kMaxDurationSeconds = 315576000000;
constexpr int32_t kMaxNanos = 999999999;
// The default window for instants: nothing Parley handles happened before 2000 or is due after 2100.
constexpr int64_t kDefaultNotBefore = 946684800;  // 2000-01-01T00:00:00Z
constexpr int64_t kDefaultNotAfter = 4102444800;  // 2100-01-01T00:00:00Z
constexpr uint32_t kMaxEmailChars = 254;
constexpr uint32_t kMaxLanguageTagChars = 35;
constexpr uint32_t kMaxResourceNameChars = 256;
constexpr uint32_t kMaxPhoneChars = 20;

enum class Kind : uint8_t { kString, kBytes, kEnum, kSigned, kUnsigned, kMessage, kTimestamp, kDuration, kOther };

struct MessagePlan;

// What to check on one field, worked out once from its descriptor and options.
struct FieldPlan {
  const pb::FieldDescriptor* field = nullptr;
  Kind kind = Kind::kOther;
  bool repeated = false;
  bool presence = false;  // HasField tells whether it is set
  bool required = false;
  StringFormat format = parley::api::v1::STRING_FORMAT_UNSPECIFIED;
  uint32_t max_length = 0;  // characters for strings, bytes for bytes; 0 = none
  uint32_t max_items = 0;   // 0 = none
  bool has_min = false;
  bool has_max = false;
  int64_t min = 0;
  int64_t max = 0;
  int64_t not_before = kDefaultNotBefore;
  int64_t not_after = kDefaultNotAfter;
  std::string window;  // "2000-01-01..2100-01-01", for messages
  // Timestamp / Duration: their two fields (the descriptors of the pool the message came from).
  const pb::FieldDescriptor* seconds = nullptr;
  const pb::FieldDescriptor* nanos = nullptr;
  // kMessage: the plan of the field's type. `masked`: the resource of an update request, whose
  // required fields follow the request's update_mask.
  const MessagePlan* message = nullptr;
  bool masked = false;
};

struct MessagePlan {
  std::vector<FieldPlan> fields;
  std::vector<const pb::OneofDescriptor*> required_oneofs;
  const pb::FieldDescriptor* update_mask = nullptr;
  const pb::FieldDescriptor* mask_paths = nullptr;  // FieldMask.paths
};

// ---- paths and errors ------------------------------------------------------------------------

struct Frame {
  const pb::FieldDescriptor* field;
  int index;  // -1 for a singular field
};
using Path = absl::InlinedVector<Frame, 8>;

std::string PathString(const Path& path) {
  std::string out;
  for (const Frame& frame : path) {
    if (!out.empty()) out.push_back('.');
    out.append(frame.field->name());
    if (frame.index >= 0) absl::StrAppend(&out, "[", frame.index, "]");
  }
  return out;
}

absl::Status Invalid(const Path& path, absl::string_view problem, const char* why = reason::kInvalidField) {
  // A mutation's own request_id keeps the reason integrators already branch on for it.
  const bool request_id = path.size() == 1 && path[0].field->name() == "request_id";
  return InvalidArgument(request_id ? reason::kRequestIdInvalid : why, absl::StrCat(PathString(path), " ", problem));
}

// RAII push/pop of one path frame.
class PathScope {
 public:
  PathScope(Path& path, const pb::FieldDescriptor* field, int index) : path_(path) {
    path_.push_back(Frame{field, index});
  }
  ~PathScope() { path_.pop_back(); }
  PathScope(const PathScope&) = delete;
  PathScope& operator=(const PathScope&) = delete;

 private:
  Path& path_;
};

// ---- strings ---------------------------------------------------------------------------------

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool IsEmail(absl::string_view s) {
  if (s.size() > kMaxEmailChars) return false;
  const size_t at = s.find('@');
  if (at == absl::string_view::npos || at == 0 || at > 64 || s.find('@', at + 1) != absl::string_view::npos) {
    return false;
  }
  const absl::string_view local = s.substr(0, at);
  const absl::string_view domain = s.substr(at + 1);
  for (char c : local) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F || absl::string_view("\"(),:;<>[\\]").find(c) != absl::string_view::npos) return false;
  }
  if (local.front() == '.' || local.back() == '.' || local.find("..") != absl::string_view::npos) return false;
  // Host name labels: 1-63 letters, digits and hyphens (or non-ASCII, for international domains),
  // not starting or ending with a hyphen; at least two labels.
  int labels = 0;
  size_t start = 0;
  while (true) {
    const size_t dot = domain.find('.', start);
    const absl::string_view label =
        domain.substr(start, dot == absl::string_view::npos ? absl::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      const auto u = static_cast<unsigned char>(c);
      if (!(u >= 0x80 || absl::ascii_isalnum(c) || c == '-')) return false;
    }
    ++labels;
    if (dot == absl::string_view::npos) break;
    start = dot + 1;
  }
  return labels >= 2;
}

// BCP 47 in the shape services use: a 2-8 letter language (or "x"/"i" for private use and
// grandfathered tags), then subtags of 1-8 letters and digits.
bool IsLanguageTag(absl::string_view s) {
  if (s.empty() || s.size() > kMaxLanguageTagChars) return false;
  size_t start = 0;
  bool first = true;
  while (true) {
    const size_t dash = s.find('-', start);
    const absl::string_view sub =
        s.substr(start, dash == absl::string_view::npos ? absl::string_view::npos : dash - start);
    if (sub.empty() || sub.size() > 8) return false;
    for (char c : sub) {
      if (first ? !absl::ascii_isalpha(c) : !absl::ascii_isalnum(c)) return false;
    }
    if (first && sub.size() == 1 && sub != "x" && sub != "X" && sub != "i" && sub != "I") return false;
    first = false;
    if (dash == absl::string_view::npos) return true;
    start = dash + 1;
  }
}

bool IsId(absl::string_view s) {
  if (s.empty() || s.size() > 64 || !IsLowerAlnum(s.front())) return false;
  for (char c : s) {
    if (!(IsLowerAlnum(c) || c == '-' || c == '_')) return false;
  }
  return true;
}

bool IsResourceName(absl::string_view s) {
  if (s.empty() || s.size() > kMaxResourceNameChars || s.front() == '/' || s.back() == '/') return false;
  char prev = 0;
  for (char c : s) {
    if (c == '/') {
      if (prev == '/') return false;
    } else if (!(absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')) {
      return false;
    }
    prev = c;
  }
  return true;
}

bool IsUuid(absl::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool ok = (i == 8 || i == 13 || i == 18 || i == 23) ? s[i] == '-' : absl::ascii_isxdigit(s[i]);
    if (!ok) return false;
  }
  return true;
}

bool IsPhone(absl::string_view s) {
  if (s.size() > kMaxPhoneChars) return false;
  bool digit = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (absl::ascii_isdigit(c)) {
      digit = true;
    } else if (!(c == ' ' || (c == '+' && i == 0))) {
      return false;
    }
  }
  return digit;
}

absl::string_view FormatProblem(StringFormat format) {
  switch (format) {
    case parley::api::v1::STRING_FORMAT_EMAIL:
      return "is not an email address";
    case parley::api::v1::STRING_FORMAT_LANGUAGE_TAG:
      return "is not a BCP 47 language tag (\"en\", \"pt-BR\", \"zh-Hant\"; at most 35 characters)";
    case parley::api::v1::STRING_FORMAT_ID:
      return "is not an id (1-64 of a-z, 0-9, '-' and '_', starting with a letter or digit)";
    case parley::api::v1::STRING_FORMAT_RESOURCE_NAME:
      return "is not a resource name (\"schools/{school}/...\")";
    case parley::api::v1::STRING_FORMAT_UUID:
      return "is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)";
    case parley::api::v1::STRING_FORMAT_PHONE:
      return "is not a phone number (digits, spaces and a leading +, at most 20 characters)";
    default:
      return "is malformed";
  }
}

bool MatchesFormat(StringFormat format, absl::string_view s) {
  switch (format) {
    case parley::api::v1::STRING_FORMAT_EMAIL:
      return IsEmail(s);
    case parley::api::v1::STRING_FORMAT_LANGUAGE_TAG:
      return IsLanguageTag(s);
    case parley::api::v1::STRING_FORMAT_ID:
      return IsId(s);
    case parley::api::v1::STRING_FORMAT_RESOURCE_NAME:
      return IsResourceName(s);
    case parley::api::v1::STRING_FORMAT_UUID:
      return IsUuid(s);
    case parley::api::v1::STRING_FORMAT_PHONE:
      return IsPhone(s);
    default:
      return true;
  }
}

// An empty string is the field's absence: `required` decides about it, not the format.
absl::Status CheckString(const FieldPlan& plan, absl::string_view value, const Path& path) {
  if (plan.kind == Kind::kBytes) {
    if (plan.max_length != 0 && value.size() > plan.max_length) {
      return Invalid(path, absl::StrCat("is longer than ", plan.max_length, " bytes"));
    }
    return absl::OkStatus();
  }
  size_t chars = 0;
  const std::optional<size_t> length = text::Utf8Length(value);
  if (!length) return Invalid(path, "is not valid UTF-8");
  chars = *length;
  if (chars > plan.max_length) return Invalid(path, absl::StrCat("is longer than ", plan.max_length, " characters"));
  if (!value.empty() && !MatchesFormat(plan.format, value)) {
    // A name or id of the wrong shape has the reason the handlers' own name checks give it.
    const bool name =
        plan.format == parley::api::v1::STRING_FORMAT_RESOURCE_NAME || plan.format == parley::api::v1::STRING_FORMAT_ID;
    return Invalid(path, FormatProblem(plan.format), name ? reason::kInvalidName : reason::kInvalidField);
  }
  return absl::OkStatus();
}

// ---- numbers, times --------------------------------------------------------------------------

std::string RangeText(const FieldPlan& plan) {
  if (plan.has_min && plan.has_max) return absl::StrCat("is outside ", plan.min, "..", plan.max);
  if (plan.has_min) return absl::StrCat("is less than ", plan.min);
  return absl::StrCat("is more than ", plan.max);
}

absl::Status CheckSigned(const FieldPlan& plan, int64_t value, const Path& path) {
  if ((plan.has_min && value < plan.min) || (plan.has_max && value > plan.max)) return Invalid(path, RangeText(plan));
  return absl::OkStatus();
}

absl::Status CheckUnsigned(const FieldPlan& plan, uint64_t value, const Path& path) {
  constexpr auto kInt64Max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  const bool below = plan.has_min && plan.min > 0 && value < static_cast<uint64_t>(plan.min);
  const bool above = plan.has_max && (plan.max < 0 || (value > kInt64Max || static_cast<int64_t>(value) > plan.max));
  if (below || above) return Invalid(path, RangeText(plan));
  return absl::OkStatus();
}

absl::Status CheckTime(const FieldPlan& plan, const pb::Message& message, const Path& path) {
  const pb::Reflection* reflection = message.GetReflection();
  const int64_t seconds = reflection->GetInt64(message, plan.seconds);
  const int32_t nanos = reflection->GetInt32(message, plan.nanos);
  if (plan.kind == Kind::kTimestamp) {
    if (nanos < 0 || nanos > kMaxNanos || seconds < kMinTimestampSeconds || seconds > kMaxTimestampSeconds) {
      return Invalid(path, "is not a valid timestamp (nanos 0..999999999, years 1..9999)");
    }
    if (seconds < plan.not_before || seconds >= plan.not_after) return Invalid(path, plan.window);
    return absl::OkStatus();
  }
  if (seconds < -kMaxDurationSeconds || seconds > kMaxDurationSeconds || nanos < -kMaxNanos || nanos > kMaxNanos ||
      (seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0)) {
    return Invalid(path, "is not a valid duration (at most 10,000 years; seconds and nanos of the same sign)");
  }
  return absl::OkStatus();
}

// ---- plans -----------------------------------------------------------------------------------

std::string DayOrInstant(int64_t seconds) {
  const absl::Time t = absl::FromUnixSeconds(seconds);
  if (seconds % 86400 == 0) return absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone());
  return absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone());
}

// An RFC 3339 bound from a field option; `fallback` when empty or unreadable (the unit tests
// check that every bound in Parley's protos reads).
int64_t ParseBound(const std::string& text, int64_t fallback) {
  if (text.empty()) return fallback;
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) return fallback;
  return absl::ToUnixSeconds(t);
}

bool IsTimestamp(const pb::Descriptor* d) { return d->full_name() == "google.protobuf.Timestamp"; }
bool IsDuration(const pb::Descriptor* d) { return d->full_name() == "google.protobuf.Duration"; }
bool IsFieldMask(const pb::Descriptor* d) { return d->full_name() == "google.protobuf.FieldMask"; }

FieldPlan PlanField(const pb::FieldDescriptor* field) {
  FieldPlan plan;
  plan.field = field;
  plan.repeated = field->is_repeated();
  plan.presence = field->has_presence();
  const parley::api::v1::FieldRules& rules = field->options().GetExtension(parley::api::v1::field);
  plan.required = rules.required();
  plan.format = rules.format();
  plan.max_items = rules.max_items();
  plan.has_min = rules.has_min();
  plan.has_max = rules.has_max();
  plan.min = rules.min();
  plan.max = rules.max();
  switch (field->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING:
      if (field->type() == pb::FieldDescriptor::TYPE_BYTES) {
        plan.kind = Kind::kBytes;
        plan.max_length = rules.max_length();
      } else {
        plan.kind = Kind::kString;
        plan.max_length = rules.max_length() != 0 ? rules.max_length() : kDefaultMaxStringChars;
      }
      break;
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      plan.kind = Kind::kEnum;
      break;
    case pb::FieldDescriptor::CPPTYPE_INT32:
    case pb::FieldDescriptor::CPPTYPE_INT64:
      plan.kind = Kind::kSigned;
      break;
    case pb::FieldDescriptor::CPPTYPE_UINT32:
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      plan.kind = Kind::kUnsigned;
      break;
    case pb::FieldDescriptor::CPPTYPE_MESSAGE: {
      const pb::Descriptor* type = field->message_type();
      if (IsTimestamp(type) || IsDuration(type)) {
        plan.kind = IsTimestamp(type) ? Kind::kTimestamp : Kind::kDuration;
        plan.seconds = type->FindFieldByNumber(1);
        plan.nanos = type->FindFieldByNumber(2);
        plan.not_before = ParseBound(rules.not_before(), kDefaultNotBefore);
        plan.not_after = ParseBound(rules.not_after(), kDefaultNotAfter);
        plan.window = absl::StrCat("is outside ", DayOrInstant(plan.not_before), "..", DayOrInstant(plan.not_after));
      } else {
        plan.kind = Kind::kMessage;
      }
      break;
    }
    default:
      plan.kind = Kind::kOther;
      break;
  }
  return plan;
}

// Whether a field has anything to check. Bools, floats and unannotated integers have none.
bool Worthwhile(const FieldPlan& plan) {
  switch (plan.kind) {
    case Kind::kSigned:
    case Kind::kUnsigned:
      return plan.required || plan.has_min || plan.has_max || plan.max_items != 0;
    case Kind::kOther:
      return plan.required || plan.max_items != 0;
    default:
      return true;
  }
}

class PlanCache {
 public:
  const MessagePlan* Get(const pb::Descriptor* descriptor) {
    {
      absl::ReaderMutexLock lock(&mu_);
      auto it = plans_.find(descriptor);
      if (it != plans_.end()) return it->second.get();
    }
    absl::MutexLock lock(&mu_);
    return BuildLocked(descriptor);
  }

 private:
  // Plans the descriptor and every message type reachable from it in one go, so that the walk
  // follows plain pointers and never takes the lock again.
  const MessagePlan* BuildLocked(const pb::Descriptor* root) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (auto it = plans_.find(root); it != plans_.end()) return it->second.get();
    std::vector<const pb::Descriptor*> todo = {root};
    std::vector<MessagePlan*> built;
    while (!todo.empty()) {
      const pb::Descriptor* d = todo.back();
      todo.pop_back();
      if (plans_.contains(d)) continue;
      auto plan = std::make_unique<MessagePlan>();
      for (int i = 0; i < d->field_count(); ++i) {
        const pb::FieldDescriptor* field = d->field(i);
        if (field->options().GetExtension(parley::api::v1::field).output_only()) continue;
        if (field->name() == "update_mask" && !field->is_repeated() &&
            field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE && IsFieldMask(field->message_type())) {
          plan->update_mask = field;
          plan->mask_paths = field->message_type()->FindFieldByName("paths");
        }
        FieldPlan fp = PlanField(field);
        if (!Worthwhile(fp)) continue;
        if (fp.kind == Kind::kMessage) todo.push_back(field->message_type());
        plan->fields.push_back(std::move(fp));
      }
      for (int i = 0; i < d->oneof_decl_count(); ++i) {
        const pb::OneofDescriptor* oneof = d->oneof_decl(i);
        if (oneof->options().GetExtension(parley::api::v1::oneof).required()) plan->required_oneofs.push_back(oneof);
      }
      built.push_back(plan.get());
      plans_.emplace(d, std::move(plan));
    }
    for (MessagePlan* plan : built) {
      for (FieldPlan& fp : plan->fields) {
        if (fp.kind != Kind::kMessage) continue;
        fp.message = plans_.at(fp.field->message_type()).get();
        fp.masked = plan->update_mask != nullptr && plan->mask_paths != nullptr && fp.field != plan->update_mask &&
                    !fp.repeated;
      }
    }
    return plans_.at(root).get();
  }

  absl::Mutex mu_;
  absl::flat_hash_map<const pb::Descriptor*, std::unique_ptr<MessagePlan>> plans_ ABSL_GUARDED_BY(mu_);
};

PlanCache& Plans() {
  static auto* cache = new PlanCache();  // never destroyed: RPCs may still run at exit
  return *cache;
}

// ---- the walk ----------------------------------------------------------------------------------

// The top-level paths of an update mask, for the resource's required fields.
struct Mask {
  const pb::Message* mask = nullptr;
  const pb::FieldDescriptor* paths = nullptr;

  // Whether the mask names `field` (itself, one of its sub-fields, or "*").
  bool Names(const pb::FieldDescriptor* field) const {
    const pb::Reflection* reflection = mask->GetReflection();
    const int n = reflection->FieldSize(*mask, paths);
    std::string scratch;
    for (int i = 0; i < n; ++i) {
      const std::string& path = reflection->GetRepeatedStringReference(*mask, paths, i, &scratch);
      if (path == "*") return true;
      const absl::string_view top = absl::string_view(path).substr(0, path.find('.'));
      if (top == field->name()) return true;
    }
    return false;
  }
};

absl::Status Walk(const MessagePlan& plan, const pb::Message& message, const Mask* mask, Path& path);

absl::Status CheckEnum(const FieldPlan& plan, int value, const Path& path) {
  if (plan.field->enum_type()->FindValueByNumber(value) == nullptr) {
    return Invalid(path, absl::StrCat("is not a value of ", plan.field->enum_type()->full_name()));
  }
  return absl::OkStatus();
}

absl::Status CheckRepeated(const FieldPlan& plan, const pb::Message& message, const pb::Reflection* reflection,
                           int size, Path& path) {
  std::string scratch;
  for (int i = 0; i < size; ++i) {
    PathScope item(path, plan.field, i);
    absl::Status status;
    switch (plan.kind) {
      case Kind::kString:
      case Kind::kBytes:
        status = CheckString(plan, reflection->GetRepeatedStringReference(message, plan.field, i, &scratch), path);
        break;
      case Kind::kEnum:
        status = CheckEnum(plan, reflection->GetRepeatedEnumValue(message, plan.field, i), path);
        break;
      case Kind::kSigned:
        status = CheckSigned(plan,
                             plan.field->cpp_type() == pb::FieldDescriptor::CPPTYPE_INT32
                                 ? reflection->GetRepeatedInt32(message, plan.field, i)
                                 : reflection->GetRepeatedInt64(message, plan.field, i),
                             path);
        break;
      case Kind::kUnsigned:
        status = CheckUnsigned(plan,
                               plan.field->cpp_type() == pb::FieldDescriptor::CPPTYPE_UINT32
                                   ? reflection->GetRepeatedUInt32(message, plan.field, i)
                                   : reflection->GetRepeatedUInt64(message, plan.field, i),
                               path);
        break;
      case Kind::kTimestamp:
      case Kind::kDuration:
        status = CheckTime(plan, reflection->GetRepeatedMessage(message, plan.field, i), path);
        break;
      case Kind::kMessage:
        status = Walk(*plan.message, reflection->GetRepeatedMessage(message, plan.field, i), nullptr, path);
        break;
      case Kind::kOther:
        break;
    }
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status Required(Path& path, bool required) { return required ? Invalid(path, "is required") : absl::OkStatus(); }

absl::Status CheckField(const MessagePlan& parent, const FieldPlan& plan, const pb::Message& message,
                        const pb::Reflection* reflection, const Mask* mask, Path& path) {
  // In an update, a required field of the resource is required only when the mask names it.
  const bool required = plan.required && (mask == nullptr || mask->Names(plan.field));
  if (plan.repeated) {
    const int size = reflection->FieldSize(message, plan.field);
    if (size == 0 || (plan.max_items != 0 && static_cast<uint32_t>(size) > plan.max_items)) {
      PathScope scope(path, plan.field, -1);
      if (size == 0) return Required(path, required);
      return Invalid(path, absl::StrCat("has more than ", plan.max_items, " items"));
    }
    return CheckRepeated(plan, message, reflection, size, path);
  }
  PathScope scope(path, plan.field, -1);
  if (plan.presence && plan.kind != Kind::kString && plan.kind != Kind::kBytes &&
      !reflection->HasField(message, plan.field)) {
    return Required(path, required);
  }
  switch (plan.kind) {
    case Kind::kString:
    case Kind::kBytes: {
      std::string scratch;
      const std::string& value = reflection->GetStringReference(message, plan.field, &scratch);
      if (value.empty()) return Required(path, required);
      return CheckString(plan, value, path);
    }
    case Kind::kEnum: {
      const int value = reflection->GetEnumValue(message, plan.field);
      if (value == 0 && required) return Required(path, required);
      return CheckEnum(plan, value, path);
    }
    case Kind::kSigned:
      return CheckSigned(plan,
                         plan.field->cpp_type() == pb::FieldDescriptor::CPPTYPE_INT32
                             ? reflection->GetInt32(message, plan.field)
                             : reflection->GetInt64(message, plan.field),
                         path);
    case Kind::kUnsigned:
      return CheckUnsigned(plan,
                           plan.field->cpp_type() == pb::FieldDescriptor::CPPTYPE_UINT32
                               ? reflection->GetUInt32(message, plan.field)
                               : reflection->GetUInt64(message, plan.field),
                           path);
    case Kind::kTimestamp:
    case Kind::kDuration:
      return CheckTime(plan, reflection->GetMessage(message, plan.field), path);
    case Kind::kMessage: {
      if (!plan.masked) return Walk(*plan.message, reflection->GetMessage(message, plan.field), nullptr, path);
      const Mask child_mask{&reflection->GetMessage(message, parent.update_mask), parent.mask_paths};
      return Walk(*plan.message, reflection->GetMessage(message, plan.field), &child_mask, path);
    }
    case Kind::kOther:
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

// Deeper than the protobuf parser's own limit (100) only for messages built in process.
constexpr size_t kMaxDepth = 100;

absl::Status Walk(const MessagePlan& plan, const pb::Message& message, const Mask* mask, Path& path) {
  if (path.size() > kMaxDepth) return Invalid(path, "is nested too deeply");
  const pb::Reflection* reflection = message.GetReflection();
  for (const FieldPlan& field : plan.fields) {
    absl::Status status = CheckField(plan, field, message, reflection, mask, path);
    if (!status.ok()) return status;
  }
  if (mask == nullptr) {
    for (const pb::OneofDescriptor* oneof : plan.required_oneofs) {
      if (reflection->HasOneof(message, oneof)) continue;
      std::string members;
      for (int i = 0; i < oneof->field_count(); ++i) {
        absl::StrAppend(&members, i == 0 ? "" : ", ", oneof->field(i)->name());
      }
      const std::string prefix = PathString(path);
      return InvalidArgument(reason::kInvalidField, absl::StrCat(prefix, prefix.empty() ? "" : ".", oneof->name(),
                                                                 " is required: set one of ", members));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateRequest(const google::protobuf::Message& request) {
  const MessagePlan* plan = Plans().Get(request.GetDescriptor());
  Path path;
  return Walk(*plan, request, nullptr, path);
}

}  // namespace parley::api
