#include "common/outbox/notice_convert.h"

#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/grpc/timestamp.h"
#include "common/request/request_key.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"
#include "nlohmann/json.hpp"

namespace parley::outbox {
namespace {

namespace nv1 = parley::notifications::v1;
using nlohmann::json;

struct CategoryName {
  absl::string_view name;
  nv1::Category category;
};
// The categories the senders' outboxes write.
constexpr CategoryName kCategories[] = {
    {"escalation", nv1::CATEGORY_ESCALATION},
    {"conduct_letter", nv1::CATEGORY_CONDUCT_LETTER},
    {"meeting", nv1::CATEGORY_MEETING},
};

struct PriorityName {
  absl::string_view name;
  nv1::Priority priority;
};
constexpr PriorityName kPriorities[] = {
    {"routine", nv1::PRIORITY_ROUTINE},
    {"important", nv1::PRIORITY_IMPORTANT},
    {"emergency", nv1::PRIORITY_EMERGENCY},
};

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return InvalidArgument(reason::kInvalidField, absl::StrCat("outbox notice: ", field, " ", problem));
}

absl::StatusOr<std::string> RequiredString(const json& notice, const char* field) {
  auto it = notice.find(field);
  if (it == notice.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return Invalid(field, "must be a non-empty string");
  }
  return it->get<std::string>();
}

// An optional array of strings; absent or null is empty.
absl::StatusOr<std::vector<std::string>> Strings(const json& parent, const char* field, absl::string_view path) {
  std::vector<std::string> out;
  auto it = parent.find(field);
  if (it == parent.end() || it->is_null()) return out;
  if (!it->is_array()) return Invalid(path, "must be an array of strings");
  for (const json& v : *it) {
    if (!v.is_string()) return Invalid(path, "must be an array of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

absl::StatusOr<std::string> Scalar(const json& v, absl::string_view path) {
  switch (v.type()) {
    case json::value_t::string:
      return v.get<std::string>();
    case json::value_t::boolean:
      return std::string(v.get<bool>() ? "yes" : "no");
    case json::value_t::number_integer:
      return absl::StrCat(v.get<int64_t>());
    case json::value_t::number_unsigned:
      return absl::StrCat(v.get<uint64_t>());
    case json::value_t::number_float:
      return v.dump();  // the shortest decimal that reads back as the same number
    case json::value_t::null:
      return std::string();
    default:
      return Invalid(path, "must be a string, number, boolean, null or an array of those");
  }
}

absl::StatusOr<std::string> VariableValue(const json& v, absl::string_view path) {
  if (!v.is_array()) return Scalar(v, path);
  std::vector<std::string> items;
  for (const json& item : v) {
    PARLEY_ASSIGN_OR_RETURN(std::string s, Scalar(item, path));
    items.push_back(std::move(s));
  }
  return absl::StrJoin(items, ", ");
}

}  // namespace

absl::StatusOr<std::vector<nv1::CreateNoticeRequest>> NoticeToRequests(const Row& row) {
  const json notice = json::parse(row.notice, nullptr, /*allow_exceptions=*/false);
  if (!notice.is_object()) return Invalid("notice", "is not a JSON object");

  nv1::CreateNoticeRequest base;
  PARLEY_ASSIGN_OR_RETURN(std::string school, RequiredString(notice, "school"));
  if (!absl::StartsWith(school, "schools/") || school.size() == 8) return Invalid("school", "must be schools/{school}");
  base.set_parent(school);
  nv1::Notice& n = *base.mutable_notice();

  PARLEY_ASSIGN_OR_RETURN(std::string category, RequiredString(notice, "category"));
  for (const CategoryName& c : kCategories) {
    if (c.name == category) n.set_category(c.category);
  }
  // The category is the senders' own vocabulary, not personal data: named so an operator can add it.
  if (n.category() == nv1::CATEGORY_UNSPECIFIED)
    return Invalid("category", absl::StrCat("\"", category, "\" is unknown"));

  PARLEY_ASSIGN_OR_RETURN(std::string priority, RequiredString(notice, "priority"));
  for (const PriorityName& p : kPriorities) {
    if (p.name == priority) n.set_priority(p.priority);
  }
  if (n.priority() == nv1::PRIORITY_UNSPECIFIED)
    return Invalid("priority", absl::StrCat("\"", priority, "\" is unknown"));

  PARLEY_ASSIGN_OR_RETURN(std::string template_key, RequiredString(notice, "template"));
  n.set_template_(template_key);

  auto vars = notice.find("variables");
  if (vars != notice.end() && !vars->is_null()) {
    if (!vars->is_object()) return Invalid("variables", "must be an object");
    for (const auto& [name, value] : vars->items()) {
      PARLEY_ASSIGN_OR_RETURN(std::string text, VariableValue(value, absl::StrCat("variables.", name)));
      (*n.mutable_variables())[name] = std::move(text);
    }
  }

  absl::Time not_before = row.not_before;
  if (auto it = notice.find("not_before"); it != notice.end() && !it->is_null()) {
    std::string error;
    if (!it->is_string() || !absl::ParseTime(absl::RFC3339_full, it->get<std::string>(), &not_before, &error)) {
      return Invalid("not_before", "must be an RFC 3339 time");
    }
  }
  *n.mutable_not_before() = ToTimestamp(not_before);

  for (const char* field : {"enquiry", "letter", "incident", "source"}) {
    if (auto it = notice.find(field); n.source().empty() && it != notice.end() && it->is_string()) {
      n.set_source(it->get<std::string>());
    }
  }
  if (n.source().empty() && vars != notice.end() && vars->is_object()) {
    if (auto it = vars->find("arrangement"); it != vars->end() && it->is_string()) n.set_source(it->get<std::string>());
  }

  auto recipients = notice.find("recipients");
  if (recipients == notice.end() || !recipients->is_object()) return Invalid("recipients", "must be an object");
  PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> guardians,
                          Strings(*recipients, "guardians", "recipients.guardians"));
  PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> staff, Strings(*recipients, "staff", "recipients.staff"));
  PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> pupils, Strings(notice, "pupils", "pupils"));
  if (guardians.empty() && staff.empty()) return Invalid("recipients", "name no guardian and no member of staff");

  const bool both = !guardians.empty() && !staff.empty();
  std::vector<nv1::CreateNoticeRequest> out;
  if (!guardians.empty()) {
    nv1::CreateNoticeRequest req = base;
    nv1::Audience& a = *req.mutable_notice()->mutable_audience();
    a.set_kind(nv1::AUDIENCE_KIND_GUARDIANS);
    for (const std::string& g : guardians) a.add_guardians(g);
    for (const std::string& p : pupils) a.add_pupils(p);
    req.set_request_id(request::DerivedRequestId(both ? absl::StrCat(row.key, "#guardians") : row.key));
    out.push_back(std::move(req));
  }
  if (!staff.empty()) {
    nv1::CreateNoticeRequest req = base;
    nv1::Audience& a = *req.mutable_notice()->mutable_audience();
    a.set_kind(nv1::AUDIENCE_KIND_STAFF);
    for (const std::string& s : staff) {
      // Escalation names a school's external contact (the county's child-protection team) as
      // "external:{id}"; notifications knows it by its resource name under the school.
      if (absl::StartsWith(s, "external:")) {
        a.add_staff(absl::StrCat(base.parent(), "/externalContacts/", s.substr(std::string("external:").size())));
      } else {
        a.add_staff(s);
      }
    }
    req.set_request_id(request::DerivedRequestId(both ? absl::StrCat(row.key, "#staff") : row.key));
    out.push_back(std::move(req));
  }
  return out;
}

}  // namespace parley::outbox
