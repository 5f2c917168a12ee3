#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

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

std::optional<IpAddress> IpAddress::parse(std::string_view text) noexcept {
  std::uint32_t v4 = 0;
  if (parse_v4(text, v4)) return from_v4(v4);
  // IPv6: at least "::", at most a full form with an embedded IPv4 tail (45 chars).
  if (text.size() < 2 || text.size() > 45 || text.find(':') == std::string_view::npos) {
    return std::nullopt;
  }
  // inet_pton reads a C string: a NUL inside text would end it early ("::1\0junk" -> ::1),
  // so only the characters an IPv6 address is made of are let through.
  for (char c : text) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
              c == ':' || c == '.';
    if (!ok) return std::nullopt;
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
