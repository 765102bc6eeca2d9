// The reporting service's schema, embedded in the binary (migrations/*.sql).
#pragma once

#include <vector>

#include "common/pg/migrations.h"

namespace parley::reporting {
const std::vector<parley::pg::Migration>& Migrations();
}
