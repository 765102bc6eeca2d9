// PgDirectoryStore against a real PostgreSQL (a fresh database per test).
#include "services/contacts/store/pg_directory_store.h"

#include <algorithm>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/directory/json_codec.h"
#include "common/pg/migrations.h"
#include "common/pg/pool.h"
#include "common/status/reason.h"
#include "common/testing/test_database.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/contacts/domain/directory_service.h"
#include "services/contacts/migrations.h"
#include "services/contacts/testing/sample_directory.h"

namespace parley::contacts {
namespace {

constexpr char kUuid1[] = "3f1c7a5e-0b6d-4f1e-9a53-1c2d3e4f5a61";
constexpr char kUuid2[] = "3f1c7a5e-0b6d-4f1e-9a53-1c2d3e4f5a62";
constexpr char kUuid3[] = "3f1c7a5e-0b6d-4f1e-9a53-1c2d3e4f5a63";

Encoder<ImportResult> Summary() {
  return [](const ImportResult& r) -> absl::StatusOr<std::string> {
    return absl::StrCat(r.counts.created, "/", r.counts.updated, "/", r.counts.deleted, "/", r.counts.unchanged);
  };
}

class PgDirectoryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = parley::testing::TestDatabase::Create();
    if (!db) GTEST_SKIP() << "set PARLEY_TEST_PG_DSN (scripts/test.sh does)";
    db_.emplace(std::move(*db));
    pg::PoolOptions options;
    options.dsn = db_->dsn();
    options.size = 4;
    pool_ = *pg::Pool::Create(options);
    ASSERT_TRUE(pg::ApplyMigrations(*pool_, "contacts", Migrations()).ok());
    store_ = std::make_unique<PgDirectoryStore>(pool_.get());
    service_ = std::make_unique<DirectoryService>(store_.get());
    ASSERT_TRUE(service_->Start().ok());
  }

  std::optional<parley::testing::TestDatabase> db_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<PgDirectoryStore> store_;
  std::unique_ptr<DirectoryService> service_;
};

TEST_F(PgDirectoryStoreTest, ImportLoadsBackExactly) {
  absl::StatusOr<std::string> first =
      service_->Import(RequestKey{"t.Import", kUuid1, "a"}, testing::SampleDirectory(), false, nullptr, Summary());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, "17/0/0/0");

  // A second replica loading from the database sees the same directory, record for record.
  PgDirectoryStore other(pool_.get());
  absl::StatusOr<LoadedDirectory> loaded = other.Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->version, 1);
  const Directory& mine = service_->snapshot()->directory();
  ASSERT_EQ(loaded->directory.schools.size(), 1u);
  const SchoolDirectory& a = loaded->directory.schools.at(testing::kSchool);
  const SchoolDirectory& b = mine.schools.at(testing::kSchool);
  EXPECT_EQ(ToJson(a.school), ToJson(b.school));
  EXPECT_EQ(a.school.calendar_version, b.school.calendar_version);
  EXPECT_FALSE(a.school.calendar_version.empty());
  EXPECT_EQ(a.staff.size(), 8u);
  EXPECT_EQ(ToJson(a.staff.at("ash-teacher")), ToJson(b.staff.at("ash-teacher")));
  EXPECT_EQ(a.staff.at("ash-teacher").etag, "1");
  EXPECT_EQ(ToJson(a.routing_matrix), ToJson(b.routing_matrix));
  EXPECT_EQ(ToJson(loaded->directory.guardians.at("g-002")), ToJson(mine.guardians.at("g-002")));
}

TEST_F(PgDirectoryStoreTest, ReimportIsUnchangedAndARetryReplays) {
  ASSERT_TRUE(
      service_->Import(RequestKey{"t.Import", kUuid1, "a"}, testing::SampleDirectory(), false, nullptr, Summary())
          .ok());
  absl::StatusOr<std::string> again =
      service_->Import(RequestKey{"t.Import", kUuid2, "a"}, testing::SampleDirectory(), false, nullptr, Summary());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, "0/0/0/17");
  EXPECT_EQ(*store_->Version(), 1);
  // The first request id again replays its first answer, even though the data now matches.
  absl::StatusOr<std::string> replay =
      service_->Import(RequestKey{"t.Import", kUuid1, "a"}, testing::SampleDirectory(), false, nullptr, Summary());
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(*replay, "17/0/0/0");
  absl::StatusOr<std::string> reused = service_->Import(RequestKey{"t.Import", kUuid1, "different"},
                                                        testing::SampleDirectory(), false, nullptr, Summary());
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(PgDirectoryStoreTest, AnImportThatRemovesAPupilUnlinksAndDeletes) {
  ASSERT_TRUE(
      service_->Import(RequestKey{"t.Import", kUuid1, "a"}, testing::SampleDirectory(), false, nullptr, Summary())
          .ok());
  Directory smaller = testing::SampleDirectory();
  smaller.schools.begin()->second.pupils.erase("p-002");
  smaller.guardians["g-001"].pupils.pop_back();
  // Without allow_deletions the import is refused and the database is untouched.
  absl::StatusOr<std::string> refused =
      service_->Import(RequestKey{"t.Import", kUuid2, "b"}, smaller, false, nullptr, Summary());
  EXPECT_EQ(ErrorReason(refused.status()), reason::kImportWouldDelete);
  EXPECT_EQ(store_->Load()->directory.schools.at(testing::kSchool).pupils.count("p-002"), 1u);
  ImportOptions allow;
  allow.allow_deletions = true;
  absl::StatusOr<std::string> result =
      service_->Import(RequestKey{"t.Import", kUuid2, "b"}, smaller, allow, nullptr, Summary());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, "0/1/1/15");
  auto loaded = store_->Load();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->directory.schools.at(testing::kSchool).pupils.count("p-002"), 0u);
  int links = 0;
  ASSERT_TRUE(pool_
                  ->Read([&](pqxx::work& txn) {
                    links = txn.exec1("SELECT count(*) FROM guardian_links")[0].as<int>();
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(links, 2);  // g-001 → p-001, g-002 → p-001
}

// The validate_only report, made by the rolled-back transaction, is record for record what the
// real import then does in PostgreSQL (and what a reload shows).
TEST_F(PgDirectoryStoreTest, TheValidateOnlyPlanIsWhatTheImportApplies) {
  ASSERT_TRUE(
      service_->Import(RequestKey{"t.Import", kUuid1, "a"}, testing::SampleDirectory(), false, nullptr, Summary())
          .ok());
  Directory doc = testing::SampleDirectory();
  SchoolDirectory& sd = doc.schools.at(testing::kSchool);
  Staff added = sd.staff.at("oak-teacher");
  added.id = "new-1";
  sd.staff[added.id] = added;
  sd.staff.at("office").display_name = "Miss C. Campos-Reed";
  sd.staff.erase("finance");
  doc.guardians.erase("g-002");

  ImportResult plan, applied;
  auto capture = [](ImportResult* out) -> Encoder<ImportResult> {
    return [out](const ImportResult& r) -> absl::StatusOr<std::string> {
      *out = r;
      return "done";
    };
  };
  ImportOptions dry;
  dry.validate_only = true;
  ASSERT_TRUE(service_->Import(RequestKey{"t.Import", kUuid2, "p"}, doc, dry, nullptr, capture(&plan)).ok());
  ASSERT_EQ(store_->Load()->directory.schools.at(testing::kSchool).staff.count("finance"), 1u);
  EXPECT_EQ(DescribeDeletions(plan), "1 member of staff, 1 guardian");
  EXPECT_EQ(plan.counts.created, 1);
  EXPECT_EQ(plan.counts.updated, 1);
  EXPECT_EQ(plan.counts.deleted, 2);

  ImportOptions apply;
  apply.allow_deletions = true;
  apply.expected_directory_etag = plan.directory_etag;
  ASSERT_TRUE(service_->Import(RequestKey{"t.Import", kUuid3, "q"}, doc, apply, nullptr, capture(&applied)).ok());
  ASSERT_EQ(plan.changes.size(), applied.changes.size());
  for (const auto& [kind, k] : plan.changes) {
    EXPECT_EQ(k.created, applied.changes.at(kind).created);
    EXPECT_EQ(k.changed, applied.changes.at(kind).changed);
    EXPECT_EQ(k.deleted, applied.changes.at(kind).deleted);
    EXPECT_EQ(k.unchanged, applied.changes.at(kind).unchanged);
  }
  EXPECT_EQ(applied.changes.at(ImportKind::kStaff).created, (std::vector<ImportRef>{ImportRef{"st-marys", "new-1"}}));
  EXPECT_EQ(applied.changes.at(ImportKind::kStaff).changed, (std::vector<ImportRef>{ImportRef{"st-marys", "office"}}));
  EXPECT_EQ(applied.changes.at(ImportKind::kStaff).deleted, (std::vector<ImportRef>{ImportRef{"st-marys", "finance"}}));
  EXPECT_EQ(applied.changes.at(ImportKind::kGuardian).deleted, (std::vector<ImportRef>{ImportRef{"", "g-002"}}));
  auto loaded = store_->Load();
  ASSERT_TRUE(loaded.ok());
  const SchoolDirectory& stored = loaded->directory.schools.at(testing::kSchool);
  EXPECT_EQ(stored.staff.count("finance"), 0u);
  EXPECT_EQ(stored.staff.count("new-1"), 1u);
  EXPECT_EQ(loaded->directory.guardians.count("g-002"), 0u);
}

TEST_F(PgDirectoryStoreTest, ConcurrentWritersAreSerialisedAndBothLand) {
  ASSERT_TRUE(
      service_->Import(RequestKey{"t.Import", kUuid1, "a"}, testing::SampleDirectory(), false, nullptr, Summary())
          .ok());
  // A second service instance (another replica) with its own snapshot.
  DirectoryService replica(store_.get());
  ASSERT_TRUE(replica.Start().ok());
  auto teacher = [](std::string id) {
    Staff s;
    s.school_id = testing::kSchool;
    s.id = std::move(id);
    s.display_name = "Teacher";
    s.roles = {"class_teacher"};
    return s;
  };
  Encoder<Staff> encode = [](const Staff& s) -> absl::StatusOr<std::string> { return s.etag; };
  absl::StatusOr<std::string> a, b;
  std::thread t1([&] {
    a = service_->Create<Staff>(RequestKey{"t.CreateStaff", kUuid2, "x"}, teacher("t-a"), encode);
  });
  std::thread t2([&] { b = replica.Create<Staff>(RequestKey{"t.CreateStaff", kUuid3, "y"}, teacher("t-b"), encode); });
  t1.join();
  t2.join();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_NE(*a, *b);
  ASSERT_TRUE(service_->RefreshIfStale().ok());
  EXPECT_NE(service_->snapshot()->FindStaff(testing::kSchool, "t-a"), nullptr);
  EXPECT_NE(service_->snapshot()->FindStaff(testing::kSchool, "t-b"), nullptr);
  EXPECT_EQ(*store_->Version(), 3);
}

TEST_F(PgDirectoryStoreTest, TheDatabaseRefusesALinkToAMissingPupil) {
  ASSERT_TRUE(
      service_->Import(RequestKey{"t.Import", kUuid1, "a"}, testing::SampleDirectory(), false, nullptr, Summary())
          .ok());
  absl::Status status = pool_->Transact([](pqxx::work& txn) {
    txn.exec0("INSERT INTO guardian_links (guardian_id, school_id, pupil_id) VALUES ('g-001', 'st-marys', 'p-404')");
    return absl::OkStatus();
  });
  EXPECT_FALSE(status.ok());
}

TEST_F(PgDirectoryStoreTest, DeleteSchoolRemovesAnEmptySchoolWithItsMatrixAndLadders) {
  // A school with only its rules: calendar, policy, routing matrix and a ladder naming a role
  // through a relation (no staff, pupils or guardians).
  Directory document;
  SchoolDirectory sd = testing::SampleSchool("closing");
  sd.staff.clear();
  sd.pupils.clear();
  sd.routing_matrix.rules.clear();
  sd.school.policy.rules.erase(std::remove_if(sd.school.policy.rules.begin(), sd.school.policy.rules.end(),
                                              [](const ResponseRule& r) { return !r.categories.empty(); }),
                               sd.school.policy.rules.end());
  sd.school.external_contacts.clear();
  Ladder ladder;
  ladder.school_id = "closing";
  ladder.id = "main";
  ladder.display_name = "Main";
  Rung rung;
  rung.title = "Class teacher";
  rung.who.kind = RoleRef::Kind::kRelation;
  rung.who.relation = PupilRelation::kClassTeacher;
  ladder.rungs = {rung};
  sd.ladders = {{"main", ladder}};
  document.schools["closing"] = sd;
  absl::StatusOr<std::string> imported =
      service_->Import(RequestKey{"t.Import", kUuid1, "a"}, document, false, nullptr, Summary());
  ASSERT_TRUE(imported.ok()) << imported.status();
  ASSERT_NE(service_->snapshot()->FindSchool("closing"), nullptr);

  absl::StatusOr<std::string> deleted =
      service_->DeleteSchool(RequestKey{"t.Delete", kUuid2, "b"}, "closing", "", "ok");
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(service_->snapshot()->FindSchool("closing"), nullptr);
  PgDirectoryStore other(pool_.get());
  absl::StatusOr<LoadedDirectory> loaded = other.Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->directory.schools.count("closing"), 0u);
  // A retry replays; the school's rows are all gone.
  EXPECT_EQ(*service_->DeleteSchool(RequestKey{"t.Delete", kUuid2, "b"}, "closing", "", "ok"), "ok");
  int64_t rows = -1;
  ASSERT_TRUE(pool_
                  ->Read([&](pqxx::work& txn) {
                    rows =
                        txn.exec1("SELECT (SELECT count(*) FROM ladders) + (SELECT count(*) FROM routing_matrices)")[0]
                            .as<int64_t>();
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(rows, 0);
}

TEST_F(PgDirectoryStoreTest, DeleteSchoolIsRefusedWhileItHasPeople) {
  ASSERT_TRUE(
      service_->Import(RequestKey{"t.Import", kUuid1, "a"}, testing::SampleDirectory(), false, nullptr, Summary())
          .ok());
  absl::StatusOr<std::string> deleted =
      service_->DeleteSchool(RequestKey{"t.Delete", kUuid2, "b"}, testing::kSchool, "", "ok");
  EXPECT_EQ(deleted.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(deleted.status()), "STILL_REFERENCED");
  EXPECT_NE(service_->snapshot()->FindSchool(testing::kSchool), nullptr);
}

}  // namespace
}  // namespace parley::contacts
