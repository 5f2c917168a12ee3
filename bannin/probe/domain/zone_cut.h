// Finding the parent zone of a domain the way a resolver finds a zone cut (stage:
// probe/domain; called by checker.cpp on the thread that runs the checks, between DNS rounds).
//
// The parent of `example.co.jp` is `jp`, not `co.jp`: `co.jp` is no zone of its own, just
// names inside `jp` (the same for .ne.jp, .or.jp, .ac.jp, .com.au, .co.uk …). Counting
// labels, or a public suffix list, cannot know where the cuts are; the DNS can. The checker
// asks a recursive resolver for the NS of the domain minus its first label, and hands each
// answer to next_zone_cut_step(), which says what the answer means:
//   - NS records owned by the asked name (or a referral to it): a zone cut -> Found;
//   - NODATA or NXDOMAIN with an SOA in AUTHORITY: the asked name lies inside the SOA's zone
//     (RFC 2308 §2.1/§2.2) -> ask that zone's NS next (AskParent), one round trip instead of
//     a walk label by label;
//   - NODATA/NXDOMAIN without a usable SOA, or a CNAME (never at a zone apex): walk up one
//     label;
//   - SERVFAIL, REFUSED and other rcodes: Failed, with the rcode.
// AskParent always names a proper ancestor of the asked name, so a walk ends after at most
// as many steps as the name has labels. Pure: a function of the parsed answer only (fuzzed
// through tests/fuzz/dns_message_fuzz.cpp; unit tests in tests/unit/probe/zone_cut_test.cpp).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <bannin/probe/domain/dns_message.h>

namespace bannin::probe::domain {

struct ZoneCutStep {
  enum class Kind { Found, AskParent, Failed };
  Kind kind = Kind::Failed;
  /// Found: the zone whose NS were answered. AskParent: the name to ask for NS next.
  std::string zone;
  std::vector<std::string> ns;  ///< Found: the zone's NS names, sorted, no duplicates
  /// Found: IPv4 addresses (A) of those NS names from the ADDITIONAL section.
  std::map<std::string, std::vector<std::string>> addresses;
  /// AskParent: why ("no zone at 'co.test'; it lies in 'test'"); Failed: what went wrong.
  std::string reason;
};

/// The name to ask first for the parent of `domain` (lower-case A-labels, no trailing dot):
/// the domain minus its first label ("" = the root for a single label).
std::string zone_cut_start(const std::string& domain);

/// What the resolver's answer `m` to "NS `asked`" (RD=1) means for the search of the zone
/// that holds `asked`. `asked` is lower-case, no trailing dot, "" for the root.
ZoneCutStep next_zone_cut_step(const std::string& asked, const DnsMessage& m);

}  // namespace bannin::probe::domain
