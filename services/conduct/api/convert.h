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
v1::Decision ToProto(const DecisionRecord& d);

}  // namespace parley::conduct
