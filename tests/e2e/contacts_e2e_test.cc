// End to end: the built parley-contacts binary against a real PostgreSQL, loaded with the demo
// trust, called over gRPC with real ES256 tokens.
#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/auth/auth.h"
#include "common/auth/testing/test_keys.h"
#include "common/clock/clock.h"
#include "common/testing/test_database.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "parley/contacts/v1/contacts_service.grpc.pb.h"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/service_process.h"

namespace parley::e2e {
namespace {

namespace v1 = ::parley::contacts::v1;
using ::google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;

class ContactsE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto db = parley::testing::TestDatabase::Create();
    if (!db) return;
    db_ = new parley::testing::TestDatabase(std::move(*db));
    keys_ = new auth::testing::KeyPair(auth::testing::GenerateEcP256());
    public_key_file_ = new std::string(WriteTemp("jwt-public.pem", keys_->public_pem));
    // TLS like every suite (ServiceEnv: the suite's throwaway CA and the service's certificate).
    env_ = new std::map<std::string, std::string>(ServiceEnv(*public_key_file_));
    (*env_)["PARLEY_PG_DSN"] = db_->dsn();
    (*env_)["PARLEY_DIRECTORY_REFRESH"] = "200ms";
    absl::StatusOr<int> migrated =
        ServiceProcess::RunToCompletion(PARLEY_CONTACTS_BINARY, {"migrate"}, *env_, absl::Seconds(60));
    ASSERT_TRUE(migrated.ok() && *migrated == 0) << "migrate failed";
    server_ = new ServiceProcess();
    absl::Status started = server_->Start(PARLEY_CONTACTS_BINARY, *env_);
    ASSERT_TRUE(started.ok()) << started;
    auth::SignerOptions opts{keys_->private_pem, "parley-e2e", "parley", nullptr};
    signer_ = auth::Signer::Create(opts)->release();

    // Load the demo trust once for every test.
    auto stub = NewStub();
    grpc::ClientContext ctx;
    Authorize(ctx, Token({"trust_admin"}, {}));
    v1::ImportTrustRequest req;
    auto parsed = google::protobuf::util::JsonStringToMessage(ReadAll(PARLEY_DEMO_TRUST_JSON), req.mutable_directory());
    ASSERT_TRUE(parsed.ok()) << parsed;
    req.set_request_id(NewUuid());
    auto reader = stub->ImportTrust(&ctx, req);
    v1::ImportTrustResponse msg;
    while (reader->Read(&msg)) {
    }
    grpc::Status status = reader->Finish();
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(msg.phase(), v1::IMPORT_PHASE_DONE);
    ASSERT_EQ(msg.summary().schools(), 5);
    ready_ = true;
  }

  static void TearDownTestSuite() {
    delete server_;
    delete signer_;
    delete db_;
  }

  void SetUp() override {
    if (!ready_) {
      if (parley::testing::TestDatabase::Configured()) FAIL() << "the suite set-up failed (see above)";
      GTEST_SKIP() << "set PARLEY_TEST_PG_DSN (scripts/test.sh does)";
    }
  }

  static std::unique_ptr<v1::ContactsService::Stub> NewStub() {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    args.SetMaxSendMessageSize(64 << 20);
    return v1::ContactsService::NewStub(
        grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", server_->grpc_port()), ClientCredentials(), args));
  }

  static std::string Token(std::vector<std::string> roles, std::vector<std::string> schools,
                           absl::Duration ttl = absl::Minutes(5), const std::string& subject = "e2e") {
    auth::Principal p;
    p.subject = subject;
    p.roles = std::move(roles);
    p.schools = std::move(schools);
    return *signer_->Mint(p, ttl);
  }

  static void Authorize(grpc::ClientContext& ctx, const std::string& token) {
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  }

  std::unique_ptr<v1::ContactsService::Stub> stub_ = db_ ? NewStub() : nullptr;

  static bool ready_;
  static parley::testing::TestDatabase* db_;
  static auth::testing::KeyPair* keys_;
  static std::string* public_key_file_;
  static std::map<std::string, std::string>* env_;
  static ServiceProcess* server_;
  static auth::Signer* signer_;
};

bool ContactsE2eTest::ready_ = false;
parley::testing::TestDatabase* ContactsE2eTest::db_ = nullptr;
auth::testing::KeyPair* ContactsE2eTest::keys_ = nullptr;
std::string* ContactsE2eTest::public_key_file_ = nullptr;
std::map<std::string, std::string>* ContactsE2eTest::env_ = nullptr;
ServiceProcess* ContactsE2eTest::server_ = nullptr;
auth::Signer* ContactsE2eTest::signer_ = nullptr;

TEST_F(ContactsE2eTest, PagesOfPupilsCoverTheSchoolOnceInOrder) {
  const std::string office = Token({"office"}, {"st-marys"});
  std::vector<std::string> names;
  std::string token;
  for (int pages = 0; pages < 1000; ++pages) {
    grpc::ClientContext ctx;
    Authorize(ctx, office);
    v1::ListPupilsRequest req;
    req.set_parent("schools/st-marys");
    req.set_page_size(50);
    req.set_page_token(token);
    v1::ListPupilsResponse page;
    ASSERT_TRUE(stub_->ListPupils(&ctx, req, &page).ok());
    for (const v1::Pupil& p : page.pupils()) names.push_back(p.name());
    if (page.next_page_token().empty()) break;
    ASSERT_NE(page.next_page_token(), token) << "the same page token twice";
    token = page.next_page_token();
  }
  ASSERT_GT(names.size(), 50u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end()) << "a pupil listed twice";
}

TEST_F(ContactsE2eTest, WorkingPeriodsSkipHalfTermAndFollowAPartTimersDays) {
  const std::string office = Token({"office"}, {"st-marys"});
  v1::ListWorkingPeriodsRequest req;
  req.set_school("schools/st-marys");
  // Fri 24 Oct 2025 16:10 BST to Thu 6 Nov 2025 00:00 GMT: after hours on the Friday, then the
  // 27-31 Oct half-term; the clocks go back on the 26th.
  *req.mutable_start_time() = TimeUtil::SecondsToTimestamp(1761318600);
  *req.mutable_end_time() = TimeUtil::SecondsToTimestamp(1762387200);
  v1::ListWorkingPeriodsResponse school;
  {
    grpc::ClientContext ctx;
    Authorize(ctx, office);
    grpc::Status status = stub_->ListWorkingPeriods(&ctx, req, &school);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  std::vector<std::string> dates;
  for (const v1::WorkingPeriod& p : school.periods()) dates.push_back(p.date());
  // The Friday's period closed at 15:30 BST, before the range began.
  EXPECT_THAT(dates, ::testing::ElementsAre("2025-11-03", "2025-11-04", "2025-11-05"));
  EXPECT_EQ(TimeUtil::ToString(school.periods(0).start_time()), "2025-11-03T08:45:00Z");
  EXPECT_EQ(TimeUtil::ToString(school.periods(0).end_time()), "2025-11-03T15:30:00Z");
  EXPECT_FALSE(school.calendar_version().empty());

  // Mrs Achara works Mondays, Tuesdays and Thursdays.
  req.set_staff("schools/st-marys/staff/mrs-achara");
  v1::ListWorkingPeriodsResponse part_time;
  {
    grpc::ClientContext ctx;
    Authorize(ctx, office);
    ASSERT_TRUE(stub_->ListWorkingPeriods(&ctx, req, &part_time).ok());
  }
  dates.clear();
  for (const v1::WorkingPeriod& p : part_time.periods()) dates.push_back(p.date());
  EXPECT_THAT(dates, ::testing::ElementsAre("2025-11-03", "2025-11-04"));

  // Another school's staff, or a range too long, is refused.
  req.set_staff("schools/kenilworth/staff/mrs-bramley");
  grpc::ClientContext bad;
  Authorize(bad, office);
  EXPECT_EQ(stub_->ListWorkingPeriods(&bad, req, &part_time).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ContactsE2eTest, ASendQuestionAtStMarysGoesToTheClassTeacherThenTheSenco) {
  const std::string office = Token({"office"}, {"st-marys"});
  v1::ListPupilsResponse pupils;
  {
    grpc::ClientContext ctx;
    Authorize(ctx, office);
    v1::ListPupilsRequest req;
    req.set_parent("schools/st-marys");
    req.set_page_size(3);
    ASSERT_TRUE(stub_->ListPupils(&ctx, req, &pupils).ok());
    ASSERT_EQ(pupils.pupils_size(), 3);
    EXPECT_FALSE(pupils.next_page_token().empty());
  }
  const v1::Pupil& pupil = pupils.pupils(0);
  grpc::ClientContext ctx;
  Authorize(ctx, office);
  v1::RouteEnquiryRequest req;
  req.set_school("schools/st-marys");
  req.set_pupil(pupil.name());
  req.set_category("send");
  req.set_channel(v1::CHANNEL_EMAIL);
  v1::RouteEnquiryResponse route;
  grpc::Status status = stub_->RouteEnquiry(&ctx, req, &route);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(route.owner().staff(), pupil.class_teacher());

  grpc::ClientContext ladder_ctx;
  Authorize(ladder_ctx, office);
  v1::ResolveLadderRequest ladder_req;
  ladder_req.set_school("schools/st-marys");
  ladder_req.set_pupil(pupil.name());
  ladder_req.set_category("send");
  v1::ResolveLadderResponse ladder;
  status = stub_->ResolveLadder(&ladder_ctx, ladder_req, &ladder);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_GE(ladder.rungs_size(), 2);
  EXPECT_EQ(ladder.rungs(0).recipient().staff(), pupil.class_teacher());
  EXPECT_THAT(ladder.rungs(1).recipient().role(), HasSubstr("senco"));
}

TEST_F(ContactsE2eTest, TheWorkedExampleIsDueWednesday5NovemberAt1530Gmt) {
  grpc::ClientContext ctx;
  Authorize(ctx, Token({"teacher"}, {"st-marys"}));
  v1::ComputeDeadlineRequest req;
  req.set_school("schools/st-marys");
  req.set_channel(v1::CHANNEL_EMAIL);
  req.set_stage(v1::STAGE_ACKNOWLEDGE);
  *req.mutable_received_time() = TimeUtil::SecondsToTimestamp(1761318600);  // 2025-10-24T15:10:00Z = 16:10 BST
  v1::ComputeDeadlineResponse resp;
  grpc::Status status = stub_->ComputeDeadline(&ctx, req, &resp);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(TimeUtil::ToString(resp.clock_start_time()), "2025-11-03T08:45:00Z");
  EXPECT_EQ(TimeUtil::ToString(resp.due_time()), "2025-11-05T15:30:00Z");
  EXPECT_FALSE(resp.calendar_version().empty());
  EXPECT_FALSE(resp.explanation().summary().empty());
  bool half_term_skipped = false;
  for (const v1::ExplanationStep& step : resp.explanation().steps()) {
    if (step.kind() == v1::EXPLANATION_STEP_KIND_SKIPPED && step.first_date() == "2025-10-27") half_term_skipped = true;
  }
  EXPECT_TRUE(half_term_skipped) << resp.explanation().summary();
}

TEST_F(ContactsE2eTest, AnotherSchoolsDataIsDeniedBeforeExistence) {
  const std::string kenilworth = Token({"office", "senior_leader"}, {"kenilworth"});
  for (const char* name : {"schools/st-marys/pupils/does-not-exist", "schools/st-marys"}) {
    grpc::ClientContext ctx;
    Authorize(ctx, kenilworth);
    v1::GetPupilRequest req;
    req.set_name(std::string(name) == "schools/st-marys" ? "schools/st-marys/pupils/p-0001" : name);
    v1::Pupil pupil;
    EXPECT_EQ(stub_->GetPupil(&ctx, req, &pupil).error_code(), grpc::StatusCode::PERMISSION_DENIED) << name;
  }
  // Guardians have no school in their name: another school's guardian and a guardian that does
  // not exist look the same.
  v1::ListGuardiansResponse st_marys_guardians;
  {
    grpc::ClientContext list_ctx;
    Authorize(list_ctx, Token({"office"}, {"st-marys"}));
    v1::ListGuardiansRequest list;
    list.set_school("schools/st-marys");
    list.set_page_size(1);
    ASSERT_TRUE(stub_->ListGuardians(&list_ctx, list, &st_marys_guardians).ok());
    ASSERT_EQ(st_marys_guardians.guardians_size(), 1);
  }
  for (const std::string& name : {st_marys_guardians.guardians(0).name(), std::string("guardians/no-such-guardian")}) {
    grpc::ClientContext guardian_ctx;
    Authorize(guardian_ctx, kenilworth);
    v1::GetGuardianRequest get;
    get.set_name(name);
    v1::Guardian guardian;
    grpc::Status status = stub_->GetGuardian(&guardian_ctx, get, &guardian);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << name;
  }
  grpc::ClientContext ctx;
  Authorize(ctx, kenilworth);
  v1::ListSchoolsResponse schools;
  ASSERT_TRUE(stub_->ListSchools(&ctx, v1::ListSchoolsRequest(), &schools).ok());
  ASSERT_EQ(schools.schools_size(), 1);
  EXPECT_EQ(schools.schools(0).name(), "schools/kenilworth");
}

// Changing another school's guardian is answered as changing a missing one, word for word; a
// guardian's own token reads their own record and children only, and staff by name and role.
TEST_F(ContactsE2eTest, AnotherSchoolsGuardianIsAnsweredAsAMissingOneAndAGuardianSeesOnlyTheirOwn) {
  v1::Guardian st_marys_only;
  {
    grpc::ClientContext ctx;
    Authorize(ctx, Token({"office"}, {"st-marys"}));
    v1::ListGuardiansRequest list;
    list.set_school("schools/st-marys");
    list.set_page_size(50);
    v1::ListGuardiansResponse resp;
    ASSERT_TRUE(stub_->ListGuardians(&ctx, list, &resp).ok());
    for (const v1::Guardian& g : resp.guardians()) {
      bool only_st_marys = g.pupils_size() > 0;
      for (const v1::PupilLink& link : g.pupils()) only_st_marys &= link.pupil().rfind("schools/st-marys/", 0) == 0;
      if (only_st_marys) {
        st_marys_only = g;
        break;
      }
    }
    ASSERT_FALSE(st_marys_only.name().empty());
  }
  const std::string kenilworth = Token({"office", "senior_leader"}, {"kenilworth"});
  std::vector<grpc::Status> answers;
  for (const std::string& name : {st_marys_only.name(), std::string("guardians/no-such-guardian")}) {
    grpc::ClientContext update_ctx;
    Authorize(update_ctx, kenilworth);
    v1::UpdateGuardianRequest update;
    update.mutable_guardian()->set_name(name);
    update.mutable_guardian()->set_language("fr");
    update.mutable_update_mask()->add_paths("language");
    update.set_request_id(NewUuid());
    v1::Guardian out;
    answers.push_back(stub_->UpdateGuardian(&update_ctx, update, &out));
    grpc::ClientContext delete_ctx;
    Authorize(delete_ctx, kenilworth);
    v1::DeleteGuardianRequest del;
    del.set_name(name);
    del.set_request_id(NewUuid());
    google::protobuf::Empty empty;
    answers.push_back(stub_->DeleteGuardian(&delete_ctx, del, &empty));
  }
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(answers[i].error_code(), grpc::StatusCode::PERMISSION_DENIED) << answers[i].error_message();
    EXPECT_EQ(answers[i].error_code(), answers[i + 2].error_code());
    EXPECT_EQ(answers[i].error_message(), answers[i + 2].error_message());
  }

  // The guardian themselves: their record whole, their children, nobody else's family.
  const std::string own = Token({"guardian"}, {"st-marys"}, absl::Minutes(5), st_marys_only.name());
  {
    grpc::ClientContext ctx;
    Authorize(ctx, own);
    v1::GetGuardianRequest get;
    get.set_name(st_marys_only.name());
    v1::Guardian self;
    ASSERT_TRUE(stub_->GetGuardian(&ctx, get, &self).ok());
    EXPECT_EQ(self.language(), st_marys_only.language()) << "the refused update changed nothing";
    EXPECT_EQ(self.contact_points_size(), st_marys_only.contact_points_size());
  }
  {
    grpc::ClientContext ctx;
    Authorize(ctx, own);
    v1::ListGuardiansRequest list;
    list.set_school("schools/st-marys");
    list.set_page_size(500);
    v1::ListGuardiansResponse resp;
    ASSERT_TRUE(stub_->ListGuardians(&ctx, list, &resp).ok());
    ASSERT_EQ(resp.guardians_size(), 1);
    EXPECT_EQ(resp.guardians(0).name(), st_marys_only.name());
  }
  {
    std::set<std::string> children;
    for (const v1::PupilLink& link : st_marys_only.pupils()) children.insert(link.pupil());
    grpc::ClientContext ctx;
    Authorize(ctx, own);
    v1::ListPupilsRequest list;
    list.set_parent("schools/st-marys");
    list.set_page_size(500);
    v1::ListPupilsResponse resp;
    ASSERT_TRUE(stub_->ListPupils(&ctx, list, &resp).ok());
    std::set<std::string> listed;
    for (const v1::Pupil& p : resp.pupils()) listed.insert(p.name());
    EXPECT_EQ(listed, children);
  }
  {
    grpc::ClientContext ctx;
    Authorize(ctx, own);
    v1::ListStaffRequest list;
    list.set_parent("schools/st-marys");
    list.set_page_size(500);
    v1::ListStaffResponse resp;
    ASSERT_TRUE(stub_->ListStaff(&ctx, list, &resp).ok());
    ASSERT_GT(resp.staff_size(), 0);
    for (const v1::Staff& member : resp.staff()) {
      EXPECT_TRUE(member.email().empty()) << member.name();
      EXPECT_FALSE(member.display_name().empty());
    }
  }
}

TEST_F(ContactsE2eTest, MissingExpiredAndForgedTokensAreUnauthenticated) {
  auth::testing::KeyPair other = auth::testing::GenerateEcP256();
  auth::Principal admin{"mallory", {"trust_admin"}, {}};
  const std::string forged =
      *(*auth::Signer::Create({other.private_pem, "parley-e2e", "parley", nullptr}))->Mint(admin, absl::Minutes(5));
  // Minted an hour ago for ten minutes.
  SimulatedClock an_hour_ago(absl::Now() - absl::Hours(1));
  const std::string expired = *(*auth::Signer::Create({keys_->private_pem, "parley-e2e", "parley", &an_hour_ago}))
                                   ->Mint(admin, absl::Minutes(10));
  for (const std::string& token : {std::string(), forged, expired, std::string("not.a.jwt")}) {
    grpc::ClientContext ctx;
    if (!token.empty()) ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    v1::ListSchoolsResponse resp;
    grpc::Status status = stub_->ListSchools(&ctx, v1::ListSchoolsRequest(), &resp);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(status.error_message().find(token.empty() ? "\x01" : token), std::string::npos);
  }
}

TEST_F(ContactsE2eTest, BadCalendarEditsAreRefusedAndChangeNothing) {
  const std::string head = Token({"senior_leader"}, {"st-marys"});
  v1::School before;
  {
    grpc::ClientContext ctx;
    Authorize(ctx, head);
    v1::GetSchoolRequest req;
    req.set_name("schools/st-marys");
    ASSERT_TRUE(stub_->GetSchool(&ctx, req, &before).ok());
  }
  v1::UpdateSchoolRequest req;
  *req.mutable_school() = before;
  // A second copy of the first term overlaps it.
  *req.mutable_school()->mutable_calendar()->add_terms() = before.calendar().terms(0);
  req.mutable_update_mask()->add_paths("calendar");
  req.set_request_id(NewUuid());
  v1::School after;
  grpc::ClientContext ctx;
  Authorize(ctx, head);
  grpc::Status status = stub_->UpdateSchool(&ctx, req, &after);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("calendar"));
  // A teacher may not change the calendar at all.
  grpc::ClientContext teacher_ctx;
  Authorize(teacher_ctx, Token({"teacher"}, {"st-marys"}));
  req.set_request_id(NewUuid());
  EXPECT_EQ(stub_->UpdateSchool(&teacher_ctx, req, &after).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext get_ctx;
  Authorize(get_ctx, head);
  v1::GetSchoolRequest get;
  get.set_name("schools/st-marys");
  ASSERT_TRUE(stub_->GetSchool(&get_ctx, get, &after).ok());
  EXPECT_EQ(after.calendar_version(), before.calendar_version());
  EXPECT_EQ(after.etag(), before.etag());
}

TEST_F(ContactsE2eTest, ARetryReplaysTheFirstResponse) {
  const std::string office = Token({"office"}, {"woodgrange-infant"});
  v1::CreateStaffRequest req;
  req.set_parent("schools/woodgrange-infant");
  req.set_staff_id("e2e-supply-teacher");
  req.mutable_staff()->set_display_name("Supply Teacher");
  req.mutable_staff()->add_roles("class_teacher");
  req.set_request_id(NewUuid());
  v1::Staff first, second;
  grpc::ClientContext c1, c2, c3;
  Authorize(c1, office);
  Authorize(c2, office);
  Authorize(c3, office);
  ASSERT_TRUE(stub_->CreateStaff(&c1, req, &first).ok());
  ASSERT_TRUE(stub_->CreateStaff(&c2, req, &second).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(first, second));
  req.mutable_staff()->set_display_name("Someone Else");
  EXPECT_EQ(stub_->CreateStaff(&c3, req, &second).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ContactsE2eTest, ExportImportsBackUnchanged) {
  const std::string admin = Token({"trust_admin"}, {});
  v1::ExportTrustResponse first;
  {
    grpc::ClientContext ctx;
    Authorize(ctx, admin);
    ASSERT_TRUE(stub_->ExportTrust(&ctx, v1::ExportTrustRequest(), &first).ok());
  }
  grpc::ClientContext ctx;
  Authorize(ctx, admin);
  v1::ImportTrustRequest req;
  *req.mutable_directory() = first.directory();
  req.set_request_id(NewUuid());
  auto reader = stub_->ImportTrust(&ctx, req);
  v1::ImportTrustResponse msg;
  while (reader->Read(&msg)) {
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(msg.summary().created(), 0);
  EXPECT_EQ(msg.summary().updated(), 0);
  EXPECT_EQ(msg.summary().deleted(), 0);
  EXPECT_GT(msg.summary().unchanged(), 1000);
  v1::ExportTrustResponse second;
  grpc::ClientContext ctx2;
  Authorize(ctx2, admin);
  ASSERT_TRUE(stub_->ExportTrust(&ctx2, v1::ExportTrustRequest(), &second).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(first, second));
}

// ImportTrust deletes only when asked to. This test has its own database and server, loaded with
// the demo trust, because it deletes what the other tests read.
class ContactsImportE2eTest : public ContactsE2eTest {
 protected:
  struct Outcome {
    grpc::Status status;
    std::string reason;
    v1::ImportTrustResponse last;
  };
  static Outcome Import(v1::ContactsService::Stub& stub, v1::ImportTrustRequest req) {
    grpc::ClientContext ctx;
    Authorize(ctx, Token({"trust_admin"}, {}));
    req.set_request_id(NewUuid());
    auto reader = stub.ImportTrust(&ctx, req);
    Outcome out;
    while (reader->Read(&out.last)) {
    }
    out.status = reader->Finish();
    auto reason = ctx.GetServerTrailingMetadata().find("parley-error-reason");
    if (reason != ctx.GetServerTrailingMetadata().end())
      out.reason = std::string(reason->second.data(), reason->second.size());
    return out;
  }
  static v1::TrustDirectory Export(v1::ContactsService::Stub& stub) {
    grpc::ClientContext ctx;
    Authorize(ctx, Token({"trust_admin"}, {}));
    v1::ExportTrustResponse resp;
    EXPECT_TRUE(stub.ExportTrust(&ctx, v1::ExportTrustRequest(), &resp).ok());
    return resp.directory();
  }
  static const v1::ImportChanges* Kind(const v1::ImportSummary& s, v1::ImportRecordKind kind) {
    for (const v1::ImportChanges& c : s.changes()) {
      if (c.kind() == kind) return &c;
    }
    return nullptr;
  }
};

TEST_F(ContactsImportE2eTest, ADemoTrustWithoutGuardiansIsRefusedAndWithTheFlagDeletesExactlyThePlan) {
  auto db = parley::testing::TestDatabase::Create();
  ASSERT_TRUE(db);
  std::map<std::string, std::string> env = *env_;
  env["PARLEY_PG_DSN"] = db->dsn();
  absl::StatusOr<int> migrated =
      ServiceProcess::RunToCompletion(PARLEY_CONTACTS_BINARY, {"migrate"}, env, absl::Seconds(60));
  ASSERT_TRUE(migrated.ok() && *migrated == 0) << "migrate failed";
  ServiceProcess server;
  ASSERT_TRUE(server.Start(PARLEY_CONTACTS_BINARY, env).ok());
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  auto stub = v1::ContactsService::NewStub(
      grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", server.grpc_port()), ClientCredentials(), args));

  v1::ImportTrustRequest demo;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(ReadAll(PARLEY_DEMO_TRUST_JSON), demo.mutable_directory()).ok());
  Outcome loaded = Import(*stub, demo);
  ASSERT_TRUE(loaded.status.ok()) << loaded.status.error_message();
  const v1::TrustDirectory before = Export(*stub);
  const int guardians = before.guardians_size();
  ASSERT_GT(guardians, 1000);

  // The accident: the same five schools, `guardians: []`.
  v1::ImportTrustRequest accident = demo;
  accident.mutable_directory()->clear_guardians();
  Outcome refused = Import(*stub, accident);
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(refused.reason, "IMPORT_WOULD_DELETE");
  EXPECT_THAT(refused.status.error_message(), HasSubstr(absl::StrCat("would delete ", guardians, " guardians;")));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(Export(*stub), before)) << "nothing may change";

  // The plan names every guardian it deletes, and nothing else.
  v1::ImportTrustRequest plan_request = accident;
  plan_request.set_validate_only(true);
  Outcome plan = Import(*stub, plan_request);
  ASSERT_TRUE(plan.status.ok()) << plan.status.error_message();
  const v1::ImportSummary& p = plan.last.summary();
  const v1::ImportChanges* planned_guardians = Kind(p, v1::IMPORT_RECORD_KIND_GUARDIAN);
  ASSERT_NE(planned_guardians, nullptr);
  ASSERT_EQ(planned_guardians->deleted_size(), guardians);
  for (int i = 0; i < guardians; ++i) EXPECT_EQ(planned_guardians->deleted(i), before.guardians(i).name());
  EXPECT_EQ(p.deleted(), guardians);
  EXPECT_EQ(p.created(), 0);
  EXPECT_EQ(p.updated(), 0);
  for (const v1::ImportChanges& c : p.changes()) {
    if (c.kind() != v1::IMPORT_RECORD_KIND_GUARDIAN) {
      EXPECT_EQ(c.deleted_size(), 0) << c.kind();
    }
  }
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(Export(*stub), before));

  // With the flag, bound to the plan: exactly what the plan said.
  v1::ImportTrustRequest apply = accident;
  apply.set_allow_deletions(true);
  apply.set_directory_etag(p.directory_etag());
  Outcome applied = Import(*stub, apply);
  ASSERT_TRUE(applied.status.ok()) << applied.status.error_message();
  const v1::ImportSummary& a = applied.last.summary();
  ASSERT_EQ(a.changes_size(), p.changes_size());
  for (int i = 0; i < p.changes_size(); ++i) {
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(a.changes(i), p.changes(i))) << p.changes(i).kind();
  }
  EXPECT_EQ(a.deleted(), guardians);
  v1::TrustDirectory after = Export(*stub);
  EXPECT_EQ(after.guardians_size(), 0);
  after.mutable_guardians()->CopyFrom(before.guardians());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(after, before)) << "only the guardians went";

  // A plan is applied only to the directory it was made against.
  Outcome stale = Import(*stub, apply);
  EXPECT_EQ(stale.status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(stale.reason, "ETAG_MISMATCH");
}

TEST_F(ContactsE2eTest, SigtermDrainsAndExitsCleanly) {
  ServiceProcess second;
  ASSERT_TRUE(second.Start(PARLEY_CONTACTS_BINARY, *env_).ok());
  absl::StatusOr<int> code = second.Terminate();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}

}  // namespace
}  // namespace parley::e2e
