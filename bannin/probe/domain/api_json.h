// Small helpers shared by the JSON API clients of the domain probe (safe_browsing.cpp,
// virustotal.cpp): simdjson input preparation and safe snippets of untrusted text for
// error messages. Internal to probe/domain.
#pragma once

#include <string>
#include <string_view>

#include <simdjson.h>

namespace bannin::probe::domain::detail {

/// simdjson needs padded, valid-UTF-8 input; invalid bytes are replaced.
simdjson::padded_string padded_json(std::string_view json);

/// At most `max` bytes of `s` with control characters and non-ASCII bytes shown as '?', for
/// quoting untrusted text in a detail.
std::string printable(std::string_view s, std::size_t max = 80);

/// "not valid JSON (<simdjson reason>); the answer starts with '<snippet>'" (or "is empty").
std::string bad_json_message(std::string_view what, std::string_view body,
                             simdjson::error_code err);

/// The "error.message" of a Google/VirusTotal style error body ({"error":{"message":…}}),
/// printable and bounded; "" when there is none.
std::string api_error_message(std::string_view body);

}  // namespace bannin::probe::domain::detail
