// The pure half of NftablesActuator::apply: which elements a batch of Decisions puts into
// which set with which timeout, and which decisions get a final outcome without a kernel
// call (unsupported, invalid, covered by a wider prefix). No I/O: every fact about the kernel
// comes in through KernelState, so the whole decision can be unit-tested without nftables
// (tests/unit/act/nft_plan_test.cpp). NftablesActuator asks the kernel between the steps,
// and only what the batch needs (docs/enforcement.md "How a batch is applied"):
//
//   Plan p = group_batch(batch, cfg);                 // sort + group, outcomes of bad ones
//   if (p.has_prefixes) cover_prefixes(p, <prefixes in force>);   // else cover_prefixes(p, {})
//   if (!p.todo.empty()) set_layout(p, <layout, presence of addresses>, cfg);
//   commands(p, ids, cfg) -> the transaction text; complete(p, id, ok, error, cfg) -> results
//
// plan(batch, kernel_state, cfg) runs the three steps at once. Plans are values: built and
// used by the actuator's one owner thread, or by a test.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/act/actuator.h>
#include <bannin/act/nftables/nft_commands.h>
#include <bannin/act/target.h>

namespace bannin::act::nft {

/// What the kernel holds, as far as a batch needs to know.
struct KernelState {
  std::vector<Target> prefixes;  ///< prefixes in force now (both interval sets)
  /// Non-empty when nftables cannot be used at all (not permitted, no nf_tables): every
  /// element to put in force fails with this text.
  std::string layout_error;
  std::string install;          ///< commands creating what is missing of table/sets/chain
  bool fresh = false;           ///< the table does not exist yet: every set is empty
  bool readd_refreshes = true;  ///< re-adding an element sets its new timeout (6.12+)
  /// Addresses known not to be in their set. Any other address may be there, which matters
  /// only where !readd_refreshes (it is then added, deleted and added again).
  std::vector<Target> absent;
};

/// One distinct target of the batch.
struct PlannedTarget {
  Target target;
  std::size_t begin = 0, end = 0;  ///< its decisions: Plan::order[begin, end)
  std::int64_t timeout_s = 0;      ///< the longest TTL among them
  std::vector<Target> replaces;    ///< narrower prefixes in force that this one replaces
  bool exists = false;             ///< see Upsert::exists
};

struct Plan {
  /// One per decision, in batch order. Final for every decision not in `todo`; those get
  /// theirs from complete().
  std::vector<ActionResult> results;
  /// Decision indexes grouped by target (no vector per target: a batch can hold a million).
  std::vector<std::size_t> order;
  std::vector<PlannedTarget> groups;  ///< sorted by target
  std::vector<std::size_t> todo;      ///< groups to put in force (not covered)
  bool has_prefixes = false;          ///< cover_prefixes needs the prefixes in force
  std::string install;                ///< set_layout: what goes in front of the elements
};

/// Step 1: one group per distinct target (longest TTL wins), outcomes for decisions
/// nftables cannot carry out (scope, action, no TTL, bad address).
Plan group_batch(std::span<const decide::Decision> batch, const NftConfig& cfg);

/// Step 2: interval sets refuse overlapping elements, so a prefix inside a wider one (in
/// this batch or in force) is Covered, and narrower prefixes in force are replaced by a
/// wider new one. Fills `todo`.
void cover_prefixes(Plan& plan, std::span<const Target> in_force);

/// The addresses of `todo` that belong in `set` (v4_addr or v6_addr): what to ask the
/// kernel about before set_layout, where re-adding does not refresh a timeout.
std::vector<Target> addresses_in(const Plan& plan, std::string_view set);

/// Step 3: the layout commands and which addresses may exist. With a layout error every
/// element of `todo` is Failed (and `todo` is emptied).
void set_layout(Plan& plan, const KernelState& kernel, const NftConfig& cfg);

/// Again after a refused transaction: the prefixes in force now (what exists and what is
/// replaced) and the layout commands from a fresh look.
void refresh_prefixes(Plan& plan, std::span<const Target> in_force);

/// Steps 1-3 on a complete kernel snapshot.
Plan plan(std::span<const decide::Decision> batch, const KernelState& kernel, const NftConfig& cfg);

/// The transaction putting todo[ids] in force (layout commands included).
std::string commands(const Plan& plan, std::span<const std::size_t> ids, const NftConfig& cfg);

/// The outcome of todo[id]: Applied (DryRun) with notes, or Failed with the kernel's error.
void complete(Plan& plan, std::size_t id, bool ok, const std::string& error, const NftConfig& cfg);

/// Classifies an nft error text: "not_permitted", "no_nftables", "not_found" or "nft_error".
std::string_view classify_error(std::string_view error) noexcept;
/// An error for people: what the class means, then nft's text.
std::string explain_error(std::string_view code, const std::string& error);

}  // namespace bannin::act::nft
