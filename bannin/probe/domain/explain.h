// Plain-language explanations of check states, in English and Japanese, for a shop owner:
// what the state means, who can fix it (the vendor, not VirusTotal; the registrar, not the
// registry — reference §2.4, §4.4) and what to do next. Keyed by (check, state) exactly as in
// CheckResult; a state without an entry gets nullopt (the caller prints the detail only).
#pragma once

#include <optional>
#include <string_view>

namespace bannin::probe::domain {

enum class Lang { En, Ja };

struct Explanation {
  std::string_view meaning;
  std::string_view who;   ///< who can fix it
  std::string_view next;  ///< what to do now
};

std::optional<Explanation> explain(std::string_view check, std::string_view state, Lang lang);

}  // namespace bannin::probe::domain
