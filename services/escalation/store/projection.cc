// The stored projection of an enquiry's derived view, and its etag (enquiry_store.h).
#include <optional>

#include "absl/strings/str_cat.h"
#include "services/escalation/store/enquiry_store.h"

namespace parley::escalation {
namespace {

void ProjectClock(const std::optional<ClockView>& clock, std::optional<absl::Time>& due,
                  std::optional<ClockStatus>& status) {
  due.reset();
  status.reset();
  if (!clock.has_value()) return;
  due = clock->due;
  status = clock->status;
}

}  // namespace

void Project(const EnquiryView& view, EnquiryRecord& record) {
  record.state = view.state;
  record.owner = view.owner;
  record.rung = view.rung;
  record.owner_role = view.owner_role;
  record.cycle = view.cycle;
  ProjectClock(view.acknowledge, record.ack_due, record.ack_status);
  ProjectClock(view.respond, record.respond_due, record.respond_status);
  record.next_due.reset();
  for (const std::optional<ClockView>* clock : {&view.acknowledge, &view.respond}) {
    if (!clock->has_value() || (*clock)->status != ClockStatus::kPending || !(*clock)->due.has_value()) continue;
    if (!record.next_due.has_value() || *(*clock)->due < *record.next_due) record.next_due = (*clock)->due;
  }
}

std::string EtagOf(int64_t row_version) { return absl::StrCat("\"", row_version, "\""); }

}  // namespace parley::escalation
