// Small checks the API's request handling shares (router, server, decision requests, the
// finding and bouncer endpoints): ASCII lower-casing of header and query values, control
// characters in user-given text, loopback peers.
#pragma once

#include <string>
#include <string_view>

#include <bannin/core/ip_address.h>

namespace bannin::api {

/// s with A-Z lower-cased (header names, media types, query words: ASCII by protocol).
inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

/// True when s holds a C0 control character or DEL (refused in names, reasons, targets).
inline bool has_control(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return true;
  }
  return false;
}

/// 127.0.0.0/8 or ::1: a peer the API trusts without a token.
inline bool is_loopback(const core::IpAddress& ip) {
  if (ip.is_v4()) return (ip.v4() >> 24) == 127;
  return ip == *core::IpAddress::parse("::1");
}

}  // namespace bannin::api
