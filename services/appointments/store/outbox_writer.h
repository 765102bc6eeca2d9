// Writes the domain's notices (domain/notice.h) into the outbox table (migrations/0002_outbox.sql)
// inside the caller's transaction, as the JSON the relay turns into CreateNotice requests
// (common/outbox/notice_convert.h). Every appointments store writes its notices through here, so
// the notice format is one thing. A notice whose key is already there is not written again: a
// retried change sends nothing twice.
#pragma once

#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "services/appointments/domain/notice.h"

namespace parley::appointments {

// The notice as the outbox JSON: school and recipients as resource names, category "meeting",
// `source` the full resource name of its subject.
std::string NoticeJson(const Notice& notice);

// Inserts each notice; ON CONFLICT (key) DO NOTHING.
void WriteNotices(pqxx::work& txn, const std::vector<Notice>& notices);

}  // namespace parley::appointments
