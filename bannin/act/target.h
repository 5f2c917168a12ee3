// Target: the address or prefix a Decision is enforced on, in the one canonical form every
// actuator uses (host bits cleared, a /32 or /128 prefix is a single address). Value type.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

#include <bannin/core/ip_address.h>
#include <bannin/core/result.h>
#include <bannin/decide/decision.h>

namespace bannin::act {

struct Target {
  core::IpAddress network;  ///< the address, or the prefix's network (host bits cleared)
  unsigned len = 0;         ///< prefix length within the family; 32/128 for one address

  [[nodiscard]] bool is_v4() const noexcept { return network.is_v4(); }
  [[nodiscard]] unsigned max_len() const noexcept { return is_v4() ? 32U : 128U; }
  [[nodiscard]] bool is_single() const noexcept { return len == max_len(); }
  /// True when every address of `other` is inside this target (same family).
  [[nodiscard]] bool contains(const Target& other) const noexcept;
  /// "192.0.2.7", "2001:db8::/48": the address alone for a single address.
  [[nodiscard]] std::string text() const;

  /// "ADDR" or "ADDR/LEN" (IPv4 or IPv6). Host bits are cleared; nullopt for anything else.
  static std::optional<Target> parse(std::string_view text) noexcept;

  auto operator<=>(const Target&) const = default;
};

/// The target of an ip or prefix Decision. Errors (codes): "unsupported_scope" for scopes an
/// address-level actuator cannot carry out (vhost_path, vhost, …), "invalid_target" for an
/// address or prefix that does not parse.
core::Result<Target> target_of(const decide::Decision& d);

}  // namespace bannin::act
