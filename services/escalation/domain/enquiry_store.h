// The records every layer of the escalation service shares, and the port the domain writes them
// through (EnquiryStore; PostgreSQL in store/, in memory in testing/).
//
// The history (enquiry events) is the truth; every write appends events and, atomically with
// them, rewrites the enquiry's projection (state, owner, clocks: what lists filter on), writes the
// outbox notices and staff-notice ledger rows the events caused, sets the enquiry's timers and
// records the response for the request id. A write is planned by the domain outside any
// transaction on a snapshot of the enquiry (peer calls allowed there) and applied by the store
// guarded by the row version it was planned on: a row that moved meanwhile is ABORTED
// (RECORD_CHANGED) and nothing is written, so the domain plans again. Errors are absl statuses;
// nothing throws.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/request/page.h"
#include "common/request/request_key.h"
#include "common/status/reasons.h"
#include "common/timer/types.h"
#include "services/escalation/domain/enquiry_view.h"
#include "services/escalation/domain/model.h"

namespace parley::escalation {

using RequestKey = request::RequestKey;

// An enquiry as stored: the domain value with its history, what only the API shows, and the
// projection of its history.
struct EnquiryRecord {
  Enquiry enquiry;
  std::string sender_description;  // personal data: never logged
  std::string subject;             // personal data: never logged
  EnquiryState state = EnquiryState::kOpen;
  std::string owner;
  int rung = 0;
  std::string owner_role;
  int cycle = 0;
  std::optional<absl::Time> ack_due;
  std::optional<ClockStatus> ack_status;
  std::optional<absl::Time> respond_due;
  std::optional<ClockStatus> respond_status;
  std::optional<absl::Time> follow_up_due;  // where the policy promises a follow-up
  std::optional<ClockStatus> follow_up_status;
  std::optional<absl::Time> next_due;  // earliest due of a running clock (follow-up included)
  // The rule-7 ledger of this enquiry (staff told, per working period), oldest first: loaded with
  // the history so that a new notice can be placed in a period not yet used.
  std::vector<struct StaffNoticeRow> staff_notices;
  int64_t row_version = 0;  // the etag
  absl::Time create_time;
  absl::Time update_time;
};

// Fills the projection fields of `record` from a derived view.
void Project(const EnquiryView& view, EnquiryRecord& record);

// Stores keep times to the microsecond. Writes are planned with their times cut the same way, so
// that a write's response (encoded from the planned record) equals a later Get.
absl::Time StoredPrecision(absl::Time t);
Event StoredPrecision(Event event);

// The etag of a stored enquiry: its row version in double quotes ("3"). Staff actions compare the
// caller's etag with it.
std::string EtagOf(int64_t row_version);

// An outbox row (docs/architecture.md#services-and-what-they-own): `key` is stable, the relay's request id at
// notifications.
struct OutboxRow {
  std::string key;
  std::string kind;
  std::string notice_json;
  absl::Time not_before;
};

// A rule-7 ledger row: this recipient was (or will be) told about this matter in the working
// period that opens at `period_start`.
struct StaffNoticeRow {
  std::string recipient;
  absl::Time period_start;
  std::string outbox_key;
};

// What one write does besides appending `events` (their seq continues the history).
struct Change {
  std::vector<Event> events;
  std::vector<OutboxRow> outbox;
  std::vector<StaffNoticeRow> staff_notices;
  std::vector<timer::TimerSpec> schedule;
  std::vector<std::pair<std::string, std::string>> cancel;  // (kind, key)
};

template <typename T>
using Encoder = std::function<absl::StatusOr<std::string>(const T&)>;

struct WriteResult {
  std::string response;
  bool replayed = false;
  std::vector<timer::TimerRef> timers;  // to nudge after commit
};

struct EnquiryFilter {
  std::string owner;     // "schools/{school}/staff/{id}": only those they own now
  std::string guardian;  // "guardians/{id}": only those about them
  std::optional<EnquiryState> state;
  std::string category;
  bool overdue = false;
  std::optional<absl::Time> due_before;
};

using request::Page;
using request::PageQuery;

// Which of a school's enquiries a caller reaches (common/auth/access.h): all of them, only those
// about one guardian (a guardian's own), or only those one member of staff owns now (a teacher's
// own). An enquiry outside the scope is answered exactly as one that does not exist.
struct EnquiryScope {
  enum class Kind { kAll, kGuardian, kOwner };
  Kind kind = Kind::kAll;
  std::string who;  // the guardian's or the owner's resource name; never empty unless kAll

  static EnquiryScope All() { return {}; }
  static EnquiryScope AboutGuardian(std::string guardian) { return {Kind::kGuardian, std::move(guardian)}; }
  static EnquiryScope OwnedBy(std::string staff) { return {Kind::kOwner, std::move(staff)}; }

  bool Covers(const EnquiryRecord& record) const;
  // `filter` narrowed to the scope; false when nothing can match (a teacher asking for another
  // owner's enquiries).
  bool Narrow(EnquiryFilter& filter) const;
};

// The answer for an enquiry that does not exist, or that the caller's scope does not reach: the
// same code, reason and words either way.
absl::Status EnquiryNotFound(const std::string& school_id, const std::string& id);

// Figures over the enquiries received in a period, or one channel's or category's share of them.
// A clock "ended" when it was kept (met) or fell due unkept (breached), as the stored projection
// says; the shares the API reports are met / ended.
struct PromiseFigures {
  int64_t received = 0;
  int64_t acknowledge_ended = 0;
  int64_t acknowledge_met = 0;
  int64_t respond_ended = 0;
  int64_t respond_met = 0;
  // Working time (the school's) from the clock's start to the acknowledgement / the first reply
  // or resolution; unset when no enquiry got there. Measured by the domain (SchoolStats::keep_times).
  std::optional<absl::Duration> median_to_acknowledge;
  std::optional<absl::Duration> median_to_answer;
  // The 90th percentile of the same times (interpolated, as the median); unset as the medians.
  std::optional<absl::Duration> p90_to_acknowledge;
  std::optional<absl::Duration> p90_to_answer;
  int64_t breaches = 0;  // breached events of these enquiries, whenever they happened
};

// One enquiry received in the period: when each clock in force started and the first act that
// kept it (acknowledgement, reply or resolution for the first; reply or resolution for the
// second), as its history records them. The store finds them; the domain measures them in the
// school's working time.
struct KeepTimes {
  Channel channel = Channel::kEmail;
  std::string category;
  bool safeguarding = false;
  absl::Time received_at;
  std::optional<std::pair<absl::Time, absl::Time>> acknowledge;  // clock start, kept at
  std::optional<std::pair<absl::Time, absl::Time>> answer;
};

// The same from a whole history (stores that hold histories in memory, and tests).
KeepTimes KeepTimesOf(const Enquiry& enquiry);

// Safeguarding concerns received in the period (the intake flag, whatever their category): how
// many, how many the DSL has taken up (acknowledged, answered or resolved), and the elapsed time
// from receipt to that (a safeguarding clock runs day and night).
struct SafeguardingFigures {
  int64_t received = 0;
  int64_t taken_up = 0;
  std::optional<absl::Duration> median_to_take_up;
  std::optional<absl::Duration> p90_to_take_up;
};

struct SchoolStats {
  PromiseFigures all;
  std::vector<std::pair<Channel, PromiseFigures>> by_channel;       // channels with receipts
  std::vector<std::pair<std::string, PromiseFigures>> by_category;  // categories with receipts
  std::vector<std::pair<int, int64_t>> escalations_by_rung;         // escalated events in the period
  int64_t referrals_to_complaints = 0;                              // in the period
  int64_t open_now = 0;                                             // open, acknowledged or awaiting the parent
  int64_t overdue_now = 0;                                          // of those, a clock past due and not kept
  // Follow-up clocks of the enquiries received in the period, as projected: kept by resolution,
  // fell due unkept, and still running or paused.
  int64_t follow_up_met = 0;
  int64_t follow_up_breached = 0;
  int64_t follow_up_running = 0;
  SafeguardingFigures safeguarding;  // filled by the domain from keep_times
  // Filled by the store, one per enquiry received in the period; the domain turns them into the
  // medians, the 90th percentiles and the safeguarding figures, and empties it.
  std::vector<KeepTimes> keep_times;
};

// The breached clocks behind SchoolStats' `breaches` (ListBreaches): every breached event of the
// enquiries received in [start, end), narrowed to one channel or category when set.
struct BreachFilter {
  absl::Time start;
  absl::Time end;
  std::optional<Channel> channel;
  std::string category;
};

// Where a page of breaches stops: lists run by the enquiry's seq (the order enquiries were
// recorded), then by the breached event's seq. {0, 0} is the start.
struct BreachPosition {
  int64_t enquiry_seq = 0;
  int64_t event_seq = 0;
};

// One breached event, by the enquiry's id only: nothing of what the parent wrote, nor who they are.
struct BreachRecord {
  std::string enquiry_id;
  Channel channel = Channel::kEmail;
  std::string category;
  absl::Time received_at;
  Stage stage = Stage::kAcknowledge;
  std::optional<absl::Time> due;  // the due instant that passed
  absl::Time breached_at;         // when the breach was recorded
  // The first event after the breach that does what the clock promised (acknowledge: an
  // acknowledgement, reply or resolution; respond: a reply or resolution; follow-up: a resolution).
  std::optional<absl::Time> kept_at;
  int rung = 0;  // the enquiry's rung and its role when the breach was recorded
  std::string rung_role;
  BreachPosition position;
};

struct BreachPage {
  std::vector<BreachRecord> items;
  std::optional<BreachPosition> next;  // after the last item, when more follow
};

// A write the domain planned on the enquiry as it stood: the change, and the record as it will
// stand once the change is applied (the change's events appended to the history, the projection
// filled from the view derived once for this write). `encode` makes the response kept for the
// request id from the record as stored (its new row version and times); it must not ask peers.
struct PlannedWrite {
  Change change;
  EnquiryRecord after;
  Encoder<EnquiryRecord> encode;
};

// What a clock timer's firing does to its enquiry: the write (none when the clock was met, moved
// or handled already) and the timer's next due (none: the timer is done).
struct TimerOutcome {
  std::optional<PlannedWrite> write;
  std::optional<absl::Time> rearm;
};

// How a store fires the domain's clock timers (EnquiryService::ClockTimerPlan).
struct TimerPlan {
  // The enquiry (school id, enquiry id) a timer belongs to; nullopt for a timer this code did not
  // write (dropped).
  std::function<std::optional<std::pair<std::string, std::string>>(const timer::Timer& timer)> target;
  // The decision on the enquiry as stored, at `now` (the database's clock, which decided the timer
  // is due). May ask peers: the store holds no row lock while it runs.
  std::function<absl::StatusOr<TimerOutcome>(const EnquiryRecord& current, const timer::Timer& timer, absl::Time now)>
      plan;
};

// Consistency check of a planned write: `write.change.events` are the tail of
// `write.after.enquiry.history` and their seq continues the history before them (INTERNAL,
// ENQUIRY_SEQ_MISMATCH otherwise). Every store runs it before writing.
absl::Status CheckPlannedEvents(const PlannedWrite& write);

class EnquiryStore {
 public:
  virtual ~EnquiryStore() = default;
  virtual absl::Status Ping() = 0;

  // The response kept for `key` by an earlier successful write; nullopt when there is none. The
  // same request id with a different fingerprint → INVALID_ARGUMENT (REQUEST_ID_REUSED).
  virtual absl::StatusOr<std::optional<std::string>> FindResponse(const RequestKey& key) = 0;

  // Stores a new enquiry: `write.after` with its first events (the whole history) and their
  // effects. The enquiry's id taken already → ALREADY_EXISTS (ENQUIRY_EXISTS). A request id done
  // already (also by a concurrent twin) replays its response and writes nothing.
  virtual absl::StatusOr<WriteResult> Create(const RequestKey& key, const PlannedWrite& write) = 0;

  // Applies a change planned on the enquiry at `base_version`: its row version moved since →
  // ABORTED (RECORD_CHANGED), nothing written; no such enquiry → NOT_FOUND (ENQUIRY_NOT_FOUND). A
  // change without events writes no history and leaves the row version alone. A request id done
  // already replays its response and writes nothing.
  virtual absl::StatusOr<WriteResult> Apply(const RequestKey& key, int64_t base_version, const PlannedWrite& write) = 0;

  // With its whole history and its rule-7 ledger.
  virtual absl::StatusOr<EnquiryRecord> Get(const std::string& school_id, const std::string& id) = 0;
  // Schools with at least one enquiry still owed something (open, acknowledged, awaiting the
  // parent): the ones a calendar or policy edit can affect.
  virtual absl::StatusOr<std::vector<std::string>> SchoolsWithLiveEnquiries() = 0;
  // Newest first, without histories.
  virtual absl::StatusOr<Page<EnquiryRecord>> List(const std::string& school_id, const EnquiryFilter& filter,
                                                   PageQuery page, absl::Time now) = 0;
  // Enquiries received in [start, end), events of the period, and what is open at `now`.
  virtual absl::StatusOr<SchoolStats> Stats(const std::string& school_id, absl::Time start, absl::Time end,
                                            absl::Time now) = 0;
  // The breached events Stats counts as `breaches` for the same [start, end) (narrowed by
  // `filter`'s channel and category), after `after`, at most `size` (> 0).
  virtual absl::StatusOr<BreachPage> ListBreaches(const std::string& school_id, const BreachFilter& filter,
                                                  BreachPosition after, int size) = 0;
};

}  // namespace parley::escalation
