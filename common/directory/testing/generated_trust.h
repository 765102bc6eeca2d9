// A generated trust directory for benchmarks (bench/directory/replica_bench, bench/notifications/
// broadcast_bench): `schools` primary schools shaped alike (St Mary's calendar and policy, a head,
// deputy, SENCo and office, class teachers, routing and ladders), each with `staff` staff, `pupils`
// pupils and `guardians` guardians, deterministic for the same arguments.
//
// The guardians are a realistic mix rather than one shape repeated: families of one or two
// children (siblings every sixth family), most with two guardians; about a fifth of the two-guardian
// families live apart (half of those asked for separate copies, a few under a court order), the
// rest share a household and its address. Contact points: most have email and a mobile, under
// half the parent app, most a postal address and a few only that. About a fifth speak another
// language (pl, ur, pt-BR, ro, ar, so). Every tenth family also has a child at the next school;
// guardians beyond two a family are grandparents without parental responsibility. A quarter of the
// schools allow SMS for important notices as well as emergencies.
//
//   directory::Directory trust = directory::testing::GeneratedTrust(20, 80, 1000, 1500);  // 30,000 guardians
#pragma once

#include "common/directory/model.h"

namespace parley::directory::testing {

// School ids "school-00", "school-01", ...; staff "head", "deputy", "senco", "office", "t-000", ...;
// pupils "p-0000", ...; guardians "g-<school>-<n>" ("g-03-01234"). `staff` counts the four named
// roles too (at least one class teacher is made); `guardians` is per school.
Directory GeneratedTrust(int schools, int staff, int pupils, int guardians);

}  // namespace parley::directory::testing
