// bannin's one duration grammar, for configuration, rules, the command line and API requests
// (docs/configuration.md): a number and a unit (ms, s, m, h, d, w), several in a row
// ("1h30m", "1s500ms"). core::parse_duration_seconds (time.h) is the same grammar in whole
// seconds. Pure functions, any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <bannin/core/time.h>

namespace bannin::core {

/// Text -> nanoseconds. With allow_bare_number, a number alone ("90") is seconds. nullopt for
/// anything else, and for a total above max_ns (overflow-safe).
std::optional<TimeNs> parse_duration_ns(std::string_view text, bool allow_bare_number,
                                        TimeNs max_ns) noexcept;

/// A duration as the grammar writes it, largest units first: "1h30m", "500ms", "0s".
std::string format_duration(TimeNs d);

}  // namespace bannin::core
