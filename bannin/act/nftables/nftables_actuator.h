// NftablesActuator: carries out ip and prefix Decisions in the kernel through libnftables
// (no fork/exec of `nft`: overload-guard ref §6). Owns one table, `inet <cfg.table>`, with
// four element sets (v4/v6 × address/prefix) and one input-hook chain that drops their
// sources (nft_commands.h shows the exact layout). Elements carry the decision's TTL as a
// kernel timeout, so a ban ends even if bannin is gone.
//
// apply() plans (nft_plan.h: pure, the kernel's state as input) and then executes: one
// transaction for the whole batch (install included when needed); if the
// kernel refuses it, the batch is split to find the elements at fault, within a small budget
// of extra calls, so one bad element does not fail thousands of good ones (bouncer ref §4.7).
// Decisions nftables cannot carry out (vhost_path, vhost, actions other than deny) are
// reported as Unsupported. Not thread-safe: one owner thread.
//
// Speed (docs/decisions/2026-11-25-nftables-speed.md): libnftables 1.0.6 loads every element
// of every set for any `list` or `get element` command, which costs minutes on a set of 1 M.
// So the questions asked before a batch (is the chain in place? does the table exist? which
// of these addresses are in the set already?) go to the kernel through NftNetlink instead,
// and only the small prefix sets are ever listed through libnftables. An address is added
// once; only where the kernel keeps an old timeout on re-add (asked once per actuator) and
// the address is in the set already does it go through add/delete/add.
#pragma once

#include <memory>
#include <string>

#include <bannin/act/actuator.h>
#include <bannin/act/nftables/nft_commands.h>
#include <bannin/act/nftables/nft_plan.h>

struct nft_ctx;

namespace bannin::act {
namespace nft {
class NftNetlink;
}

class NftablesActuator final : public Actuator {
 public:
  /// Creates the libnftables context; touches nothing in the kernel yet.
  static core::Result<std::unique_ptr<NftablesActuator>> create(nft::NftConfig cfg);
  ~NftablesActuator() override;

  std::vector<ActionResult> apply(std::span<const decide::Decision> batch) override;
  std::vector<ActionResult> revoke(std::span<const decide::Decision> batch) override;
  core::Result<FlushReport> flush() override;
  core::Result<std::vector<EnforcedEntry>> list() override;

  /// Checks that nftables can be used at all (a read-only query): errors "not_permitted"
  /// (not root / no CAP_NET_ADMIN) and "no_nftables" (kernel without nf_tables) say so.
  core::Result<bool> probe();

  /// Makes sure table, sets and chain exist with the configured priority (apply does this
  /// itself). Returns true when something was (or, in dry-run, would be) created.
  core::Result<bool> install();

  /// Number of libnftables calls made so far (each is one transaction or one query).
  [[nodiscard]] std::size_t calls() const noexcept { return calls_; }
  /// Whether re-adding an element sets its new timeout on this kernel (cfg.refresh, or asked
  /// once with a scratch set in bannin's table, removed again). False in dry-run under Auto.
  bool readd_refreshes();
  /// The command text of the last transaction sent.
  [[nodiscard]] const std::string& last_commands() const noexcept { return last_commands_; }

 private:
  explicit NftablesActuator(nft::NftConfig cfg, nft_ctx* ctx);
  struct Run {
    bool ok = false;
    std::string output;
    std::string error;  ///< first error line, trimmed
  };
  Run run(std::string commands, bool json, bool mutate);
  struct Layout {
    std::string commands;  ///< to put in front of element updates; "" when all is in place
    bool fresh = false;    ///< the table does not exist yet: every set is empty
  };
  /// What is missing of table, sets and chain, or an error when nftables cannot be used at
  /// all (not permitted, no kernel support).
  core::Result<Layout> layout();
  /// The prefixes in force now (both interval sets); empty when there is no table.
  std::vector<Target> existing_prefixes();
  /// apply, step 1: the pure planning steps (nft_plan.h) with the kernel's answers.
  nft::Plan plan_apply(std::span<const decide::Decision> batch);
  /// apply, step 2: one transaction; on a refusal ask again, retry once, then bisect.
  void execute(nft::Plan& plan);
  /// The kernel-query socket, opened on first use; nullptr when it cannot be used (then the
  /// slower libnftables listings are used instead).
  nft::NftNetlink* netlink();

  nft::NftConfig cfg_;
  nft_ctx* ctx_ = nullptr;
  std::size_t calls_ = 0;
  std::string last_commands_;
  std::unique_ptr<nft::NftNetlink> netlink_;
  bool netlink_failed_ = false;
  int readd_refreshes_ = -1;  ///< -1 unknown, 0 no, 1 yes
};

/// Classifies an nft error text: "not_permitted", "no_nftables", "not_found" or "nft_error".
std::string_view classify_nft_error(std::string_view error) noexcept;

}  // namespace bannin::act
