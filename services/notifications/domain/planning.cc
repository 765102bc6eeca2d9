#include "services/notifications/domain/planning.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "services/notifications/domain/templates.h"

namespace parley::notifications {
namespace {

using directory::ContactKind;

bool Has(const std::vector<ContactKind>& has, ContactKind kind) {
  return std::find(has.begin(), has.end(), kind) != has.end();
}

ContactKind AddressKindOf(DeliveryChannel c) {
  switch (c) {
    case DeliveryChannel::kApp:
      return ContactKind::kApp;
    case DeliveryChannel::kEmail:
      return ContactKind::kEmail;
    case DeliveryChannel::kSms:
      return ContactKind::kMobile;
    case DeliveryChannel::kLetter:
      return ContactKind::kPostal;
    case DeliveryChannel::kUnspecified:
      break;
  }
  return ContactKind::kUnspecified;
}

DeliveryChannel FromDirectory(directory::Channel c) {
  switch (c) {
    case directory::Channel::kAppMessage:
      return DeliveryChannel::kApp;
    case directory::Channel::kEmail:
      return DeliveryChannel::kEmail;
    case directory::Channel::kSms:
      return DeliveryChannel::kSms;
    case directory::Channel::kLetter:
      return DeliveryChannel::kLetter;
    default:
      return DeliveryChannel::kUnspecified;
  }
}

// The school's SMS policy (contacts): texts for emergencies only unless it allows more.
bool SmsAllowed(directory::SmsPolicy policy, Priority priority) {
  switch (policy) {
    case directory::SmsPolicy::kAny:
      return true;
    case directory::SmsPolicy::kImportant:
      return priority != Priority::kRoutine;
    default:
      return priority == Priority::kEmergency;
  }
}

Delivery Pending(DeliveryChannel channel, absl::Time due) {
  Delivery d;
  d.channel = channel;
  d.status = DeliveryStatus::kPending;
  d.due = due;
  return d;
}

absl::Status BadAudience(const std::string& message) { return InvalidArgument(reason::kAudienceInvalid, message); }

// A guardian's entitled pupils among `pupils`, for the copy's wording and court orders.
struct GuardianPupils {
  const directory::Guardian* guardian = nullptr;
  std::vector<std::string> pupils;
};

}  // namespace

absl::Time NextDigestTime(const SchoolSettings& settings, const absl::TimeZone& zone, absl::Time t) {
  absl::CivilDay day = absl::ToCivilDay(t, zone);
  for (int i = 0; i < 3; ++i, ++day) {
    const absl::CivilMinute local(day.year(), day.month(), day.day(), settings.digest_time_of_day.hour(),
                                  settings.digest_time_of_day.minute());
    // A time the spring change skips resolves to the instant after the gap.
    const absl::Time at = absl::FromCivil(local, zone);
    if (at >= t) return at;
  }
  return t;
}

ChannelPlan PlanChannels(Priority priority, Category category, directory::Channel preferred,
                         const std::vector<ContactKind>& has, const Preferences* preferences,
                         directory::SmsPolicy sms_policy, const SchoolSettings& settings, const absl::TimeZone& zone,
                         absl::Time base) {
  ChannelPlan plan;
  if (priority == Priority::kEmergency) {
    // Every fast channel at once; preferences and quiet hours do not apply. A letter only when
    // nothing faster reaches the guardian.
    for (DeliveryChannel c : {DeliveryChannel::kApp, DeliveryChannel::kEmail, DeliveryChannel::kSms}) {
      if (Has(has, AddressKindOf(c))) plan.deliveries.push_back(Pending(c, base));
    }
    if (plan.deliveries.empty() && Has(has, ContactKind::kPostal)) {
      plan.deliveries.push_back(Pending(DeliveryChannel::kLetter, base));
    }
    return plan;
  }
  auto mode = [&](DeliveryChannel c) {
    return preferences == nullptr ? DeliveryMode::kInstant : preferences->ModeFor(category, c);
  };
  std::vector<DeliveryChannel> chain;
  auto consider = [&](DeliveryChannel c) {
    if (c == DeliveryChannel::kUnspecified || std::find(chain.begin(), chain.end(), c) != chain.end()) return;
    if (c == DeliveryChannel::kSms && !SmsAllowed(sms_policy, priority)) return;
    if (!Has(has, AddressKindOf(c)) || mode(c) == DeliveryMode::kOff) return;
    chain.push_back(c);
  };
  consider(FromDirectory(preferred));
  for (DeliveryChannel c : {DeliveryChannel::kApp, DeliveryChannel::kEmail, DeliveryChannel::kLetter}) consider(c);
  if (chain.empty()) return plan;

  const DeliveryChannel first = chain.front();
  Delivery primary = Pending(first, base);
  if (mode(first) == DeliveryMode::kDigest && (first == DeliveryChannel::kEmail || first == DeliveryChannel::kApp)) {
    primary.status = DeliveryStatus::kInDigest;
    primary.due = NextDigestTime(settings, zone, base);
  }
  plan.deliveries.push_back(primary);
  auto email = std::find(chain.begin(), chain.end(), DeliveryChannel::kEmail);
  if (first == DeliveryChannel::kApp && email != chain.end()) {
    // The email copy behind the app copy: a routine one waits and is skipped if the app copy is
    // read first (evaka); an important one goes at once.
    Delivery behind = Pending(DeliveryChannel::kEmail, base);
    if (priority == Priority::kRoutine) {
      behind.due = base + settings.app_read_wait;
      behind.unless_read = true;
    }
    if (mode(DeliveryChannel::kEmail) == DeliveryMode::kDigest) {
      behind.status = DeliveryStatus::kInDigest;
      behind.due = NextDigestTime(settings, zone, behind.due);
    }
    plan.deliveries.push_back(behind);
    chain.erase(email);
  }
  plan.fallbacks.assign(chain.begin() + 1, chain.end());
  return plan;
}

absl::StatusOr<Plan> PlanNotice(const NoticeRequest& request, const std::vector<SchoolContext>& schools,
                                const PreferenceLookup& preferences, const std::vector<std::string>& offered_locales,
                                absl::Time now) {
  Plan plan;
  const Audience& audience = request.audience;
  absl::Time base = now;
  if (request.send_time && *request.send_time > base) base = *request.send_time;
  if (request.not_before && *request.not_before > base) base = *request.not_before;
  const bool urgent = request.priority == Priority::kEmergency;
  int no_channel = 0, locale_fallback = 0, excluded = 0;
  int next_id = 1;
  // A trust notice gives a guardian with children at several schools one copy naming them all:
  // the copy planned at the first of their schools, by that school's settings.
  std::map<std::string, size_t> copy_of_guardian;  // guardian id → index in plan.copies
  auto add_pupil = [](Message& m, const std::string& school_id, const std::string& pupil) {
    if (!NamesPupil(m, school_id, pupil)) m.pupil_ids.push_back(PupilEntry(m, school_id, pupil));
  };

  for (const SchoolContext& ctx : schools) {
    const directory::Snapshot& snap = *ctx.snapshot;
    const directory::SchoolDirectory& sd = *ctx.school;
    const std::string& school_id = sd.school.id;
    auto calendar = snap.SchoolCalendarOf(school_id);
    const absl::TimeZone zone = calendar ? calendar->zone() : absl::UTCTimeZone();
    const absl::CivilDay today = absl::ToCivilDay(now, zone);

    if (request.event_date && sd.school.policy.event_notice_days > 0 &&
        *request.event_date - today < sd.school.policy.event_notice_days) {
      plan.short_notice = true;
    }

    if (audience.kind == AudienceKind::kStaff) {
      std::vector<std::string> members;
      for (const auto& [s, id] : audience.staff) {
        if (s != school_id) continue;
        if (snap.FindStaff(school_id, id) == nullptr) {
          return BadAudience(absl::StrCat("schools/", s, "/staff/", id, " is not a member of staff"));
        }
        members.push_back(id);
      }
      for (const auto& [s, id] : audience.external_contacts) {
        if (s != school_id) continue;
        const auto& known = sd.school.external_contacts;
        if (std::none_of(known.begin(), known.end(), [&](const directory::ExternalContact& c) { return c.id == id; })) {
          return BadAudience(absl::StrCat("schools/", s, "/externalContacts/", id, " is not a contact of the school"));
        }
        // Outside the school's staff: no working pattern to wait for.
        Message m;
        m.id = absl::StrCat(next_id++);
        m.school_id = school_id;
        m.recipient_kind = RecipientKind::kExternal;
        m.recipient_id = id;
        m.locale = ChooseLocale(offered_locales, "", sd.school.default_locale);
        m.deliveries.push_back(Pending(DeliveryChannel::kEmail, base));
        m.create_time = now;
        plan.copies.push_back(std::move(m));
      }
      if (audience.staff.empty() && audience.external_contacts.empty()) {
        for (const auto& [id, member] : sd.staff) {
          const bool wanted = audience.staff_roles.empty() ||
                              std::any_of(member.roles.begin(), member.roles.end(), [&](const std::string& r) {
                                return std::find(audience.staff_roles.begin(), audience.staff_roles.end(), r) !=
                                       audience.staff_roles.end();
                              });
          if (wanted) members.push_back(id);
        }
      }
      for (const std::string& id : members) {
        Message m;
        m.id = absl::StrCat(next_id++);
        m.school_id = school_id;
        m.recipient_kind = RecipientKind::kStaff;
        m.recipient_id = id;
        m.locale = ChooseLocale(offered_locales, "", sd.school.default_locale);
        absl::Time due = base;
        // Staff quiet hours: the member's working periods, unless urgent (rule 7).
        if (!urgent) {
          if (auto cal = snap.OwnerCalendarOf(school_id, id)) {
            auto period = cal->PeriodAtOrAfter(base);
            if (period.ok() && period->first > base) due = period->first;
          }
        }
        m.deliveries.push_back(Pending(DeliveryChannel::kEmail, due));
        m.create_time = now;
        plan.copies.push_back(std::move(m));
      }
      continue;
    }

    // Pupil → guardians linked to them at this school, with the link.
    std::map<std::string, std::vector<std::pair<const directory::Guardian*, const directory::PupilLink*>>> of_pupil;
    for (const directory::Guardian* g : snap.GuardiansOfSchool(school_id)) {
      for (const directory::PupilLink& link : g->pupils) {
        if (link.school_id == school_id) of_pupil[link.pupil_id].emplace_back(g, &link);
      }
    }
    auto entitled = [&](const directory::PupilLink& link) {
      return link.parental_responsibility && !directory::CourtOrderExcludes(link, today);
    };

    std::map<std::string, GuardianPupils> copies;  // by guardian id: one copy naming all their pupils
    if (audience.kind == AudienceKind::kGuardians) {
      std::set<std::string> only;
      for (const auto& [s, p] : audience.pupils) {
        if (s == school_id) only.insert(p);
      }
      for (const std::string& gid : audience.guardian_ids) {
        const directory::Guardian* g = snap.FindGuardian(gid);
        bool linked = false;
        GuardianPupils gp{g, {}};
        if (g != nullptr) {
          for (const directory::PupilLink& link : g->pupils) {
            if (link.school_id != school_id) continue;
            linked = true;
            if (!only.empty() && only.count(link.pupil_id) == 0) continue;
            if (entitled(link)) {
              gp.pupils.push_back(link.pupil_id);
            } else {
              ++excluded;
            }
          }
        }
        if (!linked) {
          if (schools.size() == 1) return BadAudience(absl::StrCat("guardians/", gid, " has no pupil at ", school_id));
          continue;
        }
        if (!only.empty() && gp.pupils.empty()) continue;  // excluded for every pupil named
        copies[gid] = std::move(gp);
      }
    } else {
      std::vector<std::string> pupils;
      switch (audience.kind) {
        case AudienceKind::kTrust:
        case AudienceKind::kSchool:
          for (const auto& [id, p] : sd.pupils) pupils.push_back(id);
          break;
        case AudienceKind::kYearGroups:
          for (const auto& [id, p] : sd.pupils) {
            if (std::find(audience.year_groups.begin(), audience.year_groups.end(), p.year_group) !=
                audience.year_groups.end()) {
              pupils.push_back(id);
            }
          }
          break;
        case AudienceKind::kClasses: {
          std::set<std::string> seen;
          for (const auto& [id, p] : sd.pupils) {
            if (std::find(audience.classes.begin(), audience.classes.end(), p.class_name) != audience.classes.end()) {
              pupils.push_back(id);
              seen.insert(p.class_name);
            }
          }
          if (schools.size() == 1) {
            for (const std::string& c : audience.classes) {
              if (seen.count(c) == 0)
                return BadAudience(absl::StrCat("no pupil is in class \"", c, "\" at ", school_id));
            }
          }
          break;
        }
        case AudienceKind::kPupils:
          for (const auto& [s, p] : audience.pupils) {
            if (s != school_id) continue;
            if (snap.FindPupil(school_id, p) == nullptr) {
              return BadAudience(absl::StrCat("schools/", s, "/pupils/", p, " is not a pupil"));
            }
            pupils.push_back(p);
          }
          break;
        default:
          return BadAudience("audience kind is required");
      }
      for (const std::string& pupil : pupils) {
        auto it = of_pupil.find(pupil);
        if (it == of_pupil.end()) continue;
        std::vector<const directory::Guardian*> eligible, chosen;
        bool at_home = false;  // a guardian who does not live apart hears for the family
        for (const auto& [g, link] : it->second) {
          if (!entitled(*link)) {
            ++excluded;
            continue;
          }
          eligible.push_back(g);
          at_home |= !g->lives_apart;
          // A guardian living apart gets a copy of their own when they asked for separate copies.
          if (!g->lives_apart || g->separate_copies) chosen.push_back(g);
        }
        // Separated parents and nobody at home: the first listed who did not ask is the main
        // contact and hears too, so a parent who asked never takes the other's copy away.
        if (!at_home) {
          for (const directory::Guardian* g : eligible) {
            if (!g->separate_copies) {
              chosen.push_back(g);
              break;
            }
          }
        }
        for (const directory::Guardian* g : chosen) {
          GuardianPupils& gp = copies[g->id];
          gp.guardian = g;
          gp.pupils.push_back(pupil);
        }
      }
    }

    // One copy per guardian; letters to guardians sharing a household (and so an address) go as
    // one, addressed to them together, unless one of them asked for separate copies.
    std::map<std::string, size_t> household_letter;  // household id → index in plan.copies
    for (auto& [gid, gp] : copies) {
      if (auto earlier = copy_of_guardian.find(gid); earlier != copy_of_guardian.end()) {
        for (const std::string& p : gp.pupils) add_pupil(plan.copies[earlier->second], school_id, p);
        continue;
      }
      const directory::Guardian& g = *gp.guardian;
      std::vector<ContactKind> has;
      for (const directory::ContactPoint& cp : g.contact_points) has.push_back(cp.kind);
      ChannelPlan channels = PlanChannels(request.priority, request.category, g.preferred_channel, has,
                                          preferences(gid), sd.school.policy.sms_policy, ctx.settings, zone, base);
      if (channels.deliveries.empty()) ++no_channel;
      const bool letter_only =
          channels.deliveries.size() == 1 && channels.deliveries[0].channel == DeliveryChannel::kLetter;
      if (letter_only && !g.household.empty() && !g.separate_copies) {
        auto [it, fresh] = household_letter.emplace(g.household, plan.copies.size());
        if (!fresh) {
          Message& shared = plan.copies[it->second];
          shared.household_members.push_back(gid);
          for (const std::string& p : gp.pupils) add_pupil(shared, school_id, p);
          copy_of_guardian.emplace(gid, it->second);
          continue;
        }
      }
      Message m;
      m.id = absl::StrCat(next_id++);
      m.school_id = school_id;
      m.recipient_kind = RecipientKind::kGuardian;
      m.recipient_id = gid;
      m.pupil_ids = std::move(gp.pupils);
      bool fell_back = false;
      m.locale = ChooseLocale(offered_locales, g.language, sd.school.default_locale, &fell_back);
      if (fell_back) ++locale_fallback;
      m.deliveries = std::move(channels.deliveries);
      m.fallbacks = std::move(channels.fallbacks);
      m.create_time = now;
      copy_of_guardian.emplace(gid, plan.copies.size());
      plan.copies.push_back(std::move(m));
    }
  }

  if (plan.short_notice) {
    plan.warnings.push_back(
        Warning{"SHORT_NOTICE", "the event is sooner than the school's notice period for events; sent anyway", 0});
  }
  if (plan.copies.empty()) plan.warnings.push_back(Warning{"NO_RECIPIENTS", "nobody is entitled to this notice", 0});
  if (no_channel > 0) {
    plan.warnings.push_back(
        Warning{"NO_CHANNEL", "recipients no channel reaches (no contact point left on)", no_channel});
  }
  if (locale_fallback > 0) {
    plan.warnings.push_back(Warning{
        "LOCALE_FALLBACK", "recipients whose language has no variant get the school's default", locale_fallback});
  }
  if (excluded > 0) {
    plan.warnings.push_back(
        Warning{"EXCLUDED", "guardian links left out (no parental responsibility, or a court order)", excluded});
  }
  return plan;
}

}  // namespace parley::notifications
