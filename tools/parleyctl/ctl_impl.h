// Internal to parleyctl's command files (commands.cc for contacts, conduct_commands.cc for
// conduct, escalation_commands.cc for escalation): the state behind Ctl and the call machinery
// they share, so that every command mints its token, sets its deadline, retries, reads times,
// follows pages and prints JSON the same way.
#pragma once

#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth/auth.h"
#include "common/grpc/client.h"
#include "common/status/status_macros.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/channel.h"
#include "parley/appointments/v1/appointments_service.grpc.pb.h"
#include "parley/conduct/v1/conduct_service.grpc.pb.h"
#include "parley/contacts/v1/contacts_service.grpc.pb.h"
#include "parley/escalation/v1/escalation_service.grpc.pb.h"
#include "parley/notifications/v1/notifications_service.grpc.pb.h"
#include "parley/reporting/v1/reporting_service.grpc.pb.h"
#include "tools/parleyctl/args.h"
#include "tools/parleyctl/commands.h"

namespace parley::ctl {

inline constexpr absl::Duration kDefaultTimeout = absl::Seconds(10);
// Asked for when following every page; servers cap it at what they allow.
inline constexpr int kFollowPageSize = 500;

// Protobuf JSON, re-indented by two; with `print_defaults`, fields at their defaults too.
absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message, bool print_defaults);
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);
void ToProto(absl::Time t, google::protobuf::Timestamp* ts);

// A bad value found while reading the command line becomes a usage error (exit 2).
template <typename T>
absl::StatusOr<T> Usage(absl::StatusOr<T> value) {
  if (value.ok()) return value;
  return UsageError(std::string(value.status().message()));
}

// ---- argument checks shared by the command files: each failure is a usage error ----

// A required text flag.
absl::Status Required(const std::string& value, const std::string& flag);
// Characters (not bytes) of UTF-8 text, as the APIs count them.
size_t Utf8Chars(const std::string& text);
// A text flag of at most `max_chars` characters.
absl::Status MaxChars(const std::string& value, const std::string& flag, size_t max_chars);
// "schools/{school}/{collection}/{id}" from a full name, or from an id with --school; `what`
// names the argument in errors ("the arrangement").
absl::StatusOr<std::string> NameInSchool(const std::string& school, const std::string& collection,
                                         const std::string& text, const std::string& what);
// "schools/a/arrangements/x" → "schools/a".
std::string SchoolOf(const std::string& name);
// True when any of the (non-empty) time flags is a school-local time, which needs the zone.
bool AnyLocalTime(std::initializer_list<const std::string*> texts);
// Checks the form of every time flag before any call: the zone does not change what parses.
absl::Status CheckTimes(std::initializer_list<const std::string*> texts);
absl::Status CheckPageSize(int page_size);

// The school-local days of a stats command, as the instants the API takes, and the zone.
struct LocalPeriod {
  absl::Time start;
  absl::Time end;
  absl::TimeZone zone;
};

struct Ctl::Impl {
  Impl(GlobalOptions o, std::shared_ptr<grpc::Channel> contacts_channel, std::shared_ptr<grpc::Channel> conduct_channel,
       std::shared_ptr<grpc::Channel> escalation_channel, std::ostream& out_stream, std::ostream& err_stream);

  absl::Duration Timeout(absl::Duration fallback) const { return opts.timeout.value_or(fallback); }

  absl::StatusOr<std::string> Mint(const std::vector<std::string>& roles, const std::vector<std::string>& schools,
                                   absl::Duration ttl) const;
  absl::StatusOr<std::string> BearerToken(absl::Duration call_timeout);

  // One call (with retries of UNAVAILABLE when idempotent), always under a deadline.
  absl::Status Call(absl::Duration default_timeout, bool idempotent,
                    const std::function<grpc::Status(grpc::ClientContext&)>& attempt);

  // Fetches one page, or every page from `page_token` on when `follow`, into `all`.
  template <typename Response>
  absl::Status Pages(bool follow, std::string page_token,
                     const std::function<grpc::Status(grpc::ClientContext&, const std::string&, Response*)>& fetch,
                     Response* all) {
    while (true) {
      Response page;
      PARLEY_RETURN_IF_ERROR(Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
        page.Clear();
        return fetch(ctx, page_token, &page);
      }));
      all->MergeFrom(page);
      all->set_next_page_token(page.next_page_token());
      if (!follow || page.next_page_token().empty()) return absl::OkStatus();
      if (page.next_page_token() == page_token) return absl::InternalError("the server repeated a page token");
      page_token = page.next_page_token();
    }
  }

  absl::Status PrintJson(const google::protobuf::Message& message);
  // One document for a record and its history: {"<key>": record, "<list_key>": [...]}, the
  // list being the field `list_key` of `list` (a List...Response).
  absl::Status PrintJsonWithList(const std::string& key, const google::protobuf::Message& record,
                                 const std::string& list_key, const google::protobuf::Message& list);

  absl::StatusOr<contacts::v1::School> GetSchool(const std::string& name);

  // The school's time zone: --zone when given, else the school's calendar zone from contacts
  // (Europe/London when the school names none). Looked up once per school and run.
  absl::StatusOr<absl::TimeZone> SchoolZone(const std::string& school_name);
  // For showing times only: as SchoolZone, but when the lookup fails, a warning on stderr and
  // Europe/London. Every time shown carries its zone abbreviation, so nothing is misread.
  absl::TimeZone DisplayZone(const std::string& school_name);

  // A time flag (`flag` names it in errors): RFC 3339, or school-local time read in the school's
  // zone (asked for only then); `fallback` when the flag is empty. Check the flag's form with
  // CheckTimes first, so a mistake is found before any call.
  absl::StatusOr<absl::Time> ReadTime(const std::string& school_name, const std::string& text, absl::Time fallback);

  // --from/--to of a stats command: whole school-local days, both included (LocalDays).
  absl::StatusOr<LocalPeriod> StatsPeriod(const std::string& school_name, const std::string& from,
                                          const std::string& to);

  GlobalOptions opts;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<contacts::v1::ContactsService::Stub> stub;
  std::unique_ptr<conduct::v1::ConductService::Stub> conduct;
  std::unique_ptr<escalation::v1::EscalationService::Stub> escalation;
  std::unique_ptr<notifications::v1::NotificationsService::Stub> notifications;
  std::unique_ptr<appointments::v1::AppointmentsService::Stub> appointments;
  std::unique_ptr<reporting::v1::ReportingService::Stub> reporting;
  std::ostream& out;
  std::ostream& err;
  std::string minted;
  std::map<std::string, absl::TimeZone> zones;
};

// Every list command against a school: one page (page_size > 0) or all of them, then JSON or a
// table in school-local time, and the next page's token on stderr. `customize` adds the
// command's own filters to each request.
template <typename Stub, typename Req, typename Resp>
absl::Status RunList(Ctl::Impl& impl, Stub* stub, grpc::Status (Stub::*call)(grpc::ClientContext*, const Req&, Resp*),
                     const std::string& parent, int page_size, const std::string& page_token,
                     const std::function<void(Req&)>& customize,
                     const std::function<std::string(const Resp&, const absl::TimeZone&)>& table) {
  const bool follow = page_size == 0;
  Resp all;
  PARLEY_RETURN_IF_ERROR(impl.Pages<Resp>(
      follow, page_token,
      [&](grpc::ClientContext& ctx, const std::string& token, Resp* page) {
        Req req;
        req.set_parent(parent);
        req.set_page_size(follow ? kFollowPageSize : page_size);
        req.set_page_token(token);
        if (customize) customize(req);
        return (stub->*call)(&ctx, req, page);
      },
      &all));
  if (impl.opts.json) return impl.PrintJson(all);
  impl.out << table(all, impl.DisplayZone(parent));
  if (!all.next_page_token().empty()) impl.err << "more: --page-token " << all.next_page_token() << "\n";
  return absl::OkStatus();
}

// Every stats command: figures for the school-local days from..to (both included), as JSON or by
// `format` in the school's zone.
template <typename Stub, typename Req, typename Resp>
absl::Status RunStats(Ctl::Impl& impl, Stub* stub, grpc::Status (Stub::*call)(grpc::ClientContext*, const Req&, Resp*),
                      const std::string& school, const std::string& from, const std::string& to,
                      std::string (*format)(const Resp&, absl::TimeZone)) {
  Req req;
  PARLEY_ASSIGN_OR_RETURN(*req.mutable_school(), Usage(SchoolName(school)));
  PARLEY_ASSIGN_OR_RETURN(LocalPeriod period, impl.StatsPeriod(req.school(), from, to));
  ToProto(period.start, req.mutable_start_time());
  ToProto(period.end, req.mutable_end_time());
  Resp stats;
  PARLEY_RETURN_IF_ERROR(
      impl.Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) { return (stub->*call)(&ctx, req, &stats); }));
  if (impl.opts.json) return impl.PrintJson(stats);
  impl.out << format(stats, period.zone);
  return absl::OkStatus();
}

}  // namespace parley::ctl
