// The API tests' one harness: an AppointmentsApi over the domain services a test wires (each over
// its slice's in-memory fakes and this harness's simulated clock), served in process, tokens minted
// for any subject, role and school with a key made for the test, and calls answering their status
// code, message and `parley-error-reason` trailer. It keeps the name of every method called, so a
// test can tell which RPCs a sweep reached (api_sweeps.h).
#pragma once

#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/auth/signer.h"
#include "common/auth/verifier.h"
#include "common/clock/clock.h"
#include "grpcpp/grpcpp.h"
#include "services/appointments/api/appointments_api.h"

namespace parley::appointments::testing {

// What a call answered.
struct ApiOutcome {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string reason;  // the `parley-error-reason` trailer, empty when there is none
  std::string message;
};
std::ostream& operator<<(std::ostream& os, const ApiOutcome& o);

// A time range of the API.
v1::TimeRange Range(absl::Time start, absl::Time end);

class ApiHarness {
 public:
  template <typename Req, typename Resp>
  using Method = grpc::Status (v1::AppointmentsService::Stub::*)(grpc::ClientContext*, const Req&, Resp*);

  // The clock starts at `now`; nothing is served before Start.
  explicit ApiHarness(absl::Time now);
  ~ApiHarness();  // stops serving
  ApiHarness(const ApiHarness&) = delete;
  ApiHarness& operator=(const ApiHarness&) = delete;

  // Serves the API over `services` (null slices are not served: their handlers must not be reached).
  void Start(const Services& services);
  // Stops serving: call it before the services the API calls are destroyed.
  void Stop();

  SimulatedClock& clock() { return clock_; }

  // A token valid for ten minutes.
  std::string Token(const std::string& subject, std::vector<std::string> roles, std::vector<std::string> schools);
  // A fresh request id (a UUID, as the API requires), one per call of this.
  std::string RequestId();

  // Calls `method` with `token` as the bearer ("" sends none); the response goes to `resp` if given.
  template <typename Req, typename Resp>
  ApiOutcome Call(Method<Req, Resp> method, const Req& req, const std::string& token, Resp* resp = nullptr) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    Resp local;
    const grpc::Status status = ((*stub_).*method)(&ctx, req, resp ? resp : &local);
    return OutcomeOf(status, ctx);
  }

  // The methods called so far (short names, "GetBooking"), and the last one.
  std::set<std::string> called_methods() const;
  std::string last_method() const;

 private:
  class MethodRecorder;
  static ApiOutcome OutcomeOf(const grpc::Status& status, const grpc::ClientContext& ctx);
  void Record(const std::string& full_method);

  SimulatedClock clock_;
  std::unique_ptr<auth::Verifier> verifier_;
  std::unique_ptr<auth::Signer> signer_;
  std::unique_ptr<AppointmentsApi> api_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::AppointmentsService::Stub> stub_;
  int request_ids_ = 0;
  mutable absl::Mutex mu_;
  std::set<std::string> called_ ABSL_GUARDED_BY(mu_);
  std::string last_ ABSL_GUARDED_BY(mu_);
};

}  // namespace parley::appointments::testing
