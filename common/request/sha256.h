// SHA-256 as lowercase hex, shared by request fingerprints and migration checksums. Both are
// stored in the database, so the algorithm and encoding must never change.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace parley::request {

std::string Sha256Hex(absl::string_view bytes);

}  // namespace parley::request
