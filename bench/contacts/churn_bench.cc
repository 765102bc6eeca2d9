// churn_bench: the memory of a real parley-contacts process under a year of directory edits.
//
// Starts the built parley-contacts as a child process (TLS, a fresh database of its own on the
// given PostgreSQL), imports the demo trust, and then drives --edits edits over gRPC one after
// another, as office staff and a nightly MIS sync would: guardians created, updated and deleted,
// staff working patterns, calendar closures and policy edits, and every 50th edit a full import of
// the demo trust (with allow_deletions, as a sync runs). Every 10th school edit is a ~1 MB school
// record (2,000 closures with 200-character labels, 200 policy rules with 2,000-character texts,
// 100 external contacts: the longest strings the API takes, in the most places it takes them).
//
// Every --every edits it prints the child's VmRSS and RssAnon (/proc/<pid>/status) beside the
// reference taken in the same run right after start-up and the demo import. With --heap it also
// asks glibc itself (malloc_stats, called in the child through gdb) how many bytes are in use and
// how many its arenas hold, which tells live data from memory malloc keeps; --trim calls
// malloc_trim(0) in the child at the end and samples again. The child inherits this process's
// environment, so allocator settings can be compared run against run:
//
//   PARLEY_TEST_TLS_DIR=/tmp/x/tls churn_bench --pg "host=127.0.0.1 port=55444 user=postgres"
//       [--edits=5000] [--every=250] [--heap] [--trim]
//   MALLOC_ARENA_MAX=2 churn_bench ...
#include <signal.h>
#include <unistd.h>

#include <dirent.h>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/auth/auth.h"
#include "common/auth/testing/test_keys.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "parley/contacts/v1/contacts_service.grpc.pb.h"
#include "pqxx/pqxx"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/service_process.h"

namespace parley::bench {
namespace {

namespace v1 = ::parley::contacts::v1;

constexpr int kImportEvery = 50;        // every 50th edit is a full import of the demo trust
constexpr int kBigEveryNthSchool = 10;  // every 10th school edit is a ~1 MB record

bool Admin(const std::string& dsn, const std::string& sql) {
  try {
    pqxx::connection c(dsn);
    pqxx::nontransaction n(c);
    n.exec(sql);
    return true;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "churn_bench: %s\n", e.what());
    return false;
  }
}

// The child of this process running `comm` (ServiceProcess keeps its pid to itself).
pid_t ChildNamed(const std::string& comm) {
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return -1;
  pid_t found = -1;
  while (dirent* e = readdir(proc)) {
    int pid = 0;
    if (!absl::SimpleAtoi(e->d_name, &pid)) continue;
    std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::vector<std::string> rest = absl::StrSplit(stat.substr(close + 2), ' ');
    int ppid = 0;
    if (stat.substr(open + 1, close - open - 1) == comm && rest.size() > 1 && absl::SimpleAtoi(rest[1], &ppid) &&
        ppid == getpid()) {
      found = pid;
      break;
    }
  }
  closedir(proc);
  return found;
}

struct Sample {
  double rss_mb = 0, anon_mb = 0, hwm_mb = 0;
  int threads = 0;
  double heap_in_use_mb = -1, heap_held_mb = -1;  // -1: not asked (--heap)
  int arenas = -1;
};

void ReadStatus(pid_t pid, Sample& s) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f = absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (f.size() < 2) continue;
    int64_t v = 0;
    if (!absl::SimpleAtoi(f[1], &v)) continue;
    if (f[0] == "VmRSS:") s.rss_mb = v / 1024.0;
    if (f[0] == "RssAnon:") s.anon_mb = v / 1024.0;
    if (f[0] == "VmHWM:") s.hwm_mb = v / 1024.0;
    if (f[0] == "Threads:") s.threads = static_cast<int>(v);
  }
}

// Calls `expression` in the child through gdb (the process stops for the call only).
bool CallInChild(pid_t pid, const std::string& expression) {
  const std::string cmd =
      absl::StrCat("gdb -p ", pid, " -batch -nx -ex 'call ", expression, "' >/dev/null 2>&1 </dev/null");
  return std::system(cmd.c_str()) == 0;
}

// glibc's own account: malloc_stats() prints every arena and the totals on the child's stderr,
// which ServiceProcess collects line by line.
void ReadHeap(pid_t pid, e2e::ServiceProcess& process, Sample& s) {
  const size_t before = process.LogLines().size();
  if (!CallInChild(pid, "(void)malloc_stats()")) return;
  for (int wait = 0; wait < 250; ++wait) {  // the lines may lag a loaded machine by seconds
    std::vector<std::string> lines = process.LogLines();
    int arenas = 0;
    bool in_total = false;
    int64_t held = -1, in_use = -1;
    for (size_t i = before; i < lines.size(); ++i) {
      const std::string& l = lines[i];
      if (absl::StartsWith(l, "Arena ")) ++arenas;
      if (absl::StartsWith(l, "Total (incl. mmap)")) in_total = true;
      std::vector<std::string> kv = absl::StrSplit(l, '=');
      if (!in_total || kv.size() != 2) continue;
      int64_t v = 0;
      if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(kv[1]), &v)) continue;
      if (absl::StartsWith(l, "system bytes")) held = v;
      if (absl::StartsWith(l, "in use bytes")) in_use = v;
    }
    if (held >= 0 && in_use >= 0) {
      s.heap_held_mb = held / 1048576.0;
      s.heap_in_use_mb = in_use / 1048576.0;
      s.arenas = arenas;
      return;
    }
    usleep(20'000);
  }
}

std::string Row(const std::string& label, const Sample& s, const Sample& ref) {
  std::string heap = "           -           -      -";
  if (s.heap_in_use_mb >= 0) heap = absl::StrFormat("%12.1f%12.1f%7d", s.heap_in_use_mb, s.heap_held_mb, s.arenas);
  return absl::StrFormat("%-24s%10.1f%10.1f%10.1f%s%8d%9.2fx", label, s.rss_mb, s.anon_mb, s.hwm_mb, heap, s.threads,
                         ref.rss_mb > 0 ? s.rss_mb / ref.rss_mb : 0.0);
}

std::string Padded(const std::string& prefix, size_t length, char fill) {
  std::string out = prefix.substr(0, length);
  out.resize(length, fill);
  return out;
}

class Churn {
 public:
  Churn(std::string admin_dsn, const std::string& demo_path, uint32_t seed)
      : admin_dsn_(std::move(admin_dsn)), rng_(seed) {
    demo_ok_ = google::protobuf::util::JsonStringToMessage(e2e::ReadAll(demo_path), &demo_).ok();
  }
  ~Churn() {
    (void)contacts_.Terminate();
    if (!db_.empty()) Admin(admin_dsn_, absl::StrCat("DROP DATABASE IF EXISTS ", db_, " WITH (FORCE)"));
  }

  bool SetUp() {
    if (!demo_ok_) return Fail("cannot read the demo trust (build target parley_demo_trust)");
    db_ = absl::StrCat("churn_bench_", getpid());
    if (!Admin(admin_dsn_, absl::StrCat("CREATE DATABASE ", db_))) return false;
    const std::string public_key = e2e::WriteTemp("churn-bench.pem", keys_.public_pem);
    std::map<std::string, std::string> env = e2e::ServiceEnv(public_key);
    env["PARLEY_PG_DSN"] = absl::StrCat(admin_dsn_, " dbname=", db_);
    if (absl::Status s = e2e::MigrateAndStart(contacts_, PARLEY_CONTACTS_BINARY, env); !s.ok()) {
      return Fail(absl::StrCat("contacts: ", s.ToString()));
    }
    pid_ = ChildNamed("parley-contacts");
    if (pid_ <= 0) return Fail("cannot find the parley-contacts child process");
    signer_ = *auth::Signer::Create({keys_.private_pem, "parley-e2e", "parley", nullptr});
    auth::Principal admin{"churn-bench", {"trust_admin"}, {}};
    token_ = *signer_->Mint(admin, absl::Hours(24));
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    args.SetMaxSendMessageSize(64 << 20);
    stub_ = v1::ContactsService::NewStub(
        grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", contacts_.grpc_port()), e2e::ClientCredentials(), args));
    for (const v1::SchoolDirectory& sd : demo_.schools()) {
      for (const v1::Pupil& p : sd.pupils()) pupils_.push_back(p.name());
      for (const v1::Staff& st : sd.staff()) staff_.push_back(st.name());
    }
    return true;
  }

  Sample Measure(bool heap) {
    Sample s;
    ReadStatus(pid_, s);
    if (heap) ReadHeap(pid_, contacts_, s);
    return s;
  }
  bool Trim() { return CallInChild(pid_, "(int)malloc_trim(0)"); }

  // One edit; its kind's name for the error tally.
  const char* Edit(int i) {
    if (i % kImportEvery == 0) return Tally("ImportTrust", Import());
    switch (i % kImportEvery % 6) {
      case 0:
        return Tally("CreateGuardian", CreateGuardian());
      case 1:
        return Tally("UpdateStaff (working pattern)", UpdateStaffPattern());
      case 2:
        return Tally("UpdateGuardian", UpdateGuardian());
      case 3:
        ++school_edits_;
        return Tally("UpdateSchool (calendar)", UpdateCalendar(school_edits_ % kBigEveryNthSchool == 0));
      case 4:
        return Tally("DeleteGuardian", DeleteGuardian());
      default:
        ++school_edits_;
        return Tally("UpdateSchool (policy)", UpdatePolicy(school_edits_ % kBigEveryNthSchool == 0));
    }
  }

  void PrintTally() const {
    for (const auto& [kind, t] : tally_) {
      std::printf("  %-30s %5d ok %4d failed%s%s\n", kind.c_str(), t.ok, t.failed, t.first_error.empty() ? "" : ": ",
                  t.first_error.c_str());
    }
  }
  int failures() const {
    int n = 0;
    for (const auto& [kind, t] : tally_) n += t.failed;
    return n;
  }
  int big_edits() const { return big_edits_; }

 private:
  struct Count {
    int ok = 0, failed = 0;
    std::string first_error;
  };

  bool Fail(const std::string& why) {
    std::fprintf(stderr, "churn_bench: %s\n", why.c_str());
    return false;
  }

  const char* Tally(const char* kind, const grpc::Status& s) {
    Count& c = tally_[kind];
    if (s.ok()) {
      ++c.ok;
    } else {
      ++c.failed;
      if (c.first_error.empty()) c.first_error = absl::StrCat(s.error_code(), " ", s.error_message());
    }
    return kind;
  }

  void Authorize(grpc::ClientContext& ctx) {
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token_));
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  }

  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng_)];
  }
  const v1::SchoolDirectory& PickSchool() {
    return demo_.schools(std::uniform_int_distribution<int>(0, demo_.schools_size() - 1)(rng_));
  }
  int Between(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  grpc::Status Import() {
    grpc::ClientContext ctx;
    Authorize(ctx);
    v1::ImportTrustRequest req;
    *req.mutable_directory() = demo_;
    req.set_allow_deletions(true);  // a sync is the truth: it removes what the office added since
    req.set_request_id(e2e::NewUuid());
    auto reader = stub_->ImportTrust(&ctx, req);
    v1::ImportTrustResponse msg;
    while (reader->Read(&msg)) {
    }
    grpc::Status s = reader->Finish();
    if (s.ok()) guardians_.clear();  // the demo trust does not hold the ones made here
    return s;
  }

  grpc::Status CreateGuardian() {
    const int n = ++guardian_serial_;
    v1::CreateGuardianRequest req;
    req.set_guardian_id(absl::StrCat("churn-", n));
    req.set_request_id(e2e::NewUuid());
    v1::Guardian* g = req.mutable_guardian();
    g->set_given_name(absl::StrCat("Given", n));
    g->set_family_name(absl::StrCat("Family", n));
    g->set_language("en");
    g->set_household(absl::StrCat("churn-household-", n));
    v1::ContactPoint* email = g->add_contact_points();
    email->set_kind(v1::CONTACT_KIND_EMAIL);
    email->set_value(absl::StrCat("churn", n, "@example.org"));
    // Some families give a long postal address for each of many contact points.
    const int postal = n % 7 == 0 ? 19 : 1;
    for (int k = 0; k < postal; ++k) {
      v1::ContactPoint* p = g->add_contact_points();
      p->set_kind(v1::CONTACT_KIND_POSTAL);
      p->set_value(Padded(absl::StrCat(n, "-", k, " Churn Street "), 500, 'p'));
    }
    v1::PupilLink* link = g->add_pupils();
    link->set_pupil(Pick(pupils_));
    link->set_relationship("carer");
    link->set_parental_responsibility(true);
    grpc::ClientContext ctx;
    Authorize(ctx);
    v1::Guardian out;
    grpc::Status s = stub_->CreateGuardian(&ctx, req, &out);
    if (s.ok()) guardians_.push_back(out.name());
    return s;
  }

  grpc::Status UpdateGuardian() {
    v1::UpdateGuardianRequest req;
    req.set_request_id(e2e::NewUuid());
    const std::string name = guardians_.empty() ? demo_.guardians(0).name() : guardians_.back();
    req.mutable_guardian()->set_name(name);
    req.mutable_guardian()->set_household(absl::StrCat("moved-", Between(1, 1'000'000)));
    v1::ContactPoint* mobile = req.mutable_guardian()->add_contact_points();
    mobile->set_kind(v1::CONTACT_KIND_MOBILE);
    mobile->set_value(absl::StrFormat("07700 %06d", Between(0, 999'999)));
    req.mutable_update_mask()->add_paths("household");
    req.mutable_update_mask()->add_paths("contact_points");
    grpc::ClientContext ctx;
    Authorize(ctx);
    v1::Guardian out;
    return stub_->UpdateGuardian(&ctx, req, &out);
  }

  grpc::Status DeleteGuardian() {
    if (guardians_.empty()) return CreateGuardian();
    v1::DeleteGuardianRequest req;
    req.set_name(guardians_.front());
    req.set_request_id(e2e::NewUuid());
    grpc::ClientContext ctx;
    Authorize(ctx);
    google::protobuf::Empty out;
    grpc::Status s = stub_->DeleteGuardian(&ctx, req, &out);
    if (s.ok()) guardians_.pop_front();
    return s;
  }

  grpc::Status UpdateStaffPattern() {
    v1::UpdateStaffRequest req;
    req.set_request_id(e2e::NewUuid());
    req.mutable_staff()->set_name(Pick(staff_));
    v1::WorkingPattern* pattern = req.mutable_staff()->mutable_working_pattern();
    for (int day = v1::WEEKDAY_MONDAY; day <= v1::WEEKDAY_FRIDAY; ++day) {
      if (Between(0, 3) == 0) continue;
      v1::WorkingDay* d = pattern->add_days();
      d->set_weekday(static_cast<v1::Weekday>(day));
      d->mutable_hours()->set_open("08:30");
      d->mutable_hours()->set_close(absl::StrFormat("%02d:%02d", Between(12, 15), Between(0, 1) * 30));
    }
    if (pattern->days_size() == 0) pattern->add_days()->set_weekday(v1::WEEKDAY_WEDNESDAY);
    req.mutable_update_mask()->add_paths("working_pattern");
    grpc::ClientContext ctx;
    Authorize(ctx);
    v1::Staff out;
    return stub_->UpdateStaff(&ctx, req, &out);
  }

  grpc::Status UpdateSchool(v1::School school, const std::vector<std::string>& paths) {
    v1::UpdateSchoolRequest req;
    req.set_request_id(e2e::NewUuid());
    school.clear_etag();
    school.clear_calendar_version();
    school.clear_policy_version();
    school.clear_create_time();
    school.clear_update_time();
    *req.mutable_school() = std::move(school);
    for (const std::string& p : paths) req.mutable_update_mask()->add_paths(p);
    grpc::ClientContext ctx;
    Authorize(ctx);
    v1::School out;
    return stub_->UpdateSchool(&ctx, req, &out);
  }

  // A closure on a day no demo calendar uses; big: 2,000 of them, each with a 200-character label.
  grpc::Status UpdateCalendar(bool big) {
    if (big) ++big_edits_;
    v1::School school = PickSchool().school();
    const absl::CivilDay first(2028, 1, 3);
    const int n = big ? 2000 : Between(1, 5);
    const int offset = Between(0, 3000);
    for (int k = 0; k < n; ++k) {
      const absl::CivilDay day = first + offset + k;
      v1::Closure* c = school.mutable_calendar()->add_closures();
      c->set_start_date(absl::FormatCivilTime(day));
      c->set_label(big ? Padded(absl::StrCat("Closure ", k, " of edit ", school_edits_, " "), 200, 'c')
                       : absl::StrCat("Emergency closure ", school_edits_));
      c->set_kind(v1::CLOSURE_KIND_EMERGENCY);
    }
    return UpdateSchool(std::move(school), {"calendar"});
  }

  // The demo policy with a new notice period; big: 200 rules with 2,000-character texts and 100
  // external contacts at their longest.
  grpc::Status UpdatePolicy(bool big) {
    if (big) ++big_edits_;
    const v1::SchoolDirectory& sd = PickSchool();
    v1::School school = sd.school();
    v1::CommunicationPolicy* policy = school.mutable_policy();
    policy->set_event_notice_days(Between(1, 30));
    if (!policy->rules().empty()) {
      policy->mutable_rules(0)->set_policy_text(absl::StrCat("Edited ", school_edits_, " times"));
    }
    if (big) {
      const v1::ResponseRule tmpl = policy->rules(0);
      policy->clear_rules();
      std::vector<std::string> categories = {""};  // the general rule of each channel and stage first
      for (const v1::RoutingRule& r : sd.routing_matrix().rules()) {
        if (r.category() != "safeguarding") categories.push_back(r.category());
      }
      for (const std::string& category : categories) {
        for (int channel = v1::CHANNEL_EMAIL; channel <= v1::CHANNEL_SMS; ++channel) {
          for (int stage = v1::STAGE_ACKNOWLEDGE; stage <= v1::STAGE_FOLLOW_UP; ++stage) {
            if (policy->rules_size() == 200) break;
            v1::ResponseRule* r = policy->add_rules();
            *r = tmpl;
            r->set_channel(static_cast<v1::Channel>(channel));
            r->set_stage(static_cast<v1::Stage>(stage));
            r->clear_categories();
            if (!category.empty()) r->add_categories(category);
            r->set_policy_text(
                Padded(absl::StrCat("Rule ", policy->rules_size(), " edit ", school_edits_, " "), 2000, 't'));
          }
        }
      }
      // The routing matrix may name the school's own contacts: keep them, fill up to 100.
      for (int k = school.external_contacts_size(); k < 100; ++k) {
        v1::ExternalContact* c = school.add_external_contacts();
        c->set_id(absl::StrCat("contact-", k));
        c->set_display_name(Padded(absl::StrCat("Contact ", k, " "), 200, 'n'));
        c->set_contact(Padded(absl::StrCat("Office ", k, " edit ", school_edits_, " "), 500, 'a'));
      }
    }
    return UpdateSchool(std::move(school), {"policy", "external_contacts"});
  }

  std::string admin_dsn_;
  std::string db_;
  std::mt19937 rng_;
  v1::TrustDirectory demo_;
  bool demo_ok_ = false;
  auth::testing::KeyPair keys_ = auth::testing::GenerateEcP256();
  std::unique_ptr<auth::Signer> signer_;
  std::string token_;
  e2e::ServiceProcess contacts_;
  pid_t pid_ = -1;
  std::unique_ptr<v1::ContactsService::Stub> stub_;
  std::vector<std::string> pupils_, staff_;
  std::deque<std::string> guardians_;  // made here and still there, oldest first
  int guardian_serial_ = 0, school_edits_ = 0, big_edits_ = 0;
  std::map<std::string, Count> tally_;
};

int Run(const std::string& pg, int edits, int every, bool heap, bool trim, uint32_t seed) {
  Churn churn(pg, PARLEY_DEMO_TRUST_JSON, seed);
  if (!churn.SetUp()) return 2;
  std::printf("churn_bench: parley-contacts (child process, TLS, own database), demo trust, %d edits one at a time\n",
              edits);
  const char* arena_max = std::getenv("MALLOC_ARENA_MAX");
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  std::printf("  allocator environment: MALLOC_ARENA_MAX=%s GLIBC_TUNABLES=%s\n", arena_max ? arena_max : "(unset)",
              tunables ? tunables : "(unset)");
  std::printf("%-24s%10s%10s%10s%12s%12s%7s%8s%10s\n", "", "VmRSS MB", "RssAnon", "VmHWM", "heap inuse", "heap held",
              "arenas", "threads", "RSS/ref");
  const Sample started = churn.Measure(heap);
  std::printf("%s\n", Row("started (empty)", started, started).c_str());
  churn.Edit(kImportEvery);  // the demo trust, as a fresh deployment is loaded
  if (churn.failures() > 0) {
    churn.PrintTally();
    return 1;
  }
  const Sample ref = churn.Measure(heap);
  std::printf("%s   <- reference\n", Row("demo imported", ref, ref).c_str());
  const absl::Time t0 = absl::Now();
  for (int i = 1; i <= edits; ++i) {
    churn.Edit(i);
    if (i % every == 0 || i == edits) {
      std::printf("%s\n", Row(absl::StrCat("after ", i, " edits"), churn.Measure(heap), ref).c_str());
      std::fflush(stdout);
    }
  }
  const absl::Duration took = absl::Now() - t0;
  absl::SleepFor(absl::Seconds(3));  // idle: the refresher runs, nothing else
  std::printf("%s\n", Row("idle 3 s later", churn.Measure(heap), ref).c_str());
  if (trim) {
    if (churn.Trim()) {
      std::printf("%s\n", Row("after malloc_trim(0)", churn.Measure(heap), ref).c_str());
    } else {
      std::printf("malloc_trim through gdb failed\n");
    }
  }
  std::printf("%d edits in %.0f s (%d of them ~1 MB school records, %d full imports):\n", edits,
              absl::ToDoubleSeconds(took), churn.big_edits(), edits / kImportEvery);
  churn.PrintTally();
  return churn.failures() == 0 ? 0 : 1;
}

}  // namespace
}  // namespace parley::bench

int main(int argc, char** argv) {
  CLI::App app{"parley-contacts' memory under a year of directory edits"};
  std::string pg;
  int edits = 5000, every = 250;
  bool heap = false, trim = false;
  uint32_t seed = 11;
  app.add_option("--pg", pg, "PostgreSQL server DSN (a database is created and dropped)")->required();
  app.add_option("--edits", edits, "edits to make");
  app.add_option("--every", every, "sample every this many edits");
  app.add_flag("--heap", heap, "also ask glibc (malloc_stats through gdb) what is in use and what it holds");
  app.add_flag("--trim", trim, "call malloc_trim(0) in the child at the end and sample again");
  app.add_option("--seed", seed, "random seed of the edit mix");
  CLI11_PARSE(app, argc, argv);
  if (edits <= 0 || every <= 0) return 2;
  signal(SIGPIPE, SIG_IGN);
  return parley::bench::Run(pg, edits, every, heap, trim, seed);
}
