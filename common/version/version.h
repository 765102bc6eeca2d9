// The Parley release this binary was built from: "<project version>+<git short hash>", e.g.
// "0.15.0+1a2b3c4" ("<project version>+unknown" when built outside a git checkout). Services put it
// on figures they compute so a cache can tell which release computed what it holds.
#pragma once

#include "absl/strings/string_view.h"

namespace parley {

absl::string_view BuildVersion();

}  // namespace parley
