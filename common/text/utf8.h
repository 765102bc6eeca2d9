// UTF-8 as Parley checks it everywhere (request fields, timer keys and payloads, domain limits
// stated in characters): no overlong forms, no UTF-16 surrogates, nothing above U+10FFFF. Limits
// are counted in code points, because a name in Polish or Urdu is longer in bytes than it looks.
#pragma once

#include <cstddef>
#include <optional>

#include "absl/strings/string_view.h"

namespace parley::text {

// The number of code points in `s`, or nullopt when `s` is not valid UTF-8.
std::optional<size_t> Utf8Length(absl::string_view s);

// Valid UTF-8 without NUL bytes: text that is safe to store in a PostgreSQL text column.
bool IsStorableText(absl::string_view s);

}  // namespace parley::text
