// The local delivery sinks an end-to-end suite runs for itself: the mail catcher
// (scripts/mail_catcher.py, a real SMTP server with a JSON API) and the SMS/push gateway sink
// (scripts/gateway_sink.py, a real HTTP server), each suite its own so its faults (a refusing mail
// server, a failing gateway) touch no other test. What a test checks is what arrives there,
// counted by the delivery's idempotency key (the email's Message-ID, the gateways' Idempotency-Key).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace parley::e2e {

// One HTTP request with a JSON body; the parsed answer, or null when nothing answered.
nlohmann::json Http(const std::string& method, const std::string& url, const std::string& body = "");

// A loopback port nothing answers on, or 0.
int FreePort();

// A child process running one of the scripts, stopped (SIGTERM) when destroyed.
class Script {
 public:
  explicit Script(const std::vector<std::string>& argv);
  ~Script();
  Script(const Script&) = delete;
  Script& operator=(const Script&) = delete;

 private:
  pid_t pid_ = -1;
};

struct Sinks {
  std::filesystem::path dir;
  std::unique_ptr<Script> catcher, gateway;
  std::string smtp_url, mail_api, gateway_url;

  // Starts both on free ports under a fresh temp dir; false when either did not answer.
  bool Start();
  // parley-notifications' providers pointed at these sinks (mail from office@parley.test, two SMS
  // gateways, push), polling every 50 ms: a suite adds or overrides what it needs.
  std::map<std::string, std::string> NotificationsEnv() const;
  ~Sinks();

  // Messages at the catcher whose Message-ID names the notice, by Message-ID (a resend counts once).
  std::map<std::string, nlohmann::json> Mail(const std::string& notice_id) const;
  // Subjects of the mail that reached `address`.
  std::vector<std::string> SubjectsTo(const std::string& address) const;
  // Texts (or pushes) at the sink whose key names the notice, by key.
  std::map<std::string, nlohmann::json> Gateway(const std::string& kind, const std::string& notice_id) const;
  // Repeated keys the gateway sink has seen; -1 when it did not answer.
  int GatewayDuplicates() const;
};

}  // namespace parley::e2e
