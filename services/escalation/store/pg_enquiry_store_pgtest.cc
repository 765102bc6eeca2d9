// PgEnquiryStore against a real PostgreSQL: histories and clock snapshots round-trip exactly, a
// write happens once per request id, stale etags and failed plans change nothing, timers and the
// rule-7 ledger move with the change, lists filter and page, and concurrent appends serialise.
#include "services/escalation/store/pg_enquiry_store.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/pg/migrations.h"
#include "common/pg/pool.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "common/testing/test_database.h"
#include "common/timer/timer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/escalation/migrations.h"

namespace parley::escalation {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

constexpr char kSchool[] = "st-marys";
constexpr char kTeacher[] = "schools/st-marys/staff/s-01";
constexpr char kHead[] = "schools/st-marys/staff/s-head";

// 2025-01-06 09:00 UTC (a Monday) and microsecond offsets from it: what PostgreSQL keeps exactly.
const absl::Time kBase = absl::FromUnixSeconds(1736154000);
absl::Time At(int64_t minutes, int64_t micros = 0) {
  return kBase + absl::Minutes(minutes) + absl::Microseconds(micros);
}

std::string T(absl::Time t) { return absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone()); }
std::string T(const std::optional<absl::Time>& t) { return t ? T(*t) : "-"; }
template <typename Enum>
std::string E(const std::optional<Enum>& e) {
  return e ? absl::StrCat(static_cast<int>(*e)) : "-";
}

std::string Describe(const std::optional<ClockSnapshot>& s) {
  if (!s) return "none";
  return absl::StrCat("{stage=", static_cast<int>(s->stage), " from=", T(s->clock_from), " start=", T(s->clock_start),
                      " due=", T(s->due), " owner=", s->owner, " cal=", s->calendar_version, " pol=", s->policy_version,
                      " why=", s->explanation, "}");
}

std::string Describe(const Event& ev) {
  return absl::StrCat("seq=", ev.seq, " kind=", static_cast<int>(ev.kind), " at=", T(ev.at), " actor=", ev.actor,
                      " owner=", ev.owner, " rung=", ev.rung, " reason=", ev.reason, " gate=", E(ev.gate),
                      " decision=", ev.gate_decision, " arrangement=", ev.gate_arrangement, "@",
                      ev.gate_arrangement_version, " ban=", ev.gate_premises_ban, "@", ev.gate_premises_ban_version,
                      " decided=", T(ev.gate_decided_at), " stage=", E(ev.stage), " breached_due=", T(ev.breached_due),
                      " parent=", ev.parent_requested, " ack=", Describe(ev.acknowledge),
                      " resp=", Describe(ev.respond), " fup=", Describe(ev.follow_up), " promised=", T(ev.promised_at),
                      " progress=", ev.progress);
}

// Every field of a record, its history included: what the tests compare.
std::string Describe(const EnquiryRecord& r) {
  const Enquiry& e = r.enquiry;
  std::string out = absl::StrCat(
      "school=", e.school_id, " id=", e.id, " pupil=", e.pupil, " guardian=", e.guardian,
      " channel=", static_cast<int>(e.channel), " category=", e.category, " received=", T(e.received_at),
      " safeguarding=", e.safeguarding, " subject_ref=", e.subject_ref, " body_ref=", e.body_ref,
      " teaching_subject=", e.teaching_subject, " urgent=", e.urgent, " sender=", r.sender_description,
      " subject=", r.subject, " state=", static_cast<int>(r.state), " owner=", r.owner, " rung=", r.rung,
      " cycle=", r.cycle, " ack_due=", T(r.ack_due), " ack_status=", E(r.ack_status), " respond_due=", T(r.respond_due),
      " respond_status=", E(r.respond_status), " follow_up_due=", T(r.follow_up_due),
      " follow_up_status=", E(r.follow_up_status), " next_due=", T(r.next_due), " row_version=", r.row_version,
      " create=", T(r.create_time), " update=", T(r.update_time));
  for (const Event& ev : e.history) absl::StrAppend(&out, "\n  ", Describe(ev));
  return out;
}

Encoder<EnquiryRecord> Encode() {
  return [](const EnquiryRecord& r) -> absl::StatusOr<std::string> { return Describe(r); };
}

// The policy clock for tests: due two days after the clock's start, whatever the pauses. Derive
// asks it only for a clock whose snapshot has no due or that a pause touched.
class FixedSource final : public DeadlineSource {
 public:
  absl::StatusOr<DueAt> Compute(const DeadlineQuery& q) override {
    DueAt d;
    d.clock_start = q.clock_from;
    d.due = q.clock_from + absl::Hours(48);
    d.calendar_version = "cal-fixed";
    d.policy_version = "pol-fixed";
    return d;
  }
  absl::StatusOr<std::vector<absl::Duration>> WorkingTimes(
      const std::string&, const std::vector<std::pair<absl::Time, absl::Time>>& spans) override {
    std::vector<absl::Duration> out;
    for (const auto& [from, to] : spans) out.push_back(std::max(absl::ZeroDuration(), to - from));
    return out;
  }
};

// The projection as the service makes it: the view derived at `now`.
std::function<absl::Status(EnquiryRecord&)> ProjectAt(absl::Time now) {
  return [now](EnquiryRecord& r) -> absl::Status {
    FixedSource source;
    PARLEY_ASSIGN_OR_RETURN(EnquiryView view, Derive(r.enquiry, now, source));
    Project(view, r);
    return absl::OkStatus();
  };
}

// What a staff action plans on the enquiry as read, at `now`.
using Plan = std::function<absl::StatusOr<Change>(const EnquiryRecord& current, absl::Time now)>;

int request_counter = 0;
RequestKey Key(const std::string& method) {
  return RequestKey{absl::StrCat("escalation.", method),
                    absl::StrFormat("00000000-0000-4000-8000-%012d", ++request_counter), method};
}

ClockSnapshot Snapshot(Stage stage, absl::Time from, std::optional<absl::Time> due, const std::string& owner) {
  ClockSnapshot s;
  s.stage = stage;
  s.clock_from = from;
  s.clock_start = from + absl::Minutes(30) + absl::Microseconds(7);
  s.due = due;
  s.owner = owner;
  s.calendar_version = absl::StrCat("cal-", stage == Stage::kAcknowledge ? "a" : "r");
  s.policy_version = "pol-3";
  s.explanation = absl::StrCat("Received ", T(from), "; due 2 working days later, at the close of core hours.");
  return s;
}

EnquiryRecord NewRecord(const std::string& id, const std::string& category = "learning") {
  EnquiryRecord r;
  Enquiry& e = r.enquiry;
  e.id = id;
  e.school_id = kSchool;
  e.pupil = "schools/st-marys/pupils/p-0001";
  e.guardian = "guardians/g-0001";
  e.channel = Channel::kAppMessage;
  e.category = category;
  e.received_at = At(0, 123456);
  e.safeguarding = false;
  e.subject_ref = "subject:1";
  e.body_ref = "body:1";
  e.teaching_subject = "maths";
  e.urgent = true;
  r.sender_description = "Mrs \"A\" Parent, {quoted}";
  r.subject = "Homework, ünïcode and 'quotes'";
  return r;
}

Event NewEvent(int64_t seq, EventKind kind, absl::Time at, const std::string& owner = kTeacher) {
  Event ev;
  ev.seq = seq;
  ev.kind = kind;
  ev.at = at;
  ev.actor = kServiceActor;
  ev.owner = owner;
  return ev;
}

// Received and routed to `owner`: the acknowledge clock due at `ack_due`, respond three days later.
Change Intake(const std::string& owner, absl::Time ack_due) {
  Change c;
  c.events.push_back(NewEvent(1, EventKind::kReceived, At(0, 123456), ""));
  Event routed = NewEvent(2, EventKind::kRouted, At(1));
  routed.acknowledge = Snapshot(Stage::kAcknowledge, At(0, 123456), ack_due, owner);
  routed.respond = Snapshot(Stage::kRespond, At(0, 123456), ack_due + absl::Hours(72), owner);
  routed.owner = owner;
  c.events.push_back(routed);
  return c;
}

class PgEnquiryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = parley::testing::TestDatabase::Create();
    if (!db_) {
      if (parley::testing::TestDatabase::Configured()) FAIL() << "could not create a test database";
      GTEST_SKIP() << "set PARLEY_TEST_PG_DSN (scripts/test.sh does) to run this test";
    }
    pg::PoolOptions opts;
    opts.dsn = db_->dsn();
    opts.size = 4;
    absl::StatusOr<std::unique_ptr<pg::Pool>> pool = pg::Pool::Create(opts);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    ASSERT_TRUE(pg::ApplyMigrations(*pool_, timer::kMigrationsService, timer::Migrations()).ok());
    absl::Status migrated = pg::ApplyMigrations(*pool_, "escalation", Migrations());
    ASSERT_TRUE(migrated.ok()) << migrated;
    store_ = std::make_unique<PgEnquiryStore>(pool_.get());
  }

  int64_t Count(const std::string& sql) {
    int64_t n = -1;
    absl::Status s = pool_->Read([&](pqxx::work& txn) -> absl::Status {
      n = txn.exec1(sql)[0].as<int64_t>();
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return n;
  }

  // The write path the service takes, over the store's entry points: a replay answered first, the
  // enquiry read, the etag checked, `plan` run on the snapshot, the view derived once at `project`'s
  // time, and the change applied guarded by the version read (again while the row moved).
  absl::StatusOr<WriteResult> Create(const RequestKey& key, const EnquiryRecord& record, const Change& change,
                                     const std::function<absl::Status(EnquiryRecord&)>& project,
                                     const Encoder<EnquiryRecord>& encode) {
    PlannedWrite write;
    write.change = change;
    write.after = record;
    for (const Event& ev : change.events) write.after.enquiry.history.push_back(StoredPrecision(ev));
    PARLEY_RETURN_IF_ERROR(project(write.after));
    write.encode = encode;
    return store_->Create(key, write);
  }

  absl::StatusOr<WriteResult> Append(const RequestKey& key, const std::string& school_id, const std::string& id,
                                     const std::string& etag, const Plan& plan,
                                     const std::function<absl::Status(EnquiryRecord&)>& project,
                                     const Encoder<EnquiryRecord>& encode) {
    PARLEY_ASSIGN_OR_RETURN(std::optional<std::string> replayed, store_->FindResponse(key));
    if (replayed) return WriteResult{*replayed, true, {}};
    for (int attempt = 1;; ++attempt) {
      PARLEY_ASSIGN_OR_RETURN(EnquiryRecord current, store_->Get(school_id, id));
      if (!etag.empty() && etag != EtagOf(current.row_version)) return Aborted(reason::kStaleEtag, "stale etag");
      PARLEY_ASSIGN_OR_RETURN(PlannedWrite write, PlanOn(current, plan, project, encode));
      absl::StatusOr<WriteResult> w = store_->Apply(key, current.row_version, write);
      if (w.ok() || ErrorReason(w.status()) != reason::kRecordChanged || attempt == 20) return w;
    }
  }

  static absl::StatusOr<PlannedWrite> PlanOn(const EnquiryRecord& current, const Plan& plan,
                                             const std::function<absl::Status(EnquiryRecord&)>& project,
                                             const Encoder<EnquiryRecord>& encode) {
    PlannedWrite write;
    PARLEY_ASSIGN_OR_RETURN(write.change, plan(current, absl::Now()));
    write.after = current;
    for (Event& ev : write.change.events) {
      ev = StoredPrecision(ev);
      write.after.enquiry.history.push_back(ev);
    }
    PARLEY_RETURN_IF_ERROR(project(write.after));
    write.encode = encode;
    return write;
  }

  // Events, outbox rows, ledger rows, pending timers, stored responses: everything a write adds.
  std::string Footprint() {
    return absl::StrCat("events=", Count("SELECT count(*) FROM enquiry_events"),
                        " outbox=", Count("SELECT count(*) FROM outbox"),
                        " notices=", Count("SELECT count(*) FROM staff_notices"),
                        " timers=", Count("SELECT count(*) FROM parley_timers WHERE state = 'pending'"),
                        " timer_versions=", Count("SELECT COALESCE(sum(version), 0) FROM parley_timers"),
                        " versions=", Count("SELECT COALESCE(sum(row_version), 0) FROM enquiries"),
                        " requests=", Count("SELECT count(*) FROM parley_idempotent_requests"));
  }

  std::optional<timer::Timer> FindTimer(const std::string& kind, const std::string& key) {
    absl::StatusOr<std::optional<timer::Timer>> found;
    absl::Status s = pool_->Read([&](pqxx::work& txn) -> absl::Status {
      found = timer::Find(txn, kind, key);
      return found.status();
    });
    EXPECT_TRUE(s.ok()) << s;
    return found.ok() ? *found : std::nullopt;
  }

  // Creates `id` received and routed to `owner` with the acknowledgement due at `ack_due`.
  EnquiryRecord CreateRouted(const std::string& id, const std::string& owner, absl::Time ack_due,
                             const std::string& category = "learning") {
    absl::StatusOr<WriteResult> w =
        Create(Key("Open"), NewRecord(id, category), Intake(owner, ack_due), ProjectAt(kBase), Encode());
    EXPECT_TRUE(w.ok()) << w.status();
    absl::StatusOr<EnquiryRecord> got = store_->Get(kSchool, id);
    EXPECT_TRUE(got.ok()) << got.status();
    return got.ok() ? *got : EnquiryRecord();
  }

  // Appends one event of `kind` at `at` by a plan that continues the history.
  absl::StatusOr<WriteResult> AppendEvent(const std::string& id, EventKind kind, absl::Time at,
                                          const std::string& etag = "") {
    return Append(
        Key("Act"), kSchool, id, etag,
        [kind, at](const EnquiryRecord& current, absl::Time) -> absl::StatusOr<Change> {
          Change c;
          c.events.push_back(NewEvent(NextSeq(current.enquiry), kind, at, current.owner));
          return c;
        },
        ProjectAt(kBase), Encode());
  }

  std::optional<parley::testing::TestDatabase> db_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<PgEnquiryStore> store_;
};

TEST_F(PgEnquiryStoreTest, CreateAndGetRoundTripEveryEventFieldAndClockSnapshot) {
  EnquiryRecord record = NewRecord("e-1");
  Change change;
  Event received = NewEvent(1, EventKind::kReceived, At(0, 123456), "");
  received.actor = "guardians/g-0001";
  change.events.push_back(received);
  Event gated = NewEvent(2, EventKind::kGated, At(0, 200001), "");
  gated.gate = GateOutcome::kDefer;
  gated.gate_decision = "schools/st-marys/decisions/d-9";
  gated.gate_arrangement = "schools/st-marys/arrangements/a-3";
  gated.gate_arrangement_version = 2;
  gated.gate_premises_ban = "schools/st-marys/premisesBans/b-1";
  gated.gate_premises_ban_version = 7;
  gated.gate_decided_at = At(0, 199999);
  change.events.push_back(gated);
  Event routed = NewEvent(3, EventKind::kRouted, At(2, 999999));
  routed.acknowledge = Snapshot(Stage::kAcknowledge, At(60, 1), At(60 * 24, 5), kTeacher);
  routed.respond = Snapshot(Stage::kRespond, At(60, 1), At(60 * 24 * 5, 9), "");
  change.events.push_back(routed);
  Event acknowledged = NewEvent(4, EventKind::kAcknowledged, At(120, 42));
  acknowledged.actor = kTeacher;
  acknowledged.promised_at = At(60 * 24 * 6, 7);  // later than the respond clock, so with a reason
  acknowledged.reason = "the SENCo is back next week";
  acknowledged.progress = "We have asked the SENCo, \"urgently\".";
  change.events.push_back(acknowledged);
  Event breached = NewEvent(5, EventKind::kBreached, At(60 * 24 * 5, 10));
  breached.stage = Stage::kRespond;
  breached.breached_due = At(60 * 24 * 5, 9);
  change.events.push_back(breached);
  Event escalated = NewEvent(6, EventKind::kEscalated, At(60 * 24 * 5, 11), kHead);
  escalated.rung = 1;
  escalated.reason = "parent asked for the head, \"urgently\"";
  escalated.parent_requested = true;
  escalated.respond = Snapshot(Stage::kRespond, At(60 * 24 * 5, 11), std::nullopt, kHead);  // set while paused
  change.events.push_back(escalated);

  absl::StatusOr<WriteResult> w = Create(Key("Open"), record, change, ProjectAt(At(60 * 24 * 5, 20)), Encode());
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_FALSE(w->replayed);

  absl::StatusOr<EnquiryRecord> got = store_->Get(kSchool, "e-1");
  ASSERT_TRUE(got.ok()) << got.status();
  // The write's response is exactly what a later read shows.
  EXPECT_EQ(w->response, Describe(*got));

  const Enquiry& e = got->enquiry;
  EXPECT_EQ(e.pupil, record.enquiry.pupil);
  EXPECT_EQ(e.guardian, record.enquiry.guardian);
  EXPECT_EQ(e.channel, Channel::kAppMessage);
  EXPECT_EQ(e.received_at, At(0, 123456));
  EXPECT_EQ(e.subject_ref, "subject:1");
  EXPECT_EQ(e.body_ref, "body:1");
  EXPECT_EQ(e.teaching_subject, "maths");
  EXPECT_TRUE(e.urgent);
  EXPECT_EQ(got->sender_description, record.sender_description);
  EXPECT_EQ(got->subject, record.subject);
  ASSERT_EQ(e.history.size(), change.events.size());
  for (size_t i = 0; i < change.events.size(); ++i) {
    EXPECT_EQ(Describe(e.history[i]), Describe(change.events[i])) << "event " << i + 1;
  }

  // The projection, from Derive at the time given: acknowledged, at rung 1 with the head, the
  // acknowledgement met, the response clock asked again (its snapshot had no due) and pending.
  EXPECT_EQ(got->state, EnquiryState::kAcknowledged);
  EXPECT_EQ(got->owner, kHead);
  EXPECT_EQ(got->rung, 1);
  EXPECT_EQ(got->cycle, 1);
  EXPECT_EQ(got->ack_due, At(60 * 24, 5));
  EXPECT_EQ(got->ack_status, ClockStatus::kMet);
  EXPECT_EQ(got->respond_due, At(60 * 24 * 5, 11) + absl::Hours(48));
  EXPECT_EQ(got->respond_status, ClockStatus::kPending);
  EXPECT_EQ(got->next_due, got->respond_due);
  EXPECT_EQ(got->row_version, 1);
  EXPECT_EQ(EtagOf(got->row_version), "\"1\"");
  EXPECT_EQ(got->create_time, got->update_time);

  EXPECT_EQ(store_->Get(kSchool, "e-404").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrorReason(store_->Get(kSchool, "e-404").status()), "ENQUIRY_NOT_FOUND");
  EXPECT_EQ(store_->Get("other-school", "e-1").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(PgEnquiryStoreTest, TimesBeyondTheMicrosecondAreCutTheSameWayInTheResponseAndTheRow) {
  CreateRouted("e-1", kTeacher, At(60 * 24));
  absl::StatusOr<WriteResult> w = AppendEvent("e-1", EventKind::kAcknowledged, At(5) + absl::Nanoseconds(1500));
  ASSERT_TRUE(w.ok()) << w.status();
  absl::StatusOr<EnquiryRecord> got = store_->Get(kSchool, "e-1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->enquiry.history.back().at, At(5, 1));
  EXPECT_EQ(w->response, Describe(*got));
}

TEST_F(PgEnquiryStoreTest, CreatingAnExistingIdIsAlreadyExists) {
  CreateRouted("e-1", kTeacher, At(60 * 24));
  const std::string before = Footprint();
  absl::StatusOr<WriteResult> again =
      Create(Key("Open"), NewRecord("e-1"), Intake(kTeacher, At(60)), ProjectAt(kBase), Encode());
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrorReason(again.status()), "ENQUIRY_EXISTS");
  EXPECT_EQ(Footprint(), before);
}

TEST_F(PgEnquiryStoreTest, RetriedRequestIdReplaysAndWritesNothingTwice) {
  Change change = Intake(kTeacher, At(60 * 24));
  change.outbox.push_back(OutboxRow{"escalation/e-1/assigned/1", "staff_notice", R"({"template":"assigned"})", At(5)});
  change.staff_notices.push_back(StaffNoticeRow{kTeacher, At(0), "escalation/e-1/assigned/1"});
  change.schedule.push_back(timer::TimerSpec{"escalation.clock", "st-marys/e-1/acknowledge", At(60 * 24), "{}"});
  const RequestKey open = Key("Open");
  absl::StatusOr<WriteResult> first = Create(open, NewRecord("e-1"), change, ProjectAt(kBase), Encode());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->replayed);
  ASSERT_EQ(first->timers.size(), 1u);
  EXPECT_EQ(first->timers[0].due, At(60 * 24));
  const std::string after_create = Footprint();
  EXPECT_EQ(after_create, "events=2 outbox=1 notices=1 timers=1 timer_versions=1 versions=1 requests=1");

  absl::StatusOr<WriteResult> retry = Create(open, NewRecord("e-1"), change, ProjectAt(kBase), Encode());
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->replayed);
  EXPECT_EQ(retry->response, first->response);
  EXPECT_TRUE(retry->timers.empty());
  EXPECT_EQ(Footprint(), after_create);

  // The same for an append, whose plan a replay does not even run.
  const RequestKey ack = Key("Acknowledge");
  int plans = 0;
  auto plan = [&](const EnquiryRecord& current, absl::Time) -> absl::StatusOr<Change> {
    ++plans;
    Change c;
    c.events.push_back(NewEvent(NextSeq(current.enquiry), EventKind::kAcknowledged, At(10)));
    c.outbox.push_back(OutboxRow{"escalation/e-1/acknowledgement", "guardian_notice", "{}", At(10)});
    c.cancel.emplace_back("escalation.clock", "st-marys/e-1/acknowledge");
    return c;
  };
  absl::StatusOr<WriteResult> a1 = Append(ack, kSchool, "e-1", "", plan, ProjectAt(kBase), Encode());
  ASSERT_TRUE(a1.ok()) << a1.status();
  const std::string after_append = Footprint();
  EXPECT_EQ(after_append, "events=3 outbox=2 notices=1 timers=0 timer_versions=2 versions=2 requests=2");
  absl::StatusOr<WriteResult> a2 = Append(ack, kSchool, "e-1", "", plan, ProjectAt(kBase), Encode());
  ASSERT_TRUE(a2.ok()) << a2.status();
  EXPECT_TRUE(a2->replayed);
  EXPECT_EQ(a2->response, a1->response);
  EXPECT_EQ(plans, 1);
  EXPECT_EQ(Footprint(), after_append);
}

TEST_F(PgEnquiryStoreTest, StaleEtagIsAbortedAndChangesNothing) {
  CreateRouted("e-1", kTeacher, At(60 * 24));
  ASSERT_TRUE(AppendEvent("e-1", EventKind::kAcknowledged, At(10)).ok());  // now at version 2
  const std::string before = Footprint();

  bool planned = false;
  absl::StatusOr<WriteResult> stale = Append(
      Key("Reply"), kSchool, "e-1", EtagOf(1),
      [&](const EnquiryRecord&, absl::Time) -> absl::StatusOr<Change> {
        planned = true;
        return Change();
      },
      ProjectAt(kBase), Encode());
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ErrorReason(stale.status()), "STALE_ETAG");
  EXPECT_FALSE(planned);
  EXPECT_EQ(Footprint(), before);

  // The current etag goes through.
  absl::StatusOr<WriteResult> fresh = AppendEvent("e-1", EventKind::kReplied, At(20), EtagOf(2));
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_EQ(store_->Get(kSchool, "e-1")->row_version, 3);

  EXPECT_EQ(AppendEvent("e-404", EventKind::kReplied, At(20)).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(PgEnquiryStoreTest, AFailedWriteRollsBackEverything) {
  Change intake = Intake(kTeacher, At(60 * 24));
  intake.outbox.push_back(OutboxRow{"escalation/e-1/assigned/1", "staff_notice", "{}", At(1)});
  intake.schedule.push_back(timer::TimerSpec{"escalation.clock", "st-marys/e-1/acknowledge", At(60 * 24), ""});
  ASSERT_TRUE(Create(Key("Open"), NewRecord("e-1"), intake, ProjectAt(kBase), Encode()).ok());
  const std::string before = Footprint();
  const std::string record_before = Describe(*store_->Get(kSchool, "e-1"));

  // A change that writes everything (events, ledger, outbox, timers both ways) before `failure`.
  auto full_change = [](const EnquiryRecord& current) {
    Change c;
    c.events.push_back(NewEvent(NextSeq(current.enquiry), EventKind::kAcknowledged, At(10)));
    c.events.push_back(NewEvent(NextSeq(current.enquiry) + 1, EventKind::kReplied, At(11)));
    c.staff_notices.push_back(StaffNoticeRow{kHead, At(0), "escalation/e-1/fyi"});
    c.outbox.push_back(OutboxRow{"escalation/e-1/fyi", "staff_notice", "{}", At(10)});
    c.cancel.emplace_back("escalation.clock", "st-marys/e-1/acknowledge");
    c.schedule.push_back(timer::TimerSpec{"escalation.clock", "st-marys/e-1/respond", At(99), ""});
    return c;
  };
  const RequestKey key = Key("Reply");
  struct Case {
    std::string name;
    Plan plan;
    std::function<absl::Status(EnquiryRecord&)> project;
    absl::StatusCode code;
  };
  const std::vector<Case> cases = {
      {"plan error",
       [](const EnquiryRecord&, absl::Time) -> absl::StatusOr<Change> {
         return FailedPrecondition("ENQUIRY_RESOLVED", "enquiry e-1 is resolved");
       },
       ProjectAt(kBase), absl::StatusCode::kFailedPrecondition},
      {"projection error after the events", [&](const EnquiryRecord& c, absl::Time) { return full_change(c); },
       [](EnquiryRecord&) { return absl::UnavailableError("contacts is down"); }, absl::StatusCode::kUnavailable},
      {"duplicate outbox key after events, ledger and timers",
       [&](const EnquiryRecord& c, absl::Time) -> absl::StatusOr<Change> {
         Change change = full_change(c);
         change.outbox.push_back(OutboxRow{"escalation/e-1/assigned/1", "staff_notice", "{}", At(10)});
         return change;
       },
       ProjectAt(kBase), absl::StatusCode::kInternal},
      {"seq gap",
       [&](const EnquiryRecord& c, absl::Time) -> absl::StatusOr<Change> {
         Change change = full_change(c);
         change.events[1].seq += 1;
         return change;
       },
       ProjectAt(kBase), absl::StatusCode::kInternal},
      {"seq restarting the history",
       [&](const EnquiryRecord& c, absl::Time) -> absl::StatusOr<Change> {
         Change change = full_change(c);
         change.events[0].seq = 1;
         change.events[1].seq = 2;
         return change;
       },
       ProjectAt(kBase), absl::StatusCode::kInternal},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<WriteResult> w = Append(key, kSchool, "e-1", "", c.plan, c.project, Encode());
    EXPECT_EQ(w.status().code(), c.code) << w.status();
    EXPECT_EQ(Footprint(), before);
    EXPECT_EQ(Describe(*store_->Get(kSchool, "e-1")), record_before);
    EXPECT_EQ(FindTimer("escalation.clock", "st-marys/e-1/acknowledge")->state, timer::TimerState::kPending);
    EXPECT_FALSE(FindTimer("escalation.clock", "st-marys/e-1/respond").has_value());
  }
  EXPECT_EQ(ErrorReason(Append(key, kSchool, "e-1", "", cases[2].plan, ProjectAt(kBase), Encode()).status()),
            "OUTBOX_KEY_DUPLICATE");

  // Nothing was remembered under the request id: its retry with a good plan does the work.
  absl::StatusOr<WriteResult> retry = Append(
      key, kSchool, "e-1", "", [&](const EnquiryRecord& c, absl::Time) { return full_change(c); }, ProjectAt(kBase),
      Encode());
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_FALSE(retry->replayed);
  EXPECT_EQ(Footprint(), "events=4 outbox=2 notices=1 timers=1 timer_versions=3 versions=2 requests=2");

  // A create whose change fails leaves no enquiry behind either.
  Change bad = Intake(kTeacher, At(60));
  bad.events[1].seq = 3;
  EXPECT_EQ(Create(Key("Open"), NewRecord("e-2"), bad, ProjectAt(kBase), Encode()).status().code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(store_->Get(kSchool, "e-2").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Count("SELECT count(*) FROM enquiries"), 1);
}

TEST_F(PgEnquiryStoreTest, TimersAreScheduledAndCancelledWithTheChange) {
  Change intake = Intake(kTeacher, At(60 * 24));
  intake.schedule.push_back(timer::TimerSpec{"escalation.clock", "st-marys/e-1/acknowledge", At(60 * 24), "a"});
  intake.schedule.push_back(timer::TimerSpec{"escalation.clock", "st-marys/e-1/respond", At(60 * 96), "r"});
  absl::StatusOr<WriteResult> created = Create(Key("Open"), NewRecord("e-1"), intake, ProjectAt(kBase), Encode());
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_EQ(created->timers.size(), 2u);
  std::optional<timer::Timer> ack = FindTimer("escalation.clock", "st-marys/e-1/acknowledge");
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->state, timer::TimerState::kPending);
  EXPECT_EQ(ack->due, At(60 * 24));
  EXPECT_EQ(ack->payload, "a");
  EXPECT_EQ(created->timers[0].id, ack->id);

  // Acknowledged: the acknowledgement timer goes, the response timer moves (re-armed).
  absl::StatusOr<WriteResult> acked = Append(
      Key("Acknowledge"), kSchool, "e-1", EtagOf(1),
      [](const EnquiryRecord& current, absl::Time) -> absl::StatusOr<Change> {
        Change c;
        c.events.push_back(NewEvent(NextSeq(current.enquiry), EventKind::kAcknowledged, At(30)));
        c.cancel.emplace_back("escalation.clock", "st-marys/e-1/acknowledge");
        c.schedule.push_back(timer::TimerSpec{"escalation.clock", "st-marys/e-1/respond", At(60 * 120), "r2"});
        return c;
      },
      ProjectAt(kBase), Encode());
  ASSERT_TRUE(acked.ok()) << acked.status();
  ASSERT_EQ(acked->timers.size(), 1u);
  EXPECT_EQ(acked->timers[0].due, At(60 * 120));
  EXPECT_EQ(FindTimer("escalation.clock", "st-marys/e-1/acknowledge")->state, timer::TimerState::kCancelled);
  std::optional<timer::Timer> respond = FindTimer("escalation.clock", "st-marys/e-1/respond");
  ASSERT_TRUE(respond.has_value());
  EXPECT_EQ(respond->state, timer::TimerState::kPending);
  EXPECT_EQ(respond->due, At(60 * 120));
  EXPECT_EQ(respond->version, 2);
  EXPECT_EQ(respond->payload, "r2");
  EXPECT_EQ(acked->timers[0].version, respond->version);
}

TEST_F(PgEnquiryStoreTest, ARule7SlotAlreadyTakenSkipsTheNoticeAndItsOutboxRow) {
  Change intake = Intake(kTeacher, At(60 * 24));
  intake.staff_notices.push_back(StaffNoticeRow{kTeacher, At(0), "escalation/e-1/assigned"});
  intake.outbox.push_back(OutboxRow{"escalation/e-1/assigned", "staff_notice", "{}", At(1)});
  ASSERT_TRUE(Create(Key("Open"), NewRecord("e-1"), intake, ProjectAt(kBase), Encode()).ok());

  // A second notice to the teacher in the same working period (a race the rules could not see),
  // one to the head in it, and one to the teacher in the next period.
  absl::StatusOr<WriteResult> w = Append(
      Key("Reopen"), kSchool, "e-1", "",
      [](const EnquiryRecord& current, absl::Time) -> absl::StatusOr<Change> {
        Change c;
        c.events.push_back(NewEvent(NextSeq(current.enquiry), EventKind::kReassigned, At(40)));
        c.staff_notices.push_back(StaffNoticeRow{kTeacher, At(0), "escalation/e-1/reminder"});
        c.staff_notices.push_back(StaffNoticeRow{kHead, At(0), "escalation/e-1/head"});
        c.staff_notices.push_back(StaffNoticeRow{kTeacher, At(60 * 24), "escalation/e-1/next-day"});
        c.outbox.push_back(OutboxRow{"escalation/e-1/reminder", "staff_notice", "{}", At(40)});
        c.outbox.push_back(OutboxRow{"escalation/e-1/head", "staff_notice", "{}", At(40)});
        c.outbox.push_back(OutboxRow{"escalation/e-1/next-day", "staff_notice", "{}", At(60 * 24)});
        return c;
      },
      ProjectAt(kBase), Encode());
  ASSERT_TRUE(w.ok()) << w.status();

  std::vector<std::string> ledger, outbox;
  ASSERT_TRUE(pool_
                  ->Read([&](pqxx::work& txn) -> absl::Status {
                    for (const pqxx::row& r : txn.exec("SELECT recipient || ' ' || outbox_key FROM staff_notices "
                                                       "ORDER BY period_start, recipient")) {
                      ledger.push_back(r[0].c_str());
                    }
                    for (const pqxx::row& r : txn.exec("SELECT key FROM outbox ORDER BY id")) {
                      outbox.push_back(r[0].c_str());
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_THAT(ledger, ElementsAre(absl::StrCat(kTeacher, " escalation/e-1/assigned"),
                                  absl::StrCat(kHead, " escalation/e-1/head"),
                                  absl::StrCat(kTeacher, " escalation/e-1/next-day")));
  EXPECT_THAT(outbox, ElementsAre("escalation/e-1/assigned", "escalation/e-1/head", "escalation/e-1/next-day"));
  EXPECT_EQ(store_->Get(kSchool, "e-1")->enquiry.history.size(), 3u);
}

TEST_F(PgEnquiryStoreTest, ListFiltersNewestFirstAndPages) {
  constexpr char kOther[] = "schools/st-marys/staff/s-02";
  // e-1..e-6 in this order; ack dues an hour apart from 10:00. e-2 acknowledged (next due is its
  // response, three days on), e-4 resolved (no running clock).
  CreateRouted("e-1", kTeacher, At(60));
  CreateRouted("e-2", kOther, At(120), "send");
  CreateRouted("e-3", kTeacher, At(180), "send");
  CreateRouted("e-4", kTeacher, At(240));
  CreateRouted("e-5", kOther, At(300));
  CreateRouted("e-6", kTeacher, At(360), "attendance");
  ASSERT_TRUE(AppendEvent("e-2", EventKind::kAcknowledged, At(10)).ok());
  ASSERT_TRUE(AppendEvent("e-4", EventKind::kResolved, At(10)).ok());
  // Another school's enquiry is never listed.
  EnquiryRecord elsewhere = NewRecord("e-7");
  elsewhere.enquiry.school_id = "kenilworth";
  ASSERT_TRUE(Create(Key("Open"), elsewhere, Intake(kTeacher, At(60)), ProjectAt(kBase), Encode()).ok());

  auto ids = [&](const EnquiryFilter& f, absl::Time now = kBase) {
    std::vector<std::string> out;
    absl::StatusOr<Page<EnquiryRecord>> page = store_->List(kSchool, f, PageQuery{100, 0}, now);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) return out;
    EXPECT_EQ(page->next_before_seq, 0);
    for (const EnquiryRecord& r : page->items) {
      EXPECT_TRUE(r.enquiry.history.empty());
      out.push_back(r.enquiry.id);
    }
    return out;
  };
  EnquiryFilter all;
  EXPECT_THAT(ids(all), ElementsAre("e-6", "e-5", "e-4", "e-3", "e-2", "e-1"));

  EnquiryFilter owner;
  owner.owner = kOther;
  EXPECT_THAT(ids(owner), ElementsAre("e-5", "e-2"));

  EnquiryFilter state;
  state.state = EnquiryState::kResolved;
  EXPECT_THAT(ids(state), ElementsAre("e-4"));
  state.state = EnquiryState::kAcknowledged;
  EXPECT_THAT(ids(state), ElementsAre("e-2"));

  EnquiryFilter category;
  category.category = "send";
  EXPECT_THAT(ids(category), ElementsAre("e-3", "e-2"));

  // Overdue at 12:30: e-1 (10:00) and e-3 (12:00); e-2's acknowledgement was met, e-4 resolved.
  EnquiryFilter overdue;
  overdue.overdue = true;
  EXPECT_THAT(ids(overdue, At(210)), ElementsAre("e-3", "e-1"));
  EXPECT_THAT(ids(overdue, kBase), ElementsAre());

  EnquiryFilter due_before;
  due_before.due_before = At(300);  // strictly before 14:00: e-5 is due at 14:00
  EXPECT_THAT(ids(due_before), ElementsAre("e-3", "e-1"));
  due_before.due_before = At(60 * 72 + 121);  // after e-2's response due (ack due + 72 h)
  EXPECT_THAT(ids(due_before), ElementsAre("e-6", "e-5", "e-3", "e-2", "e-1"));

  EnquiryFilter combined;
  combined.owner = kTeacher;
  combined.overdue = true;
  combined.category = "learning";
  EXPECT_THAT(ids(combined, At(400)), ElementsAre("e-1"));

  // Pages of two, newest first, each continuing where the last stopped.
  std::vector<std::string> seen;
  PageQuery q{2, 0};
  int pages = 0;
  for (;;) {
    absl::StatusOr<Page<EnquiryRecord>> page = store_->List(kSchool, all, q, kBase);
    ASSERT_TRUE(page.ok()) << page.status();
    ++pages;
    ASSERT_LE(page->items.size(), 2u);
    for (const EnquiryRecord& r : page->items) seen.push_back(r.enquiry.id);
    if (page->next_before_seq == 0) break;
    q.before_seq = page->next_before_seq;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(seen, ElementsAre("e-6", "e-5", "e-4", "e-3", "e-2", "e-1"));

  // A filtered page stops early too.
  absl::StatusOr<Page<EnquiryRecord>> first = store_->List(kSchool, owner, PageQuery{1, 0}, kBase);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->items.size(), 1u);
  EXPECT_EQ(first->items[0].enquiry.id, "e-5");
  absl::StatusOr<Page<EnquiryRecord>> second =
      store_->List(kSchool, owner, PageQuery{1, first->next_before_seq}, kBase);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_EQ(second->items[0].enquiry.id, "e-2");
  // Whether a further page exists is only known by looking: this one is empty and final.
  if (second->next_before_seq != 0) {
    absl::StatusOr<Page<EnquiryRecord>> third =
        store_->List(kSchool, owner, PageQuery{1, second->next_before_seq}, kBase);
    ASSERT_TRUE(third.ok());
    EXPECT_TRUE(third->items.empty());
    EXPECT_EQ(third->next_before_seq, 0);
  }
}

// A guardian's list (EnquiryScope, kOwn) is the store's own WHERE clause: full pages of their
// enquiries only, on the (school_id, guardian, seq) index, however many of the school's are others'.
TEST_F(PgEnquiryStoreTest, ListByGuardianPagesOverTheirEnquiriesOnly) {
  for (int i = 1; i <= 9; ++i) {
    EnquiryRecord r = NewRecord(absl::StrCat("e-", i));
    r.enquiry.guardian = i % 3 == 0 ? "guardians/g-mine" : "guardians/g-other";
    ASSERT_TRUE(Create(Key("Open"), r, Intake(kTeacher, At(60 * i)), ProjectAt(kBase), Encode()).ok());
  }
  EnquiryFilter mine;
  mine.guardian = "guardians/g-mine";
  std::vector<std::string> seen;
  std::vector<size_t> sizes;
  PageQuery q{2, 0};
  for (;;) {
    absl::StatusOr<Page<EnquiryRecord>> page = store_->List(kSchool, mine, q, kBase);
    ASSERT_TRUE(page.ok()) << page.status();
    sizes.push_back(page->items.size());
    for (const EnquiryRecord& r : page->items) {
      EXPECT_EQ(r.enquiry.guardian, "guardians/g-mine");
      seen.push_back(r.enquiry.id);
    }
    if (page->next_before_seq == 0 || sizes.size() > 5) break;
    q.before_seq = page->next_before_seq;
  }
  EXPECT_THAT(seen, ElementsAre("e-9", "e-6", "e-3"));
  EXPECT_EQ(sizes.front(), 2u);
  EnquiryFilter combined = mine;
  combined.owner = "schools/st-marys/staff/s-02";
  absl::StatusOr<Page<EnquiryRecord>> none = store_->List(kSchool, combined, PageQuery{10, 0}, kBase);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->items.empty());

  // The planner can use the guardian index for the query the store sends (parameters known).
  std::string plan;
  ASSERT_TRUE(pool_
                  ->Read([&](pqxx::work& txn) -> absl::Status {
                    txn.exec0("SET LOCAL enable_seqscan = off");
                    plan.clear();
                    for (const pqxx::row& r : txn.exec_params(
                             "EXPLAIN SELECT id FROM enquiries WHERE school_id = $1 AND ($2 = '' OR guardian = $2) "
                             "ORDER BY seq DESC LIMIT 3",
                             kSchool, "guardians/g-mine")) {
                      plan += r[0].c_str();
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_THAT(plan, ::testing::HasSubstr("enquiries_by_guardian"));
}

TEST_F(PgEnquiryStoreTest, ConcurrentAppendsOnOneEnquirySerialise) {
  CreateRouted("e-1", kTeacher, At(60 * 24));
  constexpr int kPerThread = 15;
  std::atomic<int> failures{0};
  auto worker = [&](const std::string& actor) {
    for (int i = 0; i < kPerThread; ++i) {
      // Both threads build their request keys up front: request_counter is not thread-safe.
      absl::StatusOr<WriteResult> w = Append(
          RequestKey{"escalation.Reassign", absl::StrFormat("00000000-0000-4000-9000-%s%06d", actor, i), actor},
          kSchool, "e-1", "",
          [&actor](const EnquiryRecord& current, absl::Time now) -> absl::StatusOr<Change> {
            Change c;
            Event ev = NewEvent(NextSeq(current.enquiry), EventKind::kReassigned, now, actor);
            ev.actor = actor;
            c.events.push_back(ev);
            return c;
          },
          ProjectAt(kBase), Encode());
      if (!w.ok()) {
        ADD_FAILURE() << w.status();
        ++failures;
      }
    }
  };
  std::thread a([&] { worker("aaaaaa"); });
  std::thread b([&] { worker("bbbbbb"); });
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0);

  absl::StatusOr<EnquiryRecord> got = store_->Get(kSchool, "e-1");
  ASSERT_TRUE(got.ok()) << got.status();
  const std::vector<Event>& h = got->enquiry.history;
  ASSERT_EQ(h.size(), 2u + 2 * kPerThread);
  int by_a = 0;
  for (size_t i = 0; i < h.size(); ++i) {
    EXPECT_EQ(h[i].seq, static_cast<int64_t>(i + 1));
    if (i > 0) {
      EXPECT_LE(h[i - 1].at, h[i].at) << "appended out of database-clock order at seq " << h[i].seq;
    }
    if (h[i].actor == "aaaaaa") ++by_a;
  }
  EXPECT_EQ(by_a, kPerThread);
  EXPECT_EQ(got->row_version, 1 + 2 * kPerThread);
}

TEST_F(PgEnquiryStoreTest, AChangePlannedOnAnOlderVersionIsAbortedAndWritesNothing) {
  CreateRouted("e-1", kTeacher, At(60 * 24));
  absl::StatusOr<EnquiryRecord> snapshot = store_->Get(kSchool, "e-1");
  ASSERT_TRUE(snapshot.ok());
  Plan ack = [](const EnquiryRecord& current, absl::Time) -> absl::StatusOr<Change> {
    Change c;
    c.events.push_back(NewEvent(NextSeq(current.enquiry), EventKind::kAcknowledged, At(10)));
    c.outbox.push_back(OutboxRow{"escalation/e-1/ack", "guardian_notice", "{}", At(10)});
    return c;
  };
  absl::StatusOr<PlannedWrite> planned = PlanOn(*snapshot, ack, ProjectAt(kBase), Encode());
  ASSERT_TRUE(planned.ok()) << planned.status();
  ASSERT_TRUE(AppendEvent("e-1", EventKind::kReassigned, At(5)).ok());  // someone else wrote meanwhile
  const std::string before = Footprint();
  absl::StatusOr<WriteResult> w = store_->Apply(Key("Acknowledge"), snapshot->row_version, *planned);
  EXPECT_EQ(w.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ErrorReason(w.status()), "RECORD_CHANGED");
  EXPECT_EQ(Footprint(), before);
  // Planned again on what is there now, it goes through.
  absl::StatusOr<WriteResult> again = Append(Key("Acknowledge"), kSchool, "e-1", "", ack, ProjectAt(kBase), Encode());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(store_->Get(kSchool, "e-1")->row_version, 3);
  EXPECT_EQ(store_->Apply(Key("Acknowledge"), 3, *planned).status().code(), absl::StatusCode::kInternal);  // seq
}

TEST_F(PgEnquiryStoreTest, TheClockTimerHandlerPlansWithoutALockAndAppliesInTheTimersTransaction) {
  CreateRouted("e-1", kTeacher, At(60));
  int plans = 0;
  bool raced = false;
  TimerPlan plan;
  plan.target = [](const timer::Timer& t) -> std::optional<std::pair<std::string, std::string>> {
    if (t.key != "st-marys/e-1/acknowledge") return std::nullopt;
    return std::make_pair(std::string(kSchool), std::string("e-1"));
  };
  plan.plan = [&](const EnquiryRecord& current, const timer::Timer&, absl::Time) -> absl::StatusOr<TimerOutcome> {
    ++plans;
    if (!raced) {
      // A staff action commits while the first plan is made: no row lock is held, so it goes
      // through, and the handler plans again on what it left.
      raced = true;
      EXPECT_TRUE(AppendEvent("e-1", EventKind::kReassigned, At(30)).ok());
    }
    TimerOutcome outcome;
    Change c;
    Event breached = NewEvent(NextSeq(current.enquiry), EventKind::kBreached, At(61));
    breached.stage = Stage::kAcknowledge;
    breached.breached_due = At(60);
    c.events.push_back(breached);
    c.outbox.push_back(OutboxRow{"escalation/e-1/ack-breach", "staff_notice", "{}", At(61)});
    c.schedule.push_back(timer::TimerSpec{"escalation.clock", "st-marys/e-1/respond", At(60 * 72), ""});
    PlannedWrite write;
    write.change = c;
    write.after = current;
    write.after.enquiry.history.push_back(breached);
    PARLEY_RETURN_IF_ERROR(ProjectAt(At(61))(write.after));
    outcome.write = write;
    outcome.rearm = At(120);
    return outcome;
  };
  const timer::Handler handler = PgEnquiryStore::ClockTimerHandler(plan);
  timer::Timer t;
  t.kind = "escalation.clock";
  t.key = "st-marys/e-1/acknowledge";
  t.due = At(60);
  std::optional<absl::Time> rearm;
  absl::Status s = pool_->Transact([&](pqxx::work& txn) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(rearm, handler(txn, t));
    return absl::OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(plans, 2);
  EXPECT_EQ(rearm, At(120));
  absl::StatusOr<EnquiryRecord> got = store_->Get(kSchool, "e-1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->row_version, 3);
  ASSERT_EQ(got->enquiry.history.size(), 4u);
  EXPECT_EQ(got->enquiry.history[2].kind, EventKind::kReassigned);
  EXPECT_EQ(got->enquiry.history[3].kind, EventKind::kBreached);
  EXPECT_EQ(got->ack_status, ClockStatus::kBreached);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE key = 'escalation/e-1/ack-breach'"), 1);
  EXPECT_EQ(FindTimer("escalation.clock", "st-marys/e-1/respond")->state, timer::TimerState::kPending);

  // A plan with nothing to do leaves the row alone; a timer of no enquiry, or of one that is gone,
  // is done.
  plan.plan = [](const EnquiryRecord&, const timer::Timer&, absl::Time) -> absl::StatusOr<TimerOutcome> {
    return TimerOutcome{};
  };
  const timer::Handler idle = PgEnquiryStore::ClockTimerHandler(plan);
  for (const char* key : {"st-marys/e-1/acknowledge", "junk"}) {
    t.key = key;
    ASSERT_TRUE(pool_
                    ->Transact([&](pqxx::work& txn) -> absl::Status {
                      PARLEY_ASSIGN_OR_RETURN(rearm, idle(txn, t));
                      return absl::OkStatus();
                    })
                    .ok());
    EXPECT_EQ(rearm, std::nullopt);
  }
  EXPECT_EQ(store_->Get(kSchool, "e-1")->row_version, 3);
}

}  // namespace
}  // namespace parley::escalation

namespace parley::escalation {
namespace {

class PgEnquiryStoreStatsTest : public PgEnquiryStoreTest {
 protected:
  // Appends `ev` (its seq filled in) with the projection derived at `now`.
  void AppendAt(const std::string& id, Event ev, absl::Time now) {
    absl::StatusOr<WriteResult> w = Append(
        Key("Act"), kSchool, id, "",
        [ev](const EnquiryRecord& current, absl::Time) -> absl::StatusOr<Change> {
          Change c;
          c.events.push_back(ev);
          c.events.back().seq = NextSeq(current.enquiry);
          if (c.events.back().owner.empty()) c.events.back().owner = current.owner;
          return c;
        },
        ProjectAt(now), Encode());
    ASSERT_TRUE(w.ok()) << w.status();
  }

  // The store's keep times are the ones the domain reads from each enquiry's whole history.
  void ExpectKeepTimesFromHistories(const SchoolStats& stats, const std::vector<std::string>& ids) {
    auto same = [](const KeepTimes& a, const KeepTimes& b) {
      return a.channel == b.channel && a.category == b.category && a.safeguarding == b.safeguarding &&
             a.received_at == b.received_at && a.acknowledge == b.acknowledge && a.answer == b.answer;
    };
    ASSERT_EQ(stats.keep_times.size(), ids.size());
    std::vector<bool> matched(ids.size(), false);
    for (const std::string& id : ids) {
      absl::StatusOr<EnquiryRecord> got = store_->Get(kSchool, id);
      ASSERT_TRUE(got.ok()) << got.status();
      const KeepTimes expected = KeepTimesOf(got->enquiry);
      bool found = false;
      for (size_t i = 0; i < ids.size() && !found; ++i) {
        if (!matched[i] && same(stats.keep_times[i], expected)) found = matched[i] = true;
      }
      EXPECT_TRUE(found) << id << " has no matching keep times";
    }
  }
};

TEST_F(PgEnquiryStoreStatsTest, FiguresCoverThePeriodBySliceAndWhatIsOpenNow) {
  // Received at 09:00 (+123456 µs); every clock starts 30 min and 7 µs later (Snapshot).
  const absl::Time clock_start = At(30, 123456 + 7);
  // e-1 (app, learning): acknowledged at 09:40 and answered at 10:40, both in time.
  CreateRouted("e-1", kTeacher, At(60));
  AppendAt("e-1", NewEvent(0, EventKind::kAcknowledged, At(40)), At(40));
  AppendAt("e-1", NewEvent(0, EventKind::kReplied, At(100)), At(100));
  // e-2 (email, send): its acknowledgement breached at 11:00, then made at 12:20.
  {
    EnquiryRecord r = NewRecord("e-2", "send");
    r.enquiry.channel = Channel::kEmail;
    ASSERT_TRUE(Create(Key("Open"), r, Intake(kTeacher, At(120)), ProjectAt(kBase), Encode()).ok());
    Event breached = NewEvent(0, EventKind::kBreached, At(120));
    breached.stage = Stage::kAcknowledge;
    breached.breached_due = At(120);
    AppendAt("e-2", breached, At(120));
    AppendAt("e-2", NewEvent(0, EventKind::kAcknowledged, At(200)), At(200));
  }
  // e-3 (app, learning): escalated to the head (rung 1), then referred to complaints.
  CreateRouted("e-3", kTeacher, At(500));
  {
    Event escalated = NewEvent(0, EventKind::kEscalated, At(50), kHead);
    escalated.rung = 1;
    escalated.respond = Snapshot(Stage::kRespond, At(50), At(50 + 60 * 72), kHead);
    AppendAt("e-3", escalated, At(50));
    AppendAt("e-3", NewEvent(0, EventKind::kReferredToComplaints, At(60)), At(60));
  }
  // e-4: received the day before the period; its acknowledgement breached and still owed.
  {
    EnquiryRecord r = NewRecord("e-4");
    r.enquiry.received_at = At(-60 * 24);
    ASSERT_TRUE(Create(Key("Open"), r, Intake(kTeacher, At(60)), ProjectAt(kBase), Encode()).ok());
    Event breached = NewEvent(0, EventKind::kBreached, At(60));
    breached.stage = Stage::kAcknowledge;
    breached.breached_due = At(60);
    AppendAt("e-4", breached, At(61));
  }
  // e-5: within the period, but received after its end.
  CreateRouted("e-5", kTeacher, At(60 * 24 * 3));
  // Another school's enquiry never counts.
  EnquiryRecord elsewhere = NewRecord("e-6");
  elsewhere.enquiry.school_id = "kenilworth";
  ASSERT_TRUE(Create(Key("Open"), elsewhere, Intake(kTeacher, At(60)), ProjectAt(kBase), Encode()).ok());
  ASSERT_TRUE(pool_
                  ->Transact([](pqxx::work& txn) -> absl::Status {
                    txn.exec("UPDATE enquiries SET received_at = received_at + interval '2 days' WHERE id = 'e-5'");
                    return absl::OkStatus();
                  })
                  .ok());

  absl::StatusOr<SchoolStats> stats = store_->Stats(kSchool, At(-1), At(60 * 24), At(300));
  ASSERT_TRUE(stats.ok()) << stats.status();
  const PromiseFigures& all = stats->all;
  EXPECT_EQ(all.received, 3);
  EXPECT_EQ(all.acknowledge_ended, 2);  // e-1 kept, e-2 kept late; e-3's ended unowed at the referral
  EXPECT_EQ(all.acknowledge_met, 1);
  EXPECT_EQ(all.respond_ended, 1);
  EXPECT_EQ(all.respond_met, 1);
  EXPECT_EQ(all.breaches, 1);
  // When each clock started and was kept, for the domain to measure in working time: e-1 and
  // e-2 acknowledged, e-1 answered; e-3 neither (its clocks ended unowed at the referral).
  std::vector<std::pair<absl::Time, absl::Time>> acknowledged, answered;
  for (const KeepTimes& k : stats->keep_times) {
    if (k.acknowledge) acknowledged.push_back(*k.acknowledge);
    if (k.answer) answered.push_back(*k.answer);
  }
  EXPECT_THAT(acknowledged,
              UnorderedElementsAre(std::make_pair(clock_start, At(40)), std::make_pair(clock_start, At(200))));
  EXPECT_THAT(answered, ElementsAre(std::make_pair(clock_start, At(100))));
  ExpectKeepTimesFromHistories(*stats, {"e-1", "e-2", "e-3"});

  ASSERT_EQ(stats->by_channel.size(), 2u);
  EXPECT_EQ(stats->by_channel[0].first, Channel::kEmail);
  EXPECT_EQ(stats->by_channel[0].second.received, 1);
  EXPECT_EQ(stats->by_channel[0].second.breaches, 1);
  EXPECT_EQ(stats->by_channel[1].first, Channel::kAppMessage);
  EXPECT_EQ(stats->by_channel[1].second.received, 2);
  EXPECT_EQ(stats->by_channel[1].second.acknowledge_met, 1);
  ASSERT_EQ(stats->by_category.size(), 2u);
  EXPECT_EQ(stats->by_category[0].first, "learning");
  EXPECT_EQ(stats->by_category[0].second.received, 2);
  EXPECT_EQ(stats->by_category[1].first, "send");
  EXPECT_EQ(stats->by_category[1].second.acknowledge_ended, 1);
  EXPECT_EQ(stats->by_category[1].second.acknowledge_met, 0);

  EXPECT_THAT(stats->escalations_by_rung, ElementsAre(std::make_pair(1, int64_t{1})));
  EXPECT_EQ(stats->referrals_to_complaints, 1);
  // Now: e-1, e-2, e-4 and e-5 are live; e-4's acknowledgement is breached and still owed.
  EXPECT_EQ(stats->open_now, 4);
  EXPECT_EQ(stats->overdue_now, 1);
  // The list's overdue filter agrees.
  EnquiryFilter overdue;
  overdue.overdue = true;
  absl::StatusOr<Page<EnquiryRecord>> listed = store_->List(kSchool, overdue, PageQuery{10, 0}, At(300));
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_EQ(listed->items[0].enquiry.id, "e-4");
}

TEST_F(PgEnquiryStoreStatsTest, FollowUpClockRoundTripsIsProjectedFilteredAndCounted) {
  const absl::Time follow_up_due = At(60 * 24 * 10);
  auto intake = [&](const std::string& id) {
    Change c = Intake(kTeacher, At(60));
    c.events[1].follow_up = Snapshot(Stage::kFollowUp, At(0, 123456), follow_up_due, kTeacher);
    ASSERT_TRUE(Create(Key("Open"), NewRecord(id), c, ProjectAt(kBase), Encode()).ok());
  };
  intake("e-1");
  absl::StatusOr<EnquiryRecord> got = store_->Get(kSchool, "e-1");
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->enquiry.history[1].follow_up.has_value());
  EXPECT_EQ(Describe(got->enquiry.history[1].follow_up),
            Describe(Snapshot(Stage::kFollowUp, At(0, 123456), follow_up_due, kTeacher)));
  EXPECT_EQ(got->follow_up_due, follow_up_due);
  EXPECT_EQ(got->follow_up_status, ClockStatus::kPending);
  EXPECT_EQ(got->next_due, At(60));  // the acknowledgement is due first

  // Answered: only the follow-up still runs, and the filters find it by it.
  AppendAt("e-1", NewEvent(0, EventKind::kReplied, At(40)), At(40));
  got = store_->Get(kSchool, "e-1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->respond_status, ClockStatus::kMet);
  EXPECT_EQ(got->next_due, follow_up_due);
  EnquiryFilter due_soon;
  due_soon.due_before = follow_up_due + absl::Minutes(1);
  EXPECT_EQ(store_->List(kSchool, due_soon, PageQuery{10, 0}, At(50))->items.size(), 1u);
  due_soon.due_before = follow_up_due - absl::Minutes(1);
  EXPECT_TRUE(store_->List(kSchool, due_soon, PageQuery{10, 0}, At(50))->items.empty());
  EnquiryFilter overdue;
  overdue.overdue = true;
  EXPECT_TRUE(store_->List(kSchool, overdue, PageQuery{10, 0}, follow_up_due - absl::Minutes(1))->items.empty());
  EXPECT_EQ(store_->List(kSchool, overdue, PageQuery{10, 0}, follow_up_due + absl::Minutes(1))->items.size(), 1u);

  // e-2 resolved in time: met. e-3's follow-up fell due unkept: breached.
  intake("e-2");
  AppendAt("e-2", NewEvent(0, EventKind::kResolved, At(100)), At(100));
  intake("e-3");
  Event breached = NewEvent(0, EventKind::kBreached, follow_up_due);
  breached.stage = Stage::kFollowUp;
  breached.breached_due = follow_up_due;
  AppendAt("e-3", breached, follow_up_due + absl::Seconds(1));
  got = store_->Get(kSchool, "e-3");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->enquiry.history.back().stage, Stage::kFollowUp);
  EXPECT_EQ(got->follow_up_status, ClockStatus::kBreached);

  absl::StatusOr<SchoolStats> stats = store_->Stats(kSchool, At(-1), At(60 * 24), At(300));
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->follow_up_met, 1);
  EXPECT_EQ(stats->follow_up_breached, 1);
  EXPECT_EQ(stats->follow_up_running, 1);
}

TEST_F(PgEnquiryStoreStatsTest, KeepTimesFollowTheClockInForceWhenKept) {
  // Every clock starts at 09:30 (+123463 µs). e-1 acknowledged and answered; e-2 answered after an
  // escalation restarted its answer clock (the restarted one counts); e-3 resolved straight away
  // (keeps both); e-4 a safeguarding concern acknowledged.
  const absl::Time clock_start = At(30, 123456 + 7);
  for (const char* id : {"e-1", "e-2", "e-3"}) CreateRouted(id, kTeacher, At(60 * 24));
  AppendAt("e-1", NewEvent(0, EventKind::kAcknowledged, At(40)), At(40));
  AppendAt("e-1", NewEvent(0, EventKind::kReplied, At(100)), At(100));
  Event escalated = NewEvent(0, EventKind::kEscalated, At(50), kHead);
  escalated.rung = 1;
  escalated.respond = Snapshot(Stage::kRespond, At(50), At(50 + 60 * 72), kHead);
  AppendAt("e-2", escalated, At(50));
  AppendAt("e-2", NewEvent(0, EventKind::kReplied, At(400)), At(400));
  AppendAt("e-3", NewEvent(0, EventKind::kResolved, At(70)), At(70));
  {
    EnquiryRecord r = NewRecord("e-4", "safeguarding");
    r.enquiry.safeguarding = true;
    ASSERT_TRUE(Create(Key("Open"), r, Intake(kTeacher, At(60)), ProjectAt(kBase), Encode()).ok());
    AppendAt("e-4", NewEvent(0, EventKind::kAcknowledged, At(45)), At(45));
  }

  absl::StatusOr<SchoolStats> stats = store_->Stats(kSchool, At(-1), At(60 * 24), At(500));
  ASSERT_TRUE(stats.ok()) << stats.status();
  ExpectKeepTimesFromHistories(*stats, {"e-1", "e-2", "e-3", "e-4"});
  int safeguarding = 0;
  for (const KeepTimes& k : stats->keep_times) {
    if (!k.safeguarding) continue;
    ++safeguarding;
    EXPECT_EQ(k.category, "safeguarding");
    EXPECT_EQ(k.acknowledge, std::make_pair(clock_start, At(45)));
    EXPECT_FALSE(k.answer.has_value());
  }
  EXPECT_EQ(safeguarding, 1);
  // The answer clock e-2 kept is the escalated one, started at 09:50.
  bool restarted = false;
  for (const KeepTimes& k : stats->keep_times) {
    if (k.answer && k.answer->second == At(400))
      restarted = k.answer->first == Snapshot(Stage::kRespond, At(50), At(50), kHead).clock_start;
  }
  EXPECT_TRUE(restarted);
}

TEST_F(PgEnquiryStoreStatsTest, AnEmptyPeriodHasZeroFigures) {
  absl::StatusOr<SchoolStats> stats = store_->Stats(kSchool, At(0), At(60), At(0));
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->all.received, 0);
  EXPECT_TRUE(stats->keep_times.empty());
  EXPECT_TRUE(stats->by_channel.empty());
  EXPECT_TRUE(stats->by_category.empty());
  EXPECT_TRUE(stats->escalations_by_rung.empty());
  EXPECT_EQ(stats->open_now, 0);
}

}  // namespace
}  // namespace parley::escalation

namespace parley::escalation {
namespace {

// ListBreaches: the matters behind Stats' `breaches`, by the same query's definition.
class PgEnquiryStoreBreachesTest : public PgEnquiryStoreStatsTest {
 protected:
  static Event Breached(absl::Time at, Stage stage, int rung, const std::string& role,
                        const std::string& owner = kTeacher) {
    Event ev = NewEvent(0, EventKind::kBreached, at, owner);
    ev.stage = stage;
    ev.breached_due = at - absl::Seconds(1);
    ev.rung = rung;
    ev.owner_role = role;
    return ev;
  }

  // Every breach of the period under `filter`, read `size` at a time; the pages' count in `pages`.
  std::vector<BreachRecord> All(BreachFilter filter, int size, int* pages = nullptr) {
    std::vector<BreachRecord> out;
    BreachPosition after;
    for (int n = 1; n <= 50; ++n) {
      absl::StatusOr<BreachPage> page = store_->ListBreaches(kSchool, filter, after, size);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      EXPECT_LE(static_cast<int>(page->items.size()), size);
      out.insert(out.end(), page->items.begin(), page->items.end());
      if (pages) *pages = n;
      if (!page->next) break;
      after = *page->next;
    }
    return out;
  }
};

TEST_F(PgEnquiryStoreBreachesTest, TheListIsWhatStatsCountsAsBreachesPagedAndFiltered) {
  // e-1 (app, learning): acknowledgement missed, acknowledged late; the answer missed at rung 0,
  // escalated to the head, missed again at rung 1 and never given.
  CreateRouted("e-1", kTeacher, At(60));
  AppendAt("e-1", Breached(At(60), Stage::kAcknowledge, 0, "class_teacher"), At(60));
  AppendAt("e-1", NewEvent(0, EventKind::kAcknowledged, At(90)), At(90));
  AppendAt("e-1", Breached(At(200), Stage::kRespond, 0, "class_teacher"), At(200));
  {
    Event escalated = NewEvent(0, EventKind::kEscalated, At(201), kHead);
    escalated.rung = 1;
    escalated.owner_role = "headteacher";
    escalated.respond = Snapshot(Stage::kRespond, At(201), At(400), kHead);
    AppendAt("e-1", escalated, At(201));
  }
  AppendAt("e-1", Breached(At(400), Stage::kRespond, 1, "headteacher", kHead), At(400));
  // e-2 (email, send): acknowledgement missed, then a reply (which acknowledges too).
  {
    EnquiryRecord r = NewRecord("e-2", "send");
    r.enquiry.channel = Channel::kEmail;
    ASSERT_TRUE(Create(Key("Open"), r, Intake(kTeacher, At(120)), ProjectAt(kBase), Encode()).ok());
    AppendAt("e-2", Breached(At(120), Stage::kAcknowledge, 0, "form_tutor"), At(120));
    AppendAt("e-2", NewEvent(0, EventKind::kReplied, At(300)), At(300));
  }
  // e-3 (app, learning): kept everything.
  CreateRouted("e-3", kTeacher, At(500));
  AppendAt("e-3", NewEvent(0, EventKind::kAcknowledged, At(30)), At(30));
  // e-4: received the day before the period, its acknowledgement missed in the period: not listed.
  {
    EnquiryRecord r = NewRecord("e-4");
    r.enquiry.received_at = At(-60 * 24);
    ASSERT_TRUE(Create(Key("Open"), r, Intake(kTeacher, At(60)), ProjectAt(kBase), Encode()).ok());
    AppendAt("e-4", Breached(At(60), Stage::kAcknowledge, 0, "class_teacher"), At(61));
  }
  // e-5 (app, learning), follow-up missed then resolved.
  CreateRouted("e-5", kTeacher, At(500));
  AppendAt("e-5", NewEvent(0, EventKind::kReplied, At(20)), At(20));
  AppendAt("e-5", Breached(At(600), Stage::kFollowUp, 0, "class_teacher"), At(600));
  AppendAt("e-5", NewEvent(0, EventKind::kResolved, At(700)), At(700));
  // Another school's enquiry, received in the period with a breach, never appears.
  {
    EnquiryRecord r = NewRecord("e-6");
    r.enquiry.school_id = "kenilworth";
    ASSERT_TRUE(Create(Key("Open"), r, Intake(kTeacher, At(60)), ProjectAt(kBase), Encode()).ok());
    absl::StatusOr<WriteResult> w = Append(
        Key("Act"), "kenilworth", "e-6", "",
        [](const EnquiryRecord& current, absl::Time) -> absl::StatusOr<Change> {
          Change c;
          c.events.push_back(Breached(At(60), Stage::kAcknowledge, 0, "class_teacher"));
          c.events.back().seq = NextSeq(current.enquiry);
          return c;
        },
        ProjectAt(At(60)), Encode());
    ASSERT_TRUE(w.ok()) << w.status();
  }

  const absl::Time start = At(-1), end = At(60 * 24);
  absl::StatusOr<SchoolStats> stats = store_->Stats(kSchool, start, end, At(800));
  ASSERT_TRUE(stats.ok()) << stats.status();
  ASSERT_EQ(stats->all.breaches, 5);

  BreachFilter filter{start, end, std::nullopt, ""};
  int pages = 0;
  const std::vector<BreachRecord> all = All(filter, 100, &pages);
  EXPECT_EQ(pages, 1);
  ASSERT_EQ(static_cast<int64_t>(all.size()), stats->all.breaches);
  // In the order the enquiries were recorded, then the order of their breaches.
  std::vector<std::pair<std::string, Stage>> order;
  for (const BreachRecord& b : all) order.emplace_back(b.enquiry_id, b.stage);
  EXPECT_THAT(order, ElementsAre(std::make_pair("e-1", Stage::kAcknowledge), std::make_pair("e-1", Stage::kRespond),
                                 std::make_pair("e-1", Stage::kRespond), std::make_pair("e-2", Stage::kAcknowledge),
                                 std::make_pair("e-5", Stage::kFollowUp)));
  // What each says: the clock, the due missed, when it was kept after all, the rung and its role.
  EXPECT_EQ(all[0].channel, Channel::kAppMessage);
  EXPECT_EQ(all[0].category, "learning");
  EXPECT_EQ(all[0].received_at, At(0, 123456));
  EXPECT_EQ(all[0].due, At(60) - absl::Seconds(1));
  EXPECT_EQ(all[0].breached_at, At(60));
  EXPECT_EQ(all[0].kept_at, At(90));
  EXPECT_EQ(all[0].rung, 0);
  EXPECT_EQ(all[0].rung_role, "class_teacher");
  EXPECT_EQ(all[1].kept_at, std::nullopt);  // the answer never came
  EXPECT_EQ(all[2].rung, 1);
  EXPECT_EQ(all[2].rung_role, "headteacher");
  EXPECT_EQ(all[2].kept_at, std::nullopt);
  EXPECT_EQ(all[3].channel, Channel::kEmail);
  EXPECT_EQ(all[3].category, "send");
  EXPECT_EQ(all[3].kept_at, At(300));  // a reply keeps the acknowledgement too
  EXPECT_EQ(all[3].rung_role, "form_tutor");
  EXPECT_EQ(all[4].kept_at, At(700));  // a follow-up is kept by resolving, not by the earlier reply

  // Page by page, the same items in the same order, with no page over its size.
  const std::vector<BreachRecord> paged = All(filter, 2, &pages);
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(paged.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(paged[i].enquiry_id, all[i].enquiry_id) << i;
    EXPECT_EQ(paged[i].breached_at, all[i].breached_at) << i;
  }
  // A page that ends exactly on the last item says no more follow.
  EXPECT_FALSE(store_->ListBreaches(kSchool, filter, BreachPosition{}, 5)->next.has_value());

  // Each filter lists what its slice of the figures counts.
  for (const auto& [channel, figures] : stats->by_channel) {
    BreachFilter f = filter;
    f.channel = channel;
    const std::vector<BreachRecord> listed = All(f, 100);
    EXPECT_EQ(static_cast<int64_t>(listed.size()), figures.breaches) << static_cast<int>(channel);
    for (const BreachRecord& b : listed) EXPECT_EQ(b.channel, channel);
  }
  for (const auto& [category, figures] : stats->by_category) {
    BreachFilter f = filter;
    f.category = category;
    const std::vector<BreachRecord> listed = All(f, 100);
    EXPECT_EQ(static_cast<int64_t>(listed.size()), figures.breaches) << category;
    for (const BreachRecord& b : listed) EXPECT_EQ(b.category, category);
  }
  BreachFilter email_learning = filter;
  email_learning.channel = Channel::kEmail;
  email_learning.category = "learning";
  EXPECT_TRUE(All(email_learning, 100).empty());

  // Another school's list holds only its own.
  absl::StatusOr<BreachPage> kenilworth = store_->ListBreaches("kenilworth", filter, BreachPosition{}, 100);
  ASSERT_TRUE(kenilworth.ok());
  ASSERT_EQ(kenilworth->items.size(), 1u);
  EXPECT_EQ(kenilworth->items[0].enquiry_id, "e-6");
  // An empty period lists nothing.
  EXPECT_TRUE(All(BreachFilter{At(60 * 24), At(60 * 48), std::nullopt, ""}, 100).empty());
}

}  // namespace
}  // namespace parley::escalation
