// The appointments schema, embedded in the binary from migrations/*.sql at build time.
#pragma once

#include <vector>

#include "common/pg/migrations.h"

namespace parley::appointments {

const std::vector<parley::pg::Migration>& Migrations();

}  // namespace parley::appointments
