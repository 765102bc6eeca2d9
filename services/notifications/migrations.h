// The notifications schema (migrations/*.sql), embedded in the binary at build time.
#pragma once

#include <vector>

#include "common/pg/migrations.h"

namespace parley::notifications {

const std::vector<parley::pg::Migration>& Migrations();

}  // namespace parley::notifications
