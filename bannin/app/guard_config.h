// `guard:` — the overload guard's configuration (docs/guard.md, schema/config.yaml
// guard.services): which services are guarded, by which KPI signal, at which thresholds, and
// how hard the limits bite once on. Parsed by the configuration loader (config.cpp calls
// parse_guard_services); every problem located at file:line:column.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <bannin/act/nftables/guard_rules.h>
#include <bannin/decide/overload_guard.h>

namespace YAML {
class Node;
}

namespace bannin::app {

/// The signals a guard can watch, each read from the KPI probe's sample (docs/guard.md).
/// Rates are per second; the headroom and fill signals are percentages.
enum class GuardSignal : std::uint8_t {
  UdpRcvbufErrors,  ///< udp.rcvbuf_errors + udp6.rcvbuf_errors (the namespace's)
  UdpInErrors,      ///< udp.in_errors + udp6.in_errors
  ServiceUdpDrops,  ///< service.udp_drops of the kpi service named by `service`
  ListenOverflows,  ///< tcp.listen_overflows
  ListenDrops,      ///< tcp.listen_drops
  MemAvailable,     ///< memory available, percent (a headroom: on below)
  ConntrackFill,    ///< conntrack table fill, percent
  PsiMemory,        ///< memory pressure (some, avg10), percent
  PsiCpu,           ///< CPU pressure (some, avg10), percent
};
const char* signal_name(GuardSignal s) noexcept;
/// True for the signals that switch on below their threshold (headroom).
bool signal_below(GuardSignal s) noexcept;

struct GuardServiceSpec {
  std::string name;
  GuardSignal signal = GuardSignal::UdpRcvbufErrors;
  std::string service;  ///< the kpi.services entry (service_udp_drops)
  decide::GuardThresholds thresholds;
  /// The rules (table name filled by the daemon from enforce.nftables.table).
  act::nft::GuardRuleSpec rules;
  /// TCP admission from memory headroom: conns_total = share × MemAvailable / conn_memory,
  /// clamped to [min_conns, max_conns], computed when the guard switches on.
  std::uint64_t conn_memory = std::uint64_t{256} * 1024;
  double headroom_share = 0.5;
  std::uint32_t min_conns = 64, max_conns = 1'000'000;
  bool operator==(const GuardServiceSpec& o) const;
};

struct GuardConfig {
  std::vector<GuardServiceSpec> services;  ///< empty: the guard is off
  bool operator==(const GuardConfig&) const = default;
};

/// Reads `guard.services` (a YAML list of maps) into out; problems get "FILE:LINE:COL: ...".
void parse_guard_services(const YAML::Node& list, const std::string& origin, const std::string& key,
                          std::vector<GuardServiceSpec>& out, std::vector<std::string>& problems);

}  // namespace bannin::app
