// parleyctl's notifications commands against the notifications service (Ctl methods declared in
// commands.h, option structs in notifications_args.h).
//
// As for conduct and enquiries: every argument is checked before the first call, so a mistake is a
// usage error (exit 2) and nothing is sent; every write carries a fresh request id, reused by the
// retries of that one command, so a retry after a dropped connection is answered with the first
// result instead of sending a notice twice. Times are read and shown in the school's zone; the
// trust's things and guardians' (which belong to no one school) in Europe/London, the trust's own.
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/empty.pb.h"
#include "nlohmann/json.hpp"
#include "tools/parleyctl/args.h"
#include "tools/parleyctl/commands.h"
#include "tools/parleyctl/conduct_args.h"
#include "tools/parleyctl/ctl_impl.h"
#include "tools/parleyctl/notifications_args.h"
#include "tools/parleyctl/notifications_format.h"

namespace parley::ctl {
namespace {

using NotificationsStub = nv1::NotificationsService::Stub;

// Downloads are streamed; a batch of a few hundred letters takes longer than one ordinary call.
constexpr absl::Duration kDownloadTimeout = absl::Minutes(2);

// A bad value found by a check of the command line's: a usage error (exit 2).
absl::Status AsUsage(const absl::Status& status) {
  return status.ok() ? status : UsageError(std::string(status.message()));
}

absl::Status NeedNotifications(const Ctl::Impl& impl) {
  if (impl.notifications == nullptr) {
    return UsageError("no notifications service address (--notifications-addr, PARLEY_NOTIFICATIONS_ADDR)");
  }
  return absl::OkStatus();
}

// The zone to read and show times in for a resource: its school's, else the trust's.
absl::TimeZone ZoneFor(Ctl::Impl& impl, const std::string& name) {
  if (absl::StartsWith(name, "schools/")) return impl.DisplayZone(SchoolOf(name));
  absl::StatusOr<absl::TimeZone> zone = LoadZone(impl.opts.zone);
  return zone.ok() ? *zone : absl::UTCTimeZone();
}

absl::StatusOr<absl::Time> ReadSendTime(Ctl::Impl& impl, const std::string& parent, const std::string& text) {
  if (absl::StartsWith(parent, "schools/")) return impl.ReadTime(parent, text, absl::Now());
  PARLEY_ASSIGN_OR_RETURN(absl::TimeZone zone, Usage(LoadZone(impl.opts.zone)));
  return Usage(ParseTimeArg(text, zone));
}

absl::StatusOr<std::string> OptionalParent(const std::string& school, bool trust) {
  if (school.empty() && !trust) return std::string();
  return Usage(NotificationsParent(school, trust));
}

absl::Status PrintNotice(Ctl::Impl& impl, const nv1::Notice& notice) {
  if (impl.opts.json) return impl.PrintJson(notice);
  impl.out << FormatNotice(notice, ZoneFor(impl, notice.name()));
  return absl::OkStatus();
}

// A list command: one page (page_size > 0) or every page, then JSON or the table `format` makes
// in the zone of `parent` (asked for only when the table is printed: a trust list needs no school).
template <typename Req, typename Resp>
absl::Status ListThen(Ctl::Impl& impl, grpc::Status (NotificationsStub::*call)(grpc::ClientContext*, const Req&, Resp*),
                      const std::string& parent, int page_size, const std::string& page_token,
                      const std::function<void(Req&)>& customize,
                      const std::function<std::string(const Resp&, absl::TimeZone)>& format, bool shows_times = true) {
  const bool follow = page_size == 0;
  Resp all;
  PARLEY_RETURN_IF_ERROR(impl.Pages<Resp>(
      follow, page_token,
      [&](grpc::ClientContext& ctx, const std::string& token, Resp* page) {
        Req req;
        req.set_parent(parent);
        req.set_page_size(follow ? kFollowPageSize : page_size);
        req.set_page_token(token);
        if (customize) customize(req);
        return (impl.notifications.get()->*call)(&ctx, req, page);
      },
      &all));
  if (impl.opts.json) return impl.PrintJson(all);
  impl.out << format(all, shows_times ? ZoneFor(impl, parent) : absl::UTCTimeZone());
  if (!all.next_page_token().empty()) impl.err << "more: --page-token " << all.next_page_token() << "\n";
  return absl::OkStatus();
}

template <typename Resp>
absl::Status Unary(Ctl::Impl& impl, const std::function<grpc::Status(grpc::ClientContext&, Resp*)>& call, Resp* resp) {
  return impl.Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
    resp->Clear();
    return call(ctx, resp);
  });
}

}  // namespace

absl::Status Ctl::NoticeCreate(const NoticeOptions& opts, bool broadcast) {
  PARLEY_RETURN_IF_ERROR(NeedNotifications(*impl_));
  PARLEY_ASSIGN_OR_RETURN(nv1::CreateNoticeRequest req, Usage(BuildNoticeRequest(opts, broadcast)));
  if (!opts.send_at.empty()) {
    PARLEY_RETURN_IF_ERROR(CheckTimes({&opts.send_at}));
    PARLEY_ASSIGN_OR_RETURN(absl::Time at, ReadSendTime(*impl_, req.parent(), opts.send_at));
    ToProto(at, req.mutable_notice()->mutable_send_time());
  }
  req.set_request_id(NewRequestId());
  nv1::Notice created;
  PARLEY_RETURN_IF_ERROR(Unary<nv1::Notice>(
      *impl_,
      [&](grpc::ClientContext& ctx, nv1::Notice* r) { return impl_->notifications->CreateNotice(&ctx, req, r); },
      &created));
  return PrintNotice(*impl_, created);
}

absl::Status Ctl::NoticeList(const NotificationsListOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedNotifications(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string parent, Usage(NotificationsParent(opts.school, opts.trust)));
  nv1::Category category = nv1::CATEGORY_UNSPECIFIED;
  if (!opts.category.empty()) {
    PARLEY_ASSIGN_OR_RETURN(category, Usage(ParseNoticeCategory(opts.category)));
  }
  PARLEY_RETURN_IF_ERROR(CheckPageSize(opts.page_size));
  return ListThen<nv1::ListNoticesRequest, nv1::ListNoticesResponse>(
      *impl_, &NotificationsStub::ListNotices, parent, opts.page_size, opts.page_token,
      [&](nv1::ListNoticesRequest& req) { req.set_category(category); },
      [](const nv1::ListNoticesResponse& all, absl::TimeZone zone) {
        return FormatNoticesTable({all.notices().begin(), all.notices().end()}, zone);
      });
}

absl::Status Ctl::NoticeShow(const std::string& school, bool trust, const std::string& name_text) {
  PARLEY_RETURN_IF_ERROR(NeedNotifications(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string parent, OptionalParent(school, trust));
  PARLEY_ASSIGN_OR_RETURN(std::string name, Usage(NoticeName(parent, name_text)));
  nv1::GetNoticeRequest req;
  req.set_name(name);
  nv1::Notice notice;
  PARLEY_RETURN_IF_ERROR(Unary<nv1::Notice>(
      *impl_, [&](grpc::ClientContext& ctx, nv1::Notice* r) { return impl_->notifications->GetNotice(&ctx, req, r); },
      &notice));
  return PrintNotice(*impl_, notice);
}

absl::Status Ctl::NoticeCancel(const std::string& school, bool trust, const std::string& name_text) {
  PARLEY_RETURN_IF_ERROR(NeedNotifications(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string parent, OptionalParent(school, trust));
  PARLEY_ASSIGN_OR_RETURN(std::string name, Usage(NoticeName(parent, name_text)));
  nv1::CancelNoticeRequest req;
  req.set_name(name);
  req.set_request_id(NewRequestId());
  nv1::Notice notice;
  PARLEY_RETURN_IF_ERROR(Unary<nv1::Notice>(
      *impl_,
      [&](grpc::ClientContext& ctx, nv1::Notice* r) { return impl_->notifications->CancelNotice(&ctx, req, r); },
      &notice));
  return PrintNotice(*impl_, notice);
}

absl::Status Ctl::NoticeMessages(const NotificationsListOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedNotifications(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string parent, Usage(MessagesParent(opts)));
  PARLEY_RETURN_IF_ERROR(CheckPageSize(opts.page_size));
  return ListThen<nv1::ListMessagesRequest, nv1::ListMessagesResponse>(
      *impl_, &NotificationsStub::ListMessages, parent, opts.page_size, opts.page_token,
      [&](nv1::ListMessagesRequest& req) { req.set_unread_only(opts.unread_only); },
      [](const nv1::ListMessagesResponse& all, absl::TimeZone zone) {
        return FormatMessagesTable({all.messages().begin(), all.messages().end()}, zone);
      });
}

absl::Status Ctl::TemplateList(const NotificationsListOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedNotifications(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string parent, Usage(NotificationsParent(opts.school, opts.trust)));
  PARLEY_RETURN_IF_ERROR(CheckPageSize(opts.page_size));
  // The table shows no times: no zone is needed (nor asked of contacts).
  return ListThen<nv1::ListTemplatesRequest, nv1::ListTemplatesResponse>(
      *impl_, &NotificationsStub::ListTemplates, parent, opts.page_size, opts.page_token, nullptr,
      [](const nv1::ListTemplatesResponse& all, absl::TimeZone) {
        return FormatTemplatesTable({all.templates().begin(), all.templates().end()});
      },
      /*shows_times=*/false);
}

absl::Status Ctl::TemplateShow(const std::string& school, bool trust, const std::string& name_text) {
  PARLEY_RETURN_IF_ERROR(NeedNotifications(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string parent, OptionalParent(school, trust));
  PARLEY_ASSIGN_OR_RETURN(std::string name, Usage(TemplateName(parent, name_text)));
  nv1::GetTemplateRequest req;
  req.set_name(name);
  nv1::Template t;
  PARLEY_RETURN_IF_ERROR(Unary<nv1::Template>(
      *impl_,
      [&](grpc::ClientContext& ctx, nv1::Template* r) { return impl_->notifications->GetTemplate(&ctx, req, r); }, &t));
  if (impl_->opts.json) return impl_->PrintJson(t);
  impl_->out << FormatTemplate(t, ZoneFor(*impl_, t.name()));
  return absl::OkStatus();
}

absl::Status Ctl::TemplateSave(const std::string& file, bool create, const std::string& etag) {
  PARLEY_RETURN_IF_ERROR(NeedNotifications(*impl_));
  PARLEY_RETURN_IF_ERROR(Required(file, "--file"));
  PARLEY_ASSIGN_OR_RETURN(std::string json, Usage(ReadWholeFile(file)));
  PARLEY_ASSIGN_OR_RETURN(nv1::Template t, Usage(ParseTemplateJson(json, file)));
  PARLEY_ASSIGN_OR_RETURN(auto where, Usage(SplitTemplateName(t.name())));
  nv1::Template saved;
  if (create) {
    nv1::CreateTemplateRequest req;
    req.set_parent(where.first);
    req.set_template_id(where.second);
    *req.mutable_template_() = t;
    req.mutable_template_()->clear_name();
    req.set_request_id(NewRequestId());
    PARLEY_RETURN_IF_ERROR(Unary<nv1::Template>(
        *impl_,
        [&](grpc::ClientContext& ctx, nv1::Template* r) { return impl_->notifications->CreateTemplate(&ctx, req, r); },
        &saved));
  } else {
    nv1::UpdateTemplateRequest req;
    *req.mutable_template_() = t;
    req.set_etag(etag);
    req.set_request_id(NewRequestId());
    PARLEY_RETURN_IF_ERROR(Unary<nv1::Template>(
        *impl_,
        [&](grpc::ClientContext& ctx, nv1::Template* r) { return impl_->notifications->UpdateTemplate(&ctx, req, r); },
        &saved));
  }
  if (impl_->opts.json) return impl_->PrintJson(saved);
  impl_->out << FormatTemplate(saved, ZoneFor(*impl_, saved.name()));
  return absl::OkStatus();
}

absl::Status Ctl::TemplateDelete(const std::string& school, bool trust, const std::string& name_text) {
  PARLEY_RETURN_IF_ERROR(NeedNotifications(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string parent, OptionalParent(school, trust));
  PARLEY_ASSIGN_OR_RETURN(std::string name, Usage(TemplateName(parent, name_text)));
  nv1::DeleteTemplateRequest req;
  req.set_name(name);
  req.set_request_id(NewRequestId());
  google::protobuf::Empty empty;
  PARLEY_RETURN_IF_ERROR(Unary<google::protobuf::Empty>(
      *impl_,
      [&](grpc::ClientContext& ctx, google::protobuf::Empty* r) {
        return impl_->notifications->DeleteTemplate(&ctx, req, r);
      },
      &empty));
  if (impl_->opts.json) return impl_->PrintJson(empty);
  impl_->out << "deleted " << name << "\n";
  return absl::OkStatus();
}

namespace {

absl::StatusOr<nv1::Preferences> GetPrefs(Ctl::Impl& impl, const std::string& name) {
  nv1::GetPreferencesRequest req;
  req.set_name(name);
  nv1::Preferences prefs;
  PARLEY_RETURN_IF_ERROR(Unary<nv1::Preferences>(
      impl,
      [&](grpc::ClientContext& ctx, nv1::Preferences* r) { return impl.notifications->GetPreferences(&ctx, req, r); },
      &prefs));
  return prefs;
}

absl::Status PrintPrefs(Ctl::Impl& impl, const nv1::Preferences& prefs) {
  if (impl.opts.json) return impl.PrintJson(prefs);
  impl.out << FormatPreferences(prefs, ZoneFor(impl, prefs.name()));
  return absl::OkStatus();
}

absl::StatusOr<std::string> PrefsName(const std::string& guardian) {
  PARLEY_ASSIGN_OR_RETURN(std::string g, Usage(GuardianName(guardian)));
  return absl::StrCat(g, "/preferences");
}

absl::StatusOr<nv1::SchoolSettings> GetSettings(Ctl::Impl& impl, const std::string& name) {
  nv1::GetSchoolSettingsRequest req;
  req.set_name(name);
  nv1::SchoolSettings s;
  PARLEY_RETURN_IF_ERROR(Unary<nv1::SchoolSettings>(
      impl,
      [&](grpc::ClientContext& ctx, nv1::SchoolSettings* r) {
        return impl.notifications->GetSchoolSettings(&ctx, req, r);
      },
      &s));
  return s;
}

absl::Status PrintSettings(Ctl::Impl& impl, const nv1::SchoolSettings& s, const std::string& school) {
  if (impl.opts.json) return impl.PrintJson(s);
  impl.out << FormatSchoolSettings(s, impl.DisplayZone(school));
  return absl::OkStatus();
}

}  // namespace

absl::Status Ctl::PrefsShow(const std::string& guardian) {
  PARLEY_RETURN_IF_ERROR(NeedNotifications(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string name, PrefsName(guardian));
  PARLEY_ASSIGN_OR_RETURN(nv1::Preferences prefs, GetPrefs(*impl_, name));
  return PrintPrefs(*impl_, prefs);
}

absl::Status Ctl::PrefsSet(const std::string& guardian, const std::string& category_text,
                           const std::string& channel_text, const std::string& mode_text) {
  PARLEY_RETURN_IF_ERROR(NeedNotifications(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string name, PrefsName(guardian));
  PARLEY_RETURN_IF_ERROR(Required(category_text, "--category"));
  PARLEY_RETURN_IF_ERROR(Required(channel_text, "--channel"));
  PARLEY_RETURN_IF_ERROR(Required(mode_text, "--mode"));
  PARLEY_ASSIGN_OR_RETURN(nv1::Category category, Usage(ParseNoticeCategory(category_text)));
  PARLEY_ASSIGN_OR_RETURN(nv1::DeliveryChannel channel, Usage(ParseDeliveryChannel(channel_text)));
  PARLEY_ASSIGN_OR_RETURN(nv1::DeliveryMode mode, Usage(ParseDeliveryMode(mode_text)));
  // Checked before the read, so a refused entry costs no call.
  nv1::Preferences probe;
  PARLEY_RETURN_IF_ERROR(AsUsage(SetPreference(&probe, category, channel, mode)));
  // Replaces every entry: change exactly what was just read, and let a change made in between be
  // refused (ABORTED) rather than overwritten.
  PARLEY_ASSIGN_OR_RETURN(nv1::Preferences prefs, GetPrefs(*impl_, name));
  PARLEY_RETURN_IF_ERROR(SetPreference(&prefs, category, channel, mode));
  nv1::UpdatePreferencesRequest req;
  req.set_etag(prefs.etag());
  *req.mutable_preferences() = prefs;
  req.mutable_preferences()->set_name(name);
  req.mutable_preferences()->clear_etag();
  req.mutable_preferences()->clear_update_time();
  req.set_request_id(NewRequestId());
  nv1::Preferences updated;
  PARLEY_RETURN_IF_ERROR(Unary<nv1::Preferences>(
      *impl_,
      [&](grpc::ClientContext& ctx, nv1::Preferences* r) {
        return impl_->notifications->UpdatePreferences(&ctx, req, r);
      },
      &updated));
  return PrintPrefs(*impl_, updated);
}

absl::Status Ctl::NotifySettingsShow(const std::string& school) {
  PARLEY_RETURN_IF_ERROR(NeedNotifications(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string school_name, Usage(SchoolName(school)));
  PARLEY_ASSIGN_OR_RETURN(nv1::SchoolSettings s,
                          GetSettings(*impl_, absl::StrCat(school_name, "/notificationSettings")));
  return PrintSettings(*impl_, s, school_name);
}

absl::Status Ctl::NotifySettingsSet(const std::string& school, const std::string& digest_time,
                                    const std::string& app_read_wait) {
  PARLEY_RETURN_IF_ERROR(NeedNotifications(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string school_name, Usage(SchoolName(school)));
  if (digest_time.empty() && app_read_wait.empty()) {
    return UsageError("notify-settings set: give --digest-time and/or --app-read-wait");
  }
  nv1::UpdateSchoolSettingsRequest req;
  nv1::SchoolSettings* s = req.mutable_settings();
  s->set_name(absl::StrCat(school_name, "/notificationSettings"));
  if (!digest_time.empty()) {
    PARLEY_RETURN_IF_ERROR(AsUsage(CheckDigestTime(digest_time)));
    s->set_digest_time(digest_time);
    req.mutable_update_mask()->add_paths("digest_time");
  }
  if (!app_read_wait.empty()) {
    PARLEY_ASSIGN_OR_RETURN(absl::Duration wait, Usage(ParseAppReadWait(app_read_wait)));
    s->mutable_app_read_wait()->set_seconds(absl::ToInt64Seconds(wait));
    req.mutable_update_mask()->add_paths("app_read_wait");
  }
  req.set_request_id(NewRequestId());
  nv1::SchoolSettings updated;
  PARLEY_RETURN_IF_ERROR(Unary<nv1::SchoolSettings>(
      *impl_,
      [&](grpc::ClientContext& ctx, nv1::SchoolSettings* r) {
        return impl_->notifications->UpdateSchoolSettings(&ctx, req, r);
      },
      &updated));
  return PrintSettings(*impl_, updated, school_name);
}

absl::Status Ctl::ConsentSummary(const std::string& school, bool trust, const std::string& notice_text) {
  PARLEY_RETURN_IF_ERROR(NeedNotifications(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string parent, OptionalParent(school, trust));
  PARLEY_ASSIGN_OR_RETURN(std::string notice, Usage(NoticeName(parent, notice_text)));
  nv1::GetConsentSummaryRequest req;
  req.set_notice(notice);
  nv1::ConsentSummary summary;
  PARLEY_RETURN_IF_ERROR(Unary<nv1::ConsentSummary>(
      *impl_,
      [&](grpc::ClientContext& ctx, nv1::ConsentSummary* r) {
        return impl_->notifications->GetConsentSummary(&ctx, req, r);
      },
      &summary));
  if (impl_->opts.json) return impl_->PrintJson(summary);
  impl_->out << FormatConsentSummary(summary, ZoneFor(*impl_, notice));
  return absl::OkStatus();
}

absl::Status Ctl::ConsentReply(const std::string& message_text, const std::string& pupil_text,
                               const std::string& answer_text) {
  PARLEY_RETURN_IF_ERROR(NeedNotifications(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string message, Usage(MessageName(message_text)));
  PARLEY_RETURN_IF_ERROR(Required(pupil_text, "--pupil"));
  PARLEY_ASSIGN_OR_RETURN(std::string pupil, Usage(PupilName(SchoolOf(message), pupil_text)));
  nv1::ReplyToConsentRequest req;
  req.set_message(message);
  req.set_pupil(pupil);
  if (answer_text == "yes") {
    req.set_answer(nv1::CONSENT_ANSWER_YES);
  } else if (answer_text == "no") {
    req.set_answer(nv1::CONSENT_ANSWER_NO);
  } else {
    return UsageError("consent reply: give --yes or --no");
  }
  req.set_request_id(NewRequestId());
  nv1::Message replied;
  PARLEY_RETURN_IF_ERROR(Unary<nv1::Message>(
      *impl_,
      [&](grpc::ClientContext& ctx, nv1::Message* r) { return impl_->notifications->ReplyToConsent(&ctx, req, r); },
      &replied));
  if (impl_->opts.json) return impl_->PrintJson(replied);
  impl_->out << FormatMessage(replied, ZoneFor(*impl_, message));
  return absl::OkStatus();
}

absl::Status Ctl::ConsentReopen(const std::string& school, bool trust, const std::string& notice_text,
                                const std::string& pupil_text) {
  PARLEY_RETURN_IF_ERROR(NeedNotifications(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string parent, OptionalParent(school, trust));
  PARLEY_ASSIGN_OR_RETURN(std::string notice, Usage(NoticeName(parent, notice_text)));
  PARLEY_RETURN_IF_ERROR(Required(pupil_text, "--pupil"));
  const std::string pupil_school = absl::StartsWith(notice, "schools/") ? SchoolOf(notice) : "";
  PARLEY_ASSIGN_OR_RETURN(std::string pupil, Usage(PupilName(pupil_school, pupil_text)));
  nv1::ReopenConsentRequest req;
  req.set_notice(notice);
  req.set_pupil(pupil);
  req.set_request_id(NewRequestId());
  nv1::ConsentSummary summary;
  PARLEY_RETURN_IF_ERROR(Unary<nv1::ConsentSummary>(
      *impl_,
      [&](grpc::ClientContext& ctx, nv1::ConsentSummary* r) {
        return impl_->notifications->ReopenConsent(&ctx, req, r);
      },
      &summary));
  if (impl_->opts.json) return impl_->PrintJson(summary);
  impl_->out << FormatConsentSummary(summary, ZoneFor(*impl_, notice));
  return absl::OkStatus();
}

absl::Status Ctl::LetterList(const NotificationsListOptions& opts) {
  PARLEY_RETURN_IF_ERROR(NeedNotifications(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string parent, Usage(SchoolName(opts.school)));
  PARLEY_RETURN_IF_ERROR(CheckPageSize(opts.page_size));
  return ListThen<nv1::ListLetterBatchesRequest, nv1::ListLetterBatchesResponse>(
      *impl_, &NotificationsStub::ListLetterBatches, parent, opts.page_size, opts.page_token, nullptr,
      [](const nv1::ListLetterBatchesResponse& all, absl::TimeZone zone) {
        return FormatLetterBatches({all.batches().begin(), all.batches().end()}, zone);
      });
}

absl::Status Ctl::LetterDownload(const std::string& school, const std::string& name_text, const std::string& out_file) {
  PARLEY_RETURN_IF_ERROR(NeedNotifications(*impl_));
  PARLEY_ASSIGN_OR_RETURN(std::string name, Usage(LetterBatchName(school, name_text)));
  PARLEY_RETURN_IF_ERROR(Required(out_file, "--out"));
  nv1::DownloadLetterBatchRequest req;
  req.set_name(name);
  std::string pdf;
  // A retry starts the stream again from its first chunk.
  PARLEY_RETURN_IF_ERROR(impl_->Call(kDownloadTimeout, true, [&](grpc::ClientContext& ctx) {
    pdf.clear();
    std::unique_ptr<grpc::ClientReader<nv1::LetterBatchChunk>> reader =
        impl_->notifications->DownloadLetterBatch(&ctx, req);
    nv1::LetterBatchChunk chunk;
    while (reader->Read(&chunk)) pdf.append(chunk.data());
    return reader->Finish();
  }));
  // Written whole or not at all: a partial PDF left behind would look like a short batch.
  const std::string tmp = absl::StrCat(out_file, ".part");
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(pdf.data(), static_cast<std::streamsize>(pdf.size()));
    if (!f.good()) return absl::UnavailableError(absl::StrCat("could not write ", tmp));
  }
  if (std::rename(tmp.c_str(), out_file.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("could not write ", out_file));
  }
  if (impl_->opts.json) {
    const nlohmann::ordered_json doc = {{"name", name}, {"file", out_file}, {"bytes", pdf.size()}};
    impl_->out << doc.dump(2, ' ', /*ensure_ascii=*/false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  } else {
    impl_->out << "wrote " << out_file << " (" << pdf.size() << " bytes, " << name << ")\n";
  }
  return absl::OkStatus();
}

}  // namespace parley::ctl
