// The `parleyctl enquiries ...` command line: registers the subcommands and their flags on CLI11
// and, when one is parsed, sets the command to run. Kept out of main.cc so the tests can parse a
// real argv into the request the service receives.
#pragma once

#include <string>

#include "CLI/CLI.hpp"
#include "tools/parleyctl/cli_common.h"
#include "tools/parleyctl/commands.h"

namespace parley::ctl {

class EscalationCli {
 public:
  // Adds `enquiries` to `app`. `run` is set when an enquiries command is parsed; both `run` and
  // this object (which holds the parsed values) must outlive the parse and the run.
  EscalationCli(CLI::App* app, Command* run);
  EscalationCli(const EscalationCli&) = delete;
  EscalationCli& operator=(const EscalationCli&) = delete;

 private:
  Ctl::EnquiryOpenOptions open_;
  Ctl::EnquiryListOptions list_;
  Ctl::EnquiryActionOptions action_;
  StatsArgs stats_;
};

}  // namespace parley::ctl
