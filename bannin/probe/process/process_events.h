// The process probe's sightings as `process.seen` Events (schema/events.yaml), the shape in
// which they go through the rules (rules/base/processes.yaml) like log events. A sighting is
// a process of a hosting account with at least one flag (process_scan.h); the daemon's
// probe thread (app/process_probe.h) makes one per process the first time it is flagged and
// again when its flags change, never every round.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <bannin/core/time.h>
#include <bannin/model/event.h>
#include <bannin/probe/process/process_scan.h>

namespace bannin::probe::process {

struct Sighting {
  ProcessInfo info;
  std::vector<std::string> flags;
  std::string account;  ///< the uid's name ("" when unknown)
};

/// "a deleted executable; listening on TCP 4444": the flags for people.
std::string flags_words(const std::vector<std::string>& flags, const ProcessInfo& p);

/// Calls `sink` with one process.seen Event per sighting, time `now`. The Event is reused;
/// its string values are valid during the call only.
void for_each_event(const std::vector<Sighting>& sightings, core::TimeNs now,
                    const std::function<void(const model::Event&)>& sink);

}  // namespace bannin::probe::process
