// Early-return helpers for absl::Status / absl::StatusOr. This Abseil release ships none.
//
//   PARLEY_RETURN_IF_ERROR(store.Put(row));
//   PARLEY_ASSIGN_OR_RETURN(School school, store.GetSchool(id));
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define PARLEY_STATUS_CONCAT_INNER_(a, b) a##b
#define PARLEY_STATUS_CONCAT_(a, b) PARLEY_STATUS_CONCAT_INNER_(a, b)

#define PARLEY_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::absl::Status parley_status_ = (expr);          \
    if (!parley_status_.ok()) return parley_status_; \
  } while (false)

#define PARLEY_ASSIGN_OR_RETURN(lhs, expr) \
  PARLEY_ASSIGN_OR_RETURN_IMPL_(PARLEY_STATUS_CONCAT_(parley_statusor_, __LINE__), lhs, expr)

#define PARLEY_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()
