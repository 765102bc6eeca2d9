// The escalation schema, embedded in the binary from migrations/*.sql at build time.
#pragma once

#include <vector>

#include "common/pg/migrations.h"

namespace parley::escalation {

const std::vector<parley::pg::Migration>& Migrations();

}  // namespace parley::escalation
