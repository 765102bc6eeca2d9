// The reporting command line: `parleyctl report` (the trust report for leaders: text, --json,
// --html, --csv, or --input to render a report saved earlier) and `parleyctl report breaches` (the
// matters behind one school's breaches figure). Registers the subcommand and its
// flags on CLI11 and, when it is parsed, sets the command to run. Kept out of main.cc so the tests
// can parse a real argv into the request the service receives.
#pragma once

#include "CLI/CLI.hpp"
#include "tools/parleyctl/commands.h"
#include "tools/parleyctl/report_args.h"

namespace parley::ctl {

class ReportCli {
 public:
  // Adds `report` to `app`. `run` is set when it is parsed; both `run` and this object (which holds
  // the parsed values) must outlive the parse and the run. `needs_channel` is cleared for --input,
  // which calls nothing.
  ReportCli(CLI::App* app, Command* run, bool* needs_channel);
  ReportCli(const ReportCli&) = delete;
  ReportCli& operator=(const ReportCli&) = delete;

 private:
  ReportOptions opts_;
  BreachesOptions breaches_;
};

}  // namespace parley::ctl
