// The parents'-evening rush through the real services, shared by the rush e2e test (which asserts
// what it must) and the rush benchmark (which prints how fast it went):
//   - RushTrust: the demo trust with one school grown by N families (a pupil and a guardian each,
//     the pupils spread over the school's class teachers), so N different guardians can book;
//   - RunRush: N bookers, one thread each, released at the instant booking opens. Each holds a slot
//     of their child's class teacher and confirms it; a booker who loses a slot looks at the teacher's
//     free slots and tries one of them, and once none is free joins the teacher's waiting list. A
//     call the service turns away as overloaded is sent again after a backoff, as gRPC clients do.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"

namespace parley::e2e {

// One family added for the rush: a guardian and their only child at `school`.
struct RushFamily {
  std::string guardian;  // "guardians/g-rush-0001"
  std::string pupil;     // "schools/{school}/pupils/p-rush-0001"
  std::string teacher;   // the pupil's class teacher, "schools/{school}/staff/…"
};

struct RushTrust {
  std::string trust_json;             // the demo trust with the families added
  std::vector<std::string> teachers;  // the school's class teachers the families are spread over
  std::vector<RushFamily> families;
};
// The demo trust (`demo_json`, protobuf JSON) with `families` families added at `school`, their
// pupils in the classes of the school's first `teachers` class teachers. Names and addresses are
// fictional (@example.org). Fails the calling test (and returns an empty trust) if the demo trust
// has fewer class teachers there.
RushTrust GrowTrust(const std::string& demo_json, const std::string& school, int families, int teachers);

// How one booker's rush ended.
struct BookerResult {
  enum class End { kConfirmed, kWaitingList, kAborted, kError };
  End end = End::kError;
  int slots_lost = 0;        // holds answered ABORTED SLOT_TAKEN
  int window_not_open = 0;   // holds answered WINDOW_NOT_OPEN (sent a moment early), tried again
  int overloaded = 0;        // calls answered UNAVAILABLE or RESOURCE_EXHAUSTED, sent again
  int calls = 0;             // calls the service answered otherwise (the work it did for this booker)
  std::string booking;       // kConfirmed: the confirmed booking's name
  int waiting_position = 0;  // kWaitingList: the place in line
  grpc::StatusCode last_code = grpc::StatusCode::OK;
  std::string last_reason;   // the parley-error-reason of the last failed call
  std::string error;         // kError: what was unexpected
  absl::Duration booked_in;  // kConfirmed: from the first hold sent to the confirmation back
  std::vector<absl::Duration> holds_won, holds_lost, confirms;  // each call's round trip
};

struct RushOptions {
  std::string evening;  // "schools/{school}/parentsEvenings/{id}"
  std::string school;   // "schools/{school}"
  absl::Time opens_at;  // every booker starts at this instant…
  // …or, when set, booker i of N at opens_at + i × arrival_spread / N (arrivals paced evenly).
  absl::Duration arrival_spread = absl::ZeroDuration();
  // A guardian's token for `guardian` (called once per booker, before the release).
  std::function<std::string(const std::string& guardian)> token_for;
  absl::Duration call_deadline = absl::Seconds(120);
  uint32_t seed = 20261206;
};

// Runs every family's booker against `channel` (appointments) and returns their results in family
// order. Wall time of the rush (release to the last booker done) in `wall` when given.
std::vector<BookerResult> RunRush(const std::shared_ptr<grpc::Channel>& channel, const RushOptions& options,
                                  const std::vector<RushFamily>& families, absl::Duration* wall = nullptr);

}  // namespace parley::e2e
