// Who gets a copy of a notice, about which pupils, in which language, on which channels and when.
// Pure functions over the school's directory slice (docs/architecture.md#notifications, "Copies"
// and "Channels"): the service resolves, the store writes what they return.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/directory/snapshot.h"
#include "services/notifications/domain/model.h"

namespace parley::notifications {

// One school's part of a notice: its directory slice and its settings.
struct SchoolContext {
  std::shared_ptr<const directory::Snapshot> snapshot;
  const directory::SchoolDirectory* school = nullptr;  // inside `snapshot`
  SchoolSettings settings;
};

// The guardian's preferences, or null for one who set none.
using PreferenceLookup = std::function<const Preferences*(const std::string& guardian_id)>;

struct Plan {
  std::vector<Message> copies;  // ids "1", "2", ... in a stable order
  std::vector<Warning> warnings;
  bool short_notice = false;
};

// The copies of `request` at the schools given (one for a school's notice; the audience's, or
// every school, for the trust's). The request's shape was checked; this checks the audience
// against the directory (INVALID_ARGUMENT, AUDIENCE_INVALID, naming what is not there).
// `offered_locales`: the template's variants or the written content's locales.
absl::StatusOr<Plan> PlanNotice(const NoticeRequest& request, const std::vector<SchoolContext>& schools,
                                const PreferenceLookup& preferences, const std::vector<std::string>& offered_locales,
                                absl::Time now);

// The deliveries of one guardian's copy and the channels left to fall back to, in order
// (app → email → letter after the guardian's preferred channel; SMS only as the school's SMS
// policy allows for the priority; emergency on every fast channel the guardian has, whatever the
// preferences). `has` says which kinds of contact point the guardian has. Empty deliveries: no
// channel reaches the guardian.
struct ChannelPlan {
  std::vector<Delivery> deliveries;
  std::vector<DeliveryChannel> fallbacks;
};
ChannelPlan PlanChannels(Priority priority, Category category, directory::Channel preferred,
                         const std::vector<directory::ContactKind>& has, const Preferences* preferences,
                         directory::SmsPolicy sms_policy, const SchoolSettings& settings, const absl::TimeZone& zone,
                         absl::Time base);

// The next digest time at or after `t`: the school's digest time of day, local, on the first day
// it has not passed (correct across the clock changes).
absl::Time NextDigestTime(const SchoolSettings& settings, const absl::TimeZone& zone, absl::Time t);

}  // namespace parley::notifications
