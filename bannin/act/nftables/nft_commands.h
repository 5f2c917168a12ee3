// The nftables command text bannin sends, built by pure functions so the exact text can be
// unit-tested without a kernel, and the parsers of what `nft -j list …` answers.
//
// What bannin installs (docs/enforcement.md):
//   table inet <table> {
//     set v4_addr { type ipv4_addr; flags timeout; }            single IPv4 addresses
//     set v4_net  { type ipv4_addr; flags interval,timeout; }   IPv4 prefixes
//     set v6_addr { type ipv6_addr; flags timeout; }
//     set v6_net  { type ipv6_addr; flags interval,timeout; }
//     chain input { type filter hook input priority <P>; policy accept;
//       ip saddr @v4_addr counter drop … (one rule per set) }
//   }
// Single addresses live in hash sets and prefixes in interval sets, so an address inside a
// denied prefix never "overlaps" (interval sets refuse overlapping elements, and auto-merge
// would fuse prefixes and shorten timeouts: docs/decisions/2026-11-25-nftables-sets.md).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/act/actuator.h>
#include <bannin/act/target.h>
#include <bannin/core/result.h>
#include <bannin/core/time.h>

namespace bannin::act::nft {

struct NftConfig {
  std::string table = "bannin";  ///< always family inet
  int priority = -10;            ///< input hook priority ("filter - 10"): before filter chains
  bool dry_run = false;          ///< check every command against the kernel, commit nothing
  std::int64_t max_timeout_s = 365LL * 86400;  ///< longer TTLs are cut to this
  /// Extra nft calls allowed to find which elements made a batch fail (bisection).
  int isolation_budget = 64;
  /// How an address already in the set gets its new timeout: Auto asks the kernel once
  /// (a scratch set: does a second add set the new timeout?), ReAdd trusts that it does
  /// (kernels 6.12+), Replace never does (add/delete/add for every address that exists).
  enum class Refresh { Auto, ReAdd, Replace };
  Refresh refresh = Refresh::Auto;
  /// Elements per `add element` command in a transaction.
  std::size_t per_line = 1000;
};

/// Set names, one per family and kind.
inline constexpr std::string_view kSetNames[] = {"v4_addr", "v4_net", "v6_addr", "v6_net"};
std::string_view set_name(const Target& t) noexcept;

/// A TTL as whole seconds for nftables: rounded up (a decision never ends early), at least 1,
/// at most max_s. Returns 0 for a TTL <= 0 (a decision without a TTL is refused).
std::int64_t timeout_seconds(core::TimeNs ttl, std::int64_t max_s) noexcept;

/// `add table` and the four `add set` commands: idempotent, keeps existing elements.
std::string ensure_table_commands(const NftConfig& cfg);
/// (Re)creates the input chain with cfg.priority and its drop rules, in one transaction
/// with no window: a base chain's priority cannot be changed in place (EOPNOTSUPP), and
/// appending rules to an existing chain would duplicate them.
std::string recreate_chain_commands(const NftConfig& cfg);

struct Upsert {
  Target target;
  std::int64_t timeout_s = 0;
  /// Addresses: the element is or may be in force, and this kernel keeps an element's old
  /// timeout when it is added again (Debian 12's 6.1; 6.12 and later set the new one).
  /// Prefixes: the exact element is in force now (known from a listing).
  bool exists = false;
};

/// Adds (or refreshes) elements with their timeouts, so that the decision's timeout is in
/// force afterwards even on kernels where re-adding an element keeps its old timeout.
///  - Addresses with `exists` are added (1 s), deleted and added again (the TTL) in the same
///    transaction: the first add makes the delete safe whether or not the element is still
///    there. Other addresses are only added (an add of a new element, or of any element on a
///    kernel that refreshes timeouts on re-add, needs nothing more).
///  - Prefixes (interval sets) cannot use that trick (after a delete in the same
///    transaction the second delete fails with ENOENT on 6.18), so the caller says which
///    exist: those are deleted and added, the others only added.
/// All deletes (`remove_first`: narrower prefixes a new wider one replaces, then existing
/// prefixes) come before all adds. At most `per_line` elements per command.
std::string upsert_commands(const NftConfig& cfg, std::span<const Upsert> elements,
                            std::span<const Target> remove_first, std::size_t per_line = 1000);
/// The elements in `nft get element …` text output (libnftables 1.0.6 prints `get` as text
/// even with JSON output on), canonical where they parse.
std::vector<std::string> parse_elements_text(std::string_view text);

/// Deletes elements that are known to be present.
std::string delete_commands(const NftConfig& cfg, std::span<const Target> elements,
                            std::size_t per_line = 1000);
/// Removes bannin's table, whether it exists or not (add, then delete: idempotent).
std::string delete_table_commands(const NftConfig& cfg);
/// Removes bannin's table; fails with ENOENT ("No such file or directory") when there is
/// none, which is how flush learns whether it existed without a listing.
std::string delete_table_command(const NftConfig& cfg);

/// Elements of every set of `table` in `nft -j list …` output (list table / list set /
/// get element). Sets of other tables are ignored.
core::Result<std::vector<EnforcedEntry>> parse_elements_json(std::string_view json,
                                                             std::string_view table);

struct ChainState {
  bool exists = false;
  bool base = false;  ///< has a hook
  std::string hook;
  int priority = 0;
  int rules = 0;
  /// The set each rule looks up, in rule order ("" for a rule without a lookup); filled by
  /// NftNetlink::chain_state, empty when the state comes from nft's JSON.
  std::vector<std::string> sets;
};
/// True when the chain is what recreate_chain_commands(cfg) installs: an input hook with
/// cfg.priority and the kRuleCount drop rules (checked set by set when `sets` is known).
bool chain_in_place(const ChainState& st, const NftConfig& cfg) noexcept;
/// The state of chain `input` of `table` from `nft -j list table inet <table>` output.
core::Result<ChainState> parse_chain_json(std::string_view json, std::string_view table);

/// The number of drop rules recreate_chain_commands installs.
inline constexpr int kRuleCount = 4;

}  // namespace bannin::act::nft
