// parleyctl's commands against the contacts, conduct, escalation and notifications services. main.cc (and
// conduct_cli.cc, escalation_cli.cc) parse the command line into these option structs and call one
// method; everything else (tokens, deadlines on every call, pagination, request ids, school time
// zones, output) happens here. The conduct commands are implemented in conduct_commands.cc, the
// escalation (enquiries) commands in escalation_commands.cc.
//
// Every method returns OK, a usage error (see IsUsageError: a bad argument found before any
// call, exit 2), or the error of the call that failed (exit 1).
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "parley/contacts/v1/contacts_service.grpc.pb.h"

namespace parley::ctl {

namespace v1 = ::parley::contacts::v1;

// A bad argument or missing configuration: INVALID_ARGUMENT, marked so main exits 2.
absl::Status UsageError(const std::string& message);
bool IsUsageError(const absl::Status& status);
// A non-usage error as parleyctl prints it: "error: NOT_FOUND: no school st-marys (reason
// SCHOOL_NOT_FOUND)".
std::string FormatError(const absl::Status& status);

struct GlobalOptions {
  std::string addr = "127.0.0.1:50051";                // contacts
  std::string conduct_addr = "127.0.0.1:50052";        // conduct
  std::string escalation_addr = "127.0.0.1:50053";     // escalation
  std::string notifications_addr = "127.0.0.1:50054";  // notifications
  std::string appointments_addr = "127.0.0.1:50055";   // appointments
  std::string reporting_addr = "127.0.0.1:50056";      // reporting
  std::string token;                                   // used as is when set
  std::string signing_key;                             // else tokens are minted with this ES256 key
  std::string issuer = "parley-local";
  std::string audience = "parley";
  std::vector<std::string> as_roles = {"trust_admin"};
  std::vector<std::string> as_schools;  // empty: trust-wide
  // The minted token's subject: a staff ("schools/{school}/staff/{id}") or guardian
  // ("guardians/{id}") resource name, so that a teacher's or a parent's view can be tried.
  std::string as_subject = "parleyctl";
  bool json = false;
  // Per call; commands that move a whole directory default to longer.
  std::optional<absl::Duration> timeout;
  // Conduct and escalation commands: the school's IANA time zone, used instead of asking contacts
  // for it.
  std::string zone;
};

// The notifications commands' options (notifications_args.h).
struct NoticeOptions;
struct NotificationsListOptions;
// The meetings and evenings commands' options (appointments_args.h).
struct MeetingRequestOptions;
struct MeetingActionOptions;
struct MeetingBookOptions;
struct MeetingListOptions;
struct MeetingNoteOptions;
struct MeetingSlotsOptions;
struct RetentionOptions;
struct EveningCreateOptions;
struct EveningOptions;
// The report command's options (report_args.h).
struct ReportOptions;
struct BreachesOptions;

// Reads a protobuf-JSON TrustDirectory. Unknown fields are an error naming the field.
absl::StatusOr<v1::TrustDirectory> ParseTrustDirectoryJson(const std::string& json, const std::string& source);

class Ctl {
 public:
  // `channel` (contacts) may be null for commands that make no calls (token).
  Ctl(GlobalOptions options, std::shared_ptr<grpc::Channel> channel, std::ostream& out, std::ostream& err);
  // Conduct commands need both: conduct for the call, contacts for the school's time zone (unless
  // GlobalOptions::zone is set).
  Ctl(GlobalOptions options, std::shared_ptr<grpc::Channel> contacts, std::shared_ptr<grpc::Channel> conduct,
      std::ostream& out, std::ostream& err);
  // Escalation commands need escalation, and contacts for the school's time zone.
  Ctl(GlobalOptions options, std::shared_ptr<grpc::Channel> contacts, std::shared_ptr<grpc::Channel> conduct,
      std::shared_ptr<grpc::Channel> escalation, std::ostream& out, std::ostream& err);
  // Notifications commands need notifications, and contacts for the school's time zone.
  Ctl(GlobalOptions options, std::shared_ptr<grpc::Channel> contacts, std::shared_ptr<grpc::Channel> conduct,
      std::shared_ptr<grpc::Channel> escalation, std::shared_ptr<grpc::Channel> notifications, std::ostream& out,
      std::ostream& err);
  // Appointments commands need appointments, and contacts for the school's time zone.
  Ctl(GlobalOptions options, std::shared_ptr<grpc::Channel> contacts, std::shared_ptr<grpc::Channel> conduct,
      std::shared_ptr<grpc::Channel> escalation, std::shared_ptr<grpc::Channel> notifications,
      std::shared_ptr<grpc::Channel> appointments, std::ostream& out, std::ostream& err);
  // The report command needs reporting only.
  Ctl(GlobalOptions options, std::shared_ptr<grpc::Channel> contacts, std::shared_ptr<grpc::Channel> conduct,
      std::shared_ptr<grpc::Channel> escalation, std::shared_ptr<grpc::Channel> notifications,
      std::shared_ptr<grpc::Channel> appointments, std::shared_ptr<grpc::Channel> reporting, std::ostream& out,
      std::ostream& err);
  ~Ctl();

  absl::Status Token(const std::vector<std::string>& roles, const std::vector<std::string>& schools,
                     absl::Duration ttl);

  absl::Status SchoolsList();
  absl::Status SchoolsShow(const std::string& school);

  absl::Status StaffList(const std::string& school, const std::string& role);

  struct PupilsListOptions {
    std::string school;
    std::string class_name;
    int page_size = 0;  // 0: every page
    std::string page_token;
    bool ids_only = false;
  };
  absl::Status PupilsList(const PupilsListOptions& opts);

  // Exactly one of school and pupil; a bare pupil id needs the school too.
  absl::Status GuardiansList(const std::string& school, const std::string& pupil);

  struct RouteOptions {
    std::string school;
    std::string pupil;
    std::string category;
    std::string channel;
    std::string subject;
  };
  absl::Status Route(const RouteOptions& opts);

  struct LadderOptions {
    std::string school;
    std::string pupil;
    std::string category;
    std::string subject;
  };
  absl::Status Ladder(const LadderOptions& opts);

  struct DeadlineOptions {
    std::string school;
    std::string channel;
    std::string stage;
    std::string received;
    std::string owner;
    std::vector<std::string> pauses;
    bool safeguarding = false;
    std::string category;
    bool explain = false;
  };
  absl::Status Deadline(const DeadlineOptions& opts);

  // import: asks the service for the plan (validate_only) first. --validate-only prints it and
  // stops. Otherwise a plan without deletions is applied at once; a plan with deletions is printed
  // and applied (allow_deletions, bound to the plan's directory_etag) only after `yes`, or a
  // "yes" typed on `confirm`; with neither it is refused (FAILED_PRECONDITION,
  // IMPORT_WOULD_DELETE) and nothing is written.
  struct ImportOptions {
    std::string file;
    bool validate_only = false;
    bool yes = false;              // --yes: apply deletions without asking
    bool progress_is_tty = false;  // progress updates one line in place
    // The terminal the question is asked on (its answer read from); null when there is none.
    std::istream* confirm = nullptr;
  };
  absl::Status Import(const ImportOptions& opts);
  // To `file`, or stdout when empty.
  absl::Status Export(const std::string& file);

  // ---- conduct (parley.conduct.v1) ----
  // Schools, guardians, staff, incidents and arrangements may be given as bare ids
  // ("st-marys", "g-00012", "mrs-jones", "inc-1") or as full resource names. Local times
  // ("2025-11-04 15:45") are read in the school's time zone.

  struct ConductCheckOptions {
    std::string school;
    std::string guardian;
    std::string channel;
    std::string at;  // empty: now
    bool meeting = false;
    bool safeguarding = false;
    bool abusive = false;
    std::string to;  // staff id
    bool event = false;
  };
  absl::Status ConductCheck(const ConductCheckOptions& opts);

  // The list commands: every page unless page_size is set. `state` (arrangements) and `outcome`
  // (decisions) filter where the API can.
  struct ConductListOptions {
    std::string school;
    std::string guardian;
    std::string state;
    std::string outcome;
    int page_size = 0;  // 0: every page
    std::string page_token;
  };
  absl::Status ConductArrangements(const ConductListOptions& opts);
  absl::Status ConductIncidents(const ConductListOptions& opts);
  absl::Status ConductBans(const ConductListOptions& opts);
  absl::Status ConductDecisions(const ConductListOptions& opts);
  absl::Status ConductLetters(const ConductListOptions& opts);

  // What an arrangement allows, as flags. Every field is optional; see ArrangementCreate and
  // ArrangementTighten for how an absent one is read.
  struct TermsFlags {
    std::string channels;              // "email,phone"
    std::vector<std::string> windows;  // "tue:15:30-16:30", repeatable
    std::string contact;               // staff id
    bool second_staff = false;
    bool head_informed = false;
    bool off_site_only = false;
    std::string reasons_file;  // "-" for stdin
  };

  struct ArrangementCreateOptions {
    std::string school;
    std::string guardian;
    std::string scope = "school";
    TermsFlags terms;
    std::string start;   // empty: now
    std::string review;  // YYYY-MM-DD
    std::string end;     // empty: open-ended
  };
  // Creates a DRAFT with exactly the terms given (an absent flag places no limit of that kind).
  absl::Status ArrangementCreate(const ArrangementCreateOptions& opts);

  // The verbs on one arrangement. `name` is a full name, or an id with `school`.
  struct ArrangementChangeOptions {
    std::string school;
    std::string name;
    std::string etag;    // empty: none (issue/continue/end), or the one just read (tighten)
    TermsFlags terms;    // tighten
    std::string breach;  // tighten: incident id or name
    std::string review;  // tighten (optional) and continue (required): YYYY-MM-DD
    std::string end;     // end: empty for now
  };
  absl::Status ArrangementShow(const ArrangementChangeOptions& opts);
  absl::Status ArrangementIssue(const ArrangementChangeOptions& opts);
  // Starts from the current version's terms: each terms flag given replaces that part (channels,
  // windows, contact) or adds that meeting condition. New reasons and the breach are required.
  absl::Status ArrangementTighten(const ArrangementChangeOptions& opts);
  absl::Status ArrangementContinue(const ArrangementChangeOptions& opts);
  absl::Status ArrangementEnd(const ArrangementChangeOptions& opts);

  struct IncidentRecordOptions {
    std::string school;
    std::string guardian;
    std::string kind;
    std::string channel;
    std::string at;  // empty: now
    std::vector<std::string> staff;
    std::string ref;
  };
  absl::Status IncidentRecord(const IncidentRecordOptions& opts);

  struct BanCreateOptions {
    std::string school;
    std::string guardian;
    std::string scope = "site";
    std::string start;  // empty: now
    std::string end;    // empty: permanent
    std::string reason_file;
    std::string incident;
  };
  absl::Status BanCreate(const BanCreateOptions& opts);
  absl::Status BanRevoke(const std::string& school, const std::string& name, const std::string& etag);

  // Figures for the school-local days from..to, both included.
  absl::Status ConductStats(const std::string& school, const std::string& from, const std::string& to);

  // ---- escalation (parley.escalation.v1): enquiries ----
  // Schools, pupils, guardians, staff and enquiries may be given as bare ids ("st-marys",
  // "p-00001", "g-00012", "mrs-jones", "enq-1") or as full resource names. Local times are read,
  // and every time is shown, in the school's time zone.

  struct EnquiryOpenOptions {
    std::string school;
    std::string pupil;     // optional
    std::string guardian;  // optional: empty for an unidentified sender
    std::string sender;    // how an unidentified sender described themselves
    std::string channel;
    std::string category;
    std::string teaching_subject;  // "maths": where learning matters go to the subject teacher
    std::string addressed_to;      // staff id or name: the member of staff the parent named
    std::string subject;
    std::string body_ref;
    std::string received;  // empty: now
    bool safeguarding = false;
    bool urgent = false;  // the school's urgent route and clock; notices may interrupt teaching
  };
  absl::Status EnquiryOpen(const EnquiryOpenOptions& opts);

  // Every page unless page_size is set.
  struct EnquiryListOptions {
    std::string school;
    std::string owner;  // staff id
    std::string state;
    std::string category;
    bool overdue = false;
    std::string due_before;  // a time, as --received
    int page_size = 0;       // 0: every page
    std::string page_token;
  };
  absl::Status EnquiryList(const EnquiryListOptions& opts);

  // The enquiry and its history, oldest first. `name` is a full name, or an id with `school`.
  absl::Status EnquiryShow(const std::string& school, const std::string& name);

  // The verbs on one enquiry, each a different RPC.
  enum class EnquiryVerb {
    kAck,
    kReply,
    kPause,
    kResume,
    kResolve,
    kReopen,
    kEscalate,
    kReassign,
    kAbusive,
    kProgress
  };
  struct EnquiryActionOptions {
    std::string school;
    std::string name;
    std::string reason;             // pause, reopen, escalate, reassign (required there)
    std::string to;                 // reassign: the new owner's staff id (required)
    bool parent_requested = false;  // escalate
    std::string body_ref;           // reply
    std::string promise;            // ack, progress: when a fuller response or meeting will happen (a time)
    std::string promise_reason;     // ack, progress: why the promise is after the respond deadline
    std::string text;               // progress: the update for the guardian (required)
    std::string etag;               // empty: the etag of the enquiry as read just before
  };
  // Sends a fresh request id (reused by retries); without an etag, reads the enquiry first and
  // sends its etag, so a change made in between is refused rather than overridden.
  absl::Status EnquiryAct(EnquiryVerb verb, const EnquiryActionOptions& opts);

  // Figures for the school-local days from..to, both included.
  absl::Status EnquiryStats(const std::string& school, const std::string& from, const std::string& to);

  // ---- notifications (parley.notifications.v1): notifications_commands.cc ----
  // Notices, templates, preferences, school settings, consent and letter batches. A school's things
  // take --school (bare ids then name them), the trust's --trust. Every write sends a fresh request
  // id, reused by the retries of that one command.

  // send (broadcast false: guardians or staff by name) or broadcast (an audience); prints the
  // notice created: its name, recipient count and warnings.
  absl::Status NoticeCreate(const NoticeOptions& opts, bool broadcast);
  absl::Status NoticeList(const NotificationsListOptions& opts);
  // The notice and its delivery summary.
  absl::Status NoticeShow(const std::string& school, bool trust, const std::string& name);
  absl::Status NoticeCancel(const std::string& school, bool trust, const std::string& name);
  // The copies of a notice, a guardian, a pupil or a member of staff, with deliveries per channel.
  absl::Status NoticeMessages(const NotificationsListOptions& opts);
  absl::Status TemplateList(const NotificationsListOptions& opts);
  absl::Status TemplateShow(const std::string& school, bool trust, const std::string& name);
  // A protobuf-JSON Template file whose name says where it goes; update sends `etag` when given.
  absl::Status TemplateSave(const std::string& file, bool create, const std::string& etag);
  absl::Status TemplateDelete(const std::string& school, bool trust, const std::string& name);
  absl::Status PrefsShow(const std::string& guardian);
  // Reads the preferences, sets one (category, channel) entry and writes them back with the etag read.
  absl::Status PrefsSet(const std::string& guardian, const std::string& category, const std::string& channel,
                        const std::string& mode);
  absl::Status NotifySettingsShow(const std::string& school);
  // Only the fields given (digest time, app read wait) change.
  absl::Status NotifySettingsSet(const std::string& school, const std::string& digest_time,
                                 const std::string& app_read_wait);
  absl::Status ConsentSummary(const std::string& school, bool trust, const std::string& notice);
  // `answer` is yes or no; `pupil` a bare id of the message's school or a full name.
  absl::Status ConsentReply(const std::string& message, const std::string& pupil, const std::string& answer);
  absl::Status ConsentReopen(const std::string& school, bool trust, const std::string& notice,
                             const std::string& pupil);
  absl::Status LetterList(const NotificationsListOptions& opts);
  // The PDF, written to `out_file` (created or replaced only once the whole batch has arrived).
  absl::Status LetterDownload(const std::string& school, const std::string& name, const std::string& out_file);

  // ---- appointments (parley.appointments.v1): appointments_commands.cc ----
  // Meeting requests, bookings and their notes (`meetings`), parents' evenings (`evenings`).
  // Schools, pupils, guardians, staff, requests, bookings and evenings may be given as bare ids with
  // --school or as full names; local times are read, and every time shown, in the school's zone.
  // Every write sends a fresh request id, reused by the retries of that one command.

  absl::Status MeetingRequestCreate(const MeetingRequestOptions& opts);
  absl::Status MeetingList(const MeetingListOptions& opts);
  // The request; with `events`, its history too, oldest first.
  absl::Status MeetingGet(const std::string& school, const std::string& name, bool events);
  absl::Status MeetingEvents(const std::string& school, const std::string& name);
  // The verbs on one request, each a different RPC; without an etag, the request is read first
  // and its etag sent, so a change made in between is refused rather than overridden.
  enum class MeetingVerb { kOffer, kAccept, kDecline, kWithdraw };
  absl::Status MeetingAct(MeetingVerb verb, const MeetingActionOptions& opts);
  // A booking made by staff directly (a meeting or an arranged call), confirmed at once unless
  // `hold`.
  absl::Status MeetingBook(const MeetingBookOptions& opts);
  absl::Status BookingGet(const std::string& school, const std::string& name);
  // Cancel (with a reason) or record the outcome of one booking.
  absl::Status BookingCancel(const MeetingActionOptions& opts);
  absl::Status BookingOutcome(const MeetingActionOptions& opts);
  absl::Status BookingConfirm(const std::string& school, const std::vector<std::string>& names);
  // Notes of one booking: list, add, set or clear a legal hold.
  absl::Status NotesList(const MeetingNoteOptions& opts);
  absl::Status NoteAdd(const MeetingNoteOptions& opts);
  absl::Status NoteHold(const MeetingNoteOptions& opts);
  // Free time of the staff named, together, as slots of the length asked.
  absl::Status MeetingSlots(const MeetingSlotsOptions& opts);
  absl::Status SettingsShow(const std::string& school);
  // Sets one rule of the records-disposal schedule (replacing that record type's), keeping the rest.
  absl::Status SettingsRetention(const RetentionOptions& opts);

  // `open_now`: booking opens now (`evenings open`; the API has no call to open an evening
  // already created, so this creates one whose booking_open_time is now).
  absl::Status EveningCreate(const EveningCreateOptions& opts, bool open_now);
  absl::Status EveningList(const EveningOptions& opts);
  absl::Status EveningGet(const EveningOptions& opts);
  absl::Status EveningSlots(const EveningOptions& opts);
  // Holds the slots named for a guardian and confirms them together (unless `hold`).
  absl::Status EveningBook(const EveningOptions& opts);
  // The most compact schedule with the teachers named, held and confirmed (unless `hold`).
  absl::Status EveningPropose(const EveningOptions& opts);
  absl::Status EveningTimetable(const EveningOptions& opts);
  absl::Status EveningCancel(const EveningOptions& opts);

  // ---- reporting (parley.reporting.v1): report_commands.cc ----
  // The trust report over a period, with every breakdown: text, --json, the HTML page (--html),
  // the service's CSV export (--csv); or a report saved with --json rendered without a call
  // (--input).
  absl::Status Report(const ReportOptions& opts);
  // The matters behind one school's `breaches` figure over the period (every page), one line each,
  // or --json.
  absl::Status ReportBreaches(const BreachesOptions& opts);

  // The state behind the commands; defined in ctl_impl.h, for the command files' helpers.
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// One parsed command, run once main has built the Ctl.
using Command = std::function<absl::Status(Ctl&)>;

}  // namespace parley::ctl
