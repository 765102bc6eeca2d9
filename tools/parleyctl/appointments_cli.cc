#include "tools/parleyctl/appointments_cli.h"

#include "tools/parleyctl/cli_common.h"

namespace parley::ctl {
namespace {

constexpr char kRequestHelp[] = "schools/{school}/meetingRequests/{id}, or an id with --school";
constexpr char kBookingHelp[] = "schools/{school}/bookings/{id}, or an id with --school";
constexpr char kEveningHelp[] = "schools/{school}/parentsEvenings/{id}, or an id with --school";
constexpr char kSpanHelp[] =
    "START/END: START school-local \"YYYY-MM-DD HH:MM\" or RFC 3339, END the same or HH:MM on that day "
    "(or START alone with --length)";
constexpr char kEtagHelp[] = "the etag last read (default: the one read just before)";

// The flags `evenings create` and `evenings open` share.
void AddEveningFlags(CLI::App* cmd, EveningCreateOptions* o) {
  cmd->add_option("--school", o->school, kSchoolHelp)->required();
  cmd->add_option("--name", o->display_name, "what guardians see (\"Year 7 parents' evening\"; at most 200 characters)")
      ->required();
  cmd->add_option("--date", o->date, "the evening's date, YYYY-MM-DD (school-local)")->required();
  cmd->add_option("--from", o->from, "when it starts, HH:MM")->required();
  cmd->add_option("--to", o->to, "when it ends, HH:MM")->required();
  cmd->add_option("--slot", o->slot, "the length of one meeting")->capture_default_str();
  cmd->add_option("--interpreted", o->interpreted, "the length of an interpreted meeting (default: two slots)");
  cmd->add_option("--walk", o->walk, "the walk kept between a guardian's meetings in different rooms (2m)");
  AddRepeatable(cmd, "--teacher", &o->teachers,
                "a teacher taking part (repeatable): STAFF[,room=R][,from=HH:MM][,to=HH:MM][,break=HH:MM-HH:MM]...")
      ->required();
  cmd->add_option("--year", o->year_groups, "a year group whose guardians may book (repeatable; default: all)")
      ->allow_extra_args(false);
  cmd->add_option("--closes", o->closes, std::string("when booking closes: ") + kTimeHelp + " (default: at the start)");
  cmd->add_option("--hold-length", o->hold_length, "how long a hold lasts before it lapses (30s to 10m; default 2m)");
  cmd->add_option("--max-per-guardian", o->max_per_guardian, "at most this many meetings per guardian (0: no limit)");
  cmd->add_option("--household", o->household, "separated parents: one-per-household|one-each");
}

}  // namespace

AppointmentsCli::AppointmentsCli(CLI::App* app, Command* run) {
  AddMeetings(app, run);
  AddEvenings(app, run);
}

void AppointmentsCli::AddMeetings(CLI::App* app, Command* run) {
  CLI::App* meetings = app->add_subcommand(
      "meetings", "meeting requests on the policy clock, bookings made by staff, and meeting notes");
  meetings->require_subcommand(1);

  // request
  CLI::App* request = meetings->add_subcommand("request", "record a guardian's request to meet: its clocks start");
  request->add_option("--school", request_.school, kSchoolHelp)->required();
  request->add_option("--guardian", request_.guardian, kGuardianHelp)->required();
  request->add_option("--pupil", request_.pupil, "the pupil it is about: p-00001 or schools/{school}/pupils/{pupil}")
      ->required();
  request->add_option("--topic", request_.topic, "what it is about (at most 200 characters)")->required();
  AddRepeatable(request, "--staff", &request_.staff, "a member of staff asked for by name (repeatable)");
  AddRepeatable(request, "--role", &request_.roles,
                "a role resolved for the pupil (class_teacher, head_of_year, senco, ...; repeatable)");
  request->add_option("--mode", request_.mode, "in-person|phone|video (the gate may allow less)");
  request->add_flag("--call", request_.call, "a call at an arranged time (a missed one owes a call back that day)");
  request->add_option("--interpreter", request_.interpreter, "a language the guardian needs an interpreter for (pl)");
  request->add_option("--received", request_.received,
                      std::string("when it reached the school: ") + kTimeHelp + " (default now)");
  request->add_option("--enquiry", request_.enquiry, "the enquiry that led to it (id with --school, or full name)");
  request->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.MeetingRequestCreate(request_); }; });

  // list
  CLI::App* list = meetings->add_subcommand("list", "a school's meeting requests, newest first, with their clocks");
  list->add_option("--school", list_.school, kSchoolHelp)->required();
  list->add_option("--state", list_.state, "open|offered|booked|held|declined|cancelled|no-show|withdrawn|missed");
  list->add_option("--owner", list_.owner, "only those this member of staff answers (staff id)");
  list->add_flag("--breached", list_.breached, "only those with a running clock past due");
  AddPaging(list, &list_.page_size, &list_.page_token);
  list->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.MeetingList(list_); }; });

  // get, events
  CLI::App* get = meetings->add_subcommand("get", "a meeting request: state, offered times, clocks");
  get->add_option("name", action_.name, kRequestHelp)->required();
  get->add_option("--school", action_.school, kSchoolHelp);
  get->add_flag("--events", with_events_, "and its history, oldest first");
  get->callback(
      [this, run] { *run = [this](Ctl& ctl) { return ctl.MeetingGet(action_.school, action_.name, with_events_); }; });
  CLI::App* events = meetings->add_subcommand("events", "a meeting request's history, oldest first");
  events->add_option("name", action_.name, kRequestHelp)->required();
  events->add_option("--school", action_.school, kSchoolHelp);
  events->callback(
      [this, run] { *run = [this](Ctl& ctl) { return ctl.MeetingEvents(action_.school, action_.name); }; });

  // the verbs on a request
  CLI::App* offer = meetings->add_subcommand("offer", "offer times (meets the answer clock)");
  offer->add_option("name", action_.name, kRequestHelp)->required();
  offer->add_option("--school", action_.school, kSchoolHelp);
  AddRepeatable(offer, "--time", &action_.times, std::string("a time offered (repeatable, at most 10): ") + kSpanHelp)
      ->required();
  offer->add_option("--length", action_.length, "the length of each time given by its start alone (30m)");
  AddRepeatable(offer, "--staff", &action_.staff, "who will attend, when not those asked for (repeatable)");
  offer->add_option("--etag", action_.etag, kEtagHelp);
  offer->callback(
      [this, run] { *run = [this](Ctl& ctl) { return ctl.MeetingAct(Ctl::MeetingVerb::kOffer, action_); }; });

  CLI::App* accept =
      meetings->add_subcommand("accept", "the guardian takes one of the offered times: booked after the conduct gate");
  accept->add_option("name", action_.name, kRequestHelp)->required();
  accept->add_option("--school", action_.school, kSchoolHelp);
  AddRepeatable(accept, "--time", &action_.times, std::string("the time taken: ") + kSpanHelp);
  accept->add_option("--offered", action_.offered, "or the Nth time on offer, counting from 1");
  accept->add_option("--length", action_.length, "the length of a time given by its start alone");
  accept->add_option("--mode", action_.mode, "in-person|phone|video (default: the request's)");
  accept->add_option("--etag", action_.etag, kEtagHelp);
  accept->callback(
      [this, run] { *run = [this](Ctl& ctl) { return ctl.MeetingAct(Ctl::MeetingVerb::kAccept, action_); }; });

  CLI::App* decline = meetings->add_subcommand("decline", "the guardian turns the offered times down");
  decline->add_option("name", action_.name, kRequestHelp)->required();
  decline->add_option("--school", action_.school, kSchoolHelp);
  decline->add_option("--reason", action_.reason, "why (staff-internal; at most 200 characters)")->required();
  decline->add_option("--etag", action_.etag, kEtagHelp);
  decline->callback(
      [this, run] { *run = [this](Ctl& ctl) { return ctl.MeetingAct(Ctl::MeetingVerb::kDecline, action_); }; });

  CLI::App* withdraw = meetings->add_subcommand("withdraw", "the guardian no longer wants to meet");
  withdraw->add_option("name", action_.name, kRequestHelp)->required();
  withdraw->add_option("--school", action_.school, kSchoolHelp);
  withdraw->add_option("--etag", action_.etag, kEtagHelp);
  withdraw->callback(
      [this, run] { *run = [this](Ctl& ctl) { return ctl.MeetingAct(Ctl::MeetingVerb::kWithdraw, action_); }; });

  // book, and the verbs on a booking
  CLI::App* book = meetings->add_subcommand("book", "book a meeting or an arranged call directly (school staff)");
  book->add_option("--school", book_.school, kSchoolHelp)->required();
  AddRepeatable(book, "--guardian", &book_.guardians, "a guardian attending (repeatable)")->required();
  AddRepeatable(book, "--pupil", &book_.pupils, "a pupil it is about (repeatable)");
  AddRepeatable(book, "--staff", &book_.staff, "a member of staff attending (repeatable)")->required();
  book->add_option("--time", book_.time, kSpanHelp)->required();
  book->add_option("--length", book_.length, "its length, when --time gives the start alone");
  book->add_option("--mode", book_.mode, "in-person|phone|video")->capture_default_str();
  book->add_flag("--call", book_.call, "a call at an arranged time (a missed one opens a call-back clock)");
  book->add_option("--room", book_.room, "a room of the school (M1)");
  book->add_option("--video-link", book_.video_link, "where to join, for video");
  book->add_option("--interpreter", book_.interpreter, "a language: an interpreter is co-booked");
  AddRepeatable(book, "--guest", &book_.guests, "someone from outside the school, described (repeatable)");
  book->add_flag("--hold", book_.hold, "leave it HELD (confirm with `meetings confirm`) instead of confirming");
  book->add_flag("--held", book_.held,
                 "a meeting that took place, recorded afterwards: ATTENDED at once, no gate, no notices");
  book->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.MeetingBook(book_); }; });

  CLI::App* booking = meetings->add_subcommand("booking", "one booking: time, attendees, the gate, what it waits for");
  booking->add_option("name", action_.name, kBookingHelp)->required();
  booking->add_option("--school", action_.school, kSchoolHelp);
  booking->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.BookingGet(action_.school, action_.name); }; });

  CLI::App* confirm = meetings->add_subcommand("confirm", "confirm HELD bookings together, all or none");
  confirm->add_option("bookings", confirm_, kBookingHelp)->required();
  confirm->add_option("--school", action_.school, kSchoolHelp);
  confirm->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.BookingConfirm(action_.school, confirm_); }; });

  CLI::App* cancel = meetings->add_subcommand("cancel", "cancel a booking");
  cancel->add_option("name", action_.name, kBookingHelp)->required();
  cancel->add_option("--school", action_.school, kSchoolHelp);
  cancel->add_option("--reason", action_.reason, "why (at most 200 characters)")->required();
  cancel->add_option("--etag", action_.etag, kEtagHelp);
  cancel->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.BookingCancel(action_); }; });

  CLI::App* outcome = meetings->add_subcommand("outcome", "after the start: what happened");
  outcome->add_option("name", action_.name, kBookingHelp)->required();
  outcome->add_option("--school", action_.school, kSchoolHelp);
  outcome->add_option("--outcome", action_.outcome, "attended|no-show|missed-call")->required();
  outcome->add_option("--etag", action_.etag, kEtagHelp);
  outcome->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.BookingOutcome(action_); }; });

  // free time, settings
  CLI::App* free = meetings->add_subcommand("slots", "free time of the staff named, together, to offer or book");
  free->add_option("--school", slots_.school, kSchoolHelp)->required();
  AddRepeatable(free, "--staff", &slots_.staff, "a member of staff who must be free (repeatable)")->required();
  free->add_option("--from", slots_.from, std::string("from: ") + kTimeHelp + " (default now)");
  free->add_option("--to", slots_.to,
                   std::string("to: ") + kTimeHelp + " (default a week after --from; at most 31 days)");
  free->add_option("--length", slots_.length, "slot length (default: the school's meeting length)");
  free->add_option("--guardian", slots_.guardian, "leave out times this guardian is already booked");
  free->add_option("--limit", slots_.limit, "at most this many slots (default 50)");
  free->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.MeetingSlots(slots_); }; });

  CLI::App* settings = meetings->add_subcommand("settings", "the school's appointment settings");
  settings->require_subcommand(1);
  CLI::App* settings_show = settings->add_subcommand("show", "meeting lengths, holds, the records-disposal schedule");
  settings_show->add_option("school", retention_.school, kSchoolHelp)->required();
  settings_show->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.SettingsShow(retention_.school); }; });
  CLI::App* settings_retention =
      settings->add_subcommand("retention", "set how long notes of one record type are kept (the rest unchanged)");
  settings_retention->add_option("school", retention_.school, kSchoolHelp)->required();
  settings_retention->add_option("--record-type", retention_.record_type, "parent_meeting, send_review, ...")
      ->required();
  settings_retention->add_option("--years", retention_.years, "whole years after the meeting (1 to 100)")->required();
  settings_retention->add_option("--until-age", retention_.until_age, "or until the pupil reaches this age");
  settings_retention->add_option("--text", retention_.text, "the schedule's own words (at most 500 characters)");
  settings_retention->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.SettingsRetention(retention_); }; });

  // notes
  CLI::App* notes =
      meetings->add_subcommand("notes", "the school's notes of a meeting, kept until their retention date");
  notes->require_subcommand(1);
  CLI::App* notes_list = notes->add_subcommand("list", "a booking's notes, with their retention dates");
  notes_list->add_option("booking", note_.name, kBookingHelp)->required();
  notes_list->add_option("--school", note_.school, kSchoolHelp);
  notes_list->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.NotesList(note_); }; });
  CLI::App* notes_add = notes->add_subcommand("add", "note a meeting that took place");
  notes_add->add_option("booking", note_.name, kBookingHelp)->required();
  notes_add->add_option("--school", note_.school, kSchoolHelp);
  notes_add
      ->add_option("--record-type", note_.record_type, "the records-disposal record type that sets the retention date")
      ->capture_default_str();
  notes_add->add_option("--body-ref", note_.body_ref, "where the note's text is held (records system)")->required();
  notes_add->add_flag("--recording-not-permitted", note_.recording_not_permitted,
                      "recording the meeting was not permitted");
  notes_add->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.NoteAdd(note_); }; });
  CLI::App* notes_hold = notes->add_subcommand("hold", "set a legal hold: kept past its retention date");
  notes_hold->add_option("note", note_.name, "schools/{school}/bookings/{b}/notes/{n}, or {b}/notes/{n} with --school")
      ->required();
  notes_hold->add_option("--school", note_.school, kSchoolHelp);
  notes_hold->add_flag("--release", note_.release, "clear the hold instead");
  notes_hold->add_option("--etag", note_.etag, kEtagHelp);
  notes_hold->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.NoteHold(note_); }; });
}

void AppointmentsCli::AddEvenings(CLI::App* app, Command* run) {
  CLI::App* evenings = app->add_subcommand("evenings", "parents' evenings: grids of slots, holds, timetables");
  evenings->require_subcommand(1);

  CLI::App* create = evenings->add_subcommand("create", "create a parents' evening whose booking opens at --opens");
  AddEveningFlags(create, &create_);
  create->add_option("--opens", create_.opens, std::string("when guardians may start booking: ") + kTimeHelp)
      ->required();
  create->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.EveningCreate(create_, false); }; });

  // The API has no call that opens an evening already created: this creates one open now.
  CLI::App* open = evenings->add_subcommand(
      "open",
      "create a parents' evening whose booking opens now (the API cannot open one already created: "
      "for a later opening use create --opens)");
  AddEveningFlags(open, &create_);
  open->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.EveningCreate(create_, true); }; });

  CLI::App* list = evenings->add_subcommand("list", "a school's parents' evenings");
  list->add_option("--school", evening_.school, kSchoolHelp)->required();
  AddPaging(list, &evening_.page_size, &evening_.page_token);
  list->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.EveningList(evening_); }; });

  CLI::App* get = evenings->add_subcommand("get", "one evening: its window, teachers and rooms, slots booked");
  get->add_option("evening", evening_.evening, kEveningHelp)->required();
  get->add_option("--school", evening_.school, kSchoolHelp);
  get->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.EveningGet(evening_); }; });

  CLI::App* slots = evenings->add_subcommand("slots", "the evening's slots and whether each is free");
  slots->add_option("evening", evening_.evening, kEveningHelp)->required();
  slots->add_option("--school", evening_.school, kSchoolHelp);
  slots->add_option("--staff", evening_.staff, "only this teacher's (staff id)");
  slots->add_flag("--free", evening_.free_only, "only free slots");
  slots->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.EveningSlots(evening_); }; });

  CLI::App* book = evenings->add_subcommand("book", "hold slots for a guardian and confirm them together");
  book->add_option("evening", evening_.evening, kEveningHelp)->required();
  book->add_option("--school", evening_.school, kSchoolHelp);
  book->add_option("--guardian", evening_.guardian, kGuardianHelp)->required();
  AddRepeatable(book, "--slot", &evening_.slots,
                "PUPIL,STAFF,TIME (repeatable): TIME HH:MM on the evening's date, or a full time")
      ->required();
  book->add_option("--interpreter", evening_.interpreter, "a language: interpreted slots");
  book->add_flag("--hold", evening_.hold, "only hold them (confirm with `meetings confirm`)");
  book->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.EveningBook(evening_); }; });

  CLI::App* propose = evenings->add_subcommand(
      "propose", "the most compact schedule with the teachers named, held and confirmed together");
  propose->add_option("evening", evening_.evening, kEveningHelp)->required();
  propose->add_option("--school", evening_.school, kSchoolHelp);
  propose->add_option("--guardian", evening_.guardian, kGuardianHelp)->required();
  AddRepeatable(propose, "--teacher", &evening_.teachers, "PUPIL,STAFF to see (repeatable, at most 8)")->required();
  propose->add_option("--from", evening_.from, "the earliest the guardian can arrive: HH:MM or a time")->required();
  propose->add_option("--to", evening_.to, "the latest they must leave: HH:MM or a time")->required();
  propose->add_option("--interpreter", evening_.interpreter, "a language: interpreted slots");
  propose->add_flag("--hold", evening_.hold, "only hold them (confirm with `meetings confirm`)");
  propose->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.EveningPropose(evening_); }; });

  CLI::App* timetable =
      evenings->add_subcommand("timetable", "one guardian's or one teacher's bookings, in time order");
  timetable->add_option("evening", evening_.evening, kEveningHelp)->required();
  timetable->add_option("--school", evening_.school, kSchoolHelp);
  timetable->add_option("--guardian", evening_.guardian, kGuardianHelp);
  timetable->add_option("--staff", evening_.staff, "a teacher (staff id)");
  timetable->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.EveningTimetable(evening_); }; });

  CLI::App* cancel = evenings->add_subcommand("cancel", "cancel an evening: every guardian booked is told");
  cancel->add_option("evening", evening_.evening, kEveningHelp)->required();
  cancel->add_option("--school", evening_.school, kSchoolHelp);
  cancel->add_option("--reason", evening_.reason, "why, sent to every guardian booked (at most 200 characters)")
      ->required();
  cancel->add_option("--etag", evening_.etag, kEtagHelp);
  cancel->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.EveningCancel(evening_); }; });
}

}  // namespace parley::ctl
