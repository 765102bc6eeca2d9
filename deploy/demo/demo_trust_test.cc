// Structural checks on the generated demo trust (deploy/demo/demo-trust.json in the build tree).
//
// The file is parsed strictly (unknown fields fail), then every reference is resolved the way the
// contacts service will resolve it: staff, pupils, ladders and external contacts within their school,
// roles held by someone, pupil relations answerable for every pupil, guardian links to real pupils.
// A few facts the acceptance scenarios rely on (St Mary's hours and half-term, Kenilworth's county
// team) are pinned by name.

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/calendar/bank_holidays.h"
#include "common/calendar/calendar.h"
#include "parley/contacts/v1/trust.pb.h"

namespace {

namespace pv = ::parley::contacts::v1;

#ifndef PARLEY_DEMO_TRUST_JSON
#error "PARLEY_DEMO_TRUST_JSON must name the generated demo trust"
#endif

const char* const kSchoolIds[] = {"milton-road", "riverside-academy", "woodgrange-infant", "kenilworth", "st-marys"};

// Categories every school's routing matrix must cover (docs/architecture.md#enquiries-and-timers).
const char* const kRequiredCategories[] = {"learning", "pastoral", "send",      "attendance",   "payments",
                                           "trips",    "events",   "complaint", "safeguarding", "other"};

struct Loaded {
  bool ok = false;
  std::string error;
  pv::TrustDirectory directory;
};

const Loaded& Demo() {
  static const Loaded* loaded = [] {
    auto* result = new Loaded;
    const char* path = std::getenv("PARLEY_DEMO_TRUST_JSON");
    if (path == nullptr || *path == '\0') path = PARLEY_DEMO_TRUST_JSON;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      result->error = std::string("cannot open ") + path;
      return result;
    }
    std::stringstream text;
    text << in.rdbuf();
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    auto status = google::protobuf::util::JsonStringToMessage(text.str(), &result->directory, options);
    if (!status.ok()) {
      result->error = std::string(path) + ": " + status.ToString();
      return result;
    }
    result->ok = true;
    return result;
  }();
  return *loaded;
}

#define REQUIRE_DEMO()                              \
  const Loaded& demo = Demo();                      \
  ASSERT_TRUE(demo.ok) << demo.error;               \
  const pv::TrustDirectory& trust = demo.directory; \
  (void)trust

// ---- helpers ----------------------------------------------------------------------------------

std::string SchoolId(const pv::SchoolDirectory& s) {
  const std::string& name = s.school().name();
  return name.rfind("schools/", 0) == 0 ? name.substr(8) : name;
}

const pv::SchoolDirectory* FindSchool(const pv::TrustDirectory& trust, const std::string& id) {
  for (const auto& s : trust.schools()) {
    if (SchoolId(s) == id) return &s;
  }
  return nullptr;
}

bool IsDate(const std::string& d) {
  static const std::regex kDate(R"(\d{4}-\d{2}-\d{2})");
  if (!std::regex_match(d, kDate)) return false;
  int y = std::stoi(d.substr(0, 4)), m = std::stoi(d.substr(5, 2)), day = std::stoi(d.substr(8, 2));
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || day < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return day <= kDays[m - 1] + ((m == 2 && leap) ? 1 : 0);
}

bool IsTime(const std::string& t) {
  static const std::regex kTime(R"(([01]\d|2[0-3]):[0-5]\d)");
  return std::regex_match(t, kTime);
}

bool ValidHours(const pv::HoursRange& h) { return IsTime(h.open()) && IsTime(h.close()) && h.open() < h.close(); }

// Days since 1970-01-01 for a valid "YYYY-MM-DD" (Howard Hinnant's days_from_civil).
long DayNumber(const std::string& d) {
  int y = std::stoi(d.substr(0, 4));
  const unsigned m = static_cast<unsigned>(std::stoi(d.substr(5, 2)));
  const unsigned day = static_cast<unsigned>(std::stoi(d.substr(8, 2)));
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long>(doe) - 719468;
}

std::string ClosureEnd(const pv::Closure& c) { return c.end_date().empty() ? c.start_date() : c.end_date(); }

const pv::Term* TermContaining(const pv::SchoolCalendar& cal, const std::string& date) {
  for (const auto& t : cal.terms()) {
    if (t.start_date() <= date && date <= t.end_date()) return &t;
  }
  return nullptr;
}

absl::CivilDay Day(const std::string& d) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(d, &day)) ADD_FAILURE() << "not a date: " << d;
  return day;
}

int Minutes(const std::string& hhmm) { return std::stoi(hhmm.substr(0, 2)) * 60 + std::stoi(hhmm.substr(3, 2)); }

// The day the calendars were made for: $PARLEY_DEMO_TODAY; else, for the built file, the day the
// build wrote beside it; else (another file) today's date.
absl::CivilDay DemoToday() {
  if (const char* today = std::getenv("PARLEY_DEMO_TODAY"); today != nullptr && *today != '\0') return Day(today);
  const char* path = std::getenv("PARLEY_DEMO_TRUST_JSON");
  if (path == nullptr || *path == '\0') {
    std::ifstream in(PARLEY_DEMO_TODAY_FILE);
    std::string line;
    if (in && std::getline(in, line)) return Day(line);
    ADD_FAILURE() << "cannot read " << PARLEY_DEMO_TODAY_FILE;
  }
  return absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
}

// The school calendar as contacts compiles it (common/directory EffectiveCalendarSpec): the school's
// terms, closures and overrides plus its division's bank holidays through its last term's year.
parley::calendar::CalendarSpec EffectiveSpec(const pv::SchoolCalendar& cal) {
  namespace pc = ::parley::calendar;
  pc::CalendarSpec spec;
  spec.time_zone = cal.time_zone();
  int last_year = 0;
  for (const auto& t : cal.terms()) {
    spec.terms.push_back({Day(t.start_date()), Day(t.end_date()), t.display_name()});
    last_year = std::max(last_year, static_cast<int>(Day(t.end_date()).year()));
  }
  for (const auto& c : cal.closures()) spec.closures.push_back({Day(c.start_date()), Day(ClosureEnd(c)), c.label()});
  if (cal.school_days_size() > 0) {
    spec.school_days.fill(false);
    for (const auto d : cal.school_days()) spec.school_days[static_cast<size_t>(d) - 1] = true;
  }
  spec.core_hours = {Minutes(cal.core_hours().open()), Minutes(cal.core_hours().close())};
  for (const auto& o : cal.overrides()) {
    spec.overrides.push_back({Day(o.date()), {Minutes(o.hours().open()), Minutes(o.hours().close())}, o.label()});
  }
  auto holidays = pc::BankHolidaysThrough(cal.bank_holiday_division(), last_year);
  EXPECT_TRUE(holidays.ok()) << holidays.status();
  if (holidays.ok()) spec.closures.insert(spec.closures.end(), holidays->begin(), holidays->end());
  return spec;
}

// Everything about one school that references are resolved against.
struct SchoolIndex {
  std::string id;
  std::map<std::string, const pv::Staff*> staff;
  std::map<std::string, const pv::Pupil*> pupils;
  std::map<std::string, const pv::Ladder*> ladders;
  std::set<std::string> external_contacts;
  std::map<std::string, std::vector<const pv::Staff*>> by_role;

  explicit SchoolIndex(const pv::SchoolDirectory& s) : id(SchoolId(s)) {
    for (const auto& m : s.staff()) {
      staff[m.name()] = &m;
      for (const auto& r : m.roles()) by_role[r].push_back(&m);
    }
    for (const auto& p : s.pupils()) pupils[p.name()] = &p;
    for (const auto& l : s.ladders()) ladders[l.name()] = &l;
    for (const auto& e : s.school().external_contacts()) external_contacts.insert(e.id());
  }

  bool HoldsRole(const std::string& staff_name, const std::string& role) const {
    auto it = staff.find(staff_name);
    if (it == staff.end()) return false;
    for (const auto& r : it->second->roles()) {
      if (r == role) return true;
    }
    return false;
  }

  bool RoleCovers(const std::string& role, int year_group) const {
    auto it = by_role.find(role);
    if (it == by_role.end()) return false;
    for (const pv::Staff* m : it->second) {
      for (int y : m->year_groups()) {
        if (y == year_group) return true;
      }
    }
    return false;
  }

  bool HeadOfDepartmentFor(const std::string& subject) const {
    auto it = by_role.find("head_of_department");
    if (it == by_role.end()) return false;
    for (const pv::Staff* m : it->second) {
      for (const auto& s : m->subjects()) {
        if (s == subject) return true;
      }
    }
    return false;
  }
};

// Why a pupil relation cannot be answered for this pupil, or "" when it can.
std::string RelationGap(const pv::RoleRef& ref, const pv::Pupil& p, const SchoolIndex& idx) {
  switch (ref.relation()) {
    case pv::PUPIL_RELATION_CLASS_TEACHER:
      return idx.staff.count(p.class_teacher()) ? "" : "no class teacher";
    case pv::PUPIL_RELATION_FORM_TUTOR:
      return idx.staff.count(p.form_tutor()) ? "" : "no form tutor";
    case pv::PUPIL_RELATION_SUBJECT_TEACHER:
      if (ref.subject().empty()) return p.subject_teachers_size() > 0 ? "" : "no subject teachers";
      for (const auto& st : p.subject_teachers()) {
        if (st.subject() == ref.subject()) return "";
      }
      return "no teacher for " + ref.subject();
    case pv::PUPIL_RELATION_HEAD_OF_YEAR:
      return idx.RoleCovers("head_of_year", p.year_group()) ? "" : "no head of year";
    case pv::PUPIL_RELATION_PHASE_LEADER:
      return idx.RoleCovers("phase_leader", p.year_group()) ? "" : "no phase leader";
    case pv::PUPIL_RELATION_HEAD_OF_DEPARTMENT: {
      std::vector<std::string> subjects;
      if (!ref.subject().empty()) {
        subjects.push_back(ref.subject());
      } else {
        for (const auto& st : p.subject_teachers()) subjects.push_back(st.subject());
      }
      if (subjects.empty()) return "no subjects, so no head of department";
      for (const auto& s : subjects) {
        if (!idx.HeadOfDepartmentFor(s)) return "no head of department for " + s;
      }
      return "";
    }
    default:
      return "unspecified relation";
  }
}

// Checks one RoleRef named by a route or rung; `where` names it in failure messages.
void CheckRoleRef(const pv::RoleRef& ref, const pv::SchoolDirectory& school, const SchoolIndex& idx,
                  const std::string& where) {
  switch (ref.target_case()) {
    case pv::RoleRef::kRole:
      EXPECT_TRUE(idx.by_role.count(ref.role()) && !idx.by_role.at(ref.role()).empty())
          << where << ": nobody holds role " << ref.role();
      break;
    case pv::RoleRef::kStaff:
      EXPECT_TRUE(idx.staff.count(ref.staff())) << where << ": unknown staff " << ref.staff();
      break;
    case pv::RoleRef::kExternalContact:
      EXPECT_TRUE(idx.external_contacts.count(ref.external_contact()))
          << where << ": unknown external contact " << ref.external_contact();
      break;
    case pv::RoleRef::kRelation: {
      ASSERT_NE(ref.relation(), pv::PUPIL_RELATION_UNSPECIFIED) << where;
      int gaps = 0;
      for (const auto& p : school.pupils()) {
        std::string gap = RelationGap(ref, p, idx);
        if (!gap.empty() && ++gaps <= 3) {
          ADD_FAILURE() << where << ": " << pv::PupilRelation_Name(ref.relation()) << " does not resolve for "
                        << p.name() << " (" << gap << ")";
        }
      }
      EXPECT_EQ(gaps, 0) << where;
      break;
    }
    default:
      ADD_FAILURE() << where << ": RoleRef names no target";
  }
}

// ---- the whole document ---------------------------------------------------------------------

TEST(DemoTrust, ParsesStrictlyAsTrustDirectory) {
  REQUIRE_DEMO();
  EXPECT_FALSE(trust.trust().display_name().empty());
  EXPECT_TRUE(trust.trust().name().empty()) << "output-only fields are not part of the demo";
}

TEST(DemoTrust, HasTheFiveSeedSchools) {
  REQUIRE_DEMO();
  ASSERT_EQ(trust.schools_size(), 5);
  for (const char* id : kSchoolIds) {
    EXPECT_NE(FindSchool(trust, id), nullptr) << "missing school " << id;
  }
}

TEST(DemoTrust, ResourceNamesAreWellFormedAndUnique) {
  REQUIRE_DEMO();
  static const std::regex kSchool(R"(schools/[a-z0-9-]{2,40})");
  static const std::regex kId(R"([a-z0-9][a-z0-9-]*)");
  static const std::regex kGuardian(R"(guardians/[a-z0-9][a-z0-9-]*)");
  std::set<std::string> seen;
  auto unique = [&](const std::string& name) {
    EXPECT_TRUE(seen.insert(name).second) << "duplicate resource name " << name;
  };
  auto child = [&](const std::string& name, const std::string& prefix) {
    EXPECT_EQ(name.rfind(prefix, 0), 0u) << name << " is not under " << prefix;
    EXPECT_TRUE(name.size() > prefix.size() && std::regex_match(name.substr(prefix.size()), kId))
        << "malformed resource name " << name;
    unique(name);
  };
  for (const auto& s : trust.schools()) {
    const std::string& school = s.school().name();
    EXPECT_TRUE(std::regex_match(school, kSchool)) << "malformed school name " << school;
    unique(school);
    EXPECT_FALSE(s.school().display_name().empty()) << school;
    for (const auto& m : s.staff()) child(m.name(), school + "/staff/");
    for (const auto& p : s.pupils()) child(p.name(), school + "/pupils/");
    for (const auto& l : s.ladders()) child(l.name(), school + "/ladders/");
    EXPECT_EQ(s.routing_matrix().name(), school + "/routingMatrix");
    unique(s.routing_matrix().name());
    std::set<std::string> contacts;
    for (const auto& e : s.school().external_contacts()) {
      EXPECT_TRUE(std::regex_match(e.id(), kId)) << school << ": bad external contact id " << e.id();
      EXPECT_TRUE(contacts.insert(e.id()).second) << school << ": duplicate contact " << e.id();
      EXPECT_FALSE(e.display_name().empty()) << school << "/" << e.id();
    }
  }
  for (const auto& g : trust.guardians()) {
    EXPECT_TRUE(std::regex_match(g.name(), kGuardian)) << "malformed guardian name " << g.name();
    unique(g.name());
  }
}

TEST(DemoTrust, CalendarsHaveTwoYearsOfTermsClosuresAndHours) {
  REQUIRE_DEMO();
  // Dates that must fall in a term: each term of 2025-26 and 2026-27.
  const char* const kInTerm[] = {"2025-10-01", "2026-01-20", "2026-05-12", "2026-10-01", "2027-01-20", "2027-05-12"};
  for (const auto& s : trust.schools()) {
    const std::string id = SchoolId(s);
    const pv::SchoolCalendar& cal = s.school().calendar();
    EXPECT_EQ(cal.time_zone(), "Europe/London") << id;
    EXPECT_EQ(cal.bank_holiday_division(), "england-and-wales") << id;
    EXPECT_TRUE(ValidHours(cal.core_hours())) << id << ": core hours";
    if (cal.has_teaching_hours()) {
      EXPECT_TRUE(ValidHours(cal.teaching_hours())) << id << ": teaching hours";
      EXPECT_LE(cal.core_hours().open(), cal.teaching_hours().open()) << id;
      EXPECT_GE(cal.core_hours().close(), cal.teaching_hours().close()) << id;
    }
    for (const auto d : cal.school_days()) {
      EXPECT_NE(d, pv::WEEKDAY_UNSPECIFIED) << id;
    }
    // Terms: valid, ordered, non-overlapping.
    ASSERT_GE(cal.terms_size(), 6) << id;
    for (int i = 0; i < cal.terms_size(); ++i) {
      const pv::Term& t = cal.terms(i);
      EXPECT_TRUE(IsDate(t.start_date()) && IsDate(t.end_date())) << id << ": " << t.display_name();
      EXPECT_LE(t.start_date(), t.end_date()) << id << ": " << t.display_name();
      if (i > 0) {
        EXPECT_LT(cal.terms(i - 1).end_date(), t.start_date()) << id << ": terms overlap";
      }
    }
    for (const char* d : kInTerm) {
      EXPECT_NE(TermContaining(cal, d), nullptr) << id << ": no term contains " << d;
    }
    // Closures: inside a term, labelled, with a kind.
    std::map<std::string, long> inset_days_by_year;  // academic year "2025" -> INSET days
    bool autumn_half_term = false;
    for (const auto& c : cal.closures()) {
      const std::string end = ClosureEnd(c);
      ASSERT_TRUE(IsDate(c.start_date()) && IsDate(end)) << id << ": " << c.label();
      EXPECT_LE(c.start_date(), end) << id << ": " << c.label();
      EXPECT_FALSE(c.label().empty()) << id << ": closure on " << c.start_date();
      EXPECT_NE(c.kind(), pv::CLOSURE_KIND_UNSPECIFIED) << id << ": " << c.label();
      const pv::Term* term = TermContaining(cal, c.start_date());
      EXPECT_TRUE(term != nullptr && end <= term->end_date())
          << id << ": closure " << c.start_date() << ".." << end << " is not inside one term";
      if (c.kind() == pv::CLOSURE_KIND_INSET_DAY) {
        const std::string year = c.start_date().substr(5, 2) >= "09"
                                     ? c.start_date().substr(0, 4)
                                     : std::to_string(std::stoi(c.start_date().substr(0, 4)) - 1);
        inset_days_by_year[year] += DayNumber(end) - DayNumber(c.start_date()) + 1;
      }
      if (c.kind() == pv::CLOSURE_KIND_HALF_TERM && c.start_date() == "2025-10-27" && end == "2025-10-31") {
        autumn_half_term = true;
      }
    }
    EXPECT_TRUE(autumn_half_term) << id << ": autumn half-term 2025-10-27..2025-10-31";
    EXPECT_EQ(inset_days_by_year["2025"], 5) << id << ": INSET days in 2025-26";
    EXPECT_EQ(inset_days_by_year["2026"], 5) << id << ": INSET days in 2026-27";
    EXPECT_GE(cal.overrides_size(), 2) << id;
    for (const auto& o : cal.overrides()) {
      EXPECT_TRUE(IsDate(o.date())) << id << ": override " << o.date();
      EXPECT_NE(TermContaining(cal, o.date()), nullptr) << id << ": override outside term";
      EXPECT_TRUE(ValidHours(o.hours())) << id << ": override " << o.date();
    }
  }
}

// The demo must work on the day it is made for, whatever year that is (generate_demo_trust.py
// --today): every school has the previous, current and next school year, in the usual shape, and
// its bank holidays (published or by rule) close the school.
TEST(DemoTrust, CalendarsCoverTheSchoolYearsAroundToday) {
  REQUIRE_DEMO();
  namespace pc = ::parley::calendar;
  const absl::CivilDay today = DemoToday();
  const int current = static_cast<int>(today.month() >= 9 ? today.year() : today.year() - 1);
  for (const auto& s : trust.schools()) {
    const std::string id = SchoolId(s);
    const pv::SchoolCalendar& cal = s.school().calendar();
    auto built = pc::Calendar::Build(EffectiveSpec(cal));
    ASSERT_TRUE(built.ok()) << id << ": " << built.status();
    const pc::Calendar& calendar = **built;
    // The demo's enquiries get deadlines: there is a working period ahead, within a month.
    auto next = calendar.PeriodAtOrAfter(absl::FromCivil(absl::CivilSecond(today), calendar.zone()));
    ASSERT_TRUE(next.ok()) << id << ": " << next.status();
    EXPECT_LE(absl::ToCivilDay(next->first, calendar.zone()), today + 62) << id;
    for (int year = current - 1; year <= current + 1; ++year) {
      const std::string at = id + " " + std::to_string(year) + "-" + std::to_string(year + 1);
      // Three terms with the reporting names ("Autumn 2028", "Spring 2029", "Summer 2029").
      const std::pair<std::string, std::string> expected[] = {
          {"Autumn " + std::to_string(year), std::to_string(year) + "-09-01"},
          {"Spring " + std::to_string(year + 1), std::to_string(year + 1) + "-01-01"},
          {"Summer " + std::to_string(year + 1), std::to_string(year + 1) + "-04-01"}};
      for (const auto& [name, not_before] : expected) {
        auto term = std::find_if(cal.terms().begin(), cal.terms().end(),
                                 [&](const pv::Term& t) { return t.display_name() == name; });
        ASSERT_NE(term, cal.terms().end()) << at << ": no term " << name;
        EXPECT_GE(term->start_date(), not_before) << at << ": " << name;
        EXPECT_LT(DayNumber(term->start_date()) + 60, DayNumber(term->end_date())) << at << ": " << name;
      }
      // About 190 working days (195 days with 5 INSET days), three half-term weeks.
      int working_days = 0, half_terms = 0;
      for (absl::CivilDay d(year, 9, 1); d < absl::CivilDay(year + 1, 9, 1); ++d) {
        std::string why;
        if (calendar.PeriodOn(d, &why)) {
          ++working_days;
        } else if (why.find("half-term") != std::string::npos && absl::GetWeekday(d) == absl::Weekday::monday) {
          ++half_terms;
        }
      }
      EXPECT_GE(working_days, 185) << at;
      EXPECT_LE(working_days, 192) << at;
      EXPECT_EQ(half_terms, 3) << at;
      // The early May bank holiday (first Monday of May) is in the summer term and closes it; in
      // years past the published list it comes from the rules.
      absl::CivilDay early_may(year + 1, 5, 1);
      while (absl::GetWeekday(early_may) != absl::Weekday::monday) ++early_may;
      std::string why;
      EXPECT_FALSE(calendar.PeriodOn(early_may, &why)) << at;
      EXPECT_EQ(why, "Early May bank holiday") << at << " " << early_may;
      // Christmas and New Year fall in the holidays, Good Friday and Easter Monday too.
      for (absl::CivilDay d : {absl::CivilDay(year, 12, 25), absl::CivilDay(year + 1, 1, 1),
                               pc::EasterSunday(year + 1) - 2, pc::EasterSunday(year + 1) + 1}) {
        EXPECT_FALSE(calendar.PeriodOn(d)) << at << " " << d;
      }
    }
  }
}

TEST(DemoTrust, PoliciesAreComplete) {
  REQUIRE_DEMO();
  for (const auto& s : trust.schools()) {
    const std::string id = SchoolId(s);
    const pv::CommunicationPolicy& policy = s.school().policy();
    EXPECT_GT(policy.rules_size(), 0) << id;
    // One general rule per channel and stage; category rules add to it, one per category.
    std::set<std::tuple<int, int, std::string>> keys;
    for (const auto& r : policy.rules()) {
      const std::string what = id + " " + pv::Channel_Name(r.channel()) + "/" + pv::Stage_Name(r.stage());
      EXPECT_NE(r.channel(), pv::CHANNEL_UNSPECIFIED) << what;
      EXPECT_NE(r.stage(), pv::STAGE_UNSPECIFIED) << what;
      if (r.categories().empty()) {
        EXPECT_TRUE(keys.insert({r.channel(), r.stage(), ""}).second) << what << " twice";
      }
      for (const std::string& category : r.categories()) {
        EXPECT_TRUE(keys.insert({r.channel(), r.stage(), category}).second) << what << " " << category << " twice";
      }
      EXPECT_NE(r.budget().amount_case(), pv::Budget::AMOUNT_NOT_SET) << what;
      EXPECT_GT(r.budget().working_days() + r.budget().working_hours() + r.budget().working_minutes() +
                    r.budget().elapsed_minutes(),
                0)
          << what;
      EXPECT_FALSE(r.policy_text().empty()) << what << ": policy text";
    }
    EXPECT_EQ(policy.safeguarding_budget().amount_case(), pv::Budget::kElapsedMinutes) << id;
    EXPECT_GT(policy.safeguarding_budget().elapsed_minutes(), 0) << id;
    EXPECT_TRUE(policy.breach().refer_to_complaints_at_top()) << id;
  }
}

TEST(DemoTrust, StaffReferencesResolve) {
  REQUIRE_DEMO();
  static const std::regex kEmail(R"([a-z0-9.+-]+@example\.org)");
  for (const auto& s : trust.schools()) {
    const SchoolIndex idx(s);
    for (const auto& m : s.staff()) {
      EXPECT_FALSE(m.display_name().empty()) << m.name();
      EXPECT_FALSE(m.roles().empty()) << m.name();
      EXPECT_TRUE(std::regex_match(m.email(), kEmail)) << m.name() << ": " << m.email();
      if (!m.line_manager().empty()) {
        EXPECT_TRUE(idx.staff.count(m.line_manager())) << m.name() << ": line manager " << m.line_manager();
        EXPECT_NE(m.line_manager(), m.name());
      }
      // No management cycles: walking up ends within the staff count.
      std::string at = m.name();
      size_t steps = 0;
      while (!at.empty() && idx.staff.count(at) && steps <= idx.staff.size()) {
        at = idx.staff.at(at)->line_manager();
        ++steps;
      }
      EXPECT_LE(steps, idx.staff.size()) << m.name() << ": line-management cycle";
      std::set<int> days;
      for (const auto& d : m.working_pattern().days()) {
        EXPECT_NE(d.weekday(), pv::WEEKDAY_UNSPECIFIED) << m.name();
        EXPECT_TRUE(days.insert(d.weekday()).second) << m.name() << ": day listed twice";
        if (d.has_hours()) {
          EXPECT_TRUE(ValidHours(d.hours())) << m.name();
        }
      }
    }
  }
}

TEST(DemoTrust, PupilReferencesResolve) {
  REQUIRE_DEMO();
  for (const auto& s : trust.schools()) {
    const SchoolIndex idx(s);
    EXPECT_GE(s.pupils_size(), 150) << idx.id;
    for (const auto& p : s.pupils()) {
      EXPECT_FALSE(p.given_name().empty() || p.family_name().empty()) << p.name();
      EXPECT_FALSE(p.class_name().empty()) << p.name();
      EXPECT_TRUE(!p.class_teacher().empty() || !p.form_tutor().empty())
          << p.name() << ": no class teacher or form tutor";
      if (!p.class_teacher().empty()) {
        EXPECT_TRUE(idx.HoldsRole(p.class_teacher(), "class_teacher"))
            << p.name() << ": class teacher " << p.class_teacher();
      }
      if (!p.form_tutor().empty()) {
        EXPECT_TRUE(idx.HoldsRole(p.form_tutor(), "form_tutor")) << p.name() << ": form tutor " << p.form_tutor();
      }
      std::set<std::string> subjects;
      for (const auto& st : p.subject_teachers()) {
        EXPECT_TRUE(subjects.insert(st.subject()).second) << p.name() << ": " << st.subject();
        auto it = idx.staff.find(st.teacher());
        ASSERT_NE(it, idx.staff.end()) << p.name() << ": subject teacher " << st.teacher();
        bool teaches = false;
        for (const auto& subj : it->second->subjects()) teaches |= subj == st.subject();
        EXPECT_TRUE(teaches) << st.teacher() << " does not teach " << st.subject();
      }
    }
  }
}

TEST(DemoTrust, RoutesAndLaddersResolveForEveryPupil) {
  REQUIRE_DEMO();
  for (const auto& s : trust.schools()) {
    const SchoolIndex idx(s);
    std::set<std::string> categories;
    for (const auto& rule : s.routing_matrix().rules()) {
      const std::string where = idx.id + " route " + rule.category();
      EXPECT_TRUE(categories.insert(rule.category()).second) << where << " twice";
      CheckRoleRef(rule.owner(), s, idx, where + " owner");
      for (const auto& n : rule.also_notify()) CheckRoleRef(n, s, idx, where + " also_notify");
      if (rule.allowed_channels_size() > 0) {
        EXPECT_FALSE(rule.channel_rule().empty()) << where << ": restricted without channel_rule";
      }
      if (!rule.ladder().empty()) {
        auto it = idx.ladders.find(rule.ladder());
        ASSERT_NE(it, idx.ladders.end()) << where << ": unknown ladder " << rule.ladder();
        // A ladder's first rung is the route's owner; escalation climbs from there.
        EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(rule.owner(), it->second->rungs(0).who()))
            << where << ": owner is not the first rung of " << rule.ladder();
      }
    }
    for (const char* c : kRequiredCategories) {
      EXPECT_TRUE(categories.count(c)) << idx.id << ": no route for " << c;
    }
    for (const auto& ladder : s.ladders()) {
      EXPECT_GT(ladder.rungs_size(), 0) << ladder.name();
      for (int i = 0; i < ladder.rungs_size(); ++i) {
        EXPECT_FALSE(ladder.rungs(i).title().empty()) << ladder.name();
        CheckRoleRef(ladder.rungs(i).who(), s, idx, ladder.name() + " rung " + std::to_string(i + 1));
      }
    }
  }
}

TEST(DemoTrust, SafeguardingGoesToTheDslAndDeputies) {
  REQUIRE_DEMO();
  for (const auto& s : trust.schools()) {
    int found = 0;
    for (const auto& rule : s.routing_matrix().rules()) {
      if (!rule.safeguarding()) continue;
      ++found;
      EXPECT_EQ(rule.category(), "safeguarding") << SchoolId(s);
      EXPECT_EQ(rule.owner().role(), "dsl") << SchoolId(s);
      bool deputies = false;
      for (const auto& n : rule.also_notify()) deputies |= n.role() == "deputy_dsl";
      EXPECT_TRUE(deputies) << SchoolId(s) << ": safeguarding does not notify deputy_dsl";
      EXPECT_EQ(rule.allowed_channels_size(), 0) << "safeguarding is never redirected";
    }
    EXPECT_EQ(found, 1) << SchoolId(s);
  }
}

TEST(DemoTrust, GuardiansLinkToRealPupilsWithFictionalContacts) {
  REQUIRE_DEMO();
  std::map<std::string, std::string> pupil_school;
  for (const auto& s : trust.schools()) {
    for (const auto& p : s.pupils()) pupil_school[p.name()] = SchoolId(s);
  }
  static const std::regex kEmail(R"([a-z0-9.+-]+@example\.org)");
  static const std::regex kMobile(R"(07700 900\d{3})");
  static const std::regex kLandline(R"((020 7946 0\d{3})|(01632 960\d{3}))");
  std::map<std::string, int> guardians_with_pr;
  std::set<std::string> languages, emails, mobiles;
  int multi_school = 0, court_orders = 0, apart = 0, separate_copies = 0, multi_child = 0;
  std::set<int> channels;
  for (const auto& g : trust.guardians()) {
    EXPECT_FALSE(g.given_name().empty() || g.family_name().empty()) << g.name();
    EXPECT_FALSE(g.household().empty()) << g.name();
    EXPECT_NE(g.preferred_channel(), pv::CHANNEL_UNSPECIFIED) << g.name();
    EXPECT_GT(g.pupils_size(), 0) << g.name() << " is linked to no pupil";
    if (g.separate_copies()) {
      EXPECT_TRUE(g.lives_apart()) << g.name() << ": separate copies but not living apart";
    }
    languages.insert(g.language());
    channels.insert(g.preferred_channel());
    apart += g.lives_apart();
    separate_copies += g.separate_copies();
    multi_child += g.pupils_size() > 1;
    std::set<pv::ContactKind> kinds;
    for (const auto& c : g.contact_points()) {
      kinds.insert(c.kind());
      switch (c.kind()) {
        case pv::CONTACT_KIND_EMAIL:
          EXPECT_TRUE(std::regex_match(c.value(), kEmail)) << g.name() << ": " << c.value();
          EXPECT_TRUE(emails.insert(c.value()).second) << "email shared: " << c.value();
          break;
        case pv::CONTACT_KIND_MOBILE:
          EXPECT_TRUE(std::regex_match(c.value(), kMobile)) << g.name() << ": " << c.value();
          EXPECT_TRUE(mobiles.insert(c.value()).second) << "mobile shared: " << c.value();
          break;
        case pv::CONTACT_KIND_LANDLINE:
          EXPECT_TRUE(std::regex_match(c.value(), kLandline)) << g.name() << ": " << c.value();
          break;
        case pv::CONTACT_KIND_POSTAL:
        case pv::CONTACT_KIND_APP:
          EXPECT_FALSE(c.value().empty()) << g.name();
          break;
        default:
          ADD_FAILURE() << g.name() << ": contact point without a kind";
      }
    }
    // The preferred channel can be reached.
    switch (g.preferred_channel()) {
      case pv::CHANNEL_EMAIL:
        EXPECT_TRUE(kinds.count(pv::CONTACT_KIND_EMAIL)) << g.name();
        break;
      case pv::CHANNEL_SMS:
        EXPECT_TRUE(kinds.count(pv::CONTACT_KIND_MOBILE)) << g.name();
        break;
      case pv::CHANNEL_LETTER:
        EXPECT_TRUE(kinds.count(pv::CONTACT_KIND_POSTAL)) << g.name();
        break;
      case pv::CHANNEL_APP_MESSAGE:
        EXPECT_TRUE(kinds.count(pv::CONTACT_KIND_APP)) << g.name();
        break;
      default:
        break;
    }
    std::set<std::string> linked, schools;
    for (const auto& link : g.pupils()) {
      auto it = pupil_school.find(link.pupil());
      EXPECT_NE(it, pupil_school.end()) << g.name() << " links to unknown " << link.pupil();
      EXPECT_TRUE(linked.insert(link.pupil()).second) << g.name() << " links twice";
      EXPECT_FALSE(link.relationship().empty()) << g.name();
      if (it != pupil_school.end()) schools.insert(it->second);
      if (link.parental_responsibility()) ++guardians_with_pr[link.pupil()];
      if (link.has_court_order()) {
        ++court_orders;
        EXPECT_TRUE(link.court_order().no_contact() || link.court_order().no_information());
        if (!link.court_order().until_date().empty()) {
          EXPECT_TRUE(IsDate(link.court_order().until_date())) << g.name();
        }
      }
    }
    multi_school += schools.size() > 1;
  }
  for (const auto& [pupil, school] : pupil_school) {
    EXPECT_GT(guardians_with_pr[pupil], 0) << pupil << " has no guardian with parental responsibility";
  }
  EXPECT_GE(multi_school, 2) << "families with children in two schools";
  EXPECT_GE(multi_child, 50) << "guardians of siblings";
  EXPECT_GE(court_orders, 1);
  EXPECT_GE(apart, 40) << "separated families";
  EXPECT_GE(separate_copies, 10);
  EXPECT_GE(languages.size(), 8u);
  for (auto c : {pv::CHANNEL_APP_MESSAGE, pv::CHANNEL_EMAIL, pv::CHANNEL_LETTER, pv::CHANNEL_SMS}) {
    EXPECT_TRUE(channels.count(c)) << "nobody prefers " << pv::Channel_Name(c);
  }
}

// ---- facts pinned by the acceptance scenarios ---------------------------------------------

const pv::ResponseRule* FindRule(const pv::School& school, pv::Channel c, pv::Stage s) {
  for (const auto& r : school.policy().rules()) {
    if (r.channel() == c && r.stage() == s) return &r;
  }
  return nullptr;
}

const pv::RoutingRule* FindRoute(const pv::SchoolDirectory& s, const std::string& category) {
  for (const auto& r : s.routing_matrix().rules()) {
    if (r.category() == category) return &r;
  }
  return nullptr;
}

const pv::Ladder* FindLadder(const pv::SchoolDirectory& s, const std::string& name) {
  for (const auto& l : s.ladders()) {
    if (l.name() == name) return &l;
  }
  return nullptr;
}

TEST(DemoTrust, StMarysMatchesItsPolicy) {
  REQUIRE_DEMO();
  const pv::SchoolDirectory* s = FindSchool(trust, "st-marys");
  ASSERT_NE(s, nullptr);
  const pv::SchoolCalendar& cal = s->school().calendar();
  EXPECT_EQ(cal.core_hours().open(), "08:45");
  EXPECT_EQ(cal.core_hours().close(), "15:30");

  const pv::Term* autumn = TermContaining(cal, "2025-10-01");
  ASSERT_NE(autumn, nullptr);
  EXPECT_LE(autumn->start_date(), "2025-09-03");
  EXPECT_GE(autumn->end_date(), "2025-12-19");
  bool half_term = false;
  for (const auto& c : cal.closures()) {
    half_term |= c.start_date() == "2025-10-27" && ClosureEnd(c) == "2025-10-31" &&
                 autumn->start_date() <= c.start_date() && ClosureEnd(c) <= autumn->end_date();
  }
  EXPECT_TRUE(half_term) << "autumn 2025 term must contain the closure 2025-10-27..2025-10-31";
  // the worked example (docs/architecture.md#worked-example): Fri 24 Oct and Mon 3 - Wed 5 Nov 2025 are working days.
  for (const auto& c : cal.closures()) {
    for (const char* d : {"2025-10-24", "2025-11-03", "2025-11-04", "2025-11-05"}) {
      EXPECT_FALSE(c.start_date() <= d && d <= ClosureEnd(c)) << d << " is closed: " << c.label();
    }
  }

  const pv::ResponseRule* ack = FindRule(s->school(), pv::CHANNEL_EMAIL, pv::STAGE_ACKNOWLEDGE);
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(ack->budget().amount_case(), pv::Budget::kWorkingDays);
  EXPECT_EQ(ack->budget().working_days(), 2);
  const pv::ResponseRule* respond = FindRule(s->school(), pv::CHANNEL_EMAIL, pv::STAGE_RESPOND);
  ASSERT_NE(respond, nullptr);
  EXPECT_EQ(respond->budget().working_days(), 5);
  const pv::ResponseRule* calls = FindRule(s->school(), pv::CHANNEL_PHONE, pv::STAGE_RESPOND);
  ASSERT_NE(calls, nullptr);
  EXPECT_EQ(calls->budget().working_days(), 2);
  EXPECT_EQ(s->school().policy().event_notice_days(), 14);

  const pv::RoutingRule* send = FindRoute(*s, "send");
  ASSERT_NE(send, nullptr);
  EXPECT_EQ(send->owner().relation(), pv::PUPIL_RELATION_CLASS_TEACHER);
  const pv::Ladder* ladder = FindLadder(*s, send->ladder());
  ASSERT_NE(ladder, nullptr) << "send route ladder " << send->ladder();
  ASSERT_GE(ladder->rungs_size(), 2);
  EXPECT_EQ(ladder->rungs(0).who().relation(), pv::PUPIL_RELATION_CLASS_TEACHER);
  EXPECT_EQ(ladder->rungs(1).who().role(), "senco");

  const pv::RoutingRule* attendance = FindRoute(*s, "attendance");
  ASSERT_NE(attendance, nullptr);
  ASSERT_EQ(attendance->allowed_channels_size(), 1);
  EXPECT_EQ(attendance->allowed_channels(0), pv::CHANNEL_PHONE);
  EXPECT_EQ(attendance->owner().role(), "office");

  const SchoolIndex idx(*s);
  EXPECT_TRUE(idx.HoldsRole("schools/st-marys/staff/mrs-dunne", "finance_administrator"));
  const pv::RoutingRule* payments = FindRoute(*s, "payments");
  ASSERT_NE(payments, nullptr);
  EXPECT_EQ(payments->owner().role(), "finance_administrator");
  const pv::RoutingRule* trips = FindRoute(*s, "trips");
  ASSERT_NE(trips, nullptr);
  EXPECT_EQ(trips->owner().staff(), "schools/st-marys/staff/mrs-dunne");
}

TEST(DemoTrust, KenilworthTellsTheCountyTeamAboutSafeguarding) {
  REQUIRE_DEMO();
  const pv::SchoolDirectory* s = FindSchool(trust, "kenilworth");
  ASSERT_NE(s, nullptr);
  const SchoolIndex idx(*s);
  ASSERT_TRUE(idx.external_contacts.count("herts-child-protection"));
  const pv::RoutingRule* safeguarding = FindRoute(*s, "safeguarding");
  ASSERT_NE(safeguarding, nullptr);
  bool county = false;
  for (const auto& n : safeguarding->also_notify()) {
    county |= n.external_contact() == "herts-child-protection";
  }
  EXPECT_TRUE(county);
  const pv::ResponseRule* meet = FindRule(s->school(), pv::CHANNEL_MEETING_REQUEST, pv::STAGE_HOLD_MEETING);
  ASSERT_NE(meet, nullptr);
  EXPECT_EQ(meet->budget().working_days(), 5);
  const pv::ResponseRule* respond = FindRule(s->school(), pv::CHANNEL_EMAIL, pv::STAGE_RESPOND);
  ASSERT_NE(respond, nullptr);
  EXPECT_EQ(respond->budget().working_days(), 3);
  const pv::Ladder* ladder = FindLadder(*s, "schools/kenilworth/ladders/main");
  ASSERT_NE(ladder, nullptr);
  ASSERT_EQ(ladder->rungs_size(), 4);
  EXPECT_EQ(ladder->rungs(1).who().relation(), pv::PUPIL_RELATION_PHASE_LEADER);
  EXPECT_EQ(ladder->rungs(2).who().role(), "deputy_head");
  EXPECT_EQ(ladder->rungs(3).who().role(), "headteacher");
}

TEST(DemoTrust, MiltonRoadPartTimeStaffAnswerOnTheirReturn) {
  REQUIRE_DEMO();
  const pv::SchoolDirectory* s = FindSchool(trust, "milton-road");
  ASSERT_NE(s, nullptr);
  const pv::SchoolCalendar& cal = s->school().calendar();
  EXPECT_EQ(cal.teaching_hours().open(), "08:50");
  EXPECT_EQ(cal.teaching_hours().close(), "15:25");
  const pv::ResponseRule* phone = FindRule(s->school(), pv::CHANNEL_PHONE, pv::STAGE_RESPOND);
  ASSERT_NE(phone, nullptr);
  EXPECT_EQ(phone->budget().working_days(), 1);
  EXPECT_EQ(phone->clock_calendar(), pv::CLOCK_CALENDAR_OWNER);
  const pv::ResponseRule* letters = FindRule(s->school(), pv::CHANNEL_LETTER, pv::STAGE_ACKNOWLEDGE);
  ASSERT_NE(letters, nullptr);
  EXPECT_EQ(letters->budget().working_days(), 5);
  int part_time = 0;
  for (const auto& m : s->staff()) part_time += m.working_pattern().days_size() > 0;
  EXPECT_GE(part_time, 3);
  const pv::RoutingRule* conduct = FindRoute(*s, "conduct");
  ASSERT_NE(conduct, nullptr);
  bool chair = false;
  for (const auto& n : conduct->also_notify()) chair |= n.external_contact() == "chair-of-governors";
  EXPECT_TRUE(chair) << "breaches of the code go to the Chair of Governors";
}

TEST(DemoTrust, RoutesNameThePeopleThePoliciesSayToTell) {
  REQUIRE_DEMO();
  // Escalation tells each of them of every matter on the route (escalation.informed).
  auto tells = [](const pv::RoutingRule& rule, const std::string& role) {
    for (const auto& n : rule.also_notify()) {
      if (n.role() == role) return true;
    }
    return false;
  };
  const pv::SchoolDirectory* woodgrange = FindSchool(trust, "woodgrange-infant");
  ASSERT_NE(woodgrange, nullptr);
  const pv::RoutingRule* urgent = FindRoute(*woodgrange, "urgent");
  ASSERT_NE(urgent, nullptr);
  EXPECT_EQ(urgent->owner().role(), "senior_leader");
  EXPECT_TRUE(urgent->allowed_channels().empty()) << "urgent matters by any channel";
  EXPECT_TRUE(tells(*urgent, "headteacher")) << "the head gets an outline in advance";
  const pv::SchoolDirectory* st_marys = FindSchool(trust, "st-marys");
  ASSERT_NE(st_marys, nullptr);
  const pv::RoutingRule* lettings = FindRoute(*st_marys, "premises_hire");
  ASSERT_NE(lettings, nullptr);
  EXPECT_TRUE(tells(*lettings, "business_manager"));
  // Riverside interrupts teaching only in an emergency: it states its teaching hours.
  const pv::SchoolDirectory* riverside = FindSchool(trust, "riverside-academy");
  ASSERT_NE(riverside, nullptr);
  EXPECT_EQ(riverside->school().calendar().teaching_hours().open(), "08:40");
  EXPECT_EQ(riverside->school().calendar().teaching_hours().close(), "15:10");
}

// Conduct incidents go where the policies send them (contacts' policy.incident_notices).
TEST(DemoTrust, IncidentsAreReferredAsThePoliciesSay) {
  REQUIRE_DEMO();
  const pv::SchoolDirectory* milton = FindSchool(trust, "milton-road");
  ASSERT_NE(milton, nullptr);
  ASSERT_EQ(milton->school().policy().incident_notices_size(), 1);
  const pv::IncidentNoticeRule& chair = milton->school().policy().incident_notices(0);
  EXPECT_TRUE(chair.incident_kinds().empty() && chair.channels().empty()) << "every breach of the code";
  ASSERT_EQ(chair.notify_size(), 1);
  EXPECT_EQ(chair.notify(0).external_contact(), "chair-of-governors");
  bool known = false;
  for (const auto& c : milton->school().external_contacts()) known |= c.id() == "chair-of-governors";
  EXPECT_TRUE(known);

  const pv::SchoolDirectory* riverside = FindSchool(trust, "riverside-academy");
  ASSERT_NE(riverside, nullptr);
  ASSERT_EQ(riverside->school().policy().incident_notices_size(), 1);
  const pv::IncidentNoticeRule& line = riverside->school().policy().incident_notices(0);
  EXPECT_TRUE(line.reporter_line_manager());
  EXPECT_TRUE(line.immediate()) << "report the incident immediately to their line manager";
  const std::set<int> channels(line.channels().begin(), line.channels().end());
  EXPECT_EQ(channels, (std::set<int>{pv::CHANNEL_PHONE, pv::CHANNEL_IN_PERSON, pv::CHANNEL_MEETING_REQUEST}))
      << "an abusive call or meeting";
  // Everyone but the principal has a line manager to report to.
  for (const auto& m : riverside->staff()) {
    if (std::find(m.roles().begin(), m.roles().end(), "principal") == m.roles().end()) {
      EXPECT_FALSE(m.line_manager().empty()) << m.name();
    }
  }
}

TEST(DemoTrust, RiversideHasTwoFourRungLadders) {
  REQUIRE_DEMO();
  const pv::SchoolDirectory* s = FindSchool(trust, "riverside-academy");
  ASSERT_NE(s, nullptr);
  const pv::Ladder* academic = FindLadder(*s, "schools/riverside-academy/ladders/academic");
  const pv::Ladder* pastoral = FindLadder(*s, "schools/riverside-academy/ladders/pastoral");
  ASSERT_NE(academic, nullptr);
  ASSERT_NE(pastoral, nullptr);
  ASSERT_EQ(academic->rungs_size(), 4);
  ASSERT_EQ(pastoral->rungs_size(), 4);
  EXPECT_EQ(academic->rungs(0).who().relation(), pv::PUPIL_RELATION_SUBJECT_TEACHER);
  EXPECT_EQ(academic->rungs(1).who().relation(), pv::PUPIL_RELATION_HEAD_OF_DEPARTMENT);
  EXPECT_EQ(academic->rungs(2).who().role(), "vice_principal_teaching_learning");
  EXPECT_EQ(academic->rungs(3).who().role(), "principal");
  EXPECT_EQ(pastoral->rungs(0).who().relation(), pv::PUPIL_RELATION_FORM_TUTOR);
  EXPECT_EQ(pastoral->rungs(1).who().relation(), pv::PUPIL_RELATION_HEAD_OF_YEAR);
  EXPECT_EQ(pastoral->rungs(2).who().role(), "vice_principal_pastoral");
  EXPECT_EQ(pastoral->rungs(3).who().role(), "principal");
  const pv::CommunicationPolicy& policy = s->school().policy();
  EXPECT_TRUE(policy.separate_copies_on_request());
  EXPECT_TRUE(policy.separate_copies_require_written_request());
  EXPECT_TRUE(policy.interpreters_available());
  const pv::ResponseRule* follow = FindRule(s->school(), pv::CHANNEL_PHONE, pv::STAGE_FOLLOW_UP);
  ASSERT_NE(follow, nullptr);
  EXPECT_EQ(follow->budget().working_days(), 10);
  const pv::ResponseRule* meeting = FindRule(s->school(), pv::CHANNEL_MEETING_REQUEST, pv::STAGE_ACKNOWLEDGE);
  ASSERT_NE(meeting, nullptr);
  EXPECT_EQ(meeting->budget().working_days(), 2);
  for (const auto& p : s->pupils()) {
    EXPECT_GE(p.year_group(), 7) << p.name();
    EXPECT_LE(p.year_group(), 13) << p.name();
  }
}

TEST(DemoTrust, WoodgrangeTextsOnlyInEmergencies) {
  REQUIRE_DEMO();
  const pv::SchoolDirectory* s = FindSchool(trust, "woodgrange-infant");
  ASSERT_NE(s, nullptr);
  const pv::CommunicationPolicy& policy = s->school().policy();
  EXPECT_EQ(policy.sms_policy(), pv::SMS_POLICY_EMERGENCY_ONLY);
  EXPECT_TRUE(policy.separate_copies_on_request());
  EXPECT_FALSE(policy.translation_locales().empty());
  for (const auto& p : s->pupils()) {
    EXPECT_GE(p.year_group(), 0) << p.name();
    EXPECT_LE(p.year_group(), 2) << p.name();
  }
}

}  // namespace
