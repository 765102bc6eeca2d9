// broadcast_bench: a trust-wide emergency broadcast to a generated trust (20 schools, 30,000
// guardians: common/directory/testing/generated_trust.h) through NotificationService::CreateNotice
// with PgNotificationStore on a fresh database, as parley-notifications runs it: the directory
// comes from a replica (the real Replica over an in-memory feed, one snapshot per school's slice,
// so only what a slice carries arrives), 10% of the guardians have preferences stored.
//
//   1. the broadcast, --rounds times (each a fresh notice): copies, deliveries, the time from the
//      call to its return (every copy and delivery committed, i.e. queued), split into the use
//      case's own work in memory (checks, audience, planning; PlanNotice alone, same inputs, is
//      timed on its own too), the store's reads (template, settings, preferences) and the store's
//      write (CreateNotice, one transaction); beside it, the same rows inserted by plain
//      INSERT ... SELECT FROM unnest into bare tables of the same width (no keys, no indexes, no
//      foreign keys) in one transaction on the same server;
//   2. the same for a routine newsletter to one school;
//   3. the delivery drain: DeliveryWorker with 4 threads over everything now due, with in-process
//      senders that accept at once and contact details from memory (no network): deliveries
//      recorded per second, the store's claim/record ceiling, and the store's time per ClaimDue and
//      per RecordAttempt; once as the broadcasts left the tables, once after ANALYZE; beside it, 4
//      threads each updating one row per transaction (SELECT ... FOR UPDATE, UPDATE by primary key)
//      on a bare table.
//
// Figures only; no assertions. The database is made for the run and dropped afterwards.
//
//   export PARLEY_BENCH_PG_DSN="host=127.0.0.1 port=55467 user=postgres dbname=postgres"
//   broadcast_bench [--guardians 30000] [--rounds 3] [--drain_seconds 30]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/common/admin.h"
#include "common/clock/clock.h"
#include "common/directory/replica.h"
#include "common/directory/testing/generated_trust.h"
#include "common/directory/testing/static_feed.h"
#include "common/log/log.h"
#include "common/pg/migrations.h"
#include "common/pg/pool.h"
#include "common/pg/sql_values.h"
#include "pqxx/pqxx"
#include "services/notifications/clients/directory_source.h"
#include "services/notifications/delivery/worker.h"
#include "services/notifications/domain/notification_service.h"
#include "services/notifications/domain/planning.h"
#include "services/notifications/migrations.h"
#include "services/notifications/store/pg_notification_store.h"
#include "services/notifications/testing/fakes.h"

namespace parley::notifications {
namespace {

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

std::string Uuid(int64_t n) { return absl::StrFormat("00000000-0000-4000-8000-%012d", n); }

// The store, timing the calls CreateNotice's use case makes and counting recorded attempts.
class TimedStore final : public NotificationStore {
 public:
  explicit TimedStore(NotificationStore* inner) : inner_(inner) {}

  absl::Duration write() const { return write_; }
  absl::Duration reads() const { return reads_; }
  void ResetTimes() { write_ = reads_ = absl::ZeroDuration(); }
  // Before a drain, with no worker running.
  void ResetCalls() { recorded_ = record_ns_ = claims_ = claim_ns_ = 0; }
  int64_t recorded() const { return recorded_.load(); }

  absl::StatusOr<WriteResult> CreateNotice(const RequestKey& key, const Notice& notice, const Template& resolved,
                                           const std::vector<Message>& copies, const Encoder<Notice>& encode) override {
    const absl::Time t0 = absl::Now();
    auto r = inner_->CreateNotice(key, notice, resolved, copies, encode);
    write_ += absl::Now() - t0;
    return r;
  }
  absl::StatusOr<Template> ResolveTemplate(const std::string& school_id, const std::string& id) override {
    const absl::Time t0 = absl::Now();
    auto r = inner_->ResolveTemplate(school_id, id);
    reads_ += absl::Now() - t0;
    return r;
  }
  absl::StatusOr<std::map<std::string, Preferences>> PreferencesOf(const std::vector<std::string>& ids) override {
    const absl::Time t0 = absl::Now();
    auto r = inner_->PreferencesOf(ids);
    reads_ += absl::Now() - t0;
    return r;
  }
  absl::StatusOr<SchoolSettings> GetSettings(const std::string& school_id) override {
    const absl::Time t0 = absl::Now();
    auto r = inner_->GetSettings(school_id);
    reads_ += absl::Now() - t0;
    return r;
  }
  absl::Status RecordAttempt(int64_t delivery_id, const AttemptResult& result, absl::Time now) override {
    const absl::Time t0 = absl::Now();
    absl::Status s = inner_->RecordAttempt(delivery_id, result, now);
    record_ns_.fetch_add(absl::ToInt64Nanoseconds(absl::Now() - t0));
    if (s.ok()) recorded_.fetch_add(1);
    return s;
  }
  absl::StatusOr<std::vector<ClaimedDelivery>> ClaimDue(absl::Time now, int limit, absl::Duration lease) override {
    const absl::Time t0 = absl::Now();
    auto r = inner_->ClaimDue(now, limit, lease);
    claim_ns_.fetch_add(absl::ToInt64Nanoseconds(absl::Now() - t0));
    claims_.fetch_add(1);
    return r;
  }
  // Mean wall time of one ClaimDue and of one RecordAttempt so far, in ms (threads overlap).
  double ms_per_claim() const { return claims_ ? claim_ns_.load() / 1e6 / static_cast<double>(claims_.load()) : 0; }
  double ms_per_record() const {
    return recorded_ ? record_ns_.load() / 1e6 / static_cast<double>(recorded_.load()) : 0;
  }

  // The rest as they are.
  absl::StatusOr<Notice> GetNotice(const NoticeRef& ref) override { return inner_->GetNotice(ref); }
  absl::StatusOr<Page<Notice>> ListNotices(const std::string& scope, std::optional<Category> category,
                                           PageQuery page) override {
    return inner_->ListNotices(scope, category, page);
  }
  absl::StatusOr<WriteResult> CancelNotice(const RequestKey& key, const NoticeRef& ref, absl::Time now,
                                           const Encoder<Notice>& encode) override {
    return inner_->CancelNotice(key, ref, now, encode);
  }
  absl::StatusOr<Page<Message>> ListMessages(const MessageFilter& filter, PageQuery page) override {
    return inner_->ListMessages(filter, page);
  }
  absl::StatusOr<Message> GetMessage(const MessageRef& ref) override { return inner_->GetMessage(ref); }
  absl::StatusOr<WriteResult> MarkRead(const RequestKey& key, const MessageRef& ref, absl::Time now,
                                       const Encoder<Message>& encode) override {
    return inner_->MarkRead(key, ref, now, encode);
  }
  absl::StatusOr<WriteResult> ReplyToConsent(const RequestKey& key, const MessageRef& ref, const std::string& pupil_id,
                                             ConsentAnswer answer, absl::Time now,
                                             const Encoder<Message>& encode) override {
    return inner_->ReplyToConsent(key, ref, pupil_id, answer, now, encode);
  }
  absl::StatusOr<WriteResult> ReopenConsent(const RequestKey& key, const NoticeRef& ref, const std::string& pupil_id,
                                            const Encoder<std::vector<ConsentRow>>& encode) override {
    return inner_->ReopenConsent(key, ref, pupil_id, encode);
  }
  absl::StatusOr<std::vector<ConsentRow>> ConsentOf(const NoticeRef& ref) override { return inner_->ConsentOf(ref); }
  absl::StatusOr<WriteResult> CreateTemplate(const RequestKey& key, const Template& t,
                                             const Encoder<Template>& encode) override {
    return inner_->CreateTemplate(key, t, encode);
  }
  absl::StatusOr<Template> GetTemplate(const std::string& school_id, const std::string& id) override {
    return inner_->GetTemplate(school_id, id);
  }
  absl::StatusOr<std::vector<Template>> ListTemplates(const std::string& school_id) override {
    return inner_->ListTemplates(school_id);
  }
  absl::StatusOr<WriteResult> UpdateTemplate(const RequestKey& key, const Template& t, const std::string& etag,
                                             const Encoder<Template>& encode) override {
    return inner_->UpdateTemplate(key, t, etag, encode);
  }
  absl::StatusOr<WriteResult> DeleteTemplate(const RequestKey& key, const std::string& school_id,
                                             const std::string& id) override {
    return inner_->DeleteTemplate(key, school_id, id);
  }
  absl::StatusOr<Preferences> GetPreferences(const std::string& guardian_id) override {
    return inner_->GetPreferences(guardian_id);
  }
  absl::StatusOr<WriteResult> PutPreferences(const RequestKey& key, const Preferences& p, const std::string& etag,
                                             const Encoder<Preferences>& encode) override {
    return inner_->PutPreferences(key, p, etag, encode);
  }
  absl::StatusOr<WriteResult> PutSettings(const RequestKey& key, const SchoolSettings& s, const std::string& etag,
                                          const Encoder<SchoolSettings>& encode) override {
    return inner_->PutSettings(key, s, etag, encode);
  }
  absl::StatusOr<Delivery> RecordReceipt(const RequestKey& key, const std::string& provider,
                                         const std::string& provider_reference, bool delivered, bool permanent_failure,
                                         absl::Time time, absl::Time now) override {
    return inner_->RecordReceipt(key, provider, provider_reference, delivered, permanent_failure, time, now);
  }
  absl::StatusOr<std::optional<absl::Time>> NextDue() override { return inner_->NextDue(); }
  absl::StatusOr<std::vector<LetterBatchInfo>> ListLetterBatches(const std::string& school_id,
                                                                 const absl::TimeZone& zone) override {
    return inner_->ListLetterBatches(school_id, zone);
  }
  absl::StatusOr<std::vector<StoredLetter>> LettersOf(const std::string& school_id, absl::CivilDay day,
                                                      const absl::TimeZone& zone) override {
    return inner_->LettersOf(school_id, day, zone);
  }
  absl::StatusOr<SchoolFigures> Figures(const std::string& school_id, absl::Time start, absl::Time end) override {
    return inner_->Figures(school_id, start, end);
  }

 private:
  NotificationStore* const inner_;
  absl::Duration write_, reads_;  // CreateNotice runs on one thread
  std::atomic<int64_t> recorded_{0}, record_ns_{0}, claims_{0}, claim_ns_{0};
};

// A provider that takes every message at once (no network).
class AcceptingSender final : public Sender {
 public:
  explicit AcceptingSender(std::string provider) : provider_(std::move(provider)) {}
  SendOutcome Send(const Outgoing& message) override {
    sent_.fetch_add(1);
    SendOutcome out;
    out.kind = SendOutcome::Kind::kAccepted;
    out.provider = provider_;
    out.provider_reference = message.idempotency_key;
    return out;
  }
  int64_t sent() const { return sent_.load(); }

 private:
  const std::string provider_;
  std::atomic<int64_t> sent_{0};
};

// contacts' BatchGetContactDetails answered from the generated directory.
void FillContacts(const directory::Directory& dir, testing::FakeContactDetails& contacts) {
  for (const auto& [id, g] : dir.guardians) {
    PersonDetails p;
    p.display_name = absl::StrCat(g.given_name, " ", g.family_name);
    for (const directory::ContactPoint& cp : g.contact_points) {
      switch (cp.kind) {
        case directory::ContactKind::kEmail:
          p.email = cp.value;
          break;
        case directory::ContactKind::kMobile:
          p.mobile = cp.value;
          break;
        case directory::ContactKind::kApp:
          p.app = cp.value;
          break;
        case directory::ContactKind::kPostal:
          p.postal_address = {cp.value};
          break;
        default:
          break;
      }
    }
    contacts.Put(absl::StrCat("guardians/", id), std::move(p));
  }
  for (const auto& [school_id, sd] : dir.schools) {
    for (const auto& [id, pupil] : sd.pupils) {
      PersonDetails p;
      p.display_name = absl::StrCat(pupil.given_name, " ", pupil.family_name);
      p.year_group = pupil.year_group;
      p.class_name = pupil.class_name;
      contacts.Put(absl::StrCat("schools/", school_id, "/pupils/", id), std::move(p));
    }
  }
}

// What the generated trust holds, so the figures can be read against it.
void Describe(const directory::Directory& dir) {
  size_t pupils = 0, apart = 0, separate = 0, court = 0, two_schools = 0, no_pr = 0;
  std::map<directory::ContactKind, size_t> kinds;
  std::map<std::string, size_t> languages;
  for (const auto& [id, sd] : dir.schools) pupils += sd.pupils.size();
  for (const auto& [id, g] : dir.guardians) {
    apart += g.lives_apart;
    separate += g.separate_copies;
    for (const directory::ContactPoint& cp : g.contact_points) ++kinds[cp.kind];
    ++languages[g.language.empty() ? "(none)" : g.language];
    std::set<std::string> schools;
    for (const directory::PupilLink& l : g.pupils) {
      schools.insert(l.school_id);
      if (l.court_order) ++court;
      if (!l.parental_responsibility) ++no_pr;
    }
    two_schools += schools.size() > 1;
  }
  std::printf("trust: %zu schools, %zu pupils, %zu guardians\n", dir.schools.size(), pupils, dir.guardians.size());
  std::printf("  contact points: app %zu, email %zu, mobile %zu, postal %zu\n", kinds[directory::ContactKind::kApp],
              kinds[directory::ContactKind::kEmail], kinds[directory::ContactKind::kMobile],
              kinds[directory::ContactKind::kPostal]);
  std::vector<std::string> langs;
  for (const auto& [l, n] : languages) langs.push_back(absl::StrCat(l, " ", n));
  std::printf("  languages: %s\n", absl::StrJoin(langs, ", ").c_str());
  std::printf(
      "  lives apart %zu (separate copies %zu), court-order links %zu, links without parental responsibility %zu, "
      "children at two schools %zu\n",
      apart, separate, court, no_pr, two_schools);
}

// The bare tables of the reference: the columns of messages and deliveries, nothing else.
constexpr char kBareTables[] =
    "CREATE TABLE bare_messages (scope TEXT, notice_id TEXT, id INTEGER, school_id TEXT, recipient_kind TEXT, "
    "recipient_id TEXT, household_members TEXT[], pupil_ids TEXT[], locale TEXT, fallbacks TEXT[], create_time "
    "TIMESTAMPTZ);"
    "CREATE TABLE bare_deliveries (scope TEXT, notice_id TEXT, message_id INTEGER, school_id TEXT, channel TEXT, "
    "status TEXT, due_at TIMESTAMPTZ, unless_read BOOLEAN, idempotency_key TEXT, create_time TIMESTAMPTZ);"
    "CREATE TABLE bare_queue (id BIGSERIAL PRIMARY KEY, status TEXT NOT NULL, sent_at TIMESTAMPTZ)";

using pg::TextArray;
using pg::TimeParam;

// The plan's rows as the store sends them, inserted into the bare tables in one transaction.
absl::StatusOr<absl::Duration> ReferenceInsert(pg::Pool& pool, const std::string& notice_id,
                                               const std::vector<Message>& copies) {
  std::vector<std::string> m_id, m_school, m_kind, m_recipient, m_household, m_pupils, m_locale, m_fallbacks;
  std::vector<std::string> d_message, d_school, d_channel, d_status, d_due, d_unless, d_key;
  for (const Message& m : copies) {
    m_id.push_back(m.id);
    m_school.push_back(m.school_id);
    m_kind.push_back(m.recipient_kind == RecipientKind::kStaff ? "staff" : "guardian");
    m_recipient.push_back(m.recipient_id);
    m_household.push_back(absl::StrJoin(m.household_members, ","));
    m_pupils.push_back(absl::StrJoin(m.pupil_ids, ","));
    m_locale.push_back(m.locale);
    std::vector<std::string> fallbacks;
    for (DeliveryChannel c : m.fallbacks) fallbacks.push_back(ChannelWord(c));
    m_fallbacks.push_back(absl::StrJoin(fallbacks, ","));
    for (const Delivery& d : m.deliveries) {
      d_message.push_back(m.id);
      d_school.push_back(m.school_id);
      d_channel.push_back(ChannelWord(d.channel));
      d_status.push_back(StatusWord(d.status));
      d_due.push_back(TimeParam(d.due));
      d_unless.push_back(d.unless_read ? "t" : "f");
      d_key.push_back(absl::StrCat("trust.", notice_id, ".", m.id, ".", ChannelWord(d.channel)));
    }
  }
  const std::string now = TimeParam(absl::Now());
  const absl::Time t0 = absl::Now();
  absl::Status s = pool.Transact([&](pqxx::work& txn) -> absl::Status {
    txn.exec_params(
        "INSERT INTO bare_messages SELECT '', $1, u.id::int, u.school_id, u.kind, u.recipient, "
        "string_to_array(u.household, ','), string_to_array(u.pupils, ','), u.locale, string_to_array(u.fallbacks, "
        "','), $2::timestamptz FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], "
        "$9::text[], $10::text[]) AS u(id, school_id, kind, recipient, household, pupils, locale, fallbacks)",
        notice_id, now, TextArray(m_id), TextArray(m_school), TextArray(m_kind), TextArray(m_recipient),
        TextArray(m_household), TextArray(m_pupils), TextArray(m_locale), TextArray(m_fallbacks));
    txn.exec_params(
        "INSERT INTO bare_deliveries SELECT '', $1, u.message_id::int, u.school_id, u.channel, u.status, "
        "u.due::timestamptz, u.unless::bool, u.key, $2::timestamptz FROM unnest($3::text[], $4::text[], $5::text[], "
        "$6::text[], $7::text[], $8::text[], $9::text[]) AS u(message_id, school_id, channel, status, due, unless, "
        "key)",
        notice_id, now, TextArray(d_message), TextArray(d_school), TextArray(d_channel), TextArray(d_status),
        TextArray(d_due), TextArray(d_unless), TextArray(d_key));
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return absl::Now() - t0;
}

struct Bench {
  directory::Directory directory;
  std::unique_ptr<directory::testing::StaticFeed> feed;
  std::unique_ptr<directory::Replica> replica;
  std::unique_ptr<ReplicaDirectorySource> source;
  testing::FakeContactDetails contacts;
  std::unique_ptr<pg::Pool> pool;
  std::unique_ptr<PgNotificationStore> pg_store;
  std::unique_ptr<TimedStore> store;
  std::unique_ptr<NotificationService> service;
  int64_t next_request = 1;
};

std::vector<LocalizedContent> Content(const std::string& subject) {
  return {LocalizedContent{"en", subject,
                           "Dear {{recipient_name}},\n\nThis is about {{pupil_names}} at {{school_name}}. Please read "
                           "the message from the school in full and follow its instructions.",
                           "{{school_name}}: " + subject + ". Please check your email or the app."},
          LocalizedContent{"pl", subject + " (PL)", "Szanowni Państwo {{recipient_name}}, dotyczy {{pupil_names}}.",
                           "{{school_name}}: " + subject},
          LocalizedContent{"ur", subject + " (UR)", "{{recipient_name}}: {{pupil_names}}", "{{school_name}}"}};
}

// One notice: PlanNotice alone, then CreateNotice through the use case, then the reference insert.
bool Round(Bench& b, const std::string& label, const NoticeRequest& request) {
  // 1. Planning alone, in memory, with the inputs the use case gathers.
  std::vector<std::string> school_ids;
  if (request.sender.trust()) {
    school_ids = *b.source->SchoolIds();
  } else {
    school_ids = {request.sender.school_id};
  }
  std::vector<SchoolContext> schools;
  std::vector<std::string> guardian_ids;
  for (const std::string& id : school_ids) {
    SchoolContext ctx;
    ctx.snapshot = *b.source->School(id);
    ctx.school = ctx.snapshot->FindSchool(id);
    ctx.settings = *b.pg_store->GetSettings(id);
    for (const directory::Guardian* g : ctx.snapshot->GuardiansOfSchool(id)) guardian_ids.push_back(g->id);
    schools.push_back(std::move(ctx));
  }
  std::map<std::string, Preferences> preferences = *b.pg_store->PreferencesOf(guardian_ids);
  std::vector<std::string> offered;
  for (const LocalizedContent& c : request.content) offered.push_back(c.locale);
  const absl::Time p0 = absl::Now();
  absl::StatusOr<Plan> plan = PlanNotice(
      request, schools,
      [&](const std::string& id) -> const Preferences* {
        auto it = preferences.find(id);
        return it == preferences.end() ? nullptr : &it->second;
      },
      offered, absl::Now());
  const absl::Duration planning = absl::Now() - p0;
  if (!plan.ok()) {
    std::fprintf(stderr, "PlanNotice: %s\n", plan.status().ToString().c_str());
    return false;
  }
  size_t deliveries = 0;
  std::map<DeliveryChannel, size_t> by_channel;
  for (const Message& m : plan->copies) {
    deliveries += m.deliveries.size();
    for (const Delivery& d : m.deliveries) ++by_channel[d.channel];
  }
  schools.clear();
  preferences.clear();

  // 2. The use case: from the call to its return, every copy and delivery committed.
  b.store->ResetTimes();
  const int64_t n = b.next_request++;
  const absl::Time c0 = absl::Now();
  absl::StatusOr<WriteResult> written =
      b.service->CreateNotice(RequestKey{"trust/notifications.CreateNotice", Uuid(n), absl::StrCat("bench-", n)},
                              request, [](const Notice& notice) -> absl::StatusOr<std::string> {
                                return absl::StrCat(notice.id, " ", notice.recipient_count);
                              });
  const absl::Duration total = absl::Now() - c0;
  if (!written.ok()) {
    std::fprintf(stderr, "CreateNotice: %s\n", written.status().ToString().c_str());
    return false;
  }
  const std::string notice_id = written->response.substr(0, written->response.find(' '));

  // 3. The reference: the same rows into bare tables.
  absl::StatusOr<absl::Duration> reference = ReferenceInsert(*b.pool, notice_id, plan->copies);
  if (!reference.ok()) {
    std::fprintf(stderr, "reference insert: %s\n", reference.status().ToString().c_str());
    return false;
  }
  std::printf(
      "  %-10s copies %6zu  deliveries %6zu (app %zu, email %zu, sms %zu, letter %zu)\n"
      "             CreateNotice %6.3f s = checks and planning %6.3f s (PlanNotice alone: %6.3f s) + store reads %6.3f "
      "s "
      "+ store write %6.3f s\n"
      "             reference: the same %zu + %zu rows by INSERT ... SELECT FROM unnest into bare tables %6.3f s\n",
      label.c_str(), plan->copies.size(), deliveries, by_channel[DeliveryChannel::kApp],
      by_channel[DeliveryChannel::kEmail], by_channel[DeliveryChannel::kSms], by_channel[DeliveryChannel::kLetter],
      Seconds(total), Seconds(total - b.store->reads() - b.store->write()), Seconds(planning),
      Seconds(b.store->reads()), Seconds(b.store->write()), plan->copies.size(), deliveries, Seconds(*reference));
  std::fflush(stdout);
  return true;
}

// 10% of the guardians: routine newsletters by email in the digest, events not by app.
bool StorePreferences(Bench& b) {
  int n = 0;
  for (const auto& [id, g] : b.directory.guardians) {
    if (n++ % 10 != 0) continue;
    Preferences p;
    p.guardian_id = id;
    p.entries = {ChannelPreference{Category::kNewsletter, DeliveryChannel::kEmail, DeliveryMode::kDigest},
                 ChannelPreference{Category::kEvent, DeliveryChannel::kApp, DeliveryMode::kOff}};
    auto put = b.store->PutPreferences(RequestKey{"guardian/notifications.PutPreferences", Uuid(b.next_request++), id},
                                       p, "", [](const Preferences&) -> absl::StatusOr<std::string> { return ""; });
    if (!put.ok()) {
      std::fprintf(stderr, "PutPreferences: %s\n", put.status().ToString().c_str());
      return false;
    }
  }
  return true;
}

// Deliveries due now and still pending.
int64_t DueNow(pg::Pool& pool) {
  int64_t due = -1;
  (void)pool.Read([&](pqxx::work& txn) -> absl::Status {
    due = txn.exec1("SELECT count(*) FROM deliveries WHERE status = 'pending' AND due_at <= now()")[0].as<int64_t>();
    return absl::OkStatus();
  });
  return due;
}

void Drain(Bench& b, absl::Duration limit) {
  const int64_t due = DueNow(*b.pool);
  b.store->ResetCalls();
  AcceptingSender email("fake-email"), sms("fake-sms"), push("fake-push");
  DeliveryWorkerOptions options;
  options.threads = 4;
  DeliveryWorker worker(b.store.get(), b.source.get(), &b.contacts, ChannelSenders{&email, &sms, &push},
                        &RealClock::Get(), options);
  const int64_t before = b.store->recorded();
  const absl::Time t0 = absl::Now();
  worker.Start();
  worker.Nudge();
  absl::Time first_10s = absl::InfinitePast();
  int64_t at_10s = 0;
  while (absl::Now() - t0 < limit && b.store->recorded() - before < due) {
    absl::SleepFor(absl::Milliseconds(20));
    if (first_10s == absl::InfinitePast() && absl::Now() - t0 >= absl::Seconds(10)) {
      first_10s = absl::Now();
      at_10s = b.store->recorded() - before;
    }
  }
  const absl::Duration elapsed = absl::Now() - t0;
  const int64_t recorded = b.store->recorded() - before;
  worker.Stop();
  std::printf("  DeliveryWorker, 4 threads, batch %d: %ld of %ld due deliveries recorded in %.2f s%s = %.0f / s\n",
              options.batch, static_cast<long>(recorded), static_cast<long>(due), Seconds(elapsed),
              recorded >= due ? "" : " (stopped at --drain_seconds)", static_cast<double>(recorded) / Seconds(elapsed));
  if (at_10s > 0) {
    std::printf("             first 10 s: %ld recorded = %.0f / s\n", static_cast<long>(at_10s),
                static_cast<double>(at_10s) / Seconds(first_10s - t0));
  }
  std::printf(
      "             store per call (mean wall time, 4 threads at once): ClaimDue %.1f ms, RecordAttempt %.1f ms\n",
      b.store->ms_per_claim(), b.store->ms_per_record());
  std::printf("             sends: email %ld, sms %ld, push %ld (letters go to the daily batch)\n",
              static_cast<long>(email.sent()), static_cast<long>(sms.sent()), static_cast<long>(push.sent()));
  std::fflush(stdout);
}

// The reference for the drain: 4 threads, one transaction per row (SELECT ... FOR UPDATE, UPDATE by
// primary key) on a bare table, for `duration`.
void ReferenceUpdates(pg::Pool& pool, absl::Duration duration) {
  constexpr int kRows = 100000;
  if (!pool.Transact([&](pqxx::work& txn) -> absl::Status {
             txn.exec_params("INSERT INTO bare_queue (status) SELECT 'pending' FROM generate_series(1, $1)", kRows);
             return absl::OkStatus();
           })
           .ok()) {
    std::fprintf(stderr, "reference: cannot fill bare_queue\n");
    return;
  }
  std::atomic<int64_t> next{1}, done{0};
  const absl::Time t0 = absl::Now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      while (absl::Now() - t0 < duration) {
        const int64_t id = next.fetch_add(1);
        if (id > kRows) return;
        absl::Status s = pool.Transact([&](pqxx::work& txn) -> absl::Status {
          txn.exec_params("SELECT status FROM bare_queue WHERE id = $1 FOR UPDATE", id);
          txn.exec_params("UPDATE bare_queue SET status = 'sent', sent_at = now() WHERE id = $1", id);
          return absl::OkStatus();
        });
        if (s.ok()) done.fetch_add(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const absl::Duration elapsed = absl::Now() - t0;
  std::printf(
      "  reference: 4 threads, one row per transaction (SELECT FOR UPDATE + UPDATE by key): %ld in %.2f s = "
      "%.0f / s\n",
      static_cast<long>(done.load()), Seconds(elapsed), static_cast<double>(done.load()) / Seconds(elapsed));
}

int Run(const std::string& admin_dsn, int guardians, int rounds, int drain_seconds) {
  log::SetMinLevel(log::Level::kError);
  constexpr int kSchools = 20;
  const int per_school = std::max(1, guardians / kSchools);
  std::printf("broadcast_bench: %ld cores, %s\n", sysconf(_SC_NPROCESSORS_ONLN), bench::LoadAverage().c_str());

  Bench b;
  const absl::Time g0 = absl::Now();
  b.directory = directory::testing::GeneratedTrust(kSchools, 80, std::max(1, per_school * 2 / 3), per_school);
  Describe(b.directory);
  FillContacts(b.directory, b.contacts);
  // The replica as parley-notifications holds it: one snapshot per school, from its slice.
  b.feed = std::make_unique<directory::testing::StaticFeed>(b.directory, absl::Seconds(5));
  b.replica = std::make_unique<directory::Replica>(b.feed.get(), &RealClock::Get(), directory::Replica::Options{});
  b.replica->Start();
  if (absl::Status s = b.replica->AwaitReady(absl::Minutes(2)); !s.ok()) {
    std::fprintf(stderr, "replica: %s\n", s.ToString().c_str());
    return 2;
  }
  b.source = std::make_unique<ReplicaDirectorySource>(b.replica.get());
  std::printf("  generated and loaded into the replica in %.1f s\n", Seconds(absl::Now() - g0));

  const std::string db = absl::StrCat("broadcast_bench_", getpid());
  if (absl::Status s = bench::AdminSql(admin_dsn, absl::StrCat("CREATE DATABASE ", db)); !s.ok()) {
    std::fprintf(stderr, "broadcast_bench: cannot create a database: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  int rc = 0;
  {
    pg::PoolOptions popts;
    popts.dsn = absl::StrCat(admin_dsn, " dbname=", db);
    popts.size = 8;
    popts.statement_timeout = absl::Minutes(2);
    popts.application_name = "broadcast_bench";
    auto pool = pg::Pool::Create(popts);
    if (!pool.ok() || !pg::ApplyMigrations(**pool, "notifications", Migrations()).ok() ||
        !bench::AdminSql(popts.dsn, kBareTables).ok()) {
      std::fprintf(stderr, "broadcast_bench: database set-up failed\n");
      rc = 2;
    } else {
      b.pool = *std::move(pool);
      b.pg_store = std::make_unique<PgNotificationStore>(b.pool.get());
      b.store = std::make_unique<TimedStore>(b.pg_store.get());
      b.service =
          std::make_unique<NotificationService>(b.store.get(), b.source.get(), &b.contacts, &RealClock::Get(), nullptr);
      const absl::Time s0 = absl::Now();
      if (!StorePreferences(b)) rc = 2;
      std::printf("  preferences stored for every tenth guardian in %.1f s\n", Seconds(absl::Now() - s0));

      NoticeRequest emergency;
      emergency.category = Category::kEmergency;
      emergency.priority = Priority::kEmergency;
      emergency.audience.kind = AudienceKind::kTrust;
      emergency.content = Content("All schools closed today: severe weather");
      emergency.created_by = "bench";
      std::printf("\n1. trust-wide emergency broadcast (AUDIENCE_KIND_TRUST, emergency, written content), %s\n",
                  bench::LoadAverage().c_str());
      for (int r = 1; rc == 0 && r <= rounds; ++r) {
        if (!Round(b, absl::StrCat("round ", r), emergency)) rc = 2;
      }

      NoticeRequest newsletter;
      newsletter.sender.school_id = "school-00";
      newsletter.category = Category::kNewsletter;
      newsletter.priority = Priority::kRoutine;
      newsletter.audience.kind = AudienceKind::kSchool;
      newsletter.content = Content("Spring newsletter");
      newsletter.created_by = "bench";
      std::printf("\n2. a routine newsletter to one school (AUDIENCE_KIND_SCHOOL, school-00), %s\n",
                  bench::LoadAverage().c_str());
      for (int r = 1; rc == 0 && r <= rounds; ++r) {
        if (!Round(b, absl::StrCat("round ", r), newsletter)) rc = 2;
      }

      if (rc == 0) {
        std::printf("\n3. delivery drain (in-process senders accepting at once, contact details from memory), %s\n",
                    bench::LoadAverage().c_str());
        std::printf("  a. as the broadcasts left the tables (autovacuum may not have analysed them yet)\n");
        Drain(b, absl::Seconds(drain_seconds));
        const absl::Time a0 = absl::Now();
        if (!bench::AdminSql(absl::StrCat(admin_dsn, " dbname=", db), "ANALYZE deliveries; ANALYZE messages").ok())
          rc = 2;
        std::printf("  b. after ANALYZE deliveries, messages (%.1f s)\n", Seconds(absl::Now() - a0));
        Drain(b, absl::Seconds(drain_seconds));
        ReferenceUpdates(*b.pool, absl::Seconds(10));
        std::printf("  %s\n", bench::LoadAverage().c_str());
      }
      b.service.reset();
      b.store.reset();
      b.pg_store.reset();
      b.pool.reset();
    }
  }
  b.replica->Stop();
  if (absl::Status s = bench::AdminSql(admin_dsn, absl::StrCat("DROP DATABASE ", db, " WITH (FORCE)")); !s.ok()) {
    std::fprintf(stderr, "broadcast_bench: could not drop %s: %s\n", db.c_str(), std::string(s.message()).c_str());
  }
  return rc;
}

}  // namespace
}  // namespace parley::notifications

int main(int argc, char** argv) {
  CLI::App app{"broadcast_bench: a trust-wide emergency broadcast, a school newsletter and the delivery drain"};
  int guardians = 30000, rounds = 3, drain_seconds = 30;
  app.add_option("--guardians", guardians, "guardians in the generated trust (20 schools)");
  app.add_option("--rounds", rounds, "notices of each kind, each a fresh one");
  app.add_option("--drain_seconds", drain_seconds, "longest time each delivery drain runs");
  CLI11_PARSE(app, argc, argv);
  const char* dsn = std::getenv("PARLEY_BENCH_PG_DSN");
  if (dsn == nullptr || *dsn == '\0') {
    std::fprintf(stderr,
                 "broadcast_bench: set PARLEY_BENCH_PG_DSN (key=value libpq DSN of a server it may create a "
                 "database on)\n");
    return 2;
  }
  return parley::notifications::Run(dsn, guardians, rounds, drain_seconds);
}
