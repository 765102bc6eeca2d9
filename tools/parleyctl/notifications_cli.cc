#include "tools/parleyctl/notifications_cli.h"

#include "tools/parleyctl/cli_common.h"

namespace parley::ctl {
namespace {

constexpr char kCategoryHelp[] =
    "newsletter|event|closure|trip|consent|attendance|report|meeting|escalation|conduct-letter|emergency";
constexpr char kNoticeHelp[] = "schools/{school}/notices/{id}, trust/notices/{id}, or an id with --school/--trust";
constexpr char kTemplateHelp[] =
    "trust/templates/{id}, schools/{school}/templates/{id}, or an id with --school/--trust";

void AddSender(CLI::App* cmd, std::string* school, bool* trust) {
  cmd->add_option("--school", *school, kSchoolHelp);
  cmd->add_flag("--trust", *trust, "the trust's (instead of --school)");
}

// The flags `notices send` and `notices broadcast` share: what is said, and when.
void AddNoticeContent(CLI::App* cmd, NoticeOptions* n) {
  AddSender(cmd, &n->school, &n->trust);
  cmd->add_option("--category", n->category, kCategoryHelp)->required();
  cmd->add_option("--priority", n->priority, "routine|important|emergency")->required();
  cmd->add_option("--template", n->template_id, "a template id (newsletter): the school's own, else the trust's");
  AddRepeatable(cmd, "--var", &n->vars, "a template variable name=value (repeatable)");
  cmd->add_option("--subject", n->subject, "written content instead of a template: subject (at most 200)");
  cmd->add_option("--body", n->body, "written content: body (at most 20,000)");
  cmd->add_option("--sms-body", n->sms_body, "written content: the text message version (at most 640)");
  cmd->add_option("--locale", n->locale, "written content: its language (BCP 47)")->capture_default_str();
  cmd->add_option("--event-date", n->event_date, "the date of the event announced, YYYY-MM-DD");
  cmd->add_option("--send-at", n->send_at, std::string("when to send: ") + kTimeHelp + " (default now)");
  cmd->add_option("--source", n->source, "the resource it is about (for tracing)");
}

}  // namespace

NotificationsCli::NotificationsCli(CLI::App* app, Command* run) {
  // ---- notices ----
  CLI::App* notices =
      app->add_subcommand("notices", "notifications: what schools and the trust send to guardians and staff");
  notices->require_subcommand(1);

  CLI::App* send = notices->add_subcommand("send", "a notice to named guardians (or staff)");
  AddRepeatable(send, "--guardian", &notice_.guardians, std::string(kGuardianHelp) + " (repeatable)");
  AddRepeatable(send, "--pupil", &notice_.pupils, "only about this pupil of theirs (repeatable)");
  AddRepeatable(send, "--staff", &notice_.staff, "a member of staff instead: staff id or full name (repeatable)");
  AddNoticeContent(send, &notice_);
  send->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.NoticeCreate(notice_, false); }; });

  CLI::App* broadcast = notices->add_subcommand("broadcast", "a notice to an audience; prints the recipient count");
  broadcast
      ->add_option("--audience", notice_.audience,
                   "school | trust | year:4,5 | class:Oak,Ash | pupils:p-1,p-2 | guardians:g-1,g-2 | staff[:role,...]")
      ->required();
  AddRepeatable(broadcast, "--schools", &notice_.schools, "a trust notice: only these schools (repeatable)");
  AddNoticeContent(broadcast, &notice_);
  broadcast->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.NoticeCreate(notice_, true); }; });

  CLI::App* list = notices->add_subcommand("list", "a school's or the trust's notices, newest first");
  AddSender(list, &list_.school, &list_.trust);
  list->add_option("--category", list_.category, std::string("only this category: ") + kCategoryHelp);
  AddPaging(list, &list_.page_size, &list_.page_token);
  list->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.NoticeList(list_); }; });

  CLI::App* show = notices->add_subcommand("show", "a notice: its audience, warnings and deliveries so far");
  show->add_option("name", name_, kNoticeHelp)->required();
  AddSender(show, &school_, &trust_);
  show->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.NoticeShow(school_, trust_, name_); }; });

  CLI::App* messages = notices->add_subcommand(
      "messages", "the copies of a notice, a guardian, a pupil or a member of staff, with each channel's status");
  messages->add_option("notice", list_.notice, kNoticeHelp);
  messages->add_option("--guardian", list_.guardian, kGuardianHelp);
  messages->add_option("--pupil", list_.pupil, "pupil id (with --school) or schools/{school}/pupils/{pupil}");
  messages->add_option("--staff", list_.staff, "staff id (with --school) or schools/{school}/staff/{staff}");
  AddSender(messages, &list_.school, &list_.trust);
  messages->add_flag("--unread", list_.unread_only, "only app copies not read yet");
  AddPaging(messages, &list_.page_size, &list_.page_token);
  messages->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.NoticeMessages(list_); }; });

  CLI::App* cancel = notices->add_subcommand("cancel", "cancel a notice before it is sent: no copy goes");
  cancel->add_option("name", name_, kNoticeHelp)->required();
  AddSender(cancel, &school_, &trust_);
  cancel->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.NoticeCancel(school_, trust_, name_); }; });

  // ---- templates ----
  CLI::App* templates = app->add_subcommand("templates", "notifications: notice templates, per locale");
  templates->require_subcommand(1);
  CLI::App* tlist = templates->add_subcommand("list", "the trust's templates, or a school's (with those it inherits)");
  AddSender(tlist, &list_.school, &list_.trust);
  AddPaging(tlist, &list_.page_size, &list_.page_token);
  tlist->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.TemplateList(list_); }; });

  CLI::App* tshow = templates->add_subcommand("show", "a template: variables and every locale's text");
  tshow->add_option("name", name_, kTemplateHelp)->required();
  AddSender(tshow, &school_, &trust_);
  tshow->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.TemplateShow(school_, trust_, name_); }; });

  CLI::App* tcreate = templates->add_subcommand("create", "a template from a protobuf-JSON file (its name says where)");
  tcreate->add_option("--file", file_, "the Template as JSON, with \"name\": \"trust/templates/{id}\"")->required();
  tcreate->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.TemplateSave(file_, true, ""); }; });

  CLI::App* tupdate = templates->add_subcommand("update", "replace a template with a protobuf-JSON file");
  tupdate->add_option("--file", file_, "the Template as JSON, with its name")->required();
  tupdate->add_option("--etag", etag_, "the etag last read (refused if it changed since)");
  tupdate->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.TemplateSave(file_, false, etag_); }; });

  CLI::App* tdelete = templates->add_subcommand("delete", "delete a template (a school's: the trust's applies again)");
  tdelete->add_option("name", name_, kTemplateHelp)->required();
  AddSender(tdelete, &school_, &trust_);
  tdelete->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.TemplateDelete(school_, trust_, name_); }; });

  // ---- prefs ----
  CLI::App* prefs = app->add_subcommand("prefs", "notifications: a guardian's preferences per category and channel");
  prefs->require_subcommand(1);
  CLI::App* pshow = prefs->add_subcommand("show", "a guardian's preferences");
  pshow->add_option("guardian", name_, kGuardianHelp)->required();
  pshow->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.PrefsShow(name_); }; });
  CLI::App* pset = prefs->add_subcommand("set", "set one category and channel to instant, digest or off");
  pset->add_option("guardian", name_, kGuardianHelp)->required();
  pset->add_option("--category", category_, kCategoryHelp)->required();
  pset->add_option("--channel", channel_, "app|email|sms|letter")->required();
  pset->add_option("--mode", mode_, "instant|digest|off (digest: app and email only)")->required();
  pset->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.PrefsSet(name_, category_, channel_, mode_); }; });

  // ---- notify-settings ----
  CLI::App* settings =
      app->add_subcommand("notify-settings", "notifications: a school's digest time and app read wait");
  settings->require_subcommand(1);
  CLI::App* sshow = settings->add_subcommand("show", "a school's notification settings");
  sshow->add_option("school", school_, kSchoolHelp)->required();
  sshow->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.NotifySettingsShow(school_); }; });
  CLI::App* sset = settings->add_subcommand("set", "change a school's notification settings");
  sset->add_option("school", school_, kSchoolHelp)->required();
  sset->add_option("--digest-time", digest_time_, "the daily digest's school-local time, HH:MM");
  sset->add_option("--app-read-wait", app_read_wait_,
                   "how long a routine email waits behind the app copy (2h, 90m; 0: no wait; at most 72h)");
  sset->callback([this, run] {
    *run = [this](Ctl& ctl) { return ctl.NotifySettingsSet(school_, digest_time_, app_read_wait_); };
  });

  // ---- consent ----
  CLI::App* consent = app->add_subcommand("consent", "notifications: replies to consent notices");
  consent->require_subcommand(1);
  CLI::App* csummary = consent->add_subcommand("summary", "per pupil: the answer (who, when) or awaiting");
  csummary->add_option("notice", name_, kNoticeHelp)->required();
  AddSender(csummary, &school_, &trust_);
  csummary->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.ConsentSummary(school_, trust_, name_); }; });
  CLI::App* creply = consent->add_subcommand("reply", "a guardian's answer for one pupil (the first one locks)");
  creply->add_option("message", name_, "the guardian's copy: schools/{school}/notices/{notice}/messages/{message}")
      ->required();
  creply->add_option("--pupil", pupil_, "pupil id or schools/{school}/pupils/{pupil}")->required();
  CLI::Option* yes = creply->add_flag("--yes", yes_, "consent given");
  CLI::Option* no = creply->add_flag("--no", no_, "consent refused");
  yes->excludes(no);
  creply->callback([this, run] {
    *run = [this](Ctl& ctl) { return ctl.ConsentReply(name_, pupil_, yes_ ? "yes" : no_ ? "no" : ""); };
  });
  CLI::App* creopen = consent->add_subcommand("reopen", "the school reopens a pupil's consent: the next answer counts");
  creopen->add_option("notice", name_, kNoticeHelp)->required();
  creopen->add_option("--pupil", pupil_, "pupil id or schools/{school}/pupils/{pupil}")->required();
  AddSender(creopen, &school_, &trust_);
  creopen->callback(
      [this, run] { *run = [this](Ctl& ctl) { return ctl.ConsentReopen(school_, trust_, name_, pupil_); }; });

  // ---- letters ----
  CLI::App* letters = app->add_subcommand("letters", "notifications: a school's daily printable letter batches");
  letters->require_subcommand(1);
  CLI::App* llist = letters->add_subcommand("list", "a school's letter batches");
  llist->add_option("school", list_.school, kSchoolHelp)->required();
  AddPaging(llist, &list_.page_size, &list_.page_token);
  llist->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.LetterList(list_); }; });
  CLI::App* ldownload = letters->add_subcommand("download", "a batch as a PDF, one addressed letter per page");
  ldownload->add_option("name", name_, "schools/{school}/letterBatches/{YYYY-MM-DD}, or the date with --school")
      ->required();
  ldownload->add_option("--school", school_, kSchoolHelp);
  ldownload->add_option("--out", out_, "the PDF file to write")->required();
  ldownload->callback([this, run] { *run = [this](Ctl& ctl) { return ctl.LetterDownload(school_, name_, out_); }; });
}

}  // namespace parley::ctl
