#include "services/appointments/store/outbox_writer.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/pg/sql_values.h"

namespace parley::appointments {

std::string NoticeJson(const Notice& n) {
  const std::string school = absl::StrCat("schools/", n.school_id);
  nlohmann::json guardians = nlohmann::json::array(), staff = nlohmann::json::array(), pupils = nlohmann::json::array();
  for (const std::string& g : n.guardian_ids) guardians.push_back(absl::StrCat("guardians/", g));
  for (const std::string& s : n.staff_ids) staff.push_back(absl::StrCat(school, "/staff/", s));
  for (const std::string& p : n.pupil_ids) pupils.push_back(absl::StrCat(school, "/pupils/", p));
  nlohmann::json variables = nlohmann::json::object();
  for (const auto& [name, value] : n.variables) variables[name] = value;
  nlohmann::json j = {
      {"category", "meeting"},
      {"school", school},
      {"priority", n.priority},
      {"recipients", {{"guardians", guardians}, {"staff", staff}}},
      {"pupils", pupils},
      {"template", n.template_key},
      {"variables", variables},
      {"not_before", absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", n.not_before, absl::UTCTimeZone())},
  };
  if (!n.subject.empty()) j["source"] = absl::StrCat(school, "/", n.subject);
  return j.dump();
}

void WriteNotices(pqxx::work& txn, const std::vector<Notice>& notices) {
  for (const Notice& n : notices) {
    txn.exec_params(
        "INSERT INTO outbox (key, kind, school_id, subject, notice, not_before) "
        "VALUES ($1, $2, $3, $4, $5::jsonb, $6::timestamptz) ON CONFLICT (key) DO NOTHING",
        n.key, n.kind, n.school_id, n.subject, NoticeJson(n), pg::TimeParam(n.not_before));
  }
}

}  // namespace parley::appointments
