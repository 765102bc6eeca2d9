// The real ContactsApi over the in-memory store, called through an in-process gRPC channel with
// real tokens: what a client sees (codes and the parley-error-reason trailer), without a network
// or a database.
#include "services/contacts/api/contacts_api.h"

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/auth/signer.h"
#include "common/auth/testing/test_keys.h"
#include "common/auth/verifier.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/contacts/api/convert.h"
#include "services/contacts/domain/directory_service.h"
#include "services/contacts/testing/in_memory_store.h"
#include "services/contacts/testing/sample_directory.h"

namespace parley::contacts {
namespace {

using ::testing::HasSubstr;

constexpr char kIssuer[] = "parley-test";
constexpr char kAudience[] = "parley";

std::string Uuid(int n) { return absl::StrCat("00000000-0000-4000-8000-", absl::StrFormat("%012d", n)); }

struct Caller {
  std::string role;
  std::string school;   // empty: no school
  std::string subject;  // empty: "test-{role}"
};
const Caller kAdmin{"trust_admin", "", ""};
const Caller kOffice{"office", testing::kSchool, ""};
const Caller kOtherOffice{"office", "elsewhere", ""};
const Caller kNobody{"", "", ""};  // no token at all

class ContactsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auth::testing::KeyPair key = auth::testing::GenerateEcP256();
    auto signer = auth::Signer::Create({key.private_pem, kIssuer, kAudience});
    ASSERT_TRUE(signer.ok()) << signer.status();
    signer_ = std::move(*signer);
    auth::VerifierOptions options;
    options.public_keys_pem = {key.public_pem};
    options.issuer = kIssuer;
    options.audience = kAudience;
    auto verifier = auth::Verifier::Create(options);
    ASSERT_TRUE(verifier.ok()) << verifier.status();
    verifier_ = std::move(*verifier);

    ASSERT_TRUE(directory_.Start().ok());
    auto imported = directory_.Import(RequestKey{"test.Import", Uuid(0), "fp"}, Sample(), false, nullptr,
                                      [](const ImportResult&) -> absl::StatusOr<std::string> { return ""; });
    ASSERT_TRUE(imported.ok()) << imported.status();

    api_ = std::make_unique<ContactsApi>(&directory_, verifier_.get());
    grpc::ServerBuilder builder;
    builder.RegisterService(api_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::ContactsService::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  virtual Directory Sample() { return testing::SampleDirectory(); }

  // A context carrying a token for `caller`.
  std::unique_ptr<grpc::ClientContext> As(const Caller& caller) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (caller.role.empty()) return ctx;
    auth::Principal p;
    p.subject = caller.subject.empty() ? absl::StrCat("test-", caller.role) : caller.subject;
    p.roles = {caller.role};
    if (!caller.school.empty()) p.schools = {caller.school};
    auto token = signer_->Mint(p, absl::Minutes(10));
    EXPECT_TRUE(token.ok()) << token.status();
    ctx->AddMetadata("authorization", absl::StrCat("Bearer ", *token));
    return ctx;
  }

  // Calls `method` as `caller`; the status, and the reason trailer in `reason`.
  template <typename Req, typename Resp>
  grpc::Status Call(grpc::Status (v1::ContactsService::Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                    const Caller& caller, const Req& req, Resp* resp, std::string* reason = nullptr) {
    auto ctx = As(caller);
    grpc::Status status = ((*stub_).*method)(ctx.get(), req, resp);
    if (reason != nullptr) {
      reason->clear();
      const auto& trailers = ctx->GetServerTrailingMetadata();
      auto it = trailers.find("parley-error-reason");
      if (it != trailers.end()) reason->assign(it->second.data(), it->second.size());
    }
    return status;
  }

  // Expects `code` with `reason`.
  template <typename Req, typename Resp>
  void ExpectRefused(grpc::Status (v1::ContactsService::Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                     const Caller& caller, const Req& req, grpc::StatusCode code, const std::string& want_reason) {
    Resp resp;
    std::string reason;
    grpc::Status status = Call(method, caller, req, &resp, &reason);
    EXPECT_EQ(status.error_code(), code) << status.error_message();
    EXPECT_EQ(reason, want_reason) << status.error_message();
  }

  // A school that passes every rule: the sample's calendar and its policy without the rules that
  // name categories (a new school's routing matrix is empty).
  v1::School NewSchool() {
    School school = testing::SampleSchool("new-school").school;
    std::vector<ResponseRule> general;
    for (const ResponseRule& r : school.policy.rules) {
      if (r.categories.empty()) general.push_back(r);
    }
    school.policy.rules = general;
    school.external_contacts.clear();
    v1::School out = SchoolToProto(school);
    out.clear_name();
    return out;
  }

  v1::CreateSchoolRequest CreateRequest(const std::string& id, const v1::School& school, int request) {
    v1::CreateSchoolRequest req;
    req.set_school_id(id);
    *req.mutable_school() = school;
    req.set_request_id(Uuid(request));
    return req;
  }

  using Stub = v1::ContactsService::Stub;
  std::unique_ptr<auth::Signer> signer_;
  std::unique_ptr<auth::Verifier> verifier_;
  testing::InMemoryDirectoryStore store_;
  DirectoryService directory_{&store_};
  std::unique_ptr<ContactsApi> api_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Stub> stub_;
};

TEST_F(ContactsApiTest, NoTokenIsUnauthenticatedAndRunsNothing) {
  v1::GetSchoolRequest get;
  get.set_name("schools/st-marys");
  ExpectRefused(&Stub::GetSchool, kNobody, get, grpc::StatusCode::UNAUTHENTICATED, "TOKEN_MISSING");
  // Not even a malformed name is looked at before the caller is known.
  get.set_name("not a name");
  ExpectRefused(&Stub::GetSchool, kNobody, get, grpc::StatusCode::UNAUTHENTICATED, "TOKEN_MISSING");
  const int writes = store_.mutations_applied();
  v1::DeleteSchoolRequest del;
  del.set_name("schools/st-marys");
  del.set_request_id(Uuid(1));
  ExpectRefused(&Stub::DeleteSchool, kNobody, del, grpc::StatusCode::UNAUTHENTICATED, "TOKEN_MISSING");
  EXPECT_EQ(store_.mutations_applied(), writes);
}

TEST_F(ContactsApiTest, AnotherSchoolIsRefusedBeforeExistenceIsRevealed) {
  v1::GetStaffRequest existing;
  existing.set_name("schools/st-marys/staff/head");
  v1::GetStaffRequest missing;
  missing.set_name("schools/st-marys/staff/nobody");
  // The other school's office gets the same answer whether the record exists or not.
  ExpectRefused(&Stub::GetStaff, kOtherOffice, existing, grpc::StatusCode::PERMISSION_DENIED, "WRONG_SCHOOL");
  ExpectRefused(&Stub::GetStaff, kOtherOffice, missing, grpc::StatusCode::PERMISSION_DENIED, "WRONG_SCHOOL");
  // The school's own office learns it does not exist.
  ExpectRefused(&Stub::GetStaff, kOffice, missing, grpc::StatusCode::NOT_FOUND, "STAFF_NOT_FOUND");
  v1::Staff staff;
  ASSERT_TRUE(Call(&Stub::GetStaff, kOffice, existing, &staff).ok());
  EXPECT_EQ(staff.name(), "schools/st-marys/staff/head");

  v1::GetSchoolRequest no_school;
  no_school.set_name("schools/no-such-school");
  ExpectRefused(&Stub::GetSchool, kOffice, no_school, grpc::StatusCode::PERMISSION_DENIED, "WRONG_SCHOOL");
  ExpectRefused(&Stub::GetSchool, kAdmin, no_school, grpc::StatusCode::NOT_FOUND, "SCHOOL_NOT_FOUND");

  v1::ListPupilsRequest list;
  list.set_parent("schools/st-marys");
  ExpectRefused(&Stub::ListPupils, kOtherOffice, list, grpc::StatusCode::PERMISSION_DENIED, "WRONG_SCHOOL");
}

TEST_F(ContactsApiTest, BadNamesAndIdsAreInvalidName) {
  v1::GetStaffRequest wrong_collection;
  wrong_collection.set_name("schools/st-marys/pupils/p-001");
  ExpectRefused(&Stub::GetStaff, kOffice, wrong_collection, grpc::StatusCode::INVALID_ARGUMENT, "INVALID_NAME");
  v1::GetSchoolRequest upper;
  upper.set_name("schools/St-Marys");
  ExpectRefused(&Stub::GetSchool, kAdmin, upper, grpc::StatusCode::INVALID_ARGUMENT, "INVALID_NAME");
  v1::GetSchoolRequest too_long;
  too_long.set_name(absl::StrCat("schools/", std::string(65, 'a')));
  ExpectRefused(&Stub::GetSchool, kAdmin, too_long, grpc::StatusCode::INVALID_ARGUMENT, "INVALID_NAME");

  // One id rule for every service: 1-64 of a-z, 0-9, '-' and '_'.
  v1::GetSchoolRequest underscore;
  underscore.set_name("schools/x_1");
  ExpectRefused(&Stub::GetSchool, kAdmin, underscore, grpc::StatusCode::NOT_FOUND, "SCHOOL_NOT_FOUND");

  v1::CreateStaffRequest create;
  create.set_parent("schools/st-marys");
  create.set_staff_id("Bad Id");
  create.mutable_staff()->set_display_name("Ms New");
  create.set_request_id(Uuid(2));
  // The id field is refused by the request check its proto declares (format: ID), with the same
  // reason as an id inside a name.
  ExpectRefused(&Stub::CreateStaff, kOffice, create, grpc::StatusCode::INVALID_ARGUMENT, "INVALID_NAME");
  EXPECT_EQ(directory_.snapshot()->FindStaff(testing::kSchool, "Bad Id"), nullptr);
}

TEST_F(ContactsApiTest, UpdateMasksNameOnlyUpdatableFields) {
  const int writes = store_.mutations_applied();
  v1::UpdateSchoolRequest req;
  req.mutable_school()->set_name("schools/st-marys");
  req.mutable_school()->set_display_name("Renamed");
  req.set_request_id(Uuid(3));
  ExpectRefused(&Stub::UpdateSchool, kAdmin, req, grpc::StatusCode::INVALID_ARGUMENT, "UPDATE_MASK_REQUIRED");
  for (const char* path : {"display_name.inner", "etag", "no_such_field", "calendar_version"}) {
    req.mutable_update_mask()->clear_paths();
    req.mutable_update_mask()->add_paths(path);
    ExpectRefused(&Stub::UpdateSchool, kAdmin, req, grpc::StatusCode::INVALID_ARGUMENT, "INVALID_UPDATE_MASK");
  }
  EXPECT_EQ(store_.mutations_applied(), writes);
  EXPECT_NE(directory_.snapshot()->FindSchool("st-marys")->school.display_name, "Renamed");

  req.mutable_update_mask()->clear_paths();
  req.mutable_update_mask()->add_paths("display_name");
  v1::School updated;
  grpc::Status ok = Call(&Stub::UpdateSchool, kAdmin, req, &updated);
  ASSERT_TRUE(ok.ok()) << ok.error_message();
  EXPECT_EQ(updated.display_name(), "Renamed");

  v1::UpdateStaffRequest staff;
  staff.mutable_staff()->set_name("schools/st-marys/staff/head");
  staff.mutable_staff()->set_display_name("Mrs E. Lawlor");
  staff.mutable_update_mask()->add_paths("display_name.first");
  staff.set_request_id(Uuid(4));
  ExpectRefused(&Stub::UpdateStaff, kOffice, staff, grpc::StatusCode::INVALID_ARGUMENT, "INVALID_UPDATE_MASK");
}

TEST_F(ContactsApiTest, PagingWalksEveryRecordOnceAndTokensAreBoundToTheirList) {
  v1::ListStaffRequest req;
  req.set_parent("schools/st-marys");
  req.set_page_size(3);
  std::vector<std::string> seen;
  int pages = 0;
  do {
    v1::ListStaffResponse resp;
    grpc::Status status = Call(&Stub::ListStaff, kOffice, req, &resp);
    ASSERT_TRUE(status.ok()) << status.error_message();
    for (const v1::Staff& s : resp.staff()) seen.push_back(s.name());
    req.set_page_token(resp.next_page_token());
    ASSERT_LT(++pages, 10);
  } while (!req.page_token().empty());
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seen.size(), 8u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size());

  // A token continues only the list and filters it came from.
  v1::ListStaffRequest first;
  first.set_parent("schools/st-marys");
  first.set_page_size(2);
  v1::ListStaffResponse page1;
  ASSERT_TRUE(Call(&Stub::ListStaff, kOffice, first, &page1).ok());
  ASSERT_FALSE(page1.next_page_token().empty());
  v1::ListStaffRequest next = first;
  next.set_page_token(page1.next_page_token());
  v1::ListStaffResponse page2;
  ASSERT_TRUE(Call(&Stub::ListStaff, kOffice, next, &page2).ok());
  ASSERT_FALSE(page2.staff().empty());
  EXPECT_GT(page2.staff(0).name(), page1.staff(1).name());

  v1::ListStaffRequest other_filter = next;
  other_filter.set_role("office");
  ExpectRefused(&Stub::ListStaff, kOffice, other_filter, grpc::StatusCode::INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");
  v1::ListPupilsRequest other_list;
  other_list.set_parent("schools/st-marys");
  other_list.set_page_size(2);
  other_list.set_page_token(page1.next_page_token());
  ExpectRefused(&Stub::ListPupils, kOffice, other_list, grpc::StatusCode::INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");
  v1::ListStaffRequest garbage = first;
  garbage.set_page_token("not-a-token");
  ExpectRefused(&Stub::ListStaff, kOffice, garbage, grpc::StatusCode::INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");
  v1::ListStaffRequest negative = first;
  negative.set_page_size(-1);
  ExpectRefused(&Stub::ListStaff, kOffice, negative, grpc::StatusCode::INVALID_ARGUMENT, "INVALID_FIELD");
}

TEST_F(ContactsApiTest, CreateSchoolAppliesTheRulesUpdateSchoolApplies) {
  const int writes = store_.mutations_applied();
  // No display name: the request check refuses it at the edge (the domain would too, see
  // DirectoryServiceTest.CreateSchoolAppliesTheRulesOfUpdateSchool).
  v1::School nameless = NewSchool();
  nameless.clear_display_name();
  ExpectRefused(&Stub::CreateSchool, kAdmin, CreateRequest("new-school", nameless, 10),
                grpc::StatusCode::INVALID_ARGUMENT, "INVALID_FIELD");

  // A rule for a category the (empty) routing matrix does not have.
  v1::School categorised = NewSchool();
  ASSERT_GT(categorised.policy().rules_size(), 0);
  categorised.mutable_policy()->mutable_rules(0)->add_categories("send");
  std::string reason;
  v1::School out;
  grpc::Status status = Call(&Stub::CreateSchool, kAdmin, CreateRequest("new-school", categorised, 11), &out, &reason);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(reason, "INVALID_DIRECTORY");
  EXPECT_THAT(status.error_message(), HasSubstr("not in the routing matrix"));

  v1::School bad_locale = NewSchool();
  bad_locale.set_default_locale("abcdefghijklmnopqrst");
  status = Call(&Stub::CreateSchool, kAdmin, CreateRequest("new-school", bad_locale, 12), &out, &reason);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  EXPECT_EQ(store_.mutations_applied(), writes);  // nothing written
  EXPECT_EQ(directory_.snapshot()->FindSchool("new-school"), nullptr);

  ExpectRefused(&Stub::CreateSchool, kOffice, CreateRequest("new-school", NewSchool(), 13),
                grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED");

  status = Call(&Stub::CreateSchool, kAdmin, CreateRequest("new-school", NewSchool(), 14), &out);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(out.name(), "schools/new-school");
  // What was created passes its own first update.
  v1::UpdateSchoolRequest update;
  *update.mutable_school() = out;
  update.mutable_update_mask()->add_paths("policy");
  update.set_request_id(Uuid(15));
  v1::School updated;
  status = Call(&Stub::UpdateSchool, kAdmin, update, &updated);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(ContactsApiTest, DeleteSchoolRefusesWhileReferencedAndIsIdempotent) {
  v1::DeleteSchoolRequest busy;
  busy.set_name("schools/st-marys");
  busy.set_request_id(Uuid(20));
  ExpectRefused(&Stub::DeleteSchool, kOffice, busy, grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED");
  ExpectRefused(&Stub::DeleteSchool, kAdmin, busy, grpc::StatusCode::FAILED_PRECONDITION, "STILL_REFERENCED");
  EXPECT_NE(directory_.snapshot()->FindSchool("st-marys"), nullptr);

  v1::School created;
  ASSERT_TRUE(Call(&Stub::CreateSchool, kAdmin, CreateRequest("closing", NewSchool(), 21), &created).ok());
  v1::DeleteSchoolRequest del;
  del.set_name("schools/closing");
  del.set_etag("not-the-etag");
  del.set_request_id(Uuid(22));
  ExpectRefused(&Stub::DeleteSchool, kAdmin, del, grpc::StatusCode::ABORTED, "ETAG_MISMATCH");

  del.set_etag(created.etag());
  del.set_request_id(Uuid(23));
  google::protobuf::Empty empty;
  grpc::Status status = Call(&Stub::DeleteSchool, kAdmin, del, &empty);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(directory_.snapshot()->FindSchool("closing"), nullptr);
  // A retry gets the first answer; a new request finds nothing to delete.
  status = Call(&Stub::DeleteSchool, kAdmin, del, &empty);
  EXPECT_TRUE(status.ok()) << status.error_message();
  v1::DeleteSchoolRequest reused = del;
  reused.clear_etag();
  ExpectRefused(&Stub::DeleteSchool, kAdmin, reused, grpc::StatusCode::INVALID_ARGUMENT, "REQUEST_ID_REUSED");
  del.set_request_id(Uuid(24));
  ExpectRefused(&Stub::DeleteSchool, kAdmin, del, grpc::StatusCode::NOT_FOUND, "SCHOOL_NOT_FOUND");
  v1::GetSchoolRequest get;
  get.set_name("schools/closing");
  ExpectRefused(&Stub::GetSchool, kAdmin, get, grpc::StatusCode::NOT_FOUND, "SCHOOL_NOT_FOUND");
  // The id can be used again.
  EXPECT_TRUE(Call(&Stub::CreateSchool, kAdmin, CreateRequest("closing", NewSchool(), 25), &created).ok());
}

TEST_F(ContactsApiTest, WritesRefuseWhatTheDirectoryKnowsIsWrong) {
  const int writes = store_.mutations_applied();
  v1::CreateStaffRequest staff;
  staff.set_parent("schools/st-marys");
  staff.set_staff_id("new-teacher");
  staff.mutable_staff()->set_display_name("Ms New");
  staff.mutable_staff()->set_email("not-an-email");
  staff.set_request_id(Uuid(30));
  v1::Staff out;
  EXPECT_EQ(Call(&Stub::CreateStaff, kOffice, staff, &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  staff.mutable_staff()->set_email("new@example.org");
  staff.mutable_staff()->add_year_groups(-3);
  staff.set_request_id(Uuid(31));
  EXPECT_EQ(Call(&Stub::CreateStaff, kOffice, staff, &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  v1::CreatePupilRequest pupil;
  pupil.set_parent("schools/st-marys");
  pupil.set_pupil_id("p-new");
  pupil.mutable_pupil()->set_given_name(std::string(1 << 20, 'x'));
  pupil.mutable_pupil()->set_family_name("Family");
  pupil.set_request_id(Uuid(32));
  v1::Pupil pupil_out;
  EXPECT_EQ(Call(&Stub::CreatePupil, kOffice, pupil, &pupil_out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // ImportTrust: a guardian with a 20-character "language tag" refuses the whole document.
  v1::ImportTrustRequest import;
  Directory document = testing::SampleDirectory();
  ASSERT_FALSE(document.guardians.empty());
  document.guardians.begin()->second.language = "abcdefghijklmnopqrst";
  *import.mutable_directory() = DirectoryToProto(document);
  import.set_request_id(Uuid(33));
  auto ctx = As(kAdmin);
  auto reader = stub_->ImportTrust(ctx.get(), import);
  v1::ImportTrustResponse message;
  while (reader->Read(&message)) {
  }
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_EQ(store_.mutations_applied(), writes);
}

}  // namespace
}  // namespace parley::contacts

namespace parley::contacts {
namespace {

// Two schools: g-001 is the mother of p-001 and p-002 at St Mary's and of p-001 at Elsewhere, where
// a court order limits contact; g-002 is the father of St Mary's p-001 only; g-003 the father of
// p-002, under a court order that he receive no information about her.
class ContactsAccessTest : public ContactsApiTest {
 protected:
  Directory Sample() override {
    Directory dir = testing::SampleDirectory();
    dir.schools["elsewhere"] = testing::SampleSchool("elsewhere");
    CourtOrder order;
    order.no_contact = true;
    dir.guardians["g-001"].pupils.push_back(PupilLink{"elsewhere", "p-001", "mother", true, order});
    // g-003: p-002's father, whom a court order says receives no information about her.
    Guardian estranged = dir.guardians["g-002"];
    estranged.id = "g-003";
    CourtOrder no_information;
    no_information.no_information = true;
    estranged.pupils = {PupilLink{testing::kSchool, "p-002", "father", false, no_information}};
    dir.guardians[estranged.id] = estranged;
    return dir;
  }

  const Caller kMother{"guardian", testing::kSchool, "guardians/g-001"};
  const Caller kFather{"guardian", testing::kSchool, "guardians/g-002"};
  const Caller kOakTeacher{"teacher", testing::kSchool, "schools/st-marys/staff/oak-teacher"};
  const Caller kAshTeacher{"teacher", testing::kSchool, "schools/st-marys/staff/ash-teacher"};
  const Caller kTrustLeader{"trust_leader", "", ""};

  std::vector<std::string> GuardiansListed(const Caller& caller) {
    v1::ListGuardiansRequest list;
    list.set_school("schools/st-marys");
    v1::ListGuardiansResponse resp;
    grpc::Status status = Call(&Stub::ListGuardians, caller, list, &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> names;
    for (const v1::Guardian& g : resp.guardians()) names.push_back(g.name());
    return names;
  }
};

TEST_F(ContactsAccessTest, AGuardianSeesTheirOwnRecordAndChildrenAndNoOtherFamily) {
  v1::GetGuardianRequest self, mother, missing;
  self.set_name("guardians/g-002");
  mother.set_name("guardians/g-001");
  missing.set_name("guardians/g-999");
  v1::Guardian out;
  ASSERT_TRUE(Call(&Stub::GetGuardian, kFather, self, &out).ok());
  EXPECT_EQ(out.name(), "guardians/g-002");
  // Another family's guardian and a missing one: the same code, reason and words.
  v1::Guardian ignored;
  grpc::Status other = Call(&Stub::GetGuardian, kFather, mother, &ignored);
  grpc::Status none = Call(&Stub::GetGuardian, kFather, missing, &ignored);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(other.error_code(), none.error_code());
  EXPECT_EQ(other.error_message(), none.error_message());
  EXPECT_THAT(GuardiansListed(kFather), ::testing::ElementsAre("guardians/g-002"));

  // Own children only: a sibling's record is answered like a missing pupil.
  v1::ListPupilsRequest pupils;
  pupils.set_parent("schools/st-marys");
  v1::ListPupilsResponse listed;
  ASSERT_TRUE(Call(&Stub::ListPupils, kFather, pupils, &listed).ok());
  ASSERT_EQ(listed.pupils_size(), 1);
  EXPECT_EQ(listed.pupils(0).name(), "schools/st-marys/pupils/p-001");
  ASSERT_TRUE(Call(&Stub::ListPupils, kMother, pupils, &listed).ok());
  EXPECT_EQ(listed.pupils_size(), 2);
  v1::GetPupilRequest other_child, no_child;
  other_child.set_name("schools/st-marys/pupils/p-002");
  no_child.set_name("schools/st-marys/pupils/p-999");
  ExpectRefused(&Stub::GetPupil, kFather, other_child, grpc::StatusCode::NOT_FOUND, "PUPIL_NOT_FOUND");
  ExpectRefused(&Stub::GetPupil, kFather, no_child, grpc::StatusCode::NOT_FOUND, "PUPIL_NOT_FOUND");

  // Staff by name and role only.
  v1::ListStaffRequest staff;
  staff.set_parent("schools/st-marys");
  v1::ListStaffResponse listed_staff;
  ASSERT_TRUE(Call(&Stub::ListStaff, kFather, staff, &listed_staff).ok());
  ASSERT_GT(listed_staff.staff_size(), 0);
  for (const v1::Staff& member : listed_staff.staff()) {
    EXPECT_FALSE(member.display_name().empty());
    EXPECT_TRUE(member.email().empty()) << member.name();
    EXPECT_TRUE(member.line_manager().empty()) << member.name();
  }
  ASSERT_TRUE(Call(&Stub::ListStaff, kOffice, staff, &listed_staff).ok());
  EXPECT_TRUE(std::any_of(listed_staff.staff().begin(), listed_staff.staff().end(), [](const v1::Staff& m) {
    return !m.email().empty();
  })) << "staff see each other's email";

  // Nothing a guardian may change here, and no routing of other pupils.
  v1::CreateStaffRequest create;
  create.set_parent("schools/st-marys");
  create.set_staff_id("intruder");
  create.mutable_staff()->set_display_name("Intruder");
  create.set_request_id(Uuid(70));
  ExpectRefused(&Stub::CreateStaff, kFather, create, grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED");
  v1::RouteEnquiryRequest route;
  route.set_school("schools/st-marys");
  route.set_pupil("schools/st-marys/pupils/p-002");
  route.set_category("learning");
  route.set_channel(v1::CHANNEL_EMAIL);
  ExpectRefused(&Stub::RouteEnquiry, kFather, route, grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED");
  v1::ExportTrustRequest export_all;
  ExpectRefused(&Stub::ExportTrust, kFather, export_all, grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED");
}

TEST_F(ContactsAccessTest, ACourtOrderOfNoInformationHidesTheChildFromTheGuardian) {
  const Caller estranged{"guardian", testing::kSchool, "guardians/g-003"};
  v1::ListPupilsRequest pupils;
  pupils.set_parent("schools/st-marys");
  v1::ListPupilsResponse listed;
  ASSERT_TRUE(Call(&Stub::ListPupils, estranged, pupils, &listed).ok());
  EXPECT_EQ(listed.pupils_size(), 0);
  v1::GetPupilRequest child;
  child.set_name("schools/st-marys/pupils/p-002");
  ExpectRefused(&Stub::GetPupil, estranged, child, grpc::StatusCode::NOT_FOUND, "PUPIL_NOT_FOUND");
  // Their own record still shows the link and the order (it is about them).
  v1::GetGuardianRequest self;
  self.set_name("guardians/g-003");
  v1::Guardian out;
  ASSERT_TRUE(Call(&Stub::GetGuardian, estranged, self, &out).ok());
  ASSERT_EQ(out.pupils_size(), 1);
  EXPECT_TRUE(out.pupils(0).court_order().no_information());
}

TEST_F(ContactsAccessTest, AGuardianSeesTheSchoolsCalendarButNoStaffMembersWorkingPattern) {
  v1::ListWorkingPeriodsRequest periods;
  periods.set_school("schools/st-marys");
  periods.mutable_start_time()->set_seconds(1761523200);  // 2025-10-27
  periods.mutable_end_time()->set_seconds(1762128000);    // a week later
  v1::ListWorkingPeriodsResponse out;
  grpc::Status status = Call(&Stub::ListWorkingPeriods, kFather, periods, &out);
  EXPECT_TRUE(status.ok()) << status.error_message();
  periods.set_staff("schools/st-marys/staff/oak-teacher");
  ExpectRefused(&Stub::ListWorkingPeriods, kFather, periods, grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED");
  status = Call(&Stub::ListWorkingPeriods, kOffice, periods, &out);
  EXPECT_TRUE(status.ok()) << status.error_message();

  v1::ComputeDeadlineRequest deadline;
  deadline.set_school("schools/st-marys");
  deadline.set_channel(v1::CHANNEL_EMAIL);
  deadline.set_stage(v1::STAGE_ACKNOWLEDGE);
  deadline.mutable_received_time()->set_seconds(1761318600);
  v1::ComputeDeadlineResponse due;
  status = Call(&Stub::ComputeDeadline, kFather, deadline, &due);
  EXPECT_TRUE(status.ok()) << status.error_message();
  deadline.set_owner("schools/st-marys/staff/oak-teacher");
  ExpectRefused(&Stub::ComputeDeadline, kFather, deadline, grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED");
  status = Call(&Stub::ComputeDeadline, kOakTeacher, deadline, &due);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(ContactsAccessTest, ATeacherSeesTheGuardiansOfThePupilsTheyTeach) {
  // Oak teaches p-001 (both parents); Ash teaches p-002 (the mother only).
  EXPECT_THAT(GuardiansListed(kOakTeacher), ::testing::ElementsAre("guardians/g-001", "guardians/g-002"));
  EXPECT_THAT(GuardiansListed(kAshTeacher), ::testing::ElementsAre("guardians/g-001", "guardians/g-003"))
      << "staff see the guardian a court order restricts, and the order";
  v1::GetGuardianRequest father;
  father.set_name("guardians/g-002");
  v1::Guardian out;
  EXPECT_TRUE(Call(&Stub::GetGuardian, kOakTeacher, father, &out).ok());
  ExpectRefused(&Stub::GetGuardian, kAshTeacher, father, grpc::StatusCode::PERMISSION_DENIED, "WRONG_SCHOOL");
  // The office sees every guardian of the school.
  EXPECT_THAT(GuardiansListed(kOffice),
              ::testing::ElementsAre("guardians/g-001", "guardians/g-002", "guardians/g-003"));
  // Trust leaders compare schools; they do not read families' contact details.
  ExpectRefused(&Stub::GetGuardian, kTrustLeader, father, grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED");
}

TEST_F(ContactsAccessTest, EachSchoolSeesOnlyItsOwnLinksOfAFamilyAcrossTwoSchools) {
  v1::GetGuardianRequest mother;
  mother.set_name("guardians/g-001");
  auto schools_linked = [&](const Caller& caller, bool* court_order) {
    v1::Guardian out;
    grpc::Status status = Call(&Stub::GetGuardian, caller, mother, &out);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::set<std::string> linked;
    *court_order = false;
    for (const v1::PupilLink& link : out.pupils()) {
      linked.insert(link.pupil().substr(0, link.pupil().find("/pupils/")));
      *court_order = *court_order || link.court_order().no_contact();
    }
    return linked;
  };
  bool order = false;
  EXPECT_THAT(schools_linked(kOffice, &order), ::testing::ElementsAre("schools/st-marys"));
  EXPECT_FALSE(order) << "Elsewhere's court order is not St Mary's to see";
  EXPECT_THAT(schools_linked(kOtherOffice, &order), ::testing::ElementsAre("schools/elsewhere"));
  EXPECT_TRUE(order);
  EXPECT_THAT(schools_linked(kAdmin, &order), ::testing::ElementsAre("schools/elsewhere", "schools/st-marys"));
  EXPECT_THAT(schools_linked(kMother, &order), ::testing::ElementsAre("schools/elsewhere", "schools/st-marys"))
      << "a guardian sees their own record whole";
}

TEST_F(ContactsAccessTest, ChangingAnotherSchoolsGuardianIsAnsweredLikeAMissingOne) {
  const Caller kElsewhereOffice{"office", "elsewhere", ""};
  v1::DeleteGuardianRequest father, missing;
  father.set_name("guardians/g-002");
  father.set_request_id(Uuid(80));
  missing.set_name("guardians/g-999");
  missing.set_request_id(Uuid(81));
  google::protobuf::Empty out;
  grpc::Status other = Call(&Stub::DeleteGuardian, kElsewhereOffice, father, &out);
  grpc::Status none = Call(&Stub::DeleteGuardian, kElsewhereOffice, missing, &out);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(other.error_code(), none.error_code());
  EXPECT_EQ(other.error_message(), none.error_message());

  v1::UpdateGuardianRequest update_father, update_missing;
  update_father.mutable_guardian()->set_name("guardians/g-002");
  update_father.mutable_update_mask()->add_paths("language");
  update_father.mutable_guardian()->set_language("fr");
  update_father.set_request_id(Uuid(82));
  update_missing = update_father;
  update_missing.mutable_guardian()->set_name("guardians/g-999");
  update_missing.set_request_id(Uuid(83));
  v1::Guardian g;
  other = Call(&Stub::UpdateGuardian, kElsewhereOffice, update_father, &g);
  none = Call(&Stub::UpdateGuardian, kElsewhereOffice, update_missing, &g);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(other.error_code(), none.error_code());
  EXPECT_EQ(other.error_message(), none.error_message());
  // The father is untouched.
  v1::GetGuardianRequest get;
  get.set_name("guardians/g-002");
  ASSERT_TRUE(Call(&Stub::GetGuardian, kOffice, get, &g).ok());
  EXPECT_NE(g.language(), "fr");
}

TEST_F(ContactsAccessTest, ContactDetailsAreForParleysServicesOnly) {
  v1::BatchGetContactDetailsRequest req;
  req.add_names("guardians/g-002");
  v1::BatchGetContactDetailsResponse out;
  // Not even the people who may read these records one by one: this is a delivery feed.
  for (const Caller& caller : {kMother, kOakTeacher, kOffice, kTrustLeader, kAdmin}) {
    SCOPED_TRACE(caller.role);
    ExpectRefused(&Stub::BatchGetContactDetails, caller, req, grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED");
  }
  const Caller service{"service", "", "service:notifications"};
  grpc::Status status = Call(&Stub::BatchGetContactDetails, service, req, &out);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(out.details_size(), 1);
  EXPECT_EQ(out.details(0).name(), "guardians/g-002");
}

TEST_F(ContactsAccessTest, ContactDetailsComeInRequestOrderWithMissingNamesListed) {
  const Caller service{"service", "", "service:notifications"};
  const Directory dir = Sample();
  const Staff& head = dir.schools.at("st-marys").staff.at("head");
  const Pupil& pupil = dir.schools.at("st-marys").pupils.at("p-002");
  const Guardian& father = dir.guardians.at("g-002");
  ASSERT_FALSE(head.email.empty());
  ASSERT_FALSE(father.contact_points.empty());

  v1::BatchGetContactDetailsRequest req;
  for (const char* name :
       {"guardians/g-002", "guardians/g-999", "schools/st-marys/staff/head", "schools/st-marys/pupils/p-002",
        "schools/st-marys/staff/nobody", "schools/elsewhere/pupils/p-001", "schools/no-such-school/pupils/p-001",
        "guardians/g-002"}) {
    req.add_names(name);
  }
  v1::BatchGetContactDetailsResponse out;
  grpc::Status status = Call(&Stub::BatchGetContactDetails, service, req, &out);
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<std::string> names;
  for (const v1::ContactDetails& d : out.details()) names.push_back(d.name());
  EXPECT_THAT(names,
              ::testing::ElementsAre("guardians/g-002", "schools/st-marys/staff/head", "schools/st-marys/pupils/p-002",
                                     "schools/elsewhere/pupils/p-001", "guardians/g-002"));
  EXPECT_THAT(out.missing(), ::testing::ElementsAre("guardians/g-999", "schools/st-marys/staff/nobody",
                                                    "schools/no-such-school/pupils/p-001"));
  ASSERT_EQ(out.details_size(), 5);

  const v1::ContactDetails& g = out.details(0);
  EXPECT_EQ(g.given_name(), father.given_name);
  EXPECT_EQ(g.family_name(), father.family_name);
  EXPECT_EQ(g.display_name(), absl::StrCat(father.given_name, " ", father.family_name));
  ASSERT_EQ(g.contact_points_size(), static_cast<int>(father.contact_points.size()));
  EXPECT_EQ(g.contact_points(0).kind(), ContactKindToProto(father.contact_points[0].kind));
  EXPECT_EQ(g.contact_points(0).value(), father.contact_points[0].value);
  EXPECT_TRUE(g.email().empty());

  const v1::ContactDetails& s = out.details(1);
  EXPECT_EQ(s.display_name(), head.display_name);
  EXPECT_EQ(s.email(), head.email);
  EXPECT_TRUE(s.given_name().empty());
  EXPECT_EQ(s.contact_points_size(), 0);

  const v1::ContactDetails& p = out.details(2);
  EXPECT_EQ(p.display_name(), absl::StrCat(pupil.given_name, " ", pupil.family_name));
  EXPECT_EQ(p.given_name(), pupil.given_name);
  EXPECT_EQ(p.family_name(), pupil.family_name);
  EXPECT_EQ(p.year_group(), pupil.year_group);
  EXPECT_EQ(p.class_name(), pupil.class_name);
  EXPECT_FALSE(p.class_name().empty());
  EXPECT_TRUE(p.email().empty());
  EXPECT_EQ(p.contact_points_size(), 0);

  // A school's external contact: its email, for safeguarding alerts; an unknown one is missing.
  v1::BatchGetContactDetailsRequest outside;
  outside.add_names("schools/st-marys/externalContacts/county-lado");
  outside.add_names("schools/st-marys/externalContacts/nobody");
  v1::BatchGetContactDetailsResponse answered;
  ASSERT_TRUE(Call(&Stub::BatchGetContactDetails, service, outside, &answered).ok());
  ASSERT_EQ(answered.details_size(), 1);
  EXPECT_EQ(answered.details(0).name(), "schools/st-marys/externalContacts/county-lado");
  EXPECT_EQ(answered.details(0).email(), "lado@example.org");
  EXPECT_THAT(answered.missing(), ::testing::ElementsAre("schools/st-marys/externalContacts/nobody"));
}

TEST_F(ContactsAccessTest, ABadContactDetailsBatchIsInvalidAndAnswersNothing) {
  const Caller service{"service", "", "service:notifications"};
  auto refused = [&](const v1::BatchGetContactDetailsRequest& req, const std::string& want_reason) {
    v1::BatchGetContactDetailsResponse out;
    std::string reason;
    grpc::Status status = Call(&Stub::BatchGetContactDetails, service, req, &out, &reason);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_EQ(reason, want_reason) << status.error_message();
    EXPECT_EQ(out.details_size(), 0);
    EXPECT_EQ(out.missing_size(), 0);
    return status.error_message();
  };
  // A name of another kind of record, or of no shape at all, anywhere in the batch.
  for (const char* bad : {"schools/st-marys", "schools/st-marys/ladders/main", "guardians/g-001/pupils",
                          "guardians/G 1", "staff/head", "schools/st-marys/staff/"}) {
    SCOPED_TRACE(bad);
    v1::BatchGetContactDetailsRequest req;
    req.add_names("guardians/g-001");
    req.add_names(bad);
    const std::string message = refused(req, "INVALID_NAME");
    EXPECT_THAT(message, HasSubstr("names[1]"));
  }
  // 1 to 500 names.
  v1::BatchGetContactDetailsRequest empty;
  refused(empty, "INVALID_FIELD");
  v1::BatchGetContactDetailsRequest too_many;
  for (int i = 0; i < 501; ++i) too_many.add_names("guardians/g-001");
  refused(too_many, "INVALID_FIELD");
  too_many.mutable_names()->RemoveLast();
  v1::BatchGetContactDetailsResponse out;
  grpc::Status status = Call(&Stub::BatchGetContactDetails, service, too_many, &out);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(out.details_size(), 500);
}

TEST_F(ContactsAccessTest, OneSchoolsRequestIdsNeverCollideWithAnothersOwn) {
  auto create = [&](const std::string& school, const std::string& id) {
    v1::CreateStaffRequest req;
    req.set_parent("schools/" + school);
    req.set_staff_id(id);
    req.mutable_staff()->set_display_name("Ms New");
    req.set_request_id(Uuid(90));  // the same id at both schools
    return req;
  };
  v1::Staff first, second;
  ASSERT_TRUE(Call(&Stub::CreateStaff, kOtherOffice, create("elsewhere", "new-a"), &first).ok());
  grpc::Status status = Call(&Stub::CreateStaff, kOffice, create("st-marys", "new-b"), &second);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(second.name(), "schools/st-marys/staff/new-b");
}

}  // namespace
}  // namespace parley::contacts
