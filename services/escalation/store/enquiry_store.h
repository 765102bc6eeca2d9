// Persistence of enquiries. The history (enquiry_events) is the truth; every write appends events
// and, in the same transaction, rewrites the enquiry's projection (state, owner, clocks: what lists
// filter on), writes the outbox notices and staff-notice ledger rows the events caused, and sets
// the enquiry's timers. Writes replay a request id already done and are guarded by the enquiry's
// row version, so a retry or a lost race changes nothing twice. libpqxx exceptions are translated
// here; nothing throws.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/pg/idempotency.h"
#include "common/timer/timer.h"
#include "pqxx/pqxx"
#include "services/escalation/domain/enquiry_view.h"
#include "services/escalation/domain/model.h"

namespace parley::escalation {

using RequestKey = pg::RequestKey;

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
  std::optional<absl::Time> next_due;  // earliest due of a running clock
  // The rule-7 ledger of this enquiry (staff told, per working period), oldest first: loaded with
  // the history so that a new notice can be placed in a period not yet used.
  std::vector<struct StaffNoticeRow> staff_notices;
  int64_t row_version = 0;  // the etag
  absl::Time create_time;
  absl::Time update_time;
};

// Fills the projection fields of `record` from a derived view.
void Project(const EnquiryView& view, EnquiryRecord& record);

// The etag of a stored enquiry: its row version in double quotes ("3"). Append compares the
// caller's etag with it.
std::string EtagOf(int64_t row_version);

// An outbox row (DESIGN §2): `key` is stable, the relay's request id at notifications.
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
  std::string owner;
  std::optional<EnquiryState> state;
  std::string category;
  bool overdue = false;
  std::optional<absl::Time> due_before;
};

struct PageQuery {
  int size = 50;
  int64_t before_seq = 0;  // 0: from the newest
};

template <typename T>
struct Page {
  std::vector<T> items;
  int64_t next_before_seq = 0;  // 0 when there is no further page
};

// Figures over the enquiries received in a period, or one channel's or category's share of them.
// A clock "ended" when it was kept (met) or fell due unkept (breached), as the stored projection
// says; the shares the API reports are met / ended.
struct PromiseFigures {
  int64_t received = 0;
  int64_t acknowledge_ended = 0;
  int64_t acknowledge_met = 0;
  int64_t respond_ended = 0;
  int64_t respond_met = 0;
  // From the clock's start to the acknowledgement / the first reply or resolution; unset when no
  // enquiry got there.
  std::optional<absl::Duration> median_to_acknowledge;
  std::optional<absl::Duration> median_to_answer;
  int64_t breaches = 0;  // breached events of these enquiries, whenever they happened
};

struct SchoolStats {
  PromiseFigures all;
  std::vector<std::pair<Channel, PromiseFigures>> by_channel;       // channels with receipts
  std::vector<std::pair<std::string, PromiseFigures>> by_category;  // categories with receipts
  std::vector<std::pair<int, int64_t>> escalations_by_rung;         // escalated events in the period
  int64_t referrals_to_complaints = 0;                              // in the period
  int64_t open_now = 0;                                             // open, acknowledged or awaiting the parent
  int64_t overdue_now = 0;                                          // of those, a clock past due and not kept
};

class EnquiryStore {
 public:
  virtual ~EnquiryStore() = default;
  virtual absl::Status Ping() = 0;

  // Stores a new enquiry (record.enquiry.history empty) with the first events and their effects.
  // `project` turns the enquiry with its history into the stored projection.
  virtual absl::StatusOr<WriteResult> Create(const RequestKey& key, const EnquiryRecord& record, const Change& change,
                                             const std::function<absl::Status(EnquiryRecord&)>& project,
                                             const Encoder<EnquiryRecord>& encode) = 0;
  // With its whole history.
  virtual absl::StatusOr<EnquiryRecord> Get(const std::string& school_id, const std::string& id) = 0;
  // Schools with at least one enquiry still owed something (open, acknowledged, awaiting the
  // parent): the ones a calendar or policy edit can affect.
  virtual absl::StatusOr<std::vector<std::string>> SchoolsWithLiveEnquiries() = 0;
  // Newest first, without histories.
  virtual absl::StatusOr<Page<EnquiryRecord>> List(const std::string& school_id, const EnquiryFilter& filter,
                                                   PageQuery page, absl::Time now) = 0;
  // `plan` sees the locked enquiry with its history and the database's clock.
  using Plan = std::function<absl::StatusOr<Change>(const EnquiryRecord& current, absl::Time now)>;
  // Enquiries received in [start, end), events of the period, and what is open at `now`.
  virtual absl::StatusOr<SchoolStats> Stats(const std::string& school_id, absl::Time start, absl::Time end,
                                            absl::Time now) = 0;
  virtual absl::StatusOr<WriteResult> Append(const RequestKey& key, const std::string& school_id, const std::string& id,
                                             const std::string& etag, const Plan& plan,
                                             const std::function<absl::Status(EnquiryRecord&)>& project,
                                             const Encoder<EnquiryRecord>& encode) = 0;
};

}  // namespace parley::escalation
