#include "services/contacts/testing/sample_directory.h"

namespace parley::contacts::testing {
namespace {

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

Staff Member(const std::string& school, std::string id, std::string name, std::vector<std::string> roles,
             std::string line_manager = "") {
  Staff s;
  s.school_id = school;
  s.id = std::move(id);
  s.display_name = std::move(name);
  s.roles = std::move(roles);
  s.line_manager = std::move(line_manager);
  s.email = s.id + "@example.org";
  return s;
}

ResponseRule Rule(Channel c, Stage s, int days, ClockCalendar clock = ClockCalendar::kSchool) {
  ResponseRule r;
  r.channel = c;
  r.stage = s;
  r.budget.unit = calendar::Unit::kWorkingDays;
  r.budget.working_days = days;
  r.clock_calendar = clock;
  r.policy_text = "test rule";
  return r;
}

}  // namespace

SchoolDirectory SampleSchool(const std::string& school_id) {
  SchoolDirectory sd;
  School& school = sd.school;
  school.id = school_id;
  school.display_name = "St Mary's C of E Primary School";
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
  cal.overrides = {calendar::HoursOverride{absl::CivilDay(2025, 12, 19),
                                           calendar::HoursRange{8 * 60 + 45, 13 * 60 + 30}, "Last day of term"}};
  cal.bank_holiday_division = "england-and-wales";
  CommunicationPolicy& policy = school.policy;
  policy.rules = {Rule(Channel::kEmail, Stage::kAcknowledge, 2), Rule(Channel::kEmail, Stage::kRespond, 5),
                  Rule(Channel::kPhone, Stage::kRespond, 2, ClockCalendar::kOwner)};
  policy.event_notice_days = 14;
  policy.breach.refer_to_complaints_at_top = true;
  policy.breach.complaints_procedure_uri = "https://example.org/complaints";
  school.external_contacts = {ExternalContact{"county-lado", "County child protection team", "lado@example.org"}};

  auto add = [&](Staff s) { sd.staff[s.id] = std::move(s); };
  add(Member(school_id, "head", "Mrs E. Lawlor", {"headteacher", "dsl"}));
  add(Member(school_id, "deputy", "Mr D. Okafor", {"deputy_head", "deputy_dsl"}, "head"));
  add(Member(school_id, "senco", "Ms S. Patel", {"senco"}, "deputy"));
  add(Member(school_id, "office", "Miss C. Campos", {"office", "attendance_officer"}, "head"));
  add(Member(school_id, "finance", "Mrs A. Dunne", {"finance_administrator", "office"}, "head"));
  Staff oak = Member(school_id, "oak-teacher", "Mr T. Reed", {"class_teacher"}, "deputy");
  add(oak);
  // Works Monday to Wednesday: phone calls to them are returned on their working days.
  Staff ash = Member(school_id, "ash-teacher", "Mrs J. Hart", {"class_teacher"}, "deputy");
  calendar::WorkingPattern part_time;
  part_time.works = {true, true, true, false, false, false, false};
  ash.working_pattern = part_time;
  add(ash);
  Staff lead = Member(school_id, "ks2-lead", "Mr P. Green", {"phase_leader"}, "deputy");
  lead.year_groups = {3, 4, 5, 6};
  add(lead);

  auto pupil = [&](std::string id, int year, std::string cls, std::string teacher, bool send) {
    Pupil p;
    p.school_id = school_id;
    p.id = std::move(id);
    p.given_name = "Given";
    p.family_name = "Family";
    p.year_group = year;
    p.class_name = std::move(cls);
    p.class_teacher = std::move(teacher);
    p.send = send;
    sd.pupils[p.id] = std::move(p);
  };
  pupil("p-001", 4, "Oak", "oak-teacher", true);
  pupil("p-002", 1, "Ash", "ash-teacher", false);

  RoutingMatrix& m = sd.routing_matrix;
  m.school_id = school_id;
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
  RoleRef county;
  county.kind = RoleRef::Kind::kExternalContact;
  county.value = "county-lado";
  safeguarding.also_notify.push_back(county);
  RoutingRule behaviour;
  behaviour.category = "behaviour";
  behaviour.owner = Relation(PupilRelation::kPhaseLeader);
  m.rules = {learning, send, attendance, safeguarding, behaviour};

  Ladder main;
  main.school_id = school_id;
  main.id = "main";
  main.display_name = "Main";
  main.rungs = {Rung{"Class teacher", Relation(PupilRelation::kClassTeacher)}, Rung{"Deputy head", Role("deputy_head")},
                Rung{"Headteacher", Role("headteacher")}};
  sd.ladders[main.id] = main;
  Ladder send_ladder;
  send_ladder.school_id = school_id;
  send_ladder.id = "send";
  send_ladder.display_name = "SEND";
  send_ladder.rungs = {Rung{"Class teacher", Relation(PupilRelation::kClassTeacher)}, Rung{"SENCo", Role("senco")},
                       Rung{"Headteacher", Role("headteacher")}};
  sd.ladders[send_ladder.id] = send_ladder;
  return sd;
}

Directory SampleDirectory() {
  Directory dir;
  dir.trust.display_name = "Riverside Learning Trust";
  SchoolDirectory sd = SampleSchool();
  Guardian mum;
  mum.id = "g-001";
  mum.given_name = "Given";
  mum.family_name = "Family";
  mum.preferred_channel = Channel::kEmail;
  mum.contact_points = {ContactPoint{ContactKind::kEmail, "g-001@example.org"}};
  mum.pupils = {PupilLink{kSchool, "p-001", "mother", true, std::nullopt},
                PupilLink{kSchool, "p-002", "mother", true, std::nullopt}};
  dir.guardians[mum.id] = mum;
  Guardian dad = mum;
  dad.id = "g-002";
  dad.lives_apart = true;
  dad.separate_copies = true;
  dad.household = "h-2";
  dad.pupils = {PupilLink{kSchool, "p-001", "father", true, std::nullopt}};
  dir.guardians[dad.id] = dad;
  dir.schools[sd.school.id] = std::move(sd);
  return dir;
}

}  // namespace parley::contacts::testing
