#include "tests/e2e/evening_rush.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/grpc/timestamp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "parley/appointments/v1/appointments_service.grpc.pb.h"
#include "tests/e2e/e2e_support.h"

namespace parley::e2e {
namespace {

namespace av1 = ::parley::appointments::v1;
using json = nlohmann::json;

constexpr const char* kGivenNames[] = {"Alex", "Sam", "Jo", "Chris", "Robin", "Kim", "Lee", "Pat", "Ali", "Max"};
constexpr const char* kFamilyNames[] = {"Ashdown", "Birch", "Coombe", "Dale",   "Ellery",
                                        "Fairley", "Gower", "Heath",  "Ingram", "Joyce"};

// One call as `token` with the rush's deadline: its status, its error reason and its round trip.
template <typename Req, typename Resp, typename Method>
grpc::Status Timed(av1::AppointmentsService::Stub& stub, Method method, const std::string& token,
                   absl::Duration deadline, const Req& req, Resp* resp, std::string* reason, absl::Duration* took) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  const absl::Time start = absl::Now();
  const grpc::Status status = (stub.*method)(&ctx, req, resp);
  *took = absl::Now() - start;
  const auto& trailers = ctx.GetServerTrailingMetadata();
  auto it = trailers.find("parley-error-reason");
  *reason = it == trailers.end() ? "" : std::string(it->second.data(), it->second.size());
  return status;
}

// The teacher's slots, free or not, in time order.
using Grid = std::map<std::string, std::vector<av1::TimeRange>>;

class Booker {
 public:
  Booker(av1::AppointmentsService::Stub& stub, const RushOptions& options, const RushFamily& family, std::string token,
         const Grid& grid, uint32_t seed)
      : stub_(stub), options_(options), family_(family), token_(std::move(token)), grid_(grid), random_(seed) {}

  BookerResult Run() {
    auto in_grid = grid_.find(family_.teacher);
    if (in_grid == grid_.end() || in_grid->second.empty()) return Fail("the teacher has no slots");
    const std::vector<av1::TimeRange>& slots = in_grid->second;
    // Someone who opened the page before the window: a slot picked from the whole grid.
    av1::TimeRange choice = slots[std::uniform_int_distribution<size_t>(0, slots.size() - 1)(random_)];
    const absl::Time first = absl::Now();
    // Each loss is followed by a look at what is free, so a booker tries at most every slot once.
    for (size_t attempt = 0; attempt <= slots.size(); ++attempt) {
      std::string held;
      const grpc::Status status = Hold(choice, &held);
      if (status.ok()) {
        if (!Confirm(held)) return result_;
        result_.end = BookerResult::End::kConfirmed;
        result_.booking = held;
        result_.booked_in = absl::Now() - first;
        return result_;
      }
      if (status.error_code() != grpc::StatusCode::ABORTED || result_.last_reason != "SLOT_TAKEN") {
        return Fail(absl::StrCat("hold: ", status.error_message()));
      }
      ++result_.slots_lost;
      std::vector<av1::TimeRange> free;
      if (!FreeSlots(&free)) return result_;
      if (free.empty()) return JoinWaitingList();
      choice = free[std::uniform_int_distribution<size_t>(0, free.size() - 1)(random_)];
    }
    return Fail("still losing after trying every slot");
  }

 private:
  // One call, sent again with the same request (and request id) while the service answers that it
  // is overloaded (UNAVAILABLE, RESOURCE_EXHAUSTED: nothing was done), as gRPC clients are told to:
  // with exponential backoff and jitter, 20 ms doubling to 1 s. `took` is the call that answered.
  template <typename Req, typename Resp, typename Method>
  grpc::Status Send(Method method, const Req& req, Resp* resp, absl::Duration* took) {
    absl::Duration backoff = absl::Milliseconds(20);
    while (true) {
      const grpc::Status status =
          Timed(stub_, method, token_, options_.call_deadline, req, resp, &result_.last_reason, took);
      result_.last_code = status.error_code();
      const bool overloaded = status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                              status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
      if (!overloaded) ++result_.calls;
      if (!overloaded || result_.overloaded >= kMaxOverloaded) return status;
      ++result_.overloaded;
      absl::SleepFor(backoff * std::uniform_real_distribution<double>(0.5, 1.5)(random_));
      backoff = std::min(backoff * 2, absl::Seconds(1));
    }
  }

  // A hold sent a moment before the window opened (clocks differ by microseconds) is sent again.
  grpc::Status Hold(const av1::TimeRange& time, std::string* booking) {
    av1::HoldEveningSlotsRequest req;
    req.set_parent(options_.evening);
    req.set_guardian(family_.guardian);
    av1::SlotChoice* c = req.add_slots();
    c->set_pupil(family_.pupil);
    c->set_staff(family_.teacher);
    *c->mutable_time() = time;
    while (true) {
      req.set_request_id(NewUuid());
      av1::HoldEveningSlotsResponse resp;
      absl::Duration took;
      const grpc::Status status = Send(&av1::AppointmentsService::Stub::HoldEveningSlots, req, &resp, &took);
      if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION && result_.last_reason == "WINDOW_NOT_OPEN" &&
          result_.window_not_open < 100) {
        ++result_.window_not_open;
        absl::SleepFor(absl::Milliseconds(10));
        continue;
      }
      (status.ok() ? result_.holds_won : result_.holds_lost).push_back(took);
      if (status.ok() && resp.bookings_size() != 1) {
        return grpc::Status(grpc::StatusCode::INTERNAL, "one booking held expected");
      }
      if (status.ok()) *booking = resp.bookings(0).name();
      return status;
    }
  }

  bool Confirm(const std::string& booking) {
    av1::ConfirmBookingsRequest req;
    req.set_parent(options_.school);
    req.add_bookings(booking);
    req.set_request_id(NewUuid());
    av1::ConfirmBookingsResponse resp;
    absl::Duration took;
    const grpc::Status status = Send(&av1::AppointmentsService::Stub::ConfirmBookings, req, &resp, &took);
    result_.confirms.push_back(took);
    if (!status.ok()) {
      Fail(absl::StrCat("confirm: ", status.error_message()));
      return false;
    }
    return true;
  }

  bool FreeSlots(std::vector<av1::TimeRange>* free) {
    av1::ListEveningSlotsRequest req;
    req.set_parent(options_.evening);
    req.set_staff(family_.teacher);
    req.set_free_only(true);
    av1::ListEveningSlotsResponse resp;
    absl::Duration took;
    const grpc::Status status = Send(&av1::AppointmentsService::Stub::ListEveningSlots, req, &resp, &took);
    if (!status.ok()) {
      Fail(absl::StrCat("free slots: ", status.error_message()));
      return false;
    }
    for (const av1::EveningSlot& s : resp.slots()) free->push_back(s.time());
    return true;
  }

  BookerResult JoinWaitingList() {
    av1::JoinWaitingListRequest req;
    req.set_parent(options_.evening);
    req.mutable_entry()->set_guardian(family_.guardian);
    req.mutable_entry()->set_pupil(family_.pupil);
    req.mutable_entry()->set_staff(family_.teacher);
    req.set_request_id(NewUuid());
    av1::WaitingListEntry entry;
    absl::Duration took;
    const grpc::Status status = Send(&av1::AppointmentsService::Stub::JoinWaitingList, req, &entry, &took);
    if (!status.ok()) {
      // Lost every slot and refused a place in line: the booker ends with the ABORTED they got.
      if (status.error_code() == grpc::StatusCode::ABORTED) {
        result_.end = BookerResult::End::kAborted;
        return result_;
      }
      return Fail(absl::StrCat("waiting list: ", status.error_message()));
    }
    result_.end = BookerResult::End::kWaitingList;
    result_.waiting_position = entry.position();
    return result_;
  }

  BookerResult Fail(std::string what) {
    result_.end = BookerResult::End::kError;
    result_.error = std::move(what);
    return result_;
  }

  static constexpr int kMaxOverloaded = 200;

  av1::AppointmentsService::Stub& stub_;
  const RushOptions& options_;
  const RushFamily& family_;
  const std::string token_;
  const Grid& grid_;
  std::mt19937 random_;
  BookerResult result_;
};

}  // namespace

RushTrust GrowTrust(const std::string& demo_json, const std::string& school, int families, int teachers) {
  RushTrust out;
  json trust = json::parse(demo_json, nullptr, false);
  if (!trust.is_object()) {
    ADD_FAILURE() << "the demo trust is not JSON";
    return out;
  }
  const std::string school_name = absl::StrCat("schools/", school);
  json* target = nullptr;
  for (json& s : trust["schools"]) {
    if (s["school"]["name"] == school_name) target = &s;
  }
  if (target == nullptr) {
    ADD_FAILURE() << "the demo trust has no " << school_name;
    return out;
  }
  // A class of each teacher to put the new pupils in: the class and year group of one of theirs.
  std::map<std::string, json> class_of;
  for (const json& p : (*target)["pupils"]) {
    const std::string teacher = p.value("classTeacher", "");
    if (!teacher.empty() && class_of.count(teacher) == 0 && static_cast<int>(class_of.size()) < teachers) {
      class_of[teacher] = p;
      out.teachers.push_back(teacher);
    }
  }
  if (static_cast<int>(out.teachers.size()) < teachers) {
    ADD_FAILURE() << school_name << " has " << out.teachers.size() << " class teachers, not " << teachers;
    return {};
  }
  for (int i = 0; i < families; ++i) {
    const std::string id = absl::StrFormat("rush-%04d", i + 1);
    const std::string teacher = out.teachers[static_cast<size_t>(i % teachers)];
    const json& classmate = class_of[teacher];
    const std::string family_name = kFamilyNames[(i / 10) % 10];
    json pupil = {{"name", absl::StrCat(school_name, "/pupils/p-", id)},
                  {"givenName", kGivenNames[i % 10]},
                  {"familyName", family_name},
                  {"yearGroup", classmate["yearGroup"]},
                  {"className", classmate["className"]},
                  {"classTeacher", teacher}};
    json guardian = {
        {"name", absl::StrCat("guardians/g-", id)},
        {"givenName", kGivenNames[(i + 3) % 10]},
        {"familyName", family_name},
        {"contactPoints", json::array({{{"kind", "CONTACT_KIND_EMAIL"}, {"value", absl::StrCat(id, "@example.org")}}})},
        {"preferredChannel", "CHANNEL_EMAIL"},
        {"language", "en"},
        {"household", absl::StrCat("h-", id)},
        {"pupils",
         json::array({{{"pupil", pupil["name"]}, {"relationship", "mother"}, {"parentalResponsibility", true}}})}};
    out.families.push_back({guardian["name"], pupil["name"], teacher});
    (*target)["pupils"].push_back(std::move(pupil));
    trust["guardians"].push_back(std::move(guardian));
  }
  out.trust_json = trust.dump();
  return out;
}

std::vector<BookerResult> RunRush(const std::shared_ptr<grpc::Channel>& channel, const RushOptions& options,
                                  const std::vector<RushFamily>& families, absl::Duration* wall) {
  auto stub = av1::AppointmentsService::NewStub(channel);
  std::vector<BookerResult> results(families.size());
  if (families.empty()) return results;
  // The grid, as the booking page shows it before the window opens.
  Grid grid;
  {
    av1::ListEveningSlotsRequest req;
    req.set_parent(options.evening);
    av1::ListEveningSlotsResponse resp;
    std::string reason;
    absl::Duration took;
    const grpc::Status status =
        Timed(*stub, &av1::AppointmentsService::Stub::ListEveningSlots, options.token_for(families[0].guardian),
              options.call_deadline, req, &resp, &reason, &took);
    if (!status.ok()) {
      ADD_FAILURE() << "the evening's slots: " << status.error_message();
      return results;
    }
    for (const av1::EveningSlot& s : resp.slots()) grid[s.staff()].push_back(s.time());
  }
  std::vector<std::string> tokens;
  tokens.reserve(families.size());
  for (const RushFamily& f : families) tokens.push_back(options.token_for(f.guardian));

  absl::Notification go;
  std::vector<std::thread> threads;
  threads.reserve(families.size());
  for (size_t i = 0; i < families.size(); ++i) {
    threads.emplace_back([&, i] {
      go.WaitForNotification();
      const absl::Time arrival =
          options.opens_at + options.arrival_spread * static_cast<double>(i) / static_cast<double>(families.size());
      const absl::Duration wait = arrival - absl::Now();
      if (wait > absl::ZeroDuration()) absl::SleepFor(wait);
      Booker booker(*stub, options, families[i], tokens[i], grid, options.seed + static_cast<uint32_t>(i));
      results[i] = booker.Run();
    });
  }
  go.Notify();
  for (std::thread& t : threads) t.join();
  if (wall != nullptr) *wall = absl::Now() - options.opens_at;
  return results;
}

}  // namespace parley::e2e
