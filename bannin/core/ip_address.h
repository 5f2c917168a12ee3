// IpAddress: one 16-byte value for IPv4 and IPv6 (IPv4 stored as ::ffff:a.b.c.d), so that
// every stage handles both families with one type and one code path. Parsing is strict
// (no leading zeros trickery, no zone ids) and never allocates; it is on the hot path of
// every decoder. Value type, safe to copy across threads.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bannin::core {

class IpAddress {
 public:
  IpAddress() = default;

  /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (also "::ffff:1.2.3.4").
  /// Returns nullopt for anything else, including surrounding spaces and zone ids.
  static std::optional<IpAddress> parse(std::string_view text) noexcept;
  static IpAddress from_v4(std::uint32_t host_order) noexcept;
  static IpAddress from_bytes(const std::array<std::uint8_t, 16>& bytes) noexcept {
    IpAddress ip;
    ip.bytes_ = bytes;
    return ip;
  }
  /// The network of this address with `bits` leading bits kept (bits counted within the
  /// family: 0..32 for IPv4, 0..128 for IPv6).
  [[nodiscard]] IpAddress masked(unsigned bits) const noexcept;

  [[nodiscard]] bool is_v4() const noexcept;
  /// The IPv4 address in host byte order; only meaningful when is_v4().
  [[nodiscard]] std::uint32_t v4() const noexcept;
  [[nodiscard]] const std::array<std::uint8_t, 16>& bytes() const noexcept { return bytes_; }

  /// Appends the canonical text form (RFC 5952 for IPv6, dotted quad for IPv4).
  void append_to(std::string& out) const;
  /// Writes the canonical text into buf (at least 46 bytes); returns the length.
  std::size_t format(char* buf) const noexcept;
  [[nodiscard]] std::string to_string() const;

  auto operator<=>(const IpAddress&) const = default;  // NOLINT(modernize-use-nullptr)

 private:
  std::array<std::uint8_t, 16> bytes_{};
};

/// Maximum length of IpAddress::format output, including room for a NUL.
inline constexpr std::size_t kIpTextMax = 46;

}  // namespace bannin::core
