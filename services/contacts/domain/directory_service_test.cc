#include "services/contacts/domain/directory_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/contacts/domain/deadlines.h"
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
