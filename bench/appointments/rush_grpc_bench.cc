// rush_grpc_bench: the parents'-evening rush through the whole service. parley-contacts (the demo
// trust grown by 1,000 families at Kenilworth), parley-conduct (the gate, asked for every slot) and
// parley-appointments run as the built binaries, each on its own database; 1,000 guardians book one
// evening of 10 teachers × 30 slots through gRPC (tests/e2e/evening_rush: hold, confirm, look at
// what is free after a loss, the waiting list once the teacher is full; calls turned away as
// overloaded are sent again after a backoff).
//
// Two shapes per round, each on a fresh evening:
//   - the rush: every booker released at the instant booking opens;
//   - paced: the same bookers arriving evenly over --paced-seconds, what the service does when it is
//     not queueing 1,000 calls at once.
// Printed per round: confirmed bookings per second of the rush, a booker's time from first hold to
// confirmation (p50/p99), each hold's and confirm's round trip, calls turned away and sent again,
// and the double bookings counted in SQL; beside it, in the same run, PostgreSQL's single-row
// INSERT rate from as many connections as the service's pool (PARLEY_PG_POOL_SIZE, 16) on the same
// server. Prints figures only.
//
//   PARLEY_BENCH_PG_DSN="host=127.0.0.1 port=... user=postgres dbname=postgres"
//   PARLEY_BENCH_REDIS_ADDR=127.0.0.1:... build/bench/appointments/rush_grpc_bench [--rounds 3]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/common/admin.h"
#include "common/grpc/timestamp.h"
#include "google/protobuf/util/time_util.h"
#include "parley/appointments/v1/appointments_service.grpc.pb.h"
#include "pqxx/pqxx"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/evening_rush.h"
#include "tests/e2e/trust_under_test.h"

namespace parley::bench {
namespace {

namespace av1 = ::parley::appointments::v1;
using e2e::BookerResult;
using e2e::Service;

constexpr char kSchool[] = "kenilworth";
constexpr int kTeachers = 10;
constexpr int kSlotsPerTeacher = 30;
constexpr int kSlotMinutes = 10;
constexpr int kPoolSize = 16;  // the service's default PARLEY_PG_POOL_SIZE

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

absl::Duration Percentile(std::vector<absl::Duration> v, double p) {
  if (v.empty()) return absl::ZeroDuration();
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

class Bench {
 public:
  explicit Bench(std::unique_ptr<e2e::TrustUnderTest> trust, e2e::RushTrust rush)
      : trust_(std::move(trust)), rush_(std::move(rush)), stub_(av1::AppointmentsService::NewStub(Channel())) {}

  // An evening on the `n`th weekday from a week today (one per date, so a guardian's bookings at
  // earlier evenings never stand in the way), opening at `opens_at`.
  std::string CreateEvening(int n, absl::Time opens_at) {
    absl::CivilDay day = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) + 7;
    for (int seen = -1; seen < n; day = day + 1) {
      if (absl::GetWeekday(day) != absl::Weekday::saturday && absl::GetWeekday(day) != absl::Weekday::sunday) ++seen;
    }
    day = day - 1;
    const absl::Time start =
        absl::FromCivil(absl::CivilMinute(day.year(), day.month(), day.day(), 15, 30), absl::UTCTimeZone());
    av1::CreateParentsEveningRequest create;
    create.set_parent(absl::StrCat("schools/", kSchool));
    av1::ParentsEvening* e = create.mutable_parents_evening();
    e->set_display_name("Benchmark parents' evening");
    *e->mutable_time()->mutable_start_time() = ToTimestamp(start);
    *e->mutable_time()->mutable_end_time() = ToTimestamp(start + absl::Minutes(kSlotsPerTeacher * kSlotMinutes));
    *e->mutable_slot_length() = google::protobuf::util::TimeUtil::SecondsToDuration(kSlotMinutes * 60);
    for (const std::string& staff : rush_.teachers) {
      av1::EveningTeacher* t = e->add_teachers();
      t->set_staff(staff);
      *t->mutable_window() = e->time();
    }
    *e->mutable_booking_open_time() = ToTimestamp(opens_at);
    create.set_request_id(e2e::NewUuid());
    av1::ParentsEvening evening;
    const std::string office =
        trust_->Mint({"office"}, {kSchool}, "schools/kenilworth/staff/office-bench", absl::Minutes(30));
    const grpc::Status s =
        e2e::CallAs(*stub_, office, &av1::AppointmentsService::Stub::CreateParentsEvening, create, &evening);
    if (!s.ok()) std::fprintf(stderr, "creating the evening failed: %s\n", s.error_message().c_str());
    return s.ok() ? evening.name() : "";
  }

  // Every booker at `opens_at`, or (paced) booker i at opens_at + i × spread / N.
  void Round(const char* label, int evening, absl::Duration spread) {
    const absl::Time opens_at = absl::Now() + absl::Seconds(15);
    e2e::RushOptions options;
    options.evening = CreateEvening(evening, opens_at);
    if (options.evening.empty()) return;
    options.school = absl::StrCat("schools/", kSchool);
    options.opens_at = opens_at;
    options.arrival_spread = spread;
    options.token_for = [this](const std::string& guardian) {
      return trust_->Mint({"guardian"}, {kSchool}, guardian, absl::Minutes(30));
    };
    absl::Duration wall;
    const std::vector<BookerResult> results = e2e::RunRush(Channel(), options, rush_.families, &wall);
    Print(label, options.evening, results, wall);
  }

  void Reference() {
    const double autocommit = SingleRowInserts(trust_->Dsn(Service::kAppointments), kPoolSize, absl::Seconds(3), false);
    const double in_txn = SingleRowInserts(trust_->Dsn(Service::kAppointments), kPoolSize, absl::Seconds(3), true);
    std::printf(
        "  reference: single-row INSERT from %d connections, same server: %.0f/s autocommit, %.0f/s in "
        "BEGIN/COMMIT (%s)\n",
        kPoolSize, autocommit, in_txn, LoadAverage().c_str());
    reference_ = autocommit;
  }

 private:
  std::shared_ptr<grpc::Channel> Channel() const { return trust_->Channel(Service::kAppointments); }

  int64_t Count(const std::string& sql) {
    pqxx::connection db(trust_->Dsn(Service::kAppointments));
    pqxx::read_transaction txn(db);
    return txn.exec1(sql)[0].as<int64_t>();
  }

  void Print(const char* label, const std::string& evening, const std::vector<BookerResult>& results,
             absl::Duration wall) {
    int confirmed = 0, waiting = 0, other = 0, lost = 0, overloaded = 0, calls = 0;
    std::vector<absl::Duration> booked, holds, confirms;
    std::string first_other;
    for (const BookerResult& r : results) {
      lost += r.slots_lost;
      overloaded += r.overloaded;
      calls += r.calls;
      holds.insert(holds.end(), r.holds_won.begin(), r.holds_won.end());
      holds.insert(holds.end(), r.holds_lost.begin(), r.holds_lost.end());
      confirms.insert(confirms.end(), r.confirms.begin(), r.confirms.end());
      if (r.end == BookerResult::End::kConfirmed) {
        ++confirmed;
        booked.push_back(r.booked_in);
      } else if (r.end == BookerResult::End::kWaitingList) {
        ++waiting;
      } else {
        ++other;
        if (first_other.empty()) first_other = r.error;
      }
    }
    const int64_t doubles = Count(
        "SELECT count(*) FROM occupancy a JOIN occupancy b ON a.school_id = b.school_id AND "
        "a.occupant_kind = b.occupant_kind AND a.occupant_id = b.occupant_id AND a.during && b.during AND "
        "a.booking_id < b.booking_id WHERE a.active AND b.active");
    const double rate = confirmed / absl::ToDoubleSeconds(wall);
    std::printf(
        "  %-6s %s: %d confirmed, %d waiting, %d other in %.1f s = %.0f bookings/s (%.0f%% of the reference); "
        "booker first hold to confirmed p50 %.0f ms p99 %.0f ms; hold p50 %.0f ms p99 %.0f ms; confirm p50 %.0f "
        "ms p99 %.0f ms; %d calls served (%.0f/s), %d slots lost, %d calls turned away and sent again; double bookings "
        "%lld%s%s\n",
        label, evening.substr(evening.rfind('/') + 1).c_str(), confirmed, waiting, other, absl::ToDoubleSeconds(wall),
        rate, reference_ > 0 ? 100 * rate / reference_ : 0, Ms(Percentile(booked, 0.5)), Ms(Percentile(booked, 0.99)),
        Ms(Percentile(holds, 0.5)), Ms(Percentile(holds, 0.99)), Ms(Percentile(confirms, 0.5)),
        Ms(Percentile(confirms, 0.99)), calls, calls / absl::ToDoubleSeconds(wall), lost, overloaded,
        static_cast<long long>(doubles), first_other.empty() ? "" : "; first other: ", first_other.c_str());
  }

  std::unique_ptr<e2e::TrustUnderTest> trust_;
  e2e::RushTrust rush_;
  std::unique_ptr<av1::AppointmentsService::Stub> stub_;
  double reference_ = 0;
};

int Run(int rounds, absl::Duration paced) {
  const char* pg = std::getenv("PARLEY_BENCH_PG_DSN");
  const char* redis = std::getenv("PARLEY_BENCH_REDIS_ADDR");
  if (pg == nullptr || redis == nullptr) {
    std::fprintf(stderr, "set PARLEY_BENCH_PG_DSN and PARLEY_BENCH_REDIS_ADDR\n");
    return 2;
  }
  setenv("PARLEY_TEST_PG_DSN", pg, 1);  // where TrustUnderTest makes the services' databases
  e2e::RushTrust rush = e2e::GrowTrust(e2e::ReadAll(PARLEY_DEMO_TRUST_JSON), kSchool, 1000, kTeachers);
  if (rush.families.empty()) return 1;
  e2e::TrustOptions options("rushbench", e2e::WriteTemp("rush-trust.json", rush.trust_json), PARLEY_CONTACTS_BINARY,
                            PARLEY_CONDUCT_BINARY);
  options.appointments_binary = PARLEY_APPOINTMENTS_BINARY;
  options.redis_addr = redis;
  absl::StatusOr<std::unique_ptr<e2e::TrustUnderTest>> trust = e2e::TrustUnderTest::Start(options);
  if (!trust.ok()) {
    std::fprintf(stderr, "starting the services failed: %s\n", trust.status().ToString().c_str());
    return 1;
  }
  std::printf("rush_grpc_bench: 1,000 guardians, one evening of %d teachers x %d slots, through gRPC (%s)\n", kTeachers,
              kSlotsPerTeacher, LoadAverage().c_str());
  Bench bench(std::move(*trust), std::move(rush));
  for (int round = 0; round < rounds; ++round) {
    std::printf("round %d\n", round + 1);
    bench.Reference();
    bench.Round("rush", 2 * round, absl::ZeroDuration());
    bench.Round("paced", 2 * round + 1, paced);
  }
  return 0;
}

}  // namespace
}  // namespace parley::bench

int main(int argc, char** argv) {
  CLI::App app{"the parents' evening rush through parley-appointments' gRPC API"};
  int rounds = 3;
  int paced_seconds = 20;
  app.add_option("--rounds", rounds, "rounds (each: the reference, the rush, paced)");
  app.add_option("--paced-seconds", paced_seconds, "the paced shape's arrivals are spread over this many seconds");
  CLI11_PARSE(app, argc, argv);
  return parley::bench::Run(rounds, absl::Seconds(paced_seconds));
}
