// Templates: {{placeholders}}, what a template may use, what a notice must give, rendering, and the
// choice of locale. A template is checked when saved and a notice when accepted, so a copy is never
// rendered with a missing variable (no raw keys, no empty text later).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/notifications/domain/model.h"

namespace parley::notifications {

// Filled by the service for every copy; a template may use them without declaring them.
inline constexpr const char* kBuiltinVariables[] = {"recipient_name", "pupil_names", "school_name", "event_date"};

inline constexpr size_t kMaxVariableValue = 2000;
inline constexpr size_t kMaxVariables = 50;

// The placeholder names in `text`, in order of appearance (repeats included). INVALID_ARGUMENT
// (TEMPLATE_INVALID) for an unclosed "{{" or a name outside [a-z0-9_].
absl::StatusOr<std::vector<std::string>> Placeholders(std::string_view text);

// 1-64 of [a-z0-9_.-], starting with a letter or digit.
bool IsValidTemplateId(std::string_view id);

// A template as saved: id, category, declared variables, one variant per locale, and every
// placeholder of every variant either declared or built in. INVALID_ARGUMENT (TEMPLATE_INVALID).
absl::Status ValidateTemplate(const Template& t);

// Written content (no template): the same placeholder rules with no declared variables.
absl::Status ValidateContent(const std::vector<LocalizedContent>& content);

// Every declared variable given, values within limits. INVALID_ARGUMENT (TEMPLATE_VARIABLE_MISSING)
// naming the first missing one.
absl::Status CheckVariables(const Template& t, const std::map<std::string, std::string>& variables);

// `text` with each {{name}} replaced from `values`; a name without a value becomes "" (never
// reached after the checks above).
std::string Render(std::string_view text, const std::map<std::string, std::string>& values);

// The locale to write a copy in: the guardian's language when offered (exactly, else by its
// primary subtag: "pt-BR" takes "pt"), else the school's default, else "en", else the first
// offered. `fell_back` says the guardian's own language was not offered.
std::string ChooseLocale(const std::vector<std::string>& offered, const std::string& language,
                         const std::string& school_default, bool* fell_back = nullptr);

}  // namespace parley::notifications
