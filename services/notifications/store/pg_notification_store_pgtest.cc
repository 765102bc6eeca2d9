// PgNotificationStore against a real PostgreSQL: a notice goes in with its copies and deliveries
// once per request id, the delivery queue is claimed with leases and SKIP LOCKED (a digest window
// goes whole to one worker), attempts, receipts and fallbacks move the copy on, reading in the app
// skips the waiting email, cancel stops what has not gone, consent locks, templates resolve
// school-first, letters group by the school's day, and figures count what happened.
#include "services/notifications/store/pg_notification_store.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/pg/migrations.h"
#include "common/pg/pool.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/testing/test_database.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/notifications/migrations.h"

namespace parley::notifications {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kSchool[] = "st-marys";

// 2025-03-10 09:00 UTC (a Monday).
const absl::Time kNow = absl::FromUnixSeconds(1741597200);

int request_counter = 0;
RequestKey Key(const std::string& method) {
  return RequestKey{absl::StrCat("notifications.", method),
                    absl::StrFormat("00000000-0000-4000-8000-%012d", ++request_counter), method};
}

Encoder<Notice> EncodeNotice() {
  return [](const Notice& n) -> absl::StatusOr<std::string> {
    return absl::StrCat(n.id, " pending=", n.summary.pending, " cancelled=", n.summary.cancelled,
                        " recipients=", n.recipient_count);
  };
}
Encoder<Message> EncodeMessage() {
  return [](const Message& m) -> absl::StatusOr<std::string> { return absl::StrCat(m.notice_id, "/", m.id); };
}
Encoder<Template> EncodeTemplate() {
  return [](const Template& t) -> absl::StatusOr<std::string> { return t.etag; };
}
Encoder<std::vector<ConsentRow>> EncodeRows() {
  return [](const std::vector<ConsentRow>& rows) -> absl::StatusOr<std::string> { return absl::StrCat(rows.size()); };
}

Notice MakeNotice(const std::string& id, Category category = Category::kNewsletter, absl::Time created = kNow,
                  const std::string& scope = kSchool) {
  Notice n;
  n.id = id;
  n.request.sender.school_id = scope;
  n.request.category = category;
  n.request.priority = Priority::kRoutine;
  n.request.audience.kind = AudienceKind::kSchool;
  n.request.content.push_back(LocalizedContent{"en", "Subject", "Body", "Sms"});
  n.request.send_time = created;
  n.request.created_by = "staff/s-01";
  n.create_time = created;
  return n;
}

Delivery D(DeliveryChannel channel, absl::Time due = kNow, DeliveryStatus status = DeliveryStatus::kPending) {
  Delivery d;
  d.channel = channel;
  d.due = due;
  d.status = status;
  return d;
}

Message Copy(int number, const std::string& recipient, std::vector<Delivery> deliveries,
             std::vector<DeliveryChannel> fallbacks = {}, std::vector<std::string> pupils = {"p-1"},
             const std::string& school = kSchool) {
  Message m;
  m.id = absl::StrCat(number);
  m.school_id = school;
  m.recipient_id = recipient;
  m.pupil_ids = std::move(pupils);
  m.locale = "en";
  m.fallbacks = std::move(fallbacks);
  m.deliveries = std::move(deliveries);
  return m;
}

class PgNotificationStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = parley::testing::TestDatabase::Create();
    if (!db_) {
      if (parley::testing::TestDatabase::Configured()) FAIL() << "could not create a test database";
      GTEST_SKIP() << "set PARLEY_TEST_PG_DSN (scripts/test.sh does) to run this test";
    }
    pg::PoolOptions opts;
    opts.dsn = db_->dsn();
    opts.size = 6;
    absl::StatusOr<std::unique_ptr<pg::Pool>> pool = pg::Pool::Create(opts);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    absl::Status migrated = pg::ApplyMigrations(*pool_, "notifications", Migrations());
    ASSERT_TRUE(migrated.ok()) << migrated;
    store_ = std::make_unique<PgNotificationStore>(pool_.get());
  }

  int64_t Count(const std::string& sql) {
    int64_t n = -1;
    absl::Status s = pool_->Read([&](pqxx::work& txn) -> absl::Status {
      n = txn.exec(sql)[0][0].as<int64_t>();
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return n;
  }

  std::string Text(const std::string& sql) {
    std::string out;
    absl::Status s = pool_->Read([&](pqxx::work& txn) -> absl::Status {
      pqxx::result r = txn.exec(sql);
      for (const pqxx::row& row : r) {
        if (!out.empty()) out += ";";
        out += row[0].is_null() ? "NULL" : row[0].c_str();
      }
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }

  void Create(const Notice& n, const std::vector<Message>& copies) {
    absl::StatusOr<WriteResult> w = store_->CreateNotice(Key("CreateNotice"), n, Template(), copies, EncodeNotice());
    ASSERT_TRUE(w.ok()) << w.status();
  }

  std::vector<ClaimedDelivery> Claim(absl::Time now, int limit = 100, absl::Duration lease = absl::Minutes(5)) {
    absl::StatusOr<std::vector<ClaimedDelivery>> c = store_->ClaimDue(now, limit, lease);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *std::move(c) : std::vector<ClaimedDelivery>{};
  }

  void Record(int64_t id, AttemptResult::Kind kind, absl::Time now, const std::string& reference = "",
              absl::Time retry_at = absl::InfinitePast()) {
    AttemptResult r;
    r.kind = kind;
    r.provider = "prov";
    r.provider_reference = reference;
    r.reason = kind == AttemptResult::Kind::kFailed ? "REJECTED" : "";
    r.retry_at = retry_at;
    absl::Status s = store_->RecordAttempt(id, r, now);
    ASSERT_TRUE(s.ok()) << s;
  }

  std::optional<parley::testing::TestDatabase> db_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<PgNotificationStore> store_;
};

TEST_F(PgNotificationStoreTest, CreateNoticeWritesEverythingOnceAndReplays) {
  const Notice n = MakeNotice("n-1");
  std::vector<Message> copies = {
      Copy(1, "g-1", {D(DeliveryChannel::kApp), D(DeliveryChannel::kEmail)}, {DeliveryChannel::kSms}),
      Copy(2, "g-2", {D(DeliveryChannel::kSms)}, {DeliveryChannel::kLetter}),
      Copy(3, "g-3", {D(DeliveryChannel::kEmail, kNow, DeliveryStatus::kInDigest)}),
  };
  Notice with_count = n;
  with_count.recipient_count = 3;
  const RequestKey key = Key("CreateNotice");
  absl::StatusOr<WriteResult> first = store_->CreateNotice(key, with_count, Template(), copies, EncodeNotice());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->replayed);
  EXPECT_EQ(first->response, "n-1 pending=4 cancelled=0 recipients=3");
  EXPECT_EQ(Count("SELECT count(*) FROM notices"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM messages WHERE notice_id = 'n-1'"), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE notice_id = 'n-1'"), 4);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE status = 'in_digest'"), 1);
  EXPECT_EQ(Text("SELECT array_to_string(fallbacks, ',') FROM messages ORDER BY id"), "sms;letter;");
  EXPECT_EQ(Text("SELECT idempotency_key FROM deliveries WHERE message_id = 1 ORDER BY channel"),
            "st-marys.n-1.1.app;st-marys.n-1.1.email");

  // The same request again: the first answer, nothing more written.
  absl::StatusOr<WriteResult> again = store_->CreateNotice(key, with_count, Template(), copies, EncodeNotice());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->response, first->response);
  EXPECT_EQ(Count("SELECT count(*) FROM notices"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM messages"), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries"), 4);

  absl::StatusOr<Notice> got = store_->GetNotice(NoticeRef{kSchool, "n-1"});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->summary.pending, 4);
  EXPECT_EQ(got->summary.sent, 0);
  EXPECT_EQ(got->recipient_count, 3);
  EXPECT_EQ(got->request.category, Category::kNewsletter);
  EXPECT_EQ(got->create_time, kNow);
  EXPECT_EQ(store_->GetNotice(NoticeRef{kSchool, "missing"}).status().code(), absl::StatusCode::kNotFound);

  // Paging, newest first.
  ASSERT_NO_FATAL_FAILURE(Create(MakeNotice("n-2"), {}));
  ASSERT_NO_FATAL_FAILURE(Create(MakeNotice("n-3", Category::kClosure), {}));
  ASSERT_NO_FATAL_FAILURE(Create(MakeNotice("other", Category::kNewsletter, kNow, "riverside"), {}));
  absl::StatusOr<Page<Notice>> page1 = store_->ListNotices(kSchool, std::nullopt, PageQuery{2, 0});
  ASSERT_TRUE(page1.ok()) << page1.status();
  ASSERT_EQ(page1->items.size(), 2u);
  EXPECT_EQ(page1->items[0].id, "n-3");
  EXPECT_EQ(page1->items[1].id, "n-2");
  ASSERT_NE(page1->next_before_seq, 0);
  absl::StatusOr<Page<Notice>> page2 = store_->ListNotices(kSchool, std::nullopt, PageQuery{2, page1->next_before_seq});
  ASSERT_TRUE(page2.ok()) << page2.status();
  ASSERT_EQ(page2->items.size(), 1u);
  EXPECT_EQ(page2->items[0].id, "n-1");
  EXPECT_EQ(page2->items[0].summary.pending, 4);
  EXPECT_EQ(page2->next_before_seq, 0);
  absl::StatusOr<Page<Notice>> closures = store_->ListNotices(kSchool, Category::kClosure, PageQuery{10, 0});
  ASSERT_TRUE(closures.ok()) << closures.status();
  ASSERT_EQ(closures->items.size(), 1u);
  EXPECT_EQ(closures->items[0].id, "n-3");
}

TEST_F(PgNotificationStoreTest, ClaimDueLeasesOnlyDuePendingRows) {
  ASSERT_NO_FATAL_FAILURE(
      Create(MakeNotice("n-1"), {
                                    Copy(1, "g-1", {D(DeliveryChannel::kEmail)}),
                                    Copy(2, "g-2", {D(DeliveryChannel::kEmail, kNow + absl::Hours(1))}),
                                    Copy(3, "g-3", {D(DeliveryChannel::kSms, kNow, DeliveryStatus::kSkipped)}),
                                }));
  std::vector<ClaimedDelivery> first = Claim(kNow, 10, absl::Minutes(1));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].message.id, "1");
  EXPECT_EQ(first[0].copy.recipient_id, "g-1");
  EXPECT_EQ(first[0].notice.id, "n-1");
  EXPECT_EQ(first[0].delivery.attempts, 1);
  EXPECT_EQ(first[0].idempotency_key, "st-marys.n-1.1.email");
  EXPECT_TRUE(first[0].digest_key.empty());

  // Leased: nobody else gets it while the lease runs.
  EXPECT_TRUE(Claim(kNow).empty());
  EXPECT_TRUE(Claim(kNow + absl::Seconds(30)).empty());

  // The worker died: after the lease, the same delivery again, same key, one more attempt.
  std::vector<ClaimedDelivery> again = Claim(kNow + absl::Minutes(2), 10, absl::Minutes(1));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].delivery.id, first[0].delivery.id);
  EXPECT_EQ(again[0].idempotency_key, first[0].idempotency_key);
  EXPECT_EQ(again[0].delivery.attempts, 2);
}

TEST_F(PgNotificationStoreTest, ConcurrentClaimsNeverShareARow) {
  std::vector<Message> copies;
  for (int i = 1; i <= 500; ++i) copies.push_back(Copy(i, absl::StrCat("g-", i), {D(DeliveryChannel::kSms)}));
  ASSERT_NO_FATAL_FAILURE(Create(MakeNotice("n-1"), copies));
  std::vector<int64_t> got[2];
  absl::Status errors[2];
  auto worker = [&](int w) {
    for (;;) {
      absl::StatusOr<std::vector<ClaimedDelivery>> c = store_->ClaimDue(kNow, 7, absl::Minutes(10));
      if (!c.ok()) {
        errors[w] = c.status();
        return;
      }
      if (c->empty()) return;
      for (const ClaimedDelivery& d : *c) got[w].push_back(d.delivery.id);
    }
  };
  std::thread a(worker, 0), b(worker, 1);
  a.join();
  b.join();
  ASSERT_TRUE(errors[0].ok()) << errors[0];
  ASSERT_TRUE(errors[1].ok()) << errors[1];
  std::set<int64_t> all(got[0].begin(), got[0].end());
  for (int64_t id : got[1]) EXPECT_TRUE(all.insert(id).second) << "delivery " << id << " claimed twice";
  EXPECT_EQ(got[0].size() + got[1].size(), 500u);
  EXPECT_EQ(all.size(), 500u);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE attempts <> 1"), 0);
}

TEST_F(PgNotificationStoreTest, RecordAttemptSendsRetriesAndFallsBack) {
  ASSERT_NO_FATAL_FAILURE(Create(MakeNotice("n-1"), {
                                                        Copy(1, "g-1", {D(DeliveryChannel::kEmail)},
                                                             {DeliveryChannel::kSms, DeliveryChannel::kLetter}),
                                                        Copy(2, "g-2", {D(DeliveryChannel::kEmail)}),
                                                        Copy(3, "g-3", {D(DeliveryChannel::kApp)}),
                                                    }));
  std::vector<ClaimedDelivery> claimed = Claim(kNow);
  ASSERT_EQ(claimed.size(), 3u);
  std::map<std::string, int64_t> by_message;
  for (const ClaimedDelivery& c : claimed) by_message[c.message.id] = c.delivery.id;

  // Sent.
  ASSERT_NO_FATAL_FAILURE(Record(by_message["3"], AttemptResult::Kind::kSent, kNow, "ref-3"));
  EXPECT_EQ(Text(absl::StrCat("SELECT status || ' ' || provider_reference || ' ' || (sent_at = '2025-03-10T09:00Z') "
                              "|| ' ' || (lease_until IS NULL) FROM deliveries WHERE id = ",
                              by_message["3"])),
            "sent ref-3 true true");

  // Retry: pending again, due later, no longer leased.
  const absl::Time later = kNow + absl::Minutes(5);
  ASSERT_NO_FATAL_FAILURE(Record(by_message["1"], AttemptResult::Kind::kRetry, kNow, "", later));
  EXPECT_EQ(Text(absl::StrCat("SELECT status || ' ' || (due_at = '2025-03-10T09:05Z') || ' ' || (lease_until IS NULL) "
                              "FROM deliveries WHERE id = ",
                              by_message["1"])),
            "pending true true");
  EXPECT_TRUE(Claim(kNow + absl::Minutes(1)).empty());
  std::vector<ClaimedDelivery> retried = Claim(later);
  ASSERT_EQ(retried.size(), 1u);
  EXPECT_EQ(retried[0].delivery.id, by_message["1"]);
  EXPECT_EQ(retried[0].delivery.attempts, 2);

  // Failed: the next fallback channel, due now, and the copy's fallbacks shrink.
  ASSERT_NO_FATAL_FAILURE(Record(by_message["1"], AttemptResult::Kind::kFailed, later));
  EXPECT_EQ(Text("SELECT channel || ' ' || status || ' ' || fallback_from FROM deliveries WHERE message_id = 1 "
                 "ORDER BY id"),
            "email failed ;sms pending email");
  EXPECT_EQ(Text("SELECT array_to_string(fallbacks, ',') FROM messages WHERE id = 1"), "letter");
  std::vector<ClaimedDelivery> sms = Claim(later);
  ASSERT_EQ(sms.size(), 1u);
  EXPECT_EQ(sms[0].delivery.channel, DeliveryChannel::kSms);
  EXPECT_EQ(sms[0].delivery.fallback_from, DeliveryChannel::kEmail);
  EXPECT_EQ(sms[0].idempotency_key, "st-marys.n-1.1.sms");

  // Failed with nothing left to try: nothing new.
  ASSERT_NO_FATAL_FAILURE(Record(by_message["2"], AttemptResult::Kind::kFailed, kNow));
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE message_id = 2"), 1);
  EXPECT_EQ(Text("SELECT status || ' ' || reason FROM deliveries WHERE message_id = 2"), "failed REJECTED");

  // A settled delivery is not changed by a late attempt record.
  ASSERT_NO_FATAL_FAILURE(Record(by_message["3"], AttemptResult::Kind::kFailed, kNow));
  EXPECT_EQ(Text(absl::StrCat("SELECT status FROM deliveries WHERE id = ", by_message["3"])), "sent");
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE message_id = 3"), 1);
}

// novu#2569: two workers claiming one recipient's digest window at once must not split it.
TEST_F(PgNotificationStoreTest, DigestWindowGoesWholeToOneCaller) {
  constexpr int kRecipients = 16, kNotices = 40;
  for (int n = 1; n <= kNotices; ++n) {
    std::vector<Message> copies;
    for (int g = 1; g <= kRecipients; ++g) {
      copies.push_back(Copy(g, absl::StrCat("g-", g),
                            {D(DeliveryChannel::kEmail, kNow - absl::Minutes(n), DeliveryStatus::kInDigest)}));
    }
    ASSERT_NO_FATAL_FAILURE(Create(MakeNotice(absl::StrCat("n-", n)), copies));
  }
  std::vector<ClaimedDelivery> got[2];
  absl::Status errors[2];
  auto worker = [&](int w) {
    for (;;) {
      absl::StatusOr<std::vector<ClaimedDelivery>> c = store_->ClaimDue(kNow, 10, absl::Minutes(10));
      if (!c.ok()) {
        errors[w] = c.status();
        return;
      }
      if (c->empty()) return;
      for (ClaimedDelivery& d : *c) got[w].push_back(std::move(d));
    }
  };
  std::thread a(worker, 0), b(worker, 1);
  a.join();
  b.join();
  ASSERT_TRUE(errors[0].ok()) << errors[0];
  ASSERT_TRUE(errors[1].ok()) << errors[1];
  // recipient -> (worker, digest key) of every row claimed for them. Forty rows a window make a
  // split likely when the window is not locked (it failed 3 runs in 5 without the advisory lock).
  std::map<std::string, std::set<std::pair<int, std::string>>> owners;
  std::map<std::string, int> rows;
  for (int w = 0; w < 2; ++w) {
    for (const ClaimedDelivery& c : got[w]) {
      EXPECT_FALSE(c.digest_key.empty());
      owners[c.copy.recipient_id].insert({w, c.digest_key});
      ++rows[c.copy.recipient_id];
    }
  }
  ASSERT_EQ(owners.size(), static_cast<size_t>(kRecipients));
  for (const auto& [recipient, who] : owners) {
    EXPECT_EQ(who.size(), 1u) << recipient << "'s window was split";
    EXPECT_EQ(rows[recipient], kNotices) << recipient;
    EXPECT_THAT(who.begin()->second, ::testing::StartsWith(absl::StrCat("digest.st-marys.", recipient, ".email.")));
  }
}

TEST_F(PgNotificationStoreTest, MarkReadSkipsTheWaitingEmail) {
  Delivery email = D(DeliveryChannel::kEmail, kNow + absl::Hours(2));
  email.unless_read = true;
  ASSERT_NO_FATAL_FAILURE(
      Create(MakeNotice("n-1"), {Copy(1, "g-1", {D(DeliveryChannel::kApp), email}),
                                 Copy(2, "g-2", {D(DeliveryChannel::kEmail, kNow + absl::Hours(2))})}));
  absl::StatusOr<WriteResult> read =
      store_->MarkRead(Key("MarkRead"), MessageRef{NoticeRef{kSchool, "n-1"}, "1"}, kNow, EncodeMessage());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(Text("SELECT channel || ' ' || status || ' ' || reason FROM deliveries WHERE message_id = 1 ORDER BY id"),
            "app pending ;email skipped READ_IN_APP");
  EXPECT_EQ(Count("SELECT count(*) FROM messages WHERE read_time IS NOT NULL"), 1);
  // The other copy's email (not unless_read, not read) waits still.
  EXPECT_EQ(Text("SELECT status FROM deliveries WHERE message_id = 2"), "pending");
  absl::StatusOr<Message> m = store_->GetMessage(MessageRef{NoticeRef{kSchool, "n-1"}, "1"});
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_TRUE(m->read_time.has_value());
  EXPECT_EQ(*m->read_time, kNow);
}

TEST_F(PgNotificationStoreTest, CancelStopsWhatHasNotGone) {
  const absl::Time later = kNow + absl::Hours(1);
  ASSERT_NO_FATAL_FAILURE(
      Create(MakeNotice("quiet"), {Copy(1, "g-1", {D(DeliveryChannel::kEmail, later)}),
                                   Copy(2, "g-2", {D(DeliveryChannel::kSms, later, DeliveryStatus::kInDigest)})}));
  ASSERT_NO_FATAL_FAILURE(Create(MakeNotice("gone"), {Copy(1, "g-1", {D(DeliveryChannel::kEmail)}),
                                                      Copy(2, "g-2", {D(DeliveryChannel::kSms, later)})}));
  absl::StatusOr<WriteResult> cancelled =
      store_->CancelNotice(Key("CancelNotice"), NoticeRef{kSchool, "quiet"}, kNow, EncodeNotice());
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->response, "quiet pending=0 cancelled=2 recipients=0");
  EXPECT_EQ(Text("SELECT string_agg(status || ' ' || reason, ',') FROM deliveries WHERE notice_id = 'quiet'"),
            "cancelled NOTICE_CANCELLED,cancelled NOTICE_CANCELLED");
  absl::StatusOr<Notice> quiet = store_->GetNotice(NoticeRef{kSchool, "quiet"});
  ASSERT_TRUE(quiet.ok()) << quiet.status();
  EXPECT_EQ(quiet->state, NoticeState::kCancelled);
  ASSERT_TRUE(quiet->cancel_time.has_value());
  EXPECT_EQ(*quiet->cancel_time, kNow);

  std::vector<ClaimedDelivery> claimed = Claim(kNow);
  ASSERT_EQ(claimed.size(), 1u);
  ASSERT_NO_FATAL_FAILURE(Record(claimed[0].delivery.id, AttemptResult::Kind::kSent, kNow, "ref-1"));
  absl::StatusOr<WriteResult> refused =
      store_->CancelNotice(Key("CancelNotice"), NoticeRef{kSchool, "gone"}, kNow, EncodeNotice());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(refused.status()), reason::kNoticeAlreadySent);
  // Nothing changed.
  EXPECT_EQ(Text("SELECT status FROM deliveries WHERE notice_id = 'gone' ORDER BY id"), "sent;pending");
  EXPECT_EQ(Count("SELECT count(*) FROM notices WHERE id = 'gone' AND cancel_time IS NOT NULL"), 0);
}

TEST_F(PgNotificationStoreTest, ConsentLocksReopensAndAnswersAgain) {
  ASSERT_NO_FATAL_FAILURE(
      Create(MakeNotice("trip", Category::kConsent), {Copy(1, "g-1", {D(DeliveryChannel::kApp)}, {}, {"p-1", "p-2"}),
                                                      Copy(2, "g-2", {D(DeliveryChannel::kApp)}, {}, {"p-1"})}));
  const NoticeRef trip{kSchool, "trip"};
  absl::StatusOr<WriteResult> yes = store_->ReplyToConsent(Key("ReplyToConsent"), MessageRef{trip, "1"}, "p-1",
                                                           ConsentAnswer::kYes, kNow, EncodeMessage());
  ASSERT_TRUE(yes.ok()) << yes.status();
  absl::StatusOr<WriteResult> locked = store_->ReplyToConsent(Key("ReplyToConsent"), MessageRef{trip, "2"}, "p-1",
                                                              ConsentAnswer::kNo, kNow, EncodeMessage());
  EXPECT_EQ(locked.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(locked.status()), reason::kConsentLocked);
  EXPECT_EQ(Text("SELECT guardian_id || ' ' || answer FROM consent_replies"), "g-1 yes");

  // The school reopens it (the API passes the pupil's id within the school) and the other guardian answers.
  absl::StatusOr<WriteResult> reopened = store_->ReopenConsent(Key("ReopenConsent"), trip, "p-1", EncodeRows());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  absl::StatusOr<WriteResult> no = store_->ReplyToConsent(Key("ReplyToConsent"), MessageRef{trip, "2"}, "p-1",
                                                          ConsentAnswer::kNo, kNow + absl::Hours(1), EncodeMessage());
  ASSERT_TRUE(no.ok()) << no.status();

  absl::StatusOr<std::vector<ConsentRow>> rows = store_->ConsentOf(trip);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  const ConsentRow& p1 = (*rows)[0];
  EXPECT_EQ(p1.school_id, "st-marys");
  EXPECT_EQ(p1.pupil_id, "p-1");
  EXPECT_EQ(p1.guardian_id, "g-2");
  EXPECT_EQ(p1.answer, ConsentAnswer::kNo);
  EXPECT_EQ(p1.answer_time, kNow + absl::Hours(1));
  EXPECT_TRUE(p1.locked);
  EXPECT_THAT(p1.reached, UnorderedElementsAre("g-1", "g-2"));
  const ConsentRow& p2 = (*rows)[1];
  EXPECT_EQ(p2.school_id, "st-marys");
  EXPECT_EQ(p2.pupil_id, "p-2");
  EXPECT_EQ(p2.answer, ConsentAnswer::kUnspecified);
  EXPECT_THAT(p2.reached, ElementsAre("g-1"));

  // Not a consent notice.
  ASSERT_NO_FATAL_FAILURE(Create(MakeNotice("news"), {Copy(1, "g-1", {D(DeliveryChannel::kApp)})}));
  EXPECT_EQ(store_
                ->ReplyToConsent(Key("ReplyToConsent"), MessageRef{NoticeRef{kSchool, "news"}, "1"}, "p-1",
                                 ConsentAnswer::kYes, kNow, EncodeMessage())
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(PgNotificationStoreTest, ATrustCopyNamingChildrenAtTwoSchoolsIsFoundAndAnsweredForEach) {
  // g-1 has p-1 at St Mary's and p-1 at Oakfield (another child): one copy, planned at St Mary's.
  Notice n = MakeNotice("trip", Category::kConsent, kNow, "");
  ASSERT_NO_FATAL_FAILURE(Create(n, {Copy(1, "g-1", {D(DeliveryChannel::kApp)}, {}, {"p-1", "oakfield/p-1"}),
                                     Copy(2, "g-2", {D(DeliveryChannel::kApp)}, {}, {"p-2"}, "oakfield")}));
  auto listed = [&](const std::string& school, const std::string& pupil) {
    MessageFilter f;
    f.pupil = {school, pupil};
    absl::StatusOr<Page<Message>> page = store_->ListMessages(f, PageQuery{});
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> ids;
    if (page.ok()) {
      for (const Message& m : page->items) ids.push_back(m.recipient_id);
    }
    return ids;
  };
  EXPECT_THAT(listed(kSchool, "p-1"), ElementsAre("g-1"));
  EXPECT_THAT(listed("oakfield", "p-1"), ElementsAre("g-1"));
  EXPECT_THAT(listed("oakfield", "p-2"), ElementsAre("g-2"));
  EXPECT_THAT(listed(kSchool, "p-2"), IsEmpty());

  const NoticeRef trip{"", "trip"};
  ASSERT_TRUE(store_
                  ->ReplyToConsent(Key("ReplyToConsent"), MessageRef{trip, "1"}, "oakfield/p-1", ConsentAnswer::kNo,
                                   kNow, EncodeMessage())
                  .ok());
  absl::StatusOr<std::vector<ConsentRow>> rows = store_->ConsentOf(trip);
  ASSERT_TRUE(rows.ok()) << rows.status();
  std::vector<std::string> seen;
  for (const ConsentRow& r : *rows) {
    seen.push_back(absl::StrCat(r.school_id, "/", r.pupil_id, " ", r.answer == ConsentAnswer::kNo ? "no" : "-"));
  }
  EXPECT_THAT(seen, ElementsAre("oakfield/p-1 no", "oakfield/p-2 -", "st-marys/p-1 -"));
}

TEST_F(PgNotificationStoreTest, TemplatesResolveSchoolFirstAndCheckEtags) {
  auto make = [](const std::string& scope, const std::string& id, const std::string& subject) {
    Template t;
    t.school_id = scope;
    t.id = id;
    t.category = Category::kNewsletter;
    t.variables = {"week"};
    t.variants = {TemplateVariant{"en", subject, "Body {{week}}", ""}};
    return t;
  };
  for (const Template& t : {make("", "newsletter", "Trust news"), make("", "closure", "Closed"),
                            make(kSchool, "newsletter", "St Mary's news")}) {
    absl::StatusOr<WriteResult> w = store_->CreateTemplate(Key("CreateTemplate"), t, EncodeTemplate());
    ASSERT_TRUE(w.ok()) << w.status();
  }
  absl::StatusOr<Template> mine = store_->ResolveTemplate(kSchool, "newsletter");
  ASSERT_TRUE(mine.ok()) << mine.status();
  EXPECT_EQ(mine->school_id, kSchool);
  EXPECT_EQ(mine->variants[0].subject, "St Mary's news");
  absl::StatusOr<Template> theirs = store_->ResolveTemplate("riverside", "newsletter");
  ASSERT_TRUE(theirs.ok()) << theirs.status();
  EXPECT_EQ(theirs->school_id, "");
  EXPECT_EQ(theirs->variants[0].subject, "Trust news");
  EXPECT_EQ(store_->ResolveTemplate(kSchool, "nope").status().code(), absl::StatusCode::kNotFound);

  absl::StatusOr<std::vector<Template>> list = store_->ListTemplates(kSchool);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, "closure");
  EXPECT_EQ((*list)[0].school_id, "");
  EXPECT_EQ((*list)[1].id, "newsletter");
  EXPECT_EQ((*list)[1].school_id, kSchool);

  Template edited = make(kSchool, "newsletter", "Edited");
  absl::StatusOr<WriteResult> stale =
      store_->UpdateTemplate(Key("UpdateTemplate"), edited, "0000000000000000", EncodeTemplate());
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ErrorReason(stale.status()), reason::kEtagMismatch);
  EXPECT_EQ(Text("SELECT variants->0->>'subject' FROM templates WHERE scope = 'st-marys'"), "St Mary's news");
  absl::StatusOr<WriteResult> fresh =
      store_->UpdateTemplate(Key("UpdateTemplate"), edited, mine->etag, EncodeTemplate());
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_NE(fresh->response, mine->etag);
  EXPECT_EQ(Text("SELECT variants->0->>'subject' FROM templates WHERE scope = 'st-marys'"), "Edited");
}

TEST_F(PgNotificationStoreTest, ReceiptsDeliverFailOverOrAreUnknown) {
  ASSERT_NO_FATAL_FAILURE(
      Create(MakeNotice("n-1"), {Copy(1, "g-1", {D(DeliveryChannel::kEmail)}),
                                 Copy(2, "g-2", {D(DeliveryChannel::kEmail)}, {DeliveryChannel::kLetter})}));
  std::vector<ClaimedDelivery> claimed = Claim(kNow);
  ASSERT_EQ(claimed.size(), 2u);
  for (const ClaimedDelivery& c : claimed) {
    ASSERT_NO_FATAL_FAILURE(
        Record(c.delivery.id, AttemptResult::Kind::kSent, kNow, absl::StrCat("ref-", c.message.id)));
  }
  const absl::Time at = kNow + absl::Minutes(3);
  absl::StatusOr<Delivery> delivered =
      store_->RecordReceipt(Key("RecordReceipt"), "prov", "ref-1", true, false, at, at);
  ASSERT_TRUE(delivered.ok()) << delivered.status();
  EXPECT_EQ(delivered->status, DeliveryStatus::kDelivered);
  ASSERT_TRUE(delivered->delivered_time.has_value());
  EXPECT_EQ(*delivered->delivered_time, at);

  absl::StatusOr<Delivery> bounced = store_->RecordReceipt(Key("RecordReceipt"), "prov", "ref-2", false, true, at, at);
  ASSERT_TRUE(bounced.ok()) << bounced.status();
  EXPECT_EQ(bounced->status, DeliveryStatus::kFailed);
  EXPECT_EQ(bounced->reason, "BOUNCED");
  EXPECT_EQ(Text("SELECT channel || ' ' || status || ' ' || fallback_from FROM deliveries WHERE message_id = 2 "
                 "ORDER BY id"),
            "email failed ;letter pending email");
  EXPECT_EQ(Count("SELECT count(*) FROM messages WHERE id = 2 AND cardinality(fallbacks) = 0"), 1);

  absl::StatusOr<Delivery> unknown =
      store_->RecordReceipt(Key("RecordReceipt"), "prov", "ref-nobody", true, false, at, at);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrorReason(unknown.status()), reason::kDeliveryNotFound);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries"), 3);
}

TEST_F(PgNotificationStoreTest, LettersGroupByTheSchoolsDay) {
  const absl::TimeZone london = [] {
    absl::TimeZone z;
    EXPECT_TRUE(absl::LoadTimeZone("Europe/London", &z));
    return z;
  }();
  // 2025-06-10 12:00 UTC is the 10th in London; 23:30 UTC is already the 11th (BST).
  const absl::Time noon = absl::FromCivil(absl::CivilSecond(2025, 6, 10, 12, 0, 0), absl::UTCTimeZone());
  const absl::Time late = absl::FromCivil(absl::CivilSecond(2025, 6, 10, 23, 30, 0), absl::UTCTimeZone());
  ASSERT_NO_FATAL_FAILURE(
      Create(MakeNotice("n-1", Category::kNewsletter, noon - absl::Hours(1)),
             {Copy(1, "g-1", {D(DeliveryChannel::kLetter, noon)}), Copy(2, "g-2", {D(DeliveryChannel::kLetter, late)}),
              Copy(3, "g-3", {D(DeliveryChannel::kLetter, late)}),
              Copy(4, "g-4", {D(DeliveryChannel::kLetter, late)}, {}, {"p-9"}, "riverside")}));
  for (absl::Time t : {noon, late}) {
    for (const ClaimedDelivery& c : Claim(t)) {
      AttemptResult r;
      r.kind = AttemptResult::Kind::kSent;
      r.provider = "print";
      r.rendered = std::make_pair(std::string("Letter subject"), absl::StrCat("Dear ", c.copy.recipient_id));
      absl::Status s = store_->RecordAttempt(c.delivery.id, r, t);
      ASSERT_TRUE(s.ok()) << s;
    }
  }
  absl::StatusOr<std::vector<StoredLetter>> tenth = store_->LettersOf(kSchool, absl::CivilDay(2025, 6, 10), london);
  ASSERT_TRUE(tenth.ok()) << tenth.status();
  ASSERT_EQ(tenth->size(), 1u);
  EXPECT_EQ(tenth->at(0).copy.recipient_id, "g-1");
  EXPECT_EQ(tenth->at(0).copy.body, "Dear g-1");
  EXPECT_EQ(tenth->at(0).message.notice.id, "n-1");
  absl::StatusOr<std::vector<StoredLetter>> eleventh = store_->LettersOf(kSchool, absl::CivilDay(2025, 6, 11), london);
  ASSERT_TRUE(eleventh.ok()) << eleventh.status();
  ASSERT_EQ(eleventh->size(), 2u);
  EXPECT_EQ(eleventh->at(0).copy.recipient_id, "g-2");
  EXPECT_EQ(eleventh->at(1).copy.recipient_id, "g-3");

  absl::StatusOr<std::vector<LetterBatchInfo>> batches = store_->ListLetterBatches(kSchool, london);
  ASSERT_TRUE(batches.ok()) << batches.status();
  ASSERT_EQ(batches->size(), 2u);
  EXPECT_EQ(batches->at(0).day, absl::CivilDay(2025, 6, 11));
  EXPECT_EQ(batches->at(0).letters, 2);
  EXPECT_EQ(batches->at(0).create_time, late);
  EXPECT_EQ(batches->at(1).day, absl::CivilDay(2025, 6, 10));
  EXPECT_EQ(batches->at(1).letters, 1);
}

TEST_F(PgNotificationStoreTest, FiguresCountSentFailedFallbacksAndReach) {
  ASSERT_NO_FATAL_FAILURE(
      Create(MakeNotice("n-1"), {Copy(1, "g-1", {D(DeliveryChannel::kEmail)}),
                                 Copy(2, "g-2", {D(DeliveryChannel::kEmail)}, {DeliveryChannel::kSms}),
                                 Copy(3, "g-3", {D(DeliveryChannel::kSms)})}));
  // Before the period: not counted.
  ASSERT_NO_FATAL_FAILURE(
      Create(MakeNotice("old", Category::kNewsletter, kNow - absl::Hours(48)),
             {Copy(1, "g-1", {D(DeliveryChannel::kEmail, kNow + absl::Hours(5), DeliveryStatus::kSkipped)})}));
  std::map<std::string, int64_t> by_message;
  for (const ClaimedDelivery& c : Claim(kNow)) by_message[c.message.id] = c.delivery.id;
  ASSERT_EQ(by_message.size(), 3u);
  ASSERT_NO_FATAL_FAILURE(Record(by_message["1"], AttemptResult::Kind::kSent, kNow + absl::Seconds(10)));
  ASSERT_NO_FATAL_FAILURE(Record(by_message["2"], AttemptResult::Kind::kFailed, kNow + absl::Seconds(10)));
  ASSERT_NO_FATAL_FAILURE(Record(by_message["3"], AttemptResult::Kind::kFailed, kNow + absl::Seconds(10)));
  std::vector<ClaimedDelivery> fallback = Claim(kNow + absl::Seconds(10));
  ASSERT_EQ(fallback.size(), 1u);
  ASSERT_NO_FATAL_FAILURE(Record(fallback[0].delivery.id, AttemptResult::Kind::kSent, kNow + absl::Seconds(30)));

  absl::StatusOr<SchoolFigures> f = store_->Figures(kSchool, kNow - absl::Hours(1), kNow + absl::Hours(1));
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->all.notices, 1);
  EXPECT_EQ(f->all.messages, 3);
  EXPECT_EQ(f->all.sent, 2);
  EXPECT_EQ(f->all.failed, 2);
  EXPECT_EQ(f->all.fallbacks, 1);
  EXPECT_EQ(f->all.guardian_copies, 3);
  EXPECT_EQ(f->all.guardian_copies_reached, 2);
  EXPECT_EQ(f->by_channel[DeliveryChannel::kEmail].sent, 1);
  EXPECT_EQ(f->by_channel[DeliveryChannel::kEmail].failed, 1);
  EXPECT_EQ(f->by_channel[DeliveryChannel::kSms].sent, 1);
  EXPECT_EQ(f->by_channel[DeliveryChannel::kSms].failed, 1);
  EXPECT_EQ(f->by_channel[DeliveryChannel::kSms].fallbacks, 1);
  EXPECT_EQ(f->by_category[Category::kNewsletter].guardian_copies_reached, 2);
  // Times to send: email copy 1 took 10 s; the SMS fallback, created when copy 2's email failed, 20 s.
  EXPECT_DOUBLE_EQ(f->all.median_seconds_to_send, 15);
  EXPECT_DOUBLE_EQ(f->all.p90_seconds_to_send, 19);
  // Another school's figures are empty.
  absl::StatusOr<SchoolFigures> other = store_->Figures("riverside", kNow - absl::Hours(1), kNow + absl::Hours(1));
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->all.sent, 0);
  EXPECT_EQ(other->all.messages, 0);
  EXPECT_DOUBLE_EQ(other->all.median_seconds_to_send, 0);
  EXPECT_DOUBLE_EQ(other->all.p90_seconds_to_send, 0);
}

TEST_F(PgNotificationStoreTest, TimesToSendAreTheMedianAndNinetiethPercentileOfEachSlice) {
  // An emergency to three guardians by email; a newsletter to one by email and one by SMS.
  ASSERT_NO_FATAL_FAILURE(
      Create(MakeNotice("n-e", Category::kEmergency),
             {Copy(1, "g-1", {D(DeliveryChannel::kEmail)}), Copy(2, "g-2", {D(DeliveryChannel::kEmail)}),
              Copy(3, "g-3", {D(DeliveryChannel::kEmail)})}));
  ASSERT_NO_FATAL_FAILURE(
      Create(MakeNotice("n-n", Category::kNewsletter),
             {Copy(1, "g-1", {D(DeliveryChannel::kEmail)}), Copy(2, "g-2", {D(DeliveryChannel::kSms)})}));
  // Accepted after (seconds): emergency 10, 20, 60; newsletter email 100, SMS 200.
  const std::map<std::pair<std::string, std::string>, int> after = {
      {{"n-e", "1"}, 10}, {{"n-e", "2"}, 20}, {{"n-e", "3"}, 60}, {{"n-n", "1"}, 100}, {{"n-n", "2"}, 200}};
  const std::vector<ClaimedDelivery> claimed = Claim(kNow);
  ASSERT_EQ(claimed.size(), 5u);
  for (const ClaimedDelivery& c : claimed) {
    const int seconds = after.at({c.message.notice.id, c.message.id});
    ASSERT_NO_FATAL_FAILURE(Record(c.delivery.id, AttemptResult::Kind::kSent, kNow + absl::Seconds(seconds)));
  }

  absl::StatusOr<SchoolFigures> f = store_->Figures(kSchool, kNow - absl::Hours(1), kNow + absl::Hours(1));
  ASSERT_TRUE(f.ok()) << f.status();
  // Percentiles interpolate: of n times sorted, the p-th lies p * (n - 1) places along.
  // All five: median 60; 90th 3.6 places along, 60 % from 100 to 200.
  EXPECT_DOUBLE_EQ(f->all.median_seconds_to_send, 60);
  EXPECT_DOUBLE_EQ(f->all.p90_seconds_to_send, 160);
  // The emergency's own: 10, 20, 60.
  EXPECT_DOUBLE_EQ(f->by_category[Category::kEmergency].median_seconds_to_send, 20);
  EXPECT_DOUBLE_EQ(f->by_category[Category::kEmergency].p90_seconds_to_send, 52);
  EXPECT_DOUBLE_EQ(f->by_category[Category::kNewsletter].median_seconds_to_send, 150);
  EXPECT_DOUBLE_EQ(f->by_category[Category::kNewsletter].p90_seconds_to_send, 190);
  // Per channel across categories: email 10, 20, 60, 100; SMS 200.
  EXPECT_DOUBLE_EQ(f->by_channel[DeliveryChannel::kEmail].median_seconds_to_send, 40);
  EXPECT_DOUBLE_EQ(f->by_channel[DeliveryChannel::kEmail].p90_seconds_to_send, 88);
  EXPECT_DOUBLE_EQ(f->by_channel[DeliveryChannel::kSms].median_seconds_to_send, 200);
  EXPECT_DOUBLE_EQ(f->by_channel[DeliveryChannel::kSms].p90_seconds_to_send, 200);
  EXPECT_EQ(f->by_channel[DeliveryChannel::kEmail].sent, 4);
}

}  // namespace
}  // namespace parley::notifications
