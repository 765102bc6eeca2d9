// parley.conduct.v1 ⇄ the conduct domain. Resource names are parsed with the API edge's one rule
// (common/grpc/api_edge.h); a name that does not parse is INVALID_ARGUMENT naming the field.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "parley/conduct/v1/conduct_service.pb.h"
#include "services/conduct/domain/model.h"

namespace parley::conduct {

namespace v1 = parley::conduct::v1;

absl::StatusOr<Channel> ChannelFrom(v1::Channel c, const char* field);
v1::Channel ToProto(Channel c);

absl::StatusOr<absl::CivilDay> ParseDate(const std::string& text, const char* field);
absl::Time FromProto(const google::protobuf::Timestamp& ts);
google::protobuf::Timestamp ToProto(absl::Time t);

absl::StatusOr<ArrangementTerms> TermsFrom(const v1::ArrangementTerms& t);
v1::ArrangementTerms ToProto(const ArrangementTerms& t);

absl::StatusOr<Incident> IncidentFrom(const v1::Incident& in, const std::string& school_id);
v1::Incident ToProto(const Incident& i);

// A draft or its replacement: guardian, scope, terms, start/review/end.
absl::StatusOr<Arrangement> ArrangementFrom(const v1::Arrangement& in, const std::string& school_id);
v1::Arrangement ToProto(const Arrangement& a, absl::Time now);
v1::ArrangementRevision ToProto(const ArrangementRevision& r, const std::string& school_id,
                                const std::string& arrangement_id);

absl::StatusOr<PremisesBan> BanFrom(const v1::PremisesBan& in, const std::string& school_id);
v1::PremisesBan ToProto(const PremisesBan& b);

v1::Letter ToProto(const Letter& l);

absl::StatusOr<GateQuery> QueryFrom(const v1::CheckCommunicationRequest& req);
// The name is left empty for a record without an id (a guardian's own check, never stored).
v1::Decision ToProto(const DecisionRecord& d);

// What a guardian sees of a record about themselves (services/conduct/README.md, "Access"): the
// staff-internal fields cleared. An arrangement: who issued it, the breach incident behind a
// tightening, the schools whose staff may read it; a revision likewise; a premises ban: who issued
// it, the incident behind it and the staff's written reason; a decision: who asked. A letter is
// what was sent to the guardian: nothing is cleared. Guardians never see incidents (the model gives
// them no reach): clears nothing, for the API's generic reads.
void ForGuardian(v1::Arrangement* a);
void ForGuardian(v1::ArrangementRevision* r);
void ForGuardian(v1::PremisesBan* b);
void ForGuardian(v1::Letter* l);
void ForGuardian(v1::Decision* d);
void ForGuardian(v1::Incident* i);

}  // namespace parley::conduct
