#include <charconv>

#include <bannin/core/ip_prefix.h>

namespace bannin::core {

bool IpPrefix::contains(const IpPrefix& other) const noexcept {
  if (is_v4() != other.is_v4() || other.len < len) return false;
  return other.network.masked(len) == network;
}

bool IpPrefix::contains(const IpAddress& ip) const noexcept {
  if (ip.is_v4() != is_v4()) return false;
  return ip.masked(len) == network;
}

std::string IpPrefix::text() const {
  std::string out = network.to_string();
  if (!is_single()) {
    out += '/';
    out += std::to_string(len);
  }
  return out;
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) noexcept {
  std::size_t slash = text.find('/');
  auto ip = IpAddress::parse(text.substr(0, slash));
  if (!ip) return std::nullopt;
  unsigned max = ip->is_v4() ? 32U : 128U;
  unsigned len = max;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), len);
    if (ec != std::errc{} || end != digits.data() + digits.size() || len > max) {
      return std::nullopt;
    }
  }
  return IpPrefix{ip->masked(len), len};
}

}  // namespace bannin::core
