// A copy's text for one channel: its template variant (or written content) in the copy's locale,
// with the sender's variables and the service's own (recipient_name, pupil_names, school_name,
// event_date) filled in. Pure; the worker supplies names fetched from contacts.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "services/notifications/domain/model.h"
#include "services/notifications/domain/peers.h"

namespace parley::notifications {

struct RenderedCopy {
  std::string subject;
  std::string body;
  std::string sms;  // the text message: the variant's sms_body, else the subject
};

// "Amelia Nowak (Year 4, Oak) and Jan Nowak (Reception)". Unknown pupils are left out.
std::string PupilNames(const std::vector<std::string>& pupil_ids, const std::map<std::string, PersonDetails>& pupils);

// `resolved` is the template as accepted (id empty: use `notice.request.content`).
RenderedCopy RenderCopy(const Notice& notice, const Template& resolved, const Message& copy,
                        const std::string& recipient_name, const std::string& pupil_names,
                        const std::string& school_name);

}  // namespace parley::notifications
