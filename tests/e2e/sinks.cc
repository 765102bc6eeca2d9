#include "tests/e2e/sinks.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "curl/curl.h"

namespace parley::e2e {
namespace {

using json = nlohmann::json;

size_t Collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

const char* Python() { return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3"; }

}  // namespace

json Http(const std::string& method, const std::string& url, const std::string& body) {
  CURL* curl = curl_easy_init();
  std::string out;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (!body.empty()) curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) return json();  // null: no answer
  return json::parse(out, nullptr, false);
}

int FreePort() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    thread_local absl::BitGen gen;
    const int port = absl::Uniform(gen, 20000, 30000);
    // Nothing answers (the request fails) on a free port.
    if (Http("GET", absl::StrCat("http://127.0.0.1:", port, "/")).is_null()) return port;
  }
  return 0;
}

Script::Script(const std::vector<std::string>& argv) {
  pid_ = fork();
  if (pid_ == 0) {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
}

Script::~Script() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
}

bool Sinks::Start() {
  thread_local absl::BitGen gen;
  dir = std::filesystem::temp_directory_path() / absl::StrCat("parley-sinks-e2e-", absl::Uniform<uint32_t>(gen));
  std::filesystem::create_directories(dir);
  const std::string ports = (dir / "ports").string();
  catcher = std::make_unique<Script>(std::vector<std::string>{Python(), PARLEY_SCRIPTS_DIR "/mail_catcher.py",
                                                              "--smtp-port", "0", "--http-port", "0", "--dir",
                                                              (dir / "mail").string(), "--ports-file", ports});
  const int gw = FreePort();
  gateway = std::make_unique<Script>(std::vector<std::string>{Python(), PARLEY_SCRIPTS_DIR "/gateway_sink.py", "--port",
                                                              absl::StrCat(gw), "--dir", (dir / "gw").string()});
  gateway_url = absl::StrCat("http://127.0.0.1:", gw);
  for (int i = 0; i < 500; ++i) {
    if (std::filesystem::exists(ports) && Http("GET", gateway_url + "/stats").is_object()) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  std::ifstream in(ports);
  json p = json::parse(in, nullptr, false);
  if (!p.is_object()) return false;
  smtp_url = absl::StrCat("smtp://127.0.0.1:", p["smtp"].get<int>());
  mail_api = absl::StrCat("http://127.0.0.1:", p["http"].get<int>());
  return Http("GET", gateway_url + "/stats").is_object();
}

std::map<std::string, std::string> Sinks::NotificationsEnv() const {
  return {
      {"PARLEY_SMTP_URL", smtp_url},
      {"PARLEY_SMTP_FROM", "office@parley.test"},
      {"PARLEY_SMTP_TIMEOUT", "5s"},
      {"PARLEY_SMS_A_URL", gateway_url + "/sms/sms-a"},
      {"PARLEY_SMS_B_URL", gateway_url + "/sms/sms-b"},
      {"PARLEY_PUSH_URL", gateway_url + "/push"},
      {"PARLEY_DELIVERY_POLL_INTERVAL", "50ms"},
  };
}

Sinks::~Sinks() {
  catcher.reset();
  gateway.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

std::map<std::string, json> Sinks::Mail(const std::string& notice_id) const {
  std::map<std::string, json> out;
  json all = Http("GET", mail_api + "/messages");
  if (!all.is_object()) return out;
  for (const json& m : all["messages"]) {
    const std::string id = m.value("message_id", "");
    if (absl::StrContains(id, notice_id)) out[id] = m;
  }
  return out;
}

std::vector<std::string> Sinks::SubjectsTo(const std::string& address) const {
  std::vector<std::string> out;
  json all = Http("GET", mail_api + "/messages");
  if (!all.is_object()) return out;
  for (const json& m : all["messages"]) {
    for (const json& r : m["rcpt"]) {
      if (r == address) out.push_back(m.value("subject", ""));
    }
  }
  return out;
}

std::map<std::string, json> Sinks::Gateway(const std::string& kind, const std::string& notice_id) const {
  std::map<std::string, json> out;
  json all = Http("GET", absl::StrCat(gateway_url, "/messages?kind=", kind));
  if (!all.is_object()) return out;
  for (const json& m : all["messages"]) {
    const std::string key = m.value("idempotency_key", "");
    if (absl::StrContains(key, notice_id)) out[key] = m;
  }
  return out;
}

int Sinks::GatewayDuplicates() const {
  json stats = Http("GET", gateway_url + "/stats");
  // The sink answers {"gateways": {...}, "total": {"messages", "duplicates", "refused"}}.
  return stats.is_object() && stats.contains("total") ? stats["total"].value("duplicates", 0) : -1;
}

}  // namespace parley::e2e
