// How parleyctl names enum values on the command line: each value has the name parleyctl prints
// and accepts ("in-person", "awaiting-parent") and one more it accepts ("app-message"). Parsing
// ignores case, reads '_' as '-', and accepts the proto's own name ("CHANNEL_IN_PERSON") by
// dropping the enum's prefix. Shared by the conduct and escalation argument files.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace parley::ctl {

// One enum value: the name parleyctl prints and accepts, and one more it accepts.
template <typename Enum>
struct Named {
  Enum value;
  const char* name;
  const char* alias;
};

// Lower case, '_' as '-', and without the enum's prefix: "CHANNEL_IN_PERSON" → "in-person".
inline std::string NormaliseEnumName(const std::string& text, absl::string_view enum_prefix) {
  std::string s = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  absl::StrReplaceAll({{"_", "-"}}, &s);
  absl::string_view view(s);
  absl::ConsumePrefix(&view, enum_prefix);
  return std::string(view);
}

// The value `text` names in `table`; INVALID_ARGUMENT listing every name when none matches.
// `prefix` is the enum's prefix as NormaliseEnumName leaves it ("channel-"); `what` names the
// kind of value in the error ("channel").
template <typename Enum, size_t N>
absl::StatusOr<Enum> ParseNamed(const Named<Enum> (&table)[N], const std::string& text, absl::string_view prefix,
                                absl::string_view what) {
  const std::string s = NormaliseEnumName(text, prefix);
  std::vector<std::string> names;
  for (const Named<Enum>& e : table) {
    if (s == e.name || s == e.alias) return e.value;
    names.push_back(e.name);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown ", what, " \"", text, "\": want ", absl::StrJoin(names, ", ")));
}

// The name parleyctl prints for `value`; "unspecified" for one the table does not hold.
template <typename Enum, size_t N>
std::string NameOf(const Named<Enum> (&table)[N], Enum value) {
  for (const Named<Enum>& e : table) {
    if (e.value == value) return e.name;
  }
  return "unspecified";
}

}  // namespace parley::ctl
