// The domain records ⇄ JSON, for the JSONB `doc` column each directory table keeps a record in.
//
// The JSON is the record's CONTENT only. What the store keeps in columns of its own is left out
// and set by the store after reading: the keys (School.id, school_id and id of staff, pupils and
// ladders, RoutingMatrix.school_id, Guardian.id), etag, create_time, update_time and a school's
// calendar_version and policy_version. So two records with the same content have equal JSON,
// which is how the stores tell an unchanged record from a changed one.
//
// Encoding: keys are the model's field names; enums are stable lower-case strings ("email",
// "acknowledge", "half_term"); dates "YYYY-MM-DD"; hours as minutes since midnight; budgets as
// {"unit", "working_days", "seconds"}; an unset optional is null. Every key is always written.
// Reading accepts a missing key as its default (so fields can be added without rewriting stored
// rows) and ignores unknown keys; a value of the wrong type, an unknown enum string or a bad date
// is INTERNAL "stored record is malformed: <where>". The codec never throws and error messages
// never contain stored values (they may be personal data).
//
// FromJson(ToJson(x)) gives x back exactly, apart from the fields above.
#pragma once

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "common/directory/model.h"

namespace parley::directory {

nlohmann::json ToJson(const Trust& trust);
nlohmann::json ToJson(const School& school);
nlohmann::json ToJson(const Staff& staff);
nlohmann::json ToJson(const Pupil& pupil);
nlohmann::json ToJson(const Guardian& guardian);
nlohmann::json ToJson(const RoutingMatrix& matrix);
nlohmann::json ToJson(const Ladder& ladder);

absl::StatusOr<Trust> TrustFromJson(const nlohmann::json& j);
absl::StatusOr<School> SchoolFromJson(const nlohmann::json& j);
absl::StatusOr<Staff> StaffFromJson(const nlohmann::json& j);
absl::StatusOr<Pupil> PupilFromJson(const nlohmann::json& j);
absl::StatusOr<Guardian> GuardianFromJson(const nlohmann::json& j);
absl::StatusOr<RoutingMatrix> RoutingMatrixFromJson(const nlohmann::json& j);
absl::StatusOr<Ladder> LadderFromJson(const nlohmann::json& j);

}  // namespace parley::directory
