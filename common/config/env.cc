#include "common/config/env.h"

#include <algorithm>

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace parley {

EnvReader::EnvReader()
    : lookup_([](absl::string_view name) -> std::optional<std::string> {
        const char* value = std::getenv(std::string(name).c_str());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
      }) {}

EnvReader::EnvReader(Lookup lookup) : lookup_(std::move(lookup)) {}

std::optional<std::string> EnvReader::Get(absl::string_view name) const {
  std::optional<std::string> value = lookup_(name);
  if (value.has_value() && absl::StripAsciiWhitespace(*value).empty()) return std::nullopt;
  return value;
}

void EnvReader::Fail(absl::string_view name, absl::string_view problem) {
  errors_.push_back(absl::StrCat(name, " ", problem));
}

std::string EnvReader::String(absl::string_view name, absl::string_view fallback) {
  return Get(name).value_or(std::string(fallback));
}

std::string EnvReader::Required(absl::string_view name) {
  std::optional<std::string> value = Get(name);
  if (!value.has_value()) {
    Fail(name, "is required but not set");
    return "";
  }
  return *value;
}

int64_t EnvReader::Int(absl::string_view name, int64_t fallback, int64_t min, int64_t max) {
  std::optional<std::string> value = Get(name);
  if (!value.has_value()) return fallback;
  int64_t parsed = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(*value), &parsed)) {
    Fail(name, "must be a whole number");
    return fallback;
  }
  if (parsed < min || parsed > max) {
    Fail(name, absl::StrCat("must be between ", min, " and ", max));
    return fallback;
  }
  return parsed;
}

std::string EnvReader::OneOf(absl::string_view name, absl::string_view fallback,
                             const std::vector<std::string>& allowed) {
  std::optional<std::string> v = Get(name);
  if (!v.has_value()) return std::string(fallback);
  for (const std::string& a : allowed) {
    if (*v == a) return *v;
  }
  Fail(name, absl::StrCat("must be one of ", absl::StrJoin(allowed, ", ")));
  return std::string(fallback);
}

std::string EnvReader::Name(absl::string_view name, absl::string_view fallback) {
  std::optional<std::string> value = Get(name);
  if (!value.has_value()) return std::string(fallback);
  const bool valid = !value->empty() && value->size() <= 64 && std::all_of(value->begin(), value->end(), [](char ch) {
    return absl::ascii_isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.';
  });
  if (!valid) {
    Fail(name, "must be 1-64 letters, digits, '-', '_' or '.'");
    return std::string(fallback);
  }
  return *value;
}

bool EnvReader::Bool(absl::string_view name, bool fallback) {
  std::optional<std::string> value = Get(name);
  if (!value.has_value()) return fallback;
  std::string v = absl::AsciiStrToLower(absl::StripAsciiWhitespace(*value));
  if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
  if (v == "0" || v == "false" || v == "no" || v == "off") return false;
  Fail(name, "must be true or false");
  return fallback;
}

absl::Duration EnvReader::Duration(absl::string_view name, absl::Duration fallback) {
  std::optional<std::string> value = Get(name);
  if (!value.has_value()) return fallback;
  absl::Duration parsed;
  if (!absl::ParseDuration(std::string(absl::StripAsciiWhitespace(*value)), &parsed) || parsed < absl::ZeroDuration()) {
    Fail(name, "must be a non-negative duration such as 250ms, 5s or 2m");
    return fallback;
  }
  return parsed;
}

std::vector<std::string> EnvReader::List(absl::string_view name) {
  std::optional<std::string> value = Get(name);
  std::vector<std::string> items;
  if (!value.has_value()) return items;
  for (absl::string_view item : absl::StrSplit(*value, ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) items.emplace_back(item);
  }
  return items;
}

absl::Status EnvReader::Finish() const {
  if (errors_.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("configuration: ", absl::StrJoin(errors_, "; ")));
}

}  // namespace parley
