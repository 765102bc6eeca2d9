#include "services/notifications/domain/model.h"

#include <algorithm>
#include <iterator>

namespace parley::notifications {
namespace {

constexpr const char* kCategoryWords[] = {"",        "newsletter", "event",          "closure",
                                          "trip",    "consent",    "attendance",     "report",
                                          "meeting", "escalation", "conduct_letter", "emergency"};
constexpr const char* kChannelWords[] = {"", "app", "email", "sms", "letter"};
constexpr const char* kStatusWords[] = {"",          "pending", "in_digest", "sent",
                                        "delivered", "failed",  "skipped",   "cancelled"};
constexpr const char* kPriorityWords[] = {"", "routine", "important", "emergency"};

template <typename Enum, size_t N>
std::optional<Enum> FromWord(const char* const (&words)[N], std::string_view word) {
  for (size_t i = 1; i < N; ++i) {
    if (word == words[i]) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

}  // namespace

std::string PupilEntry(const Message& m, const std::string& school_id, const std::string& pupil_id) {
  return school_id == m.school_id ? pupil_id : school_id + "/" + pupil_id;
}

std::pair<std::string, std::string> PupilOf(const Message& m, const std::string& entry) {
  const size_t slash = entry.find('/');
  if (slash == std::string::npos) return {m.school_id, entry};
  return {entry.substr(0, slash), entry.substr(slash + 1)};
}

bool NamesPupil(const Message& m, const std::string& school_id, const std::string& pupil_id) {
  const std::string entry = PupilEntry(m, school_id, pupil_id);
  return std::find(m.pupil_ids.begin(), m.pupil_ids.end(), entry) != m.pupil_ids.end();
}

const char* CategoryWord(Category c) { return kCategoryWords[static_cast<int>(c)]; }
const char* PriorityWord(Priority p) { return kPriorityWords[static_cast<int>(p)]; }
const char* ChannelWord(DeliveryChannel c) { return kChannelWords[static_cast<int>(c)]; }
const char* StatusWord(DeliveryStatus s) { return kStatusWords[static_cast<int>(s)]; }
std::optional<Category> CategoryFromWord(std::string_view w) { return FromWord<Category>(kCategoryWords, w); }
std::optional<DeliveryChannel> ChannelFromWord(std::string_view w) {
  return FromWord<DeliveryChannel>(kChannelWords, w);
}
std::optional<DeliveryStatus> StatusFromWord(std::string_view w) { return FromWord<DeliveryStatus>(kStatusWords, w); }

DeliveryMode Preferences::ModeFor(Category category, DeliveryChannel channel) const {
  for (const ChannelPreference& p : entries) {
    if (p.category == category && p.channel == channel) return p.mode;
  }
  return DeliveryMode::kInstant;
}

}  // namespace parley::notifications
