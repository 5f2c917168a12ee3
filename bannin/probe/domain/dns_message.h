// A DNS response as bannin's domain checks need it: header flags (QR, AA, TC, RD, RA), rcode,
// section counts, and the records of every section with the few rdata types the checks read
// (A, AAAA, NS, CNAME, SOA), plus the EDNS Extended DNS Error (RFC 8914) when present.
//
// parse_dns_message() is a pure function of untrusted bytes (STYLE §3.1): it never throws or
// reads out of bounds, follows compression pointers only backwards and at most a bounded
// number of times, and returns a reason instead of a message when the packet is malformed.
// Fuzzed by tests/fuzz/dns_message_fuzz.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/core/result.h>

namespace bannin::probe::domain {

enum class RrType : std::uint16_t {
  A = 1,
  NS = 2,
  CNAME = 5,
  SOA = 6,
  TXT = 16,
  AAAA = 28,
  DS = 43,
  OPT = 41,
};

enum class Rcode : std::uint8_t {
  NoError = 0,
  FormErr = 1,
  ServFail = 2,
  NxDomain = 3,
  NotImp = 4,
  Refused = 5,
};

/// One resource record. `name` is lower-case, without the trailing dot ("" is the root).
/// `data` holds the decoded rdata for A/AAAA (address text), NS/CNAME (target name) and SOA
/// (primary server name); it is empty for other types.
struct DnsRecord {
  std::string name;
  std::uint16_t type = 0;
  std::uint16_t klass = 0;
  std::uint32_t ttl = 0;
  std::string data;
};

struct DnsMessage {
  std::uint16_t id = 0;
  bool qr = false;
  bool aa = false;
  bool tc = false;
  bool rd = false;
  bool ra = false;
  std::uint8_t rcode = 0;  ///< the 4 header bits (extended rcode bits are not combined)
  std::string qname;       ///< the first question's name, lower-case
  std::uint16_t qtype = 0;
  std::vector<DnsRecord> answer;
  std::vector<DnsRecord> authority;
  std::vector<DnsRecord> additional;  ///< without the OPT pseudo-record
  bool has_opt = false;
  std::optional<std::uint16_t> ede_code;  ///< RFC 8914 INFO-CODE of the first EDE option
  std::string ede_text;                   ///< its EXTRA-TEXT (may be empty)

  [[nodiscard]] bool has_soa_in_authority() const noexcept;
  /// Records of `type` in `section` whose owner is `owner` (lower-case, no trailing dot).
  [[nodiscard]] std::vector<const DnsRecord*> find(const std::vector<DnsRecord>& section,
                                                   RrType type, std::string_view owner) const;
};

/// Parses a DNS message. Errors: "dns_short_header", "dns_truncated", "dns_bad_name",
/// "dns_bad_rdata". Records beyond kMaxRecords per section are ignored (counted as none).
core::Result<DnsMessage> parse_dns_message(const std::uint8_t* data, std::size_t size);

/// Human name of an rcode ("NOERROR", "NXDOMAIN", …; "RCODE<n>" for others).
std::string rcode_name(std::uint8_t rcode);

/// Lower-cases an ASCII domain name and removes one trailing dot.
std::string normalize_name(std::string_view name);

}  // namespace bannin::probe::domain
