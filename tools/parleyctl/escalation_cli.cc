#include "tools/parleyctl/escalation_cli.h"

#include "tools/parleyctl/cli_common.h"
#include "tools/parleyctl/escalation_args.h"

namespace parley::ctl {
EscalationCli::EscalationCli(CLI::App* app, Command* run) {
  CLI::App* enquiries =
      app->add_subcommand("enquiries", "parents' enquiries: owners, clocks in school working time, escalation");
  enquiries->require_subcommand(1);

  // open
  CLI::App* open = enquiries->add_subcommand("open", "record a parent's message: route it and start its clocks");
  open->add_option("--school", open_.school, kSchoolHelp)->required();
  open->add_option("--pupil", open_.pupil, "the pupil it concerns: p-00001 or schools/{school}/pupils/{pupil}");
  open->add_option("--guardian", open_.guardian, kGuardianHelp);
  open->add_option("--sender", open_.sender, "how an unidentified sender described themselves (\"a grandparent\")");
  open->add_option("--channel", open_.channel, "email|letter|phone|app|in-person")->required();
  open->add_option("--category", open_.category, "a category of the school's routing (learning, send, ...)")
      ->required();
  open->add_option("--teaching-subject", open_.teaching_subject,
                   "the subject it is about (maths), where the school routes learning to subject teachers");
  open->add_option("--addressed-to", open_.addressed_to,
                   "the member of staff the parent named (staff id or schools/{school}/staff/{id}): theirs where "
                   "the school's policy says so and they are not away or gone");
  open->add_option("--subject", open_.subject, "a short subject line (at most 200 characters)")->required();
  open->add_option("--body-ref", open_.body_ref, "where the message itself is held (mail or records system)");
  open->add_option("--received", open_.received,
                   std::string("when it reached the school: ") + kTimeHelp + " (default now)");
  open->add_flag("--safeguarding", open_.safeguarding, "it raises a safeguarding concern: to the DSL at once");
  open->add_flag("--urgent", open_.urgent,
                 "an urgent matter: the school's urgent route and clock, and its notices may interrupt teaching");
  open->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.EnquiryOpen(open_); }; });

  // list
  CLI::App* list = enquiries->add_subcommand("list", "a school's enquiries, with their due times");
  list->add_option("--school", list_.school, kSchoolHelp)->required();
  list->add_option("--owner", list_.owner, "only those this member of staff owns (staff id)");
  list->add_option("--state", list_.state,
                   "open|acknowledged|awaiting-parent|resolved|referred|redirected|no-response");
  list->add_option("--category", list_.category, "only this category");
  list->add_flag("--overdue", list_.overdue, "only those with a clock past due and not kept");
  list->add_option("--due-before", list_.due_before,
                   std::string("only those with a running clock due before this: ") + kTimeHelp);
  AddPaging(list, &list_.page_size, &list_.page_token);
  list->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.EnquiryList(list_); }; });

  // show
  CLI::App* show = enquiries->add_subcommand("show", "an enquiry and its history, oldest first");
  show->add_option("name", action_.name, "schools/{school}/enquiries/{id}, or an id with --school")->required();
  show->add_option("--school", action_.school, kSchoolHelp);
  show->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.EnquiryShow(action_.school, action_.name); }; });

  // the verbs
  for (const EnquiryVerbSpec& spec : EnquiryVerbs()) {
    CLI::App* sub = enquiries->add_subcommand(spec.command, spec.help);
    sub->add_option("name", action_.name, "schools/{school}/enquiries/{id}, or an id with --school")->required();
    sub->add_option("--school", action_.school, kSchoolHelp);
    sub->add_option("--etag", action_.etag, "the etag last read (default: the one read just before)");
    if (spec.to) sub->add_option("--to", action_.to, "the new owner (staff id)")->required();
    if (spec.reason_help != nullptr) sub->add_option("--reason", action_.reason, spec.reason_help)->required();
    if (spec.parent_requested) {
      sub->add_flag("--parent-requested", action_.parent_requested, "the parent asked for it (rather than staff)");
    }
    if (spec.body_ref) sub->add_option("--body-ref", action_.body_ref, "where the reply is held");
    if (spec.promise) {
      sub->add_option("--promise", action_.promise,
                      std::string("when a fuller response or meeting will happen, told to the guardian: ") + kTimeHelp +
                          " (not after the respond clock's due time without --promise-reason)");
      sub->add_option("--promise-reason", action_.promise_reason,
                      "why the promise is after the respond clock's due time (at most 200 characters)");
    }
    if (spec.text) {
      sub->add_option("--text", action_.text, "the update for the guardian (at most 500 characters)")->required();
    }
    const Ctl::EnquiryVerb verb = spec.verb;
    sub->callback([this, run, verb] { *run = [this, verb](Ctl& ctl) { return ctl.EnquiryAct(verb, action_); }; });
  }

  // stats
  AddStatsCommand(
      enquiries, run, [](Ctl& ctl, const StatsArgs& a) { return ctl.EnquiryStats(a.school, a.from, a.to); }, &stats_);
}

}  // namespace parley::ctl
