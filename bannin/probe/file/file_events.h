// The file probe's hits as `file.found` Events (schema/events.yaml), the shape in which they
// go through the rules like any other event (stage: probe). The daemon calls this on its
// pipeline thread for every round of the file probe (app/file_probe.h).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <bannin/core/time.h>
#include <bannin/model/event.h>
#include <bannin/probe/file/file_scanner.h>

namespace bannin::probe::file {

/// "yara:webshell_request_eval,script_in_upload_dir": the reasons, comma-separated.
std::string reasons_text(const std::vector<std::string>& reasons);
/// For people: "PHP code taken from the request (YARA webshell_request_eval); a script in an
/// upload directory".
std::string reasons_words(const std::vector<std::string>& reasons);

/// Calls `sink` with one file.found Event per hit, time `now`. The Event is reused; its
/// string values are valid during the call only.
void for_each_event(const std::vector<FileHit>& hits, core::TimeNs now,
                    const std::function<void(const model::Event&)>& sink);

}  // namespace bannin::probe::file
