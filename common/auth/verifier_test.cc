#include "common/auth/verifier.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/auth/signer.h"
#include "common/auth/testing/test_keys.h"
#include "common/clock/clock.h"
#include "common/status/reason.h"
#include "gmock/gmock.h"
#include "grpcpp/test/server_context_test_spouse.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace parley::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::KeyPair;
using ::testing::Not;

constexpr char kIssuer[] = "https://idp.test/";
constexpr char kAudience[] = "parley";
constexpr char kEs256Header[] = R"({"alg":"ES256","typ":"JWT"})";

class VerifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    key_ = new KeyPair(testing::GenerateEcP256());
    other_key_ = new KeyPair(testing::GenerateEcP256());
  }
  static void TearDownTestSuite() {
    delete key_;
    delete other_key_;
  }

  std::unique_ptr<Verifier> MakeVerifier(std::vector<std::string> keys = {}) {
    VerifierOptions opts;
    opts.public_keys_pem = keys.empty() ? std::vector<std::string>{key_->public_pem} : keys;
    opts.issuer = kIssuer;
    opts.audience = kAudience;
    opts.clock = &clock_;
    auto verifier = Verifier::Create(std::move(opts));
    EXPECT_TRUE(verifier.ok()) << verifier.status();
    return *std::move(verifier);
  }

  std::unique_ptr<Signer> MakeSigner(const KeyPair& key, std::string issuer = kIssuer,
                                     std::string audience = kAudience) {
    SignerOptions opts;
    opts.private_key_pem = key.private_pem;
    opts.issuer = std::move(issuer);
    opts.audience = std::move(audience);
    opts.clock = &clock_;
    auto signer = Signer::Create(std::move(opts));
    EXPECT_TRUE(signer.ok()) << signer.status();
    return *std::move(signer);
  }

  // Claims a well-behaved identity provider would issue, valid for an hour from now.
  nlohmann::json Claims() const {
    const int64_t now = absl::ToUnixSeconds(clock_.Now());
    return {{"iss", kIssuer},    {"aud", kAudience},     {"sub", "staff-42"},      {"iat", now},
            {"exp", now + 3600}, {"roles", {"teacher"}}, {"schools", {"st-marys"}}};
  }

  std::string Sign(const nlohmann::json& claims) const {
    return testing::SignEs256(*key_, kEs256Header, claims.dump());
  }

  static void ExpectRejected(const absl::StatusOr<Principal>& result, absl::string_view reason,
                             absl::string_view token = "") {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(ErrorReason(result.status()), reason) << result.status();
    if (!token.empty()) {
      EXPECT_THAT(std::string(result.status().message()), Not(HasSubstr(std::string(token))));
      // Nor any of its parts: a signature or payload alone is still a secret-ish thing to log.
      for (absl::string_view part : absl::StrSplit(token, '.')) {
        if (part.size() > 8) {
          EXPECT_THAT(std::string(result.status().message()), Not(HasSubstr(std::string(part))));
        }
      }
    }
  }

  static KeyPair* key_;
  static KeyPair* other_key_;
  SimulatedClock clock_{absl::FromUnixSeconds(1760000000)};
};

KeyPair* VerifierTest::key_ = nullptr;
KeyPair* VerifierTest::other_key_ = nullptr;

TEST_F(VerifierTest, ValidTokenGivesThePrincipal) {
  auto verifier = MakeVerifier();
  absl::StatusOr<Principal> p = verifier->Verify(Sign(Claims()));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->subject, "staff-42");
  EXPECT_THAT(p->roles, ElementsAre("teacher"));
  EXPECT_THAT(p->schools, ElementsAre("st-marys"));
}

TEST_F(VerifierTest, SignerTokensVerify) {
  auto verifier = MakeVerifier();
  Principal in{"office-7", {"office", "dsl"}, {"st-marys", "oakfield"}};
  absl::StatusOr<std::string> token = MakeSigner(*key_)->Mint(in, absl::Minutes(5));
  ASSERT_TRUE(token.ok()) << token.status();
  absl::StatusOr<Principal> out = verifier->Verify(*token);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->subject, in.subject);
  EXPECT_EQ(out->roles, in.roles);
  EXPECT_EQ(out->schools, in.schools);
}

TEST_F(VerifierTest, AudienceMayBeAnArray) {
  nlohmann::json claims = Claims();
  claims["aud"] = {"reporting", kAudience};
  EXPECT_TRUE(MakeVerifier()->Verify(Sign(claims)).ok());
}

TEST_F(VerifierTest, ExpiredTokenIsRejectedAfterTheLeeway) {
  auto verifier = MakeVerifier();
  nlohmann::json claims = Claims();
  claims["iat"] = absl::ToUnixSeconds(clock_.Now()) - 3600;
  claims["exp"] = absl::ToUnixSeconds(clock_.Now()) - 10;  // within the 30 s leeway
  EXPECT_TRUE(verifier->Verify(Sign(claims)).ok());
  claims["exp"] = absl::ToUnixSeconds(clock_.Now()) - 31;
  const std::string token = Sign(claims);
  ExpectRejected(verifier->Verify(token), "TOKEN_EXPIRED", token);
}

TEST_F(VerifierTest, ExpIsRequired) {
  nlohmann::json claims = Claims();
  claims.erase("exp");
  ExpectRejected(MakeVerifier()->Verify(Sign(claims)), "TOKEN_INVALID");
  claims["exp"] = "tomorrow";
  ExpectRejected(MakeVerifier()->Verify(Sign(claims)), "TOKEN_INVALID");
}

TEST_F(VerifierTest, NotYetValidTokenIsRejected) {
  auto verifier = MakeVerifier();
  nlohmann::json claims = Claims();
  claims["nbf"] = absl::ToUnixSeconds(clock_.Now()) + 20;  // within the leeway
  EXPECT_TRUE(verifier->Verify(Sign(claims)).ok());
  claims["nbf"] = absl::ToUnixSeconds(clock_.Now()) + 120;
  ExpectRejected(verifier->Verify(Sign(claims)), "TOKEN_INVALID");
}

TEST_F(VerifierTest, ImplausibleIssueTimeIsRejected) {
  nlohmann::json claims = Claims();
  claims["iat"] = absl::ToUnixSeconds(clock_.Now()) + 600;  // issued in the future
  ExpectRejected(MakeVerifier()->Verify(Sign(claims)), "TOKEN_INVALID");
  claims["iat"] = claims["exp"].get<int64_t>() + 1;  // issued after it expires
  ExpectRejected(MakeVerifier()->Verify(Sign(claims)), "TOKEN_INVALID");
}

TEST_F(VerifierTest, WrongIssuerOrAudienceIsRejected) {
  auto verifier = MakeVerifier();
  nlohmann::json claims = Claims();
  claims["iss"] = "https://evil.test/";
  ExpectRejected(verifier->Verify(Sign(claims)), "TOKEN_INVALID");
  claims = Claims();
  claims.erase("iss");
  ExpectRejected(verifier->Verify(Sign(claims)), "TOKEN_INVALID");
  claims = Claims();
  claims["aud"] = "reporting";
  ExpectRejected(verifier->Verify(Sign(claims)), "TOKEN_INVALID");
  claims["aud"] = {"reporting"};
  ExpectRejected(verifier->Verify(Sign(claims)), "TOKEN_INVALID");

  // The same through Signer, which writes what it is configured with.
  Principal p{"x", {"office"}, {"st-marys"}};
  ExpectRejected(verifier->Verify(*MakeSigner(*key_, "other-issuer")->Mint(p, absl::Minutes(1))), "TOKEN_INVALID");
  ExpectRejected(verifier->Verify(*MakeSigner(*key_, kIssuer, "other-aud")->Mint(p, absl::Minutes(1))),
                 "TOKEN_INVALID");
}

TEST_F(VerifierTest, TokenSignedByAnotherKeyIsRejected) {
  const std::string forged = testing::SignEs256(*other_key_, kEs256Header, Claims().dump());
  ExpectRejected(MakeVerifier()->Verify(forged), "TOKEN_INVALID", forged);
}

TEST_F(VerifierTest, AlgNoneIsRejected) {
  const std::string payload = testing::Base64Url(Claims().dump());
  for (const char* header : {R"({"alg":"none"})", R"({"alg":"None","typ":"JWT"})", R"({"typ":"JWT"})"}) {
    const std::string head = testing::Base64Url(header);
    ExpectRejected(MakeVerifier()->Verify(absl::StrCat(head, ".", payload, ".")), "TOKEN_INVALID");
    // With a signature part copied from a genuine token, too.
    const std::string genuine = Sign(Claims());
    const std::string sig = genuine.substr(genuine.rfind('.') + 1);
    ExpectRejected(MakeVerifier()->Verify(absl::StrCat(head, ".", payload, ".", sig)), "TOKEN_INVALID");
  }
}

TEST_F(VerifierTest, Hs256KeyedWithThePublicKeyIsRejected) {
  // The classic alg-confusion forgery: HMAC the token with the (public) verification key.
  auto verifier = MakeVerifier();
  const std::string forged = testing::SignHs256(key_->public_pem, R"({"alg":"HS256","typ":"JWT"})", Claims().dump());
  ExpectRejected(verifier->Verify(forged), "TOKEN_INVALID", forged);
  for (const char* alg : {"RS256", "ES384", "ES512", "PS256", "es256", "ES256 "}) {
    const std::string header = absl::StrCat(R"({"alg":")", alg, R"("})");
    ExpectRejected(verifier->Verify(testing::SignEs256(*key_, header, Claims().dump())), "TOKEN_INVALID");
  }
}

TEST_F(VerifierTest, CriticalHeaderExtensionsAreRejected) {
  const std::string token =
      testing::SignEs256(*key_, R"({"alg":"ES256","crit":["exp-ext"],"exp-ext":1})", Claims().dump());
  ExpectRejected(MakeVerifier()->Verify(token), "TOKEN_INVALID");
}

TEST_F(VerifierTest, TamperedPayloadIsRejected) {
  auto verifier = MakeVerifier();
  const std::string genuine = Sign(Claims());
  ASSERT_TRUE(verifier->Verify(genuine).ok());
  std::vector<std::string> parts = absl::StrSplit(genuine, '.');
  ASSERT_EQ(parts.size(), 3u);
  nlohmann::json claims = Claims();
  claims["schools"] = {"st-marys", "oakfield"};
  const std::string tampered = absl::StrCat(parts[0], ".", testing::Base64Url(claims.dump()), ".", parts[2]);
  ExpectRejected(verifier->Verify(tampered), "TOKEN_INVALID", tampered);

  // A changed signature byte, too (mid-signature: the last base64url character carries padding
  // bits that decoders ignore).
  std::string bad_sig = genuine;
  char& c = bad_sig[bad_sig.size() - 20];
  c = c == 'A' ? 'B' : 'A';
  ExpectRejected(verifier->Verify(bad_sig), "TOKEN_INVALID");
}

TEST_F(VerifierTest, MalformedTokensAreRejected) {
  auto verifier = MakeVerifier();
  ExpectRejected(verifier->Verify(""), "TOKEN_MISSING");
  for (const char* token :
       {"abc", "a.b", "a.b.c.d", "..", "a..c", ".b.c", "a.b.", "!!!.b.c", "eyJhbGciOiJFUzI1NiJ9.%%%.c"}) {
    ExpectRejected(verifier->Verify(token), "TOKEN_INVALID");
  }
  ExpectRejected(verifier->Verify(std::string(20000, 'a')), "TOKEN_INVALID");
  nlohmann::json claims = Claims();
  claims["roles"] = "teacher";  // must be an array
  ExpectRejected(verifier->Verify(Sign(claims)), "TOKEN_INVALID");
  claims = Claims();
  claims["schools"] = {1, 2};
  ExpectRejected(verifier->Verify(Sign(claims)), "TOKEN_INVALID");
  claims = Claims();
  claims.erase("sub");
  ExpectRejected(verifier->Verify(Sign(claims)), "TOKEN_INVALID");
  ExpectRejected(verifier->Verify(testing::SignEs256(*key_, kEs256Header, "[1,2]")), "TOKEN_INVALID");
}

TEST_F(VerifierTest, KeyRotationAcceptsEveryConfiguredKey) {
  auto verifier = MakeVerifier({key_->public_pem, other_key_->public_pem});
  EXPECT_TRUE(verifier->Verify(testing::SignEs256(*key_, kEs256Header, Claims().dump())).ok());
  EXPECT_TRUE(verifier->Verify(testing::SignEs256(*other_key_, kEs256Header, Claims().dump())).ok());
  const KeyPair third = testing::GenerateEcP256();
  ExpectRejected(verifier->Verify(testing::SignEs256(third, kEs256Header, Claims().dump())), "TOKEN_INVALID");
}

TEST_F(VerifierTest, CacheDoesNotExtendPastExpiry) {
  auto verifier = MakeVerifier();
  nlohmann::json claims = Claims();
  const int64_t exp = absl::ToUnixSeconds(clock_.Now()) + 60;
  claims["exp"] = exp;
  const std::string token = Sign(claims);
  ASSERT_TRUE(verifier->Verify(token).ok());                   // cached now
  clock_.Set(absl::FromUnixSeconds(exp) + absl::Seconds(30));  // the last accepted instant
  EXPECT_TRUE(verifier->Verify(token).ok());
  clock_.Advance(absl::Seconds(1));
  ExpectRejected(verifier->Verify(token), "TOKEN_EXPIRED");
  ExpectRejected(verifier->Verify(token), "TOKEN_EXPIRED");  // and again, now uncached
}

TEST_F(VerifierTest, RejectionsAreNotCached) {
  auto verifier = MakeVerifier();
  nlohmann::json claims = Claims();
  claims["nbf"] = absl::ToUnixSeconds(clock_.Now()) + 120;
  const std::string token = Sign(claims);
  ExpectRejected(verifier->Verify(token), "TOKEN_INVALID");
  clock_.Advance(absl::Seconds(120));
  EXPECT_TRUE(verifier->Verify(token).ok());
}

TEST_F(VerifierTest, CacheStaysBoundedAndCorrect) {
  VerifierOptions opts;
  opts.public_keys_pem = {key_->public_pem};
  opts.issuer = kIssuer;
  opts.audience = kAudience;
  opts.clock = &clock_;
  opts.cache_capacity = 32;
  auto verifier = *Verifier::Create(opts);
  std::vector<std::string> tokens;
  for (int i = 0; i < 200; ++i) {
    nlohmann::json claims = Claims();
    claims["sub"] = absl::StrCat("user-", i);
    tokens.push_back(Sign(claims));
  }
  // Every token keeps verifying to its own subject however much the cache evicts.
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 200; ++i) {
      absl::StatusOr<Principal> p = verifier->Verify(tokens[i]);
      ASSERT_TRUE(p.ok()) << p.status();
      EXPECT_EQ(p->subject, absl::StrCat("user-", i));
    }
  }
}

TEST_F(VerifierTest, CreateRejectsBadConfiguration) {
  VerifierOptions opts;
  opts.issuer = kIssuer;
  opts.audience = kAudience;
  EXPECT_EQ(Verifier::Create(opts).status().code(), absl::StatusCode::kInvalidArgument);
  opts.public_keys_pem = {"-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n"};
  EXPECT_EQ(Verifier::Create(opts).status().code(), absl::StatusCode::kInvalidArgument);
  opts.public_keys_pem = {key_->private_pem};  // a private key where a public one belongs
  EXPECT_EQ(Verifier::Create(opts).status().code(), absl::StatusCode::kInvalidArgument);
  opts.public_keys_pem = {key_->public_pem};
  EXPECT_TRUE(Verifier::Create(opts).ok());
  opts.issuer = "";
  EXPECT_EQ(Verifier::Create(opts).status().code(), absl::StatusCode::kInvalidArgument);
  opts.issuer = kIssuer;
  opts.audience = "";
  EXPECT_EQ(Verifier::Create(opts).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(VerifierTest, AuthenticateReadsTheBearerHeader) {
  auto verifier = MakeVerifier();
  const std::string token = Sign(Claims());
  {
    grpc::ServerContext ctx;
    ExpectRejected(verifier->Authenticate(ctx), "TOKEN_MISSING");
  }
  {
    grpc::ServerContext ctx;
    grpc::testing::ServerContextTestSpouse spouse(&ctx);
    spouse.AddClientMetadata("authorization", absl::StrCat("Bearer ", token));
    absl::StatusOr<Principal> p = verifier->Authenticate(ctx);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->subject, "staff-42");
  }
  {
    grpc::ServerContext ctx;
    grpc::testing::ServerContextTestSpouse spouse(&ctx);
    spouse.AddClientMetadata("authorization", absl::StrCat("bearer ", token));
    EXPECT_TRUE(verifier->Authenticate(ctx).ok());
  }
  for (std::string value : {absl::StrCat("Basic ", token), std::string("Bearer"), std::string("Bearer "),
                            std::string("Bearer   "), token}) {
    grpc::ServerContext ctx;
    grpc::testing::ServerContextTestSpouse spouse(&ctx);
    spouse.AddClientMetadata("authorization", value);
    ExpectRejected(verifier->Authenticate(ctx), "TOKEN_INVALID", token);
  }
}

TEST(ParseBearer, AcceptsOnlyTheBearerScheme) {
  EXPECT_EQ(*ParseBearer("Bearer abc"), "abc");
  EXPECT_EQ(*ParseBearer("BEARER abc "), "abc");
  EXPECT_FALSE(ParseBearer("Bearerabc").ok());
  EXPECT_FALSE(ParseBearer("Token abc").ok());
  EXPECT_FALSE(ParseBearer("").ok());
}

}  // namespace
}  // namespace parley::auth
