// parleyctl's human-readable output for the notifications service: notices with their warnings and
// delivery summary, copies (messages) with their status per channel, templates, preferences, school
// settings, consent summaries and letter batches. Instants are shown in the school's local time with
// the zone abbreviation (format.h); enum values by the names the command line accepts.
//
// Personal data: a copy's rendered subject and body appear only in the single-message view, never
// in a table; recipients are shown by resource name, never by contact detail.
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "parley/notifications/v1/notifications_service.pb.h"

namespace parley::ctl {

namespace nv1 = ::parley::notifications::v1;

// "pending 3, sent 120, delivered 80, failed 1"; only the counts above zero ("nothing yet" when none).
std::string FormatDeliverySummary(const nv1::DeliverySummary& summary);

// One notice: name, state, category and priority, audience, template or content locales, event
// date, send time, recipients, warnings, the delivery summary, who created it and when.
std::string FormatNotice(const nv1::Notice& notice, absl::TimeZone zone);

// NOTICE CATEGORY PRIORITY STATE RECIPIENTS CREATED WARNINGS.
std::string FormatNoticesTable(const std::vector<nv1::Notice>& notices, absl::TimeZone zone);

// A copy's deliveries in one cell: "app:delivered email:skipped(READ_IN_APP) sms:failed→letter".
std::string FormatDeliveriesCell(const google::protobuf::RepeatedPtrField<nv1::Delivery>& deliveries);

// One copy: notice, recipient, household, pupils, locale, read time, the rendered subject and body
// (once the app copy is in the inbox), consent replies, then each delivery in full.
std::string FormatMessage(const nv1::Message& message, absl::TimeZone zone);

// MESSAGE RECIPIENT PUPILS LOCALE READ DELIVERIES.
std::string FormatMessagesTable(const std::vector<nv1::Message>& messages, absl::TimeZone zone);

// Every template: NAME CATEGORY LOCALES VARIABLES (a school's list marks the trust's it inherits
// by their names).
std::string FormatTemplatesTable(const std::vector<nv1::Template>& templates);
// One template: category, variables, and each variant's subject, body and SMS text.
std::string FormatTemplate(const nv1::Template& t, absl::TimeZone zone);

// CATEGORY CHANNEL MODE, then the etag; "instant on every channel" when there is no entry.
std::string FormatPreferences(const nv1::Preferences& prefs, absl::TimeZone zone);
// digest time, app read wait, etag.
std::string FormatSchoolSettings(const nv1::SchoolSettings& settings, absl::TimeZone zone);

// Totals, then PUPIL ANSWER BY WHEN LOCKED GUARDIANS per pupil.
std::string FormatConsentSummary(const nv1::ConsentSummary& summary, absl::TimeZone zone);

// BATCH LETTERS CREATED.
std::string FormatLetterBatches(const std::vector<nv1::LetterBatch>& batches, absl::TimeZone zone);

}  // namespace parley::ctl
