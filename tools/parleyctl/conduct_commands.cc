// parleyctl's conduct commands (Ctl methods declared in commands.h).
//
// Every argument is checked before the first call, so a mistake is a usage error (exit 2) and
// nothing is sent. The only thing a command may ask before its own call is the school's time
// zone, from contacts, when a local time has to be read or shown. Writes carry a fresh request id,
// reused by the retries of that one command, so a retry after a dropped connection is answered
// with the first result instead of acting twice.
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tools/parleyctl/args.h"
#include "tools/parleyctl/commands.h"
#include "tools/parleyctl/conduct_args.h"
#include "tools/parleyctl/conduct_format.h"
#include "tools/parleyctl/ctl_impl.h"
#include "tools/parleyctl/format.h"

namespace parley::ctl {
namespace {

// Reasons are letter text, so they come from a file (or stdin), not the shell's history.
constexpr size_t kMaxReasonsChars = 4000;

absl::Status NeedConduct(bool have_stub) {
  if (!have_stub) return UsageError("no conduct service address (--conduct-addr, PARLEY_CONDUCT_ADDR)");
  return absl::OkStatus();
}

// Reads a text file of personal data (reasons for a letter): "-" is stdin. Trailing blank lines
// and spaces are dropped; the text must not be empty.
absl::StatusOr<std::string> ReadTextArg(const std::string& flag, const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    absl::StatusOr<std::string> content = ReadWholeFile(path);
    if (!content.ok()) return UsageError(absl::StrCat(flag, ": ", content.status().message()));
    text = *std::move(content);
  }
  text = std::string(absl::StripTrailingAsciiWhitespace(text));
  if (absl::StripAsciiWhitespace(text).empty()) return UsageError(absl::StrCat(flag, ": ", path, " is empty"));
  // Counted in characters, as the API counts them.
  const size_t chars = Utf8Chars(text);
  if (chars > kMaxReasonsChars) {
    return UsageError(
        absl::StrCat(flag, ": ", path, " holds ", chars, " characters; the most a letter takes is ", kMaxReasonsChars));
  }
  return text;
}

// Terms from flags, for create (every part from the flags).
absl::Status TermsFromFlags(const Ctl::TermsFlags& f, const std::string& school_name, cv1::ArrangementTerms* terms) {
  PARLEY_ASSIGN_OR_RETURN(std::vector<cv1::Channel> channels, Usage(ParseConductChannels(f.channels)));
  for (cv1::Channel c : channels) terms->add_allowed_channels(c);
  for (const std::string& w : f.windows) {
    PARLEY_ASSIGN_OR_RETURN(*terms->add_allowed_windows(), Usage(ParseWindow(w)));
  }
  if (!f.contact.empty()) {
    PARLEY_ASSIGN_OR_RETURN(*terms->mutable_point_of_contact(), Usage(StaffName(school_name, f.contact)));
  }
  cv1::MeetingConditions* m = terms->mutable_meeting_conditions();
  m->set_second_staff_required(f.second_staff);
  m->set_head_informed(f.head_informed);
  m->set_off_site_only(f.off_site_only);
  if (!f.reasons_file.empty()) {
    PARLEY_ASSIGN_OR_RETURN(*terms->mutable_reasons(), ReadTextArg("--reasons-file", f.reasons_file));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Ctl::ConductCheck(const ConductCheckOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedConduct(impl_->conduct != nullptr));
  cv1::CheckCommunicationRequest req;
  PARLEY_ASSIGN_OR_RETURN(*req.mutable_school(), Usage(SchoolName(opts.school)));
  PARLEY_RETURN_IF_ERROR(Required(opts.guardian, "--guardian"));
  PARLEY_ASSIGN_OR_RETURN(*req.mutable_guardian(), Usage(GuardianName(opts.guardian)));
  PARLEY_RETURN_IF_ERROR(Required(opts.channel, "--channel"));
  PARLEY_ASSIGN_OR_RETURN(cv1::Channel channel, Usage(ParseConductChannel(opts.channel)));
  req.set_channel(channel);
  req.set_purpose(opts.meeting ? cv1::PURPOSE_MEETING : cv1::PURPOSE_INBOUND_MESSAGE);
  req.set_safeguarding(opts.safeguarding);
  req.set_marked_abusive(opts.abusive);
  req.set_school_event(opts.event);
  if (!opts.to.empty()) {
    PARLEY_ASSIGN_OR_RETURN(*req.mutable_addressed_to(), Usage(StaffName(req.school(), opts.to)));
  }
  PARLEY_RETURN_IF_ERROR(CheckTimes({&opts.at}));

  PARLEY_ASSIGN_OR_RETURN(absl::Time at, impl_->ReadTime(req.school(), opts.at, absl::Now()));
  ToProto(at, req.mutable_time());

  cv1::Decision decision;
  // Not retried: every check is recorded for audit, and the request carries no id to dedupe on.
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, false, [&](grpc::ClientContext& ctx) {
    return impl_->conduct->CheckCommunication(&ctx, req, &decision);
  }));
  if (impl_->opts.json) return impl_->PrintJson(decision);
  impl_->out << FormatDecision(decision, impl_->DisplayZone(req.school()));
  return absl::OkStatus();
}

namespace {

// The school and guardian a conduct list is about, from --school/--guardian.
struct ListScope {
  std::string parent;
  std::string guardian;
};

absl::StatusOr<ListScope> ResolveListScope(const Ctl::ConductListOptions& opts) {
  ListScope scope;
  PARLEY_ASSIGN_OR_RETURN(scope.parent, Usage(SchoolName(opts.school)));
  if (!opts.guardian.empty()) {
    PARLEY_ASSIGN_OR_RETURN(scope.guardian, Usage(GuardianName(opts.guardian)));
  }
  PARLEY_RETURN_IF_ERROR(CheckPageSize(opts.page_size));
  return scope;
}

// Every conduct list command: RunList with the guardian filter.
template <typename Req, typename Resp>
absl::Status RunConductList(Ctl::Impl& impl, const Ctl::ConductListOptions& opts, const ListScope& scope,
                            grpc::Status (cv1::ConductService::Stub::*call)(grpc::ClientContext*, const Req&, Resp*),
                            const std::function<void(Req&)>& customize,
                            const std::function<std::string(const Resp&, const absl::TimeZone&)>& table) {
  return RunList<cv1::ConductService::Stub, Req, Resp>(
      impl, impl.conduct.get(), call, scope.parent, opts.page_size, opts.page_token,
      [&](Req& req) {
        req.set_guardian(scope.guardian);
        if (customize) customize(req);
      },
      table);
}

}  // namespace

absl::Status Ctl::ConductArrangements(const ConductListOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedConduct(impl_->conduct != nullptr));
  PARLEY_ASSIGN_OR_RETURN(ListScope scope, ResolveListScope(opts));
  cv1::ArrangementState state = cv1::ARRANGEMENT_STATE_UNSPECIFIED;
  if (!opts.state.empty()) {
    PARLEY_ASSIGN_OR_RETURN(state, Usage(ParseArrangementState(opts.state)));
  }
  return RunConductList<cv1::ListArrangementsRequest, cv1::ListArrangementsResponse>(
      *impl_, opts, scope, &cv1::ConductService::Stub::ListArrangements,
      [&](cv1::ListArrangementsRequest& req) { req.set_state(state); },
      [](const cv1::ListArrangementsResponse& all, const absl::TimeZone& zone) {
        return FormatArrangementsTable({all.arrangements().begin(), all.arrangements().end()}, zone);
      });
}

absl::Status Ctl::ConductIncidents(const ConductListOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedConduct(impl_->conduct != nullptr));
  PARLEY_ASSIGN_OR_RETURN(ListScope scope, ResolveListScope(opts));
  return RunConductList<cv1::ListIncidentsRequest, cv1::ListIncidentsResponse>(
      *impl_, opts, scope, &cv1::ConductService::Stub::ListIncidents, nullptr,
      [](const cv1::ListIncidentsResponse& all, const absl::TimeZone& zone) {
        return FormatIncidentsTable({all.incidents().begin(), all.incidents().end()}, zone);
      });
}

absl::Status Ctl::ConductBans(const ConductListOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedConduct(impl_->conduct != nullptr));
  PARLEY_ASSIGN_OR_RETURN(ListScope scope, ResolveListScope(opts));
  return RunConductList<cv1::ListPremisesBansRequest, cv1::ListPremisesBansResponse>(
      *impl_, opts, scope, &cv1::ConductService::Stub::ListPremisesBans, nullptr,
      [](const cv1::ListPremisesBansResponse& all, const absl::TimeZone& zone) {
        return FormatBansTable({all.premises_bans().begin(), all.premises_bans().end()}, absl::Now(), zone);
      });
}

absl::Status Ctl::ConductDecisions(const ConductListOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedConduct(impl_->conduct != nullptr));
  PARLEY_ASSIGN_OR_RETURN(ListScope scope, ResolveListScope(opts));
  cv1::Outcome outcome = cv1::OUTCOME_UNSPECIFIED;
  if (!opts.outcome.empty()) {
    PARLEY_ASSIGN_OR_RETURN(outcome, Usage(ParseOutcome(opts.outcome)));
  }
  return RunConductList<cv1::ListDecisionsRequest, cv1::ListDecisionsResponse>(
      *impl_, opts, scope, &cv1::ConductService::Stub::ListDecisions,
      [&](cv1::ListDecisionsRequest& req) { req.set_outcome(outcome); },
      [](const cv1::ListDecisionsResponse& all, const absl::TimeZone& zone) {
        return FormatDecisionsTable({all.decisions().begin(), all.decisions().end()}, zone);
      });
}

absl::Status Ctl::ConductLetters(const ConductListOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedConduct(impl_->conduct != nullptr));
  PARLEY_ASSIGN_OR_RETURN(ListScope scope, ResolveListScope(opts));
  return RunConductList<cv1::ListLettersRequest, cv1::ListLettersResponse>(
      *impl_, opts, scope, &cv1::ConductService::Stub::ListLetters, nullptr,
      [](const cv1::ListLettersResponse& all, const absl::TimeZone& zone) {
        return FormatLettersTable({all.letters().begin(), all.letters().end()}, zone);
      });
}

absl::Status Ctl::ArrangementCreate(const ArrangementCreateOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedConduct(impl_->conduct != nullptr));
  cv1::CreateArrangementRequest req;
  PARLEY_ASSIGN_OR_RETURN(*req.mutable_parent(), Usage(SchoolName(opts.school)));
  cv1::Arrangement* a = req.mutable_arrangement();
  PARLEY_RETURN_IF_ERROR(Required(opts.guardian, "--guardian"));
  PARLEY_ASSIGN_OR_RETURN(*a->mutable_guardian(), Usage(GuardianName(opts.guardian)));
  PARLEY_ASSIGN_OR_RETURN(cv1::ArrangementScope scope, Usage(ParseArrangementScope(opts.scope)));
  a->set_scope(scope);
  PARLEY_RETURN_IF_ERROR(TermsFromFlags(opts.terms, req.parent(), a->mutable_terms()));
  if (!opts.review.empty()) {
    PARLEY_ASSIGN_OR_RETURN(absl::CivilDay review, Usage(ParseDateArg("--review", opts.review)));
    a->set_review_date(absl::FormatCivilTime(review));
  }
  PARLEY_RETURN_IF_ERROR(CheckTimes({&opts.start, &opts.end}));
  PARLEY_ASSIGN_OR_RETURN(absl::Time start, impl_->ReadTime(req.parent(), opts.start, absl::Now()));
  ToProto(start, a->mutable_start_time());
  if (!opts.end.empty()) {
    PARLEY_ASSIGN_OR_RETURN(absl::Time end, impl_->ReadTime(req.parent(), opts.end, start));
    if (end <= start) return UsageError("--end must be after --start");
    ToProto(end, a->mutable_end_time());
  }
  req.set_request_id(NewRequestId());

  cv1::Arrangement created;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->conduct->CreateArrangement(&ctx, req, &created);
  }));
  if (impl_->opts.json) return impl_->PrintJson(created);
  impl_->out << FormatArrangement(created, {}, impl_->DisplayZone(req.parent()));
  return absl::OkStatus();
}

absl::Status Ctl::ArrangementShow(const ArrangementChangeOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedConduct(impl_->conduct != nullptr));
  PARLEY_ASSIGN_OR_RETURN(std::string name, NameInSchool(opts.school, "arrangements", opts.name, "the arrangement"));
  cv1::GetArrangementRequest get;
  get.set_name(name);
  cv1::Arrangement a;
  PARLEY_RETURN_IF_ERROR(impl_->Call(
      kDefaultTimeout, true, [&](grpc::ClientContext& ctx) { return impl_->conduct->GetArrangement(&ctx, get, &a); }));
  cv1::ListArrangementRevisionsRequest list;
  list.set_name(name);
  cv1::ListArrangementRevisionsResponse revisions;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->conduct->ListArrangementRevisions(&ctx, list, &revisions);
  }));
  // One document: {"arrangement": {...}, "revisions": [...]}.
  if (impl_->opts.json) return impl_->PrintJsonWithList("arrangement", a, "revisions", revisions);
  impl_->out << FormatArrangement(a, {revisions.revisions().begin(), revisions.revisions().end()},
                                  impl_->DisplayZone(SchoolOf(name)));
  return absl::OkStatus();
}

absl::Status Ctl::ArrangementIssue(const ArrangementChangeOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedConduct(impl_->conduct != nullptr));
  cv1::IssueArrangementRequest req;
  PARLEY_ASSIGN_OR_RETURN(*req.mutable_name(), NameInSchool(opts.school, "arrangements", opts.name, "the arrangement"));
  req.set_etag(opts.etag);
  req.set_request_id(NewRequestId());
  cv1::Arrangement issued;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->conduct->IssueArrangement(&ctx, req, &issued);
  }));
  if (impl_->opts.json) return impl_->PrintJson(issued);
  impl_->out << FormatArrangement(issued, {}, impl_->DisplayZone(SchoolOf(req.name())));
  return absl::OkStatus();
}

absl::Status Ctl::ArrangementTighten(const ArrangementChangeOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedConduct(impl_->conduct != nullptr));
  cv1::TightenArrangementRequest req;
  PARLEY_ASSIGN_OR_RETURN(*req.mutable_name(), NameInSchool(opts.school, "arrangements", opts.name, "the arrangement"));
  const std::string school_name = SchoolOf(req.name());
  PARLEY_RETURN_IF_ERROR(Required(opts.breach, "--breach"));
  PARLEY_ASSIGN_OR_RETURN(*req.mutable_breach_incident(),
                          Usage(ChildResourceName(school_name, "incidents", opts.breach)));
  PARLEY_RETURN_IF_ERROR(Required(opts.terms.reasons_file, "--reasons-file (the new letter's reasons)"));
  if (!opts.review.empty()) {
    PARLEY_ASSIGN_OR_RETURN(absl::CivilDay review, Usage(ParseDateArg("--review", opts.review)));
    req.set_review_date(absl::FormatCivilTime(review));
  }
  // The flags, parsed now so a mistake is found before any call; applied over the current terms.
  cv1::ArrangementTerms given;
  PARLEY_RETURN_IF_ERROR(TermsFromFlags(opts.terms, school_name, &given));

  cv1::GetArrangementRequest get;
  get.set_name(req.name());
  cv1::Arrangement current;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->conduct->GetArrangement(&ctx, get, &current);
  }));
  cv1::ArrangementTerms* terms = req.mutable_terms();
  *terms = current.terms();
  if (!opts.terms.channels.empty()) *terms->mutable_allowed_channels() = given.allowed_channels();
  if (!opts.terms.windows.empty()) *terms->mutable_allowed_windows() = given.allowed_windows();
  if (!opts.terms.contact.empty()) terms->set_point_of_contact(given.point_of_contact());
  cv1::MeetingConditions* m = terms->mutable_meeting_conditions();
  m->set_second_staff_required(m->second_staff_required() || opts.terms.second_staff);
  m->set_head_informed(m->head_informed() || opts.terms.head_informed);
  m->set_off_site_only(m->off_site_only() || opts.terms.off_site_only);
  terms->set_reasons(given.reasons());
  // Tighten exactly what was just read: a change made since is ABORTED, not silently overridden.
  req.set_etag(opts.etag.empty() ? current.etag() : opts.etag);
  req.set_request_id(NewRequestId());

  cv1::Arrangement tightened;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->conduct->TightenArrangement(&ctx, req, &tightened);
  }));
  if (impl_->opts.json) return impl_->PrintJson(tightened);
  impl_->out << FormatArrangement(tightened, {}, impl_->DisplayZone(school_name));
  return absl::OkStatus();
}

absl::Status Ctl::ArrangementContinue(const ArrangementChangeOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedConduct(impl_->conduct != nullptr));
  cv1::ContinueArrangementRequest req;
  PARLEY_ASSIGN_OR_RETURN(*req.mutable_name(), NameInSchool(opts.school, "arrangements", opts.name, "the arrangement"));
  PARLEY_RETURN_IF_ERROR(Required(opts.review, "--review (the next review date)"));
  PARLEY_ASSIGN_OR_RETURN(absl::CivilDay review, Usage(ParseDateArg("--review", opts.review)));
  req.set_next_review_date(absl::FormatCivilTime(review));
  req.set_etag(opts.etag);
  req.set_request_id(NewRequestId());
  cv1::Arrangement continued;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->conduct->ContinueArrangement(&ctx, req, &continued);
  }));
  if (impl_->opts.json) return impl_->PrintJson(continued);
  impl_->out << FormatArrangement(continued, {}, impl_->DisplayZone(SchoolOf(req.name())));
  return absl::OkStatus();
}

absl::Status Ctl::ArrangementEnd(const ArrangementChangeOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedConduct(impl_->conduct != nullptr));
  cv1::EndArrangementRequest req;
  PARLEY_ASSIGN_OR_RETURN(*req.mutable_name(), NameInSchool(opts.school, "arrangements", opts.name, "the arrangement"));
  const std::string school_name = SchoolOf(req.name());
  PARLEY_RETURN_IF_ERROR(CheckTimes({&opts.end}));
  if (!opts.end.empty()) {
    PARLEY_ASSIGN_OR_RETURN(absl::Time end, impl_->ReadTime(school_name, opts.end, absl::Now()));
    ToProto(end, req.mutable_end_time());
  }
  req.set_etag(opts.etag);
  req.set_request_id(NewRequestId());
  cv1::Arrangement ended;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->conduct->EndArrangement(&ctx, req, &ended);
  }));
  if (impl_->opts.json) return impl_->PrintJson(ended);
  impl_->out << FormatArrangement(ended, {}, impl_->DisplayZone(school_name));
  return absl::OkStatus();
}

absl::Status Ctl::IncidentRecord(const IncidentRecordOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedConduct(impl_->conduct != nullptr));
  cv1::CreateIncidentRequest req;
  PARLEY_ASSIGN_OR_RETURN(*req.mutable_parent(), Usage(SchoolName(opts.school)));
  cv1::Incident* incident = req.mutable_incident();
  PARLEY_RETURN_IF_ERROR(Required(opts.guardian, "--guardian"));
  PARLEY_ASSIGN_OR_RETURN(*incident->mutable_guardian(), Usage(GuardianName(opts.guardian)));
  PARLEY_RETURN_IF_ERROR(Required(opts.kind, "--kind"));
  PARLEY_ASSIGN_OR_RETURN(cv1::IncidentKind kind, Usage(ParseIncidentKind(opts.kind)));
  incident->set_kind(kind);
  PARLEY_RETURN_IF_ERROR(Required(opts.channel, "--channel"));
  PARLEY_ASSIGN_OR_RETURN(cv1::Channel channel, Usage(ParseConductChannel(opts.channel)));
  incident->set_channel(channel);
  for (const std::string& staff : opts.staff) {
    PARLEY_ASSIGN_OR_RETURN(*incident->add_staff_involved(), Usage(StaffName(req.parent(), staff)));
  }
  incident->set_description_ref(opts.ref);
  PARLEY_RETURN_IF_ERROR(CheckTimes({&opts.at}));
  PARLEY_ASSIGN_OR_RETURN(absl::Time at, impl_->ReadTime(req.parent(), opts.at, absl::Now()));
  ToProto(at, incident->mutable_occur_time());
  req.set_request_id(NewRequestId());

  cv1::Incident recorded;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->conduct->CreateIncident(&ctx, req, &recorded);
  }));
  if (impl_->opts.json) return impl_->PrintJson(recorded);
  impl_->out << FormatIncident(recorded, impl_->DisplayZone(req.parent()));
  return absl::OkStatus();
}

absl::Status Ctl::BanCreate(const BanCreateOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedConduct(impl_->conduct != nullptr));
  cv1::CreatePremisesBanRequest req;
  PARLEY_ASSIGN_OR_RETURN(*req.mutable_parent(), Usage(SchoolName(opts.school)));
  cv1::PremisesBan* ban = req.mutable_premises_ban();
  PARLEY_RETURN_IF_ERROR(Required(opts.guardian, "--guardian"));
  PARLEY_ASSIGN_OR_RETURN(*ban->mutable_guardian(), Usage(GuardianName(opts.guardian)));
  PARLEY_ASSIGN_OR_RETURN(cv1::PremisesBanScope scope, Usage(ParseBanScope(opts.scope)));
  ban->set_scope(scope);
  PARLEY_RETURN_IF_ERROR(Required(opts.reason_file, "--reason-file"));
  PARLEY_ASSIGN_OR_RETURN(*ban->mutable_reason(), ReadTextArg("--reason-file", opts.reason_file));
  if (!opts.incident.empty()) {
    PARLEY_ASSIGN_OR_RETURN(*ban->mutable_incident(),
                            Usage(ChildResourceName(req.parent(), "incidents", opts.incident)));
  }
  PARLEY_RETURN_IF_ERROR(CheckTimes({&opts.start, &opts.end}));
  PARLEY_ASSIGN_OR_RETURN(absl::Time start, impl_->ReadTime(req.parent(), opts.start, absl::Now()));
  ToProto(start, ban->mutable_start_time());
  if (!opts.end.empty()) {
    PARLEY_ASSIGN_OR_RETURN(absl::Time end, impl_->ReadTime(req.parent(), opts.end, start));
    if (end <= start) return UsageError("--end must be after --start");
    ToProto(end, ban->mutable_end_time());
  }
  req.set_request_id(NewRequestId());

  cv1::PremisesBan created;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->conduct->CreatePremisesBan(&ctx, req, &created);
  }));
  if (impl_->opts.json) return impl_->PrintJson(created);
  impl_->out << FormatBan(created, absl::Now(), impl_->DisplayZone(req.parent()));
  return absl::OkStatus();
}

absl::Status Ctl::BanRevoke(const std::string& school, const std::string& name, const std::string& etag) {
  PARLEY_RETURN_IF_ERROR(NeedConduct(impl_->conduct != nullptr));
  cv1::RevokePremisesBanRequest req;
  PARLEY_ASSIGN_OR_RETURN(*req.mutable_name(), NameInSchool(school, "premisesBans", name, "the ban"));
  req.set_etag(etag);
  req.set_request_id(NewRequestId());
  cv1::PremisesBan revoked;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->conduct->RevokePremisesBan(&ctx, req, &revoked);
  }));
  if (impl_->opts.json) return impl_->PrintJson(revoked);
  impl_->out << FormatBan(revoked, absl::Now(), impl_->DisplayZone(SchoolOf(req.name())));
  return absl::OkStatus();
}

absl::Status Ctl::ConductStats(const std::string& school, const std::string& from, const std::string& to) {
  PARLEY_RETURN_IF_ERROR(NeedConduct(impl_->conduct != nullptr));
  return RunStats<cv1::ConductService::Stub, cv1::GetSchoolStatsRequest, cv1::SchoolStats>(
      *impl_, impl_->conduct.get(), &cv1::ConductService::Stub::GetSchoolStats, school, from, to, &FormatStats);
}

}  // namespace parley::ctl
