// Domain names as people type them, turned into the form the DNS needs (stage: probe/domain;
// used by `bannin check` on its arguments and by the daemon's config reader on `domains:`).
//
// Japanese operators type `例え.jp` or `日本語.co.jp`; the DNS, RDAP and WHOIS need the A-label
// form `xn--r8jz45g.jp`. parse_domain_name() maps and converts with IDNA 2008 + UTS #46
// (non-transitional, libidn2: full-width letters and the ideographic full stop `。` are mapped,
// `ß` stays `ß`) and validates what the DNS will carry, so that a typo is refused before any
// query is sent instead of ending as "no parent server answered" or an RDAP "not registered":
//   - no empty label; one trailing dot allowed (the root);
//   - every label in A-label form is letters, digits and '-' (LDH, RFC 1123 §2.1 / RFC 5890
//     §2.3.1), at most 63 octets (RFC 1035 §2.3.4), neither starts nor ends with '-';
//   - U-labels and `xn--` labels must be valid IDNA 2008 (RFC 5891: no "--" in positions 3-4
//     outside `xn--`, a valid Punycode A-label, permitted code points, Bidi and joiner rules);
//   - the whole name is at most 253 octets in A-label form without the trailing dot;
//   - the last label is not all digits (an IPv4 address is not a domain: use --ip).
// Pure functions of their argument; safe from any thread. Fuzzed by
// tests/fuzz/domain_name_fuzz.cpp; unit tests in tests/unit/probe/domain_name_test.cpp.
#pragma once

#include <string>
#include <string_view>

#include <bannin/core/result.h>

namespace bannin::probe::domain {

/// The two spellings of one domain name.
struct DomainName {
  std::string ascii;    ///< A-label form, lower-case, no trailing dot: what the DNS is asked
  std::string unicode;  ///< U-label form for people (equals `ascii` for a non-IDN name)

  [[nodiscard]] bool is_idn() const noexcept { return ascii != unicode; }
};

constexpr std::size_t kMaxLabelOctets = 63;
constexpr std::size_t kMaxNameOctets = 253;

/// Validates and converts `text` (UTF-8). Errors (code "bad_domain") say which label breaks
/// which rule, e.g. "label 'aaaa…aaaa' is 64 octets long; at most 63 (RFC 1035)".
core::Result<DomainName> parse_domain_name(std::string_view text);

/// The U-label form of an A-label name ("xn--r8jz45g.jp" -> "例え.jp"); a label that does not
/// decode is kept as it is. For display only.
std::string unicode_form(std::string_view ascii);

}  // namespace bannin::probe::domain
