#include <charconv>

#include <bannin/act/target.h>

namespace bannin::act {

bool Target::contains(const Target& other) const noexcept {
  if (is_v4() != other.is_v4() || other.len < len) return false;
  return other.network.masked(len) == network;
}

std::string Target::text() const {
  std::string out = network.to_string();
  if (!is_single()) {
    out += '/';
    out += std::to_string(len);
  }
  return out;
}

std::optional<Target> Target::parse(std::string_view text) noexcept {
  std::size_t slash = text.find('/');
  auto ip = core::IpAddress::parse(text.substr(0, slash));
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
  return Target{ip->masked(len), len};
}

core::Result<Target> target_of(const decide::Decision& d) {
  std::string_view text;
  if (d.scope == "ip") {
    text = d.ip;
  } else if (d.scope == "prefix") {
    text = d.prefix;
  } else {
    return core::make_error("unsupported_scope",
                            "scope " + d.scope + " is not enforced at the address level");
  }
  auto t = Target::parse(text);
  if (!t) {
    return core::make_error("invalid_target",
                            "not an address or prefix: \"" + std::string(text) + "\"");
  }
  if (d.scope == "ip" && !t->is_single()) {
    return core::make_error("invalid_target", "scope ip with a prefix: " + std::string(text));
  }
  return *t;
}

}  // namespace bannin::act
