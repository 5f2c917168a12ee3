// NftGuard: carries out the overload guard's switches in the kernel through libnftables (no
// fork/exec of `nft`: ~19 ms a call, ref/overload-guard.md §6.5). switch_on adds a service's
// whole table (guard_rules.h) in one transaction, switch_off deletes it, drops() reads its
// named counter — never a listing of its sets, which holds every source the flood used
// (6.6 s of CPU per 40 s at 32 k elements in the lab). Owned by the daemon's guard thread;
// not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <bannin/act/nftables/guard_rules.h>
#include <bannin/core/result.h>

struct nft_ctx;

namespace bannin::act {
namespace nft {
class NftNetlink;
}

class NftGuard {
 public:
  static core::Result<std::unique_ptr<NftGuard>> create();
  ~NftGuard();
  NftGuard(const NftGuard&) = delete;
  NftGuard& operator=(const NftGuard&) = delete;

  core::Result<bool> switch_on(const nft::GuardRuleSpec& spec);
  core::Result<bool> switch_off(std::string_view table);
  /// Packets the guard's rules of `table` dropped since it went on (one netlink request).
  core::Result<std::uint64_t> drops(std::string_view table);
  /// The text of the last transaction (for errors and tests).
  [[nodiscard]] const std::string& last_commands() const noexcept { return last_; }

 private:
  explicit NftGuard(nft_ctx* ctx);
  core::Result<std::string> run(const std::string& commands, bool json);
  nft_ctx* ctx_ = nullptr;
  /// The counter is read straight over netlink (nft_netlink.h: one GETOBJ, microseconds);
  /// libnftables' `list counter` first loads every element of every set of the table
  /// (0.6 s with 50 k sources in the limit sets, measured here). Null: it could not be
  /// opened, and the libnftables command is used.
  std::unique_ptr<nft::NftNetlink> netlink_;
  std::string last_;
};

}  // namespace bannin::act
