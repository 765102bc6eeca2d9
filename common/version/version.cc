#include "common/version/version.h"

// The one includer of the generated header (the build tree's generated/ directory).
#include "parley_build_version.h"

namespace parley {

absl::string_view BuildVersion() { return PARLEY_BUILD_VERSION; }

}  // namespace parley
