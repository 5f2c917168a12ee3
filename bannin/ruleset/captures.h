// Captures: fields a rule takes from the named groups of its own regular expressions. A rule
// whose `where` matches a string field with `field ~ "…(?P<src_ip>…)…"` (a positive match,
// not under `not`/`!~`) gets the groups' text as event fields once `where` has passed, before
// the detector groups and counts the event. This is how the rules `bannin import fail2ban`
// writes over `log.line` events get the attacker's address out of the raw line, as
// fail2ban's <HOST> does (issue 12), and any rule may use it (docs/rules.md, "Captures").
//
// Group names: an event field's name (src_ip, src_host, user, service …; an address field's
// text must parse as an address, else it is not set), and fail2ban's names as its importer
// writes them: ip4, ip6, dns, fid → src_ip (the first that took part, in fail2ban's order; a
// name that is not an address goes to src_host instead), alt_user → user (when user took no
// part). A match in which a group named `nofail` or `mlfgained` took part is no failure in
// fail2ban (a successful login it uses only to join a session's lines): the event is not
// counted. Fields the event already has are never overwritten.
//
// Stage: ruleset. Built once per rule load; immutable, shared read-only by the detect thread.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include <bannin/model/event.h>

namespace bannin::ruleset {

class Captures {
 public:
  enum class Outcome {
    NoMatch,     ///< none of the capturing regexes matched: nothing set
    Filled,      ///< the first matching regex's groups were set (those that took part)
    NotFailure,  ///< it matched with a `nofail`/`mlfgained` group: do not count the event
  };

  Captures();
  ~Captures();
  Captures(const Captures&) = delete;
  Captures& operator=(const Captures&) = delete;

  /// Runs the capturing regexes in the order they appear in `where`; the first that matches
  /// sets the fields `ev` does not have yet. Views point into `ev`'s own strings (the field
  /// the regex read), so they stay valid as long as those do. Never throws.
  Outcome apply(model::Event& ev) const noexcept;
  [[nodiscard]] std::size_t size() const noexcept;

 private:
  friend std::unique_ptr<const Captures> compile_captures(std::string_view where_text);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The capturing regexes of a `where` expression (which must already have compiled): every
/// positive `field ~ "literal"` whose regex has at least one group named as above. Null when
/// there are none (the common case: the rule costs nothing more).
std::unique_ptr<const Captures> compile_captures(std::string_view where_text);

}  // namespace bannin::ruleset
