// Output of check reports: text for a shop owner (with the plain-language explanations),
// JSON for programs, and `domain.status` Events for the pipeline (rules, notifications, the
// store), so the daemon can treat a check result like any other event.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <bannin/core/time.h>
#include <bannin/model/event.h>
#include <bannin/probe/domain/explain.h>
#include <bannin/probe/domain/report.h>

namespace bannin::probe::domain {

/// Human text. `explain_ok` false: explanations only for non-ok states.
std::string format_text(const std::vector<SubjectReport>& reports, Lang lang);

/// {"subjects":[{"subject":…,"type":"domain","severity":…,"results":[{…}],
///   "nameservers":[…],"virustotal_engines":[{"engine":…,"category":…,"result":…}]}],
///  "exit_code":n} (nameservers only when delegated; virustotal_engines only when
/// VirusTotal sent a report).
std::string format_json(const std::vector<SubjectReport>& reports, Lang lang);

/// One `domain.status` Event per result: domain (or src_ip for IP subjects), check, state,
/// detail ("source: detail"), severity (and again as reason). The Event's strings point into
/// `reports`, valid during the callback.
void for_each_event(const std::vector<SubjectReport>& reports, core::TimeNs now,
                    const std::function<void(const model::Event&)>& sink);

}  // namespace bannin::probe::domain
