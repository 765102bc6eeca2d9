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
  CLI::App* breaches = report->add_subcommand(
      "breaches", "the matters behind one school's breaches figure: one line per clock missed, by enquiry name");
  breaches->add_option("--school", breaches_.school, "the school (id or schools/{school})");
  breaches->add_option("--period", breaches_.period, "as for the report, in the school's own calendar");
  breaches->add_option("--channel", breaches_.channel,
                       "only this channel, as the report names it (email, letter, phone, app_message, in_person)");
  breaches->add_option("--category", breaches_.category, "only this category of the routing matrix");
  breaches->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.ReportBreaches(breaches_); }; });
  // CLI11 runs this after a nested subcommand's callback: the report itself only when no
  // subcommand was given.
  report->callback([this, run, needs_channel, breaches] {
    if (breaches->parsed()) return;
    if (!opts_.input.empty()) *needs_channel = false;
    *run = [this](Ctl& ctl) { return ctl.Report(opts_); };
  });
}

}  // namespace parley::ctl
