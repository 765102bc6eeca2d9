#include "services/notifications/testing/in_memory_notification_store.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::notifications::testing {
namespace {

absl::Status NoticeNotFound(const NoticeRef& ref) {
  return NotFound(reason::kNoticeNotFound, absl::StrCat("no notice ", ref.id));
}

absl::Status TemplateNotFound(const std::string& id) {
  return NotFound(reason::kTemplateNotFound, absl::StrCat("no template ", id));
}

bool Gone(DeliveryStatus s) {
  return s == DeliveryStatus::kSent || s == DeliveryStatus::kDelivered || s == DeliveryStatus::kFailed;
}

bool ForGuardian(const Message& m, const std::string& guardian_id) {
  if (m.recipient_kind != RecipientKind::kGuardian) return false;
  return m.recipient_id == guardian_id ||
         std::find(m.household_members.begin(), m.household_members.end(), guardian_id) != m.household_members.end();
}

}  // namespace

absl::StatusOr<WriteResult> InMemoryNotificationStore::Idempotent(
    const RequestKey& key, const std::function<absl::StatusOr<std::string>()>& work) {
  auto it = requests_.find({key.scope, key.request_id});
  if (it != requests_.end()) {
    if (it->second.fingerprint != key.fingerprint) {
      return InvalidArgument(reason::kRequestIdReused,
                             absl::StrCat("request_id ", key.request_id, " was used for a different request"));
    }
    return WriteResult{it->second.response, true};
  }
  WriteResult result;
  PARLEY_ASSIGN_OR_RETURN(result.response, work());
  requests_[{key.scope, key.request_id}] = StoredRequest{key.fingerprint, result.response};
  ++writes_;
  return result;
}

InMemoryNotificationStore::StoredNotice* InMemoryNotificationStore::FindNotice(const NoticeRef& ref) {
  auto it = notices_.find({ref.scope, ref.id});
  return it == notices_.end() ? nullptr : &it->second;
}

Message* InMemoryNotificationStore::FindMessage(const MessageRef& ref, StoredNotice** notice) {
  *notice = FindNotice(ref.notice);
  if (*notice == nullptr) return nullptr;
  for (auto& [seq, m] : (*notice)->copies) {
    if (m.id == ref.id) return &m;
  }
  return nullptr;
}

Notice InMemoryNotificationStore::Summarised(const StoredNotice& n) const {
  Notice out = n.notice;
  out.summary = DeliverySummary{};
  for (const auto& [seq, m] : n.copies) {
    for (const Delivery& d : m.deliveries) {
      switch (d.status) {
        case DeliveryStatus::kPending:
        case DeliveryStatus::kInDigest:
          ++out.summary.pending;
          break;
        case DeliveryStatus::kSent:
          ++out.summary.sent;
          break;
        case DeliveryStatus::kDelivered:
          ++out.summary.delivered;
          break;
        case DeliveryStatus::kFailed:
          ++out.summary.failed;
          break;
        case DeliveryStatus::kSkipped:
          ++out.summary.skipped;
          break;
        case DeliveryStatus::kCancelled:
          ++out.summary.cancelled;
          break;
        default:
          break;
      }
    }
  }
  return out;
}

std::string InMemoryNotificationStore::NextEtag() { return absl::StrCat("e", ++seq_); }

// ---- notices -------------------------------------------------------------------------------

absl::StatusOr<WriteResult> InMemoryNotificationStore::CreateNotice(const RequestKey& key, const Notice& notice,
                                                                    const Template&, const std::vector<Message>& copies,
                                                                    const Encoder<Notice>& encode) {
  absl::MutexLock lock(&mu_);
  return Idempotent(key, [&]() -> absl::StatusOr<std::string> {
    const NoticeRef ref{notice.request.sender.school_id, notice.id};
    if (FindNotice(ref) != nullptr) return AlreadyExists(reason::kDuplicate, "the notice exists");
    StoredNotice stored;
    stored.seq = ++seq_;
    stored.notice = notice;
    int n = 0;
    for (Message m : copies) {
      m.id = absl::StrCat(++n);
      m.notice_id = notice.id;
      m.create_time = notice.create_time;
      for (Delivery& d : m.deliveries) d.id = ++delivery_ids_;
      if (notice.request.category == Category::kConsent && m.recipient_kind == RecipientKind::kGuardian) {
        for (const std::string& p : m.pupil_ids) {
          const auto [school_id, pupil_id] = PupilOf(m, p);
          ConsentRow& row = stored.consent[absl::StrCat(school_id, "/", pupil_id)];
          row.school_id = school_id;
          row.pupil_id = pupil_id;
          row.reached.push_back(m.recipient_id);
          for (const std::string& g : m.household_members) row.reached.push_back(g);
        }
      }
      stored.copies.emplace_back(++seq_, std::move(m));
    }
    PARLEY_ASSIGN_OR_RETURN(std::string response, encode(Summarised(stored)));
    notices_[{ref.scope, ref.id}] = std::move(stored);
    return response;
  });
}

absl::StatusOr<Notice> InMemoryNotificationStore::GetNotice(const NoticeRef& ref) {
  absl::MutexLock lock(&mu_);
  StoredNotice* n = FindNotice(ref);
  if (n == nullptr) return NoticeNotFound(ref);
  return Summarised(*n);
}

absl::StatusOr<Page<Notice>> InMemoryNotificationStore::ListNotices(const std::string& scope,
                                                                    std::optional<Category> category, PageQuery page) {
  absl::MutexLock lock(&mu_);
  std::vector<const StoredNotice*> all;
  for (const auto& [key, n] : notices_) {
    if (key.first != scope) continue;
    if (category && n.notice.request.category != *category) continue;
    if (page.before_seq > 0 && n.seq >= page.before_seq) continue;
    all.push_back(&n);
  }
  std::sort(all.begin(), all.end(), [](const StoredNotice* a, const StoredNotice* b) { return a->seq > b->seq; });
  Page<Notice> out;
  for (const StoredNotice* n : all) {
    if (static_cast<int>(out.items.size()) == page.size) {
      out.next_before_seq = all[out.items.size() - 1]->seq;
      break;
    }
    out.items.push_back(Summarised(*n));
  }
  return out;
}

absl::StatusOr<WriteResult> InMemoryNotificationStore::CancelNotice(const RequestKey& key, const NoticeRef& ref,
                                                                    absl::Time now, const Encoder<Notice>& encode) {
  absl::MutexLock lock(&mu_);
  return Idempotent(key, [&]() -> absl::StatusOr<std::string> {
    StoredNotice* n = FindNotice(ref);
    if (n == nullptr) return NoticeNotFound(ref);
    for (const auto& [seq, m] : n->copies) {
      for (const Delivery& d : m.deliveries) {
        if (Gone(d.status)) {
          return FailedPrecondition(reason::kNoticeAlreadySent,
                                    absl::StrCat("notice ", ref.id, " has begun sending: it cannot be cancelled"));
        }
      }
    }
    for (auto& [seq, m] : n->copies) {
      for (Delivery& d : m.deliveries) d.status = DeliveryStatus::kCancelled;
    }
    n->notice.state = NoticeState::kCancelled;
    n->notice.cancel_time = now;
    return encode(Summarised(*n));
  });
}

// ---- copies --------------------------------------------------------------------------------

absl::StatusOr<Page<Message>> InMemoryNotificationStore::ListMessages(const MessageFilter& filter, PageQuery page) {
  absl::MutexLock lock(&mu_);
  std::vector<std::pair<int64_t, const Message*>> all;
  for (const auto& [key, n] : notices_) {
    if (filter.notice && (key.first != filter.notice->scope || key.second != filter.notice->id)) continue;
    for (const auto& [seq, m] : n.copies) {
      if (page.before_seq > 0 && seq >= page.before_seq) continue;
      if (!filter.guardian_id.empty() && !ForGuardian(m, filter.guardian_id)) continue;
      if (!filter.pupil.first.empty() && !NamesPupil(m, filter.pupil.first, filter.pupil.second)) {
        continue;
      }
      if (!filter.staff.first.empty() && (m.recipient_kind != RecipientKind::kStaff ||
                                          m.school_id != filter.staff.first || m.recipient_id != filter.staff.second)) {
        continue;
      }
      if (filter.unread_only) {
        const bool app = std::any_of(m.deliveries.begin(), m.deliveries.end(),
                                     [](const Delivery& d) { return d.channel == DeliveryChannel::kApp; });
        if (!app || m.read_time) continue;
      }
      all.emplace_back(seq, &m);
    }
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  Page<Message> out;
  for (const auto& [seq, m] : all) {
    if (static_cast<int>(out.items.size()) == page.size) {
      out.next_before_seq = all[out.items.size() - 1].first;
      break;
    }
    out.items.push_back(*m);
  }
  return out;
}

absl::StatusOr<Message> InMemoryNotificationStore::GetMessage(const MessageRef& ref) {
  absl::MutexLock lock(&mu_);
  StoredNotice* n = nullptr;
  Message* m = FindMessage(ref, &n);
  if (m == nullptr) return NotFound(reason::kMessageNotFound, absl::StrCat("no message ", ref.id));
  return *m;
}

absl::StatusOr<WriteResult> InMemoryNotificationStore::MarkRead(const RequestKey& key, const MessageRef& ref,
                                                                absl::Time now, const Encoder<Message>& encode) {
  absl::MutexLock lock(&mu_);
  return Idempotent(key, [&]() -> absl::StatusOr<std::string> {
    StoredNotice* n = nullptr;
    Message* m = FindMessage(ref, &n);
    if (m == nullptr) return NotFound(reason::kMessageNotFound, absl::StrCat("no message ", ref.id));
    if (!m->read_time) m->read_time = now;
    return encode(*m);
  });
}

absl::StatusOr<WriteResult> InMemoryNotificationStore::ReplyToConsent(const RequestKey& key, const MessageRef& ref,
                                                                      const std::string& pupil_id, ConsentAnswer answer,
                                                                      absl::Time now, const Encoder<Message>& encode) {
  absl::MutexLock lock(&mu_);
  return Idempotent(key, [&]() -> absl::StatusOr<std::string> {
    StoredNotice* n = nullptr;
    Message* m = FindMessage(ref, &n);
    if (m == nullptr) return NotFound(reason::kMessageNotFound, absl::StrCat("no message ", ref.id));
    if (n->notice.request.category != Category::kConsent) {
      return FailedPrecondition(reason::kNotConsentNotice, "the notice does not ask for consent");
    }
    const auto [school_id, within] = PupilOf(*m, pupil_id);
    auto row = n->consent.find(absl::StrCat(school_id, "/", within));
    if (row == n->consent.end()) return InvalidArgument(reason::kInvalidField, "the copy does not name the pupil");
    if (row->second.locked) {
      return FailedPrecondition(reason::kConsentLocked, "consent for the pupil was given: the school may reopen it");
    }
    row->second.guardian_id = m->recipient_id;
    row->second.answer = answer;
    row->second.answer_time = now;
    row->second.locked = true;
    return encode(*m);
  });
}

absl::StatusOr<WriteResult> InMemoryNotificationStore::ReopenConsent(const RequestKey& key, const NoticeRef& ref,
                                                                     const std::string& pupil_id,
                                                                     const Encoder<std::vector<ConsentRow>>& encode) {
  absl::MutexLock lock(&mu_);
  return Idempotent(key, [&]() -> absl::StatusOr<std::string> {
    StoredNotice* n = FindNotice(ref);
    if (n == nullptr) return NoticeNotFound(ref);
    if (n->notice.request.category != Category::kConsent) {
      return FailedPrecondition(reason::kNotConsentNotice, "the notice does not ask for consent");
    }
    auto row = std::find_if(n->consent.begin(), n->consent.end(),
                            [&](const auto& entry) { return entry.second.pupil_id == pupil_id; });
    if (row == n->consent.end()) return InvalidArgument(reason::kInvalidField, "the notice does not name the pupil");
    row->second.locked = false;
    std::vector<ConsentRow> rows;
    for (const auto& [p, r] : n->consent) rows.push_back(r);
    return encode(rows);
  });
}

absl::StatusOr<std::vector<ConsentRow>> InMemoryNotificationStore::ConsentOf(const NoticeRef& ref) {
  absl::MutexLock lock(&mu_);
  StoredNotice* n = FindNotice(ref);
  if (n == nullptr) return NoticeNotFound(ref);
  std::vector<ConsentRow> rows;
  for (const auto& [p, r] : n->consent) rows.push_back(r);
  return rows;
}

// ---- templates -----------------------------------------------------------------------------

absl::StatusOr<WriteResult> InMemoryNotificationStore::CreateTemplate(const RequestKey& key, const Template& t,
                                                                      const Encoder<Template>& encode) {
  absl::MutexLock lock(&mu_);
  return Idempotent(key, [&]() -> absl::StatusOr<std::string> {
    if (templates_.count({t.school_id, t.id}) > 0) {
      return AlreadyExists(reason::kTemplateExists, absl::StrCat("template ", t.id, " exists"));
    }
    Template stored = t;
    stored.etag = NextEtag();
    stored.update_time = clock_->Now();
    templates_[{t.school_id, t.id}] = stored;
    return encode(stored);
  });
}

absl::StatusOr<Template> InMemoryNotificationStore::GetTemplate(const std::string& school_id, const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = templates_.find({school_id, id});
  if (it == templates_.end()) return TemplateNotFound(id);
  return it->second;
}

absl::StatusOr<Template> InMemoryNotificationStore::ResolveTemplate(const std::string& school_id,
                                                                    const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = templates_.find({school_id, id});
  if (it == templates_.end()) it = templates_.find({"", id});
  if (it == templates_.end()) return TemplateNotFound(id);
  return it->second;
}

absl::StatusOr<std::vector<Template>> InMemoryNotificationStore::ListTemplates(const std::string& school_id) {
  absl::MutexLock lock(&mu_);
  std::vector<Template> out;
  std::set<std::string> own;
  for (const auto& [key, t] : templates_) {
    if (key.first == school_id) {
      out.push_back(t);
      own.insert(key.second);
    }
  }
  if (!school_id.empty()) {
    for (const auto& [key, t] : templates_) {
      if (key.first.empty() && own.count(key.second) == 0) out.push_back(t);
    }
  }
  return out;
}

absl::StatusOr<WriteResult> InMemoryNotificationStore::UpdateTemplate(const RequestKey& key, const Template& t,
                                                                      const std::string& etag,
                                                                      const Encoder<Template>& encode) {
  absl::MutexLock lock(&mu_);
  return Idempotent(key, [&]() -> absl::StatusOr<std::string> {
    auto it = templates_.find({t.school_id, t.id});
    if (it == templates_.end()) return TemplateNotFound(t.id);
    if (!etag.empty() && etag != it->second.etag) return Aborted(reason::kEtagMismatch, "the template has changed");
    Template stored = t;
    stored.etag = NextEtag();
    stored.update_time = clock_->Now();
    it->second = stored;
    return encode(stored);
  });
}

absl::StatusOr<WriteResult> InMemoryNotificationStore::DeleteTemplate(const RequestKey& key,
                                                                      const std::string& school_id,
                                                                      const std::string& id) {
  absl::MutexLock lock(&mu_);
  return Idempotent(key, [&]() -> absl::StatusOr<std::string> {
    if (templates_.erase({school_id, id}) == 0) return TemplateNotFound(id);
    return std::string();
  });
}

// ---- preferences and settings --------------------------------------------------------------

absl::StatusOr<Preferences> InMemoryNotificationStore::GetPreferences(const std::string& guardian_id) {
  absl::MutexLock lock(&mu_);
  auto it = preferences_.find(guardian_id);
  if (it != preferences_.end()) return it->second;
  Preferences p;
  p.guardian_id = guardian_id;
  return p;
}

absl::StatusOr<std::map<std::string, Preferences>> InMemoryNotificationStore::PreferencesOf(
    const std::vector<std::string>& ids) {
  absl::MutexLock lock(&mu_);
  std::map<std::string, Preferences> out;
  for (const std::string& id : ids) {
    auto it = preferences_.find(id);
    if (it != preferences_.end()) out.emplace(id, it->second);
  }
  return out;
}

absl::StatusOr<WriteResult> InMemoryNotificationStore::PutPreferences(const RequestKey& key, const Preferences& p,
                                                                      const std::string& etag,
                                                                      const Encoder<Preferences>& encode) {
  absl::MutexLock lock(&mu_);
  return Idempotent(key, [&]() -> absl::StatusOr<std::string> {
    auto it = preferences_.find(p.guardian_id);
    const std::string current = it == preferences_.end() ? "" : it->second.etag;
    if (!etag.empty() && etag != current) return Aborted(reason::kEtagMismatch, "the preferences have changed");
    Preferences stored = p;
    stored.etag = NextEtag();
    stored.update_time = clock_->Now();
    preferences_[p.guardian_id] = stored;
    return encode(stored);
  });
}

absl::StatusOr<SchoolSettings> InMemoryNotificationStore::GetSettings(const std::string& school_id) {
  absl::MutexLock lock(&mu_);
  auto it = settings_.find(school_id);
  if (it != settings_.end()) return it->second;
  SchoolSettings s;
  s.school_id = school_id;
  return s;
}

absl::StatusOr<WriteResult> InMemoryNotificationStore::PutSettings(const RequestKey& key, const SchoolSettings& s,
                                                                   const std::string& etag,
                                                                   const Encoder<SchoolSettings>& encode) {
  absl::MutexLock lock(&mu_);
  return Idempotent(key, [&]() -> absl::StatusOr<std::string> {
    auto it = settings_.find(s.school_id);
    const std::string current = it == settings_.end() ? "" : it->second.etag;
    if (!etag.empty() && etag != current) return Aborted(reason::kEtagMismatch, "the settings have changed");
    SchoolSettings stored = s;
    stored.etag = NextEtag();
    stored.update_time = clock_->Now();
    settings_[s.school_id] = stored;
    return encode(stored);
  });
}

// ---- delivery, letters, figures ------------------------------------------------------------

absl::StatusOr<std::vector<ClaimedDelivery>> InMemoryNotificationStore::ClaimDue(absl::Time, int, absl::Duration) {
  return std::vector<ClaimedDelivery>{};
}

absl::Status InMemoryNotificationStore::RecordAttempt(int64_t, const AttemptResult&, absl::Time) {
  return absl::OkStatus();
}

absl::StatusOr<Delivery> InMemoryNotificationStore::RecordReceipt(const RequestKey&, const std::string& provider,
                                                                  const std::string& provider_reference, bool delivered,
                                                                  bool permanent_failure, absl::Time time, absl::Time) {
  absl::MutexLock lock(&mu_);
  for (auto& [key, n] : notices_) {
    for (auto& [seq, m] : n.copies) {
      for (Delivery& d : m.deliveries) {
        if (d.provider != provider || d.provider_reference != provider_reference || provider_reference.empty()) {
          continue;
        }
        if (delivered) {
          d.status = DeliveryStatus::kDelivered;
          d.delivered_time = time;
        } else if (permanent_failure) {
          d.status = DeliveryStatus::kFailed;
          d.reason = "PERMANENT_FAILURE";
        }
        return d;
      }
    }
  }
  return NotFound(reason::kDeliveryNotFound, "no delivery has that provider reference");
}

absl::StatusOr<std::optional<absl::Time>> InMemoryNotificationStore::NextDue() { return std::optional<absl::Time>(); }

absl::StatusOr<std::vector<LetterBatchInfo>> InMemoryNotificationStore::ListLetterBatches(const std::string& school_id,
                                                                                          const absl::TimeZone& zone) {
  absl::MutexLock lock(&mu_);
  std::vector<LetterBatchInfo> out;
  for (const auto& [key, letters] : letters_) {
    if (key.first != school_id) continue;
    out.push_back(
        LetterBatchInfo{school_id, key.second, static_cast<int>(letters.size()), absl::FromCivil(key.second, zone)});
  }
  return out;
}

absl::StatusOr<std::vector<StoredLetter>> InMemoryNotificationStore::LettersOf(const std::string& school_id,
                                                                               absl::CivilDay day,
                                                                               const absl::TimeZone&) {
  absl::MutexLock lock(&mu_);
  auto it = letters_.find({school_id, day});
  if (it == letters_.end()) return std::vector<StoredLetter>{};
  return it->second;
}

void InMemoryNotificationStore::AddLetterForTesting(const std::string& school_id, absl::CivilDay day,
                                                    StoredLetter letter) {
  absl::MutexLock lock(&mu_);
  letters_[{school_id, day}].push_back(std::move(letter));
}

absl::StatusOr<SchoolFigures> InMemoryNotificationStore::Figures(const std::string& school_id, absl::Time start,
                                                                 absl::Time end) {
  absl::MutexLock lock(&mu_);
  SchoolFigures f;
  for (const auto& [key, n] : notices_) {
    if (key.first != school_id || n.notice.create_time < start || n.notice.create_time >= end) continue;
    ++f.all.notices;
    f.all.messages += static_cast<int>(n.copies.size());
    for (const auto& [seq, m] : n.copies) {
      if (m.recipient_kind == RecipientKind::kGuardian) ++f.all.guardian_copies;
    }
    if (n.notice.short_notice) ++f.short_notice_events;
  }
  return f;
}

int InMemoryNotificationStore::NoticeCount() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(notices_.size());
}

int InMemoryNotificationStore::MessageCount() const {
  absl::MutexLock lock(&mu_);
  int n = 0;
  for (const auto& [key, stored] : notices_) n += static_cast<int>(stored.copies.size());
  return n;
}

int InMemoryNotificationStore::Writes() const {
  absl::MutexLock lock(&mu_);
  return writes_;
}

void InMemoryNotificationStore::MarkSentForTesting(const NoticeRef& ref) {
  absl::MutexLock lock(&mu_);
  StoredNotice* n = FindNotice(ref);
  if (n == nullptr) return;
  for (auto& [seq, m] : n->copies) {
    for (Delivery& d : m.deliveries) d.status = DeliveryStatus::kSent;
  }
}

}  // namespace parley::notifications::testing
