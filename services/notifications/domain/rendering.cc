#include "services/notifications/domain/rendering.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/notifications/domain/templates.h"

namespace parley::notifications {

std::string PupilNames(const std::vector<std::string>& pupil_ids, const std::map<std::string, PersonDetails>& pupils) {
  std::vector<std::string> parts;
  for (const std::string& id : pupil_ids) {
    auto it = pupils.find(id);
    if (it == pupils.end()) continue;
    const PersonDetails& p = it->second;
    std::string year = p.year_group == 0  ? "Reception"
                       : p.year_group < 0 ? "Nursery"
                                          : absl::StrCat("Year ", p.year_group);
    parts.push_back(p.class_name.empty() ? absl::StrCat(p.display_name, " (", year, ")")
                                         : absl::StrCat(p.display_name, " (", year, ", ", p.class_name, ")"));
  }
  if (parts.size() <= 1) return parts.empty() ? "" : parts[0];
  const std::string last = parts.back();
  parts.pop_back();
  return absl::StrCat(absl::StrJoin(parts, ", "), " and ", last);
}

RenderedCopy RenderCopy(const Notice& notice, const Template& resolved, const Message& copy,
                        const std::string& recipient_name, const std::string& pupil_names,
                        const std::string& school_name) {
  std::map<std::string, std::string> values = notice.request.variables;
  values["recipient_name"] = recipient_name;
  values["pupil_names"] = pupil_names;
  values["school_name"] = school_name;
  values["event_date"] = notice.request.event_date ? absl::FormatCivilTime(*notice.request.event_date) : "";

  std::string subject, body, sms;
  if (!resolved.id.empty()) {
    const TemplateVariant* chosen = resolved.variants.empty() ? nullptr : &resolved.variants.front();
    for (const TemplateVariant& v : resolved.variants) {
      if (v.locale == copy.locale) chosen = &v;
    }
    if (chosen != nullptr) {
      subject = chosen->subject;
      body = chosen->body;
      sms = chosen->sms_body;
    }
  } else {
    const LocalizedContent* chosen = notice.request.content.empty() ? nullptr : &notice.request.content.front();
    for (const LocalizedContent& c : notice.request.content) {
      if (c.locale == copy.locale) chosen = &c;
    }
    if (chosen != nullptr) {
      subject = chosen->subject;
      body = chosen->body;
      sms = chosen->sms_body;
    }
  }
  RenderedCopy out;
  out.subject = Render(subject, values);
  out.body = Render(body, values);
  // Every copy names the pupils it is about, whether or not the text says {{pupil_names}}.
  auto uses = Placeholders(body);
  const bool names_pupils =
      uses.ok() && std::find(uses->begin(), uses->end(), std::string("pupil_names")) != uses->end();
  if (!pupil_names.empty() && !names_pupils) out.body = absl::StrCat("About: ", pupil_names, "\n\n", out.body);
  out.sms = Render(sms.empty() ? (subject.empty() ? body : subject) : sms, values);
  if (!pupil_names.empty() && sms.empty()) out.sms = absl::StrCat(out.sms, " (", pupil_names, ")");
  return out;
}

}  // namespace parley::notifications
