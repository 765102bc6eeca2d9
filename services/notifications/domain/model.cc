#include "services/notifications/domain/model.h"

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
