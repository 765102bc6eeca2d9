// Writes the fuzzer's seed corpus: for every method an empty request and, for a few methods, a
// valid, fully populated one, each as <method index byte><serialized request>.
//   request_fuzz_seeds <dir>
#include <cstdio>
#include <fstream>
#include <string>

#include "common/grpc/request_validation.h"
#include "fuzz/request_types.h"

namespace {

constexpr char kRequestId[] = "123e4567-e89b-12d3-a456-426614174000";

bool Write(const std::string& dir, const google::protobuf::Message& request, const std::string& name) {
  const auto& types = parley::fuzz::RequestTypes();
  for (size_t i = 0; i < types.size(); ++i) {
    if (types[i] != request.GetDescriptor()) continue;
    if (!parley::api::ValidateRequest(request).ok() && request.ByteSizeLong() != 0) {
      std::fprintf(stderr, "seed %s is not a valid request\n", name.c_str());
      return false;
    }
    std::ofstream out(dir + "/" + name, std::ios::binary);
    out << static_cast<char>(i) << request.SerializeAsString();
    return static_cast<bool>(out);
  }
  return true;  // a type no service uses twice: already written under its first method
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  bool ok = true;
  const auto& types = parley::fuzz::RequestTypes();
  for (size_t i = 0; i < types.size(); ++i) {
    std::ofstream out(dir + "/empty-" + std::to_string(i), std::ios::binary);
    out << static_cast<char>(i);
    ok = ok && static_cast<bool>(out);
  }

  parley::escalation::v1::OpenEnquiryRequest open;
  open.set_parent("schools/st-marys");
  open.set_request_id(kRequestId);
  auto* enquiry = open.mutable_enquiry();
  enquiry->set_pupil("schools/st-marys/pupils/p-00001");
  enquiry->set_guardian("guardians/g-00001");
  enquiry->set_channel(parley::escalation::v1::CHANNEL_EMAIL);
  enquiry->set_category("learning");
  enquiry->mutable_receive_time()->set_seconds(1761318600);
  enquiry->set_subject("Homework \xe2\x80\x94 reading book");
  ok = Write(dir, open, "open-enquiry") && ok;

  parley::contacts::v1::CreateStaffRequest staff;
  staff.set_parent("schools/st-marys");
  staff.set_staff_id("mrs-dunne");
  staff.set_request_id(kRequestId);
  staff.mutable_staff()->set_display_name("Mrs A. Dunne");
  staff.mutable_staff()->add_roles("head_of_year");
  staff.mutable_staff()->add_year_groups(5);
  staff.mutable_staff()->set_email("mrs-dunne@example.org");
  auto* day = staff.mutable_staff()->mutable_working_pattern()->add_days();
  day->set_weekday(parley::contacts::v1::WEEKDAY_MONDAY);
  day->mutable_hours()->set_open("08:30");
  day->mutable_hours()->set_close("13:00");
  ok = Write(dir, staff, "create-staff") && ok;

  parley::contacts::v1::CreateGuardianRequest guardian;
  guardian.set_guardian_id("g-00001");
  guardian.set_request_id(kRequestId);
  auto* g = guardian.mutable_guardian();
  g->set_given_name("Zo\xc3\xab");
  g->set_family_name("Mason");
  g->set_language("pt-BR");
  auto* point = g->add_contact_points();
  point->set_kind(parley::contacts::v1::CONTACT_KIND_MOBILE);
  point->set_value("07700 900984");
  g->add_pupils()->set_pupil("schools/st-marys/pupils/p-00001");
  ok = Write(dir, guardian, "create-guardian") && ok;

  parley::contacts::v1::BatchComputeDeadlinesRequest batch;
  auto* deadline = batch.add_requests();
  deadline->set_school("schools/st-marys");
  deadline->set_channel(parley::contacts::v1::CHANNEL_EMAIL);
  deadline->set_stage(parley::contacts::v1::STAGE_ACKNOWLEDGE);
  deadline->mutable_received_time()->set_seconds(1761318600);
  auto* pause = deadline->add_pauses();
  pause->mutable_start_time()->set_seconds(1761400000);
  pause->mutable_end_time()->set_seconds(1761500000);
  ok = Write(dir, batch, "batch-deadlines") && ok;

  parley::contacts::v1::UpdateSchoolRequest update;
  update.set_request_id(kRequestId);
  update.mutable_school()->set_name("schools/st-marys");
  update.mutable_school()->set_default_locale("en-GB");
  update.mutable_update_mask()->add_paths("default_locale");
  ok = Write(dir, update, "update-school") && ok;

  parley::conduct::v1::CreateArrangementRequest arrangement;
  arrangement.set_parent("schools/kenilworth");
  arrangement.set_request_id(kRequestId);
  auto* a = arrangement.mutable_arrangement();
  a->set_guardian("guardians/g-00002");
  a->set_scope(parley::conduct::v1::ARRANGEMENT_SCOPE_SCHOOL);
  a->mutable_terms()->add_allowed_channels(parley::conduct::v1::CHANNEL_EMAIL);
  auto* window = a->mutable_terms()->add_allowed_windows();
  window->set_day(parley::conduct::v1::WEEKDAY_TUESDAY);
  window->set_start("15:30");
  window->set_end("16:30");
  a->mutable_terms()->set_reasons("Repeated abusive emails to staff.");
  a->mutable_start_time()->set_seconds(1761318600);
  ok = Write(dir, arrangement, "create-arrangement") && ok;

  return ok ? 0 : 1;
}
