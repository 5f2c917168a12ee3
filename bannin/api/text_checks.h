// Small checks the API's request handling shares (router, server, decision requests, the
// finding and bouncer endpoints): ASCII lower-casing of header and query values, control
// characters in user-given text, loopback peers.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
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

/// A row id given in a path or query (an incident, a decision): 1 to 18 decimal digits, > 0;
/// nullopt for anything else (signs, spaces, overflow).
inline std::optional<std::int64_t> parse_positive_id(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::int64_t id = 0;
  std::from_chars(s.data(), s.data() + s.size(), id);  // 18 digits always fit
  if (id <= 0) return std::nullopt;
  return id;
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
