// `parleyctl mail list|show N|clear`: what the local mail catcher (scripts/mail_catcher.py, started
// by scripts/run.sh) received, read through its HTTP JSON API — the emails Parley actually sent.
// Talks HTTP to the catcher, not gRPC to a service, so it needs no token and no channel.
#pragma once

#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "tools/parleyctl/commands.h"

namespace parley::ctl {

// Where the catcher's API is when neither --mail-api nor PARLEY_MAIL_API says: scripts/run.sh's.
inline constexpr char kDefaultMailApi[] = "http://127.0.0.1:8025";

class MailCli {
 public:
  // Adds `mail` to `app`. When a mail command is parsed, `run` is set and `*needs_channel` cleared;
  // `json` (the global --json) is read when it runs. Everything passed must outlive the run.
  MailCli(CLI::App* app, Command* run, bool* needs_channel, const bool* json);
  MailCli(const MailCli&) = delete;
  MailCli& operator=(const MailCli&) = delete;

 private:
  std::string api_;
  std::string number_;
};

// The catcher's GET /messages answer as a table (newest last); "no messages" when empty.
std::string FormatMailList(const nlohmann::json& list);
// One GET /messages/N answer: the headers a reader looks at, a blank line, the decoded body.
std::string FormatMailMessage(const nlohmann::json& message);
// N of `mail show N`: a positive message number; a usage error otherwise.
absl::StatusOr<int> ParseMailNumber(const std::string& text);

}  // namespace parley::ctl
