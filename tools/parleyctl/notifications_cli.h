// The notifications command line: `parleyctl notices|templates|prefs|notify-settings|consent|letters
// ...`. Registers the subcommands and their flags on CLI11 and, when one is parsed, sets the
// command to run. Kept out of main.cc so the tests can parse a real argv into the request the
// service receives.
#pragma once

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "tools/parleyctl/commands.h"
#include "tools/parleyctl/notifications_args.h"

namespace parley::ctl {

class NotificationsCli {
 public:
  // Adds the notifications commands to `app`. `run` is set when one is parsed; both `run` and this
  // object (which holds the parsed values) must outlive the parse and the run.
  NotificationsCli(CLI::App* app, Command* run);
  NotificationsCli(const NotificationsCli&) = delete;
  NotificationsCli& operator=(const NotificationsCli&) = delete;

  // What `notices send` or `notices broadcast` parsed (for the tests).
  const NoticeOptions& notice() const { return notice_; }

 private:
  NoticeOptions notice_;
  NotificationsListOptions list_;
  // The one-resource commands: NAME with --school or --trust, and their own flags.
  std::string school_;
  bool trust_ = false;
  std::string name_;
  std::string file_;
  std::string etag_;
  std::string category_;
  std::string channel_;
  std::string mode_;
  std::string digest_time_;
  std::string app_read_wait_;
  std::string pupil_;
  bool yes_ = false;
  bool no_ = false;
  std::string out_;
};

}  // namespace parley::ctl
