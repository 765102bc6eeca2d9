// The conduct gate's client against an in-process fake of conduct: what a check sends and how the
// answer comes back. (The directory is answered from the replica: replica_directory_test.cc.)
#include "services/escalation/clients/grpc_peers.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/auth/signer.h"
#include "common/auth/testing/test_keys.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace parley::escalation {
namespace {

namespace cv1 = parley::conduct::v1;

class FakeConduct final : public cv1::ConductService::Service {
 public:
  grpc::Status CheckCommunication(grpc::ServerContext*, const cv1::CheckCommunicationRequest* req,
                                  cv1::Decision* resp) override {
    last = *req;
    resp->set_name("schools/kenilworth/decisions/d1");
    resp->set_outcome(cv1::OUTCOME_DEFER);
    resp->mutable_next_allowed_time()->set_seconds(1764000000);
    resp->set_explanation("Outside the allowed times.");
    return grpc::Status::OK;
  }
  cv1::CheckCommunicationRequest last;
};

class GrpcPeersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&conduct_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
    auth::testing::KeyPair keys = auth::testing::GenerateEcP256();
    auto signer = auth::Signer::Create({keys.private_pem, "test", "parley", nullptr});
    ASSERT_TRUE(signer.ok());
    identity_ = std::make_unique<auth::ServiceIdentity>(*std::move(signer), "escalation");
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  FakeConduct conduct_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<auth::ServiceIdentity> identity_;
};

TEST_F(GrpcPeersTest, TheGateIsAskedAboutAnInboundMessageAndItsDeferralComesBack) {
  ConductGate gate(channel_, identity_.get());
  GateQuestion q;
  q.school_id = "kenilworth";
  q.guardian = "guardians/g-00835";
  q.channel = 3;
  q.at = absl::FromUnixSeconds(1763900000);
  q.request_id = "00000000-0000-4000-8000-000000000042";
  absl::StatusOr<GateAnswer> answer = gate.Check(q);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(conduct_.last.school(), "schools/kenilworth");
  EXPECT_EQ(conduct_.last.purpose(), cv1::PURPOSE_INBOUND_MESSAGE);
  EXPECT_EQ(conduct_.last.channel(), cv1::CHANNEL_PHONE);
  EXPECT_EQ(conduct_.last.time().seconds(), 1763900000);
  // The intake's request id, so the gate keeps one decision for a retried or concurrent intake.
  EXPECT_EQ(conduct_.last.request_id(), "00000000-0000-4000-8000-000000000042");
  EXPECT_EQ(answer->outcome, GateAnswer::Outcome::kDefer);
  EXPECT_EQ(answer->decision, "schools/kenilworth/decisions/d1");
  EXPECT_EQ(answer->next_allowed_time, absl::FromUnixSeconds(1764000000));
}

}  // namespace
}  // namespace parley::escalation
