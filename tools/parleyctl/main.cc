// parleyctl: the command line for Parley's contacts, conduct, escalation, notifications,
// appointments and reporting services. Parses arguments and dispatches to
// tools/parleyctl/commands.h (the conduct commands are registered by conduct_cli.h, the enquiries
// commands by escalation_cli.h, the notices, templates, prefs, notify-settings, consent and letters
// commands by notifications_cli.h, the meetings and evenings commands by appointments_cli.h,
// `report` by report_cli.h); exit 0 on success, 1 when a call (or the work) fails, 2 on a usage
// error.
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/config/env.h"
#include "common/config/tls_settings.h"
#include "common/grpc/client.h"
#include "tools/parleyctl/appointments_cli.h"
#include "tools/parleyctl/args.h"
#include "tools/parleyctl/cli_common.h"
#include "tools/parleyctl/commands.h"
#include "tools/parleyctl/conduct_cli.h"
#include "tools/parleyctl/escalation_cli.h"
#include "tools/parleyctl/health.h"
#include "tools/parleyctl/mail_cli.h"
#include "tools/parleyctl/notifications_cli.h"
#include "tools/parleyctl/report_cli.h"

namespace {

using parley::ctl::AddRepeatable;
using parley::ctl::Ctl;

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

constexpr char kFooter[] = R"(Environment:
  PARLEY_CONTACTS_ADDR      default for --addr
  PARLEY_CONDUCT_ADDR       default for --conduct-addr
  PARLEY_ESCALATION_ADDR    default for --escalation-addr
  PARLEY_NOTIFICATIONS_ADDR default for --notifications-addr
  PARLEY_APPOINTMENTS_ADDR  default for --appointments-addr
  PARLEY_REPORTING_ADDR     default for --reporting-addr
  PARLEY_TOKEN              default for --token
  PARLEY_SIGNING_KEY        default for --signing-key (ES256 PEM private key)
  PARLEY_JWT_ISSUER         issuer of minted tokens (parley-local)
  PARLEY_JWT_AUDIENCE       audience of minted tokens (parley)
  PARLEY_CA_FILE            default for --ca-file: TLS, trusting this CA (plaintext when unset)
  PARLEY_CLIENT_CERT_FILE   default for --cert-file (client certificate, for mutual TLS)
  PARLEY_CLIENT_KEY_FILE    default for --key-file (its private key)
  PARLEY_MAIL_API           mail: the mail catcher's HTTP API (http://127.0.0.1:8025)

Exit status: 0 success, 1 the call failed, 2 usage error. See docs/parleyctl.md.)";

int Report(const absl::Status& status) {
  if (status.ok()) return 0;
  if (parley::ctl::IsUsageError(status)) {
    std::cerr << "error: " << status.message() << "\nRun with --help for more information.\n";
    return kExitUsage;
  }
  std::cerr << parley::ctl::FormatError(status) << "\n";
  return kExitFailure;
}

}  // namespace

int main(int argc, char** argv) {
  parley::ctl::GlobalOptions global;
  parley::TlsSettings tls;  // the connection's security: --ca-file, --cert-file, --key-file
  {
    parley::EnvReader env;
    tls.ca_file = env.String("PARLEY_CA_FILE", "");
    tls.cert_file = env.String("PARLEY_CLIENT_CERT_FILE", "");
    tls.key_file = env.String("PARLEY_CLIENT_KEY_FILE", "");
    global.addr = env.String("PARLEY_CONTACTS_ADDR", global.addr);
    global.conduct_addr = env.String("PARLEY_CONDUCT_ADDR", global.conduct_addr);
    global.escalation_addr = env.String("PARLEY_ESCALATION_ADDR", global.escalation_addr);
    global.notifications_addr = env.String("PARLEY_NOTIFICATIONS_ADDR", global.notifications_addr);
    global.appointments_addr = env.String("PARLEY_APPOINTMENTS_ADDR", global.appointments_addr);
    global.reporting_addr = env.String("PARLEY_REPORTING_ADDR", global.reporting_addr);
    global.token = env.String("PARLEY_TOKEN", "");
    global.signing_key = env.String("PARLEY_SIGNING_KEY", "");
    global.issuer = env.String("PARLEY_JWT_ISSUER", global.issuer);
    global.audience = env.String("PARLEY_JWT_AUDIENCE", global.audience);
    absl::Status env_status = env.Finish();
    if (!env_status.ok()) return Report(parley::ctl::UsageError(std::string(env_status.message())));
  }

  CLI::App app{
      "parleyctl: the command line for Parley's contacts, conduct, escalation, notifications, appointments and "
      "reporting services",
      "parleyctl"};
  app.footer(kFooter);
  app.require_subcommand(1);
  app.fallthrough();

  std::vector<std::string> as_roles;
  std::string timeout_text;
  app.add_option("--addr", global.addr, "contacts service address host:port")->capture_default_str();
  app.add_option("--conduct-addr", global.conduct_addr, "conduct service address host:port")->capture_default_str();
  app.add_option("--escalation-addr", global.escalation_addr, "escalation service address host:port")
      ->capture_default_str();
  app.add_option("--notifications-addr", global.notifications_addr, "notifications service address host:port")
      ->capture_default_str();
  app.add_option("--appointments-addr", global.appointments_addr, "appointments service address host:port")
      ->capture_default_str();
  app.add_option("--reporting-addr", global.reporting_addr, "reporting service address host:port")
      ->capture_default_str();
  app.add_option("--token", global.token, "bearer token to send (else one is minted)");
  app.add_option("--ca-file", tls.ca_file, "TLS: PEM CA the services' certificates must be signed by");
  app.add_option("--cert-file", tls.cert_file, "TLS: PEM client certificate to present (mutual TLS)");
  app.add_option("--key-file", tls.key_file, "TLS: PEM private key of --cert-file");
  app.add_option("--signing-key", global.signing_key, "ES256 PEM private key to mint tokens with");
  AddRepeatable(&app, "--as-role", &as_roles, "role of the minted token (repeatable; default trust_admin)");
  AddRepeatable(&app, "--as-school", &global.as_schools, "school of the minted token (repeatable; default trust-wide)");
  app.add_option("--as-subject", global.as_subject,
                 "subject of the minted token: a staff or guardian resource name, to see what that person sees")
      ->capture_default_str();
  app.add_flag("--json", global.json, "print the response as protobuf JSON");
  app.add_option("--timeout", timeout_text,
                 "deadline of each call (default 10s; import 5m, export 2m, report 1m, report --csv 2m)");
  app.add_option("--zone", global.zone,
                 "conduct, enquiries, notifications, meetings, evenings: the school's IANA time zone (default: the "
                 "school's own, asked of contacts)");

  parley::ctl::Command run;
  bool needs_channel = true;

  // token
  std::vector<std::string> token_roles, token_schools;
  std::string ttl_text = "1h";
  CLI::App* token = app.add_subcommand("token", "mint a bearer token with the signing key and print it");
  AddRepeatable(token, "--role", &token_roles, "role claim (repeatable)")->required();
  AddRepeatable(token, "--school", &token_schools, "school claim (repeatable; none = trust-wide)");
  token->add_option("--ttl", ttl_text, "lifetime")->capture_default_str();
  token->add_option("--subject", global.as_subject,
                    "subject claim: schools/{school}/staff/{id} for staff, guardians/{id} for a guardian");
  token->callback([&] {
    needs_channel = false;
    run = [&](Ctl& ctl) -> absl::Status {
      absl::StatusOr<absl::Duration> ttl = parley::ctl::ParseDurationArg("--ttl", ttl_text);
      if (!ttl.ok()) return parley::ctl::UsageError(std::string(ttl.status().message()));
      return ctl.Token(token_roles, token_schools, *ttl);
    };
  });

  // wait
  std::string wait_timeout_text;
  std::string wait_service = "contacts";
  CLI::App* wait = app.add_subcommand("wait", "wait until a service reports SERVING on gRPC health");
  wait->add_option("--timeout", wait_timeout_text, "how long to wait (default 30s)");
  wait->add_option("--service", wait_service,
                   "which service: contacts (--addr), conduct (--conduct-addr), escalation (--escalation-addr), "
                   "notifications (--notifications-addr), appointments (--appointments-addr) or reporting "
                   "(--reporting-addr)")
      ->check(CLI::IsMember({"contacts", "conduct", "escalation", "notifications", "appointments", "reporting"}))
      ->capture_default_str();
  wait->callback([&] { needs_channel = false; });

  // schools
  CLI::App* schools = app.add_subcommand("schools", "the trust's schools");
  schools->require_subcommand(1);
  CLI::App* schools_list = schools->add_subcommand("list", "list the schools");
  schools_list->callback([&] { run = [](Ctl& ctl) { return ctl.SchoolsList(); }; });
  std::string show_school;
  CLI::App* schools_show = schools->add_subcommand("show", "a school's calendar, policy rules and versions");
  schools_show->add_option("school", show_school, "school id or schools/{school}")->required();
  schools_show->callback([&] { run = [&](Ctl& ctl) { return ctl.SchoolsShow(show_school); }; });

  // staff
  std::string staff_school, staff_role;
  CLI::App* staff = app.add_subcommand("staff", "a school's staff");
  staff->require_subcommand(1);
  CLI::App* staff_list = staff->add_subcommand("list", "list a school's staff");
  staff_list->add_option("--school", staff_school, "school id or schools/{school}")->required();
  staff_list->add_option("--role", staff_role, "only staff holding this role (senco, dsl, ...)");
  staff_list->callback([&] { run = [&](Ctl& ctl) { return ctl.StaffList(staff_school, staff_role); }; });

  // pupils
  Ctl::PupilsListOptions pupils_opts;
  CLI::App* pupils = app.add_subcommand("pupils", "a school's pupils");
  pupils->require_subcommand(1);
  CLI::App* pupils_list = pupils->add_subcommand("list", "list a school's pupils (every page unless --page-size)");
  pupils_list->add_option("--school", pupils_opts.school, "school id or schools/{school}")->required();
  pupils_list->add_option("--class", pupils_opts.class_name, "only this class or form");
  pupils_list->add_option("--page-size", pupils_opts.page_size, "one page of at most N")->check(CLI::PositiveNumber);
  pupils_list->add_option("--page-token", pupils_opts.page_token, "the page to start from");
  pupils_list->add_flag("--ids-only", pupils_opts.ids_only, "print pupil ids only, one per line");
  pupils_list->callback([&] { run = [&](Ctl& ctl) { return ctl.PupilsList(pupils_opts); }; });

  // guardians
  std::string guardians_school, guardians_pupil;
  CLI::App* guardians = app.add_subcommand("guardians", "parents and carers");
  guardians->require_subcommand(1);
  CLI::App* guardians_list = guardians->add_subcommand("list", "guardians of a school's pupils, or of one pupil");
  guardians_list->add_option("--school", guardians_school, "school id or schools/{school}");
  guardians_list->add_option("--pupil", guardians_pupil, "schools/{school}/pupils/{pupil} (or an id with --school)");
  guardians_list->callback(
      [&] { run = [&](Ctl& ctl) { return ctl.GuardiansList(guardians_school, guardians_pupil); }; });

  // route
  Ctl::RouteOptions route_opts;
  CLI::App* route = app.add_subcommand("route", "who owns a new matter, and the channel rule for it");
  route->add_option("--school", route_opts.school, "school id or schools/{school}")->required();
  route->add_option("--pupil", route_opts.pupil, "pupil id or full name");
  route->add_option("--category", route_opts.category, "learning, pastoral, send, attendance, ...")->required();
  route->add_option("--channel", route_opts.channel, "email|letter|phone|app|in-person|meeting|sms")->required();
  route->add_option("--subject", route_opts.subject, "subject, for subject-teacher routes (maths)");
  route->callback([&] { run = [&](Ctl& ctl) { return ctl.Route(route_opts); }; });

  // ladder
  Ctl::LadderOptions ladder_opts;
  CLI::App* ladder = app.add_subcommand("ladder", "the escalation ladder above a matter");
  ladder->add_option("--school", ladder_opts.school, "school id or schools/{school}")->required();
  ladder->add_option("--pupil", ladder_opts.pupil, "pupil id or full name");
  ladder->add_option("--category", ladder_opts.category, "the matter's category")->required();
  ladder->add_option("--subject", ladder_opts.subject, "subject, for subject rungs");
  ladder->callback([&] { run = [&](Ctl& ctl) { return ctl.Ladder(ladder_opts); }; });

  // deadline
  Ctl::DeadlineOptions deadline_opts;
  CLI::App* deadline = app.add_subcommand("deadline", "when a stage is due under the school's policy");
  deadline->add_option("--school", deadline_opts.school, "school id or schools/{school}")->required();
  deadline->add_option("--channel", deadline_opts.channel, "email|letter|phone|app|in-person|meeting|sms")->required();
  deadline->add_option("--stage", deadline_opts.stage, "acknowledge|respond|hold-meeting|follow-up")->required();
  deadline
      ->add_option("--received", deadline_opts.received,
                   "RFC 3339 (2025-10-24T15:10:00Z) or school-local \"YYYY-MM-DD HH:MM\"")
      ->required();
  deadline->add_option("--owner", deadline_opts.owner, "owner staff id or name (for owner-calendar rules)");
  AddRepeatable(deadline, "--pause", &deadline_opts.pauses,
                "START/END the clock stood still (repeatable; END may be empty)");
  deadline->add_flag("--safeguarding", deadline_opts.safeguarding, "use the safeguarding budget");
  deadline->add_option("--category", deadline_opts.category, "the matter's category (a rule for it wins)");
  deadline->add_flag("--explain", deadline_opts.explain, "show the explanation steps and summary");
  deadline->callback([&] { run = [&](Ctl& ctl) { return ctl.Deadline(deadline_opts); }; });

  // import
  Ctl::ImportOptions import_opts;
  CLI::App* import_cmd = app.add_subcommand("import", "load a protobuf-JSON TrustDirectory");
  import_cmd->add_option("file", import_opts.file, "the directory document")->required();
  import_cmd->add_flag("--validate-only", import_opts.validate_only,
                       "print what would be created, changed and deleted; write nothing");
  import_cmd->add_flag("--yes", import_opts.yes, "apply deletions without asking (for scripts)");
  import_cmd->callback([&] {
    import_opts.progress_is_tty = isatty(fileno(stderr)) == 1;
    // Deletions are confirmed on the terminal; without one they need --yes.
    import_opts.confirm = isatty(fileno(stdin)) == 1 ? &std::cin : nullptr;
    run = [&](Ctl& ctl) { return ctl.Import(import_opts); };
  });

  // export
  std::string export_file;
  CLI::App* export_cmd = app.add_subcommand("export", "the whole directory as protobuf JSON");
  export_cmd->add_option("file", export_file, "where to write it (stdout when omitted)");
  export_cmd->callback([&] { run = [&](Ctl& ctl) { return ctl.Export(export_file); }; });

  // conduct ...
  parley::ctl::ConductCli conduct_cli(&app, &run);
  // enquiries ...
  parley::ctl::EscalationCli escalation_cli(&app, &run);
  // notices, templates, prefs, notify-settings, consent, letters ...
  parley::ctl::NotificationsCli notifications_cli(&app, &run);
  // meetings ..., evenings ...
  parley::ctl::AppointmentsCli appointments_cli(&app, &run);
  // report (the trust report: text, JSON, HTML, CSV)
  parley::ctl::ReportCli report_cli(&app, &run, &needs_channel);
  // mail ... (the local mail catcher over HTTP: no channel)
  parley::ctl::MailCli mail_cli(&app, &run, &needs_channel, &global.json);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }

  if (!as_roles.empty()) global.as_roles = as_roles;
  if (!timeout_text.empty()) {
    absl::StatusOr<absl::Duration> timeout = parley::ctl::ParseDurationArg("--timeout", timeout_text);
    if (!timeout.ok()) return Report(parley::ctl::UsageError(std::string(timeout.status().message())));
    global.timeout = *timeout;
  }

  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return Report(parley::ctl::UsageError("--cert-file and --key-file go together"));
  }
  // One set of credentials (and certificate watcher) for every channel.
  const std::shared_ptr<grpc::ChannelCredentials> credentials = parley::client::ChannelCredentials(tls);

  if (!global.zone.empty()) {
    absl::StatusOr<absl::TimeZone> zone = parley::ctl::LoadZone(global.zone);
    if (!zone.ok()) return Report(parley::ctl::UsageError(absl::StrCat("--zone: ", zone.status().message())));
  }

  if (wait->parsed()) {
    absl::Duration timeout = global.timeout.value_or(absl::Seconds(30));
    if (!wait_timeout_text.empty()) {
      absl::StatusOr<absl::Duration> t = parley::ctl::ParseDurationArg("--timeout", wait_timeout_text);
      if (!t.ok()) return Report(parley::ctl::UsageError(std::string(t.status().message())));
      timeout = *t;
    }
    const std::string& target = wait_service == "conduct"         ? global.conduct_addr
                                : wait_service == "escalation"    ? global.escalation_addr
                                : wait_service == "notifications" ? global.notifications_addr
                                : wait_service == "appointments"  ? global.appointments_addr
                                : wait_service == "reporting"     ? global.reporting_addr
                                                                  : global.addr;
    absl::Status status = parley::ctl::WaitForServing(target, timeout, credentials);
    if (status.ok()) std::cout << target << " is serving\n";
    return Report(status);
  }

  // Channels connect lazily: the conduct and escalation ones cost nothing for a contacts command,
  // and conduct and enquiries commands use contacts only to learn a school's time zone.
  std::shared_ptr<grpc::Channel> channel, conduct_channel, escalation_channel, notifications_channel,
      appointments_channel, reporting_channel;
  if (needs_channel) {
    channel = parley::client::MakeChannel(global.addr, credentials, 64 << 20);
    conduct_channel = parley::client::MakeChannel(global.conduct_addr, credentials, 64 << 20);
    escalation_channel = parley::client::MakeChannel(global.escalation_addr, credentials, 64 << 20);
    notifications_channel = parley::client::MakeChannel(global.notifications_addr, credentials, 64 << 20);
    appointments_channel = parley::client::MakeChannel(global.appointments_addr, credentials, 64 << 20);
    reporting_channel = parley::client::MakeChannel(global.reporting_addr, credentials, 64 << 20);
  }
  if (!run) return Report(parley::ctl::UsageError("no command given"));
  Ctl ctl(global, channel, conduct_channel, escalation_channel, notifications_channel, appointments_channel,
          reporting_channel, std::cout, std::cerr);
  absl::Status status = run(ctl);
  std::cout.flush();
  return Report(status);
}
