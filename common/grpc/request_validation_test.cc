#include "common/grpc/request_validation.h"

#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "parley/api/v1/field_options.pb.h"
#include "parley/conduct/v1/conduct_service.pb.h"
#include "parley/contacts/v1/contacts_service.pb.h"
#include "parley/escalation/v1/escalation_service.pb.h"
#include "testdata/validation_test.pb.h"

namespace parley::api {
namespace {

using parley::testing::validation::Child;
using parley::testing::validation::Colour;
using parley::testing::validation::CreateThingRequest;
using parley::testing::validation::Thing;
using parley::testing::validation::UpdateThingRequest;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t k2025 = 1760000000;  // 2025-10-09

// A Thing that passes every rule; each test breaks one.
Thing ValidThing() {
  Thing thing;
  thing.set_display_name("Oak class");
  thing.set_colour(parley::testing::validation::COLOUR_RED);
  thing.set_role("senco");
  thing.set_count(3);
  return thing;
}

CreateThingRequest ValidCreate() {
  CreateThingRequest request;
  request.set_parent("schools/st-marys");
  *request.mutable_thing() = ValidThing();
  return request;
}

// The error message, or "OK".
std::string Problem(const google::protobuf::Message& message) {
  absl::Status status = ValidateRequest(message);
  if (status.ok()) return "OK";
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  // Names and ids of the wrong shape carry INVALID_NAME, as the handlers' own name checks do.
  const bool name = absl::StrContains(status.message(), "is not an id") ||
                    absl::StrContains(status.message(), "is not a resource name");
  EXPECT_EQ(ErrorReason(status), name ? reason::kInvalidName : reason::kInvalidField) << status;
  return std::string(status.message());
}

std::string ProblemWith(void (*mutate)(Thing*)) {
  CreateThingRequest request = ValidCreate();
  mutate(request.mutable_thing());
  return Problem(request);
}

TEST(ValidateRequestTest, AcceptsAValidRequest) { EXPECT_EQ(Problem(ValidCreate()), "OK"); }

TEST(ValidateRequestTest, RequiredFields) {
  CreateThingRequest request = ValidCreate();
  request.clear_parent();
  EXPECT_EQ(Problem(request), "parent is required");
  request = ValidCreate();
  request.clear_thing();
  EXPECT_EQ(Problem(request), "thing is required");
  EXPECT_EQ(ProblemWith([](Thing* t) { t->clear_display_name(); }), "thing.display_name is required");
  EXPECT_EQ(ProblemWith([](Thing* t) { t->clear_colour(); }), "thing.colour is required");
  EXPECT_EQ(ProblemWith([](Thing* t) { t->clear_count(); }), "thing.count is required");
  EXPECT_EQ(ProblemWith([](Thing* t) { t->clear_target(); }), "thing.target is required: set one of role, staff");
  EXPECT_EQ(ProblemWith([](Thing* t) { t->add_list(); }), "thing.list[0].label is required");
}

TEST(ValidateRequestTest, LengthsAndItems) {
  EXPECT_EQ(ProblemWith([](Thing* t) { t->set_display_name(std::string(21, 'a')); }),
            "thing.display_name is longer than 20 characters");
  // Characters, not bytes: 20 two-byte characters fit.
  EXPECT_EQ(ProblemWith([](Thing* t) {
              std::string s;
              for (int i = 0; i < 20; ++i) s += "\xc3\xa9";
              t->set_display_name(s);
            }),
            "OK");
  EXPECT_EQ(ProblemWith([](Thing* t) { t->set_free_text(std::string(kDefaultMaxStringChars, 'x')); }), "OK");
  EXPECT_EQ(ProblemWith([](Thing* t) { t->set_free_text(std::string(kDefaultMaxStringChars + 1, 'x')); }),
            "thing.free_text is longer than 10000 characters");
  EXPECT_EQ(ProblemWith([](Thing* t) {
              t->add_tags("a");
              t->add_tags("b");
              t->add_tags("c");
            }),
            "thing.tags has more than 2 items");
  EXPECT_EQ(ProblemWith([](Thing* t) { t->add_tags("toolong"); }), "thing.tags[0] is longer than 5 characters");
  EXPECT_EQ(ProblemWith([](Thing* t) { t->set_blob("12345"); }), "thing.blob is longer than 4 bytes");
}

TEST(ValidateRequestTest, Utf8) {
  EXPECT_EQ(ProblemWith([](Thing* t) { t->set_free_text("ok \xff no"); }), "thing.free_text is not valid UTF-8");
  EXPECT_EQ(ProblemWith([](Thing* t) { t->set_free_text("\xc0\xaf"); }), "thing.free_text is not valid UTF-8");
  EXPECT_EQ(ProblemWith([](Thing* t) { t->set_free_text("\xed\xa0\x80"); }), "thing.free_text is not valid UTF-8");
  EXPECT_EQ(ProblemWith([](Thing* t) { t->set_free_text("\xe2\x82"); }), "thing.free_text is not valid UTF-8");
  EXPECT_EQ(ProblemWith([](Thing* t) { t->set_free_text("Zo\xc3\xab \xf0\x9f\x98\x80 \xe2\x82\xac"); }), "OK");
  // Bytes are not text.
  EXPECT_EQ(ProblemWith([](Thing* t) { t->set_blob("\xff\xfe"); }), "OK");
}

TEST(ValidateRequestTest, NeverEchoesTheValue) {
  const std::string message = ProblemWith([](Thing* t) { t->set_email("secret.person-at-example.org"); });
  EXPECT_EQ(message, "thing.email is not an email address");
  EXPECT_THAT(message, Not(HasSubstr("secret")));
}

TEST(ValidateRequestTest, Emails) {
  for (const char* good : {"a@example.org", "mrs-dunne.st-marys@example.org", "x+tag@sub.example.co.uk"}) {
    CreateThingRequest request = ValidCreate();
    request.mutable_thing()->set_email(good);
    EXPECT_EQ(Problem(request), "OK") << good;
  }
  for (const char* bad : {"not-an-email", "a@b", "@example.org", "a@@example.org", "a b@example.org", "a@example..org",
                          "a@-example.org", "a@example.org ", "<a@example.org>"}) {
    CreateThingRequest request = ValidCreate();
    request.mutable_thing()->set_email(bad);
    EXPECT_EQ(Problem(request), "thing.email is not an email address") << bad;
  }
}

TEST(ValidateRequestTest, LanguageTags) {
  for (const char* good : {"en", "pl", "pt-BR", "zh-Hant", "en-GB", "sr-Latn-RS", "x-klingon"}) {
    CreateThingRequest request = ValidCreate();
    request.mutable_thing()->set_language(good);
    EXPECT_EQ(Problem(request), "OK") << good;
  }
  for (const char* bad : {"abcdefghijklmnopqrst", "en_GB", "e", "en-", "-en", "en--GB", "1en", "en-GB!",
                          "en-aaaaaaaa-bbbbbbbb-cccccccc-dddddddd"}) {
    CreateThingRequest request = ValidCreate();
    request.mutable_thing()->set_language(bad);
    EXPECT_THAT(Problem(request), HasSubstr("thing.language is not a BCP 47 language tag")) << bad;
  }
}

TEST(ValidateRequestTest, IdsNamesUuidsPhones) {
  struct Case {
    void (*set)(Thing*, const std::string&);
    std::vector<std::string> good;
    std::vector<std::string> bad;
    std::string problem;
  };
  const std::vector<Case> cases = {
      {[](Thing* t, const std::string& v) { t->set_id(v); },
       {"st-marys", "p-00001", "class_teacher", "9r", std::string(64, 'a')},
       {"St-Marys", "-x", "_x", "a b", "a/b", std::string(65, 'a')},
       "thing.id is not an id"},
      {[](Thing* t, const std::string& v) { t->set_parent(v); },
       {"schools/st-marys", "schools/st-marys/routingMatrix", "guardians/g-00001"},
       {"/schools/x", "schools//x", "schools/x/", "schools/a b", std::string(257, 'a')},
       "thing.parent is not a resource name"},
      {[](Thing* t, const std::string& v) { t->set_request_id(v); },
       {"123e4567-e89b-12d3-a456-426614174000", "123E4567-E89B-12D3-A456-426614174000"},
       {"123e4567e89b12d3a456426614174000", "r1", "123e4567-e89b-12d3-a456-42661417400g"},
       "thing.request_id is not a UUID"},
      {[](Thing* t, const std::string& v) { t->set_phone(v); },
       {"07700 900984", "+44 20 7946 0001", "01632960123"},
       {"+", "07700-900984", "0770 0900 9840 0000 00", "44+1", "call me"},
       "thing.phone is not a phone number"},
  };
  for (const Case& c : cases) {
    for (const std::string& v : c.good) {
      CreateThingRequest request = ValidCreate();
      c.set(request.mutable_thing(), v);
      EXPECT_EQ(Problem(request), "OK") << v;
    }
    for (const std::string& v : c.bad) {
      CreateThingRequest request = ValidCreate();
      c.set(request.mutable_thing(), v);
      EXPECT_THAT(Problem(request), HasSubstr(c.problem)) << v;
    }
  }
}

TEST(ValidateRequestTest, IntegerRanges) {
  EXPECT_EQ(ProblemWith([](Thing* t) { t->set_year_group(-1); }), "OK");
  EXPECT_EQ(ProblemWith([](Thing* t) { t->set_year_group(14); }), "OK");
  EXPECT_EQ(ProblemWith([](Thing* t) { t->set_year_group(-2); }), "thing.year_group is outside -1..14");
  EXPECT_EQ(ProblemWith([](Thing* t) { t->set_year_group(15); }), "thing.year_group is outside -1..14");
  EXPECT_EQ(ProblemWith([](Thing* t) { t->add_year_groups(99); }), "thing.year_groups[0] is outside -1..14");
  EXPECT_EQ(ProblemWith([](Thing* t) { t->set_count(11); }), "thing.count is outside 1..10");
  EXPECT_EQ(ProblemWith([](Thing* t) { t->set_small(6); }), "thing.small is more than 5");
  EXPECT_EQ(ProblemWith([](Thing* t) { t->set_small(4000000000u); }), "thing.small is more than 5");
}

TEST(ValidateRequestTest, Enums) {
  EXPECT_EQ(ProblemWith([](Thing* t) { t->set_colour(static_cast<Colour>(7)); }),
            "thing.colour is not a value of parley.testing.validation.Colour");
  EXPECT_EQ(ProblemWith([](Thing* t) { t->add_colours(static_cast<Colour>(-3)); }),
            "thing.colours[0] is not a value of parley.testing.validation.Colour");
}

TEST(ValidateRequestTest, Timestamps) {
  EXPECT_EQ(ProblemWith([](Thing* t) { t->mutable_time()->set_seconds(k2025); }), "OK");
  // Year 1, 1900, 1970 and 2200 are outside the default window.
  for (int64_t seconds : {int64_t{-62135596800}, int64_t{-2208988800}, int64_t{0}, int64_t{7258118400}}) {
    CreateThingRequest request = ValidCreate();
    request.mutable_thing()->mutable_time()->set_seconds(seconds);
    EXPECT_EQ(Problem(request), "thing.time is outside 2000-01-01..2100-01-01") << seconds;
  }
  EXPECT_EQ(ProblemWith([](Thing* t) { t->mutable_time()->set_seconds(4102444800); }),
            "thing.time is outside 2000-01-01..2100-01-01");
  // Invalid nanos or seconds beyond Timestamp's range.
  EXPECT_THAT(ProblemWith([](Thing* t) {
                t->mutable_time()->set_seconds(k2025);
                t->mutable_time()->set_nanos(-1);
              }),
              HasSubstr("thing.time is not a valid timestamp"));
  EXPECT_THAT(ProblemWith([](Thing* t) {
                t->mutable_time()->set_seconds(k2025);
                t->mutable_time()->set_nanos(1000000000);
              }),
              HasSubstr("thing.time is not a valid timestamp"));
  EXPECT_THAT(ProblemWith([](Thing* t) { t->mutable_time()->set_seconds(INT64_MAX); }),
              HasSubstr("thing.time is not a valid timestamp"));
  EXPECT_THAT(ProblemWith([](Thing* t) { t->add_times()->set_seconds(-1); }),
              HasSubstr("thing.times[0] is outside 2000-01-01..2100-01-01"));
  // A field's own window.
  EXPECT_EQ(ProblemWith([](Thing* t) { t->mutable_old_time()->set_seconds(-2208988800); }), "OK");
  EXPECT_EQ(ProblemWith([](Thing* t) { t->mutable_old_time()->set_seconds(-2208988801); }),
            "thing.old_time is outside 1900-01-01..2100-01-01");
}

TEST(ValidateRequestTest, Durations) {
  EXPECT_EQ(ProblemWith([](Thing* t) {
              t->mutable_span()->set_seconds(-5);
              t->mutable_span()->set_nanos(-5);
            }),
            "OK");
  EXPECT_THAT(ProblemWith([](Thing* t) {
                t->mutable_span()->set_seconds(5);
                t->mutable_span()->set_nanos(-5);
              }),
              HasSubstr("thing.span is not a valid duration"));
  EXPECT_THAT(ProblemWith([](Thing* t) { t->mutable_span()->set_seconds(315576000001); }),
              HasSubstr("thing.span is not a valid duration"));
}

TEST(ValidateRequestTest, OutputOnlyFieldsAreIgnored) {
  EXPECT_EQ(ProblemWith([](Thing* t) {
              t->set_etag(std::string(20000, 'e'));
              t->mutable_update_time()->set_seconds(-1);
            }),
            "OK");
}

TEST(ValidateRequestTest, NestedRepeatedAndMapPaths) {
  EXPECT_EQ(ProblemWith([](Thing* t) {
              t->add_list()->set_label("a");
              t->add_list()->mutable_inner()->set_label("b");
            }),
            "thing.list[1].label is required");
  EXPECT_EQ(ProblemWith([](Thing* t) {
              t->set_role("");
              t->mutable_staff()->set_label("x\xff");
            }),
            "thing.staff.label is not valid UTF-8");
  EXPECT_EQ(ProblemWith([](Thing* t) { (*t->mutable_children())["k"].set_label("x"); }), "OK");
  EXPECT_EQ(ProblemWith([](Thing* t) { (*t->mutable_children())["k"]; }), "thing.children[0].value.label is required");
  EXPECT_EQ(ProblemWith([](Thing* t) {
              for (const char* k : {"a", "b", "c"}) (*t->mutable_children())[k].set_label("x");
            }),
            "thing.children has more than 2 items");
}

TEST(ValidateRequestTest, UpdateRequiresOnlyWhatTheMaskNames) {
  UpdateThingRequest request;
  request.mutable_thing()->set_free_text("new text");
  request.mutable_update_mask()->add_paths("free_text");
  EXPECT_EQ(Problem(request), "OK");
  request.mutable_update_mask()->add_paths("display_name");
  EXPECT_EQ(Problem(request), "thing.display_name is required");
  request.mutable_update_mask()->Clear();
  request.mutable_update_mask()->add_paths("*");
  EXPECT_EQ(Problem(request), "thing.display_name is required");
  // Other rules still apply to fields the mask does not name.
  request.mutable_update_mask()->Clear();
  request.mutable_thing()->set_email("nope");
  EXPECT_EQ(Problem(request), "thing.email is not an email address");
}

TEST(ValidateRequestTest, DeepNestingIsBounded) {
  CreateThingRequest request = ValidCreate();
  Child* child = request.mutable_thing()->mutable_child();
  for (int i = 0; i < 150; ++i) {
    child->set_label("x");
    child = child->mutable_inner();
  }
  EXPECT_THAT(Problem(request), HasSubstr("is nested too deeply"));
}

TEST(ValidateRequestTest, ConcurrentFirstUse) {
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([] {
      for (int j = 0; j < 100; ++j) EXPECT_EQ(Problem(ValidCreate()), "OK");
    });
  }
  for (auto& t : threads) t.join();
}

// ---- the real service protos -------------------------------------------------------------------

TEST(ServiceProtosTest, EveryTimeWindowAnnotationReads) {
  const google::protobuf::FileDescriptor* files[] = {
      parley::contacts::v1::ImportTrustRequest::descriptor()->file(),
      parley::conduct::v1::CreateIncidentRequest::descriptor()->file(),
      parley::escalation::v1::OpenEnquiryRequest::descriptor()->file(),
  };
  const google::protobuf::DescriptorPool* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const google::protobuf::FileDescriptor* service_file : files) {
    std::vector<const google::protobuf::FileDescriptor*> todo = {service_file};
    for (int i = 0; i < service_file->dependency_count(); ++i) todo.push_back(service_file->dependency(i));
    for (const google::protobuf::FileDescriptor* file : todo) {
      ASSERT_NE(pool->FindFileByName(file->name()), nullptr);
      for (int m = 0; m < file->message_type_count(); ++m) {
        const google::protobuf::Descriptor* d = file->message_type(m);
        for (int f = 0; f < d->field_count(); ++f) {
          const auto& rules = d->field(f)->options().GetExtension(parley::api::v1::field);
          for (const std::string& bound : {rules.not_before(), rules.not_after()}) {
            if (bound.empty()) continue;
            absl::Time t;
            std::string error;
            EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, bound, &t, &error)) << d->field(f)->full_name();
          }
        }
      }
    }
  }
}

TEST(ServiceProtosTest, TheDemoTrustImports) {
  std::ifstream in(PARLEY_DEMO_TRUST_JSON);
  ASSERT_TRUE(in) << PARLEY_DEMO_TRUST_JSON;
  std::stringstream json;
  json << in.rdbuf();
  parley::contacts::v1::ImportTrustRequest request;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json.str(), request.mutable_directory()).ok());
  request.set_request_id("123e4567-e89b-12d3-a456-426614174000");
  EXPECT_EQ(Problem(request), "OK");
}

TEST(ServiceProtosTest, HostileInputFromTheIssue) {
  parley::escalation::v1::OpenEnquiryRequest open;
  open.set_parent("schools/st-marys");
  open.set_request_id("123e4567-e89b-12d3-a456-426614174000");
  auto* enquiry = open.mutable_enquiry();
  enquiry->set_channel(parley::escalation::v1::CHANNEL_EMAIL);
  enquiry->set_category("learning");
  enquiry->set_subject("Homework");
  enquiry->mutable_receive_time()->set_seconds(k2025);
  EXPECT_EQ(Problem(open), "OK");
  enquiry->mutable_receive_time()->set_seconds(-2208988800);  // 1900
  EXPECT_EQ(Problem(open), "enquiry.receive_time is outside 2000-01-01..2100-01-01");
  enquiry->mutable_receive_time()->set_seconds(k2025);
  enquiry->set_subject(std::string(201, 's'));
  EXPECT_EQ(Problem(open), "enquiry.subject is longer than 200 characters");

  parley::contacts::v1::CreateStaffRequest staff;
  staff.set_parent("schools/st-marys");
  staff.set_staff_id("mrs-dunne");
  staff.set_request_id("123e4567-e89b-12d3-a456-426614174000");
  staff.mutable_staff()->set_display_name(std::string(1 << 20, 'n'));
  EXPECT_EQ(Problem(staff), "staff.display_name is longer than 200 characters");
  staff.mutable_staff()->set_display_name("Mrs A. Dunne");
  staff.mutable_staff()->set_email("not-an-email");
  EXPECT_EQ(Problem(staff), "staff.email is not an email address");
  staff.mutable_staff()->clear_email();
  staff.mutable_staff()->add_year_groups(-2);
  EXPECT_EQ(Problem(staff), "staff.year_groups[0] is outside -1..14");

  parley::contacts::v1::CreateGuardianRequest guardian;
  guardian.set_guardian_id("g-1");
  guardian.set_request_id("123e4567-e89b-12d3-a456-426614174000");
  guardian.mutable_guardian()->set_given_name("A");
  guardian.mutable_guardian()->set_family_name("B");
  guardian.mutable_guardian()->set_language(std::string(20, 'a'));
  EXPECT_THAT(Problem(guardian), HasSubstr("guardian.language is not a BCP 47 language tag"));
}

}  // namespace
}  // namespace parley::api

namespace parley::api {
namespace {

// A mutation's own request_id keeps its documented reason, REQUEST_ID_INVALID (docs/errors.md).
TEST(ValidateRequestTest, ARequestsOwnIdKeepsItsReason) {
  parley::conduct::v1::CheckCommunicationRequest check;
  check.set_school("schools/kenilworth");
  check.set_guardian("guardians/g-00001");
  check.set_channel(parley::conduct::v1::CHANNEL_EMAIL);
  check.mutable_time()->set_seconds(1761318600);
  check.set_purpose(parley::conduct::v1::PURPOSE_INBOUND_MESSAGE);
  ASSERT_TRUE(ValidateRequest(check).ok()) << ValidateRequest(check);
  check.set_request_id("r1");
  const absl::Status status = ValidateRequest(check);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(status), reason::kRequestIdInvalid);
}

}  // namespace
}  // namespace parley::api
