// The `parleyctl conduct ...` command line: registers the subcommands and their flags on CLI11
// and, when one is parsed, sets the command to run. Kept out of main.cc so the tests can parse a
// real argv into the request the service receives.
#pragma once

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "tools/parleyctl/cli_common.h"
#include "tools/parleyctl/commands.h"

namespace parley::ctl {

class ConductCli {
 public:
  // Adds `conduct` to `app`. `run` is set when a conduct command is parsed; both `run` and this
  // object (which holds the parsed values) must outlive the parse and the run.
  ConductCli(CLI::App* app, Command* run);
  ConductCli(const ConductCli&) = delete;
  ConductCli& operator=(const ConductCli&) = delete;

 private:
  Ctl::ConductCheckOptions check_;
  Ctl::ConductListOptions list_;
  Ctl::ArrangementCreateOptions create_;
  Ctl::ArrangementChangeOptions change_;
  Ctl::IncidentRecordOptions incident_;
  Ctl::BanCreateOptions ban_;
  std::string revoke_school_, revoke_name_, revoke_etag_;
  StatsArgs stats_;
};

}  // namespace parley::ctl
