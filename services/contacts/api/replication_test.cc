// Contacts and a directory replica over real gRPC on loopback: ContactsApi on the in-memory store
// with the demo trust behind the service's own server, and GrpcSliceFeed + Replica with a service
// identity, as escalation and conduct run them. On a corpus of cases the replica's routing,
// ladders and deadlines equal contacts' own RPC answers; an edit reaches the replica and changes
// its deadlines as it changes contacts'; only service tokens may replicate.
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "common/auth/signer.h"
#include "common/auth/testing/test_keys.h"
#include "common/auth/verifier.h"
#include "common/clock/clock.h"
#include "common/directory/deadlines.h"
#include "common/directory/grpc_feed.h"
#include "common/directory/replica.h"
#include "common/directory/routing.h"
#include "common/grpc/server.h"
#include "common/log/log.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/contacts/api/contacts_api.h"
#include "services/contacts/api/convert.h"
#include "services/contacts/domain/directory_service.h"
#include "services/contacts/testing/in_memory_store.h"

namespace parley::contacts {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kIssuer[] = "parley-test";
constexpr char kAudience[] = "parley";

google::protobuf::Timestamp Ts(absl::Time t) { return TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(t)); }
absl::Time FromTs(const google::protobuf::Timestamp& t) { return absl::FromUnixSeconds(t.seconds()); }

absl::Time London(int y, int m, int d, int hh, int mm) {
  static const absl::TimeZone* const tz = [] {
    auto* zone = new absl::TimeZone;
    absl::LoadTimeZone("Europe/London", zone);
    return zone;
  }();
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0), *tz);
}

v1::Channel ChannelProto(Channel c) { return static_cast<v1::Channel>(static_cast<int>(c)); }
v1::Stage StageProto(Stage s) { return static_cast<v1::Stage>(static_cast<int>(s)); }

// The parts of a deadline a replica holder stores and acts on, as text for a readable failure.
std::string Describe(const v1::ComputeDeadlineResponse& r) {
  return absl::StrCat("start=", absl::FormatTime(FromTs(r.clock_start_time())),
                      " due=", r.has_due_time() ? absl::FormatTime(FromTs(r.due_time())) : "held",
                      " cal=", r.calendar_version(), " policy=", r.policy_version(), " tz=", r.time_zone(),
                      " text=", r.policy_text());
}
std::string Describe(const absl::StatusOr<directory::DeadlineAnswer>& a) {
  if (!a.ok()) return absl::StrCat("error ", static_cast<int>(a.status().code()));
  return absl::StrCat("start=", absl::FormatTime(a->deadline.clock_start),
                      " due=", a->deadline.due ? absl::FormatTime(*a->deadline.due) : "held",
                      " cal=", a->calendar_version, " policy=", a->policy_version, " tz=", a->time_zone,
                      " text=", a->policy_text);
}
std::string Describe(const v1::DeadlineResult& r) {
  return r.has_error() ? absl::StrCat("error ", r.error().code()) : Describe(r.deadline());
}

std::string Describe(const v1::Recipient& r) {
  return absl::StrCat(r.has_staff() ? r.staff() : absl::StrCat("external:", r.external_contact()), "/", r.role());
}
std::string Describe(const std::string& school_id, const directory::Recipient& r) {
  return absl::StrCat(r.kind == directory::Recipient::Kind::kStaff
                          ? absl::StrCat("schools/", school_id, "/staff/", r.id)
                          : absl::StrCat("external:", r.id),
                      "/", r.role);
}

class ReplicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetMinLevel(log::Level::kWarning);
    const auth::testing::KeyPair key = auth::testing::GenerateEcP256();
    auth::VerifierOptions options;
    options.public_keys_pem = {key.public_pem};
    options.issuer = kIssuer;
    options.audience = kAudience;
    auto verifier = auth::Verifier::Create(options);
    ASSERT_TRUE(verifier.ok()) << verifier.status();
    verifier_ = std::move(*verifier);
    auto signer = auth::Signer::Create({key.private_pem, kIssuer, kAudience});
    ASSERT_TRUE(signer.ok()) << signer.status();
    signer_ = std::move(*signer);
    auto service_signer = auth::Signer::Create({key.private_pem, kIssuer, kAudience});
    ASSERT_TRUE(service_signer.ok()) << service_signer.status();
    identity_ = std::make_unique<auth::ServiceIdentity>(std::move(*service_signer), "escalation");

    std::ifstream in(PARLEY_DEMO_TRUST_JSON);
    ASSERT_TRUE(in) << PARLEY_DEMO_TRUST_JSON;
    std::stringstream json;
    json << in.rdbuf();
    v1::TrustDirectory doc;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json.str(), &doc).ok());
    absl::StatusOr<Directory> demo = DirectoryFromProto(doc);
    ASSERT_TRUE(demo.ok()) << demo.status();
    ASSERT_TRUE(directory_.Start().ok());
    auto imported =
        directory_.Import(RequestKey{"test.Import", "00000000-0000-4000-8000-000000000001", "fp"}, *demo, false,
                          nullptr, [](const ImportResult&) -> absl::StatusOr<std::string> { return ""; });
    ASSERT_TRUE(imported.ok()) << imported.status();

    server::ServerOptions server_options;
    server_options.service_name = "contacts-test";
    server_options.listen_address = "127.0.0.1:0";
    server_options.metrics_address = "";
    server_options.not_serving_delay = absl::ZeroDuration();
    server_options.drain_deadline = absl::Seconds(1);
    server_ = std::make_unique<server::Server>(server_options);
    api_ = std::make_unique<ContactsApi>(&directory_, verifier_.get());
    server_->AddService(api_.get());
    ASSERT_TRUE(server_->Start().ok());
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials());
    stub_ = v1::ContactsService::NewStub(channel_);

    feed_ = std::make_unique<directory::GrpcSliceFeed>(channel_, identity_.get(), absl::Seconds(1));
    replica_ = std::make_unique<directory::Replica>(feed_.get(), &RealClock::Get(), directory::Replica::Options{});
    replica_->Start();
    ASSERT_TRUE(replica_->AwaitReady(absl::Seconds(30)).ok());
    ASSERT_TRUE(replica_->AwaitVersion(directory_.snapshot()->version(), absl::Seconds(30)));
  }

  void TearDown() override {
    if (replica_ != nullptr) replica_->Stop();
    if (server_ != nullptr) server_->Shutdown();
  }

  std::string Token(const std::string& role) {
    auth::Principal p;
    p.subject = absl::StrCat("test-", role);
    p.roles = {role};
    if (role == "office") p.schools = {"st-marys"};
    absl::StatusOr<std::string> token = signer_->Mint(p, absl::Minutes(10));
    EXPECT_TRUE(token.ok()) << token.status();
    return token.ok() ? *token : "";
  }
  std::unique_ptr<grpc::ClientContext> As(const std::string& role) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("authorization", absl::StrCat("Bearer ", Token(role)));
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return ctx;
  }

  std::shared_ptr<const directory::ReplicaView> View() {
    absl::StatusOr<std::shared_ptr<const directory::ReplicaView>> view = replica_->View();
    EXPECT_TRUE(view.ok()) << view.status();
    return view.ok() ? *view : nullptr;
  }

  // The replica's answer to a ComputeDeadline request, computed in this process.
  absl::StatusOr<directory::DeadlineAnswer> ReplicaDeadline(const directory::ReplicaView& view,
                                                            const v1::ComputeDeadlineRequest& req) {
    const std::string school_id = req.school().substr(std::string("schools/").size());
    const directory::Snapshot* school = view.School(school_id);
    if (school == nullptr) return absl::NotFoundError(school_id);
    directory::DeadlineQuery q;
    q.school_id = school_id;
    q.channel = static_cast<Channel>(static_cast<int>(req.channel()));
    q.stage = static_cast<Stage>(static_cast<int>(req.stage()));
    q.received = FromTs(req.received_time());
    if (!req.owner().empty()) q.owner_id = req.owner().substr(req.owner().rfind('/') + 1);
    q.category = req.category();
    for (const v1::Pause& p : req.pauses()) {
      calendar::Pause pause{FromTs(p.start_time()), std::nullopt};
      if (p.has_end_time()) pause.end = FromTs(p.end_time());
      q.pauses.push_back(pause);
    }
    q.safeguarding = req.safeguarding();
    return directory::ComputeDeadline(*school, q);
  }

  // A received time every 6 days and 5 h 17 min over the school year 2025-26 (each weekday and
  // time of day in turn: term days, evenings, weekends, half-terms, holidays), and the edges.
  static std::vector<absl::Time> SchoolYear() {
    std::vector<absl::Time> times;
    for (absl::Time t = London(2025, 9, 1, 7, 40); t < London(2026, 8, 31, 0, 0);
         t += absl::Hours(6 * 24 + 5) + absl::Minutes(17)) {
      times.push_back(t);
    }
    for (absl::Time t : {London(2025, 10, 24, 16, 10), London(2025, 10, 27, 9, 0), London(2025, 12, 19, 13, 45),
                         London(2025, 12, 25, 12, 0), London(2026, 2, 13, 15, 29), London(2026, 3, 29, 1, 30),
                         London(2026, 5, 25, 10, 0), London(2026, 7, 22, 15, 31)}) {
      times.push_back(t);
    }
    return times;
  }

  std::unique_ptr<auth::Verifier> verifier_;
  std::unique_ptr<auth::Signer> signer_;
  std::unique_ptr<auth::ServiceIdentity> identity_;
  testing::InMemoryDirectoryStore store_;
  DirectoryService directory_{&store_};
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<ContactsApi> api_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ContactsService::Stub> stub_;
  std::unique_ptr<directory::GrpcSliceFeed> feed_;
  std::unique_ptr<directory::Replica> replica_;
};

TEST_F(ReplicationTest, DeadlinesEqualContactsOnACorpus) {
  std::shared_ptr<const directory::ReplicaView> view = View();
  ASSERT_NE(view, nullptr);
  std::shared_ptr<const Snapshot> snap = directory_.snapshot();
  EXPECT_EQ(view->directory_version(), snap->version());
  ASSERT_EQ(view->schools().size(), snap->directory().schools.size());

  // Every school × rule (channel, stage, its categories) × received time × owner (none, the
  // part-time staff) × plain / a closed pause / an open pause / safeguarding.
  std::vector<v1::ComputeDeadlineRequest> corpus;
  const std::vector<absl::Time> year = SchoolYear();
  for (const auto& [school_id, sd] : snap->directory().schools) {
    std::vector<std::string> owners = {""};
    for (const auto& [id, s] : sd.staff) {
      if (s.working_pattern.has_value() && owners.size() < 3) owners.push_back(id);
    }
    EXPECT_GT(owners.size(), 1u) << school_id << " has no part-time staff";
    std::set<std::pair<Channel, Stage>> rules;
    std::set<std::string> categories = {""};
    for (const ResponseRule& r : sd.school.policy.rules) {
      rules.insert({r.channel, r.stage});
      categories.insert(r.categories.begin(), r.categories.end());
    }
    for (const auto& [channel, stage] : rules) {
      for (const std::string& category : categories) {
        for (absl::Time t : year) {
          for (const std::string& owner : owners) {
            for (int variant = 0; variant < 4; ++variant) {
              v1::ComputeDeadlineRequest req;
              req.set_school(absl::StrCat("schools/", school_id));
              req.set_channel(ChannelProto(channel));
              req.set_stage(StageProto(stage));
              *req.mutable_received_time() = Ts(t);
              if (!owner.empty()) req.set_owner(absl::StrCat("schools/", school_id, "/staff/", owner));
              req.set_category(category);
              if (variant == 1) {
                v1::Pause* p = req.add_pauses();
                *p->mutable_start_time() = Ts(t + absl::Hours(26));
                *p->mutable_end_time() = Ts(t + absl::Hours(26 + 75));
              }
              if (variant == 2) *req.add_pauses()->mutable_start_time() = Ts(t + absl::Hours(2));
              if (variant == 3) req.set_safeguarding(true);
              corpus.push_back(std::move(req));
            }
          }
        }
      }
    }
  }
  ASSERT_GT(corpus.size(), 10000u);

  // Contacts answers the corpus in batches (the same rule code as ComputeDeadline), and every
  // 97th case by ComputeDeadline itself.
  std::vector<v1::DeadlineResult> answers;
  for (size_t at = 0; at < corpus.size(); at += 1000) {
    v1::BatchComputeDeadlinesRequest batch;
    for (size_t i = at; i < std::min(corpus.size(), at + 1000); ++i) *batch.add_requests() = corpus[i];
    batch.set_omit_explanations(true);
    v1::BatchComputeDeadlinesResponse resp;
    grpc::Status status = stub_->BatchComputeDeadlines(As("trust_admin").get(), batch, &resp);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(resp.results_size(), batch.requests_size());
    for (const v1::DeadlineResult& r : resp.results()) answers.push_back(r);
  }
  int due = 0, held = 0, refused = 0, mismatches = 0;
  for (size_t i = 0; i < corpus.size(); ++i) {
    const std::string ours = Describe(ReplicaDeadline(*view, corpus[i]));
    const std::string theirs = Describe(answers[i]);
    if (ours != theirs && ++mismatches <= 20) {
      ADD_FAILURE() << corpus[i].ShortDebugString() << "\n  contacts: " << theirs << "\n  replica:  " << ours;
    }
    if (answers[i].has_error()) {
      ++refused;
    } else if (answers[i].deadline().has_due_time()) {
      ++due;
    } else {
      ++held;
    }
    if (i % 97 == 0) {
      v1::ComputeDeadlineResponse single;
      grpc::Status status = stub_->ComputeDeadline(As("trust_admin").get(), corpus[i], &single);
      EXPECT_EQ(status.ok() ? Describe(single) : absl::StrCat("error ", static_cast<int>(status.error_code())), ours)
          << corpus[i].ShortDebugString();
    }
  }
  EXPECT_EQ(mismatches, 0) << "of " << corpus.size();
  // The corpus exercises due dates, held clocks and refusals (a category's rule replacing none).
  EXPECT_GT(due, 5000);
  EXPECT_GT(held, 1000);
  std::printf("compared %zu deadlines: %d due, %d held by an open pause, %d refused by both\n", corpus.size(), due,
              held, refused);
}

TEST_F(ReplicationTest, RoutesAndLaddersEqualContactsOnACorpus) {
  std::shared_ptr<const directory::ReplicaView> view = View();
  ASSERT_NE(view, nullptr);
  std::shared_ptr<const Snapshot> snap = directory_.snapshot();
  int compared = 0, mismatches = 0;
  for (const auto& [school_id, sd] : snap->directory().schools) {
    const directory::Snapshot* replica = view->School(school_id);
    ASSERT_NE(replica, nullptr) << school_id;
    // No pupil, and every 15th pupil (each year group and class teacher in turn).
    std::vector<std::string> pupils = {""};
    int n = 0;
    for (const auto& [id, p] : sd.pupils) {
      if (n++ % 15 == 0) pupils.push_back(id);
    }
    for (const RoutingRule& rule : sd.routing_matrix.rules) {
      for (const std::string& pupil : pupils) {
        for (Channel channel : {Channel::kEmail, Channel::kPhone}) {
          v1::RouteEnquiryRequest req;
          req.set_school(absl::StrCat("schools/", school_id));
          if (!pupil.empty()) req.set_pupil(absl::StrCat("schools/", school_id, "/pupils/", pupil));
          req.set_category(rule.category);
          req.set_channel(ChannelProto(channel));
          v1::RouteEnquiryResponse resp;
          grpc::Status status = stub_->RouteEnquiry(As("trust_admin").get(), req, &resp);
          std::string theirs = absl::StrCat("error ", static_cast<int>(status.error_code()));
          if (status.ok()) {
            theirs = absl::StrCat(Describe(resp.owner()), " allowed=", resp.channel_allowed(),
                                  " ladder=", resp.ladder(), " safeguarding=", resp.safeguarding(), " notify=");
            for (const v1::Recipient& r : resp.also_notify()) absl::StrAppend(&theirs, Describe(r), ";");
          }
          absl::StatusOr<directory::Route> route =
              directory::RouteEnquiry(*replica, directory::RouteQuery{school_id, pupil, rule.category, channel, ""});
          std::string ours = absl::StrCat("error ", static_cast<int>(route.status().code()));
          if (route.ok()) {
            ours = absl::StrCat(
                Describe(school_id, route->owner), " allowed=", route->channel_allowed, " ladder=",
                route->ladder_id.empty() ? "" : absl::StrCat("schools/", school_id, "/ladders/", route->ladder_id),
                " safeguarding=", route->safeguarding, " notify=");
            for (const directory::Recipient& r : route->also_notify)
              absl::StrAppend(&ours, Describe(school_id, r), ";");
          }
          if (ours != theirs && ++mismatches <= 20) {
            ADD_FAILURE() << req.ShortDebugString() << "\n  contacts: " << theirs << "\n  replica:  " << ours;
          }
          ++compared;
        }
        v1::ResolveLadderRequest req;
        req.set_school(absl::StrCat("schools/", school_id));
        if (!pupil.empty()) req.set_pupil(absl::StrCat("schools/", school_id, "/pupils/", pupil));
        req.set_category(rule.category);
        v1::ResolveLadderResponse resp;
        grpc::Status status = stub_->ResolveLadder(As("trust_admin").get(), req, &resp);
        std::string theirs = absl::StrCat("error ", static_cast<int>(status.error_code()));
        if (status.ok()) {
          theirs = absl::StrCat(resp.ladder(), " complaints=", resp.refer_to_complaints_after_top(), ":");
          for (const v1::ResolvedRung& rung : resp.rungs()) {
            absl::StrAppend(&theirs, " ", rung.title(), "=", Describe(rung.recipient()));
          }
        }
        absl::StatusOr<directory::ResolvedLadder> ladder = directory::ResolveLadder(
            *replica, directory::RouteQuery{school_id, pupil, rule.category, Channel::kUnspecified, ""});
        std::string ours = absl::StrCat("error ", static_cast<int>(ladder.status().code()));
        if (ladder.ok()) {
          ours = absl::StrCat(absl::StrCat("schools/", school_id, "/ladders/", ladder->ladder_id),
                              " complaints=", ladder->refer_to_complaints_after_top, ":");
          for (const directory::ResolvedRung& rung : ladder->rungs) {
            absl::StrAppend(&ours, " ", rung.title, "=", Describe(school_id, rung.recipient));
          }
        }
        if (ours != theirs && ++mismatches <= 20) {
          ADD_FAILURE() << req.ShortDebugString() << "\n  contacts: " << theirs << "\n  replica:  " << ours;
        }
        ++compared;
      }
    }
  }
  EXPECT_EQ(mismatches, 0) << "of " << compared;
  EXPECT_GT(compared, 1000);
}

TEST_F(ReplicationTest, AnEditReachesTheReplicaAndMovesItsDeadlineAsContacts) {
  // An email to St Mary's, to be acknowledged, received on Monday 2 March 2026.
  v1::ComputeDeadlineRequest req;
  req.set_school("schools/st-marys");
  req.set_channel(v1::CHANNEL_EMAIL);
  req.set_stage(v1::STAGE_ACKNOWLEDGE);
  *req.mutable_received_time() = Ts(London(2026, 3, 2, 10, 0));
  auto both = [&](std::string* ours) {
    v1::ComputeDeadlineResponse resp;
    grpc::Status status = stub_->ComputeDeadline(As("trust_admin").get(), req, &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::shared_ptr<const directory::ReplicaView> view = View();
    *ours = view == nullptr ? "" : Describe(ReplicaDeadline(*view, req));
    return Describe(resp);
  };
  std::string before_ours;
  const std::string before = both(&before_ours);
  EXPECT_EQ(before_ours, before);
  const std::string other_fingerprint = View()->schools().at("kenilworth").fingerprint;

  // The school closes on Tuesday 3 March (an emergency closure).
  v1::School school;
  {
    v1::GetSchoolRequest get;
    get.set_name("schools/st-marys");
    grpc::Status status = stub_->GetSchool(As("trust_admin").get(), get, &school);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  v1::UpdateSchoolRequest update;
  *update.mutable_school() = school;
  v1::Closure* closure = update.mutable_school()->mutable_calendar()->add_closures();
  closure->set_start_date("2026-03-03");
  closure->set_label("Heating failure");
  closure->set_kind(v1::CLOSURE_KIND_EMERGENCY);
  update.mutable_update_mask()->add_paths("calendar");
  update.set_request_id("00000000-0000-4000-8000-000000000002");
  v1::School updated;
  grpc::Status status = stub_->UpdateSchool(As("trust_admin").get(), update, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const int64_t version = directory_.snapshot()->version();
  ASSERT_TRUE(replica_->AwaitVersion(version, absl::Seconds(10)));

  std::string after_ours;
  const std::string after = both(&after_ours);
  EXPECT_NE(after, before);  // the closure moved contacts' deadline (and calendar version)
  EXPECT_EQ(after_ours, after);
  EXPECT_EQ(View()->directory_version(), version);
  EXPECT_EQ(View()->schools().at("kenilworth").fingerprint, other_fingerprint);
}

TEST_F(ReplicationTest, OnlyServiceTokensMayReplicate) {
  for (const std::string role : {"trust_admin", "office", "teacher", "guardian", "trust_leader"}) {
    SCOPED_TRACE(role);
    v1::GetDirectorySliceRequest get;
    get.set_school("schools/st-marys");
    v1::DirectorySlice slice;
    grpc::Status status = stub_->GetDirectorySlice(As(role).get(), get, &slice);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
    EXPECT_TRUE(slice.payload().empty());

    v1::WatchDirectoryRequest watch;
    auto ctx = As(role);
    auto reader = stub_->WatchDirectory(ctx.get(), watch);
    v1::DirectoryVersions versions;
    EXPECT_FALSE(reader->Read(&versions));
    status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  }
  // The replica's own identity reads both.
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", identity_->Token()));
  v1::GetDirectorySliceRequest get;
  get.set_school("schools/st-marys");
  v1::DirectorySlice slice;
  grpc::Status status = stub_->GetDirectorySlice(&ctx, get, &slice);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(slice.slice_version(), View()->schools().at("st-marys").fingerprint);
}

}  // namespace
}  // namespace parley::contacts
