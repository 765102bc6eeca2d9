// conduct_bench: the communication gate (CheckCommunication) over gRPC beside the Echo RPC of the
// same server, at several concurrency levels, printing the gate's throughput as a share of Echo's
// and its latency. The gate is served from memory and its decisions are written behind the answer
// (domain/decision_recorder.h), as parley-conduct serves it; beside it, in the same run, the same
// gate on a second in-process server whose checks each wait until their decision is stored (the
// former store-before-return design), so before and after are measured side by side.
//
//   conduct_bench --pg "host=127.0.0.1 port=55440 user=postgres dbname=postgres"
//
// The client is asynchronous (bench::RunAsyncLoad) unless --blocking_client.
// It creates (and afterwards drops) a database of its own on that server. The directory is an
// in-process fake: conduct caches contacts' answers, so the steady state never calls it.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench/common/admin.h"
#include "bench/common/load.h"
#include "common/auth/auth.h"
#include "common/auth/testing/test_keys.h"
#include "common/grpc/server.h"
#include "common/log/log.h"
#include "common/pg/migrations.h"
#include "common/pg/pool.h"
#include "common/timer/timer.h"
#include "grpcpp/grpcpp.h"
#include "parley/conduct/v1/conduct_service.grpc.pb.h"
#include "parley/diagnostics/v1/diagnostics.grpc.pb.h"
#include "services/conduct/api/conduct_api.h"
#include "services/conduct/migrations.h"
#include "services/conduct/store/pg_conduct_store.h"
#include "services/conduct/testing/fake_directory.h"

namespace parley::conduct {
namespace {

namespace dv1 = ::parley::diagnostics::v1;

int Run(int seconds, const std::string& in_flight_list, const std::string& admin_dsn, bool blocking_client) {
  log::SetMinLevel(log::Level::kWarning);
  const std::string db = absl::StrCat("conduct_bench_", getpid());
  if (absl::Status s = bench::AdminSql(admin_dsn, absl::StrCat("CREATE DATABASE ", db)); !s.ok()) {
    std::fprintf(stderr, "conduct_bench: cannot create a database: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  int rc = 0;
  {
    pg::PoolOptions popts;
    popts.dsn = absl::StrCat(admin_dsn, " dbname=", db);
    popts.size = 8;
    auto pool = pg::Pool::Create(popts);
    if (!pool.ok() || !pg::ApplyMigrations(**pool, timer::kMigrationsService, timer::Migrations()).ok() ||
        !pg::ApplyMigrations(**pool, "conduct", Migrations()).ok()) {
      std::fprintf(stderr, "conduct_bench: database set-up failed\n");
      return 2;
    }
    PgConductStore store(pool->get());
    testing::FakeDirectory directory;
    directory.AddSchool("kenilworth");
    directory.SetHead("kenilworth", "schools/kenilworth/staff/s-head");
    // 200 guardians; every tenth has an arrangement (email only, Tuesdays 15:30-16:30).
    std::vector<std::string> guardians;
    for (int i = 0; i < 200; ++i) {
      guardians.push_back(absl::StrCat("guardians/g-", 10000 + i));
      directory.AddGuardian(guardians.back(), {"kenilworth"});
    }
    GateCache gate(&store, &RealClock::Get(), absl::Hours(24 * 365));
    if (!gate.Start(absl::Milliseconds(250)).ok()) return 2;
    DecisionRecorder recorder(&store);
    recorder.Start();
    ConductService conduct(&store, &directory, &gate, &recorder, nullptr, &RealClock::Get());
    DecisionLogOptions sync_options;
    sync_options.wait_until_stored = true;
    DecisionRecorder sync_recorder(&store, sync_options);
    sync_recorder.Start();
    ConductService sync_conduct(&store, &directory, &gate, &sync_recorder, nullptr, &RealClock::Get());
    int n = 0;
    for (size_t i = 0; i < guardians.size(); i += 10) {
      Arrangement a;
      a.school_id = "kenilworth";
      a.guardian = guardians[i];
      a.terms.allowed_channels = {Channel::kEmail};
      a.terms.allowed_windows = {TimeWindow{absl::Weekday::tuesday, 15 * 60 + 30, 16 * 60 + 30}};
      a.terms.reasons = "bench";
      a.start_time = absl::Now() - absl::Hours(24);
      a.review_date = absl::CivilDay(2030, 1, 1);
      auto encode = [](const Arrangement& x) -> absl::StatusOr<std::string> { return x.id; };
      auto created = conduct.CreateArrangement(
          RequestKey{"bench.Create", absl::StrFormat("00000000-0000-4000-8000-%012d", ++n), "x"}, a, encode);
      if (!created.ok()) return 2;
      auto issued = conduct.IssueArrangement(
          RequestKey{"bench.Issue", absl::StrFormat("00000000-0000-4000-8000-%012d", ++n), "x"}, "kenilworth",
          created->response, "", "bench", encode);
      if (!issued.ok()) {
        std::fprintf(stderr, "issue failed: %s\n", std::string(issued.status().message()).c_str());
        return 2;
      }
    }

    auth::testing::KeyPair keys = auth::testing::GenerateEcP256();
    auth::VerifierOptions vopts;
    vopts.public_keys_pem = {keys.public_pem};
    vopts.issuer = "bench";
    vopts.audience = "parley";
    auto verifier = auth::Verifier::Create(vopts);
    auto signer = auth::Signer::Create({keys.private_pem, "bench", "parley", nullptr});
    const std::string token = *(*signer)->Mint(auth::Principal{"service:escalation", {"service"}, {}}, absl::Hours(1));

    server::ServerOptions options;
    options.service_name = "conduct-bench";
    options.listen_address = "127.0.0.1:0";
    options.metrics_address = "";
    options.max_threads = 512;
    options.not_serving_delay = absl::ZeroDuration();
    server::Server server(options);
    ConductApi api(&conduct, verifier->get(), &RealClock::Get());
    server.AddService(&api);
    if (!server.Start().ok()) return 2;
    server::Server sync_server(options);
    ConductApi sync_api(&sync_conduct, verifier->get(), &RealClock::Get());
    sync_server.AddService(&sync_api);
    if (!sync_server.Start().ok()) return 2;

    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server.port()), grpc::InsecureChannelCredentials());
    auto stub = v1::ConductService::NewStub(channel);
    auto diagnostics = dv1::DiagnosticsService::NewStub(channel);
    auto sync_channel =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", sync_server.port()), grpc::InsecureChannelCredentials());
    auto sync_stub = v1::ConductService::NewStub(sync_channel);
    std::atomic<uint64_t> next{0};
    const std::string authorization = absl::StrCat("Bearer ", token);
    auto check_request = [&] {
      v1::CheckCommunicationRequest req;
      req.set_school("schools/kenilworth");
      req.set_guardian(guardians[next.fetch_add(1) % guardians.size()]);
      req.set_channel(v1::CHANNEL_PHONE);
      req.mutable_time()->set_seconds(absl::ToUnixSeconds(absl::Now()) - 60);
      req.set_purpose(v1::PURPOSE_INBOUND_MESSAGE);
      return req;
    };
    dv1::EchoRequest echo_request;
    echo_request.set_payload("parley");
    const bench::StartCall async_echo = bench::CallbackUnary<dv1::EchoResponse>(
        [&](grpc::ClientContext* ctx, dv1::EchoResponse* response, bench::Done done) {
          diagnostics->async()->Echo(ctx, &echo_request, response, std::move(done));
        });
    // The request must outlive the call: it is kept with the response's call state.
    auto async_check = [&](v1::ConductService::Stub* s) {
      return bench::CallbackUnary<std::pair<v1::CheckCommunicationRequest, v1::Decision>>(
          [&, s](grpc::ClientContext* ctx, std::pair<v1::CheckCommunicationRequest, v1::Decision>* call,
                 bench::Done done) {
            ctx->AddMetadata("authorization", authorization);
            call->first = check_request();
            s->async()->CheckCommunication(ctx, &call->first, &call->second, std::move(done));
          });
    };
    const bench::StartCall async_behind = async_check(stub.get());
    const bench::StartCall async_sync = async_check(sync_stub.get());
    std::function<grpc::Status()> echo = [&] {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      dv1::EchoRequest req;
      req.set_payload("parley");
      dv1::EchoResponse resp;
      return diagnostics->Echo(&ctx, req, &resp);
    };
    auto blocking_check = [&](v1::ConductService::Stub* s) {
      return std::function<grpc::Status()>([&, s] {
        grpc::ClientContext ctx;
        ctx.AddMetadata("authorization", authorization);
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        v1::Decision resp;
        return s->CheckCommunication(&ctx, check_request(), &resp);
      });
    };
    const std::function<grpc::Status()> behind = blocking_check(stub.get());
    const std::function<grpc::Status()> sync = blocking_check(sync_stub.get());

    std::printf(
        "conduct_bench: in-process servers, 200 guardians (20 with arrangements), decisions stored in "
        "PostgreSQL, %d s per run, %s client on the same cores\n"
        "  CheckCommunication: decisions written behind (parley-conduct); CheckCommunication(stored): each "
        "check waits until its decision is stored (the former design)\n",
        seconds, blocking_client ? "blocking" : "asynchronous");
    auto run = [&](int k, const bench::StartCall& async_call, const std::function<grpc::Status()>& blocking_call) {
      const absl::Duration d = absl::Seconds(seconds);
      return blocking_client ? bench::RunLoad(k, d, blocking_call) : bench::RunAsyncLoad(k, d, async_call);
    };
    for (absl::string_view item : absl::StrSplit(in_flight_list, ',', absl::SkipEmpty())) {
      int k = 0;
      if (!absl::SimpleAtoi(item, &k) || k <= 0) return 2;
      bench::LoadResult e = run(k, async_echo, echo);
      bench::LoadResult c = run(k, async_behind, behind);
      bench::LoadResult s = run(k, async_sync, sync);
      std::printf("%s\n%s\n%s\n", bench::FormatResult("Echo", e).c_str(),
                  bench::FormatResult("CheckCommunication", c).c_str(),
                  bench::FormatResult("CheckCommunication(stored)", s).c_str());
      std::printf("  in flight %-3d CheckCommunication/Echo = %.0f%%   CheckCommunication(stored)/Echo = %.0f%%\n\n", k,
                  100.0 * c.requests_per_second / e.requests_per_second,
                  100.0 * s.requests_per_second / e.requests_per_second);
      std::fflush(stdout);
      if (c.errors > 0 || s.errors > 0) rc = 1;
    }
    sync_server.Shutdown();
    server.Shutdown();
    gate.Stop();
  }
  (void)bench::AdminSql(admin_dsn, absl::StrCat("DROP DATABASE IF EXISTS ", db, " WITH (FORCE)"));
  return rc;
}

}  // namespace
}  // namespace parley::conduct

int main(int argc, char** argv) {
  CLI::App app{"CheckCommunication throughput beside Echo"};
  int seconds = 3;
  std::string in_flight = "1,16,64";
  std::string pg = "host=127.0.0.1 port=55440 user=postgres dbname=postgres";
  bool blocking_client = false;
  app.add_option("--seconds", seconds, "seconds per measurement");
  app.add_option("--in_flight", in_flight, "comma-separated concurrency levels");
  app.add_option("--pg", pg, "libpq DSN of a server where the benchmark may create a database");
  app.add_flag("--blocking_client", blocking_client, "one thread per call in flight (the older harness)");
  CLI11_PARSE(app, argc, argv);
  return parley::conduct::Run(seconds, in_flight, pg, blocking_client);
}
