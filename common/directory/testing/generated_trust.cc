#include "common/directory/testing/generated_trust.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace parley::directory::testing {
namespace {

// 0-99 from (school, index, salt), uncorrelated across salts (splitmix64), so the mixes below do
// not line up with each other or with the ids.
int Bucket(int school, int index, int salt) {
  uint64_t z =
      (static_cast<uint64_t>(school) << 40) ^ (static_cast<uint64_t>(index) << 8) ^ static_cast<uint64_t>(salt);
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<int>(z % 100);
}

calendar::DateRange Range(int y1, int m1, int d1, int y2, int m2, int d2, std::string label) {
  return calendar::DateRange{absl::CivilDay(y1, m1, d1), absl::CivilDay(y2, m2, d2), std::move(label)};
}

RoleRef Relation(PupilRelation r) {
  RoleRef ref;
  ref.kind = RoleRef::Kind::kRelation;
  ref.relation = r;
  return ref;
}

RoleRef Role(std::string role) {
  RoleRef ref;
  ref.kind = RoleRef::Kind::kRole;
  ref.value = std::move(role);
  return ref;
}

ResponseRule Rule(Channel c, Stage s, int days, ClockCalendar clock = ClockCalendar::kSchool) {
  ResponseRule r;
  r.channel = c;
  r.stage = s;
  r.budget.unit = calendar::Unit::kWorkingDays;
  r.budget.working_days = days;
  r.clock_calendar = clock;
  r.policy_text = "generated rule";
  return r;
}

Staff Member(const std::string& school, std::string id, std::string name, std::vector<std::string> roles,
             std::string line_manager) {
  Staff s;
  s.school_id = school;
  s.id = std::move(id);
  s.display_name = std::move(name);
  s.roles = std::move(roles);
  s.line_manager = std::move(line_manager);
  s.email = absl::StrCat(s.id, ".", school, "@example.org");
  return s;
}

// One primary school: St Mary's calendar and policy (2025-26 terms, half-terms, 08:45-15:30,
// acknowledge emails in 2 and answer in 5 working days), its named roles, routing and ladders.
SchoolDirectory MakeSchool(int s, int staff, int pupils) {
  const std::string id = absl::StrFormat("school-%02d", s);
  SchoolDirectory sd;
  directory::School& school = sd.school;
  school.id = id;
  school.display_name = absl::StrFormat("Generated Primary School %02d", s);
  school.phase = SchoolPhase::kPrimary;
  school.default_locale = "en-GB";
  SchoolCalendar& cal = school.calendar;
  cal.time_zone = "Europe/London";
  cal.terms = {Range(2025, 9, 3, 2025, 12, 19, "Autumn 2025"), Range(2026, 1, 5, 2026, 3, 27, "Spring 2026"),
               Range(2026, 4, 13, 2026, 7, 22, "Summer 2026")};
  cal.closures = {Closure{Range(2025, 10, 27, 2025, 10, 31, "Autumn half-term"), ClosureKind::kHalfTerm},
                  Closure{Range(2026, 2, 16, 2026, 2, 20, "Spring half-term"), ClosureKind::kHalfTerm},
                  Closure{Range(2026, 5, 25, 2026, 5, 29, "Summer half-term"), ClosureKind::kHalfTerm}};
  cal.core_hours = calendar::HoursRange{8 * 60 + 45, 15 * 60 + 30};
  cal.bank_holiday_division = "england-and-wales";
  CommunicationPolicy& policy = school.policy;
  policy.rules = {Rule(Channel::kEmail, Stage::kAcknowledge, 2), Rule(Channel::kEmail, Stage::kRespond, 5),
                  Rule(Channel::kPhone, Stage::kRespond, 2, ClockCalendar::kOwner)};
  policy.event_notice_days = 14;
  // Woodgrange-like schools text important notices too; the rest only emergencies.
  policy.sms_policy = s % 4 == 3 ? SmsPolicy::kImportant : SmsPolicy::kEmergencyOnly;
  policy.separate_copies_on_request = true;
  policy.translation_locales = {"pl", "ur"};

  auto add = [&](Staff m) { sd.staff[m.id] = std::move(m); };
  add(Member(id, "head", "Head of " + id, {"headteacher", "dsl"}, ""));
  add(Member(id, "deputy", "Deputy of " + id, {"deputy_head", "deputy_dsl"}, "head"));
  add(Member(id, "senco", "SENCo of " + id, {"senco"}, "deputy"));
  add(Member(id, "office", "Office of " + id, {"office", "attendance_officer"}, "head"));
  const int teachers = std::max(1, staff - 4);
  for (int t = 0; t < teachers; ++t) {
    Staff member = Member(id, absl::StrFormat("t-%03d", t), absl::StrFormat("Teacher %d of %s", t, id),
                          {"class_teacher"}, "deputy");
    if (t % 8 == 0) {
      calendar::WorkingPattern part_time;
      part_time.works = {true, true, true, false, false, false, false};
      member.working_pattern = part_time;
    }
    add(std::move(member));
  }
  for (int p = 0; p < pupils; ++p) {
    Pupil pupil;
    pupil.school_id = id;
    pupil.id = absl::StrFormat("p-%04d", p);
    pupil.given_name = "Given";
    pupil.family_name = absl::StrCat("Family", p);
    pupil.year_group = 1 + p % 6;
    pupil.class_name = absl::StrFormat("C%02d", p % teachers);
    pupil.class_teacher = absl::StrFormat("t-%03d", p % teachers);
    pupil.send = p % 7 == 0;
    sd.pupils[pupil.id] = std::move(pupil);
  }

  RoutingMatrix& m = sd.routing_matrix;
  m.school_id = id;
  RoutingRule learning;
  learning.category = "learning";
  learning.owner = Relation(PupilRelation::kClassTeacher);
  learning.ladder = "main";
  RoutingRule send;
  send.category = "send";
  send.owner = Relation(PupilRelation::kClassTeacher);
  send.ladder = "send";
  RoutingRule attendance;
  attendance.category = "attendance";
  attendance.owner = Role("attendance_officer");
  attendance.allowed_channels = {Channel::kPhone};
  attendance.channel_rule = "Report absence by phone to the school office";
  RoutingRule safeguarding;
  safeguarding.category = "safeguarding";
  safeguarding.owner = Role("dsl");
  safeguarding.safeguarding = true;
  safeguarding.also_notify = {Role("deputy_dsl")};
  m.rules = {learning, send, attendance, safeguarding};

  Ladder main;
  main.school_id = id;
  main.id = "main";
  main.display_name = "Main";
  main.rungs = {Rung{"Class teacher", Relation(PupilRelation::kClassTeacher)}, Rung{"Deputy head", Role("deputy_head")},
                Rung{"Headteacher", Role("headteacher")}};
  sd.ladders[main.id] = main;
  Ladder send_ladder = main;
  send_ladder.id = "send";
  send_ladder.display_name = "SEND";
  send_ladder.rungs[1] = Rung{"SENCo", Role("senco")};
  sd.ladders[send_ladder.id] = send_ladder;
  return sd;
}

// A family: its children (pupil indexes at its school) and the shape its guardians take.
struct Family {
  std::vector<int> children;
  bool apart = false;        // the second guardian lives apart
  bool separate = false;     // ... and asked for separate copies
  bool court_order = false;  // ... and may not hear about the first child
  std::string language;
};

std::string LanguageFor(int bucket) {
  if (bucket < 10) return "";  // not recorded: the school's default
  if (bucket < 80) return "en";
  if (bucket < 86) return "pl";
  if (bucket < 90) return "ur";
  if (bucket < 93) return "pt-BR";
  if (bucket < 96) return "ro";
  if (bucket < 98) return "ar";
  return "so";
}

// Contact points and preferred channel: most have a mobile and email, under half the app, most a
// postal address; a few only a postal address.
void AddContacts(Guardian& g, int s, int n, int family) {
  const std::string address = absl::StrFormat("%d Generated Road, Town %02d, AB%d 2CD", family, s, family % 10);
  if (Bucket(s, n, 10) < 3) {
    g.contact_points = {ContactPoint{ContactKind::kPostal, address}};
    g.preferred_channel = Channel::kLetter;
    return;
  }
  const bool app = Bucket(s, n, 11) < 45, email = Bucket(s, n, 12) < 88, mobile = Bucket(s, n, 13) < 92,
             postal = Bucket(s, n, 14) < 75;
  if (app) g.contact_points.push_back(ContactPoint{ContactKind::kApp, absl::StrCat("app-", g.id)});
  if (email || (!app && !mobile)) {
    g.contact_points.push_back(ContactPoint{ContactKind::kEmail, absl::StrCat(g.id, "@example.org")});
  }
  if (mobile) g.contact_points.push_back(ContactPoint{ContactKind::kMobile, absl::StrFormat("+4477%02d%06d", s, n)});
  if (postal) g.contact_points.push_back(ContactPoint{ContactKind::kPostal, address});
  const int pick = Bucket(s, n, 15);
  if (mobile && pick < 5) {
    g.preferred_channel = Channel::kSms;
  } else if (app && pick < 75) {
    g.preferred_channel = Channel::kAppMessage;
  } else if (email || !mobile) {
    g.preferred_channel = Channel::kEmail;
  } else {
    g.preferred_channel = Channel::kSms;
  }
}

}  // namespace

Directory GeneratedTrust(int schools, int staff, int pupils, int guardians) {
  Directory dir;
  dir.trust.display_name = "Generated Learning Trust";
  for (int s = 0; s < schools; ++s) dir.schools[absl::StrFormat("school-%02d", s)] = MakeSchool(s, staff, pupils);

  for (int s = 0; s < schools; ++s) {
    const std::string school_id = absl::StrFormat("school-%02d", s);
    std::vector<Family> families;
    for (int p = 0; p < pupils;) {
      Family f;
      const int f_index = static_cast<int>(families.size());
      const int size = f_index % 6 == 0 ? 2 : 1;
      for (int c = 0; c < size && p < pupils; ++c) f.children.push_back(p++);
      f.apart = Bucket(s, f_index, 1) < 20;
      f.separate = f.apart && Bucket(s, f_index, 2) < 50;
      f.court_order = f.apart && Bucket(s, f_index, 3) < 5;
      f.language = LanguageFor(Bucket(s, f_index, 4));
      families.push_back(std::move(f));
    }
    const int count = static_cast<int>(families.size());
    for (int n = 0; n < guardians && count > 0; ++n) {
      const int f_index = n % count;
      const Family& f = families[f_index];
      const int role = n / count;  // 0: first guardian, 1: second, 2+: grandparent
      Guardian g;
      g.id = absl::StrFormat("g-%02d-%05d", s, n);
      g.given_name = "Given";
      g.family_name = absl::StrCat("Family", f_index);
      g.language = f.language;
      const bool second_apart = role == 1 && f.apart;
      g.household = second_apart ? absl::StrFormat("h-%02d-%05d-b", s, f_index)
                    : role >= 2  ? absl::StrFormat("h-%02d-%05d-g", s, f_index)
                                 : absl::StrFormat("h-%02d-%05d", s, f_index);
      g.lives_apart = second_apart;
      g.separate_copies = second_apart && f.separate;
      // A guardian's address: their household's (shared by the two who live together).
      AddContacts(g, s, n, role == 0 || !second_apart ? f_index : f_index + 50000);
      const bool mother_first = Bucket(s, f_index, 5) < 50;
      const char* relationship = role >= 2 ? "grandparent" : (role == 0) == mother_first ? "mother" : "father";
      for (size_t c = 0; c < f.children.size(); ++c) {
        PupilLink link{school_id, absl::StrFormat("p-%04d", f.children[c]), relationship, role < 2, std::nullopt};
        if (second_apart && f.court_order && c == 0) link.court_order = CourtOrder{true, false, std::nullopt};
        g.pupils.push_back(std::move(link));
      }
      // Every tenth family has a child at the next school too (the first guardian's link).
      if (role == 0 && f_index % 10 == 0 && schools > 1 && pupils > 0) {
        g.pupils.push_back(PupilLink{absl::StrFormat("school-%02d", (s + 1) % schools),
                                     absl::StrFormat("p-%04d", (f_index + 1) % pupils), relationship, true,
                                     std::nullopt});
      }
      dir.guardians[g.id] = std::move(g);
    }
  }
  return dir;
}

}  // namespace parley::directory::testing
