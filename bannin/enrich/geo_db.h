// GeoDb: country (and, with a MaxMind-format database, ASN) of an IP address.
//
// Embedded default: Debian's tor-geoipdb range files (/usr/share/tor/geoip for IPv4 as
// "first,last,CC" integer ranges; /usr/share/tor/geoip6 as "first,last,CC" address ranges),
// loaded once into one sorted table of 16-byte ranges searched by binary search. An operator
// may configure an .mmdb file instead (libmaxminddb). Loading reports located errors; lookups
// never fail (unknown = empty code). Immutable after loading, safe to share across threads.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/core/ip_address.h>
#include <bannin/core/ip_prefix.h>
#include <bannin/core/result.h>

namespace bannin::enrich {

/// ISO 3166-1 alpha-2 code, uppercase; empty view when unknown.
class CountryCode {
 public:
  CountryCode() = default;
  static CountryCode from(std::string_view s) noexcept;
  [[nodiscard]] std::string_view view() const noexcept {
    return c_[0] == 0 ? std::string_view{} : std::string_view(c_.data(), 2);
  }
  [[nodiscard]] bool known() const noexcept { return c_[0] != 0; }
  bool operator==(const CountryCode&) const = default;

 private:
  std::array<char, 2> c_{};
};

class GeoDb {
 public:
  GeoDb();
  ~GeoDb();
  GeoDb(GeoDb&&) noexcept;
  GeoDb& operator=(GeoDb&&) noexcept;

  static constexpr const char* kTorGeoip4 = "/usr/share/tor/geoip";
  static constexpr const char* kTorGeoip6 = "/usr/share/tor/geoip6";

  /// Loads tor-geoipdb range files (either path may be empty to skip that family).
  static core::Result<GeoDb> load_tor(const std::string& v4_path, const std::string& v6_path);
  /// Opens a MaxMind-format database (GeoLite2-Country/City, or an ASN database).
  static core::Result<GeoDb> load_mmdb(const std::string& path);
  /// Builds from ranges directly (tests).
  static GeoDb from_ranges(
      const std::vector<std::tuple<core::IpAddress, core::IpAddress, CountryCode>>& ranges);

  [[nodiscard]] CountryCode country(const core::IpAddress& ip) const noexcept;
  /// Autonomous system number, 0 when unknown (only .mmdb ASN databases have it).
  [[nodiscard]] std::uint32_t asn(const core::IpAddress& ip) const noexcept;
  [[nodiscard]] std::size_t ranges() const noexcept;
  /// Every network of the given countries as CIDR prefixes (IPv4 first, then IPv6, each in
  /// address order; adjacent ranges merged before the split into prefixes). From the range
  /// tables, or by walking an .mmdb's search tree (its IPv4 subtree reported as IPv4; the
  /// IPv4-mapped and 6to4 aliases skipped). What the web-server actuators allow-list.
  [[nodiscard]] std::vector<core::IpPrefix> networks(
      const std::vector<CountryCode>& countries) const;
  [[nodiscard]] bool empty() const noexcept { return ranges() == 0 && !has_mmdb(); }
  [[nodiscard]] bool has_mmdb() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bannin::enrich
