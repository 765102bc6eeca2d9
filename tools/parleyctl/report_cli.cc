#include "tools/parleyctl/report_cli.h"

#include "tools/parleyctl/cli_common.h"

namespace parley::ctl {

ReportCli::ReportCli(CLI::App* app, Command* run, bool* needs_channel) {
  CLI::App* report = app->add_subcommand(
      "report", "the trust report for leaders: every school against its own promises (text, --json, --html, --csv)");
  report->add_option("--period", opts_.period,
                     "2025-autumn, 2025-autumn-1, 2026-03, 2026-W10 or 2026-01-05..2026-02-13 (each school's own "
                     "calendar)");
  AddRepeatable(report, "--school", &opts_.schools, "only this school (repeatable; default: every school you read)");
  report->add_option("--html", opts_.html, "write the report as one self-contained HTML page to this file");
  report->add_option("--csv", opts_.csv, "write the service's CSV export (one figure per row) to this file");
  report->add_option("--input", opts_.input,
                     "render a TrustReport saved earlier with --json instead of asking the service");
  report->callback([this, run, needs_channel] {
    if (!opts_.input.empty()) *needs_channel = false;
    *run = [this](Ctl& ctl) { return ctl.Report(opts_); };
  });
}

}  // namespace parley::ctl
