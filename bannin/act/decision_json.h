// Reads Decisions back from the JSON lines `bannin replay` writes
// ({"type":"decision","ts":…,"rule":…,"action":…,"scope":…,"target":{…},"ttl_s":N,…}), so
// that decisions can be applied before the daemon and the store exist, and so that tests
// can feed actuators from files. A pure function of text; never throws.
#pragma once

#include <optional>
#include <string_view>

#include <bannin/core/result.h>
#include <bannin/decide/decision.h>

namespace bannin::act {

/// Parses one line. Returns nullopt (no error) for valid JSON objects whose "type" is not
/// "decision" (findings, summaries), an Error with code "bad_json" or "bad_decision" otherwise.
core::Result<std::optional<decide::Decision>> parse_decision_line(std::string_view line);

}  // namespace bannin::act
