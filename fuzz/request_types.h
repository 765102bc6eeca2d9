// The request message of every method of every Parley service, in a fixed order: the fuzzer's
// first input byte picks one, and the seed generator writes seeds in the same numbering.
#pragma once

#include <vector>

#include "google/protobuf/descriptor.h"
#include "parley/appointments/v1/appointments_service.pb.h"
#include "parley/conduct/v1/conduct_service.pb.h"
#include "parley/contacts/v1/contacts_service.pb.h"
#include "parley/escalation/v1/escalation_service.pb.h"
#include "parley/notifications/v1/notifications_service.pb.h"
#include "parley/reporting/v1/reporting_service.pb.h"

namespace parley::fuzz {

inline const std::vector<const google::protobuf::Descriptor*>& RequestTypes() {
  static const auto* types = [] {
    auto* out = new std::vector<const google::protobuf::Descriptor*>();
    // Naming one message of each file links it and brings its services into the generated pool.
    for (const google::protobuf::FileDescriptor* file : {
             parley::contacts::v1::GetSchoolRequest::descriptor()->file(),
             parley::conduct::v1::GetIncidentRequest::descriptor()->file(),
             parley::escalation::v1::GetEnquiryRequest::descriptor()->file(),
             parley::notifications::v1::GetNoticeRequest::descriptor()->file(),
             parley::appointments::v1::GetBookingRequest::descriptor()->file(),
             parley::reporting::v1::GetTrustReportRequest::descriptor()->file(),
         }) {
      for (int s = 0; s < file->service_count(); ++s) {
        const google::protobuf::ServiceDescriptor* service = file->service(s);
        for (int m = 0; m < service->method_count(); ++m) out->push_back(service->method(m)->input_type());
      }
    }
    return out;
  }();
  return *types;
}

}  // namespace parley::fuzz
