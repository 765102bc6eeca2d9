#include "services/contacts/domain/directory_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/contacts/domain/model.h"
#include "services/contacts/testing/in_memory_store.h"
#include "services/contacts/testing/sample_directory.h"

namespace parley::contacts {
namespace {

using ::testing::HasSubstr;

RequestKey Key(std::string id, std::string fingerprint = "fp") {
  return RequestKey{"test.Method", std::move(id), std::move(fingerprint)};
}

Encoder<ImportResult> ImportEncoder() {
  return [](const ImportResult& r) -> absl::StatusOr<std::string> {
    return absl::StrCat(r.counts.created, "/", r.counts.updated, "/", r.counts.deleted, "/", r.counts.unchanged, "/",
                        r.schools_with_new_versions.size());
  };
}

Encoder<Staff> StaffEncoder() {
  return [](const Staff& s) -> absl::StatusOr<std::string> { return absl::StrCat(s.id, "@", s.etag); };
}

class DirectoryServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(service_.Start().ok());
    absl::StatusOr<std::string> imported =
        service_.Import(Key("import-1"), testing::SampleDirectory(), false, nullptr, ImportEncoder());
    ASSERT_TRUE(imported.ok()) << imported.status();
  }
  Staff NewTeacher(std::string id) {
    Staff s;
    s.school_id = testing::kSchool;
    s.id = std::move(id);
    s.display_name = "Ms New";
    s.roles = {"class_teacher"};
    return s;
  }
  testing::InMemoryDirectoryStore store_;
  DirectoryService service_{&store_};
};

TEST_F(DirectoryServiceTest, ImportIsIdempotentAndReportsNothingChangedTheSecondTime) {
  const int64_t version = service_.snapshot()->version();
  absl::StatusOr<std::string> again =
      service_.Import(Key("import-2"), testing::SampleDirectory(), false, nullptr, ImportEncoder());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, "0/0/0/17/0");  // 1 school, 8 staff, 2 pupils, 2 ladders, 1 matrix, 2 guardians, 1 trust
  EXPECT_EQ(service_.snapshot()->version(), version);
}

TEST_F(DirectoryServiceTest, ABrokenDocumentChangesNothing) {
  Directory bad = testing::SampleDirectory();
  bad.schools.begin()->second.school.display_name = "Renamed";
  bad.schools.begin()->second.ladders["send"].rungs[1].who.value = "nobody-holds-this";
  const int applied = store_.mutations_applied();
  absl::StatusOr<std::string> result = service_.Import(Key("import-bad"), bad, false, nullptr, ImportEncoder());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_.mutations_applied(), applied);
  EXPECT_EQ(service_.snapshot()->FindSchool(testing::kSchool)->school.display_name, "St Mary's C of E Primary School");
}

TEST_F(DirectoryServiceTest, ValidateOnlyCountsButWritesNothing) {
  Directory changed = testing::SampleDirectory();
  changed.schools.begin()->second.school.calendar.closures.push_back(
      Closure{calendar::DateRange{absl::CivilDay(2025, 11, 14), absl::CivilDay(2025, 11, 14), "INSET day"},
              ClosureKind::kInsetDay});
  absl::StatusOr<std::string> result = service_.Import(Key("dry"), changed, true, nullptr, ImportEncoder());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, "0/1/0/16/1");
  EXPECT_EQ(service_.snapshot()->FindSchool(testing::kSchool)->school.calendar.closures.size(), 3u);
}

// ---- ImportTrust: the plan, deletions only with allow_deletions ----------------------------------

Encoder<ImportResult> Capture(ImportResult* out) {
  return [out](const ImportResult& r) -> absl::StatusOr<std::string> {
    *out = r;
    return "done";
  };
}

std::vector<std::string> Ids(const std::vector<ImportRef>& refs) {
  std::vector<std::string> out;
  for (const ImportRef& r : refs) out.push_back(r.school_id.empty() ? r.id : absl::StrCat(r.school_id, "/", r.id));
  return out;
}

// The sample with one of everything an import can do: a member of staff added, one renamed and
// one left out; a pupil left out (and its link dropped from g-001); g-002 left out; the behaviour
// routing rule left out.
Directory MixedDocument() {
  Directory d = testing::SampleDirectory();
  SchoolDirectory& sd = d.schools.at(testing::kSchool);
  Staff added = sd.staff.at("oak-teacher");
  added.id = "new-1";
  sd.staff[added.id] = added;
  sd.staff.at("office").display_name = "Miss C. Campos-Reed";
  sd.staff.erase("finance");
  sd.pupils.erase("p-002");
  d.guardians.at("g-001").pupils.pop_back();
  d.guardians.erase("g-002");
  auto& rules = sd.routing_matrix.rules;
  rules.erase(
      std::remove_if(rules.begin(), rules.end(), [](const RoutingRule& r) { return r.category == "behaviour"; }),
      rules.end());
  return d;
}

MATCHER_P4(KindIs, created, changed, deleted, unchanged, "") {
  return Ids(arg.created) == std::vector<std::string>(created) &&
         Ids(arg.changed) == std::vector<std::string>(changed) &&
         Ids(arg.deleted) == std::vector<std::string>(deleted) && arg.unchanged == unchanged;
}

void ExpectSamePlan(const ImportResult& a, const ImportResult& b) {
  ASSERT_EQ(a.changes.size(), b.changes.size());
  for (const auto& [kind, k] : a.changes) {
    ASSERT_EQ(b.changes.count(kind), 1u);
    const ImportKindChanges& other = b.changes.at(kind);
    EXPECT_EQ(k.created, other.created);
    EXPECT_EQ(k.changed, other.changed);
    EXPECT_EQ(k.deleted, other.deleted);
    EXPECT_EQ(k.unchanged, other.unchanged);
  }
  EXPECT_EQ(a.counts.created, b.counts.created);
  EXPECT_EQ(a.counts.updated, b.counts.updated);
  EXPECT_EQ(a.counts.deleted, b.counts.deleted);
  EXPECT_EQ(a.counts.unchanged, b.counts.unchanged);
}

TEST_F(DirectoryServiceTest, AFirstImportReportsEveryRecordCreatedByName) {
  testing::InMemoryDirectoryStore store;
  DirectoryService fresh(&store);
  ASSERT_TRUE(fresh.Start().ok());
  ImportResult r;
  ASSERT_TRUE(fresh.Import(Key("first"), testing::SampleDirectory(), false, nullptr, Capture(&r)).ok());
  using V = std::vector<std::string>;
  EXPECT_THAT(r.changes.at(ImportKind::kTrust), KindIs(V{""}, V{}, V{}, 0));
  EXPECT_THAT(r.changes.at(ImportKind::kSchool), KindIs(V{"st-marys/"}, V{}, V{}, 0));
  EXPECT_EQ(r.changes.at(ImportKind::kStaff).created.size(), 8u);
  EXPECT_THAT(r.changes.at(ImportKind::kPupil), KindIs(V{"st-marys/p-001", "st-marys/p-002"}, V{}, V{}, 0));
  EXPECT_THAT(r.changes.at(ImportKind::kGuardian), KindIs(V{"g-001", "g-002"}, V{}, V{}, 0));
  EXPECT_THAT(r.changes.at(ImportKind::kLadder), KindIs(V{"st-marys/main", "st-marys/send"}, V{}, V{}, 0));
  EXPECT_THAT(r.changes.at(ImportKind::kRoutingMatrix), KindIs(V{"st-marys/"}, V{}, V{}, 0));
  EXPECT_EQ(r.changes.at(ImportKind::kRoutingRule).created.size(), 5u);
  EXPECT_EQ(r.counts.created, 17);
  EXPECT_EQ(CountDeletions(r), 0);
}

TEST_F(DirectoryServiceTest, ValidateOnlyReportsThePlanAndTheImportAppliesExactlyIt) {
  ImportOptions dry;
  dry.validate_only = true;  // reports deletions without allow_deletions
  ImportResult plan;
  ASSERT_TRUE(service_.Import(Key("plan"), MixedDocument(), dry, nullptr, Capture(&plan)).ok());
  EXPECT_EQ(service_.snapshot()->FindSchool(testing::kSchool)->staff.count("finance"), 1u);  // nothing written

  using V = std::vector<std::string>;
  EXPECT_THAT(plan.changes.at(ImportKind::kTrust), KindIs(V{}, V{}, V{}, 1));
  EXPECT_THAT(plan.changes.at(ImportKind::kSchool), KindIs(V{}, V{}, V{}, 1));
  EXPECT_THAT(plan.changes.at(ImportKind::kStaff),
              KindIs(V{"st-marys/new-1"}, V{"st-marys/office"}, V{"st-marys/finance"}, 6));
  EXPECT_THAT(plan.changes.at(ImportKind::kPupil), KindIs(V{}, V{}, V{"st-marys/p-002"}, 1));
  EXPECT_THAT(plan.changes.at(ImportKind::kGuardian), KindIs(V{}, V{"g-001"}, V{"g-002"}, 0));
  EXPECT_THAT(plan.changes.at(ImportKind::kLadder), KindIs(V{}, V{}, V{}, 2));
  EXPECT_THAT(plan.changes.at(ImportKind::kRoutingMatrix), KindIs(V{}, V{"st-marys/"}, V{}, 0));
  EXPECT_THAT(plan.changes.at(ImportKind::kRoutingRule), KindIs(V{}, V{}, V{"st-marys/behaviour"}, 0));
  EXPECT_EQ(DescribeDeletions(plan), "1 member of staff, 1 pupil, 1 guardian, 1 routing rule");
  // The store's own counts agree with the plan (Import refuses to finish otherwise).
  EXPECT_EQ(plan.counts.created, 1);
  EXPECT_EQ(plan.counts.updated, 3);
  EXPECT_EQ(plan.counts.deleted, 3);
  EXPECT_EQ(plan.counts.unchanged, 11);

  ImportOptions apply;
  apply.allow_deletions = true;
  apply.expected_directory_etag = plan.directory_etag;
  ImportResult applied;
  ASSERT_TRUE(service_.Import(Key("apply"), MixedDocument(), apply, nullptr, Capture(&applied)).ok());
  ExpectSamePlan(plan, applied);

  // And the directory is what the plan said.
  const SchoolDirectory* sd = service_.snapshot()->FindSchool(testing::kSchool);
  EXPECT_EQ(sd->staff.count("finance"), 0u);
  EXPECT_EQ(sd->staff.count("new-1"), 1u);
  EXPECT_EQ(sd->staff.at("office").display_name, "Miss C. Campos-Reed");
  EXPECT_EQ(sd->pupils.count("p-002"), 0u);
  EXPECT_EQ(sd->routing_matrix.Find("behaviour"), nullptr);
  EXPECT_EQ(service_.snapshot()->FindGuardian("g-002"), nullptr);
  EXPECT_EQ(service_.snapshot()->FindGuardian("g-001")->pupils.size(), 1u);

  // Applied again, the same document is a plan of nothing.
  ImportResult again;
  ASSERT_TRUE(service_.Import(Key("again"), MixedDocument(), ImportOptions{}, nullptr, Capture(&again)).ok());
  EXPECT_EQ(again.counts.created + again.counts.updated + again.counts.deleted, 0);
}

TEST_F(DirectoryServiceTest, AnImportThatWouldDeleteIsRefusedWithCountsAndChangesNothing) {
  const int applied = store_.mutations_applied();
  const int64_t version = service_.snapshot()->version();
  ImportResult unused;
  absl::StatusOr<std::string> result = service_.Import(Key("mixed"), MixedDocument(), false, nullptr, Capture(&unused));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(result.status()), reason::kImportWouldDelete);
  EXPECT_THAT(result.status().message(), HasSubstr("1 member of staff, 1 pupil, 1 guardian, 1 routing rule"));
  // Counts and kinds only: no ids, no names.
  EXPECT_THAT(result.status().message(), ::testing::Not(HasSubstr("finance")));
  EXPECT_THAT(result.status().message(), ::testing::Not(HasSubstr("g-002")));
  EXPECT_THAT(result.status().message(), ::testing::Not(HasSubstr("Dunne")));
  EXPECT_EQ(store_.mutations_applied(), applied);
  EXPECT_EQ(service_.snapshot()->version(), version);
  const SchoolDirectory* sd = service_.snapshot()->FindSchool(testing::kSchool);
  EXPECT_EQ(sd->staff.count("new-1"), 0u);  // not even the additions
  EXPECT_EQ(sd->staff.at("office").display_name, "Miss C. Campos");

  // The classic accident: every guardian left out.
  Directory no_guardians = testing::SampleDirectory();
  no_guardians.guardians.clear();
  result = service_.Import(Key("no-guardians"), no_guardians, false, nullptr, Capture(&unused));
  EXPECT_EQ(ErrorReason(result.status()), reason::kImportWouldDelete);
  EXPECT_THAT(result.status().message(), HasSubstr("would delete 2 guardians;"));
  EXPECT_EQ(service_.snapshot()->directory().guardians.size(), 2u);
  EXPECT_EQ(store_.mutations_applied(), applied);
}

TEST_F(DirectoryServiceTest, APlanIsAppliedOnlyToTheDirectoryItWasMadeAgainst) {
  ImportOptions dry;
  dry.validate_only = true;
  ImportResult plan;
  ASSERT_TRUE(service_.Import(Key("plan"), MixedDocument(), dry, nullptr, Capture(&plan)).ok());
  ASSERT_TRUE(service_.Create<Staff>(Key("meanwhile"), NewTeacher("meanwhile"), StaffEncoder()).ok());
  ImportOptions apply;
  apply.allow_deletions = true;
  apply.expected_directory_etag = plan.directory_etag;
  ImportResult unused;
  absl::StatusOr<std::string> result = service_.Import(Key("apply"), MixedDocument(), apply, nullptr, Capture(&unused));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ErrorReason(result.status()), reason::kEtagMismatch);
  EXPECT_EQ(service_.snapshot()->FindSchool(testing::kSchool)->staff.count("finance"), 1u);
  EXPECT_EQ(service_.snapshot()->FindSchool(testing::kSchool)->staff.count("meanwhile"), 1u);
}

TEST_F(DirectoryServiceTest, ASchoolLeftOutOfTheDocumentIsLeftAsItIs) {
  Directory other;
  other.schools["other"] = testing::SampleSchool("other");
  ImportResult r;
  ASSERT_TRUE(service_.Import(Key("other"), other, false, nullptr, Capture(&r)).ok()) << "no deletions";
  EXPECT_EQ(CountDeletions(r), 0);
  const SchoolDirectory* st_marys = service_.snapshot()->FindSchool(testing::kSchool);
  ASSERT_NE(st_marys, nullptr);
  EXPECT_EQ(st_marys->staff.size(), 8u);
  EXPECT_EQ(st_marys->pupils.size(), 2u);
  EXPECT_EQ(service_.snapshot()->directory().guardians.size(), 2u);  // linked to st-marys only
  EXPECT_EQ(r.changes.at(ImportKind::kSchool).created, (std::vector<ImportRef>{ImportRef{"other", ""}}));
}

TEST_F(DirectoryServiceTest, AnInsetDayAddedLaterMovesDeadlinesAndTheVersion) {
  const std::string before = service_.snapshot()->FindSchool(testing::kSchool)->school.calendar_version;
  DeadlineQuery q;
  q.school_id = testing::kSchool;
  q.channel = Channel::kEmail;
  q.stage = Stage::kAcknowledge;
  q.received = absl::FromCivil(absl::CivilSecond(2025, 11, 10, 10, 0, 0), absl::UTCTimeZone());
  const absl::Time due_before = *ComputeDeadline(*service_.snapshot(), q)->deadline.due;
  Updater<School> add_inset = [](const School& current) -> absl::StatusOr<School> {
    School s = current;
    s.calendar.closures.push_back(
        Closure{calendar::DateRange{absl::CivilDay(2025, 11, 11), absl::CivilDay(2025, 11, 11), "INSET day"},
                ClosureKind::kInsetDay});
    return s;
  };
  absl::StatusOr<std::string> updated =
      service_.UpdateSchool(Key("inset"), testing::kSchool, "", add_inset,
                            [](const School& s) -> absl::StatusOr<std::string> { return s.calendar_version; });
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_NE(*updated, before);
  EXPECT_EQ(*ComputeDeadline(*service_.snapshot(), q)->deadline.due, due_before + absl::Hours(24));
}

TEST_F(DirectoryServiceTest, ARetriedCreateReplaysTheFirstResponse) {
  absl::StatusOr<std::string> first = service_.Create<Staff>(Key("create-1"), NewTeacher("new-1"), StaffEncoder());
  ASSERT_TRUE(first.ok()) << first.status();
  const int applied = store_.mutations_applied();
  absl::StatusOr<std::string> retry = service_.Create<Staff>(Key("create-1"), NewTeacher("new-1"), StaffEncoder());
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(*retry, *first);
  EXPECT_EQ(store_.mutations_applied(), applied);
  // The same id with another request is refused; a new id for the same member is a duplicate.
  EXPECT_EQ(service_.Create<Staff>(Key("create-1", "other"), NewTeacher("new-2"), StaffEncoder()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(service_.Create<Staff>(Key("create-2"), NewTeacher("new-1"), StaffEncoder()).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(DirectoryServiceTest, AStaleEtagIsAborted) {
  const Staff* senco = service_.snapshot()->FindStaff(testing::kSchool, "senco");
  ASSERT_NE(senco, nullptr);
  Updater<Staff> rename = [](const Staff& s) -> absl::StatusOr<Staff> {
    Staff out = s;
    out.display_name = "Ms S. Patel-Jones";
    return out;
  };
  absl::StatusOr<std::string> result =
      service_.Update<Staff>(Key("u1"), {testing::kSchool, "senco"}, "not-the-etag", rename, StaffEncoder());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kAborted);
  result = service_.Update<Staff>(Key("u2"), {testing::kSchool, "senco"}, senco->etag, rename, StaffEncoder());
  EXPECT_TRUE(result.ok()) << result.status();
}

TEST_F(DirectoryServiceTest, AnotherReplicasWriteIsPickedUpAndThePlanRetried) {
  store_.BumpVersionForTesting();
  absl::StatusOr<std::string> result = service_.Create<Staff>(Key("after-bump"), NewTeacher("new-3"), StaffEncoder());
  EXPECT_TRUE(result.ok()) << result.status();
  EXPECT_NE(service_.snapshot()->FindStaff(testing::kSchool, "new-3"), nullptr);
}

TEST_F(DirectoryServiceTest, StaffStillNamedCannotBeDeleted) {
  absl::StatusOr<std::string> result = service_.Delete<Staff>(Key("del"), {testing::kSchool, "senco"}, "", "");
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status().message(), HasSubstr("senco"));
  EXPECT_NE(service_.snapshot()->FindStaff(testing::kSchool, "senco"), nullptr);
}

TEST_F(DirectoryServiceTest, DeletingAPupilUnlinksItsGuardians) {
  ASSERT_TRUE(service_.Delete<Pupil>(Key("del-p1"), {testing::kSchool, "p-001"}, "", "").ok());
  auto snap = service_.snapshot();
  EXPECT_EQ(snap->FindPupil(testing::kSchool, "p-001"), nullptr);
  // g-001 keeps p-002; g-002 was only linked to p-001 and is removed.
  ASSERT_NE(snap->FindGuardian("g-001"), nullptr);
  EXPECT_EQ(snap->FindGuardian("g-001")->pupils.size(), 1u);
  EXPECT_EQ(snap->FindGuardian("g-002"), nullptr);
}

TEST_F(DirectoryServiceTest, AnOutageIsUnavailableAndChangesNothing) {
  store_.SetDown(true);
  EXPECT_EQ(service_.Create<Staff>(Key("down"), NewTeacher("new-4"), StaffEncoder()).status().code(),
            absl::StatusCode::kUnavailable);
  store_.SetDown(false);
  EXPECT_EQ(service_.snapshot()->FindStaff(testing::kSchool, "new-4"), nullptr);
}

Encoder<School> SchoolEncoder() {
  return [](const School& s) -> absl::StatusOr<std::string> { return absl::StrCat(s.id, "@", s.etag); };
}

// A school that passes every rule when new: the sample's, without rules naming categories (a new
// school's routing matrix is empty).
School NewSchool(const std::string& id) {
  School school = testing::SampleSchool(id).school;
  school.policy.rules.erase(std::remove_if(school.policy.rules.begin(), school.policy.rules.end(),
                                           [](const ResponseRule& r) { return !r.categories.empty(); }),
                            school.policy.rules.end());
  school.external_contacts.clear();
  return school;
}

TEST_F(DirectoryServiceTest, CreateSchoolAppliesTheRulesOfUpdateSchool) {
  const int writes = store_.mutations_applied();
  School nameless = NewSchool("new-school");
  nameless.display_name.clear();
  absl::StatusOr<std::string> result = service_.CreateSchool(Key("cs-1"), nameless, SchoolEncoder());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(result.status()), "INVALID_DIRECTORY");
  School categorised = NewSchool("new-school");
  categorised.policy.rules[0].categories = {"send"};
  result = service_.CreateSchool(Key("cs-2"), categorised, SchoolEncoder());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("category \"send\" is not in the routing matrix"));
  EXPECT_EQ(store_.mutations_applied(), writes);
  EXPECT_EQ(service_.snapshot()->FindSchool("new-school"), nullptr);
  result = service_.CreateSchool(Key("cs-3"), NewSchool("new-school"), SchoolEncoder());
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_NE(service_.snapshot()->FindSchool("new-school"), nullptr);
}

TEST_F(DirectoryServiceTest, DeleteSchoolRemovesOnlyASchoolWithoutPeople) {
  absl::StatusOr<std::string> busy = service_.DeleteSchool(Key("ds-1"), testing::kSchool, "", "gone");
  EXPECT_EQ(busy.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(busy.status()), "STILL_REFERENCED");
  EXPECT_THAT(busy.status().message(), HasSubstr("8 staff, 2 pupils and 2 guardians"));
  ASSERT_TRUE(service_.CreateSchool(Key("ds-2"), NewSchool("empty"), SchoolEncoder()).ok());
  EXPECT_EQ(*service_.DeleteSchool(Key("ds-3"), "empty", "", "gone"), "gone");
  EXPECT_EQ(service_.snapshot()->FindSchool("empty"), nullptr);
  EXPECT_EQ(service_.DeleteSchool(Key("ds-4"), "empty", "", "gone").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace parley::contacts
