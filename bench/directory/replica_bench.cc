// replica_bench: a directory replica (common/directory/replica.h) fed over loopback gRPC by an
// in-process contacts (ContactsApi on the in-memory store, the real server with token checks):
//
//   (a) refresh delay: the time from an edit RPC's return (UpdateSchool adding a closure) to the
//       replica's view holding that directory version, beside the edit RPC's own round trip;
//   (b) memory: the process's RSS and glibc heap in use before the replica loads (the reference:
//       contacts alone, its slices already encoded) and after, for the demo trust and a generated
//       trust of 20 schools and 30,000 guardians; the slice sizes per school, the time to encode
//       every slice and the time to decode and build them;
//   (c) memory over --churn edits (default 5,000), contacts and the replica in this one process,
//       sampled every 500 edits.
// Figures only; no assertions.
//
//   replica_bench [--edits=200] [--churn=5000] [--demo=path/to/demo-trust.json]
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/auth/auth.h"
#include "common/auth/signer.h"
#include "common/auth/testing/test_keys.h"
#include "common/clock/clock.h"
#include "common/directory/grpc_feed.h"
#include "common/directory/replica.h"
#include "common/directory/slice.h"
#include "common/directory/testing/generated_trust.h"
#include "common/grpc/server.h"
#include "common/log/log.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "parley/contacts/v1/contacts_service.grpc.pb.h"
#include "services/contacts/api/contacts_api.h"
#include "services/contacts/api/convert.h"
#include "services/contacts/domain/directory_service.h"
#include "services/contacts/testing/in_memory_store.h"

namespace parley::contacts {
namespace {

namespace v1 = ::parley::contacts::v1;

struct Memory {
  double rss_mb = 0;
  double heap_mb = 0;  // glibc: bytes in use (arenas + mmapped blocks)
};

Memory Sample() {
  Memory m;
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  statm >> size >> resident;
  m.rss_mb = static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1 << 20);
  struct mallinfo2 info = mallinfo2();
  m.heap_mb = static_cast<double>(info.uordblks + info.hblkhd) / (1 << 20);
  return m;
}

std::string Row(const std::string& what, const Memory& m, const Memory& ref) {
  return absl::StrFormat("  %-46s RSS %7.1f MB (%+7.1f)   heap in use %7.1f MB (%+7.1f)", what, m.rss_mb,
                         m.rss_mb - ref.rss_mb, m.heap_mb, m.heap_mb - ref.heap_mb);
}

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

std::string Percentiles(std::vector<absl::Duration> v) {
  if (v.empty()) return "none";
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))]; };
  return absl::StrFormat("p50 %6.2f ms   p99 %6.2f ms   max %6.2f ms", Ms(at(0.5)), Ms(at(0.99)), Ms(v.back()));
}

std::string Uuid(int64_t n) { return absl::StrFormat("00000000-0000-4000-8000-%012d", n); }

// Contacts in this process: the in-memory store, the service, the API behind the real server.
class Contacts {
 public:
  Contacts(const auth::Verifier* verifier) : api_(&service_, verifier) {}

  bool Start(Directory directory) {
    if (!service_.Start().ok()) return false;
    auto imported = service_.Import({"bench.Import", Uuid(1), "x"}, std::move(directory), false, nullptr,
                                    [](const ImportResult&) -> absl::StatusOr<std::string> { return ""; });
    if (!imported.ok()) {
      std::fprintf(stderr, "import failed: %s\n", std::string(imported.status().message()).c_str());
      return false;
    }
    server::ServerOptions options;
    options.service_name = "contacts-bench";
    options.listen_address = "127.0.0.1:0";
    options.metrics_address = "";
    options.not_serving_delay = absl::ZeroDuration();
    options.drain_deadline = absl::Seconds(1);
    server_ = std::make_unique<server::Server>(options);
    server_->AddService(&api_);
    if (!server_->Start().ok()) return false;
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials());
    stub_ = v1::ContactsService::NewStub(channel_);
    return true;
  }
  ~Contacts() {
    if (server_ != nullptr) server_->Shutdown();
  }

  DirectoryService& service() { return service_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }
  v1::ContactsService::Stub& stub() { return *stub_; }

 private:
  testing::InMemoryDirectoryStore store_;
  DirectoryService service_{&store_};
  ContactsApi api_;
  std::unique_ptr<server::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ContactsService::Stub> stub_;
};

struct Bench {
  std::unique_ptr<auth::Verifier> verifier;
  std::unique_ptr<auth::Signer> signer;
  std::unique_ptr<auth::ServiceIdentity> identity;
  std::string admin_token;
};

// (b) for one trust: slices, then the replica's load and what it holds. Returns the replica
// running (for (a) and (c)) when `keep` is set.
std::unique_ptr<directory::Replica> MeasureLoad(const std::string& name, Contacts& contacts, Bench& bench,
                                                std::unique_ptr<directory::GrpcSliceFeed>& feed) {
  std::shared_ptr<const Snapshot> snap = contacts.service().snapshot();
  size_t guardians = snap->directory().guardians.size(), pupils = 0, staff = 0;
  for (const auto& [id, sd] : snap->directory().schools) {
    pupils += sd.pupils.size();
    staff += sd.staff.size();
  }
  std::printf("\n%s: %zu schools, %zu staff, %zu pupils, %zu guardians\n", name.c_str(),
              snap->directory().schools.size(), staff, pupils, guardians);

  // Encoding every slice (what contacts does once per directory version).
  const absl::Time e0 = absl::Now();
  absl::StatusOr<std::shared_ptr<const directory::SliceSet>> set = directory::SliceSet::Encode(snap);
  const absl::Duration encode = absl::Now() - e0;
  if (!set.ok()) {
    std::fprintf(stderr, "encode failed: %s\n", std::string(set.status().message()).c_str());
    return nullptr;
  }
  std::vector<size_t> sizes;
  size_t total = 0;
  for (const auto& [id, slice] : (*set)->slices()) {
    sizes.push_back(slice.payload.size());
    total += slice.payload.size();
  }
  std::sort(sizes.begin(), sizes.end());
  // Decoding and building every school's snapshot (what a replica's first load does, less gRPC).
  const absl::Time d0 = absl::Now();
  for (const auto& [id, slice] : (*set)->slices()) {
    absl::StatusOr<Directory> decoded = directory::DecodeSlice(slice.payload);
    if (!decoded.ok() || !Snapshot::Build(snap->version(), *std::move(decoded)).ok()) return nullptr;
  }
  const absl::Duration decode = absl::Now() - d0;
  std::printf("  slices: %zu bytes in all; per school min %zu, median %zu, max %zu bytes\n", total, sizes.front(),
              sizes[sizes.size() / 2], sizes.back());
  std::printf("  encode every slice %.1f ms; decode + build every school's snapshot %.1f ms\n", Ms(encode), Ms(decode));
  set = absl::InternalError("released");

  // Contacts encodes its slices before the reference is taken, so the delta is the replica's.
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", bench.identity->Token()));
    v1::GetDirectorySliceRequest req;
    req.set_school(absl::StrCat("schools/", snap->directory().schools.begin()->first));
    v1::DirectorySlice resp;
    grpc::Status status = contacts.stub().GetDirectorySlice(&ctx, req, &resp);
    if (!status.ok()) {
      std::fprintf(stderr, "GetDirectorySlice: %s\n", status.error_message().c_str());
      return nullptr;
    }
  }
  snap.reset();
  malloc_trim(0);
  const Memory ref = Sample();
  std::printf("%s\n", Row("reference: contacts alone, slices encoded", ref, ref).c_str());

  feed = std::make_unique<directory::GrpcSliceFeed>(contacts.channel(), bench.identity.get(), absl::Seconds(10));
  auto replica = std::make_unique<directory::Replica>(feed.get(), &RealClock::Get(), directory::Replica::Options{});
  const absl::Time l0 = absl::Now();
  replica->Start();
  absl::Status ready = replica->AwaitReady(absl::Minutes(2));
  const absl::Duration load = absl::Now() - l0;
  if (!ready.ok()) {
    std::fprintf(stderr, "replica: %s\n", std::string(ready.message()).c_str());
    return nullptr;
  }
  std::printf("  replica first load over gRPC (watch, fetch every slice, build): %.1f ms\n", Ms(load));
  std::printf("%s\n", Row("replica loaded", Sample(), ref).c_str());
  malloc_trim(0);
  std::printf("%s\n", Row("replica loaded, after malloc_trim(0)", Sample(), ref).c_str());
  return replica;
}

// Adds closure `day` (one of 20 spring weekdays) to a school through UpdateSchool.
class Editor {
 public:
  Editor(Contacts& contacts, const std::string& token) : contacts_(contacts), token_(token) {
    for (const auto& [id, sd] : contacts.service().snapshot()->directory().schools) {
      v1::GetSchoolRequest get;
      get.set_name(absl::StrCat("schools/", id));
      v1::School school;
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token_));
      if (contacts.stub().GetSchool(&ctx, get, &school).ok()) schools_.push_back(school);
    }
    for (absl::CivilDay d(2026, 1, 12); days_.size() < 20; ++d) {
      if (absl::GetWeekday(d) != absl::Weekday::saturday && absl::GetWeekday(d) != absl::Weekday::sunday) {
        days_.push_back(absl::FormatCivilTime(d));
      }
    }
  }

  // Edit `i`: the school i % schools, the day (i / schools) % 20. The directory version after it.
  absl::StatusOr<int64_t> Edit(int64_t i) {
    const v1::School& school = schools_[i % schools_.size()];
    v1::UpdateSchoolRequest req;
    *req.mutable_school() = school;
    req.mutable_school()->clear_etag();  // unconditional: the bench is the only writer
    v1::Closure* c = req.mutable_school()->mutable_calendar()->add_closures();
    c->set_start_date(days_[(i / schools_.size()) % days_.size()]);
    c->set_label("Bench closure");
    c->set_kind(v1::CLOSURE_KIND_OTHER);
    req.mutable_update_mask()->add_paths("calendar");
    req.set_request_id(Uuid(1000 + i));
    v1::School resp;
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token_));
    grpc::Status status = contacts_.stub().UpdateSchool(&ctx, req, &resp);
    if (!status.ok()) return absl::InternalError(status.error_message());
    return contacts_.service().snapshot()->version();
  }
  size_t schools() const { return schools_.size(); }

 private:
  Contacts& contacts_;
  const std::string token_;
  std::vector<v1::School> schools_;
  std::vector<std::string> days_;
};

int Run(int edits, int churn, const std::string& demo_path) {
  log::SetMinLevel(log::Level::kError);
  Bench bench;
  auth::testing::KeyPair keys = auth::testing::GenerateEcP256();
  auth::VerifierOptions vopts;
  vopts.public_keys_pem = {keys.public_pem};
  vopts.issuer = "bench";
  vopts.audience = "parley";
  bench.verifier = *auth::Verifier::Create(vopts);
  bench.signer = *auth::Signer::Create({keys.private_pem, "bench", "parley", nullptr});
  bench.identity = std::make_unique<auth::ServiceIdentity>(
      *auth::Signer::Create({keys.private_pem, "bench", "parley", nullptr}), "escalation", absl::Hours(1));
  bench.admin_token = *bench.signer->Mint(auth::Principal{"bench", {"trust_admin"}, {}}, absl::Hours(2));

  std::ifstream in(demo_path);
  if (!in) {
    std::fprintf(stderr, "replica_bench: cannot read %s (build target parley_demo_trust)\n", demo_path.c_str());
    return 2;
  }
  std::stringstream json;
  json << in.rdbuf();
  v1::TrustDirectory doc;
  if (!google::protobuf::util::JsonStringToMessage(json.str(), &doc).ok()) return 2;
  absl::StatusOr<Directory> demo = DirectoryFromProto(doc);
  if (!demo.ok()) return 2;

  std::printf(
      "replica_bench: contacts (in-memory store, real server, token checks) and one replica over loopback gRPC, "
      "both in this process; %ld cores\n",
      sysconf(_SC_NPROCESSORS_ONLN));
  std::printf("process at start: RSS %.1f MB, heap in use %.1f MB\n", Sample().rss_mb, Sample().heap_mb);

  // (b) the generated trust first, in its own contacts, then released.
  {
    const absl::Time g0 = absl::Now();
    Directory generated = directory::testing::GeneratedTrust(20, 80, 1000, 1500);
    Contacts contacts(bench.verifier.get());
    if (!contacts.Start(std::move(generated))) return 2;
    std::printf("\n(generated and imported in %.1f s)", absl::ToDoubleSeconds(absl::Now() - g0));
    std::unique_ptr<directory::GrpcSliceFeed> feed;
    std::unique_ptr<directory::Replica> replica = MeasureLoad("(b) generated trust", contacts, bench, feed);
    if (replica == nullptr) return 2;
    replica->Stop();
  }
  malloc_trim(0);

  Contacts contacts(bench.verifier.get());
  if (!contacts.Start(*std::move(demo))) return 2;
  std::unique_ptr<directory::GrpcSliceFeed> feed;
  std::unique_ptr<directory::Replica> replica = MeasureLoad("(b) demo trust", contacts, bench, feed);
  if (replica == nullptr) return 2;

  // (a) refresh delay.
  Editor editor(contacts, bench.admin_token);
  std::vector<absl::Duration> rpc, delay;
  int64_t i = 0;
  for (; i < edits; ++i) {
    const absl::Time t0 = absl::Now();
    absl::StatusOr<int64_t> version = editor.Edit(i);
    const absl::Time t1 = absl::Now();
    if (!version.ok()) {
      std::fprintf(stderr, "edit %ld: %s\n", static_cast<long>(i), std::string(version.status().message()).c_str());
      return 2;
    }
    if (!replica->AwaitVersion(*version, absl::Seconds(30))) {
      std::fprintf(stderr, "edit %ld: the replica did not reach version %ld\n", static_cast<long>(i),
                   static_cast<long>(*version));
      return 2;
    }
    delay.push_back(absl::Now() - t1);
    rpc.push_back(t1 - t0);
  }
  std::printf("\n(a) refresh delay, %d edits (UpdateSchool adding a closure, %zu demo schools in turn):\n", edits,
              editor.schools());
  std::printf("  reference: the edit RPC's round trip      %s\n", Percentiles(rpc).c_str());
  std::printf("  edit RPC returned -> replica holds it     %s\n", Percentiles(delay).c_str());

  // (c) memory under churn.
  std::printf("\n(c) memory over %d edits (contacts + replica in this process; no malloc_trim while editing):\n",
              churn);
  malloc_trim(0);
  const Memory ref = Sample();
  std::printf("%s\n", Row("reference: before the churn", ref, ref).c_str());
  std::vector<absl::Duration> churn_delay;
  for (int n = 1; n <= churn; ++n, ++i) {
    absl::StatusOr<int64_t> version = editor.Edit(i);
    const absl::Time t1 = absl::Now();
    if (!version.ok() || !replica->AwaitVersion(*version, absl::Seconds(30))) {
      std::fprintf(stderr, "churn edit %d failed\n", n);
      return 2;
    }
    churn_delay.push_back(absl::Now() - t1);
    if (n % 500 == 0) std::printf("%s\n", Row(absl::StrCat("after ", n, " edits"), Sample(), ref).c_str());
  }
  malloc_trim(0);
  std::printf("%s\n", Row("after malloc_trim(0)", Sample(), ref).c_str());
  std::printf("  refresh delay over the churn              %s\n", Percentiles(churn_delay).c_str());
  absl::StatusOr<std::shared_ptr<const directory::ReplicaView>> view = replica->View();
  std::printf("  replica at directory version %ld, contacts at %ld\n",
              static_cast<long>(view.ok() ? (*view)->directory_version() : -1),
              static_cast<long>(contacts.service().snapshot()->version()));
  replica->Stop();
  return 0;
}

}  // namespace
}  // namespace parley::contacts

int main(int argc, char** argv) {
  CLI::App app{"replica_bench: the directory replica's refresh delay and memory"};
  int edits = 200, churn = 5000;
  std::string demo = PARLEY_DEMO_TRUST_JSON;
  app.add_option("--edits", edits, "edits timed for the refresh delay");
  app.add_option("--churn", churn, "edits for the memory under churn");
  app.add_option("--demo", demo, "the demo trust document (JSON)");
  CLI11_PARSE(app, argc, argv);
  return parley::contacts::Run(edits, churn, demo);
}
