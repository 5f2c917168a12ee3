// Incidents: findings grouped into what a person would call one event (GET /api/v1/incidents).
// A pure function of the findings and of the decisions they caused, so the grouping is tested
// without a store and gives the same incidents for the same rows, whatever the order they
// were read in.
//
//   1. Same rule and same group (the exact group JSON: one form path, one source, one
//      service), consecutive findings no further apart than the rule's gap: a wave that goes
//      on fires its rule again every window, so gap = 2 x window (at least kMinGap); a later
//      burst after a quiet gap is a new incident.
//   2. One source, several per-source rules ({"src_ip":X} groups), overlapping in time (each
//      within the larger gap of the other): one event — a scanner that trips two rules,
//      user enumeration followed by password guessing (whose decision the first one's made
//      redundant). The incident with the lowest id takes the others as linked findings.
//   3. Linked by a campaign, where the rules say so: a rule with `campaign:` decides on the
//      sources of its group (its members). A per-source incident of source X belongs to the
//      campaign incident that decided on X when it falls within that incident's time span
//      widened by its gap: the wave's sources that also tripped a per-source rule are the
//      same event. When several campaign incidents qualify, the one with the lowest id
//      takes it.
//   4. A form relay and its account's mail (S2/S3): an incident of outbound mail from an
//      account (mail.outbound.*) within model::kWebMailWindow of a form-relay incident
//      (web.form_relay.*) on a site of that account (the finding's account: from the
//      group, else the hosting inventory's site -> account of the event) is linked into the
//      form's incident — the notices tell them as one too (notify/notifier_join.cpp).
//
// An incident's id is the lowest id among its own findings (its rule and group), so it does
// not change as later findings of that group join it; linked findings never change it (only
// a merge of two incidents under 2, 3 or 4 retires the id of the one merged away).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <bannin/core/time.h>
#include <bannin/model/rule_kinds.h>

namespace bannin::api {

inline constexpr core::TimeNs kMinGap = core::TimeNs{600} * core::kNsPerSec;
/// For findings of rules the daemon does not have (removed, or the domain probe's).
inline constexpr core::TimeNs kDefaultGap = core::TimeNs{3600} * core::kNsPerSec;

/// max(2 x window, kMinGap); kDefaultGap for a window of 0.
core::TimeNs incident_gap(core::TimeNs window) noexcept;

struct IncidentFinding {
  std::int64_t id = 0;
  core::TimeNs ts = 0;
  std::string rule;
  std::string group_json;
  std::string account;  ///< the finding's hosting account ("" none)
};

struct IncidentRule {
  core::TimeNs gap = kDefaultGap;
  bool campaign = false;
};

struct Incident {
  std::int64_t id = 0;  ///< lowest id of its own findings
  std::string rule, group_json;
  core::TimeNs first = 0, last = 0;  ///< over own and linked findings
  std::vector<std::size_t> own;      ///< indexes into the input, oldest first
  std::vector<std::size_t> linked;   ///< per-source findings linked by the campaign, oldest first
};

/// X when group_json is exactly {"src_ip":"X"} (as detect::group_json writes it).
std::string_view sole_source(std::string_view group_json) noexcept;

/// Groups `findings`. `rule_of` gives each rule's gap and whether it is a campaign rule;
/// `members` maps a finding id to the addresses its decisions named (ip scope). Newest
/// incident (highest id) first.
std::vector<Incident> group_incidents(
    const std::vector<IncidentFinding>& findings,
    const std::function<IncidentRule(const std::string& rule)>& rule_of,
    const std::unordered_map<std::int64_t, std::vector<std::string>>& members);

}  // namespace bannin::api
