#include "bench/common/admin.h"

#include <cstdlib>
#include <exception>

#include "pqxx/pqxx"

#include "absl/strings/str_format.h"

namespace parley::bench {

absl::Status AdminSql(const std::string& dsn, const std::string& sql) {
  try {
    pqxx::connection c(dsn);
    pqxx::nontransaction n(c);
    n.exec(sql);
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return absl::UnavailableError(e.what());
  }
}

std::string LoadAverage() {
  double avg[3] = {0, 0, 0};
  if (getloadavg(avg, 3) != 3) return "load average unknown";
  return absl::StrFormat("load average %.2f %.2f %.2f", avg[0], avg[1], avg[2]);
}

}  // namespace parley::bench
