#include "services/notifications/delivery/worker.h"

#include <map>
#include <set>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "common/clock/backoff.h"
#include "common/log/log.h"
#include "prometheus/family.h"
#include "services/notifications/domain/rendering.h"

namespace parley::notifications {
namespace {

double UnitRandom() {
  thread_local absl::BitGen gen;
  return absl::Uniform(gen, 0.0, 1.0);
}

std::string RecipientName(const Message& m) {
  switch (m.recipient_kind) {
    case RecipientKind::kStaff:
      return absl::StrCat("schools/", m.school_id, "/staff/", m.recipient_id);
    case RecipientKind::kExternal:
      return absl::StrCat("schools/", m.school_id, "/externalContacts/", m.recipient_id);
    case RecipientKind::kGuardian:
      break;
  }
  return absl::StrCat("guardians/", m.recipient_id);
}

std::string PupilName(const std::string& school_id, const std::string& pupil_id) {
  return absl::StrCat("schools/", school_id, "/pupils/", pupil_id);
}

AttemptResult Result(AttemptResult::Kind kind, std::string provider, std::string reason) {
  AttemptResult r;
  r.kind = kind;
  r.provider = std::move(provider);
  r.reason = std::move(reason);
  return r;
}

// A provider's detail is for operators (a code and a step, never an address); kept short.
std::string ShortReason(const std::string& detail) { return detail.substr(0, 120); }

}  // namespace

DeliveryWorker::DeliveryWorker(NotificationStore* store, DirectorySource* directory, ContactDetailsSource* contacts,
                               ChannelSenders senders, const Clock* clock, DeliveryWorkerOptions options,
                               prometheus::Registry* registry)
    : store_(store), directory_(directory), contacts_(contacts), senders_(senders), clock_(clock), options_(options) {
  if (registry != nullptr) {
    deliveries_ = &prometheus::BuildCounter()
                       .Name("parley_notifications_deliveries_total")
                       .Help("Delivery attempts by channel and outcome (sent, delivered, retry, failed, skipped)")
                       .Register(*registry);
  }
}

DeliveryWorker::~DeliveryWorker() { Stop(); }

void DeliveryWorker::Start() {
  for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { Loop(); });
}

void DeliveryWorker::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void DeliveryWorker::Nudge() {
  absl::MutexLock lock(&mu_);
  nudged_ = true;
}

void DeliveryWorker::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    absl::StatusOr<int> handled = RunOnce();
    if (!handled.ok())
      log::Warning("delivery_pass_failed", {{"code", absl::StatusCodeToString(handled.status().code())}});
    if (handled.ok() && *handled >= options_.batch) continue;  // more may be waiting
    absl::MutexLock lock(&mu_);
    auto wake = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_ || nudged_; };
    mu_.AwaitWithTimeout(absl::Condition(&wake), options_.poll);
    nudged_ = false;
  }
}

void DeliveryWorker::Count(DeliveryChannel channel, const char* outcome) {
  if (deliveries_ != nullptr) deliveries_->Add({{"channel", ChannelWord(channel)}, {"outcome", outcome}}).Increment();
}

std::string DeliveryWorker::SchoolName(const std::string& school_id) {
  auto snap = directory_->School(school_id);
  if (snap.ok()) {
    if (const auto* sd = (*snap)->FindSchool(school_id)) return sd->school.display_name;
  }
  return school_id;
}

AttemptResult DeliveryWorker::FromOutcome(const ClaimedDelivery& c, const SendOutcome& outcome) {
  switch (outcome.kind) {
    case SendOutcome::Kind::kAccepted: {
      AttemptResult r = Result(AttemptResult::Kind::kSent, outcome.provider, "");
      r.provider_reference = outcome.provider_reference;
      return r;
    }
    case SendOutcome::Kind::kRetry: {
      if (c.delivery.attempts >= options_.max_attempts) {
        return Result(AttemptResult::Kind::kFailed, outcome.provider, "OUT_OF_ATTEMPTS");
      }
      AttemptResult r = Result(AttemptResult::Kind::kRetry, outcome.provider, ShortReason(outcome.detail));
      r.retry_at =
          clock_->Now() + RetryBackoff(c.delivery.attempts, options_.retry_base, options_.retry_max, UnitRandom());
      return r;
    }
    case SendOutcome::Kind::kPermanent:
      break;
  }
  return Result(AttemptResult::Kind::kFailed, outcome.provider, ShortReason(outcome.detail));
}

AttemptResult DeliveryWorker::Send(const ClaimedDelivery& c, const std::map<std::string, PersonDetails>& details,
                                   const std::string& school_name) {
  const DeliveryChannel channel = c.delivery.channel;
  if (c.notice.cancel_time) return Result(AttemptResult::Kind::kSkipped, "", "NOTICE_CANCELLED");
  if (c.delivery.unless_read && c.read_in_app) return Result(AttemptResult::Kind::kSkipped, "", "READ_IN_APP");
  auto who = details.find(RecipientName(c.copy));
  if (who == details.end()) return Result(AttemptResult::Kind::kFailed, "", "RECIPIENT_GONE");
  const PersonDetails& person = who->second;
  std::map<std::string, PersonDetails> pupils;
  for (const std::string& p : c.copy.pupil_ids) {
    const auto [school_id, pupil_id] = PupilOf(c.copy, p);
    auto it = details.find(PupilName(school_id, pupil_id));
    if (it != details.end()) pupils[p] = it->second;
  }
  const RenderedCopy text =
      RenderCopy(c.notice, c.resolved, c.copy, person.display_name, PupilNames(c.copy.pupil_ids, pupils), school_name);

  Outgoing out;
  out.idempotency_key = c.idempotency_key;
  out.school_id = c.copy.school_id;
  out.recipient_name = person.display_name;
  out.subject = text.subject;
  out.body = text.body;
  out.urgent = c.notice.request.priority == Priority::kEmergency;
  out.sticky_provider = c.sticky_provider;

  AttemptResult result;
  switch (channel) {
    case DeliveryChannel::kApp:
      // The copy is in the inbox once rendered; the push only tells the phone.
      if (senders_.push != nullptr && !person.app.empty()) {
        out.address = person.app;
        result = FromOutcome(c, senders_.push->Send(out));
        if (result.kind == AttemptResult::Kind::kSent) result.kind = AttemptResult::Kind::kDelivered;
      } else {
        result = Result(AttemptResult::Kind::kDelivered, "inbox", "");
      }
      break;
    case DeliveryChannel::kEmail:
      if (person.email.empty()) return Result(AttemptResult::Kind::kFailed, "", "NO_ADDRESS");
      if (senders_.email == nullptr) return Result(AttemptResult::Kind::kFailed, "", "CHANNEL_NOT_CONFIGURED");
      out.address = person.email;
      result = FromOutcome(c, senders_.email->Send(out));
      break;
    case DeliveryChannel::kSms:
      if (person.mobile.empty()) return Result(AttemptResult::Kind::kFailed, "", "NO_ADDRESS");
      if (senders_.sms == nullptr) return Result(AttemptResult::Kind::kFailed, "", "CHANNEL_NOT_CONFIGURED");
      out.address = person.mobile;
      out.body = text.sms;
      result = FromOutcome(c, senders_.sms->Send(out));
      break;
    case DeliveryChannel::kLetter:
      if (person.postal_address.empty()) return Result(AttemptResult::Kind::kFailed, "", "NO_ADDRESS");
      // Printed in the school's daily batch (ListLetterBatches / DownloadLetterBatch).
      result = Result(AttemptResult::Kind::kSent, "letters", "");
      result.provider_reference = c.idempotency_key;
      break;
    case DeliveryChannel::kUnspecified:
      return Result(AttemptResult::Kind::kFailed, "", "NO_CHANNEL");
  }
  result.rendered = std::make_pair(text.subject, text.body);
  return result;
}

void DeliveryWorker::SendDigest(const std::vector<const ClaimedDelivery*>& group,
                                const std::map<std::string, PersonDetails>& details, const std::string& school_name) {
  const ClaimedDelivery& first = *group.front();
  std::vector<std::pair<const ClaimedDelivery*, AttemptResult>> results;
  std::string body;
  int included = 0;
  auto who = details.find(RecipientName(first.copy));
  for (const ClaimedDelivery* c : group) {
    // Each item renders as it would alone; the ones that need not go (read, cancelled) drop out.
    ClaimedDelivery alone = *c;
    alone.delivery.channel = DeliveryChannel::kLetter;  // render only: no provider call
    AttemptResult r = Send(alone, details, school_name);
    if (r.kind != AttemptResult::Kind::kSent) {
      results.emplace_back(c, r);
      continue;
    }
    if (!r.rendered) continue;
    absl::StrAppend(&body, included ? "\n\n----\n\n" : "", r.rendered->first, "\n\n", r.rendered->second);
    ++included;
    AttemptResult ok = Result(AttemptResult::Kind::kSent, "", "");
    ok.rendered = r.rendered;
    results.emplace_back(c, ok);
  }
  if (included > 0 && who != details.end()) {
    Outgoing out;
    out.idempotency_key = first.digest_key;
    out.school_id = first.copy.school_id;
    out.recipient_name = who->second.display_name;
    out.subject = absl::StrCat(school_name, ": ", included, included == 1 ? " message" : " messages");
    out.body = body;
    Sender* sender = first.delivery.channel == DeliveryChannel::kEmail ? senders_.email : senders_.push;
    out.address = first.delivery.channel == DeliveryChannel::kEmail ? who->second.email : who->second.app;
    AttemptResult sent =
        first.delivery.channel == DeliveryChannel::kApp && (sender == nullptr || out.address.empty())
            ? Result(AttemptResult::Kind::kDelivered, "inbox", "")
        : sender == nullptr || out.address.empty()
            ? Result(AttemptResult::Kind::kFailed, "", out.address.empty() ? "NO_ADDRESS" : "CHANNEL_NOT_CONFIGURED")
            : FromOutcome(first, sender->Send(out));
    if (first.delivery.channel == DeliveryChannel::kApp && sent.kind == AttemptResult::Kind::kSent) {
      sent.kind = AttemptResult::Kind::kDelivered;
    }
    for (auto& [c, r] : results) {
      if (r.kind != AttemptResult::Kind::kSent) continue;
      auto rendered = r.rendered;
      r = sent;
      r.rendered = rendered;
    }
  }
  for (const auto& [c, r] : results) {
    absl::Status s = store_->RecordAttempt(c->delivery.id, r, clock_->Now());
    if (!s.ok()) log::Warning("delivery_record_failed", {{"delivery", c->delivery.id}});
    Count(c->delivery.channel, r.kind == AttemptResult::Kind::kRetry    ? "retry"
                               : r.kind == AttemptResult::Kind::kFailed ? "failed"
                                                                        : "sent");
  }
}

absl::StatusOr<int> DeliveryWorker::RunOnce() {
  absl::StatusOr<std::vector<ClaimedDelivery>> claimed =
      store_->ClaimDue(clock_->Now(), options_.batch, options_.lease);
  if (!claimed.ok()) return claimed.status();
  if (claimed->empty()) return 0;

  std::set<std::string> wanted;
  for (const ClaimedDelivery& c : *claimed) {
    wanted.insert(RecipientName(c.copy));
    for (const std::string& p : c.copy.pupil_ids) {
      const auto [school_id, pupil_id] = PupilOf(c.copy, p);
      wanted.insert(PupilName(school_id, pupil_id));
    }
  }
  absl::StatusOr<std::map<std::string, PersonDetails>> details =
      contacts_->Lookup(std::vector<std::string>(wanted.begin(), wanted.end()));
  if (!details.ok()) {
    // Nothing can be addressed: every claimed delivery waits and tries again.
    for (const ClaimedDelivery& c : *claimed) {
      AttemptResult r = Result(AttemptResult::Kind::kRetry, c.sticky_provider, "CONTACTS_UNAVAILABLE");
      r.retry_at =
          clock_->Now() + RetryBackoff(c.delivery.attempts, options_.retry_base, options_.retry_max, UnitRandom());
      (void)store_->RecordAttempt(c.delivery.id, r, clock_->Now());
    }
    return details.status();
  }

  std::map<std::string, std::string> school_names;
  auto name_of = [&](const std::string& id) -> const std::string& {
    auto it = school_names.find(id);
    if (it == school_names.end()) it = school_names.emplace(id, SchoolName(id)).first;
    return it->second;
  };
  std::map<std::string, std::vector<const ClaimedDelivery*>> digests;
  for (const ClaimedDelivery& c : *claimed) {
    if (!c.digest_key.empty()) {
      digests[c.digest_key].push_back(&c);
      continue;
    }
    const AttemptResult r = Send(c, *details, name_of(c.copy.school_id));
    absl::Status recorded = store_->RecordAttempt(c.delivery.id, r, clock_->Now());
    if (!recorded.ok()) log::Warning("delivery_record_failed", {{"delivery", c.delivery.id}});
    static constexpr const char* kOutcome[] = {"sent", "delivered", "retry", "failed", "skipped"};
    Count(c.delivery.channel, kOutcome[static_cast<int>(r.kind)]);
  }
  for (const auto& [key, group] : digests) SendDigest(group, *details, name_of(group.front()->copy.school_id));
  return static_cast<int>(claimed->size());
}

}  // namespace parley::notifications
