#include "common/outbox/relay.h"

#include <algorithm>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/log/log.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace parley::outbox {
namespace {

constexpr char kClaim[] = "outbox_relay_claim";
constexpr char kMarkHandedOver[] = "outbox_relay_mark";
constexpr char kRecordFailure[] = "outbox_relay_failure";
constexpr char kStats[] = "outbox_relay_stats";

double UnitRandom() {
  thread_local absl::BitGen gen;
  return absl::Uniform(gen, 0.0, 1.0);
}

// Only reasons shaped like the catalogue's ("TEMPLATE_NOT_FOUND") are stored or logged: a peer's
// arbitrary text could carry notice content.
bool IsReasonConstant(absl::string_view reason) {
  if (reason.empty() || reason.size() > 64) return false;
  return std::all_of(reason.begin(), reason.end(),
                     [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; });
}

std::string ErrorSummary(const absl::Status& status) {
  std::string out = absl::StatusCodeToString(status.code());
  const std::string reason = ErrorReason(status);
  if (IsReasonConstant(reason)) absl::StrAppend(&out, " ", reason);
  return out;
}

std::string BigintArray(const std::vector<int64_t>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) absl::StrAppend(&out, i == 0 ? "" : ",", values[i]);
  return out + "}";
}

}  // namespace

bool IsTransient(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kInternal:
      return true;
    default:
      return false;
  }
}

struct Relay::Impl {
  Impl(pg::Pool* p, Sink s, RelayOptions o) : pool(p), sink(std::move(s)), opts(std::move(o)) {}

  pg::Pool* const pool;
  const Sink sink;
  const RelayOptions opts;

  prometheus::Family<prometheus::Counter>* retried_family = nullptr;
  prometheus::Family<prometheus::Counter>* rejected_family = nullptr;
  prometheus::Counter* handed_over = nullptr;
  prometheus::Gauge* pending = nullptr;
  prometheus::Gauge* oldest_age = nullptr;

  absl::Mutex mu;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  std::thread thread;
  bool started = false;  // Start/Stop are called from the owner's thread only

  void CountFailure(bool transient, absl::StatusCode code) {
    auto* family = transient ? retried_family : rejected_family;
    if (family == nullptr) return;
    family->Add({{"service", opts.service}, {"code", absl::StatusCodeToString(code)}}).Increment();
  }

  absl::StatusOr<PassResult> Pass() {
    PassResult result;
    std::vector<int64_t> accepted;
    struct Failure {
      int64_t id;
      int attempts;
      absl::Status status;
    };
    std::vector<Failure> failures;
    const absl::Status status = pool->Transact([&](pqxx::work& txn) -> absl::Status {
      // The pool may run this again on a fresh connection (a dead one found at BEGIN): start clean.
      result = PassResult();
      accepted.clear();
      failures.clear();
      std::vector<Row> rows;
      for (const pqxx::row& r : txn.exec_prepared(kClaim, opts.batch)) {
        Row row;
        row.id = r[0].as<int64_t>();
        row.key = r[1].as<std::string>();
        row.kind = r[2].as<std::string>();
        row.school_id = r[3].as<std::string>();
        row.notice = r[4].as<std::string>();
        row.not_before = absl::FromUnixMicros(r[5].as<int64_t>());
        row.attempts = r[6].as<int>();
        rows.push_back(std::move(row));
      }
      result.claimed = static_cast<int>(rows.size());
      std::optional<absl::Status> receiver_down;
      for (const Row& row : rows) {
        // Once the receiver is unreachable or too slow, the rest of the batch would only wait for
        // the same answer: those rows back off with it, uncalled.
        absl::Status sent = receiver_down ? *receiver_down : sink(row);
        if (sent.ok()) {
          accepted.push_back(row.id);
          continue;
        }
        if (sent.code() == absl::StatusCode::kUnavailable || sent.code() == absl::StatusCode::kDeadlineExceeded) {
          receiver_down = sent;
        }
        const int attempts = row.attempts + 1;
        const bool transient = IsTransient(sent.code());
        const absl::Duration wait =
            transient ? RetryBackoff(attempts, opts.retry_base, opts.retry_max, UnitRandom()) : opts.rejected_retry;
        txn.exec_prepared(kRecordFailure, row.id, absl::ToDoubleSeconds(wait), ErrorSummary(sent));
        failures.push_back({row.id, attempts, std::move(sent)});
      }
      if (!accepted.empty()) txn.exec_prepared(kMarkHandedOver, BigintArray(accepted));
      return absl::OkStatus();
    });
    if (!status.ok()) return status;

    // Committed: only now do the counts and logs describe what happened.
    result.handed_over = static_cast<int>(accepted.size());
    if (handed_over != nullptr) handed_over->Increment(static_cast<double>(accepted.size()));
    for (const Failure& f : failures) {
      const bool transient = IsTransient(f.status.code());
      (transient ? result.retried : result.rejected)++;
      CountFailure(transient, f.status.code());
      // Rejections always (an operator must act); transient failures at their first attempt and
      // then every tenth, so an outage does not flood the log.
      if (!transient || f.attempts == 1 || f.attempts % 10 == 0) {
        log::Warning(transient ? "outbox_row_retrying" : "outbox_row_rejected",
                     {{"outbox_id", f.id}, {"attempts", f.attempts}, {"error", ErrorSummary(f.status)}});
      }
    }
    return result;
  }

  absl::Status Stats() {
    int64_t count = 0;
    double age = 0;
    PARLEY_RETURN_IF_ERROR(pool->Read([&](pqxx::work& txn) -> absl::Status {
      const pqxx::row r = txn.exec_prepared1(kStats);
      count = r[0].as<int64_t>();
      age = r[1].as<double>();
      return absl::OkStatus();
    }));
    if (pending != nullptr) pending->Set(static_cast<double>(count));
    if (oldest_age != nullptr) oldest_age->Set(age);
    return absl::OkStatus();
  }

  void Loop() {
    absl::Time next_stats = absl::InfinitePast();
    for (;;) {
      bool full = false;
      absl::StatusOr<PassResult> pass = Pass();
      if (pass.ok()) {
        full = pass->claimed == opts.batch;
      } else {
        log::Warning("outbox_pass_failed", {{"error", ErrorSummary(pass.status())}});
      }
      if (absl::Now() >= next_stats) {
        if (absl::Status s = Stats(); !s.ok()) log::Warning("outbox_stats_failed", {{"error", ErrorSummary(s)}});
        next_stats = absl::Now() + opts.stats_interval;
      }
      absl::MutexLock lock(&mu);
      if (stopping) return;
      if (full) continue;
      mu.AwaitWithTimeout(absl::Condition(&stopping), opts.poll_interval);
      if (stopping) return;
    }
  }
};

absl::StatusOr<std::unique_ptr<Relay>> Relay::Create(pg::Pool* pool, Sink sink, RelayOptions options,
                                                     prometheus::Registry* registry) {
  if (pool == nullptr || !sink || options.service.empty() || options.batch < 1 || options.batch > 1000 ||
      options.poll_interval <= absl::ZeroDuration() || options.retry_base <= absl::ZeroDuration() ||
      options.retry_max < options.retry_base || options.rejected_retry <= absl::ZeroDuration() ||
      options.stats_interval <= absl::ZeroDuration()) {
    return InvalidArgument(reason::kInvalidField,
                           "outbox relay: a pool, a sink and a service name are required, batch 1..1000, positive "
                           "durations, retry_max >= retry_base");
  }
  auto impl = std::make_unique<Impl>(pool, std::move(sink), std::move(options));
  if (registry != nullptr) {
    const prometheus::Labels service = {{"service", impl->opts.service}};
    impl->pending = &prometheus::BuildGauge()
                         .Name("parley_outbox_pending")
                         .Help("Outbox rows not yet handed over, by sending service")
                         .Register(*registry)
                         .Add(service);
    impl->oldest_age = &prometheus::BuildGauge()
                            .Name("parley_outbox_oldest_pending_age_seconds")
                            .Help("Age of the oldest outbox row not yet handed over (0 when none)")
                            .Register(*registry)
                            .Add(service);
    impl->handed_over = &prometheus::BuildCounter()
                             .Name("parley_outbox_handed_over_total")
                             .Help("Outbox rows the receiver accepted")
                             .Register(*registry)
                             .Add(service);
    impl->retried_family = &prometheus::BuildCounter()
                                .Name("parley_outbox_retries_total")
                                .Help("Outbox hand-overs that failed transiently and will be retried, by status code")
                                .Register(*registry);
    impl->rejected_family =
        &prometheus::BuildCounter()
             .Name("parley_outbox_rejected_total")
             .Help("Outbox hand-overs the receiver refused (retried slowly until the cause is fixed), by status code")
             .Register(*registry);
  }
  // Locks are taken row by row in id order; rows another relay holds are skipped, not waited for.
  pool->Prepare(kClaim,
                "SELECT id, key, kind, school_id, notice::text, (extract(epoch FROM not_before) * 1000000)::int8, "
                "attempts FROM outbox WHERE handed_over_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at "
                "<= clock_timestamp()) ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED");
  pool->Prepare(kMarkHandedOver, "UPDATE outbox SET handed_over_at = clock_timestamp() WHERE id = ANY($1::int8[])");
  // clock_timestamp, not now(): the sink calls of a batch may take a while after its start.
  pool->Prepare(kRecordFailure,
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = clock_timestamp() + "
                "make_interval(secs => $2::float8), last_error = $3 WHERE id = $1");
  pool->Prepare(kStats,
                "SELECT count(*), COALESCE(extract(epoch FROM now() - min(create_time)), 0)::float8 FROM outbox "
                "WHERE handed_over_at IS NULL");
  return std::unique_ptr<Relay>(new Relay(std::move(impl)));
}

Relay::Relay(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Relay::~Relay() { Stop(); }

void Relay::Start() {
  if (impl_->started) return;
  impl_->started = true;
  impl_->thread = std::thread([impl = impl_.get()] { impl->Loop(); });
}

void Relay::Stop() {
  {
    absl::MutexLock lock(&impl_->mu);
    impl_->stopping = true;
  }
  if (impl_->thread.joinable()) impl_->thread.join();
}

absl::StatusOr<PassResult> Relay::RunOnce() { return impl_->Pass(); }

absl::Status Relay::RefreshStats() { return impl_->Stats(); }

}  // namespace parley::outbox
