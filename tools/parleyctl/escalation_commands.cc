// parleyctl's enquiries commands against the escalation service (Ctl methods declared in
// commands.h).
//
// As for conduct (conduct_commands.cc): every argument is checked before the first call, so a
// mistake is a usage error (exit 2) and nothing is sent; the school's time zone is asked of
// contacts only when a local time has to be read or shown; every write carries a fresh request
// id, reused by the retries of that one command, so a retry after a dropped connection is answered
// with the first result instead of acting twice.
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tools/parleyctl/args.h"
#include "tools/parleyctl/commands.h"
#include "tools/parleyctl/conduct_args.h"
#include "tools/parleyctl/ctl_impl.h"
#include "tools/parleyctl/escalation_args.h"
#include "tools/parleyctl/escalation_format.h"
#include "tools/parleyctl/format.h"

namespace parley::ctl {
namespace {

using EscalationStub = ev1::EscalationService::Stub;

// The API's limit on a subject line and on a reason, and on a progress update.
constexpr size_t kMaxTextChars = 200;
constexpr size_t kMaxProgressChars = 500;

absl::Status NeedEscalation(const Ctl::Impl& impl) {
  if (impl.escalation == nullptr) {
    return UsageError("no escalation service address (--escalation-addr, PARLEY_ESCALATION_ADDR)");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> EnquiryName(const std::string& school, const std::string& name) {
  return NameInSchool(school, "enquiries", name, "the enquiry");
}

absl::Status PrintEnquiry(Ctl::Impl& impl, const ev1::Enquiry& enquiry, const std::string& school_name) {
  if (impl.opts.json) return impl.PrintJson(enquiry);
  impl.out << FormatEnquiry(enquiry, {}, impl.DisplayZone(school_name));
  return absl::OkStatus();
}

absl::StatusOr<ev1::Enquiry> GetEnquiry(Ctl::Impl& impl, const std::string& name) {
  ev1::GetEnquiryRequest req;
  req.set_name(name);
  ev1::Enquiry enquiry;
  PARLEY_RETURN_IF_ERROR(impl.Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl.escalation->GetEnquiry(&ctx, req, &enquiry);
  }));
  return enquiry;
}

// One verb on one enquiry: the etag given, or the one just read; a fresh request id for this
// command (the retries reuse it); `fill` sets the verb's own fields. Prints the enquiry returned.
template <typename Req>
absl::Status Act(Ctl::Impl& impl, const std::string& name, const std::string& etag,
                 grpc::Status (EscalationStub::*call)(grpc::ClientContext*, const Req&, ev1::Enquiry*),
                 const std::function<void(Req&)>& fill) {
  Req req;
  req.set_name(name);
  if (!etag.empty()) {
    req.set_etag(etag);
  } else {
    // Act on exactly what was just read: a change made since is ABORTED, not silently overridden.
    PARLEY_ASSIGN_OR_RETURN(ev1::Enquiry current, GetEnquiry(impl, name));
    req.set_etag(current.etag());
  }
  req.set_request_id(NewRequestId());
  if (fill) fill(req);
  ev1::Enquiry changed;
  PARLEY_RETURN_IF_ERROR(impl.Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return (impl.escalation.get()->*call)(&ctx, req, &changed);
  }));
  return PrintEnquiry(impl, changed, SchoolOf(name));
}

// Every flag the verb needs is there and valid, and none it does not take was given.
absl::Status CheckVerbFlags(Ctl::EnquiryVerb verb, const Ctl::EnquiryActionOptions& opts) {
  const EnquiryVerbSpec& f = EnquiryVerbSpecOf(verb);
  auto not_taken = [&](const char* flag) {
    return UsageError(absl::StrCat("enquiries ", f.command, " does not take ", flag));
  };
  if (f.reason_help != nullptr) {
    PARLEY_RETURN_IF_ERROR(Required(opts.reason, "--reason"));
    PARLEY_RETURN_IF_ERROR(MaxChars(opts.reason, "--reason", kMaxTextChars));
  } else if (!opts.reason.empty()) {
    return not_taken("--reason");
  }
  if (f.to) {
    PARLEY_RETURN_IF_ERROR(Required(opts.to, "--to"));
  } else if (!opts.to.empty()) {
    return not_taken("--to");
  }
  if (!f.parent_requested && opts.parent_requested) return not_taken("--parent-requested");
  if (!f.body_ref && !opts.body_ref.empty()) return not_taken("--body-ref");
  if (f.promise) {
    PARLEY_RETURN_IF_ERROR(CheckTimes({&opts.promise}));
    PARLEY_RETURN_IF_ERROR(MaxChars(opts.promise_reason, "--promise-reason", kMaxTextChars));
    if (opts.promise.empty() && !opts.promise_reason.empty()) {
      return UsageError("--promise-reason explains a --promise: give both");
    }
  } else if (!opts.promise.empty() || !opts.promise_reason.empty()) {
    return not_taken("--promise");
  }
  if (f.text) {
    PARLEY_RETURN_IF_ERROR(Required(opts.text, "--text"));
    PARLEY_RETURN_IF_ERROR(MaxChars(opts.text, "--text", kMaxProgressChars));
  } else if (!opts.text.empty()) {
    return not_taken("--text");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Ctl::EnquiryOpen(const EnquiryOpenOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedEscalation(*impl_));
  ev1::OpenEnquiryRequest req;
  PARLEY_ASSIGN_OR_RETURN(*req.mutable_parent(), Usage(SchoolName(opts.school)));
  ev1::Enquiry* e = req.mutable_enquiry();
  if (!opts.pupil.empty()) {
    PARLEY_ASSIGN_OR_RETURN(*e->mutable_pupil(), Usage(PupilName(req.parent(), opts.pupil)));
  }
  if (!opts.guardian.empty()) {
    PARLEY_ASSIGN_OR_RETURN(*e->mutable_guardian(), Usage(GuardianName(opts.guardian)));
  }
  e->set_sender_description(opts.sender);
  PARLEY_RETURN_IF_ERROR(Required(opts.channel, "--channel"));
  PARLEY_ASSIGN_OR_RETURN(ev1::Channel channel, Usage(ParseEnquiryChannel(opts.channel)));
  e->set_channel(channel);
  PARLEY_RETURN_IF_ERROR(Required(opts.category, "--category"));
  e->set_category(opts.category);
  e->set_teaching_subject(opts.teaching_subject);
  if (!opts.addressed_to.empty()) {
    PARLEY_ASSIGN_OR_RETURN(*e->mutable_addressed_to(), Usage(StaffName(req.parent(), opts.addressed_to)));
  }
  PARLEY_RETURN_IF_ERROR(Required(opts.subject, "--subject"));
  PARLEY_RETURN_IF_ERROR(MaxChars(opts.subject, "--subject", kMaxTextChars));
  e->set_subject(opts.subject);
  e->set_body_ref(opts.body_ref);
  e->set_safeguarding(opts.safeguarding);
  e->set_urgent(opts.urgent);
  PARLEY_RETURN_IF_ERROR(CheckTimes({&opts.received}));
  PARLEY_ASSIGN_OR_RETURN(absl::Time received, impl_->ReadTime(req.parent(), opts.received, absl::Now()));
  ToProto(received, e->mutable_receive_time());
  req.set_request_id(NewRequestId());

  ev1::Enquiry opened;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->escalation->OpenEnquiry(&ctx, req, &opened);
  }));
  return PrintEnquiry(*impl_, opened, req.parent());
}

absl::Status Ctl::EnquiryList(const EnquiryListOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedEscalation(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string parent, Usage(SchoolName(opts.school)));
  std::string owner;
  if (!opts.owner.empty()) {
    PARLEY_ASSIGN_OR_RETURN(owner, Usage(StaffName(parent, opts.owner)));
  }
  ev1::EnquiryState state = ev1::ENQUIRY_STATE_UNSPECIFIED;
  if (!opts.state.empty()) {
    PARLEY_ASSIGN_OR_RETURN(state, Usage(ParseEnquiryState(opts.state)));
  }
  PARLEY_RETURN_IF_ERROR(CheckTimes({&opts.due_before}));
  PARLEY_RETURN_IF_ERROR(CheckPageSize(opts.page_size));
  google::protobuf::Timestamp due_before;
  if (!opts.due_before.empty()) {
    PARLEY_ASSIGN_OR_RETURN(absl::Time t, impl_->ReadTime(parent, opts.due_before, absl::Now()));
    ToProto(t, &due_before);
  }
  return RunList<EscalationStub, ev1::ListEnquiriesRequest, ev1::ListEnquiriesResponse>(
      *impl_, impl_->escalation.get(), &EscalationStub::ListEnquiries, parent, opts.page_size, opts.page_token,
      [&](ev1::ListEnquiriesRequest& req) {
        req.set_owner(owner);
        req.set_state(state);
        req.set_category(opts.category);
        req.set_overdue(opts.overdue);
        if (!opts.due_before.empty()) *req.mutable_due_before() = due_before;
      },
      [](const ev1::ListEnquiriesResponse& all, const absl::TimeZone& zone) {
        return FormatEnquiriesTable({all.enquiries().begin(), all.enquiries().end()}, zone);
      });
}

absl::Status Ctl::EnquiryShow(const std::string& school, const std::string& name_text) {
  PARLEY_RETURN_IF_ERROR(NeedEscalation(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string name, EnquiryName(school, name_text));
  PARLEY_ASSIGN_OR_RETURN(ev1::Enquiry enquiry, GetEnquiry(*impl_, name));
  ev1::ListEnquiryEventsResponse events;
  PARLEY_RETURN_IF_ERROR(impl_->Pages<ev1::ListEnquiryEventsResponse>(
      /*follow=*/true, "",
      [&](grpc::ClientContext& ctx, const std::string& token, ev1::ListEnquiryEventsResponse* page) {
        ev1::ListEnquiryEventsRequest req;
        req.set_parent(name);
        req.set_page_size(kFollowPageSize);
        req.set_page_token(token);
        return impl_->escalation->ListEnquiryEvents(&ctx, req, page);
      },
      &events));
  // One document: {"enquiry": {...}, "events": [...]}.
  if (impl_->opts.json) return impl_->PrintJsonWithList("enquiry", enquiry, "events", events);
  impl_->out << FormatEnquiry(enquiry, {events.events().begin(), events.events().end()},
                              impl_->DisplayZone(SchoolOf(name)));
  return absl::OkStatus();
}

absl::Status Ctl::EnquiryAct(EnquiryVerb verb, const EnquiryActionOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedEscalation(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string name, EnquiryName(opts.school, opts.name));
  PARLEY_RETURN_IF_ERROR(CheckVerbFlags(verb, opts));
  Impl& impl = *impl_;
  // The promise is read in the school's zone, like every time parleyctl takes.
  std::optional<absl::Time> promise;
  if (!opts.promise.empty()) {
    PARLEY_ASSIGN_OR_RETURN(promise, impl.ReadTime(SchoolOf(name), opts.promise, absl::Now()));
  }
  auto set_promise = [&](auto& req) {
    if (promise) ToProto(*promise, req.mutable_promised_time());
    req.set_promise_reason(opts.promise_reason);
  };
  switch (verb) {
    case EnquiryVerb::kAck:
      return Act<ev1::AcknowledgeEnquiryRequest>(impl, name, opts.etag, &EscalationStub::AcknowledgeEnquiry,
                                                 [&](ev1::AcknowledgeEnquiryRequest& req) { set_promise(req); });
    case EnquiryVerb::kProgress:
      return Act<ev1::RecordProgressRequest>(impl, name, opts.etag, &EscalationStub::RecordProgress,
                                             [&](ev1::RecordProgressRequest& req) {
                                               req.set_progress(opts.text);
                                               set_promise(req);
                                             });
    case EnquiryVerb::kReply:
      return Act<ev1::RecordReplyRequest>(impl, name, opts.etag, &EscalationStub::RecordReply,
                                          [&](ev1::RecordReplyRequest& req) { req.set_body_ref(opts.body_ref); });
    case EnquiryVerb::kPause:
      return Act<ev1::PauseEnquiryRequest>(impl, name, opts.etag, &EscalationStub::PauseEnquiry,
                                           [&](ev1::PauseEnquiryRequest& req) { req.set_reason(opts.reason); });
    case EnquiryVerb::kResume:
      return Act<ev1::ResumeEnquiryRequest>(impl, name, opts.etag, &EscalationStub::ResumeEnquiry, nullptr);
    case EnquiryVerb::kResolve:
      return Act<ev1::ResolveEnquiryRequest>(impl, name, opts.etag, &EscalationStub::ResolveEnquiry, nullptr);
    case EnquiryVerb::kReopen:
      return Act<ev1::ReopenEnquiryRequest>(impl, name, opts.etag, &EscalationStub::ReopenEnquiry,
                                            [&](ev1::ReopenEnquiryRequest& req) { req.set_reason(opts.reason); });
    case EnquiryVerb::kEscalate:
      return Act<ev1::EscalateEnquiryRequest>(impl, name, opts.etag, &EscalationStub::EscalateEnquiry,
                                              [&](ev1::EscalateEnquiryRequest& req) {
                                                req.set_reason(opts.reason);
                                                req.set_parent_requested(opts.parent_requested);
                                              });
    case EnquiryVerb::kReassign: {
      PARLEY_ASSIGN_OR_RETURN(std::string new_owner, Usage(StaffName(SchoolOf(name), opts.to)));
      return Act<ev1::ReassignEnquiryRequest>(impl, name, opts.etag, &EscalationStub::ReassignEnquiry,
                                              [&](ev1::ReassignEnquiryRequest& req) {
                                                req.set_new_owner(new_owner);
                                                req.set_reason(opts.reason);
                                              });
    }
    case EnquiryVerb::kAbusive:
      return Act<ev1::MarkAbusiveRequest>(impl, name, opts.etag, &EscalationStub::MarkAbusive, nullptr);
  }
  return absl::InternalError("unknown enquiry verb");
}

absl::Status Ctl::EnquiryStats(const std::string& school, const std::string& from, const std::string& to) {
  PARLEY_RETURN_IF_ERROR(NeedEscalation(*impl_));
  return RunStats<EscalationStub, ev1::GetSchoolStatsRequest, ev1::SchoolStats>(
      *impl_, impl_->escalation.get(), &EscalationStub::GetSchoolStats, school, from, to, &FormatEnquiryStats);
}

}  // namespace parley::ctl
