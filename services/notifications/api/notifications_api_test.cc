// The real NotificationsApi over the real NotificationService, the in-memory store and a directory
// built from contacts' sample school, called through an in-process channel (no network) with real
// tokens: tenancy and roles for every RPC, bad input (nothing stored), request-id replay, the
// consent lock, the letter batch stream.
#include "services/notifications/api/notifications_api.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "common/auth/auth.h"
#include "common/auth/testing/test_keys.h"
#include "common/status/grpc_status.h"
#include "common/version/version.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/contacts/testing/sample_directory.h"
#include "services/notifications/api/convert.h"
#include "services/notifications/testing/fakes.h"
#include "services/notifications/testing/in_memory_notification_store.h"

namespace parley::notifications {
namespace {

constexpr char kSchool[] = "st-marys";
constexpr char kOther[] = "kenilworth";
constexpr char kMum[] = "guardians/g-001";        // p-001 and p-002 at St Mary's
constexpr char kDad[] = "guardians/g-002";        // p-001, lives apart, asked for separate copies
constexpr char kElsewhere[] = "guardians/g-101";  // a Kenilworth family

absl::Time Start() {
  absl::TimeZone london;
  absl::LoadTimeZone("Europe/London", &london);
  return absl::FromCivil(absl::CivilSecond(2025, 11, 4, 10, 0, 0), london);
}

google::protobuf::Timestamp Ts(absl::Time t) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  return ts;
}

std::string Uuid(int n) { return absl::StrFormat("0b7c1d2e-3f40-4a51-8b62-%012d", n); }

struct Result {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string reason;
  std::string message;
};

directory::Directory TestDirectory() {
  directory::Directory dir = contacts::testing::SampleDirectory();
  dir.schools[kOther] = contacts::testing::SampleSchool(kOther);
  directory::Guardian g = dir.guardians.at("g-001");
  g.id = "g-101";
  g.pupils = {directory::PupilLink{kOther, "p-001", "mother", true, std::nullopt}};
  dir.guardians[g.id] = g;
  return dir;
}

class NotificationsApiTest : public ::testing::Test {
 protected:
  NotificationsApiTest() : clock_(Start()), store_(&clock_), directory_(TestDirectory()) {}

  void SetUp() override {
    NotificationServiceOptions options;
    options.render_letters = [](const LetterBatch& batch) -> absl::StatusOr<std::string> {
      // Big enough for three chunks; its first byte says how many letters.
      std::string pdf(2 * (1 << 20) + 100, 'x');
      pdf[0] = static_cast<char>('0' + batch.letters.size());
      return pdf;
    };
    service_ = std::make_unique<NotificationService>(&store_, &directory_, &contacts_, &clock_, nullptr, options);
    keys_ = auth::testing::GenerateEcP256();
    auth::VerifierOptions vopts;
    vopts.public_keys_pem = {keys_.public_pem};
    vopts.issuer = "test";
    vopts.audience = "parley";
    verifier_ = *auth::Verifier::Create(vopts);
    signer_ = *auth::Signer::Create({keys_.private_pem, "test", "parley", nullptr});
    api_ = std::make_unique<NotificationsApi>(service_.get(), &directory_, verifier_.get());
    grpc::ServerBuilder builder;
    builder.RegisterService(api_.get());
    server_ = builder.BuildAndStart();
    stub_ = v1::NotificationsService::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }

  void TearDown() override { server_->Shutdown(); }

  std::string Staff(const std::string& role, const std::string& school = kSchool) {
    return *signer_->Mint(auth::Principal{absl::StrCat("schools/", school, "/staff/s-", role), {role}, {school}},
                          absl::Hours(1));
  }
  std::string Guardian(const std::string& guardian, const std::string& school = kSchool) {
    return *signer_->Mint(auth::Principal{guardian, {"guardian"}, {school}}, absl::Hours(1));
  }
  std::string Trust(const std::string& role) {
    return *signer_->Mint(auth::Principal{absl::StrCat("staff:", role), {role}, {}}, absl::Hours(1));
  }
  std::string Service() {
    return *signer_->Mint(auth::Principal{"service:escalation", {"service"}, {}}, absl::Hours(1));
  }

  template <typename Req, typename Resp, typename Method>
  Result Call(Method method, const Req& req, Resp* resp, const std::string& token) {
    grpc::ClientContext ctx;
    if (!token.empty()) ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    grpc::Status s = ((*stub_).*method)(&ctx, req, resp);
    Result r;
    r.code = s.error_code();
    auto it = ctx.GetServerTrailingMetadata().find(std::string(kErrorReasonMetadataKey));
    if (it != ctx.GetServerTrailingMetadata().end()) r.reason = std::string(it->second.data(), it->second.size());
    r.message = s.error_message();
    return r;
  }

  // A routine newsletter with written content to every guardian of the school.
  static v1::CreateNoticeRequest Newsletter(int id, const std::string& parent = "schools/st-marys") {
    v1::CreateNoticeRequest req;
    req.set_parent(parent);
    req.set_request_id(Uuid(id));
    v1::Notice* n = req.mutable_notice();
    n->set_category(v1::CATEGORY_NEWSLETTER);
    n->set_priority(v1::PRIORITY_ROUTINE);
    n->mutable_audience()->set_kind(parent == "trust" ? v1::AUDIENCE_KIND_TRUST : v1::AUDIENCE_KIND_SCHOOL);
    v1::LocalizedContent* c = n->add_content();
    c->set_locale("en");
    c->set_subject("Autumn newsletter");
    c->set_body("Dear {{recipient_name}}, news about {{pupil_names}}.");
    return req;
  }

  v1::Notice Created(const v1::CreateNoticeRequest& req, const std::string& token = "") {
    v1::Notice out;
    Result r = Call(&v1::NotificationsService::Stub::CreateNotice, req, &out, token.empty() ? Staff("office") : token);
    EXPECT_EQ(r.code, grpc::StatusCode::OK) << r.reason << " " << r.message;
    return out;
  }

  // The copies of a notice, as the school's office lists them.
  v1::ListMessagesResponse Copies(const std::string& notice) {
    v1::ListMessagesRequest req;
    req.set_parent(notice);
    v1::ListMessagesResponse out;
    Result r = Call(&v1::NotificationsService::Stub::ListMessages, req, &out, Staff("office"));
    EXPECT_EQ(r.code, grpc::StatusCode::OK) << r.reason << " " << r.message;
    return out;
  }

  std::string CopyOf(const std::string& notice, const std::string& recipient) {
    const v1::ListMessagesResponse copies = Copies(notice);
    for (const v1::Message& m : copies.messages()) {
      if (m.recipient() == recipient) return m.name();
    }
    ADD_FAILURE() << "no copy for the recipient";
    return "";
  }

  SimulatedClock clock_;
  testing::InMemoryNotificationStore store_;
  testing::FakeDirectorySource directory_;
  testing::FakeContactDetails contacts_;
  std::unique_ptr<NotificationService> service_;
  auth::testing::KeyPair keys_;
  std::unique_ptr<auth::Verifier> verifier_;
  std::unique_ptr<auth::Signer> signer_;
  std::unique_ptr<NotificationsApi> api_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::NotificationsService::Stub> stub_;
};

using Stub = v1::NotificationsService::Stub;

TEST_F(NotificationsApiTest, EveryMethodHasARule) {
  EXPECT_TRUE(api::Edge::CheckRules(api::Edge::ServiceNamed(v1::NotificationsService::service_full_name()),
                                    NotificationsApi::AccessRules())
                  .ok());
}

TEST_F(NotificationsApiTest, WithoutATokenNothingIsServed) {
  v1::Notice out;
  EXPECT_EQ(Call(&Stub::CreateNotice, Newsletter(1), &out, "").code, grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(store_.NoticeCount(), 0);
}

// ---- notices -------------------------------------------------------------------------------

TEST_F(NotificationsApiTest, TheOfficeSendsANoticeAndARetryReturnsTheSameNotice) {
  v1::Notice first = Created(Newsletter(1));
  EXPECT_TRUE(absl::StartsWith(first.name(), "schools/st-marys/notices/")) << first.name();
  EXPECT_EQ(first.recipient_count(), 2) << "mum, and dad who lives apart and asked for his own copy";
  EXPECT_EQ(first.created_by(), "schools/st-marys/staff/s-office");
  v1::Notice again = Created(Newsletter(1));
  EXPECT_EQ(again.name(), first.name());
  EXPECT_EQ(store_.NoticeCount(), 1);

  v1::CreateNoticeRequest different = Newsletter(1);
  different.mutable_notice()->set_category(v1::CATEGORY_EVENT);
  v1::Notice out;
  Result r = Call(&Stub::CreateNotice, different, &out, Staff("office"));
  EXPECT_EQ(r.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(r.reason, "REQUEST_ID_REUSED");
  EXPECT_EQ(store_.NoticeCount(), 1);
}

TEST_F(NotificationsApiTest, WhoMaySendASchoolsNotice) {
  v1::Notice out;
  for (const std::string role : {"senior_leader", "dsl"}) {
    EXPECT_EQ(Call(&Stub::CreateNotice, Newsletter(role.size()), &out, Staff(role)).code, grpc::StatusCode::OK) << role;
  }
  EXPECT_EQ(Call(&Stub::CreateNotice, Newsletter(10), &out, Service()).code, grpc::StatusCode::OK)
      << "the relays send at any school";
  EXPECT_EQ(Call(&Stub::CreateNotice, Newsletter(11), &out, Trust("trust_admin")).code, grpc::StatusCode::OK);
  const int sent = store_.NoticeCount();

  struct Refused {
    std::string who, token, reason;
  };
  for (const Refused& c :
       {Refused{"teacher", Staff("teacher"), "ROLE_REQUIRED"}, Refused{"guardian", Guardian(kMum), "ROLE_REQUIRED"},
        Refused{"another school's office", Staff("office", kOther), "WRONG_SCHOOL"},
        Refused{"trust leader", Trust("trust_leader"), "ROLE_REQUIRED"}}) {
    Result r = Call(&Stub::CreateNotice, Newsletter(20), &out, c.token);
    EXPECT_EQ(r.code, grpc::StatusCode::PERMISSION_DENIED) << c.who;
    EXPECT_EQ(r.reason, c.reason) << c.who;
  }
  EXPECT_EQ(store_.NoticeCount(), sent);
}

TEST_F(NotificationsApiTest, TheTrustsNoticesAreSentByTrustLeadersAndAdminsOnly) {
  v1::Notice out;
  Result r = Call(&Stub::CreateNotice, Newsletter(1, "trust"), &out, Trust("trust_leader"));
  ASSERT_EQ(r.code, grpc::StatusCode::OK) << r.reason << " " << r.message;
  EXPECT_TRUE(absl::StartsWith(out.name(), "trust/notices/")) << out.name();
  EXPECT_EQ(out.recipient_count(), 3) << "both St Mary's copies and the Kenilworth family";
  EXPECT_EQ(Call(&Stub::CreateNotice, Newsletter(2, "trust"), &out, Trust("trust_admin")).code, grpc::StatusCode::OK);
  r = Call(&Stub::CreateNotice, Newsletter(3, "trust"), &out, Staff("senior_leader"));
  EXPECT_EQ(r.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(r.reason, "WRONG_SCHOOL");
  EXPECT_EQ(store_.NoticeCount(), 2);

  // A trust leader reads the trust's notices; a school's office does not.
  v1::ListNoticesRequest list;
  list.set_parent("trust");
  v1::ListNoticesResponse listed;
  EXPECT_EQ(Call(&Stub::ListNotices, list, &listed, Trust("trust_leader")).code, grpc::StatusCode::OK);
  EXPECT_EQ(listed.notices_size(), 2);
  EXPECT_EQ(Call(&Stub::ListNotices, list, &listed, Staff("office")).reason, "WRONG_SCHOOL");
}

TEST_F(NotificationsApiTest, TeachersReadTheirSchoolsNoticesButNotAnotherSchools) {
  const v1::Notice notice = Created(Newsletter(1));
  v1::GetNoticeRequest get;
  get.set_name(notice.name());
  v1::Notice out;
  EXPECT_EQ(Call(&Stub::GetNotice, get, &out, Staff("teacher")).code, grpc::StatusCode::OK);
  EXPECT_EQ(out.name(), notice.name());
  v1::ListNoticesRequest list;
  list.set_parent("schools/st-marys");
  v1::ListNoticesResponse listed;
  EXPECT_EQ(Call(&Stub::ListNotices, list, &listed, Staff("teacher")).code, grpc::StatusCode::OK);
  EXPECT_EQ(listed.notices_size(), 1);

  // Another school's staff: refused before any lookup, the same for a notice that does not exist.
  Result there = Call(&Stub::GetNotice, get, &out, Staff("office", kOther));
  get.set_name("schools/st-marys/notices/n-missing");
  Result nowhere = Call(&Stub::GetNotice, get, &out, Staff("office", kOther));
  EXPECT_EQ(there.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(there.reason, "WRONG_SCHOOL");
  EXPECT_EQ(there.message, nowhere.message);
  EXPECT_EQ(Call(&Stub::GetNotice, get, &out, Guardian(kMum)).reason, "ROLE_REQUIRED");
  EXPECT_EQ(Call(&Stub::GetNotice, get, &out, Staff("office")).code, grpc::StatusCode::NOT_FOUND);
}

TEST_F(NotificationsApiTest, BadInputIsAClearErrorAndNothingIsStored) {
  struct Case {
    std::string what;
    v1::CreateNoticeRequest req;
    std::string reason;
  };
  std::vector<Case> cases;
  {
    Case c{"a pupil the school does not have", Newsletter(1), "AUDIENCE_INVALID"};
    c.req.mutable_notice()->mutable_audience()->set_kind(v1::AUDIENCE_KIND_PUPILS);
    c.req.mutable_notice()->mutable_audience()->add_pupils("schools/st-marys/pupils/p-999");
    cases.push_back(c);
  }
  {
    Case c{"a pupil of another school", Newsletter(2), "AUDIENCE_INVALID"};
    c.req.mutable_notice()->mutable_audience()->set_kind(v1::AUDIENCE_KIND_PUPILS);
    c.req.mutable_notice()->mutable_audience()->add_pupils("schools/kenilworth/pupils/p-001");
    cases.push_back(c);
  }
  {
    Case c{"a body over 20,000 characters", Newsletter(3), "INVALID_FIELD"};
    c.req.mutable_notice()->mutable_content(0)->set_body(std::string(20001, 'a'));
    cases.push_back(c);
  }
  {
    Case c{"a send time in the past", Newsletter(4), "SEND_TIME_IN_PAST"};
    *c.req.mutable_notice()->mutable_send_time() = Ts(clock_.Now() - absl::Hours(2));
    cases.push_back(c);
  }
  {
    Case c{"an event date that is not a date", Newsletter(5), "INVALID_FIELD"};
    c.req.mutable_notice()->set_event_date("2025-13-01");
    cases.push_back(c);
  }
  {
    Case c{"a malformed pupil name", Newsletter(6), "INVALID_NAME"};
    c.req.mutable_notice()->mutable_audience()->set_kind(v1::AUDIENCE_KIND_PUPILS);
    c.req.mutable_notice()->mutable_audience()->add_pupils("pupils/p-001");
    cases.push_back(c);
  }
  {
    Case c{"a parent that is neither a school nor the trust", Newsletter(7), "INVALID_NAME"};
    c.req.set_parent("guardians/g-001");
    cases.push_back(c);
  }
  for (const Case& c : cases) {
    v1::Notice out;
    Result r = Call(&Stub::CreateNotice, c.req, &out, Staff("office"));
    EXPECT_EQ(r.code, grpc::StatusCode::INVALID_ARGUMENT) << c.what;
    EXPECT_EQ(r.reason, c.reason) << c.what << ": " << r.message;
  }
  EXPECT_EQ(store_.NoticeCount(), 0);
  EXPECT_EQ(store_.MessageCount(), 0);
}

TEST_F(NotificationsApiTest, ATemplateMissingAVariableIsRefusedAndNothingIsStored) {
  v1::CreateTemplateRequest create;
  create.set_parent("schools/st-marys");
  create.set_template_id("trip.letter");
  create.set_request_id(Uuid(100));
  v1::Template* t = create.mutable_template_();
  t->set_category(v1::CATEGORY_TRIP);
  t->add_variables("place");
  v1::TemplateVariant* v = t->add_variants();
  v->set_locale("en");
  v->set_subject("A trip to {{place}}");
  v->set_body("{{pupil_names}} will visit {{place}}.");
  v1::Template saved;
  Result r = Call(&Stub::CreateTemplate, create, &saved, Staff("office"));
  ASSERT_EQ(r.code, grpc::StatusCode::OK) << r.reason << " " << r.message;
  EXPECT_EQ(saved.name(), "schools/st-marys/templates/trip.letter");

  v1::CreateNoticeRequest req = Newsletter(1);
  v1::Notice* n = req.mutable_notice();
  n->set_category(v1::CATEGORY_TRIP);
  n->clear_content();
  n->set_template_("trip.letter");
  v1::Notice out;
  r = Call(&Stub::CreateNotice, req, &out, Staff("office"));
  EXPECT_EQ(r.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(r.reason, "TEMPLATE_VARIABLE_MISSING") << r.message;
  EXPECT_EQ(store_.NoticeCount(), 0);

  (*req.mutable_notice()->mutable_variables())["place"] = "the Science Museum";
  req.set_request_id(Uuid(2));
  EXPECT_EQ(Call(&Stub::CreateNotice, req, &out, Staff("office")).code, grpc::StatusCode::OK);
  EXPECT_EQ(store_.NoticeCount(), 1);
}

TEST_F(NotificationsApiTest, ANoticeIsCancelledOnlyBeforeItGoesAndOnlyByItsSenders) {
  const v1::Notice notice = Created(Newsletter(1));
  v1::CancelNoticeRequest cancel;
  cancel.set_name(notice.name());
  cancel.set_request_id(Uuid(2));
  v1::Notice out;
  EXPECT_EQ(Call(&Stub::CancelNotice, cancel, &out, Staff("teacher")).reason, "ROLE_REQUIRED");
  EXPECT_EQ(Call(&Stub::CancelNotice, cancel, &out, Staff("office", kOther)).reason, "WRONG_SCHOOL");
  ASSERT_EQ(Call(&Stub::CancelNotice, cancel, &out, Staff("office")).code, grpc::StatusCode::OK);
  EXPECT_EQ(out.state(), v1::NOTICE_STATE_CANCELLED);

  const v1::Notice sent = Created(Newsletter(3));
  store_.MarkSentForTesting(*ParseNoticeName(sent.name(), "name"));
  cancel.set_name(sent.name());
  cancel.set_request_id(Uuid(4));
  Result r = Call(&Stub::CancelNotice, cancel, &out, Staff("office"));
  EXPECT_EQ(r.code, grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(r.reason, "NOTICE_ALREADY_SENT");
}

// ---- copies and the inbox --------------------------------------------------------------------

TEST_F(NotificationsApiTest, AGuardianReadsOnlyTheirOwnInboxAndCopies) {
  const v1::Notice notice = Created(Newsletter(1));
  v1::ListMessagesRequest inbox;
  inbox.set_parent(kMum);
  v1::ListMessagesResponse listed;
  ASSERT_EQ(Call(&Stub::ListMessages, inbox, &listed, Guardian(kMum)).code, grpc::StatusCode::OK);
  ASSERT_EQ(listed.messages_size(), 1);
  const v1::Message& mine = listed.messages(0);
  EXPECT_EQ(mine.recipient(), kMum);
  EXPECT_EQ(mine.notice(), notice.name());
  EXPECT_EQ(mine.category(), v1::CATEGORY_NEWSLETTER);

  inbox.set_parent(kDad);
  Result r = Call(&Stub::ListMessages, inbox, &listed, Guardian(kMum));
  EXPECT_EQ(r.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(r.reason, "WRONG_GUARDIAN");
  inbox.set_parent(notice.name());
  EXPECT_EQ(Call(&Stub::ListMessages, inbox, &listed, Guardian(kMum)).reason, "WRONG_GUARDIAN");

  // Another family's copy is answered exactly like a copy that does not exist.
  v1::GetMessageRequest get;
  get.set_name(CopyOf(notice.name(), kDad));
  v1::Message out;
  Result theirs = Call(&Stub::GetMessage, get, &out, Guardian(kMum));
  const std::string dads = get.name();
  get.set_name(absl::StrCat(notice.name(), "/messages/99"));
  Result missing = Call(&Stub::GetMessage, get, &out, Guardian(kMum));
  EXPECT_EQ(theirs.code, grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(theirs.reason, "MESSAGE_NOT_FOUND");
  EXPECT_EQ(absl::StrReplaceAll(theirs.message, {{dads, "X"}}),
            absl::StrReplaceAll(missing.message, {{get.name(), "X"}}));

  get.set_name(mine.name());
  ASSERT_EQ(Call(&Stub::GetMessage, get, &out, Guardian(kMum)).code, grpc::StatusCode::OK);
  EXPECT_EQ(out.name(), mine.name());

  // Marking read: their own copy only.
  v1::MarkMessageReadRequest read;
  read.set_name(dads);
  read.set_request_id(Uuid(5));
  EXPECT_EQ(Call(&Stub::MarkMessageRead, read, &out, Guardian(kMum)).reason, "MESSAGE_NOT_FOUND");
  read.set_name(mine.name());
  ASSERT_EQ(Call(&Stub::MarkMessageRead, read, &out, Guardian(kMum)).code, grpc::StatusCode::OK);
  EXPECT_TRUE(out.has_read_time());
  EXPECT_EQ(Call(&Stub::MarkMessageRead, read, &out, Staff("office")).reason, "ROLE_REQUIRED")
      << "staff read copies but do not mark them read";
}

TEST_F(NotificationsApiTest, SchoolStaffListTheirSchoolsCopiesByNoticeAndPupil) {
  const v1::Notice notice = Created(Newsletter(1));
  EXPECT_EQ(Copies(notice.name()).messages_size(), 2);

  v1::ListMessagesRequest req;
  req.set_parent("schools/st-marys/pupils/p-002");
  v1::ListMessagesResponse listed;
  ASSERT_EQ(Call(&Stub::ListMessages, req, &listed, Staff("dsl")).code, grpc::StatusCode::OK);
  ASSERT_EQ(listed.messages_size(), 1) << "only mum's copy names p-002";
  EXPECT_EQ(listed.messages(0).recipient(), kMum);

  struct Refused {
    std::string who, token, parent, reason;
  };
  for (const Refused& c :
       {Refused{"teacher", Staff("teacher"), notice.name(), "ROLE_REQUIRED"},
        Refused{"trust leader", Trust("trust_leader"), notice.name(), "ROLE_REQUIRED"},
        Refused{"another school", Staff("office", kOther), notice.name(), "WRONG_SCHOOL"},
        Refused{"another school's pupil", Staff("office", kOther), "schools/st-marys/pupils/p-001", "WRONG_SCHOOL"},
        Refused{"a guardian's inbox", Staff("office"), kMum, "WRONG_SCHOOL"}}) {
    req.set_parent(c.parent);
    Result r = Call(&Stub::ListMessages, req, &listed, c.token);
    EXPECT_EQ(r.code, grpc::StatusCode::PERMISSION_DENIED) << c.who;
    EXPECT_EQ(r.reason, c.reason) << c.who;
  }
  v1::GetMessageRequest get;
  get.set_name(CopyOf(notice.name(), kMum));
  v1::Message out;
  EXPECT_EQ(Call(&Stub::GetMessage, get, &out, Staff("office")).code, grpc::StatusCode::OK);
  EXPECT_EQ(Call(&Stub::GetMessage, get, &out, Staff("office", kOther)).reason, "WRONG_SCHOOL");
}

TEST_F(NotificationsApiTest, TheFirstConsentAnswerLocksUntilTheSchoolReopensIt) {
  v1::CreateNoticeRequest req = Newsletter(1);
  req.mutable_notice()->set_category(v1::CATEGORY_CONSENT);
  req.mutable_notice()->set_event_date("2025-12-10");
  const v1::Notice notice = Created(req);
  const std::string mums = CopyOf(notice.name(), kMum), dads = CopyOf(notice.name(), kDad);

  v1::ReplyToConsentRequest reply;
  reply.set_message(mums);
  reply.set_pupil("schools/st-marys/pupils/p-001");
  reply.set_answer(v1::CONSENT_ANSWER_YES);
  reply.set_request_id(Uuid(10));
  v1::Message out;
  ASSERT_EQ(Call(&Stub::ReplyToConsent, reply, &out, Guardian(kMum)).code, grpc::StatusCode::OK);
  ASSERT_EQ(out.consent_replies_size(), 1);
  EXPECT_EQ(out.consent_replies(0).answer(), v1::CONSENT_ANSWER_YES);
  EXPECT_TRUE(out.consent_replies(0).locked());

  // Dad answers for the same child: locked.
  reply.set_message(dads);
  reply.set_answer(v1::CONSENT_ANSWER_NO);
  reply.set_request_id(Uuid(11));
  Result r = Call(&Stub::ReplyToConsent, reply, &out, Guardian(kDad));
  EXPECT_EQ(r.code, grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(r.reason, "CONSENT_LOCKED");
  // Not his copy to answer on, nor his child.
  reply.set_message(mums);
  reply.set_request_id(Uuid(12));
  EXPECT_EQ(Call(&Stub::ReplyToConsent, reply, &out, Guardian(kDad)).reason, "MESSAGE_NOT_FOUND");
  reply.set_message(dads);
  reply.set_pupil("schools/st-marys/pupils/p-002");
  EXPECT_EQ(Call(&Stub::ReplyToConsent, reply, &out, Guardian(kDad)).reason, "INVALID_FIELD");

  v1::ReopenConsentRequest reopen;
  reopen.set_notice(notice.name());
  reopen.set_pupil("schools/st-marys/pupils/p-001");
  reopen.set_request_id(Uuid(13));
  v1::ConsentSummary summary;
  EXPECT_EQ(Call(&Stub::ReopenConsent, reopen, &summary, Staff("teacher")).reason, "ROLE_REQUIRED");
  EXPECT_EQ(Call(&Stub::ReopenConsent, reopen, &summary, Guardian(kMum)).reason, "ROLE_REQUIRED");
  ASSERT_EQ(Call(&Stub::ReopenConsent, reopen, &summary, Staff("office")).code, grpc::StatusCode::OK);

  reply.set_pupil("schools/st-marys/pupils/p-001");
  reply.set_request_id(Uuid(14));
  r = Call(&Stub::ReplyToConsent, reply, &out, Guardian(kDad));
  ASSERT_EQ(r.code, grpc::StatusCode::OK) << r.reason << " " << r.message;

  v1::GetConsentSummaryRequest get;
  get.set_notice(notice.name());
  ASSERT_EQ(Call(&Stub::GetConsentSummary, get, &summary, Staff("office")).code, grpc::StatusCode::OK);
  EXPECT_EQ(summary.pupils(), 2);
  EXPECT_EQ(summary.answered_no(), 1);
  EXPECT_EQ(summary.awaiting(), 1) << "p-002";
  EXPECT_EQ(Call(&Stub::GetConsentSummary, get, &summary, Guardian(kMum)).reason, "WRONG_GUARDIAN");
  EXPECT_EQ(Call(&Stub::GetConsentSummary, get, &summary, Staff("office", kOther)).reason, "WRONG_SCHOOL");
}

// ---- templates, preferences, settings --------------------------------------------------------

TEST_F(NotificationsApiTest, TemplatesAreManagedByTheOfficeAndTrustAdminsAndReadByStaff) {
  v1::CreateTemplateRequest create;
  create.set_parent("trust");
  create.set_template_id("newsletter");
  create.set_request_id(Uuid(1));
  v1::Template* t = create.mutable_template_();
  t->set_category(v1::CATEGORY_NEWSLETTER);
  v1::TemplateVariant* v = t->add_variants();
  v->set_locale("en");
  v->set_subject("News");
  v->set_body("News for {{recipient_name}}.");
  v1::Template out;
  EXPECT_EQ(Call(&Stub::CreateTemplate, create, &out, Staff("office")).reason, "WRONG_SCHOOL");
  EXPECT_EQ(Call(&Stub::CreateTemplate, create, &out, Trust("trust_leader")).reason, "ROLE_REQUIRED");
  ASSERT_EQ(Call(&Stub::CreateTemplate, create, &out, Trust("trust_admin")).code, grpc::StatusCode::OK);

  create.set_parent("schools/st-marys");
  create.set_request_id(Uuid(2));
  EXPECT_EQ(Call(&Stub::CreateTemplate, create, &out, Staff("teacher")).reason, "ROLE_REQUIRED");
  EXPECT_EQ(Call(&Stub::CreateTemplate, create, &out, Staff("office", kOther)).reason, "WRONG_SCHOOL");
  ASSERT_EQ(Call(&Stub::CreateTemplate, create, &out, Staff("office")).code, grpc::StatusCode::OK);

  // Every school role reads the trust's templates and its own school's.
  v1::GetTemplateRequest get;
  get.set_name("trust/templates/newsletter");
  EXPECT_EQ(Call(&Stub::GetTemplate, get, &out, Staff("teacher", kOther)).code, grpc::StatusCode::OK);
  get.set_name("schools/st-marys/templates/newsletter");
  EXPECT_EQ(Call(&Stub::GetTemplate, get, &out, Staff("teacher")).code, grpc::StatusCode::OK);
  EXPECT_EQ(Call(&Stub::GetTemplate, get, &out, Staff("teacher", kOther)).reason, "WRONG_SCHOOL");
  EXPECT_EQ(Call(&Stub::GetTemplate, get, &out, Guardian(kMum)).reason, "ROLE_REQUIRED");

  v1::ListTemplatesRequest list;
  list.set_parent("schools/kenilworth");
  v1::ListTemplatesResponse listed;
  ASSERT_EQ(Call(&Stub::ListTemplates, list, &listed, Staff("office", kOther)).code, grpc::StatusCode::OK);
  ASSERT_EQ(listed.templates_size(), 1) << "the inherited trust template";
  EXPECT_EQ(listed.templates(0).name(), "trust/templates/newsletter");

  // An update changes only the masked fields.
  v1::UpdateTemplateRequest update;
  update.mutable_template_()->set_name("schools/st-marys/templates/newsletter");
  update.mutable_template_()->add_variables("headline");
  v1::TemplateVariant* nv = update.mutable_template_()->add_variants();
  nv->set_locale("en");
  nv->set_subject("{{headline}}");
  nv->set_body("Read on.");
  update.mutable_update_mask()->add_paths("variables");
  update.mutable_update_mask()->add_paths("variants");
  update.set_request_id(Uuid(3));
  ASSERT_EQ(Call(&Stub::UpdateTemplate, update, &out, Staff("senior_leader")).code, grpc::StatusCode::OK);
  EXPECT_EQ(out.category(), v1::CATEGORY_NEWSLETTER);
  EXPECT_EQ(out.variants(0).subject(), "{{headline}}");
  update.mutable_update_mask()->add_paths("etag");
  update.set_request_id(Uuid(4));
  EXPECT_EQ(Call(&Stub::UpdateTemplate, update, &out, Staff("office")).reason, "INVALID_UPDATE_MASK");

  v1::DeleteTemplateRequest del;
  del.set_name("schools/st-marys/templates/newsletter");
  del.set_request_id(Uuid(5));
  google::protobuf::Empty empty;
  EXPECT_EQ(Call(&Stub::DeleteTemplate, del, &empty, Staff("dsl")).reason, "ROLE_REQUIRED");
  EXPECT_EQ(Call(&Stub::DeleteTemplate, del, &empty, Staff("office")).code, grpc::StatusCode::OK);
  get.set_name(del.name());
  EXPECT_EQ(Call(&Stub::GetTemplate, get, &out, Staff("office")).reason, "TEMPLATE_NOT_FOUND");
}

TEST_F(NotificationsApiTest, PreferencesAreTheGuardiansOwnOrKeptByTheirSchoolsOffice) {
  v1::UpdatePreferencesRequest update;
  update.mutable_preferences()->set_name("guardians/g-001/preferences");
  v1::ChannelPreference* e = update.mutable_preferences()->add_entries();
  e->set_category(v1::CATEGORY_NEWSLETTER);
  e->set_channel(v1::DELIVERY_CHANNEL_EMAIL);
  e->set_mode(v1::DELIVERY_MODE_DIGEST);
  update.set_request_id(Uuid(1));
  v1::Preferences out;
  ASSERT_EQ(Call(&Stub::UpdatePreferences, update, &out, Guardian(kMum)).code, grpc::StatusCode::OK);
  EXPECT_EQ(out.entries_size(), 1);
  EXPECT_FALSE(out.etag().empty());

  update.mutable_preferences()->set_name("guardians/g-002/preferences");
  update.set_request_id(Uuid(2));
  EXPECT_EQ(Call(&Stub::UpdatePreferences, update, &out, Guardian(kMum)).reason, "WRONG_GUARDIAN");
  // The office keeps them for a parent of the school, not of another school, whether or not the
  // guardian exists.
  EXPECT_EQ(Call(&Stub::UpdatePreferences, update, &out, Staff("office")).code, grpc::StatusCode::OK);
  v1::GetPreferencesRequest get;
  get.set_name("guardians/g-001/preferences");
  Result elsewhere = Call(&Stub::GetPreferences, get, &out, Staff("office", kOther));
  get.set_name("guardians/g-nobody/preferences");
  Result nowhere = Call(&Stub::GetPreferences, get, &out, Staff("office", kOther));
  EXPECT_EQ(elsewhere.reason, "WRONG_SCHOOL");
  EXPECT_EQ(elsewhere.message, nowhere.message);
  get.set_name(absl::StrCat(kElsewhere, "/preferences"));
  EXPECT_EQ(Call(&Stub::GetPreferences, get, &out, Staff("office", kOther)).code, grpc::StatusCode::OK);
  EXPECT_EQ(Call(&Stub::GetPreferences, get, &out, Staff("teacher", kOther)).reason, "ROLE_REQUIRED");

  // Emergency notices cannot be switched off: nothing changes.
  update.mutable_preferences()->set_name("guardians/g-001/preferences");
  e->set_category(v1::CATEGORY_EMERGENCY);
  e->set_mode(v1::DELIVERY_MODE_OFF);
  update.set_request_id(Uuid(3));
  EXPECT_EQ(Call(&Stub::UpdatePreferences, update, &out, Guardian(kMum)).reason, "INVALID_FIELD");
  get.set_name("guardians/g-001/preferences");
  ASSERT_EQ(Call(&Stub::GetPreferences, get, &out, Guardian(kMum)).code, grpc::StatusCode::OK);
  ASSERT_EQ(out.entries_size(), 1);
  EXPECT_EQ(out.entries(0).category(), v1::CATEGORY_NEWSLETTER);
}

TEST_F(NotificationsApiTest, SchoolSettingsAreChangedByTheOfficeAndSeniorLeaders) {
  v1::UpdateSchoolSettingsRequest update;
  update.mutable_settings()->set_name("schools/st-marys/notificationSettings");
  update.mutable_settings()->set_digest_time("07:30");
  update.mutable_update_mask()->add_paths("digest_time");
  update.set_request_id(Uuid(1));
  v1::SchoolSettings out;
  EXPECT_EQ(Call(&Stub::UpdateSchoolSettings, update, &out, Staff("dsl")).reason, "ROLE_REQUIRED");
  EXPECT_EQ(Call(&Stub::UpdateSchoolSettings, update, &out, Staff("office", kOther)).reason, "WRONG_SCHOOL");
  ASSERT_EQ(Call(&Stub::UpdateSchoolSettings, update, &out, Staff("senior_leader")).code, grpc::StatusCode::OK);
  EXPECT_EQ(out.digest_time(), "07:30");
  EXPECT_EQ(out.app_read_wait().seconds(), 2 * 3600) << "unmasked fields keep their values";

  update.mutable_settings()->set_digest_time("25:00");
  update.set_request_id(Uuid(2));
  Result r = Call(&Stub::UpdateSchoolSettings, update, &out, Staff("office"));
  EXPECT_EQ(r.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(r.reason, "INVALID_FIELD");
  v1::GetSchoolSettingsRequest get;
  get.set_name("schools/st-marys/notificationSettings");
  ASSERT_EQ(Call(&Stub::GetSchoolSettings, get, &out, Staff("office")).code, grpc::StatusCode::OK);
  EXPECT_EQ(out.digest_time(), "07:30");
  EXPECT_EQ(Call(&Stub::GetSchoolSettings, get, &out, Staff("teacher")).reason, "ROLE_REQUIRED");

  // Read, then changed by someone else: the stale etag is refused, nothing is lost.
  update.mutable_settings()->set_digest_time("18:00");
  update.set_etag("stale");
  update.set_request_id(Uuid(3));
  r = Call(&Stub::UpdateSchoolSettings, update, &out, Staff("office"));
  EXPECT_EQ(r.code, grpc::StatusCode::ABORTED);
  EXPECT_EQ(r.reason, "ETAG_MISMATCH");
}

// ---- receipts, letters, figures --------------------------------------------------------------

TEST_F(NotificationsApiTest, ReceiptsComeFromServicesOnly) {
  v1::RecordReceiptRequest req;
  req.set_provider("smtp");
  req.set_provider_reference("<unknown@parley>");
  req.set_status(v1::RECEIPT_STATUS_DELIVERED);
  req.set_request_id(Uuid(1));
  v1::Delivery out;
  EXPECT_EQ(Call(&Stub::RecordReceipt, req, &out, Trust("trust_admin")).reason, "ROLE_REQUIRED");
  EXPECT_EQ(Call(&Stub::RecordReceipt, req, &out, Staff("office")).reason, "ROLE_REQUIRED");
  Result r = Call(&Stub::RecordReceipt, req, &out, Service());
  EXPECT_EQ(r.code, grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(r.reason, "DELIVERY_NOT_FOUND");
}

TEST_F(NotificationsApiTest, ALetterBatchStreamsAsAPdfInChunksOfAtMostOneMebibyte) {
  StoredLetter letter;
  letter.copy.recipient_id = "g-001";
  letter.copy.school_id = kSchool;
  letter.copy.pupil_ids = {"p-001"};
  store_.AddLetterForTesting(kSchool, absl::CivilDay(2025, 11, 4), letter);
  contacts_.Put(kMum, PersonDetails{"Mrs K. Nowak", "", "", "", {"1 High Street", "Townsville"}, 0, ""});

  v1::ListLetterBatchesRequest list;
  list.set_parent("schools/st-marys");
  v1::ListLetterBatchesResponse listed;
  ASSERT_EQ(Call(&Stub::ListLetterBatches, list, &listed, Staff("office")).code, grpc::StatusCode::OK);
  ASSERT_EQ(listed.batches_size(), 1);
  EXPECT_EQ(listed.batches(0).name(), "schools/st-marys/letterBatches/2025-11-04");
  EXPECT_EQ(listed.batches(0).letter_count(), 1);
  EXPECT_EQ(Call(&Stub::ListLetterBatches, list, &listed, Staff("teacher")).reason, "ROLE_REQUIRED");
  EXPECT_EQ(Call(&Stub::ListLetterBatches, list, &listed, Staff("office", kOther)).reason, "WRONG_SCHOOL");

  v1::DownloadLetterBatchRequest download;
  download.set_name("schools/st-marys/letterBatches/2025-11-04");
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", Staff("senior_leader")));
  auto reader = stub_->DownloadLetterBatch(&ctx, download);
  v1::LetterBatchChunk chunk;
  std::string pdf;
  int chunks = 0;
  while (reader->Read(&chunk)) {
    EXPECT_EQ(chunk.content_type(), "application/pdf");
    EXPECT_LE(chunk.data().size(), size_t{1} << 20);
    pdf += chunk.data();
    ++chunks;
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(chunks, 3);
  EXPECT_EQ(pdf.size(), 2 * (size_t{1} << 20) + 100);
  EXPECT_EQ(pdf[0], '1') << "one letter";

  grpc::ClientContext missing_ctx;
  missing_ctx.AddMetadata("authorization", absl::StrCat("Bearer ", Staff("office")));
  download.set_name("schools/st-marys/letterBatches/2025-11-05");
  auto missing = stub_->DownloadLetterBatch(&missing_ctx, download);
  while (missing->Read(&chunk)) {
  }
  EXPECT_EQ(missing->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(NotificationsApiTest, SchoolStatsAreForTheSchoolsLeadersAndTheTrust) {
  Created(Newsletter(1));
  v1::GetSchoolStatsRequest req;
  req.set_school("schools/st-marys");
  *req.mutable_start_time() = Ts(clock_.Now() - absl::Hours(24));
  *req.mutable_end_time() = Ts(clock_.Now() + absl::Hours(1));
  v1::SchoolStats out;
  ASSERT_EQ(Call(&Stub::GetSchoolStats, req, &out, Trust("trust_leader")).code, grpc::StatusCode::OK);
  EXPECT_EQ(out.all().notices(), 1);
  EXPECT_EQ(out.all().messages(), 2);
  EXPECT_EQ(out.version(), BuildVersion());
  EXPECT_EQ(Call(&Stub::GetSchoolStats, req, &out, Staff("teacher")).reason, "ROLE_REQUIRED");
  EXPECT_EQ(Call(&Stub::GetSchoolStats, req, &out, Staff("office", kOther)).reason, "WRONG_SCHOOL");
  *req.mutable_end_time() = *req.mutable_start_time();
  EXPECT_EQ(Call(&Stub::GetSchoolStats, req, &out, Staff("office")).reason, "INVALID_FIELD");
}

}  // namespace
}  // namespace parley::notifications
