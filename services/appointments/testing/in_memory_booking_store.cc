#include "services/appointments/testing/in_memory_booking_store.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"

namespace parley::appointments::testing {
namespace {

// What PostgreSQL keeps: microseconds.
absl::Time Micros(absl::Time t) { return absl::FromUnixMicros(absl::ToUnixMicros(t)); }

bool Live(const Booking& b, absl::Time now) {
  switch (b.state) {
    case BookingState::kHeld:
      return b.hold_expires && *b.hold_expires > now;
    case BookingState::kConfirmed:
    case BookingState::kNoShow:
    case BookingState::kAttended:
    case BookingState::kMissedCall:
      return true;
    case BookingState::kCancelled:
    case BookingState::kLapsed:
      return false;
  }
  return false;
}

std::string Whose(OccupantKind kind) {
  switch (kind) {
    case OccupantKind::kStaff:
      return "a member of staff's";
    case OccupantKind::kGuardian:
      return "a guardian's";
    case OccupantKind::kInterpreter:
      return "the interpreter's";
    case OccupantKind::kRoom:
      return "the room's";
  }
  return "someone's";
}

absl::Status NotFoundBooking(const std::string& id) {
  return NotFound(reason::kBookingNotFound, absl::StrCat("booking ", id, " was not found"));
}

void Bump(Booking& b, absl::Time now) {
  int64_t v = 0;
  if (!absl::SimpleAtoi(b.etag, &v)) v = 0;
  b.etag = absl::StrCat(v + 1);
  b.update_time = now;
}

}  // namespace

std::optional<absl::StatusOr<std::vector<Booking>>> InMemoryBookingStore::ReplayLocked(const RequestKey& key) {
  auto it = requests_.find(absl::StrCat(key.scope, "/", key.request_id));
  if (it == requests_.end()) return std::nullopt;
  if (it->second.fingerprint != key.fingerprint) {
    return absl::StatusOr<std::vector<Booking>>(
        FailedPrecondition(reason::kRequestIdReused, "the request id was used with another request"));
  }
  std::vector<Booking> out;
  for (const std::string& id : it->second.ids) out.push_back(bookings_.at({it->second.school_id, id}));
  return absl::StatusOr<std::vector<Booking>>(std::move(out));
}

void InMemoryBookingStore::RememberLocked(const RequestKey& key, const std::string& school_id,
                                          std::vector<std::string> ids) {
  requests_[absl::StrCat(key.scope, "/", key.request_id)] = Stored{key.fingerprint, school_id, std::move(ids)};
  ++writes_;
}

absl::Status InMemoryBookingStore::CheckFreeLocked(const Booking& b, absl::Time now) {
  std::optional<OccupantKind> first;
  for (const auto& [key, other] : bookings_) {
    if (key.first != b.school_id || other.id == b.id || !Live(other, now)) continue;
    if (!other.during.Overlaps(b.during)) continue;
    const std::vector<Occupant> theirs = OccupantsOf(other);
    for (const Occupant& o : OccupantsOf(b)) {
      if (std::find(theirs.begin(), theirs.end(), o) != theirs.end() && (!first || o.kind < *first)) first = o.kind;
    }
  }
  if (first) {
    return Aborted(reason::kSlotTaken,
                   absl::StrCat("slot just taken: ", Whose(*first), " time overlaps another booking"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Booking>> InMemoryBookingStore::WriteLocked(const RequestKey& key,
                                                                       const std::vector<Booking>& bookings,
                                                                       std::optional<absl::Time> expires,
                                                                       const std::vector<Notice>& notices,
                                                                       absl::Time now) {
  if (auto replay = ReplayLocked(key)) return *std::move(replay);
  PARLEY_RETURN_IF_ERROR(CheckNewBookings(bookings));
  now = Micros(now);
  std::vector<Booking> out;
  for (Booking b : bookings) {
    if (bookings_.count({b.school_id, b.id}) > 0) {
      return AlreadyExists(reason::kBookingExists, "a booking id is taken at this school");
    }
    PARLEY_RETURN_IF_ERROR(CheckFreeLocked(b, now));
    // As PgBookingStore: a meeting recorded after it took place is written ATTENDED.
    b.state = expires                              ? BookingState::kHeld
              : b.state == BookingState::kAttended ? BookingState::kAttended
                                                   : BookingState::kConfirmed;
    b.during = Interval{Micros(b.during.start), Micros(b.during.end)};
    b.hold_id = request::DerivedRequestId(absl::StrCat(key.scope, "/", key.request_id));
    b.hold_expires = expires ? std::optional<absl::Time>(Micros(*expires)) : std::nullopt;
    if (!b.language && b.interpreter) b.language = b.interpreter->language;
    b.cancel_reason.clear();
    b.create_time = now;
    b.update_time = now;
    b.etag = "1";
    out.push_back(std::move(b));
  }
  std::vector<std::string> ids;
  for (const Booking& b : out) {
    bookings_[{b.school_id, b.id}] = b;
    ids.push_back(b.id);
  }
  for (const Notice& n : notices) outbox_.push_back(n);
  RememberLocked(key, out.front().school_id, std::move(ids));
  return out;
}

absl::StatusOr<std::vector<Booking>> InMemoryBookingStore::Hold(const RequestKey& key,
                                                                const std::vector<Booking>& bookings,
                                                                absl::Duration lease, absl::Time now) {
  absl::MutexLock lock(&mu_);
  ++hold_or_book_calls_;
  if (lease <= absl::ZeroDuration()) return InvalidArgument(reason::kInvalidBooking, "a hold needs a positive lease");
  return WriteLocked(key, bookings, now + lease, {}, now);
}

absl::StatusOr<std::vector<Booking>> InMemoryBookingStore::Book(const RequestKey& key,
                                                                const std::vector<Booking>& bookings, absl::Time now) {
  absl::MutexLock lock(&mu_);
  ++hold_or_book_calls_;
  return WriteLocked(key, bookings, std::nullopt, {}, now);
}

absl::StatusOr<Booking> InMemoryBookingStore::Create(const RequestKey& key, const Booking& booking,
                                                     std::optional<absl::Time> hold_until,
                                                     const std::vector<Notice>& notices, absl::Time now) {
  if (hold_until && *hold_until <= now) {
    return InvalidArgument(reason::kInvalidBooking, "a hold must last past the time it is made");
  }
  absl::MutexLock lock(&mu_);
  PARLEY_ASSIGN_OR_RETURN(std::vector<Booking> out, WriteLocked(key, {booking}, hold_until, notices, now));
  return out.front();
}

absl::StatusOr<std::vector<Booking>> InMemoryBookingStore::ConfirmLocked(
    const RequestKey& key, const std::string& school_id, const std::string& hold_id,
    const std::vector<std::string>& booking_ids, const std::vector<Notice>& notices, absl::Time now) {
  if (auto replay = ReplayLocked(key)) return *std::move(replay);
  if (booking_ids.empty()) return InvalidArgument(reason::kInvalidBooking, "no bookings to confirm");
  const std::set<std::string> wanted(booking_ids.begin(), booking_ids.end());
  if (wanted.size() != booking_ids.size()) return InvalidArgument(reason::kInvalidBooking, "a booking is named twice");
  for (const std::string& id : booking_ids) {
    if (bookings_.count({school_id, id}) == 0) return NotFoundBooking(id);
  }
  for (const std::string& id : booking_ids) {
    if (bookings_.at({school_id, id}).hold_id != hold_id) {
      return FailedPrecondition(reason::kHoldMismatch, absl::StrCat("booking ", id, " is not of this hold"));
    }
  }
  for (const std::string& id : booking_ids) {
    const Booking& b = bookings_.at({school_id, id});
    if (b.state == BookingState::kLapsed ||
        (b.state == BookingState::kHeld && b.hold_expires && *b.hold_expires <= now)) {
      return FailedPrecondition(reason::kHoldExpired, "the hold ran out before it was confirmed: hold the slots again");
    }
    if (b.state == BookingState::kHeld && !b.waiting_for.empty()) {
      return FailedPrecondition(reason::kBookingIncomplete,
                                absl::StrCat("booking ", id, " is still waiting for someone to attend"));
    }
    if (b.state != BookingState::kHeld) {
      return FailedPrecondition(reason::kWrongState, absl::StrCat("booking ", id, " is not held"));
    }
  }
  int live_in_hold = 0;
  for (const auto& [key2, b] : bookings_) {
    if (key2.first == school_id && b.hold_id == hold_id && b.state != BookingState::kCancelled) ++live_in_hold;
  }
  if (live_in_hold != static_cast<int>(booking_ids.size())) {
    return FailedPrecondition(reason::kHoldMismatch,
                              "a hold is confirmed whole: name every booking of the hold, and only those");
  }
  std::vector<Booking> out;
  for (const std::string& id : booking_ids) {
    Booking& b = bookings_.at({school_id, id});
    b.state = BookingState::kConfirmed;
    Bump(b, Micros(now));
    out.push_back(b);
  }
  for (const Notice& n : notices) outbox_.push_back(n);
  RememberLocked(key, school_id, booking_ids);
  return out;
}

absl::StatusOr<std::vector<Booking>> InMemoryBookingStore::Confirm(const RequestKey& key, const std::string& school_id,
                                                                   const std::string& hold_id,
                                                                   const std::vector<std::string>& booking_ids,
                                                                   absl::Time now) {
  absl::MutexLock lock(&mu_);
  return ConfirmLocked(key, school_id, hold_id, booking_ids, {}, now);
}

absl::StatusOr<std::vector<Booking>> InMemoryBookingStore::ConfirmWithNotices(
    const RequestKey& key, const std::string& school_id, const std::string& hold_id,
    const std::vector<std::string>& booking_ids, const std::vector<Notice>& notices, absl::Time now) {
  absl::MutexLock lock(&mu_);
  return ConfirmLocked(key, school_id, hold_id, booking_ids, notices, now);
}

absl::StatusOr<Booking> InMemoryBookingStore::Cancel(const RequestKey& key, const std::string& school_id,
                                                     const std::string& id, const std::string& reason_text,
                                                     absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (auto replay = ReplayLocked(key)) {
    if (!replay->ok()) return replay->status();
    return (*replay)->front();
  }
  auto it = bookings_.find({school_id, id});
  if (it == bookings_.end()) return NotFoundBooking(id);
  Booking& b = it->second;
  if (b.state != BookingState::kHeld && b.state != BookingState::kConfirmed) {
    return FailedPrecondition(reason::kWrongState, absl::StrCat("booking ", id, " cannot be cancelled"));
  }
  b.state = BookingState::kCancelled;
  b.cancel_reason = reason_text;
  Bump(b, Micros(now));
  RememberLocked(key, school_id, {id});
  return b;
}

absl::StatusOr<Booking> InMemoryBookingStore::MarkNoShow(const RequestKey& key, const std::string& school_id,
                                                         const std::string& id, absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (auto replay = ReplayLocked(key)) {
    if (!replay->ok()) return replay->status();
    return (*replay)->front();
  }
  auto it = bookings_.find({school_id, id});
  if (it == bookings_.end()) return NotFoundBooking(id);
  Booking& b = it->second;
  if (b.state != BookingState::kConfirmed || b.during.start > now) {
    return FailedPrecondition(reason::kWrongState, absl::StrCat("booking ", id, " cannot be a no-show"));
  }
  b.state = BookingState::kNoShow;
  Bump(b, Micros(now));
  RememberLocked(key, school_id, {id});
  return b;
}

absl::StatusOr<Booking> InMemoryBookingStore::Update(const RequestKey& key, const std::string& etag,
                                                     const Booking& after, const std::vector<Notice>& notices,
                                                     absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (auto replay = ReplayLocked(key)) {
    if (!replay->ok()) return replay->status();
    return (*replay)->front();
  }
  now = Micros(now);
  auto it = bookings_.find({after.school_id, after.id});
  if (it == bookings_.end()) return NotFoundBooking(after.id);
  if (it->second.etag != etag) {
    return Aborted(reason::kStaleEtag, absl::StrCat("booking ", after.id, " has changed: read it again"));
  }
  if (after.interpreter && after.language && after.interpreter->language != *after.language) {
    return InvalidArgument(reason::kInvalidBooking, "the interpreter's language is not the meeting's");
  }
  Booking next = it->second;
  next.state = after.state;
  next.staff_ids = after.staff_ids;
  next.staff_roles = after.staff_roles;
  next.guests = after.guests;
  next.interpreter = after.interpreter;
  next.waiting_for = after.waiting_for;
  next.gate = after.gate;
  next.video_link = after.video_link;
  next.cancel_reason = after.cancel_reason;
  next.hold_expires = after.hold_expires;
  if (Live(next, now) || next.state == BookingState::kHeld) PARLEY_RETURN_IF_ERROR(CheckFreeLocked(next, now));
  Bump(next, now);
  it->second = next;
  for (const Notice& n : notices) outbox_.push_back(n);
  RememberLocked(key, after.school_id, {after.id});
  return next;
}

absl::StatusOr<Booking> InMemoryBookingStore::Get(const std::string& school_id, const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = bookings_.find({school_id, id});
  if (it == bookings_.end()) return NotFoundBooking(id);
  return it->second;
}

absl::StatusOr<std::vector<Interval>> InMemoryBookingStore::ListBusy(const std::string& school_id, const Occupant& who,
                                                                     absl::Time from, absl::Time to, absl::Time now) {
  absl::MutexLock lock(&mu_);
  std::vector<Interval> out;
  for (const auto& [key, b] : bookings_) {
    if (key.first != school_id || !Live(b, now) || !b.during.Overlaps(Interval{from, to})) continue;
    const std::vector<Occupant> occupants = OccupantsOf(b);
    if (std::find(occupants.begin(), occupants.end(), who) != occupants.end()) out.push_back(b.during);
  }
  std::sort(out.begin(), out.end(),
            [](const Interval& a, const Interval& b) { return std::tie(a.start, a.end) < std::tie(b.start, b.end); });
  return out;
}

absl::StatusOr<std::vector<Booking>> InMemoryBookingStore::ListEveningBookings(const std::string& school_id,
                                                                               const std::string& evening_id) {
  absl::MutexLock lock(&mu_);
  std::vector<Booking> out;
  for (const auto& [key, b] : bookings_) {
    if (key.first == school_id && b.evening_id == evening_id) out.push_back(b);
  }
  std::sort(out.begin(), out.end(), [](const Booking& a, const Booking& b) {
    return std::tie(a.during.start, a.id) < std::tie(b.during.start, b.id);
  });
  return out;
}

absl::StatusOr<int64_t> InMemoryBookingStore::SweepExpiredHolds(absl::Time now, int limit) {
  if (limit <= 0) return InvalidArgument(reason::kInvalidField, "the sweep limit must be positive");
  absl::MutexLock lock(&mu_);
  int64_t released = 0;
  for (auto& [key, b] : bookings_) {
    if (released >= limit) break;
    if (b.state == BookingState::kHeld && b.hold_expires && *b.hold_expires <= now) {
      b.state = BookingState::kLapsed;
      Bump(b, Micros(now));
      ++released;
    }
  }
  return released;
}

absl::StatusOr<std::vector<Booking>> InMemoryBookingStore::List(const std::string& school_id,
                                                                const BookingFilter& filter,
                                                                const std::optional<BookingCursor>& after, int limit) {
  if (limit <= 0) return InvalidArgument(reason::kInvalidField, "the page size must be positive");
  absl::MutexLock lock(&mu_);
  std::vector<Booking> out;
  for (const auto& [key, b] : bookings_) {
    if (key.first != school_id || !b.during.Overlaps(filter.window)) continue;
    auto has = [](const std::vector<std::string>& v, const std::string& x) {
      return std::find(v.begin(), v.end(), x) != v.end();
    };
    if (!filter.staff_id.empty() && !has(b.staff_ids, filter.staff_id)) continue;
    if (!filter.guardian_id.empty() && !has(b.guardian_ids, filter.guardian_id)) continue;
    if (!filter.evening_id.empty() && b.evening_id != filter.evening_id) continue;
    if (after && std::tie(b.during.start, b.id) <= std::tie(after->start, after->id)) continue;
    out.push_back(b);
  }
  std::sort(out.begin(), out.end(), [](const Booking& a, const Booking& b) {
    return std::tie(a.during.start, a.id) < std::tie(b.during.start, b.id);
  });
  if (static_cast<int>(out.size()) > limit) out.resize(limit);
  return out;
}

std::vector<Notice> InMemoryBookingStore::outbox() const {
  absl::MutexLock lock(&mu_);
  return outbox_;
}

int InMemoryBookingStore::writes() const {
  absl::MutexLock lock(&mu_);
  return writes_;
}

int InMemoryBookingStore::hold_or_book_calls() const {
  absl::MutexLock lock(&mu_);
  return hold_or_book_calls_;
}

}  // namespace parley::appointments::testing
