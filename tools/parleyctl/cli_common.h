// Flag helpers shared by parleyctl's command-line files (main.cc, conduct_cli.cc,
// escalation_cli.cc), so the same flag reads and explains itself the same way everywhere.
#pragma once

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "tools/parleyctl/commands.h"

namespace parley::ctl {

inline constexpr char kSchoolHelp[] = "school id or schools/{school}";
inline constexpr char kGuardianHelp[] = "guardian id (g-00012) or guardians/{guardian}";
inline constexpr char kTimeHelp[] = "school-local \"YYYY-MM-DD HH:MM\" or RFC 3339";

// Repeatable, one value per occurrence, so that a repeated flag ("--as-role x schools list")
// never swallows what follows.
inline CLI::Option* AddRepeatable(CLI::App* app, const std::string& name, std::vector<std::string>* values,
                                  const std::string& help) {
  return app->add_option(name, *values, help)->allow_extra_args(false);
}

// --page-size and --page-token of a list command.
inline void AddPaging(CLI::App* app, int* page_size, std::string* page_token) {
  app->add_option("--page-size", *page_size, "one page of at most N (default: every page)")->check(CLI::PositiveNumber);
  app->add_option("--page-token", *page_token, "the page to start from");
}

// --school, --from and --to of a `stats` command.
struct StatsArgs {
  std::string school;
  std::string from;
  std::string to;
};

// Adds `stats` (figures for whole school-local days) under `parent`; when it is parsed, `run` is
// set to call `command` with the values parsed into `args` (which must outlive the run).
inline void AddStatsCommand(CLI::App* parent, Command* run, absl::Status (*command)(Ctl&, const StatsArgs&),
                            StatsArgs* args) {
  CLI::App* stats = parent->add_subcommand("stats", "figures for a period of school-local days");
  stats->add_option("--school", args->school, kSchoolHelp)->required();
  stats->add_option("--from", args->from, "first day, YYYY-MM-DD")->required();
  stats->add_option("--to", args->to, "last day (included), YYYY-MM-DD")->required();
  stats->callback([run, command, args] { *run = [command, args](Ctl& ctl) { return command(ctl, *args); }; });
}

}  // namespace parley::ctl
