// The operator's view of GET /api/v1/status (`bannin status`): renders the daemon's status
// document as text and lists the problems it shows (store unhealthy, a source with errors,
// anything dropped, problems the daemon names itself). A pure function of the JSON text, so
// it is tested without HTTP; a key the daemon does not send (yet) prints as "-", so the
// command keeps working while the document grows. Thread-safe (no state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/core/result.h>

namespace bannin::api {

struct StatusReport {
  std::string text;                   ///< several lines, each ending in '\n'
  std::vector<std::string> problems;  ///< empty when all is well
};

/// Error code bad_status when the text is not a JSON object.
core::Result<StatusReport> render_status(std::string_view status_json);

/// GET /api/v1/guard as text (`bannin guard status`).
core::Result<std::string> render_guard_text(std::string_view guard_json);

/// "45s", "12m 5s", "3h 4m", "2d 3h"; "-" for negative values.
std::string format_duration(std::int64_t seconds);

}  // namespace bannin::api
