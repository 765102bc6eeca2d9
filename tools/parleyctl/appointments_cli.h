// The appointments command line: `parleyctl meetings ...` (meeting requests, staff bookings and
// their notes) and `parleyctl evenings ...` (parents' evenings). Registers the subcommands and their
// flags on CLI11 and, when one is parsed, sets the command to run. Kept out of main.cc so the tests
// can parse a real argv into the request the service receives.
#pragma once

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "tools/parleyctl/appointments_args.h"
#include "tools/parleyctl/commands.h"

namespace parley::ctl {

class AppointmentsCli {
 public:
  // Adds `meetings` and `evenings` to `app`. `run` is set when one of their commands is parsed;
  // both `run` and this object (which holds the parsed values) must outlive the parse and the run.
  AppointmentsCli(CLI::App* app, Command* run);
  AppointmentsCli(const AppointmentsCli&) = delete;
  AppointmentsCli& operator=(const AppointmentsCli&) = delete;

 private:
  void AddMeetings(CLI::App* app, Command* run);
  void AddEvenings(CLI::App* app, Command* run);

  MeetingRequestOptions request_;
  MeetingListOptions list_;
  MeetingActionOptions action_;
  MeetingBookOptions book_;
  MeetingNoteOptions note_;
  MeetingSlotsOptions slots_;
  RetentionOptions retention_;
  std::vector<std::string> confirm_;
  bool with_events_ = false;
  EveningCreateOptions create_;
  EveningOptions evening_;
};

}  // namespace parley::ctl
