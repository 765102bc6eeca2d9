#include "tools/parleyctl/mail_cli.h"

#include <curl/curl.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace parley::ctl {
namespace {

using json = nlohmann::json;

size_t Collect(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// One request to the catcher; its JSON answer, or UNAVAILABLE / NOT_FOUND saying what went wrong.
absl::StatusOr<json> Request(const std::string& method, const std::string& url) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return absl::InternalError("libcurl could not start");
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    return absl::UnavailableError(absl::StrCat("mail catcher at ", url, ": ", curl_easy_strerror(rc),
                                               " (is scripts/run.sh running? --mail-api or PARLEY_MAIL_API)"));
  }
  if (status == 404) return absl::NotFoundError(absl::StrCat("mail catcher: no such message (", url, ")"));
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (status != 200 || parsed.is_discarded()) {
    return absl::UnavailableError(absl::StrCat("mail catcher at ", url, " answered HTTP ", status));
  }
  return parsed;
}

std::string Text(const json& value, const char* key) {
  if (!value.is_object() || !value.contains(key) || !value[key].is_string()) return "";
  return value[key].get<std::string>();
}

// The To header, else the envelope recipients.
std::string Recipient(const json& m) {
  std::string to = Text(m, "to");
  if (!to.empty() || !m.contains("rcpt") || !m["rcpt"].is_array()) return to;
  std::vector<std::string> rcpt;
  for (const json& r : m["rcpt"]) {
    if (r.is_string()) rcpt.push_back(r.get<std::string>());
  }
  return absl::StrJoin(rcpt, ", ");
}

}  // namespace

absl::StatusOr<int> ParseMailNumber(const std::string& text) {
  int n = 0;
  if (!absl::SimpleAtoi(text, &n) || n < 1) {
    return UsageError(absl::StrCat(
        "mail show: expected a message number (1, 2, ...; see `parleyctl mail list`), got \"", text, "\""));
  }
  return n;
}

std::string FormatMailList(const json& list) {
  if (!list.is_object() || !list.contains("messages") || !list["messages"].is_array() || list["messages"].empty()) {
    return "no messages\n";
  }
  std::string out = absl::StrFormat("%5s  %-20s  %-40s  %s\n", "N", "RECEIVED", "TO", "SUBJECT");
  for (const json& m : list["messages"]) {
    const int n = m.contains("n") && m["n"].is_number_integer() ? m["n"].get<int>() : 0;
    absl::StrAppendFormat(&out, "%5d  %-20s  %-40s  %s\n", n, Text(m, "time"), Recipient(m), Text(m, "subject"));
  }
  absl::StrAppend(&out, list["messages"].size(), " message(s)\n");
  return out;
}

std::string FormatMailMessage(const json& message) {
  std::string out;
  for (const char* name : {"Date", "From", "To", "Subject", "Message-ID", "X-Parley-School", "Importance"}) {
    if (!message.contains("headers") || !message["headers"].is_array()) break;
    for (const json& h : message["headers"]) {
      if (!h.is_array() || h.size() != 2 || !h[0].is_string() || !h[1].is_string()) continue;
      if (absl::EqualsIgnoreCase(h[0].get<std::string>(), name)) {
        absl::StrAppend(&out, name, ": ", h[1].get<std::string>(), "\n");
        break;
      }
    }
  }
  std::string body = Text(message, "body");
  if (!body.empty() && body.back() != '\n') body.push_back('\n');
  absl::StrAppend(&out, "\n", body);
  return out;
}

MailCli::MailCli(CLI::App* app, Command* run, bool* needs_channel, const bool* json_output) {
  const char* env = std::getenv("PARLEY_MAIL_API");
  api_ = env != nullptr && *env != '\0' ? env : kDefaultMailApi;
  CLI::App* mail = app->add_subcommand("mail", "the emails the local mail catcher received (scripts/run.sh)");
  mail->require_subcommand(1);
  mail->add_option("--mail-api", api_, "the catcher's HTTP API (default PARLEY_MAIL_API, else http://127.0.0.1:8025)");

  // Prints the answer as it came (--json) or formatted.
  const auto print = [json_output](const json& value, std::string (*format)(const json&)) {
    std::cout << (*json_output ? value.dump(2) + "\n" : format(value));
  };

  CLI::App* list = mail->add_subcommand("list", "every message received, oldest first");
  list->callback([this, run, needs_channel, print] {
    *needs_channel = false;
    *run = [this, print](Ctl&) -> absl::Status {
      absl::StatusOr<json> answer = Request("GET", api_ + "/messages");
      if (!answer.ok()) return answer.status();
      print(*answer, &FormatMailList);
      return absl::OkStatus();
    };
  });

  CLI::App* show = mail->add_subcommand("show", "one message: its headers and text");
  show->add_option("n", number_, "the message number from `mail list`")->required();
  show->callback([this, run, needs_channel, print] {
    *needs_channel = false;
    *run = [this, print](Ctl&) -> absl::Status {
      absl::StatusOr<int> n = ParseMailNumber(number_);
      if (!n.ok()) return n.status();
      absl::StatusOr<json> answer = Request("GET", absl::StrCat(api_, "/messages/", *n));
      if (!answer.ok()) return answer.status();
      print(*answer, &FormatMailMessage);
      return absl::OkStatus();
    };
  });

  CLI::App* clear = mail->add_subcommand("clear", "forget every message the catcher holds");
  clear->callback([this, run, needs_channel] {
    *needs_channel = false;
    *run = [this](Ctl&) -> absl::Status {
      absl::StatusOr<json> answer = Request("DELETE", api_ + "/messages");
      if (!answer.ok()) return answer.status();
      std::cout << "mail catcher cleared\n";
      return absl::OkStatus();
    };
  });
}

}  // namespace parley::ctl
