#include <algorithm>
#include <cstring>

#include <arpa/inet.h>

#include <bannin/core/ip_address.h>
#include <bannin/core/scan.h>

namespace bannin::core {
namespace {

// Strict dotted quad: four decimal octets 0..255, no leading zeros (which some libcs read as
// octal), nothing else.
bool parse_v4(std::string_view s, std::uint32_t& out) noexcept {
  if (s.size() < 7 || s.size() > 15) return false;
  const char* end = s.data() + s.size();
  return parse_ipv4_prefix(s.data(), end, out) == end;
}

}  // namespace

namespace {

// RFC 4291 text form: up to eight 1-4 digit hex groups, at most one "::", and optionally a
// dotted-quad tail in place of the last two groups. Same acceptance as inet_pton(AF_INET6)
// (checked against it in tests), without the C-string copy: this runs per log line and per
// line of the geo database.
bool parse_v6(std::string_view s, std::array<std::uint8_t, 16>& out) noexcept {
  std::uint16_t groups[8] = {};
  int n = 0;     // groups written
  int gap = -1;  // index where "::" was
  std::size_t i = 0;
  if (s.size() < 2) return false;
  if (s[0] == ':') {
    if (s[1] != ':') return false;
    gap = 0;
    i = 2;
    if (i == s.size()) {
      out.fill(0);
      return true;
    }
  }
  while (i < s.size()) {
    if (n >= 8) return false;
    // Dotted-quad tail?
    std::size_t j = i;
    unsigned v = 0;
    int digits = 0;
    while (j < s.size() && hex_value(s[j]) >= 0 && digits < 5) {
      v = v * 16 + static_cast<unsigned>(hex_value(s[j]));
      ++j;
      ++digits;
    }
    if (j < s.size() && s[j] == '.') {
      if (n > 6) return false;
      std::uint32_t v4 = 0;
      const char* e = parse_ipv4_prefix(s.data() + i, s.data() + s.size(), v4);
      if (e != s.data() + s.size()) return false;
      groups[n++] = static_cast<std::uint16_t>(v4 >> 16);
      groups[n++] = static_cast<std::uint16_t>(v4 & 0xffff);
      break;
    }
    if (digits == 0 || digits > 4) return false;
    groups[n++] = static_cast<std::uint16_t>(v);
    i = j;
    if (i == s.size()) break;
    if (s[i] != ':') return false;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (gap >= 0) return false;  // a second "::"
      gap = n;
      ++i;
      if (i == s.size()) break;
    } else if (i == s.size()) {
      return false;  // trailing single ':'
    }
  }
  if (gap < 0 && n != 8) return false;
  if (gap >= 0 && n >= 8) return false;  // "::" must stand for at least one group
  std::uint16_t full[8] = {};
  if (gap < 0) {
    std::copy(groups, groups + 8, full);
  } else {
    int tail = n - gap;
    std::copy(groups, groups + gap, full);
    std::copy(groups + gap, groups + n, full + (8 - tail));
  }
  for (int k = 0; k < 8; ++k) {
    out[2 * static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(full[k] >> 8);
    out[2 * static_cast<std::size_t>(k) + 1] = static_cast<std::uint8_t>(full[k] & 0xff);
  }
  return true;
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) noexcept {
  std::uint32_t v4 = 0;
  if (parse_v4(text, v4)) return from_v4(v4);
  // IPv6: at least "::", at most a full form with an embedded IPv4 tail (45 chars).
  if (text.size() < 2 || text.size() > 45) return std::nullopt;
  IpAddress ip;
  if (!parse_v6(text, ip.bytes_)) return std::nullopt;
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

IpAddress IpAddress::masked(unsigned bits) const noexcept {
  IpAddress out = *this;
  unsigned total = is_v4() ? bits + 96 : bits;
  if (total > 128) total = 128;
  for (unsigned i = 0; i < 16; ++i) {
    unsigned keep = total > i * 8 ? std::min(8u, total - i * 8) : 0;
    out.bytes_[i] &= static_cast<std::uint8_t>(keep == 0 ? 0 : 0xff << (8 - keep));
  }
  return out;
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
