// The overload guard's nftables rules (issue 16, incident S4; docs/guard.md): pure functions
// that build the exact text, so it is unit-tested without a kernel (tests/unit/act/
// guard_rules_test.cpp), and the parser of a named counter's JSON.
//
// One table per guarded service, `inet <table>` (e.g. bannin_guard_dns), added whole when the
// guard switches on and deleted whole when it switches off: both are one atomic transaction,
// and in normal times nothing of it exists, so nothing is limited
// (ref/overload-guard.md §6.5). For a UDP service on port 53:
//
//   table inet bannin_guard_dns {
//     counter drops { }                       the guard's own drops: read every second, the
//                                             off-switch waits until it stops rising
//     set src4 { type ipv4_addr; size 65536; flags dynamic,timeout; timeout 10s; }
//     set net4 { … }  set src6 { type ipv6_addr; … }  set net6 { … }
//     chain pre { type filter hook prerouting priority raw; policy accept;
//       udp dport 53 update @src4 { ip saddr limit rate over 20/second burst 5 packets }
//           counter name "drops" drop
//       udp dport 53 update @net4 { ip saddr and 255.255.255.0 limit rate over 50/second
//           burst 10 packets } counter name "drops" drop
//       (the same for ip6 saddr and the /64)
//       udp dport 53 notrack                  a spoofed flood must not fill conntrack
//     }
//     chain rawout { type filter hook output priority raw; policy accept;
//       udp sport 53 notrack }
//   }
//
// `priority raw` runs before conntrack. For a TCP service the table adds, in an input chain,
// per-source new-connection rate limits and connection-count admission (`ct count`, which
// needs conntrack: TCP is never notracked), sized by the caller from memory headroom:
//     tcp dport 110 ct state new add @conn4 { ip saddr ct count over 16 } counter name "drops"
//         reject with tcp reset
//     tcp dport 110 ct state new ct count over 2000 counter name "drops" reject with tcp reset
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/core/result.h>

namespace bannin::act::nft {

struct GuardRuleSpec {
  std::string table;  ///< inet table name, e.g. bannin_guard_dns
  bool tcp = false;   ///< false: udp
  std::vector<std::uint16_t> ports;
  std::uint32_t per_source = 20;  ///< packets (UDP) or new connections (TCP) per second; 0 = none
  std::uint32_t source_burst = 5;
  std::uint32_t per_prefix = 50;  ///< per /prefix_v4 and /prefix_v6; 0 = none
  std::uint32_t prefix_burst = 10;
  int prefix_v4 = 24, prefix_v6 = 64;
  std::uint32_t set_size = 65536;  ///< elements per dynamic set (sources remembered)
  std::uint32_t set_timeout_s = 10;
  bool notrack = true;  ///< UDP: mark the port notrack
  /// TCP: connections one source may hold (0 = no limit) and all sources together (0 = none).
  std::uint32_t conns_per_source = 0;
  std::uint32_t conns_total = 0;
};

/// "255.255.255.0" for 24; "ffff:ffff:ffff:ffff::" for 64 (v6).
std::string prefix_mask(int len, bool v6);
/// The transaction that creates the guard's table (replacing one left over): add, delete and
/// add again, so it works whether or not the table exists.
std::string guard_on_commands(const GuardRuleSpec& spec);
/// The transaction that removes it, whether or not it exists.
std::string guard_off_commands(std::string_view table);
/// The command that reads the guard's counter (`list counter inet <table> drops`).
std::string guard_counter_command(std::string_view table);

struct CounterValue {
  std::uint64_t packets = 0, bytes = 0;
};
/// The counter `drops` in `nft -j list counter …` output.
core::Result<CounterValue> parse_counter_json(std::string_view json);

}  // namespace bannin::act::nft
