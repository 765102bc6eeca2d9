#include "services/contacts/api/resource_names.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status/reason.h"

namespace parley::contacts {
namespace {

constexpr size_t kMinIdLength = 2;
constexpr size_t kMaxIdLength = 40;
constexpr size_t kMaxQuoted = 100;

// A name pattern: literal segments and "{id}" placeholders, e.g. "schools/{school}/staff/{staff}".
// Parsing returns the placeholder values in order.
absl::StatusOr<std::vector<std::string>> Parse(absl::string_view kind, absl::string_view pattern,
                                               absl::string_view name) {
  const std::vector<absl::string_view> want = absl::StrSplit(pattern, '/');
  const std::vector<absl::string_view> got = absl::StrSplit(name, '/');
  auto fail = [&](absl::string_view detail) {
    return InvalidArgument("INVALID_NAME", absl::StrCat(kind, " name must look like \"", pattern, "\", got ",
                                                        QuoteForError(name), detail));
  };
  if (want.size() != got.size()) return fail("");
  std::vector<std::string> ids;
  for (size_t i = 0; i < want.size(); ++i) {
    if (!want[i].empty() && want[i].front() == '{') {
      if (!IsValidId(got[i])) {
        return fail(
            absl::StrCat("; the ", want[i].substr(1, want[i].size() - 2),
                         " id must be 2-40 lower-case letters, digits and hyphens, starting with a letter or digit"));
      }
      ids.emplace_back(got[i]);
    } else if (want[i] != got[i]) {
      return fail("");
    }
  }
  return ids;
}

absl::StatusOr<std::pair<std::string, std::string>> ParsePair(absl::string_view kind, absl::string_view pattern,
                                                              absl::string_view name) {
  absl::StatusOr<std::vector<std::string>> ids = Parse(kind, pattern, name);
  if (!ids.ok()) return ids.status();
  return std::make_pair(std::move((*ids)[0]), std::move((*ids)[1]));
}

absl::StatusOr<std::string> ParseOne(absl::string_view kind, absl::string_view pattern, absl::string_view name) {
  absl::StatusOr<std::vector<std::string>> ids = Parse(kind, pattern, name);
  if (!ids.ok()) return ids.status();
  return std::move((*ids)[0]);
}

}  // namespace

bool IsValidId(absl::string_view id) {
  if (id.size() < kMinIdLength || id.size() > kMaxIdLength || id.front() == '-') return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

absl::Status ValidateId(absl::string_view id, absl::string_view what) {
  if (IsValidId(id)) return absl::OkStatus();
  return InvalidArgument(
      "INVALID_NAME",
      absl::StrCat(what, " ", QuoteForError(id),
                   " must be 2-40 lower-case letters, digits and hyphens, starting with a letter or digit"));
}

std::string SchoolName(absl::string_view school) { return absl::StrCat("schools/", school); }
std::string StaffName(absl::string_view school, absl::string_view staff) {
  return absl::StrCat("schools/", school, "/staff/", staff);
}
std::string PupilName(absl::string_view school, absl::string_view pupil) {
  return absl::StrCat("schools/", school, "/pupils/", pupil);
}
std::string LadderName(absl::string_view school, absl::string_view ladder) {
  return absl::StrCat("schools/", school, "/ladders/", ladder);
}
std::string RoutingMatrixName(absl::string_view school) { return absl::StrCat("schools/", school, "/routingMatrix"); }
std::string GuardianName(absl::string_view guardian) { return absl::StrCat("guardians/", guardian); }

absl::StatusOr<std::string> ParseSchoolName(absl::string_view name) {
  return ParseOne("school", "schools/{school}", name);
}
absl::StatusOr<std::pair<std::string, std::string>> ParseStaffName(absl::string_view name) {
  return ParsePair("staff", "schools/{school}/staff/{staff}", name);
}
absl::StatusOr<std::pair<std::string, std::string>> ParsePupilName(absl::string_view name) {
  return ParsePair("pupil", "schools/{school}/pupils/{pupil}", name);
}
absl::StatusOr<std::pair<std::string, std::string>> ParseLadderName(absl::string_view name) {
  return ParsePair("ladder", "schools/{school}/ladders/{ladder}", name);
}
absl::StatusOr<std::string> ParseRoutingMatrixName(absl::string_view name) {
  return ParseOne("routing matrix", "schools/{school}/routingMatrix", name);
}
absl::StatusOr<std::string> ParseGuardianName(absl::string_view name) {
  return ParseOne("guardian", "guardians/{guardian}", name);
}

std::string QuoteForError(absl::string_view value) {
  bool cut = false;
  if (value.size() > kMaxQuoted) {
    size_t end = kMaxQuoted;
    // Back up to the start of a UTF-8 sequence so that no character is split.
    while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) --end;
    value = value.substr(0, end);
    cut = true;
  }
  return absl::StrCat("\"", absl::Utf8SafeCHexEscape(value), cut ? "...\"" : "\"");
}

}  // namespace parley::contacts
