#include "services/notifications/domain/templates.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"

namespace parley::notifications {
namespace {

bool IsNameChar(char c) { return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_'; }

bool IsBuiltin(const std::string& name) {
  return std::any_of(std::begin(kBuiltinVariables), std::end(kBuiltinVariables),
                     [&](const char* b) { return name == b; });
}

absl::Status Invalid(const std::string& message) { return InvalidArgument(reason::kTemplateInvalid, message); }

absl::Status CheckPlaceholders(std::string_view text, const std::set<std::string>& declared, const std::string& where) {
  auto names = Placeholders(text);
  if (!names.ok()) return Invalid(absl::StrCat(where, ": ", names.status().message()));
  for (const std::string& n : *names) {
    if (!IsBuiltin(n) && declared.count(n) == 0) {
      return Invalid(absl::StrCat(where, " uses {{", n, "}}, which is neither declared in variables nor built in (",
                                  absl::StrJoin(kBuiltinVariables, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

std::string PrimarySubtag(const std::string& tag) {
  const size_t dash = tag.find('-');
  return absl::AsciiStrToLower(dash == std::string::npos ? tag : tag.substr(0, dash));
}

}  // namespace

absl::StatusOr<std::vector<std::string>> Placeholders(std::string_view text) {
  std::vector<std::string> names;
  size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string_view::npos) {
    const size_t close = text.find("}}", pos + 2);
    if (close == std::string_view::npos) return Invalid(absl::StrCat("\"{{\" at offset ", pos, " is not closed"));
    std::string name(text.substr(pos + 2, close - pos - 2));
    name = std::string(absl::StripAsciiWhitespace(name));
    if (name.empty() || name.size() > 64 || !std::all_of(name.begin(), name.end(), IsNameChar)) {
      return Invalid(absl::StrCat("placeholder at offset ", pos, " is not a name of [a-z0-9_]"));
    }
    names.push_back(std::move(name));
    pos = close + 2;
  }
  return names;
}

bool IsValidTemplateId(std::string_view id) {
  if (id.empty() || id.size() > 64 || !(absl::ascii_islower(id[0]) || absl::ascii_isdigit(id[0]))) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' || c == '.' || c == '-';
  });
}

absl::Status ValidateTemplate(const Template& t) {
  if (!IsValidTemplateId(t.id)) return Invalid(absl::StrCat("template id \"", t.id, "\" is not 1-64 of [a-z0-9_.-]"));
  if (t.category == Category::kUnspecified) return Invalid("category is required");
  if (t.variables.size() > kMaxVariables) return Invalid("at most 50 variables");
  std::set<std::string> declared;
  for (const std::string& v : t.variables) {
    if (v.empty() || v.size() > 64 || !std::all_of(v.begin(), v.end(), IsNameChar)) {
      return Invalid(absl::StrCat("variable \"", v, "\" is not 1-64 of [a-z0-9_]"));
    }
    if (IsBuiltin(v)) return Invalid(absl::StrCat("variable \"", v, "\" is built in: do not declare it"));
    if (!declared.insert(v).second) return Invalid(absl::StrCat("variable \"", v, "\" is declared twice"));
  }
  if (t.variants.empty()) return Invalid("a template needs at least one variant");
  std::set<std::string> locales;
  for (const TemplateVariant& v : t.variants) {
    if (v.locale.empty()) return Invalid("every variant needs a locale");
    if (!locales.insert(absl::AsciiStrToLower(v.locale)).second) {
      return Invalid(absl::StrCat("locale ", v.locale, " has two variants"));
    }
    if (v.subject.empty() || v.body.empty())
      return Invalid(absl::StrCat("variant ", v.locale, " needs a subject and a body"));
    PARLEY_RETURN_IF_ERROR(CheckPlaceholders(v.subject, declared, absl::StrCat("variant ", v.locale, " subject")));
    PARLEY_RETURN_IF_ERROR(CheckPlaceholders(v.body, declared, absl::StrCat("variant ", v.locale, " body")));
    PARLEY_RETURN_IF_ERROR(CheckPlaceholders(v.sms_body, declared, absl::StrCat("variant ", v.locale, " sms_body")));
  }
  return absl::OkStatus();
}

absl::Status ValidateContent(const std::vector<LocalizedContent>& content) {
  std::set<std::string> locales;
  const std::set<std::string> none;
  for (const LocalizedContent& c : content) {
    if (!locales.insert(absl::AsciiStrToLower(c.locale)).second) {
      return Invalid(absl::StrCat("locale ", c.locale, " has two contents"));
    }
    PARLEY_RETURN_IF_ERROR(CheckPlaceholders(c.subject, none, absl::StrCat("content ", c.locale, " subject")));
    PARLEY_RETURN_IF_ERROR(CheckPlaceholders(c.body, none, absl::StrCat("content ", c.locale, " body")));
    PARLEY_RETURN_IF_ERROR(CheckPlaceholders(c.sms_body, none, absl::StrCat("content ", c.locale, " sms_body")));
  }
  return absl::OkStatus();
}

absl::Status CheckVariables(const Template& t, const std::map<std::string, std::string>& variables) {
  if (variables.size() > kMaxVariables) {
    return InvalidArgument(reason::kTemplateVariableMissing, "at most 50 variables");
  }
  for (const auto& [name, value] : variables) {
    if (name.size() > 64 || value.size() > kMaxVariableValue) {
      return InvalidArgument(
          reason::kTemplateVariableMissing,
          absl::StrCat("variable \"", name.substr(0, 64), "\" is over 64 characters or its value over 2,000"));
    }
  }
  for (const std::string& declared : t.variables) {
    if (variables.count(declared) == 0) {
      return InvalidArgument(reason::kTemplateVariableMissing,
                             absl::StrCat("template ", t.id, " needs the variable \"", declared, "\""));
    }
  }
  return absl::OkStatus();
}

std::string Render(std::string_view text, const std::map<std::string, std::string>& values) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (true) {
    const size_t open = text.find("{{", pos);
    const size_t close = open == std::string_view::npos ? open : text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      out.append(text.substr(pos));
      return out;
    }
    out.append(text.substr(pos, open - pos));
    const std::string_view inner = text.substr(open + 2, close - open - 2);
    const std::string name(absl::StripAsciiWhitespace(absl::string_view(inner.data(), inner.size())));
    auto it = values.find(name);
    if (it != values.end()) out.append(it->second);
    pos = close + 2;
  }
}

std::string ChooseLocale(const std::vector<std::string>& offered, const std::string& language,
                         const std::string& school_default, bool* fell_back) {
  auto find = [&](const std::string& want) -> const std::string* {
    if (want.empty()) return nullptr;
    for (const std::string& o : offered) {
      if (absl::EqualsIgnoreCase(o, want)) return &o;
    }
    const std::string primary = PrimarySubtag(want);
    for (const std::string& o : offered) {
      if (PrimarySubtag(o) == primary) return &o;
    }
    return nullptr;
  };
  if (fell_back != nullptr) *fell_back = false;
  if (const std::string* own = find(language)) return *own;
  if (fell_back != nullptr) *fell_back = !language.empty();
  if (const std::string* school = find(school_default)) return *school;
  if (const std::string* english = find("en")) return *english;
  return offered.empty() ? std::string() : offered.front();
}

}  // namespace parley::notifications
