#include "tools/parleyctl/conduct_cli.h"

#include <string>
#include <vector>

#include "tools/parleyctl/cli_common.h"

namespace parley::ctl {
namespace {

constexpr char kChannelHelp[] = "email|letter|phone|app|in-person|meeting-request|sms|video";

void AddTermsFlags(CLI::App* app, Ctl::TermsFlags* terms) {
  app->add_option("--channels", terms->channels, "the only channels allowed, comma-separated (email,phone)");
  AddRepeatable(app, "--window", &terms->windows, "the only times allowed, DAY:HH:MM-HH:MM school-local (repeatable)");
  app->add_option("--contact", terms->contact, "the one member of staff to deal with (staff id)");
  app->add_flag("--second-staff", terms->second_staff, "meetings: a second member of staff attends");
  app->add_flag("--head-informed", terms->head_informed, "meetings: the head is told beforehand");
  app->add_flag("--off-site-only", terms->off_site_only, "meetings: by phone or video only");
  app->add_option("--reasons-file", terms->reasons_file,
                  "the reasons as the letter states them (file, or - for stdin)");
}

// NAME of one arrangement: a full name, or an id with --school.
void AddArrangementName(CLI::App* app, Ctl::ArrangementChangeOptions* change) {
  app->add_option("name", change->name, "schools/{school}/arrangements/{id}, or an id with --school")->required();
  app->add_option("--school", change->school, kSchoolHelp);
}

}  // namespace

ConductCli::ConductCli(CLI::App* app, Command* run) {
  CLI::App* conduct = app->add_subcommand("conduct", "the parent code of conduct: the gate, arrangements, incidents");
  conduct->require_subcommand(1);

  // check
  CLI::App* check = conduct->add_subcommand("check", "ask the communication gate about one message or meeting");
  check->add_option("--school", check_.school, kSchoolHelp)->required();
  check->add_option("--guardian", check_.guardian, kGuardianHelp)->required();
  check->add_option("--channel", check_.channel, kChannelHelp)->required();
  check->add_option("--at", check_.at,
                    std::string("when it arrived or would be held: ") + kTimeHelp + " (default now)");
  check->add_flag("--meeting", check_.meeting, "a meeting being booked (default: an inbound message)");
  check->add_flag("--safeguarding", check_.safeguarding, "it raises a safeguarding concern");
  check->add_flag("--abusive", check_.abusive, "staff recorded the message itself as abusive");
  check->add_option("--to", check_.to, "the member of staff it is for (staff id)");
  check->add_flag("--event", check_.event, "the meeting is part of a school event (parents' evening)");
  check->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.ConductCheck(check_); }; });

  // arrangements (list)
  CLI::App* arrangements = conduct->add_subcommand("arrangements", "list a school's arrangements");
  arrangements->add_option("--school", list_.school, kSchoolHelp)->required();
  arrangements->add_option("--guardian", list_.guardian, kGuardianHelp);
  arrangements->add_option("--state", list_.state, "active|draft|under-review|ended");
  AddPaging(arrangements, &list_.page_size, &list_.page_token);
  arrangements->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.ConductArrangements(list_); }; });

  // arrangement <verb>
  CLI::App* arrangement = conduct->add_subcommand("arrangement", "one arrangement: show, create and change it");
  arrangement->require_subcommand(1);

  CLI::App* show = arrangement->add_subcommand("show", "an arrangement and its revisions");
  AddArrangementName(show, &change_);
  show->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.ArrangementShow(change_); }; });

  CLI::App* create = arrangement->add_subcommand("create", "create a DRAFT arrangement");
  create->add_option("--school", create_.school, "the issuing school: id or schools/{school}")->required();
  create->add_option("--guardian", create_.guardian, kGuardianHelp)->required();
  create->add_option("--scope", create_.scope, "school|trust (trust: trust administrators only)")
      ->capture_default_str();
  AddTermsFlags(create, &create_.terms);
  create->add_option("--start", create_.start, std::string("when it takes effect: ") + kTimeHelp + " (default now)");
  create->add_option("--review", create_.review, "review date YYYY-MM-DD (required to issue)");
  create->add_option("--end", create_.end, std::string("when it stops: ") + kTimeHelp + " (default open-ended)");
  create->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.ArrangementCreate(create_); }; });

  CLI::App* issue = arrangement->add_subcommand("issue", "issue a draft: it applies from its start; writes the letter");
  AddArrangementName(issue, &change_);
  issue->add_option("--etag", change_.etag, "the etag last read (refuse if it changed since)");
  issue->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.ArrangementIssue(change_); }; });

  CLI::App* tighten =
      arrangement->add_subcommand("tighten", "after a further breach: a stricter new version; writes the letter");
  AddArrangementName(tighten, &change_);
  AddTermsFlags(tighten, &change_.terms);
  tighten->add_option("--breach", change_.breach, "the breach: incident id or schools/{school}/incidents/{id}")
      ->required();
  tighten->add_option("--review", change_.review, "a new review date YYYY-MM-DD (default: unchanged)");
  tighten->add_option("--etag", change_.etag, "the etag last read (default: the one read just before)");
  tighten->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.ArrangementTighten(change_); }; });

  CLI::App* cont = arrangement->add_subcommand("continue", "record the review: it continues to a new review date");
  AddArrangementName(cont, &change_);
  cont->add_option("--review", change_.review, "the next review date YYYY-MM-DD")->required();
  cont->add_option("--etag", change_.etag, "the etag last read");
  cont->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.ArrangementContinue(change_); }; });

  CLI::App* end = arrangement->add_subcommand("end", "end it now (or at --end); writes the letter");
  AddArrangementName(end, &change_);
  end->add_option("--end", change_.end, std::string("when it stops applying: ") + kTimeHelp + " (default now)");
  end->add_option("--etag", change_.etag, "the etag last read");
  end->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.ArrangementEnd(change_); }; });

  // incidents (list) and incident record
  CLI::App* incidents = conduct->add_subcommand("incidents", "list a school's incidents, newest first");
  incidents->add_option("--school", list_.school, kSchoolHelp)->required();
  incidents->add_option("--guardian", list_.guardian, kGuardianHelp);
  AddPaging(incidents, &list_.page_size, &list_.page_token);
  incidents->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.ConductIncidents(list_); }; });

  CLI::App* incident = conduct->add_subcommand("incident", "one incident");
  incident->require_subcommand(1);
  CLI::App* record = incident->add_subcommand("record", "record a breach of the code of conduct");
  record->add_option("--school", incident_.school, kSchoolHelp)->required();
  record->add_option("--guardian", incident_.guardian, kGuardianHelp)->required();
  record
      ->add_option("--kind", incident_.kind,
                   "shouting|threatening|abusive-message|harassment|physical|damage|security|other")
      ->required();
  record->add_option("--channel", incident_.channel, kChannelHelp)->required();
  record->add_option("--at", incident_.at, std::string("when it happened: ") + kTimeHelp + " (default now)");
  AddRepeatable(record, "--staff", &incident_.staff, "a member of staff involved (staff id; repeatable)");
  record->add_option("--ref", incident_.ref, "where the full account is held (document reference)");
  record->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.IncidentRecord(incident_); }; });

  // bans (list) and ban create|revoke
  CLI::App* bans = conduct->add_subcommand("bans", "list a school's premises bans");
  bans->add_option("--school", list_.school, kSchoolHelp)->required();
  bans->add_option("--guardian", list_.guardian, kGuardianHelp);
  AddPaging(bans, &list_.page_size, &list_.page_token);
  bans->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.ConductBans(list_); }; });

  CLI::App* ban = conduct->add_subcommand("ban", "one premises ban");
  ban->require_subcommand(1);
  CLI::App* ban_create = ban->add_subcommand("create", "ban a guardian from the premises");
  ban_create->add_option("--school", ban_.school, kSchoolHelp)->required();
  ban_create->add_option("--guardian", ban_.guardian, kGuardianHelp)->required();
  ban_create->add_option("--scope", ban_.scope, "site (all times) | events (school events only)")
      ->capture_default_str();
  ban_create->add_option("--start", ban_.start, std::string("when it takes effect: ") + kTimeHelp + " (default now)");
  ban_create->add_option("--end", ban_.end, std::string("when it stops: ") + kTimeHelp + " (default permanent)");
  ban_create->add_option("--reason-file", ban_.reason_file, "why (file, or - for stdin)")->required();
  ban_create->add_option("--incident", ban_.incident, "the incident that led to it (id or full name)");
  ban_create->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.BanCreate(ban_); }; });

  CLI::App* revoke = ban->add_subcommand("revoke", "lift a ban early");
  revoke->add_option("name", revoke_name_, "schools/{school}/premisesBans/{id}, or an id with --school")->required();
  revoke->add_option("--school", revoke_school_, kSchoolHelp);
  revoke->add_option("--etag", revoke_etag_, "the etag last read");
  revoke->callback(
      [this, run] { *run = [this](Ctl& ctl) { return ctl.BanRevoke(revoke_school_, revoke_name_, revoke_etag_); }; });

  // decisions, letters, stats
  CLI::App* decisions = conduct->add_subcommand("decisions", "the gate's recorded decisions, newest first");
  decisions->add_option("--school", list_.school, kSchoolHelp)->required();
  decisions->add_option("--guardian", list_.guardian, kGuardianHelp);
  decisions->add_option("--outcome", list_.outcome, "allow|defer|redirect|no-response-required");
  AddPaging(decisions, &list_.page_size, &list_.page_token);
  decisions->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.ConductDecisions(list_); }; });

  CLI::App* letters = conduct->add_subcommand("letters", "letters about arrangements, newest first");
  letters->add_option("--school", list_.school, kSchoolHelp)->required();
  letters->add_option("--guardian", list_.guardian, kGuardianHelp);
  AddPaging(letters, &list_.page_size, &list_.page_token);
  letters->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.ConductLetters(list_); }; });

  AddStatsCommand(
      conduct, run, [](Ctl& ctl, const StatsArgs& a) { return ctl.ConductStats(a.school, a.from, a.to); }, &stats_);
}

}  // namespace parley::ctl
