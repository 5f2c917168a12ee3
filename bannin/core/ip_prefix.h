// IpPrefix: an address or a network ("192.0.2.7", "2001:db8::/48"), host bits cleared, the
// length counted within the family (0..32 for IPv4, 0..128 for IPv6; a /32 or /128 is one
// address). The one prefix type of bannin: allowlists (decide), enforcement targets (act).
// The rule language keeps its own stricter literal syntax (a CIDR literal with host bits set
// is a typo there, not something to round down). Value type.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

#include <bannin/core/ip_address.h>

namespace bannin::core {

struct IpPrefix {
  IpAddress network;  ///< the address, or the prefix's network (host bits cleared)
  unsigned len = 0;   ///< prefix length within the family; 32/128 for one address

  [[nodiscard]] bool is_v4() const noexcept { return network.is_v4(); }
  [[nodiscard]] unsigned max_len() const noexcept { return is_v4() ? 32U : 128U; }
  [[nodiscard]] bool is_single() const noexcept { return len == max_len(); }
  /// True when every address of `other` is inside this prefix (same family).
  [[nodiscard]] bool contains(const IpPrefix& other) const noexcept;
  [[nodiscard]] bool contains(const IpAddress& ip) const noexcept;
  /// "192.0.2.7", "2001:db8::/48": the address alone for a single address.
  [[nodiscard]] std::string text() const;

  /// "ADDR" or "ADDR/LEN" (IPv4 or IPv6). Host bits are cleared; nullopt for anything else.
  static std::optional<IpPrefix> parse(std::string_view text) noexcept;

  auto operator<=>(const IpPrefix&) const = default;  // NOLINT(modernize-use-nullptr)
};

}  // namespace bannin::core
