// parleyctl's meetings and evenings commands against the appointments service (Ctl methods
// declared in commands.h).
//
// As for conduct and enquiries: every argument is checked before the first call, so a mistake is
// a usage error (exit 2) and nothing is sent; the school's time zone is asked of contacts only when
// a local time has to be read or shown; every write carries a fresh request id, reused by the
// retries of that one command, so a retry after a dropped connection is answered with the first
// result instead of acting twice.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tools/parleyctl/appointments_args.h"
#include "tools/parleyctl/appointments_format.h"
#include "tools/parleyctl/args.h"
#include "tools/parleyctl/commands.h"
#include "tools/parleyctl/conduct_args.h"
#include "tools/parleyctl/ctl_impl.h"
#include "tools/parleyctl/format.h"

namespace parley::ctl {
namespace {

using AppointmentsStub = av1::AppointmentsService::Stub;

// The API's limits on a topic or reason, and on a note's body reference.
constexpr size_t kMaxTextChars = 200;
constexpr size_t kMaxBodyRefChars = 512;

absl::Status NeedAppointments(const Ctl::Impl& impl) {
  if (impl.appointments == nullptr) {
    return UsageError("no appointments service address (--appointments-addr, PARLEY_APPOINTMENTS_ADDR)");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> RequestName(const std::string& school, const std::string& text) {
  return NameInSchool(school, "meetingRequests", text, "the meeting request");
}
absl::StatusOr<std::string> BookingName(const std::string& school, const std::string& text) {
  return NameInSchool(school, "bookings", text, "the booking");
}
absl::StatusOr<std::string> EveningName(const std::string& school, const std::string& text) {
  return NameInSchool(school, "parentsEvenings", text, "the evening");
}
// "schools/{school}/bookings/{booking}/notes/{note}", or "{booking}/notes/{note}" with --school.
absl::StatusOr<std::string> NoteName(const std::string& school, const std::string& text) {
  if (!absl::StrContains(text, "/notes/")) {
    return UsageError(absl::StrCat("the note \"", text, "\": want schools/{school}/bookings/{booking}/notes/{note}, ",
                                   "or {booking}/notes/{note} with --school"));
  }
  if (absl::StartsWith(text, "schools/")) return text;
  PARLEY_RETURN_IF_ERROR(Required(school, "--school"));
  PARLEY_ASSIGN_OR_RETURN(std::string parent, Usage(SchoolName(school)));
  return absl::StrCat(parent, "/bookings/", text);
}

void ToRange(const TimeRangeArg& range, av1::TimeRange* out) {
  ToProto(range.start, out->mutable_start_time());
  ToProto(range.end, out->mutable_end_time());
}

std::optional<absl::Duration> ParsedLength(const std::string& text) {
  if (text.empty()) return std::nullopt;
  absl::StatusOr<absl::Duration> d = ParseDurationArg("--length", text);
  return d.ok() ? std::optional<absl::Duration>(*d) : std::nullopt;
}

// Checks a --length flag and every span before any call.
absl::Status CheckRanges(const std::vector<std::string>& spans, const std::string& length) {
  if (!length.empty()) PARLEY_RETURN_IF_ERROR(Usage(ParseDurationArg("--length", length)).status());
  for (const std::string& s : spans) {
    absl::Status form = CheckTimeRangeArg(s, !length.empty());
    if (!form.ok()) return UsageError(std::string(form.message()));
  }
  return absl::OkStatus();
}

// A span read in the school's zone (asked for only when it names a local time).
absl::StatusOr<TimeRangeArg> ReadRange(Ctl::Impl& impl, const std::string& school_name, const std::string& text,
                                       const std::string& length) {
  absl::TimeZone zone = absl::UTCTimeZone();
  if (TimeRangeIsLocal(text)) {
    PARLEY_ASSIGN_OR_RETURN(zone, impl.SchoolZone(school_name));
  }
  return Usage(ParseTimeRangeArg(text, zone, ParsedLength(length)));
}

absl::StatusOr<std::vector<std::string>> StaffNames(const std::string& parent, const std::vector<std::string>& texts) {
  std::vector<std::string> out;
  for (const std::string& t : texts) {
    PARLEY_ASSIGN_OR_RETURN(std::string name, Usage(StaffName(parent, t)));
    out.push_back(name);
  }
  return out;
}

absl::Status PrintRequest(Ctl::Impl& impl, const av1::MeetingRequest& r, const std::string& school_name) {
  if (impl.opts.json) return impl.PrintJson(r);
  impl.out << FormatMeetingRequest(r, {}, impl.DisplayZone(school_name));
  return absl::OkStatus();
}

absl::Status PrintBooking(Ctl::Impl& impl, const av1::Booking& b, const std::string& school_name) {
  if (impl.opts.json) return impl.PrintJson(b);
  impl.out << FormatBooking(b, impl.DisplayZone(school_name));
  return absl::OkStatus();
}

template <typename Resp>
absl::Status PrintBookings(Ctl::Impl& impl, const Resp& resp, const std::string& school_name) {
  if (impl.opts.json) return impl.PrintJson(resp);
  impl.out << FormatBookingsTable({resp.bookings().begin(), resp.bookings().end()}, impl.DisplayZone(school_name));
  return absl::OkStatus();
}

absl::StatusOr<av1::MeetingRequest> GetRequest(Ctl::Impl& impl, const std::string& name) {
  av1::GetMeetingRequestRequest req;
  req.set_name(name);
  av1::MeetingRequest r;
  PARLEY_RETURN_IF_ERROR(impl.Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl.appointments->GetMeetingRequest(&ctx, req, &r);
  }));
  return r;
}

absl::StatusOr<av1::Booking> GetBookingByName(Ctl::Impl& impl, const std::string& name) {
  av1::GetBookingRequest req;
  req.set_name(name);
  av1::Booking b;
  PARLEY_RETURN_IF_ERROR(impl.Call(
      kDefaultTimeout, true, [&](grpc::ClientContext& ctx) { return impl.appointments->GetBooking(&ctx, req, &b); }));
  return b;
}

absl::StatusOr<av1::ParentsEvening> GetEveningByName(Ctl::Impl& impl, const std::string& name) {
  av1::GetParentsEveningRequest req;
  req.set_name(name);
  av1::ParentsEvening e;
  PARLEY_RETURN_IF_ERROR(impl.Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl.appointments->GetParentsEvening(&ctx, req, &e);
  }));
  return e;
}

absl::StatusOr<av1::MeetingNote> GetNoteByName(Ctl::Impl& impl, const std::string& name) {
  av1::GetMeetingNoteRequest req;
  req.set_name(name);
  av1::MeetingNote n;
  PARLEY_RETURN_IF_ERROR(impl.Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl.appointments->GetMeetingNote(&ctx, req, &n);
  }));
  return n;
}

// One write on one resource: the etag given, or the one of `current` (read just before, so a
// change made since is ABORTED rather than overridden); a fresh request id for this command
// (the retries reuse it); `fill` sets the call's own fields.
template <typename Req, typename Resp>
absl::StatusOr<Resp> Write(Ctl::Impl& impl, const std::string& name, const std::string& etag,
                           const std::function<absl::StatusOr<std::string>()>& current_etag,
                           grpc::Status (AppointmentsStub::*call)(grpc::ClientContext*, const Req&, Resp*),
                           const std::function<void(Req&)>& fill) {
  Req req;
  req.set_name(name);
  if (!etag.empty()) {
    req.set_etag(etag);
  } else {
    PARLEY_ASSIGN_OR_RETURN(std::string read, current_etag());
    req.set_etag(read);
  }
  req.set_request_id(NewRequestId());
  if (fill) fill(req);
  Resp changed;
  PARLEY_RETURN_IF_ERROR(impl.Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return (impl.appointments.get()->*call)(&ctx, req, &changed);
  }));
  return changed;
}

// Confirms bookings held together, all or none.
absl::StatusOr<av1::ConfirmBookingsResponse> Confirm(Ctl::Impl& impl, const std::string& parent,
                                                     const std::vector<std::string>& names) {
  av1::ConfirmBookingsRequest req;
  req.set_parent(parent);
  for (const std::string& n : names) req.add_bookings(n);
  req.set_request_id(NewRequestId());
  av1::ConfirmBookingsResponse resp;
  PARLEY_RETURN_IF_ERROR(impl.Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl.appointments->ConfirmBookings(&ctx, req, &resp);
  }));
  return resp;
}

// Held slots, confirmed together unless `hold`; prints what the guardian now has.
absl::Status ConfirmHeld(Ctl::Impl& impl, const std::string& school_name, const av1::HoldEveningSlotsResponse& held,
                         bool hold) {
  if (hold) return PrintBookings(impl, held, school_name);
  std::vector<std::string> names;
  for (const av1::Booking& b : held.bookings()) names.push_back(b.name());
  PARLEY_ASSIGN_OR_RETURN(av1::ConfirmBookingsResponse confirmed, Confirm(impl, school_name, names));
  return PrintBookings(impl, confirmed, school_name);
}

// "HH:MM" on the evening's local date, or an instant.
absl::StatusOr<absl::Time> EveningTime(const std::string& text, absl::CivilDay day, absl::TimeZone zone) {
  absl::StatusOr<absl::CivilMinute> clock = ParseClockTime(day, text);
  if (clock.ok()) return LocalInstant(*clock, zone);
  return Usage(ParseTimeArg(text, zone));
}

absl::Status CheckTextFlag(const std::string& value, const char* flag, size_t max_chars) {
  PARLEY_RETURN_IF_ERROR(Required(value, flag));
  return MaxChars(value, flag, max_chars);
}

}  // namespace

// ---- meetings ----

absl::Status Ctl::MeetingRequestCreate(const MeetingRequestOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedAppointments(*impl_));
  av1::CreateMeetingRequestRequest req;
  PARLEY_ASSIGN_OR_RETURN(*req.mutable_parent(), Usage(SchoolName(opts.school)));
  av1::MeetingRequest* r = req.mutable_meeting_request();
  PARLEY_RETURN_IF_ERROR(Required(opts.guardian, "--guardian"));
  PARLEY_ASSIGN_OR_RETURN(*r->mutable_guardian(), Usage(GuardianName(opts.guardian)));
  PARLEY_RETURN_IF_ERROR(Required(opts.pupil, "--pupil"));
  PARLEY_ASSIGN_OR_RETURN(*r->mutable_pupil(), Usage(PupilName(req.parent(), opts.pupil)));
  PARLEY_RETURN_IF_ERROR(CheckTextFlag(opts.topic, "--topic", kMaxTextChars));
  r->set_topic(opts.topic);
  PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> staff, StaffNames(req.parent(), opts.staff));
  for (const std::string& s : staff) r->add_want_staff(s);
  for (const std::string& role : opts.roles) r->add_want_roles(role);
  if (!opts.mode.empty()) {
    PARLEY_ASSIGN_OR_RETURN(av1::MeetingMode mode, Usage(ParseMeetingMode(opts.mode)));
    r->set_mode(mode);
  }
  r->set_kind(opts.call ? av1::MEETING_REQUEST_KIND_CALL : av1::MEETING_REQUEST_KIND_MEETING);
  r->set_interpreter_language(opts.interpreter);
  if (!opts.enquiry.empty()) {
    PARLEY_ASSIGN_OR_RETURN(*r->mutable_enquiry(),
                            Usage(NameInSchool(opts.school, "enquiries", opts.enquiry, "the enquiry")));
  }
  PARLEY_RETURN_IF_ERROR(CheckTimes({&opts.received}));
  PARLEY_ASSIGN_OR_RETURN(absl::Time received, impl_->ReadTime(req.parent(), opts.received, absl::Now()));
  ToProto(received, r->mutable_receive_time());
  req.set_request_id(NewRequestId());
  av1::MeetingRequest created;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->appointments->CreateMeetingRequest(&ctx, req, &created);
  }));
  return PrintRequest(*impl_, created, req.parent());
}

absl::Status Ctl::MeetingList(const MeetingListOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedAppointments(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string parent, Usage(SchoolName(opts.school)));
  std::string owner;
  if (!opts.owner.empty()) {
    PARLEY_ASSIGN_OR_RETURN(owner, Usage(StaffName(parent, opts.owner)));
  }
  av1::MeetingRequestState state = av1::MEETING_REQUEST_STATE_UNSPECIFIED;
  if (!opts.state.empty()) {
    PARLEY_ASSIGN_OR_RETURN(state, Usage(ParseMeetingRequestState(opts.state)));
  }
  PARLEY_RETURN_IF_ERROR(CheckPageSize(opts.page_size));
  return RunList<AppointmentsStub, av1::ListMeetingRequestsRequest, av1::ListMeetingRequestsResponse>(
      *impl_, impl_->appointments.get(), &AppointmentsStub::ListMeetingRequests, parent, opts.page_size,
      opts.page_token,
      [&](av1::ListMeetingRequestsRequest& req) {
        req.set_state(state);
        req.set_owner(owner);
        req.set_breached_only(opts.breached);
      },
      [](const av1::ListMeetingRequestsResponse& all, const absl::TimeZone& zone) {
        return FormatMeetingRequestsTable({all.meeting_requests().begin(), all.meeting_requests().end()}, zone);
      });
}

absl::Status Ctl::MeetingGet(const std::string& school, const std::string& name_text, bool events) {
  PARLEY_RETURN_IF_ERROR(NeedAppointments(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string name, RequestName(school, name_text));
  PARLEY_ASSIGN_OR_RETURN(av1::MeetingRequest r, GetRequest(*impl_, name));
  if (!events) return PrintRequest(*impl_, r, SchoolOf(name));
  av1::ListMeetingRequestEventsResponse history;
  PARLEY_RETURN_IF_ERROR(impl_->Pages<av1::ListMeetingRequestEventsResponse>(
      /*follow=*/true, "",
      [&](grpc::ClientContext& ctx, const std::string& token, av1::ListMeetingRequestEventsResponse* page) {
        av1::ListMeetingRequestEventsRequest req;
        req.set_parent(name);
        req.set_page_size(kFollowPageSize);
        req.set_page_token(token);
        return impl_->appointments->ListMeetingRequestEvents(&ctx, req, page);
      },
      &history));
  // One document: {"meetingRequest": {...}, "events": [...]}.
  if (impl_->opts.json) return impl_->PrintJsonWithList("meetingRequest", r, "events", history);
  impl_->out << FormatMeetingRequest(r, {history.events().begin(), history.events().end()},
                                     impl_->DisplayZone(SchoolOf(name)));
  return absl::OkStatus();
}

absl::Status Ctl::MeetingEvents(const std::string& school, const std::string& name_text) {
  PARLEY_RETURN_IF_ERROR(NeedAppointments(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string name, RequestName(school, name_text));
  av1::ListMeetingRequestEventsResponse history;
  PARLEY_RETURN_IF_ERROR(impl_->Pages<av1::ListMeetingRequestEventsResponse>(
      /*follow=*/true, "",
      [&](grpc::ClientContext& ctx, const std::string& token, av1::ListMeetingRequestEventsResponse* page) {
        av1::ListMeetingRequestEventsRequest req;
        req.set_parent(name);
        req.set_page_size(kFollowPageSize);
        req.set_page_token(token);
        return impl_->appointments->ListMeetingRequestEvents(&ctx, req, page);
      },
      &history));
  if (impl_->opts.json) return impl_->PrintJson(history);
  impl_->out << FormatMeetingEventsTable({history.events().begin(), history.events().end()},
                                         impl_->DisplayZone(SchoolOf(name)));
  return absl::OkStatus();
}

absl::Status Ctl::MeetingAct(MeetingVerb verb, const MeetingActionOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedAppointments(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string name, RequestName(opts.school, opts.name));
  const std::string school = SchoolOf(name);
  Impl& impl = *impl_;
  // Every flag checked before any call.
  switch (verb) {
    case MeetingVerb::kOffer:
      if (opts.times.empty()) return UsageError("meetings offer needs at least one --time");
      PARLEY_RETURN_IF_ERROR(CheckRanges(opts.times, opts.length));
      break;
    case MeetingVerb::kAccept:
      if (opts.times.size() > 1) return UsageError("meetings accept takes one --time");
      if (opts.times.empty() == (opts.offered == 0)) return UsageError("meetings accept needs --time or --offered N");
      if (opts.offered < 0) return UsageError("--offered counts from 1");
      PARLEY_RETURN_IF_ERROR(CheckRanges(opts.times, opts.length));
      if (!opts.mode.empty()) PARLEY_RETURN_IF_ERROR(Usage(ParseMeetingMode(opts.mode)).status());
      break;
    case MeetingVerb::kDecline:
      PARLEY_RETURN_IF_ERROR(CheckTextFlag(opts.reason, "--reason", kMaxTextChars));
      break;
    case MeetingVerb::kWithdraw:
      break;
  }
  PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> staff, StaffNames(school, opts.staff));

  // The request as read just before, when its etag or its offered times are needed.
  std::optional<av1::MeetingRequest> read;
  auto current = [&]() -> absl::StatusOr<av1::MeetingRequest> {
    if (!read) {
      PARLEY_ASSIGN_OR_RETURN(read, GetRequest(impl, name));
    }
    return *read;
  };
  auto current_etag = [&]() -> absl::StatusOr<std::string> {
    PARLEY_ASSIGN_OR_RETURN(av1::MeetingRequest r, current());
    return r.etag();
  };

  absl::StatusOr<av1::MeetingRequest> changed;
  switch (verb) {
    case MeetingVerb::kOffer: {
      std::vector<TimeRangeArg> times;
      for (const std::string& t : opts.times) {
        PARLEY_ASSIGN_OR_RETURN(TimeRangeArg range, ReadRange(impl, school, t, opts.length));
        times.push_back(range);
      }
      changed = Write<av1::OfferTimesRequest, av1::MeetingRequest>(
          impl, name, opts.etag, current_etag, &AppointmentsStub::OfferTimes, [&](av1::OfferTimesRequest& req) {
            for (const TimeRangeArg& t : times) ToRange(t, req.add_times());
            for (const std::string& s : staff) req.add_staff(s);
          });
      break;
    }
    case MeetingVerb::kAccept: {
      av1::TimeRange time;
      if (opts.offered > 0) {
        PARLEY_ASSIGN_OR_RETURN(av1::MeetingRequest r, current());
        if (opts.offered > r.offered_size()) {
          return UsageError(absl::StrCat("--offered ", opts.offered, ": ", r.offered_size(), " time(s) on offer"));
        }
        time = r.offered(opts.offered - 1);
      } else {
        PARLEY_ASSIGN_OR_RETURN(TimeRangeArg range, ReadRange(impl, school, opts.times[0], opts.length));
        ToRange(range, &time);
      }
      av1::MeetingMode mode = av1::MEETING_MODE_UNSPECIFIED;
      if (!opts.mode.empty()) mode = *ParseMeetingMode(opts.mode);
      changed = Write<av1::AcceptTimeRequest, av1::MeetingRequest>(
          impl, name, opts.etag, current_etag, &AppointmentsStub::AcceptTime, [&](av1::AcceptTimeRequest& req) {
            *req.mutable_time() = time;
            req.set_mode(mode);
          });
      break;
    }
    case MeetingVerb::kDecline:
      changed = Write<av1::DeclineMeetingRequestRequest, av1::MeetingRequest>(
          impl, name, opts.etag, current_etag, &AppointmentsStub::DeclineMeetingRequest,
          [&](av1::DeclineMeetingRequestRequest& req) { req.set_reason(opts.reason); });
      break;
    case MeetingVerb::kWithdraw:
      changed = Write<av1::WithdrawMeetingRequestRequest, av1::MeetingRequest>(
          impl, name, opts.etag, current_etag, &AppointmentsStub::WithdrawMeetingRequest, nullptr);
      break;
  }
  PARLEY_RETURN_IF_ERROR(changed.status());
  return PrintRequest(impl, *changed, school);
}

absl::Status Ctl::MeetingBook(const MeetingBookOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedAppointments(*impl_));
  av1::CreateBookingRequest req;
  PARLEY_ASSIGN_OR_RETURN(*req.mutable_parent(), Usage(SchoolName(opts.school)));
  av1::Booking* b = req.mutable_booking();
  if (opts.guardians.empty()) return UsageError("meetings book needs at least one --guardian");
  for (const std::string& g : opts.guardians) {
    PARLEY_ASSIGN_OR_RETURN(*b->add_guardians(), Usage(GuardianName(g)));
  }
  for (const std::string& p : opts.pupils) {
    PARLEY_ASSIGN_OR_RETURN(*b->add_pupils(), Usage(PupilName(req.parent(), p)));
  }
  if (opts.staff.empty()) return UsageError("meetings book needs at least one --staff");
  PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> staff, StaffNames(req.parent(), opts.staff));
  for (const std::string& s : staff) b->add_staff()->set_staff(s);
  PARLEY_RETURN_IF_ERROR(Required(opts.time, "--time"));
  PARLEY_RETURN_IF_ERROR(CheckRanges({opts.time}, opts.length));
  PARLEY_ASSIGN_OR_RETURN(av1::MeetingMode mode, Usage(ParseMeetingMode(opts.mode)));
  b->set_mode(mode);
  b->set_video_link(opts.video_link);
  b->set_room(opts.room);
  if (!opts.interpreter.empty()) b->mutable_interpreter()->set_language(opts.interpreter);
  for (const std::string& g : opts.guests) {
    PARLEY_RETURN_IF_ERROR(CheckTextFlag(g, "--guest", kMaxTextChars));
    b->add_guests()->set_description(g);
  }
  PARLEY_ASSIGN_OR_RETURN(TimeRangeArg time, ReadRange(*impl_, req.parent(), opts.time, opts.length));
  ToRange(time, b->mutable_time());
  req.set_kind(opts.call ? av1::BOOKING_KIND_CALL : av1::BOOKING_KIND_MEETING);
  if (opts.hold && opts.held) return UsageError("meetings book takes --hold or --held, not both");
  req.set_confirm(!opts.hold && !opts.held);
  req.set_held(opts.held);
  req.set_request_id(NewRequestId());
  av1::Booking created;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->appointments->CreateBooking(&ctx, req, &created);
  }));
  return PrintBooking(*impl_, created, req.parent());
}

absl::Status Ctl::BookingGet(const std::string& school, const std::string& name_text) {
  PARLEY_RETURN_IF_ERROR(NeedAppointments(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string name, BookingName(school, name_text));
  PARLEY_ASSIGN_OR_RETURN(av1::Booking b, GetBookingByName(*impl_, name));
  return PrintBooking(*impl_, b, SchoolOf(name));
}

absl::Status Ctl::BookingCancel(const MeetingActionOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedAppointments(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string name, BookingName(opts.school, opts.name));
  PARLEY_RETURN_IF_ERROR(CheckTextFlag(opts.reason, "--reason", kMaxTextChars));
  Impl& impl = *impl_;
  PARLEY_ASSIGN_OR_RETURN(
      av1::Booking changed,
      (Write<av1::CancelBookingRequest, av1::Booking>(
          impl, name, opts.etag,
          [&]() -> absl::StatusOr<std::string> {
            PARLEY_ASSIGN_OR_RETURN(av1::Booking b, GetBookingByName(impl, name));
            return b.etag();
          },
          &AppointmentsStub::CancelBooking, [&](av1::CancelBookingRequest& req) { req.set_reason(opts.reason); })));
  return PrintBooking(impl, changed, SchoolOf(name));
}

absl::Status Ctl::BookingOutcome(const MeetingActionOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedAppointments(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string name, BookingName(opts.school, opts.name));
  PARLEY_RETURN_IF_ERROR(Required(opts.outcome, "--outcome"));
  PARLEY_ASSIGN_OR_RETURN(av1::BookingState outcome, Usage(ParseBookingOutcome(opts.outcome)));
  Impl& impl = *impl_;
  PARLEY_ASSIGN_OR_RETURN(
      av1::Booking changed,
      (Write<av1::RecordOutcomeRequest, av1::Booking>(
          impl, name, opts.etag,
          [&]() -> absl::StatusOr<std::string> {
            PARLEY_ASSIGN_OR_RETURN(av1::Booking b, GetBookingByName(impl, name));
            return b.etag();
          },
          &AppointmentsStub::RecordOutcome, [&](av1::RecordOutcomeRequest& req) { req.set_outcome(outcome); })));
  return PrintBooking(impl, changed, SchoolOf(name));
}

absl::Status Ctl::BookingConfirm(const std::string& school, const std::vector<std::string>& texts) {
  PARLEY_RETURN_IF_ERROR(NeedAppointments(*impl_));
  if (texts.empty()) return UsageError("name at least one booking");
  std::vector<std::string> names;
  for (const std::string& t : texts) {
    PARLEY_ASSIGN_OR_RETURN(std::string name, BookingName(school, t));
    if (!names.empty() && SchoolOf(name) != SchoolOf(names.front())) {
      return UsageError("bookings confirmed together are of one school");
    }
    names.push_back(name);
  }
  PARLEY_ASSIGN_OR_RETURN(av1::ConfirmBookingsResponse confirmed, Confirm(*impl_, SchoolOf(names.front()), names));
  return PrintBookings(*impl_, confirmed, SchoolOf(names.front()));
}

absl::Status Ctl::NotesList(const MeetingNoteOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedAppointments(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string booking, BookingName(opts.school, opts.name));
  av1::ListMeetingNotesRequest req;
  req.set_parent(booking);
  av1::ListMeetingNotesResponse notes;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->appointments->ListMeetingNotes(&ctx, req, &notes);
  }));
  if (impl_->opts.json) return impl_->PrintJson(notes);
  impl_->out << FormatMeetingNotesTable({notes.notes().begin(), notes.notes().end()},
                                        impl_->DisplayZone(SchoolOf(booking)));
  return absl::OkStatus();
}

absl::Status Ctl::NoteAdd(const MeetingNoteOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedAppointments(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string booking, BookingName(opts.school, opts.name));
  PARLEY_RETURN_IF_ERROR(Required(opts.record_type, "--record-type"));
  PARLEY_RETURN_IF_ERROR(CheckTextFlag(opts.body_ref, "--body-ref", kMaxBodyRefChars));
  av1::CreateMeetingNoteRequest req;
  req.set_parent(booking);
  req.mutable_note()->set_record_type(opts.record_type);
  req.mutable_note()->set_body_ref(opts.body_ref);
  req.mutable_note()->set_recording_not_permitted(opts.recording_not_permitted);
  req.set_request_id(NewRequestId());
  av1::MeetingNote note;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->appointments->CreateMeetingNote(&ctx, req, &note);
  }));
  if (impl_->opts.json) return impl_->PrintJson(note);
  impl_->out << FormatMeetingNote(note, impl_->DisplayZone(SchoolOf(booking)));
  return absl::OkStatus();
}

absl::Status Ctl::NoteHold(const MeetingNoteOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedAppointments(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string name, NoteName(opts.school, opts.name));
  Impl& impl = *impl_;
  PARLEY_ASSIGN_OR_RETURN(
      av1::MeetingNote note,
      (Write<av1::SetLegalHoldRequest, av1::MeetingNote>(
          impl, name, opts.etag,
          [&]() -> absl::StatusOr<std::string> {
            PARLEY_ASSIGN_OR_RETURN(av1::MeetingNote n, GetNoteByName(impl, name));
            return n.etag();
          },
          &AppointmentsStub::SetLegalHold, [&](av1::SetLegalHoldRequest& req) { req.set_legal_hold(!opts.release); })));
  if (impl.opts.json) return impl.PrintJson(note);
  impl.out << FormatMeetingNote(note, impl.DisplayZone(SchoolOf(name)));
  return absl::OkStatus();
}

absl::Status Ctl::MeetingSlots(const MeetingSlotsOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedAppointments(*impl_));
  av1::ListAvailableSlotsRequest req;
  PARLEY_ASSIGN_OR_RETURN(*req.mutable_parent(), Usage(SchoolName(opts.school)));
  if (opts.staff.empty()) return UsageError("meetings slots needs at least one --staff");
  PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> staff, StaffNames(req.parent(), opts.staff));
  for (const std::string& s : staff) req.add_staff(s);
  if (!opts.guardian.empty()) {
    PARLEY_ASSIGN_OR_RETURN(*req.mutable_guardian(), Usage(GuardianName(opts.guardian)));
  }
  if (!opts.length.empty()) {
    PARLEY_ASSIGN_OR_RETURN(absl::Duration length, Usage(ParseDurationArg("--length", opts.length)));
    req.mutable_length()->set_seconds(absl::ToInt64Seconds(length));
  }
  if (opts.limit < 0) return UsageError("--limit must not be negative");
  req.set_page_size(opts.limit);
  PARLEY_RETURN_IF_ERROR(CheckTimes({&opts.from, &opts.to}));
  PARLEY_ASSIGN_OR_RETURN(absl::Time from, impl_->ReadTime(req.parent(), opts.from, absl::Now()));
  PARLEY_ASSIGN_OR_RETURN(absl::Time to, impl_->ReadTime(req.parent(), opts.to, from + absl::Hours(24 * 7)));
  if (to <= from) return UsageError("--to must be after --from");
  ToRange(TimeRangeArg{from, to}, req.mutable_window());
  av1::ListAvailableSlotsResponse slots;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->appointments->ListAvailableSlots(&ctx, req, &slots);
  }));
  if (impl_->opts.json) return impl_->PrintJson(slots);
  const absl::TimeZone zone = impl_->DisplayZone(req.parent());
  for (const av1::TimeRange& r : slots.slots()) impl_->out << FormatTimeRange(r, zone) << "\n";
  return absl::OkStatus();
}

absl::Status Ctl::SettingsShow(const std::string& school) {
  PARLEY_RETURN_IF_ERROR(NeedAppointments(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string parent, Usage(SchoolName(school)));
  av1::GetAppointmentSettingsRequest req;
  req.set_name(parent + "/appointmentSettings");
  av1::AppointmentSettings settings;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->appointments->GetAppointmentSettings(&ctx, req, &settings);
  }));
  if (impl_->opts.json) return impl_->PrintJson(settings);
  impl_->out << FormatAppointmentSettings(settings);
  return absl::OkStatus();
}

absl::Status Ctl::SettingsRetention(const RetentionOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedAppointments(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string parent, Usage(SchoolName(opts.school)));
  PARLEY_RETURN_IF_ERROR(Required(opts.record_type, "--record-type"));
  if (opts.years < 1 || opts.years > 100) return UsageError("--years must be 1 to 100");
  if (opts.until_age < 0) return UsageError("--until-age must not be negative");
  PARLEY_RETURN_IF_ERROR(MaxChars(opts.text, "--text", 500));
  av1::GetAppointmentSettingsRequest get;
  get.set_name(parent + "/appointmentSettings");
  av1::AppointmentSettings current;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->appointments->GetAppointmentSettings(&ctx, get, &current);
  }));
  av1::UpdateAppointmentSettingsRequest req;
  av1::AppointmentSettings* s = req.mutable_settings();
  s->set_name(get.name());
  // The settings as read: a change made in between is ABORTED rather than overwritten.
  s->set_etag(current.etag());
  for (const av1::RetentionRule& r : current.retention()) {
    if (r.record_type() != opts.record_type) *s->add_retention() = r;
  }
  av1::RetentionRule* rule = s->add_retention();
  rule->set_record_type(opts.record_type);
  rule->set_years(opts.years);
  rule->set_until_pupil_age(opts.until_age);
  rule->set_schedule_text(opts.text);
  req.mutable_update_mask()->add_paths("retention");
  req.set_request_id(NewRequestId());
  av1::AppointmentSettings updated;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->appointments->UpdateAppointmentSettings(&ctx, req, &updated);
  }));
  if (impl_->opts.json) return impl_->PrintJson(updated);
  impl_->out << FormatAppointmentSettings(updated);
  return absl::OkStatus();
}

// ---- evenings ----

absl::Status Ctl::EveningCreate(const EveningCreateOptions& opts, bool open_now) {
  PARLEY_RETURN_IF_ERROR(NeedAppointments(*impl_));
  av1::CreateParentsEveningRequest req;
  PARLEY_ASSIGN_OR_RETURN(*req.mutable_parent(), Usage(SchoolName(opts.school)));
  av1::ParentsEvening* e = req.mutable_parents_evening();
  PARLEY_RETURN_IF_ERROR(CheckTextFlag(opts.display_name, "--name", kMaxTextChars));
  e->set_display_name(opts.display_name);
  PARLEY_RETURN_IF_ERROR(Required(opts.date, "--date"));
  PARLEY_ASSIGN_OR_RETURN(absl::CivilDay day, Usage(ParseDateArg("--date", opts.date)));
  PARLEY_RETURN_IF_ERROR(Required(opts.from, "--from"));
  PARLEY_RETURN_IF_ERROR(Required(opts.to, "--to"));
  PARLEY_ASSIGN_OR_RETURN(absl::CivilMinute from, Usage(ParseClockTime(day, opts.from)));
  PARLEY_ASSIGN_OR_RETURN(absl::CivilMinute to, Usage(ParseClockTime(day, opts.to)));
  if (to <= from) return UsageError("--to must be after --from");
  PARLEY_ASSIGN_OR_RETURN(absl::Duration slot, Usage(ParseDurationArg("--slot", opts.slot)));
  e->mutable_slot_length()->set_seconds(absl::ToInt64Seconds(slot));
  if (!opts.interpreted.empty()) {
    PARLEY_ASSIGN_OR_RETURN(absl::Duration d, Usage(ParseDurationArg("--interpreted", opts.interpreted)));
    e->mutable_interpreted_length()->set_seconds(absl::ToInt64Seconds(d));
  }
  if (!opts.walk.empty()) {
    PARLEY_ASSIGN_OR_RETURN(absl::Duration d, Usage(ParseDurationArg("--walk", opts.walk)));
    e->mutable_walk()->set_seconds(absl::ToInt64Seconds(d));
  }
  if (!opts.hold_length.empty()) {
    PARLEY_ASSIGN_OR_RETURN(absl::Duration d, Usage(ParseDurationArg("--hold-length", opts.hold_length)));
    e->mutable_hold_length()->set_seconds(absl::ToInt64Seconds(d));
  }
  if (opts.teachers.empty()) return UsageError("an evening needs at least one --teacher");
  std::vector<EveningTeacherArg> teachers;
  for (const std::string& t : opts.teachers) {
    PARLEY_ASSIGN_OR_RETURN(EveningTeacherArg teacher, Usage(ParseEveningTeacherArg(t)));
    teachers.push_back(teacher);
  }
  for (int year : opts.year_groups) e->add_year_groups(year);
  if (opts.max_per_guardian < 0) return UsageError("--max-per-guardian must not be negative");
  e->set_max_per_guardian(opts.max_per_guardian);
  if (!opts.household.empty()) {
    PARLEY_ASSIGN_OR_RETURN(av1::HouseholdRule rule, Usage(ParseHouseholdRule(opts.household)));
    e->set_household_rule(rule);
  }
  if (open_now && !opts.opens.empty()) return UsageError("evenings open opens booking now: --opens is for create");
  if (!open_now) PARLEY_RETURN_IF_ERROR(Required(opts.opens, "--opens"));
  PARLEY_RETURN_IF_ERROR(CheckTimes({&opts.opens, &opts.closes}));

  // Every flag is good: now the school's zone, for the date and the clock times.
  PARLEY_ASSIGN_OR_RETURN(absl::TimeZone zone, impl_->SchoolZone(req.parent()));
  ToProto(LocalInstant(from, zone), e->mutable_time()->mutable_start_time());
  ToProto(LocalInstant(to, zone), e->mutable_time()->mutable_end_time());
  for (const EveningTeacherArg& t : teachers) {
    av1::EveningTeacher* out = e->add_teachers();
    PARLEY_ASSIGN_OR_RETURN(*out->mutable_staff(), Usage(StaffName(req.parent(), t.staff)));
    out->set_room(t.room);
    absl::CivilMinute window_from = from, window_to = to;
    if (!t.from.empty()) window_from = *ParseClockTime(day, t.from);
    if (!t.to.empty()) window_to = *ParseClockTime(day, t.to);
    ToProto(LocalInstant(window_from, zone), out->mutable_window()->mutable_start_time());
    ToProto(LocalInstant(window_to, zone), out->mutable_window()->mutable_end_time());
    for (const auto& [start, end] : t.breaks) {
      av1::TimeRange* b = out->add_breaks();
      ToProto(LocalInstant(*ParseClockTime(day, start), zone), b->mutable_start_time());
      ToProto(LocalInstant(*ParseClockTime(day, end), zone), b->mutable_end_time());
    }
  }
  PARLEY_ASSIGN_OR_RETURN(absl::Time opens, impl_->ReadTime(req.parent(), opts.opens, absl::Now()));
  ToProto(opens, e->mutable_booking_open_time());
  if (!opts.closes.empty()) {
    PARLEY_ASSIGN_OR_RETURN(absl::Time closes, impl_->ReadTime(req.parent(), opts.closes, absl::Now()));
    ToProto(closes, e->mutable_booking_close_time());
  }
  req.set_request_id(NewRequestId());
  av1::ParentsEvening created;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->appointments->CreateParentsEvening(&ctx, req, &created);
  }));
  if (impl_->opts.json) return impl_->PrintJson(created);
  impl_->out << FormatEvening(created, zone);
  return absl::OkStatus();
}

absl::Status Ctl::EveningList(const EveningOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedAppointments(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string parent, Usage(SchoolName(opts.school)));
  PARLEY_RETURN_IF_ERROR(CheckPageSize(opts.page_size));
  return RunList<AppointmentsStub, av1::ListParentsEveningsRequest, av1::ListParentsEveningsResponse>(
      *impl_, impl_->appointments.get(), &AppointmentsStub::ListParentsEvenings, parent, opts.page_size,
      opts.page_token, nullptr, [](const av1::ListParentsEveningsResponse& all, const absl::TimeZone& zone) {
        return FormatEveningsTable({all.parents_evenings().begin(), all.parents_evenings().end()}, zone);
      });
}

absl::Status Ctl::EveningGet(const EveningOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedAppointments(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string name, EveningName(opts.school, opts.evening));
  PARLEY_ASSIGN_OR_RETURN(av1::ParentsEvening e, GetEveningByName(*impl_, name));
  if (impl_->opts.json) return impl_->PrintJson(e);
  impl_->out << FormatEvening(e, impl_->DisplayZone(SchoolOf(name)));
  return absl::OkStatus();
}

absl::Status Ctl::EveningSlots(const EveningOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedAppointments(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string name, EveningName(opts.school, opts.evening));
  av1::ListEveningSlotsRequest req;
  req.set_parent(name);
  if (!opts.staff.empty()) {
    PARLEY_ASSIGN_OR_RETURN(*req.mutable_staff(), Usage(StaffName(SchoolOf(name), opts.staff)));
  }
  req.set_free_only(opts.free_only);
  av1::ListEveningSlotsResponse slots;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->appointments->ListEveningSlots(&ctx, req, &slots);
  }));
  if (impl_->opts.json) return impl_->PrintJson(slots);
  impl_->out << FormatEveningSlotsTable({slots.slots().begin(), slots.slots().end()},
                                        impl_->DisplayZone(SchoolOf(name)));
  return absl::OkStatus();
}

absl::Status Ctl::EveningBook(const EveningOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedAppointments(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string name, EveningName(opts.school, opts.evening));
  const std::string school = SchoolOf(name);
  av1::HoldEveningSlotsRequest req;
  req.set_parent(name);
  PARLEY_RETURN_IF_ERROR(Required(opts.guardian, "--guardian"));
  PARLEY_ASSIGN_OR_RETURN(*req.mutable_guardian(), Usage(GuardianName(opts.guardian)));
  if (opts.slots.empty()) return UsageError("evenings book needs at least one --slot PUPIL,STAFF,TIME");
  std::vector<EveningSlotArg> slots;
  for (const std::string& s : opts.slots) {
    PARLEY_ASSIGN_OR_RETURN(EveningSlotArg slot, Usage(ParseEveningSlotArg(s)));
    PARLEY_ASSIGN_OR_RETURN(slot.pupil, Usage(PupilName(school, slot.pupil)));
    PARLEY_ASSIGN_OR_RETURN(slot.staff, Usage(StaffName(school, slot.staff)));
    slots.push_back(slot);
  }
  req.set_interpreter_language(opts.interpreter);

  // The evening says its date and how long a slot (or an interpreted meeting) takes.
  PARLEY_ASSIGN_OR_RETURN(av1::ParentsEvening evening, GetEveningByName(*impl_, name));
  PARLEY_ASSIGN_OR_RETURN(absl::TimeZone zone, impl_->SchoolZone(school));
  const absl::CivilDay day = absl::ToCivilDay(FromProto(evening.time().start_time()), zone);
  absl::Duration length = absl::Seconds(evening.slot_length().seconds());
  if (!opts.interpreter.empty()) {
    length = evening.has_interpreted_length() ? absl::Seconds(evening.interpreted_length().seconds()) : 2 * length;
  }
  for (const EveningSlotArg& slot : slots) {
    av1::SlotChoice* choice = req.add_slots();
    choice->set_pupil(slot.pupil);
    choice->set_staff(slot.staff);
    PARLEY_ASSIGN_OR_RETURN(absl::Time start, EveningTime(slot.time, day, zone));
    ToRange(TimeRangeArg{start, start + length}, choice->mutable_time());
  }
  req.set_request_id(NewRequestId());
  av1::HoldEveningSlotsResponse held;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->appointments->HoldEveningSlots(&ctx, req, &held);
  }));
  return ConfirmHeld(*impl_, school, held, opts.hold);
}

absl::Status Ctl::EveningPropose(const EveningOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedAppointments(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string name, EveningName(opts.school, opts.evening));
  const std::string school = SchoolOf(name);
  av1::ProposeEveningScheduleRequest req;
  req.set_parent(name);
  PARLEY_RETURN_IF_ERROR(Required(opts.guardian, "--guardian"));
  PARLEY_ASSIGN_OR_RETURN(*req.mutable_guardian(), Usage(GuardianName(opts.guardian)));
  if (opts.teachers.empty()) return UsageError("evenings propose needs at least one --teacher PUPIL,STAFF");
  for (const std::string& t : opts.teachers) {
    PARLEY_ASSIGN_OR_RETURN(EveningTeacherChoiceArg choice, Usage(ParseEveningTeacherChoiceArg(t)));
    av1::SlotChoice* c = req.add_teachers();
    PARLEY_ASSIGN_OR_RETURN(*c->mutable_pupil(), Usage(PupilName(school, choice.pupil)));
    PARLEY_ASSIGN_OR_RETURN(*c->mutable_staff(), Usage(StaffName(school, choice.staff)));
  }
  PARLEY_RETURN_IF_ERROR(Required(opts.from, "--from"));
  PARLEY_RETURN_IF_ERROR(Required(opts.to, "--to"));
  for (const std::string* t : {&opts.from, &opts.to}) {
    if (!ParseClockTime(absl::CivilDay(2000, 1, 1), *t).ok()) PARLEY_RETURN_IF_ERROR(CheckTimes({t}));
  }
  req.set_interpreter_language(opts.interpreter);

  PARLEY_ASSIGN_OR_RETURN(av1::ParentsEvening evening, GetEveningByName(*impl_, name));
  PARLEY_ASSIGN_OR_RETURN(absl::TimeZone zone, impl_->SchoolZone(school));
  const absl::CivilDay day = absl::ToCivilDay(FromProto(evening.time().start_time()), zone);
  PARLEY_ASSIGN_OR_RETURN(absl::Time from, EveningTime(opts.from, day, zone));
  PARLEY_ASSIGN_OR_RETURN(absl::Time to, EveningTime(opts.to, day, zone));
  if (to <= from) return UsageError("--to must be after --from");
  ToRange(TimeRangeArg{from, to}, req.mutable_available());
  req.set_request_id(NewRequestId());
  av1::HoldEveningSlotsResponse held;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->appointments->ProposeEveningSchedule(&ctx, req, &held);
  }));
  return ConfirmHeld(*impl_, school, held, opts.hold);
}

absl::Status Ctl::EveningTimetable(const EveningOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedAppointments(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string name, EveningName(opts.school, opts.evening));
  if (opts.guardian.empty() == opts.staff.empty()) return UsageError("give one of --guardian and --staff");
  av1::GetTimetableRequest req;
  req.set_parent(name);
  if (!opts.guardian.empty()) {
    PARLEY_ASSIGN_OR_RETURN(*req.mutable_guardian(), Usage(GuardianName(opts.guardian)));
  } else {
    PARLEY_ASSIGN_OR_RETURN(*req.mutable_staff(), Usage(StaffName(SchoolOf(name), opts.staff)));
  }
  av1::Timetable timetable;
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    return impl_->appointments->GetTimetable(&ctx, req, &timetable);
  }));
  return PrintBookings(*impl_, timetable, SchoolOf(name));
}

absl::Status Ctl::EveningCancel(const EveningOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedAppointments(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string name, EveningName(opts.school, opts.evening));
  PARLEY_RETURN_IF_ERROR(CheckTextFlag(opts.reason, "--reason", kMaxTextChars));
  Impl& impl = *impl_;
  PARLEY_ASSIGN_OR_RETURN(av1::ParentsEvening cancelled,
                          (Write<av1::CancelParentsEveningRequest, av1::ParentsEvening>(
                              impl, name, opts.etag,
                              [&]() -> absl::StatusOr<std::string> {
                                PARLEY_ASSIGN_OR_RETURN(av1::ParentsEvening e, GetEveningByName(impl, name));
                                return e.etag();
                              },
                              &AppointmentsStub::CancelParentsEvening,
                              [&](av1::CancelParentsEveningRequest& req) { req.set_reason(opts.reason); })));
  if (impl.opts.json) return impl.PrintJson(cancelled);
  impl.out << FormatEvening(cancelled, impl.DisplayZone(SchoolOf(name)));
  return absl::OkStatus();
}

}  // namespace parley::ctl
