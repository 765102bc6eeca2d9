// contacts_bench: RouteEnquiry and ComputeDeadline over gRPC beside the Echo RPC of the same
// server, at several concurrency levels, printing each read RPC's throughput as a share of Echo's.
//
// The server is the real one (common/grpc Server + ContactsApi, with token verification) serving
// the demo trust from memory, in this process; the load client shares the machine's cores, as in
// the reference figures. Reads never touch PostgreSQL, so an in-memory store holds the directory.
//
//   contacts_bench [--seconds=3] [--in_flight=1,16,64] [--demo=path/to/demo-trust.json]
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bench/common/load.h"
#include "common/auth/auth.h"
#include "common/auth/testing/test_keys.h"
#include "common/grpc/server.h"
#include "common/log/log.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "parley/contacts/v1/contacts_service.grpc.pb.h"
#include "parley/diagnostics/v1/diagnostics.grpc.pb.h"
#include "services/contacts/api/contacts_api.h"
#include "services/contacts/api/convert.h"
#include "services/contacts/domain/directory_service.h"
#include "services/contacts/testing/in_memory_store.h"

namespace parley::contacts {
namespace {

namespace v1 = ::parley::contacts::v1;
namespace dv1 = ::parley::diagnostics::v1;

int Run(int seconds, const std::string& in_flight_list, const std::string& demo_path) {
  log::SetMinLevel(log::Level::kWarning);
  std::ifstream in(demo_path);
  if (!in) {
    std::fprintf(stderr, "contacts_bench: cannot read %s (build target parley_demo_trust)\n", demo_path.c_str());
    return 2;
  }
  std::stringstream json;
  json << in.rdbuf();
  v1::TrustDirectory doc;
  if (!google::protobuf::util::JsonStringToMessage(json.str(), &doc).ok()) return 2;
  absl::StatusOr<Directory> directory = DirectoryFromProto(doc);
  if (!directory.ok()) return 2;

  testing::InMemoryDirectoryStore store;
  DirectoryService service(&store);
  if (!service.Start().ok()) return 2;
  auto imported = service.Import({"bench.Import", "00000000-0000-4000-8000-000000000001", "x"}, *directory, false,
                                 nullptr, [](const ImportResult&) -> absl::StatusOr<std::string> { return ""; });
  if (!imported.ok()) {
    std::fprintf(stderr, "import failed: %s\n", std::string(imported.status().message()).c_str());
    return 2;
  }

  auth::testing::KeyPair keys = auth::testing::GenerateEcP256();
  auth::VerifierOptions vopts;
  vopts.public_keys_pem = {keys.public_pem};
  vopts.issuer = "bench";
  vopts.audience = "parley";
  auto verifier = auth::Verifier::Create(vopts);
  auto signer = auth::Signer::Create({keys.private_pem, "bench", "parley", nullptr});
  const std::string token = *(*signer)->Mint(auth::Principal{"bench", {"office"}, {"st-marys"}}, absl::Hours(1));

  server::ServerOptions options;
  options.service_name = "contacts-bench";
  options.listen_address = "127.0.0.1:0";
  options.metrics_address = "";
  options.max_threads = 512;
  options.not_serving_delay = absl::ZeroDuration();
  server::Server server(options);
  ContactsApi api(&service, verifier->get());
  server.AddService(&api);
  if (!server.Start().ok()) return 2;

  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server.port()), grpc::InsecureChannelCredentials());
  auto contacts = v1::ContactsService::NewStub(channel);
  auto diagnostics = dv1::DiagnosticsService::NewStub(channel);

  // One real St Mary's pupil, and the worked example's email.
  const auto& pupils = service.snapshot()->FindSchool("st-marys")->pupils;
  const std::string pupil = absl::StrCat("schools/st-marys/pupils/", pupils.begin()->first);
  v1::RouteEnquiryRequest route;
  route.set_school("schools/st-marys");
  route.set_pupil(pupil);
  route.set_category("send");
  route.set_channel(v1::CHANNEL_EMAIL);
  v1::ComputeDeadlineRequest deadline;
  deadline.set_school("schools/st-marys");
  deadline.set_channel(v1::CHANNEL_EMAIL);
  deadline.set_stage(v1::STAGE_ACKNOWLEDGE);
  *deadline.mutable_received_time() = google::protobuf::util::TimeUtil::SecondsToTimestamp(1761318600);

  auto with_token = [&](grpc::ClientContext& ctx) {
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  };
  std::function<grpc::Status()> echo = [&] {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    dv1::EchoRequest req;
    req.set_payload("parley");
    dv1::EchoResponse resp;
    return diagnostics->Echo(&ctx, req, &resp);
  };
  std::function<grpc::Status()> route_call = [&] {
    grpc::ClientContext ctx;
    with_token(ctx);
    v1::RouteEnquiryResponse resp;
    return contacts->RouteEnquiry(&ctx, route, &resp);
  };
  std::function<grpc::Status()> deadline_call = [&] {
    grpc::ClientContext ctx;
    with_token(ctx);
    v1::ComputeDeadlineResponse resp;
    return contacts->ComputeDeadline(&ctx, deadline, &resp);
  };

  std::printf("contacts_bench: in-process server, demo trust (%zu schools), %d s per run, client on the same cores\n",
              service.snapshot()->directory().schools.size(), seconds);
  for (absl::string_view item : absl::StrSplit(in_flight_list, ',', absl::SkipEmpty())) {
    int n = 0;
    if (!absl::SimpleAtoi(item, &n) || n <= 0) return 2;
    const absl::Duration d = absl::Seconds(seconds);
    bench::LoadResult e = bench::RunLoad(n, d, echo);
    bench::LoadResult r = bench::RunLoad(n, d, route_call);
    bench::LoadResult c = bench::RunLoad(n, d, deadline_call);
    std::printf("%s\n%s\n%s\n", bench::FormatResult("Echo", e).c_str(), bench::FormatResult("RouteEnquiry", r).c_str(),
                bench::FormatResult("ComputeDeadline (with explanation)", c).c_str());
    std::printf("  in flight %-3d RouteEnquiry/Echo = %.0f%%   ComputeDeadline/Echo = %.0f%%\n\n", n,
                100.0 * r.requests_per_second / e.requests_per_second,
                100.0 * c.requests_per_second / e.requests_per_second);
  }
  server.Shutdown();
  return 0;
}

}  // namespace
}  // namespace parley::contacts

int main(int argc, char** argv) {
  CLI::App app{"RouteEnquiry and ComputeDeadline throughput beside Echo"};
  int seconds = 3;
  std::string in_flight = "1,16,64";
  std::string demo = PARLEY_DEMO_TRUST_JSON;
  app.add_option("--seconds", seconds, "seconds per measurement");
  app.add_option("--in_flight", in_flight, "comma-separated concurrency levels");
  app.add_option("--demo", demo, "the demo trust document");
  CLI11_PARSE(app, argc, argv);
  return parley::contacts::Run(seconds, in_flight, demo);
}
