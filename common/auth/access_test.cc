#include "common/auth/access.h"

#include <string>
#include <vector>

#include "common/status/reason.h"
#include "gtest/gtest.h"

namespace parley::auth {
namespace {

Principal Caller(std::vector<std::string> roles, std::vector<std::string> schools, std::string subject = "someone") {
  Principal p;
  p.subject = std::move(subject);
  p.roles = std::move(roles);
  p.schools = std::move(schools);
  return p;
}

TEST(AccessModelTest, EveryRoleHasARowForEveryResource) {
  // The table is total: a resource nobody may read or change would be a rule no RPC can use.
  for (int r = 0; r < kResourceCount; ++r) {
    const Resource resource = static_cast<Resource>(r);
    bool someone = false;
    for (absl::string_view role : KnownRoles()) {
      someone = someone || RoleReach(role, resource, Verb::kRead) != Reach::kNone ||
                RoleReach(role, resource, Verb::kChange) != Reach::kNone;
    }
    EXPECT_TRUE(someone) << ResourceName(resource);
    EXPECT_FALSE(ResourceName(resource).empty());
  }
}

TEST(AccessModelTest, GuardiansReachOnlyTheirOwnFamilysRecords) {
  for (Resource r : {Resource::kPupil, Resource::kGuardian, Resource::kEnquiry, Resource::kDecision,
                     Resource::kArrangement, Resource::kPremisesBan, Resource::kLetter}) {
    EXPECT_EQ(RoleReach(kGuardian, r, Verb::kRead), Reach::kOwn) << ResourceName(r);
  }
  EXPECT_EQ(RoleReach(kGuardian, Resource::kStaff, Verb::kRead), Reach::kPublic);
  for (Resource r : {Resource::kIncident, Resource::kStats, Resource::kDirectory, Resource::kRouting}) {
    EXPECT_EQ(RoleReach(kGuardian, r, Verb::kRead), Reach::kNone) << ResourceName(r);
  }
  // A guardian changes nothing but opening their own enquiry, checking their own contact, their own
  // copies of notices (read, consent), their own notification preferences, and their own meeting
  // requests and bookings.
  for (int r = 0; r < kResourceCount; ++r) {
    const Resource resource = static_cast<Resource>(r);
    const Reach change = RoleReach(kGuardian, resource, Verb::kChange);
    if (resource == Resource::kEnquiryIntake || resource == Resource::kDecision || resource == Resource::kMessage ||
        resource == Resource::kPreferences || resource == Resource::kMeetingRequest || resource == Resource::kBooking) {
      EXPECT_EQ(change, Reach::kOwn) << ResourceName(resource);
    } else {
      EXPECT_EQ(change, Reach::kNone) << ResourceName(resource);
    }
  }
}

TEST(AccessModelTest, ConductRecordsAreForOfficeLeadersAndTheDsl) {
  for (Resource r : {Resource::kIncident, Resource::kArrangement, Resource::kDecision, Resource::kPremisesBan}) {
    EXPECT_EQ(RoleReach(kTeacher, r, Verb::kRead), Reach::kNone) << ResourceName(r);
    EXPECT_EQ(RoleReach(kTrustLeader, r, Verb::kRead), Reach::kNone) << ResourceName(r);
    for (absl::string_view role : {kOffice, kSeniorLeader, kDsl}) {
      EXPECT_EQ(RoleReach(role, r, Verb::kRead), Reach::kSchool) << role << " " << ResourceName(r);
    }
  }
  EXPECT_EQ(RoleReach(kTeacher, Resource::kGuardian, Verb::kRead), Reach::kTaught);
  EXPECT_EQ(RoleReach(kTeacher, Resource::kEnquiry, Verb::kRead), Reach::kOwn);
}

TEST(AccessModelTest, MeetingNotesAreForTheSchoolsStaffOnly) {
  for (Resource r : {Resource::kMeetingNote, Resource::kLegalHold}) {
    EXPECT_EQ(RoleReach(kGuardian, r, Verb::kRead), Reach::kNone) << ResourceName(r);
    EXPECT_EQ(RoleReach(kTrustLeader, r, Verb::kRead), Reach::kNone) << ResourceName(r);
    EXPECT_EQ(RoleReach(kService, r, Verb::kRead), Reach::kNone) << ResourceName(r);
  }
  EXPECT_EQ(RoleReach(kTeacher, Resource::kMeetingNote, Verb::kRead), Reach::kOwn);
  EXPECT_EQ(RoleReach(kTeacher, Resource::kLegalHold, Verb::kChange), Reach::kNone);
  EXPECT_EQ(RoleReach(kSeniorLeader, Resource::kLegalHold, Verb::kChange), Reach::kSchool);
}

TEST(AccessModelTest, ReportsAreReadByLeadersAndChangedByNobody) {
  EXPECT_EQ(RoleReach(kTrustLeader, Resource::kReport, Verb::kRead), Reach::kTrust);
  EXPECT_EQ(RoleReach(kTrustAdmin, Resource::kReport, Verb::kRead), Reach::kTrust);
  EXPECT_EQ(RoleReach(kSeniorLeader, Resource::kReport, Verb::kRead), Reach::kSchool);
  EXPECT_EQ(RoleReach(kDsl, Resource::kReport, Verb::kRead), Reach::kSchool);
  for (absl::string_view role : {kGuardian, kTeacher, kOffice, kService}) {
    EXPECT_EQ(RoleReach(role, Resource::kReport, Verb::kRead), Reach::kNone) << role;
  }
  for (absl::string_view role : KnownRoles()) {
    EXPECT_EQ(RoleReach(role, Resource::kReport, Verb::kChange), Reach::kNone) << role;
  }
  // A school's leader asking about another school gets the same answer as for any record there.
  const Principal head = Caller({"senior_leader"}, {"kenilworth"});
  EXPECT_EQ(*Grant(head, {Resource::kReport, Verb::kRead}).At("kenilworth"), Reach::kSchool);
  EXPECT_EQ(ErrorReason(Grant(head, {Resource::kReport, Verb::kRead}).At("st-marys").status()), "WRONG_SCHOOL");
}

TEST(AccessModelTest, TrustLeadersAndServicesNeverChangeSchoolRecords) {
  for (int r = 0; r < kResourceCount; ++r) {
    const Resource resource = static_cast<Resource>(r);
    // A trust leader's own notices are the trust's (kOwn: never a school's).
    EXPECT_EQ(RoleReach(kTrustLeader, resource, Verb::kChange),
              resource == Resource::kNotice ? Reach::kOwn : Reach::kNone)
        << ResourceName(resource);
    // Services send notices (the relays) and report receipts (the providers' bridge).
    if (resource != Resource::kEnquiryIntake && resource != Resource::kDecision && resource != Resource::kNotice &&
        resource != Resource::kDeliveryReceipt) {
      EXPECT_EQ(RoleReach(kService, resource, Verb::kChange), Reach::kNone) << ResourceName(resource);
    }
  }
  EXPECT_EQ(RoleReach("head_teacher", Resource::kTrust, Verb::kRead), Reach::kNone) << "unknown roles reach nothing";
}

TEST(AccessModelTest, ReplicasAndContactDetailsAreForParleysOwnServicesOnly) {
  // A service resolves audiences from its replica and fetches the details of the batch it sends;
  // no person's token reaches either, not even a trust administrator's.
  for (Resource r : {Resource::kReplica, Resource::kContactDetails}) {
    for (absl::string_view role : KnownRoles()) {
      EXPECT_EQ(RoleReach(role, r, Verb::kRead), role == kService ? Reach::kTrust : Reach::kNone)
          << role << " " << ResourceName(r);
      EXPECT_EQ(RoleReach(role, r, Verb::kChange), Reach::kNone) << role << " " << ResourceName(r);
    }
  }
  EXPECT_EQ(ResourceName(Resource::kContactDetails), "contact details");
  const Principal service = Caller({"service"}, {}, "service:notifications");
  EXPECT_EQ(*Grant(service, {Resource::kContactDetails, Verb::kRead}).At(""), Reach::kTrust);
  const Principal admin = Caller({"trust_admin"}, {});
  EXPECT_EQ(ErrorReason(Grant(admin, {Resource::kContactDetails, Verb::kRead}).At("").status()), "ROLE_REQUIRED");
}

TEST(AccessModelTest, NoticesAreSentByTheSchoolsOfficeLeadersAndDslAndReadByItsStaff) {
  for (absl::string_view role : {kOffice, kSeniorLeader, kDsl}) {
    EXPECT_EQ(RoleReach(role, Resource::kNotice, Verb::kChange), Reach::kSchool) << role;
    EXPECT_EQ(RoleReach(role, Resource::kMessage, Verb::kRead), Reach::kSchool) << role;
  }
  // Teachers read their school's notices, not who received them (copies name guardians).
  EXPECT_EQ(RoleReach(kTeacher, Resource::kNotice, Verb::kRead), Reach::kSchool);
  EXPECT_EQ(RoleReach(kTeacher, Resource::kNotice, Verb::kChange), Reach::kNone);
  EXPECT_EQ(RoleReach(kTeacher, Resource::kMessage, Verb::kRead), Reach::kNone);
  EXPECT_EQ(RoleReach(kTrustLeader, Resource::kMessage, Verb::kRead), Reach::kNone);
  // A guardian sends nothing and reads only their own copies and preferences.
  EXPECT_EQ(RoleReach(kGuardian, Resource::kNotice, Verb::kRead), Reach::kNone);
  EXPECT_EQ(RoleReach(kGuardian, Resource::kNotice, Verb::kChange), Reach::kNone);
  EXPECT_EQ(RoleReach(kGuardian, Resource::kMessage, Verb::kRead), Reach::kOwn);
  EXPECT_EQ(RoleReach(kGuardian, Resource::kPreferences, Verb::kChange), Reach::kOwn);
  // Receipts come from the providers' bridge only, not from any person's token.
  for (absl::string_view role : KnownRoles()) {
    EXPECT_EQ(RoleReach(role, Resource::kDeliveryReceipt, Verb::kChange),
              role == kService ? Reach::kTrust : Reach::kNone)
        << role;
  }
  // A trust leader's kOwn reach over notices holds at no school: At() answers kOwn, which a school's
  // notice refuses (it needs kSchool).
  const Principal leader = Caller({"trust_leader"}, {});
  EXPECT_EQ(*Grant(leader, {Resource::kNotice, Verb::kChange}).At(""), Reach::kOwn);
  EXPECT_EQ(ErrorReason(Grant(leader, {Resource::kNotice, Verb::kChange}).AtLeast("st-marys", Reach::kSchool).status()),
            "ROLE_REQUIRED");
}

TEST(GrantTest, ReachIsTheWidestRoleAtTheSchoolsTheTokenNames) {
  const Principal teacher_and_dsl = Caller({"teacher", "dsl"}, {"kenilworth"});
  const Grant grant(teacher_and_dsl, {Resource::kGuardian, Verb::kRead});
  EXPECT_EQ(grant.Widest(), Reach::kSchool);
  EXPECT_EQ(*grant.At("kenilworth"), Reach::kSchool);
  EXPECT_TRUE(grant.Covers("kenilworth"));
  EXPECT_FALSE(grant.Covers("st-marys"));
  absl::StatusOr<Reach> elsewhere = grant.At("st-marys");
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST(GrantTest, AnotherSchoolIsRefusedTheSameWayWhateverTheRole) {
  // Tenancy before role: a caller from another school learns nothing from the rule.
  const Principal guardian = Caller({"guardian"}, {"st-marys"}, "guardians/g-1");
  const Principal office = Caller({"office"}, {"st-marys"});
  const Grant g1(guardian, {Resource::kIncident, Verb::kRead});
  const Grant g2(office, {Resource::kIncident, Verb::kRead});
  const Principal teacher = Caller({"teacher"}, {"st-marys"});
  const Grant g3(teacher, {Resource::kIncident, Verb::kRead});
  EXPECT_EQ(g2.At("kenilworth").status(), g3.At("kenilworth").status());
  EXPECT_EQ(ErrorReason(g3.At("kenilworth").status()), "WRONG_SCHOOL");
  // At their own school, a role that does not reach is ROLE_REQUIRED.
  EXPECT_EQ(g1.At("st-marys").status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrorReason(g1.At("st-marys").status()), "ROLE_REQUIRED");
  EXPECT_EQ(ErrorReason(g3.At("st-marys").status()), "ROLE_REQUIRED");
}

TEST(GrantTest, OnesOwnRecordsAreReachedAtEverySchool) {
  // A guardian whose child has left St Mary's still sees their own letters from there; the handler
  // keeps only records about them.
  const Principal guardian = Caller({"guardian"}, {"kenilworth"}, "guardians/g-1");
  const Grant letters(guardian, {Resource::kLetter, Verb::kRead});
  EXPECT_EQ(*letters.At("st-marys"), Reach::kOwn);
  EXPECT_FALSE(letters.Covers("st-marys"));
  // The school's public profile is another matter: only the schools the token names.
  const Grant school(guardian, {Resource::kSchool, Verb::kRead});
  EXPECT_TRUE(school.At("kenilworth").ok());
  EXPECT_EQ(ErrorReason(school.At("st-marys").status()), "WRONG_SCHOOL");
}

TEST(GrantTest, TrustRecordsAreReachedOnlyAsOneselfOrTrustWide) {
  const Principal guardian = Caller({"guardian"}, {"kenilworth"}, "guardians/g-1");
  const Grant own(guardian, {Resource::kGuardian, Verb::kRead});
  EXPECT_EQ(*own.At(""), Reach::kOwn);
  EXPECT_TRUE(own.IsSelf("guardians/g-1"));
  EXPECT_FALSE(own.IsSelf("guardians/g-2"));
  EXPECT_FALSE(own.IsSelf(""));
  const Principal office = Caller({"office"}, {"kenilworth"});
  EXPECT_FALSE(Grant(office, {Resource::kGuardian, Verb::kRead}).At("").ok());
  const Principal admin = Caller({"trust_admin"}, {});
  EXPECT_EQ(*Grant(admin, {Resource::kGuardian, Verb::kRead}).At(""), Reach::kTrust);
  EXPECT_EQ(*Grant(admin, {Resource::kGuardian, Verb::kRead}).At("any-school"), Reach::kTrust);
}

TEST(GrantTest, AnEmptySchoolIdInATokenMatchesNothing) {
  const Principal odd = Caller({"office"}, {""});
  const Grant grant(odd, {Resource::kStaff, Verb::kRead});
  EXPECT_FALSE(grant.At("").ok());
  EXPECT_FALSE(grant.Covers(""));
}

TEST(GrantTest, AtLeastRefusesANarrowerReach) {
  const Principal teacher = Caller({"teacher"}, {"kenilworth"});
  const Grant grant(teacher, {Resource::kGuardian, Verb::kRead});
  EXPECT_TRUE(grant.AtLeast("kenilworth", Reach::kTaught).ok());
  EXPECT_EQ(grant.AtLeast("kenilworth", Reach::kSchool).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST(TenancyTest, RequestIdsLiveInTheCallersTenancy) {
  EXPECT_EQ(Tenancy(Caller({"office"}, {"st-marys", "kenilworth", "st-marys"}, "schools/st-marys/staff/a")),
            "kenilworth,st-marys|schools/st-marys/staff/a");
  EXPECT_EQ(Tenancy(Caller({"office"}, {"kenilworth"}, "schools/kenilworth/staff/b")),
            "kenilworth|schools/kenilworth/staff/b");
  EXPECT_NE(Tenancy(Caller({"teacher"}, {"kenilworth"}, "schools/kenilworth/staff/b")),
            Tenancy(Caller({"teacher"}, {"kenilworth"}, "schools/kenilworth/staff/c")));
  EXPECT_EQ(Tenancy(Caller({"service"}, {})), "trust");
  EXPECT_EQ(Tenancy(Caller({"trust_admin"}, {"kenilworth"})), "trust");
  EXPECT_EQ(Tenancy(Caller({"guardian"}, {"kenilworth"}, "guardians/g-1")), "guardians/g-1");
  EXPECT_NE(Tenancy(Caller({"guardian"}, {"kenilworth"}, "guardians/g-1")),
            Tenancy(Caller({"guardian"}, {"kenilworth"}, "guardians/g-2")));
}

}  // namespace
}  // namespace parley::auth
