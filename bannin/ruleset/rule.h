// Rule: one compiled detection rule, as loaded from a YAML rule file (rules/base/*.yaml) by
// ruleset::load_rules(). Immutable after loading; the detect stage shares it read-only.
//
// A rule selects events (`when` kinds, `where` predicate), groups them (`group_by` fields;
// none = one global group), keeps aggregates over a sliding `window` per group, and fires
// when its `fire` condition holds. Its `then` templates become Decisions in the decide stage.
// A rule with a `campaign` also tracks the group's members — the sources seen in the window
// that match the member filter — and decides on each of them: this is how a relay wave of a
// thousand addresses, none of which crosses a per-address threshold, is stopped.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <bannin/core/time.h>
#include <bannin/model/fields.h>
#include <bannin/ruleset/captures.h>
#include <bannin/ruleset/expr.h>

namespace bannin::ruleset {

/// What to do when a rule fires: one Decision template.
struct DecisionTemplate {
  std::string action = "deny";  ///< deny | rate_limit | deny_foreign | notify_only | quarantine
  std::string scope = "ip";     ///< ip | prefix | vhost_path | vhost | file
  core::TimeNs ttl = 0;
  /// For people. Placeholders: {rule}, {group} (the non-empty group members), {numbers}
  /// (every aggregate as "text = value"), {window}, {ttl} (durations in words), a group_by
  /// field by name ({src_ip}, {service}, {vhost}, {path} …) and the rule's named numbers
  /// ({failures}, {sources} …, see Rule::numbers).
  std::string reason;
  std::string reason_ja;  ///< the same in Japanese ("" = none); same placeholders
  std::string method;     ///< vhost_path: method to contain ("" = all)
  std::vector<std::string> except_countries;             ///< vhost_path: sources from these pass
  std::uint32_t prefix_len_v4 = 24, prefix_len_v6 = 64;  ///< scope prefix
};

/// Campaign part of a rule: decide on the members of a firing group.
struct CampaignSpec {
  model::Field member_field = model::Field::SrcIp;
  std::shared_ptr<const Predicate> members;  ///< which of the group's events make a member
  std::shared_ptr<const Predicate> spare;    ///< on every `when` event: sources never members
  std::uint32_t min_events = 1;              ///< member events needed in the window
  std::size_t max_members = 100'000;         ///< per group; beyond: counted, not tracked
  DecisionTemplate then;                     ///< applied to each member
};

/// A named number for reasons: `numbers: {failures: count()}` in the rule file. The
/// aggregate is registered in Rule::aggregates (shared with `fire` when identical), so every
/// Finding carries its value under `text`; the decider prints it as {failures}, formatted by
/// its kind (a share() as a percentage, counts as whole numbers).
struct NamedNumber {
  std::string name;      ///< placeholder name, [a-z_][a-z0-9_]*
  std::string text;      ///< canonical aggregate text, the key in Finding::numbers
  bool percent = false;  ///< share(): printed as "75%"
};

/// `reset:` — an event that clears a group's window: a success after a few failures. Matched
/// on every event of the rule's `when` kinds (before `where`), it empties the group with the
/// same group_by key when the group's last counted event had the same `match` fields (a real
/// user who mistyped and then logged in to the same account), so the failures before it no
/// longer count. A decision already taken stands; the group starts counting again from zero.
struct ResetSpec {
  std::shared_ptr<const Predicate> when;
  std::vector<model::Field> match;  ///< fields that must equal the last counted event's
  std::string when_text;
};

struct Rule {
  std::string id, title, description;
  std::string file;
  std::uint32_t line = 0;

  std::vector<model::EventKind> when;
  std::shared_ptr<const Predicate> where;  ///< null = every event of `when`
  std::string where_text, fire_text;
  std::vector<model::Field> group_by;
  core::TimeNs window = 0;
  AggregateRegistry aggregates;
  std::shared_ptr<const Condition> fire;
  std::vector<DecisionTemplate> then;
  std::vector<NamedNumber> numbers;  ///< named numbers for reasons, in file order
  std::optional<CampaignSpec> campaign;
  std::optional<ResetSpec> reset;
  /// Fields taken from the named groups of `where`'s regexes (null: none; captures.h).
  std::shared_ptr<const Captures> captures;
  Params params;               ///< effective parameters (defaults + overrides)
  std::uint32_t evidence = 5;  ///< raw lines kept per finding
  /// `record: true`: a finding of this rule freezes the flight recorder (the last lines of
  /// every source and the last KPI samples to disk; docs/guard.md "Flight recorder").
  bool record = false;
};

}  // namespace bannin::ruleset
