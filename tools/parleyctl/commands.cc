#include "tools/parleyctl/commands.h"

#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/auth/auth.h"
#include "common/grpc/client.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"
#include "tools/parleyctl/args.h"
#include "tools/parleyctl/conduct_args.h"
#include "tools/parleyctl/ctl_impl.h"
#include "tools/parleyctl/format.h"

namespace parley::ctl {
namespace {

constexpr char kUsagePayloadUrl[] = "type.parley.dev/parleyctl-usage";
// A whole directory moves in one call; the demo trust takes seconds, a large trust longer.
constexpr absl::Duration kImportTimeout = absl::Minutes(5);
constexpr absl::Duration kExportTimeout = absl::Minutes(2);
constexpr int kMaxAttempts = 3;

// Protobuf's own pretty printer indents by one space; re-indent by two, keeping field order.
std::string Pretty(const std::string& compact_json) {
  nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(compact_json, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return compact_json + "\n";
  return parsed.dump(2, ' ', /*ensure_ascii=*/false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace

absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message, bool print_defaults) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = print_defaults;
  options.always_print_enums_as_ints = false;
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) return absl::InternalError(absl::StrCat("cannot print JSON: ", status.message().ToString()));
  return Pretty(json);
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read ", path));
  return content.str();
}

void ToProto(absl::Time t, google::protobuf::Timestamp* ts) {
  const int64_t seconds = absl::ToUnixSeconds(t);
  ts->set_seconds(seconds);
  ts->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds))));
}

absl::Status UsageError(const std::string& message) {
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kUsagePayloadUrl, absl::Cord("1"));
  return status;
}

bool IsUsageError(const absl::Status& status) { return status.GetPayload(kUsagePayloadUrl).has_value(); }

std::string FormatError(const absl::Status& status) {
  std::string out = absl::StrCat("error: ", absl::StatusCodeToString(status.code()), ": ", status.message());
  const std::string reason = ErrorReason(status);
  if (!reason.empty()) absl::StrAppend(&out, " (reason: ", reason, ")");
  return out;
}

absl::StatusOr<v1::TrustDirectory> ParseTrustDirectoryJson(const std::string& json, const std::string& source) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;  // a misspelt field must not be silently dropped
  v1::TrustDirectory directory;
  auto status = google::protobuf::util::JsonStringToMessage(json, &directory, options);
  if (!status.ok()) {
    std::string message = status.message().ToString();
    // Syntax errors come with a drawing of the offending text on further lines.
    message = message.substr(0, message.find('\n'));
    const size_t cannot_find = message.rfind(": Cannot find field");
    if (cannot_find != std::string::npos) {
      // Protobuf says "(schools[0].school) calender: Cannot find field."; name the field's path.
      std::string where = message.substr(0, cannot_find);
      const size_t close = where.find(") ");
      if (absl::StartsWith(where, "(") && close != std::string::npos) {
        where = absl::StrCat(where.substr(1, close - 1), ".", where.substr(close + 2));
      }
      message =
          absl::StrCat("unknown field \"", where, "\" (misspelt, or not part of parley.contacts.v1.TrustDirectory)");
    }
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", message));
  }
  return directory;
}

absl::Status Required(const std::string& value, const std::string& flag) {
  if (absl::StripAsciiWhitespace(value).empty()) return UsageError(absl::StrCat(flag, " is required"));
  return absl::OkStatus();
}

size_t Utf8Chars(const std::string& text) {
  size_t chars = 0;
  for (unsigned char c : text) chars += (c & 0xC0) != 0x80;
  return chars;
}

absl::Status MaxChars(const std::string& value, const std::string& flag, size_t max_chars) {
  const size_t chars = Utf8Chars(value);
  if (chars > max_chars) {
    return UsageError(absl::StrCat(flag, " holds ", chars, " characters; at most ", max_chars, " are allowed"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> NameInSchool(const std::string& school, const std::string& collection,
                                         const std::string& text, const std::string& what) {
  PARLEY_RETURN_IF_ERROR(Required(text, what));
  std::string school_name;
  if (!school.empty()) {
    PARLEY_ASSIGN_OR_RETURN(school_name, Usage(SchoolName(school)));
  }
  if (school_name.empty() && !absl::StartsWith(text, "schools/")) {
    return UsageError(
        absl::StrCat(what, " needs a full name (schools/{school}/", collection, "/{id}), or --school with a bare id"));
  }
  return Usage(ChildResourceName(school_name, collection, text));
}

std::string SchoolOf(const std::string& name) {
  const size_t slash = name.find('/', std::string("schools/").size());
  return name.substr(0, slash);
}

bool AnyLocalTime(std::initializer_list<const std::string*> texts) {
  for (const std::string* t : texts) {
    if (!t->empty() && !IsAbsoluteTime(*t)) return true;
  }
  return false;
}

absl::Status CheckTimes(std::initializer_list<const std::string*> texts) {
  for (const std::string* t : texts) {
    if (!t->empty()) PARLEY_RETURN_IF_ERROR(Usage(ParseTimeArg(*t, absl::UTCTimeZone())).status());
  }
  return absl::OkStatus();
}

absl::Status CheckPageSize(int page_size) {
  if (page_size < 0) return UsageError("--page-size must not be negative");
  return absl::OkStatus();
}

Ctl::Impl::Impl(GlobalOptions o, std::shared_ptr<grpc::Channel> contacts_channel,
                std::shared_ptr<grpc::Channel> conduct_channel, std::shared_ptr<grpc::Channel> escalation_channel,
                std::ostream& out_stream, std::ostream& err_stream)
    : opts(std::move(o)), channel(std::move(contacts_channel)), out(out_stream), err(err_stream) {
  if (channel != nullptr) stub = v1::ContactsService::NewStub(channel);
  if (conduct_channel != nullptr) conduct = conduct::v1::ConductService::NewStub(conduct_channel);
  if (escalation_channel != nullptr) escalation = escalation::v1::EscalationService::NewStub(escalation_channel);
}

absl::StatusOr<std::string> Ctl::Impl::Mint(const std::vector<std::string>& roles,
                                            const std::vector<std::string>& schools, absl::Duration ttl) const {
  if (roles.empty()) return UsageError("a token needs at least one role");
  auth::Principal principal;
  if (opts.as_subject.empty()) return UsageError("--as-subject must not be empty");
  principal.subject = opts.as_subject;
  principal.roles = roles;
  for (const std::string& school : schools) {
    PARLEY_ASSIGN_OR_RETURN(std::string id, Usage(SchoolId(school)));
    principal.schools.push_back(id);
  }
  if (opts.signing_key.empty()) {
    return UsageError(
        "no credentials: pass --token (or set PARLEY_TOKEN), or --signing-key (or set PARLEY_SIGNING_KEY) to "
        "mint one");
  }
  auth::SignerOptions signer_options;
  PARLEY_ASSIGN_OR_RETURN(signer_options.private_key_pem, auth::ReadFile(opts.signing_key));
  signer_options.issuer = opts.issuer;
  signer_options.audience = opts.audience;
  PARLEY_ASSIGN_OR_RETURN(std::unique_ptr<auth::Signer> signer, auth::Signer::Create(std::move(signer_options)));
  return signer->Mint(principal, ttl);
}

absl::StatusOr<std::string> Ctl::Impl::BearerToken(absl::Duration call_timeout) {
  if (!opts.token.empty()) return opts.token;
  if (!minted.empty()) return minted;
  // Minted once per run and reused by every call (pages, GetSchool before ComputeDeadline): it
  // outlives the first call's deadline (retries included) by minutes.
  PARLEY_ASSIGN_OR_RETURN(minted, Mint(opts.as_roles, opts.as_schools, call_timeout + absl::Minutes(5)));
  return minted;
}

absl::Status Ctl::Impl::Call(absl::Duration default_timeout, bool idempotent,
                             const std::function<grpc::Status(grpc::ClientContext&)>& attempt) {
  client::CallOptions call;
  call.timeout = Timeout(default_timeout);
  call.idempotent = idempotent;
  call.max_attempts = idempotent ? kMaxAttempts : 1;
  PARLEY_ASSIGN_OR_RETURN(call.bearer_token, BearerToken(call.timeout));
  return client::Call(call, attempt);
}

absl::Status Ctl::Impl::PrintJson(const google::protobuf::Message& message) {
  PARLEY_ASSIGN_OR_RETURN(std::string json, ToJson(message, /*print_defaults=*/true));
  out << json;
  return absl::OkStatus();
}

absl::Status Ctl::Impl::PrintJsonWithList(const std::string& key, const google::protobuf::Message& record,
                                          const std::string& list_key, const google::protobuf::Message& list) {
  PARLEY_ASSIGN_OR_RETURN(std::string record_json, ToJson(record, /*print_defaults=*/true));
  PARLEY_ASSIGN_OR_RETURN(std::string list_json, ToJson(list, /*print_defaults=*/true));
  nlohmann::ordered_json doc;
  doc[key] = nlohmann::ordered_json::parse(record_json);
  doc[list_key] = nlohmann::ordered_json::parse(list_json).value(list_key, nlohmann::ordered_json::array());
  out << doc.dump(2, ' ', /*ensure_ascii=*/false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  return absl::OkStatus();
}

absl::StatusOr<v1::School> Ctl::Impl::GetSchool(const std::string& name) {
  if (stub == nullptr) return absl::FailedPreconditionError("no contacts service address");
  v1::GetSchoolRequest req;
  req.set_name(name);
  v1::School school;
  PARLEY_RETURN_IF_ERROR(
      Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) { return stub->GetSchool(&ctx, req, &school); }));
  return school;
}

absl::StatusOr<absl::TimeZone> Ctl::Impl::SchoolZone(const std::string& school_name) {
  if (!opts.zone.empty()) return Usage(LoadZone(opts.zone));
  auto cached = zones.find(school_name);
  if (cached != zones.end()) return cached->second;
  absl::StatusOr<v1::School> school = GetSchool(school_name);
  if (!school.ok()) {
    // Say which call failed (a conduct command failing on contacts is otherwise a puzzle), keeping
    // the code and the reason.
    absl::Status with_context(school.status().code(),
                              absl::StrCat("reading the time zone of ", school_name, " from contacts at ", opts.addr,
                                           " (or give --zone): ", school.status().message()));
    school.status().ForEachPayload(
        [&](absl::string_view url, const absl::Cord& payload) { with_context.SetPayload(url, payload); });
    return with_context;
  }
  PARLEY_ASSIGN_OR_RETURN(absl::TimeZone zone, LoadZone(school->calendar().time_zone()));
  zones.emplace(school_name, zone);
  return zone;
}

absl::TimeZone Ctl::Impl::DisplayZone(const std::string& school_name) {
  absl::StatusOr<absl::TimeZone> zone = SchoolZone(school_name);
  if (zone.ok()) return *zone;
  err << "warning: " << absl::StatusCodeToString(zone.status().code()) << ": " << zone.status().message()
      << "; showing times in Europe/London\n";
  absl::StatusOr<absl::TimeZone> london = LoadZone("Europe/London");
  const absl::TimeZone fallback = london.ok() ? *london : absl::UTCTimeZone();
  zones.emplace(school_name, fallback);
  return fallback;
}

absl::StatusOr<absl::Time> Ctl::Impl::ReadTime(const std::string& school_name, const std::string& text,
                                               absl::Time fallback) {
  if (text.empty()) return fallback;
  absl::TimeZone zone = absl::UTCTimeZone();
  if (AnyLocalTime({&text})) {
    PARLEY_ASSIGN_OR_RETURN(zone, SchoolZone(school_name));
  }
  return Usage(ParseTimeArg(text, zone));
}

absl::StatusOr<LocalPeriod> Ctl::Impl::StatsPeriod(const std::string& school_name, const std::string& from,
                                                   const std::string& to) {
  PARLEY_RETURN_IF_ERROR(Required(from, "--from"));
  PARLEY_RETURN_IF_ERROR(Required(to, "--to"));
  PARLEY_ASSIGN_OR_RETURN(absl::CivilDay first, Usage(ParseDateArg("--from", from)));
  PARLEY_ASSIGN_OR_RETURN(absl::CivilDay last, Usage(ParseDateArg("--to", to)));
  if (last < first) return UsageError("--to must not be before --from");
  PARLEY_ASSIGN_OR_RETURN(absl::TimeZone zone, SchoolZone(school_name));
  PARLEY_ASSIGN_OR_RETURN(auto period, Usage(LocalDays(first, last, zone)));
  return LocalPeriod{period.first, period.second, zone};
}

Ctl::Ctl(GlobalOptions options, std::shared_ptr<grpc::Channel> channel, std::ostream& out, std::ostream& err)
    : Ctl(std::move(options), std::move(channel), nullptr, nullptr, out, err) {}

Ctl::Ctl(GlobalOptions options, std::shared_ptr<grpc::Channel> contacts, std::shared_ptr<grpc::Channel> conduct,
         std::ostream& out, std::ostream& err)
    : Ctl(std::move(options), std::move(contacts), std::move(conduct), nullptr, out, err) {}

Ctl::Ctl(GlobalOptions options, std::shared_ptr<grpc::Channel> contacts, std::shared_ptr<grpc::Channel> conduct,
         std::shared_ptr<grpc::Channel> escalation, std::ostream& out, std::ostream& err)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(contacts), std::move(conduct), std::move(escalation),
                                   out, err)) {}

Ctl::Ctl(GlobalOptions options, std::shared_ptr<grpc::Channel> contacts, std::shared_ptr<grpc::Channel> conduct,
         std::shared_ptr<grpc::Channel> escalation, std::shared_ptr<grpc::Channel> notifications, std::ostream& out,
         std::ostream& err)
    : Ctl(std::move(options), std::move(contacts), std::move(conduct), std::move(escalation), out, err) {
  if (notifications != nullptr) impl_->notifications = notifications::v1::NotificationsService::NewStub(notifications);
}

Ctl::Ctl(GlobalOptions options, std::shared_ptr<grpc::Channel> contacts, std::shared_ptr<grpc::Channel> conduct,
         std::shared_ptr<grpc::Channel> escalation, std::shared_ptr<grpc::Channel> notifications,
         std::shared_ptr<grpc::Channel> appointments, std::ostream& out, std::ostream& err)
    : Ctl(std::move(options), std::move(contacts), std::move(conduct), std::move(escalation), std::move(notifications),
          out, err) {
  if (appointments != nullptr) impl_->appointments = appointments::v1::AppointmentsService::NewStub(appointments);
}

Ctl::Ctl(GlobalOptions options, std::shared_ptr<grpc::Channel> contacts, std::shared_ptr<grpc::Channel> conduct,
         std::shared_ptr<grpc::Channel> escalation, std::shared_ptr<grpc::Channel> notifications,
         std::shared_ptr<grpc::Channel> appointments, std::shared_ptr<grpc::Channel> reporting, std::ostream& out,
         std::ostream& err)
    : Ctl(std::move(options), std::move(contacts), std::move(conduct), std::move(escalation), std::move(notifications),
          std::move(appointments), out, err) {
  if (reporting != nullptr) impl_->reporting = reporting::v1::ReportingService::NewStub(reporting);
}

Ctl::~Ctl() = default;

absl::Status Ctl::Token(const std::vector<std::string>& roles, const std::vector<std::string>& schools,
                        absl::Duration ttl) {
  PARLEY_ASSIGN_OR_RETURN(std::string token, impl_->Mint(roles, schools, ttl));
  impl_->out << token << "\n";
  return absl::OkStatus();
}

absl::Status Ctl::SchoolsList() {
  v1::ListSchoolsResponse all;
  PARLEY_RETURN_IF_ERROR(impl_->Pages<v1::ListSchoolsResponse>(
      true, "",
      [&](grpc::ClientContext& ctx, const std::string& token, v1::ListSchoolsResponse* page) {
        v1::ListSchoolsRequest req;
        req.set_page_size(kFollowPageSize);
        req.set_page_token(token);
        return impl_->stub->ListSchools(&ctx, req, page);
      },
      &all));
  if (impl_->opts.json) return impl_->PrintJson(all);
  impl_->out << FormatSchoolsTable({all.schools().begin(), all.schools().end()});
  return absl::OkStatus();
}

absl::Status Ctl::SchoolsShow(const std::string& school) {
  PARLEY_ASSIGN_OR_RETURN(std::string name, Usage(SchoolName(school)));
  PARLEY_ASSIGN_OR_RETURN(v1::School s, impl_->GetSchool(name));
  if (impl_->opts.json) return impl_->PrintJson(s);
  impl_->out << FormatSchool(s);
  return absl::OkStatus();
}

absl::Status Ctl::StaffList(const std::string& school, const std::string& role) {
  PARLEY_ASSIGN_OR_RETURN(std::string parent, Usage(SchoolName(school)));
  v1::ListStaffResponse all;
  PARLEY_RETURN_IF_ERROR(impl_->Pages<v1::ListStaffResponse>(
      true, "",
      [&](grpc::ClientContext& ctx, const std::string& token, v1::ListStaffResponse* page) {
        v1::ListStaffRequest req;
        req.set_parent(parent);
        req.set_role(role);
        req.set_page_size(kFollowPageSize);
        req.set_page_token(token);
        return impl_->stub->ListStaff(&ctx, req, page);
      },
      &all));
  if (impl_->opts.json) return impl_->PrintJson(all);
  impl_->out << FormatStaffTable({all.staff().begin(), all.staff().end()});
  return absl::OkStatus();
}

absl::Status Ctl::PupilsList(const PupilsListOptions& opts) {
  PARLEY_ASSIGN_OR_RETURN(std::string parent, Usage(SchoolName(opts.school)));
  if (opts.page_size < 0) return UsageError("--page-size must not be negative");
  const bool follow = opts.page_size == 0;
  v1::ListPupilsResponse all;
  PARLEY_RETURN_IF_ERROR(impl_->Pages<v1::ListPupilsResponse>(
      follow, opts.page_token,
      [&](grpc::ClientContext& ctx, const std::string& token, v1::ListPupilsResponse* page) {
        v1::ListPupilsRequest req;
        req.set_parent(parent);
        req.set_class_name(opts.class_name);
        req.set_page_size(follow ? kFollowPageSize : opts.page_size);
        req.set_page_token(token);
        return impl_->stub->ListPupils(&ctx, req, page);
      },
      &all));
  if (opts.ids_only) {
    for (const v1::Pupil& p : all.pupils()) impl_->out << LastSegment(p.name()) << "\n";
    return absl::OkStatus();
  }
  if (impl_->opts.json) return impl_->PrintJson(all);
  impl_->out << FormatPupilsTable({all.pupils().begin(), all.pupils().end()});
  if (!all.next_page_token().empty()) impl_->err << "more: --page-token " << all.next_page_token() << "\n";
  return absl::OkStatus();
}

absl::Status Ctl::GuardiansList(const std::string& school, const std::string& pupil) {
  std::string school_name, pupil_name;
  if (pupil.empty()) {
    if (school.empty()) return UsageError("guardians list needs --school or --pupil");
    PARLEY_ASSIGN_OR_RETURN(school_name, Usage(SchoolName(school)));
  } else {
    std::string within;
    if (!school.empty()) {
      PARLEY_ASSIGN_OR_RETURN(within, Usage(SchoolName(school)));
    }
    if (within.empty() && !absl::StartsWith(pupil, "schools/")) {
      return UsageError("--pupil needs a full name (schools/{school}/pupils/{pupil}), or --school with a bare id");
    }
    PARLEY_ASSIGN_OR_RETURN(pupil_name, Usage(PupilName(within, pupil)));
  }
  v1::ListGuardiansResponse all;
  PARLEY_RETURN_IF_ERROR(impl_->Pages<v1::ListGuardiansResponse>(
      true, "",
      [&](grpc::ClientContext& ctx, const std::string& token, v1::ListGuardiansResponse* page) {
        v1::ListGuardiansRequest req;
        // The API takes one or the other: a pupil narrows within its school.
        if (pupil_name.empty()) req.set_school(school_name);
        req.set_pupil(pupil_name);
        req.set_page_size(kFollowPageSize);
        req.set_page_token(token);
        return impl_->stub->ListGuardians(&ctx, req, page);
      },
      &all));
  if (impl_->opts.json) return impl_->PrintJson(all);
  impl_->out << FormatGuardiansTable({all.guardians().begin(), all.guardians().end()});
  return absl::OkStatus();
}

absl::Status Ctl::Route(const RouteOptions& opts) {
  v1::RouteEnquiryRequest req;
  PARLEY_ASSIGN_OR_RETURN(*req.mutable_school(), Usage(SchoolName(opts.school)));
  if (!opts.pupil.empty()) {
    PARLEY_ASSIGN_OR_RETURN(*req.mutable_pupil(), Usage(PupilName(req.school(), opts.pupil)));
  }
  if (opts.category.empty()) return UsageError("--category is required");
  req.set_category(opts.category);
  PARLEY_ASSIGN_OR_RETURN(v1::Channel channel, Usage(ParseChannel(opts.channel)));
  req.set_channel(channel);
  req.set_subject(opts.subject);
  v1::RouteEnquiryResponse resp;
  PARLEY_RETURN_IF_ERROR(impl_->Call(
      kDefaultTimeout, true, [&](grpc::ClientContext& ctx) { return impl_->stub->RouteEnquiry(&ctx, req, &resp); }));
  if (impl_->opts.json) return impl_->PrintJson(resp);
  impl_->out << FormatRoute(resp);
  return absl::OkStatus();
}

absl::Status Ctl::Ladder(const LadderOptions& opts) {
  v1::ResolveLadderRequest req;
  PARLEY_ASSIGN_OR_RETURN(*req.mutable_school(), Usage(SchoolName(opts.school)));
  if (!opts.pupil.empty()) {
    PARLEY_ASSIGN_OR_RETURN(*req.mutable_pupil(), Usage(PupilName(req.school(), opts.pupil)));
  }
  if (opts.category.empty()) return UsageError("--category is required");
  req.set_category(opts.category);
  req.set_subject(opts.subject);
  v1::ResolveLadderResponse resp;
  PARLEY_RETURN_IF_ERROR(impl_->Call(
      kDefaultTimeout, true, [&](grpc::ClientContext& ctx) { return impl_->stub->ResolveLadder(&ctx, req, &resp); }));
  if (impl_->opts.json) return impl_->PrintJson(resp);
  impl_->out << FormatLadder(resp);
  return absl::OkStatus();
}

absl::Status Ctl::Deadline(const DeadlineOptions& opts) {
  v1::ComputeDeadlineRequest req;
  PARLEY_ASSIGN_OR_RETURN(*req.mutable_school(), Usage(SchoolName(opts.school)));
  PARLEY_ASSIGN_OR_RETURN(v1::Channel channel, Usage(ParseChannel(opts.channel)));
  req.set_channel(channel);
  PARLEY_ASSIGN_OR_RETURN(v1::Stage stage, Usage(ParseStage(opts.stage)));
  req.set_stage(stage);
  if (opts.received.empty()) return UsageError("--received is required");
  if (!opts.owner.empty()) {
    PARLEY_ASSIGN_OR_RETURN(*req.mutable_owner(), Usage(StaffName(req.school(), opts.owner)));
  }
  req.set_safeguarding(opts.safeguarding);
  req.set_category(opts.category);

  // Malformed times are usage errors, found before any call; the zone does not change that.
  PARLEY_RETURN_IF_ERROR(Usage(ParseTimeArg(opts.received, absl::UTCTimeZone())).status());
  for (const std::string& pause : opts.pauses) {
    PARLEY_RETURN_IF_ERROR(Usage(ParsePauseArg(pause, absl::UTCTimeZone())).status());
  }
  // School-local times need the school's zone, which only the school knows.
  bool needs_zone = !IsAbsoluteTime(opts.received);
  for (const std::string& pause : opts.pauses) {
    for (absl::string_view side : absl::StrSplit(pause, absl::MaxSplits('/', 1))) {
      if (!side.empty() && !IsAbsoluteTime(std::string(side))) needs_zone = true;
    }
  }
  absl::TimeZone zone = absl::UTCTimeZone();
  if (needs_zone) {
    PARLEY_ASSIGN_OR_RETURN(v1::School school, impl_->GetSchool(req.school()));
    PARLEY_ASSIGN_OR_RETURN(zone, LoadZone(school.calendar().time_zone()));
  }

  PARLEY_ASSIGN_OR_RETURN(absl::Time received, Usage(ParseTimeArg(opts.received, zone)));
  ToProto(received, req.mutable_received_time());
  for (const std::string& text : opts.pauses) {
    PARLEY_ASSIGN_OR_RETURN(PauseArg pause, Usage(ParsePauseArg(text, zone)));
    v1::Pause* p = req.add_pauses();
    ToProto(pause.start, p->mutable_start_time());
    if (pause.end.has_value()) ToProto(*pause.end, p->mutable_end_time());
  }

  v1::ComputeDeadlineResponse resp;
  PARLEY_RETURN_IF_ERROR(impl_->Call(
      kDefaultTimeout, true, [&](grpc::ClientContext& ctx) { return impl_->stub->ComputeDeadline(&ctx, req, &resp); }));
  if (impl_->opts.json) return impl_->PrintJson(resp);
  impl_->out << FormatDeadline(resp, received, opts.explain);
  return absl::OkStatus();
}

absl::Status Ctl::Import(const ImportOptions& opts) {
  PARLEY_ASSIGN_OR_RETURN(std::string json, ReadWholeFile(opts.file));
  v1::ImportTrustRequest req;
  PARLEY_ASSIGN_OR_RETURN(*req.mutable_directory(), ParseTrustDirectoryJson(json, opts.file));

  std::ostream& err = impl_->err;
  std::string last_line;
  auto show = [&](const std::string& line) {
    if (line == last_line) return;
    last_line = line;
    if (opts.progress_is_tty) {
      err << "\r\033[K" << line << std::flush;
    } else {
      err << line << "\n";
    }
  };
  // One call; every attempt of it carries the same request id, so a retried import is answered
  // with the first one's result.
  auto run = [&](const v1::ImportTrustRequest& request) -> absl::StatusOr<v1::ImportTrustResponse> {
    v1::ImportTrustResponse final_message;
    bool have_final = false;
    absl::Status status = impl_->Call(kImportTimeout, true, [&](grpc::ClientContext& ctx) {
      have_final = false;
      std::unique_ptr<grpc::ClientReaderInterface<v1::ImportTrustResponse>> reader =
          impl_->stub->ImportTrust(&ctx, request);
      v1::ImportTrustResponse update;
      while (reader->Read(&update)) {
        if (update.phase() == v1::IMPORT_PHASE_DONE || update.has_summary()) {
          final_message = update;
          have_final = true;
        } else {
          show(FormatImportProgress(update));
        }
      }
      return reader->Finish();
    });
    if (opts.progress_is_tty && !last_line.empty()) err << "\r\033[K" << std::flush;
    last_line.clear();
    PARLEY_RETURN_IF_ERROR(status);
    if (!have_final) return absl::InternalError("the import ended without a summary");
    return final_message;
  };
  auto print = [&](const v1::ImportTrustResponse& message, bool validate_only) -> absl::Status {
    if (impl_->opts.json) return impl_->PrintJson(message);
    impl_->out << FormatImportSummary(message.summary(), validate_only);
    return absl::OkStatus();
  };

  // First the plan: what the import creates, changes and deletes. Nothing is written.
  req.set_validate_only(true);
  req.set_request_id(NewRequestId());
  PARLEY_ASSIGN_OR_RETURN(v1::ImportTrustResponse plan, run(req));
  if (opts.validate_only) return print(plan, true);

  const int deletions = CountImportDeletions(plan.summary());
  if (deletions > 0) {
    // The plan goes where the person deciding reads it; with --json stdout is for the result.
    std::ostream& shown = impl_->opts.json ? err : impl_->out;
    shown << FormatImportPlan(plan.summary());
    const std::string what = DescribeImportDeletions(plan.summary());
    if (!opts.yes) {
      if (opts.confirm == nullptr) {
        return WithReason(absl::FailedPreconditionError(absl::StrCat(
                              "the import would delete ", what,
                              " and there is no terminal to confirm it on; nothing was written. Check the plan "
                              "(--validate-only), then run again with --yes")),
                          reason::kImportWouldDelete);
      }
      err << "This import deletes " << what << ". Type yes to apply it: " << std::flush;
      std::string answer;
      std::getline(*opts.confirm, answer);
      answer = absl::AsciiStrToLower(absl::StripAsciiWhitespace(answer));
      if (answer != "yes" && answer != "y") {
        return absl::CancelledError("the import was not confirmed; nothing was written");
      }
    }
  }
  // Exactly the plan shown: the service refuses (ABORTED, ETAG_MISMATCH) if the directory has
  // changed since it was made.
  req.set_validate_only(false);
  req.set_allow_deletions(deletions > 0);
  req.set_directory_etag(plan.summary().directory_etag());
  req.set_request_id(NewRequestId());
  PARLEY_ASSIGN_OR_RETURN(v1::ImportTrustResponse applied, run(req));
  return print(applied, false);
}

absl::Status Ctl::Export(const std::string& file) {
  v1::ExportTrustResponse resp;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kExportTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->stub->ExportTrust(&ctx, v1::ExportTrustRequest(), &resp);
  }));
  // Defaults are left out so the document reads like a hand-written one and imports back as is.
  PARLEY_ASSIGN_OR_RETURN(std::string json, ToJson(resp.directory(), /*print_defaults=*/false));
  if (file.empty() || file == "-") {
    impl_->out << json;
    return absl::OkStatus();
  }
  std::ofstream f(file, std::ios::binary | std::ios::trunc);
  if (!f) return absl::PermissionDeniedError(absl::StrCat("cannot write ", file));
  f << json;
  f.close();
  if (!f) return absl::DataLossError(absl::StrCat("cannot write ", file));
  impl_->err << "exported " << resp.directory().schools_size() << " schools to " << file << "\n";
  return absl::OkStatus();
}

}  // namespace parley::ctl
