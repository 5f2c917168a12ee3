#include <arpa/inet.h>

#include <cstring>

#include <bannin/core/ip_address.h>

namespace bannin::core {
namespace {

// Strict dotted quad: four decimal octets 0..255, no leading zeros (which some libcs read as
// octal), nothing else.
bool parse_v4(std::string_view s, std::uint32_t& out) noexcept {
  if (s.size() < 7 || s.size() > 15) return false;
  std::uint32_t value = 0;
  int octets = 0;
  std::size_t i = 0;
  while (true) {
    if (i >= s.size()) return false;
    std::uint32_t octet = 0;
    std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      octet = octet * 10 + static_cast<std::uint32_t>(s[i] - '0');
      if (i - start >= 3) return false;
      ++i;
    }
    std::size_t len = i - start;
    if (len == 0 || len > 3 || octet > 255) return false;
    if (len > 1 && s[start] == '0') return false;
    value = (value << 8) | octet;
    ++octets;
    if (octets == 4) {
      out = value;
      return i == s.size();
    }
    if (i >= s.size() || s[i] != '.') return false;
    ++i;
  }
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) noexcept {
  std::uint32_t v4 = 0;
  if (parse_v4(text, v4)) return from_v4(v4);
  // IPv6: at least "::", at most a full form with an embedded IPv4 tail (45 chars).
  if (text.size() < 2 || text.size() > 45 || text.find(':') == std::string_view::npos) {
    return std::nullopt;
  }
  char buf[64];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress ip;
  if (inet_pton(AF_INET6, buf, ip.bytes_.data()) != 1) return std::nullopt;
  return ip;
}

IpAddress IpAddress::from_v4(std::uint32_t host_order) noexcept {
  IpAddress ip;
  ip.bytes_[10] = 0xff;
  ip.bytes_[11] = 0xff;
  ip.bytes_[12] = static_cast<std::uint8_t>(host_order >> 24);
  ip.bytes_[13] = static_cast<std::uint8_t>(host_order >> 16);
  ip.bytes_[14] = static_cast<std::uint8_t>(host_order >> 8);
  ip.bytes_[15] = static_cast<std::uint8_t>(host_order);
  return ip;
}

bool IpAddress::is_v4() const noexcept {
  static constexpr std::uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(bytes_.data(), kPrefix, 12) == 0;
}

std::uint32_t IpAddress::v4() const noexcept {
  return (std::uint32_t{bytes_[12]} << 24) | (std::uint32_t{bytes_[13]} << 16) |
         (std::uint32_t{bytes_[14]} << 8) | std::uint32_t{bytes_[15]};
}

std::size_t IpAddress::format(char* buf) const noexcept {
  if (is_v4()) {
    char* p = buf;
    for (int i = 12; i < 16; ++i) {
      unsigned v = bytes_[i];
      if (v >= 100) {
        *p++ = static_cast<char>('0' + v / 100);
        *p++ = static_cast<char>('0' + (v / 10) % 10);
      } else if (v >= 10) {
        *p++ = static_cast<char>('0' + v / 10);
      }
      *p++ = static_cast<char>('0' + v % 10);
      if (i != 15) *p++ = '.';
    }
    *p = '\0';
    return static_cast<std::size_t>(p - buf);
  }
  if (inet_ntop(AF_INET6, bytes_.data(), buf, kIpTextMax) == nullptr) {
    buf[0] = '\0';
    return 0;
  }
  return std::strlen(buf);
}

void IpAddress::append_to(std::string& out) const {
  char buf[kIpTextMax];
  out.append(buf, format(buf));
}

std::string IpAddress::to_string() const {
  std::string s;
  append_to(s);
  return s;
}

}  // namespace bannin::core
