#include <cctype>
#include <cmath>
#include <cstdlib>

#include <yaml-cpp/yaml.h>

#include <bannin/app/config.h>
#include <bannin/app/guard_config.h>
#include <bannin/core/yaml_where.h>

namespace bannin::app {

namespace {

struct SignalName {
  GuardSignal s;
  const char* name;
  bool below;
};
constexpr SignalName kSignals[] = {
    {GuardSignal::UdpRcvbufErrors, "udp_rcvbuf_errors", false},
    {GuardSignal::UdpInErrors, "udp_in_errors", false},
    {GuardSignal::ServiceUdpDrops, "service_udp_drops", false},
    {GuardSignal::ListenOverflows, "listen_overflows", false},
    {GuardSignal::ListenDrops, "listen_drops", false},
    {GuardSignal::MemAvailable, "mem_available", true},
    {GuardSignal::ConntrackFill, "conntrack_fill", false},
    {GuardSignal::PsiMemory, "psi_memory", false},
    {GuardSignal::PsiCpu, "psi_cpu", false},
};

// "100", "100/s", "2.5", "10%": a non-negative number; the unit suffix is optional.
bool parse_level(std::string t, double& out) {
  if (t.size() > 2 && t.compare(t.size() - 2, 2, "/s") == 0) t.resize(t.size() - 2);
  if (!t.empty() && t.back() == '%') t.pop_back();
  if (t.empty()) return false;
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (*end != '\0' || !std::isfinite(v) || v < 0) return false;
  out = v;
  return true;
}

// "20/s" or "20" (per second), "0" = none.
bool parse_rate(std::string t, std::uint32_t& out) {
  if (t.size() > 2 && t.compare(t.size() - 2, 2, "/s") == 0) t.resize(t.size() - 2);
  if (t.empty()) return false;
  char* end = nullptr;
  const long v = std::strtol(t.c_str(), &end, 10);
  if (*end != '\0' || v < 0 || v > 10'000'000) return false;
  out = static_cast<std::uint32_t>(v);
  return true;
}

bool parse_uint(const std::string& t, std::uint64_t lo, std::uint64_t hi, std::uint64_t& out) {
  if (t.empty()) return false;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(t.c_str(), &end, 10);
  if (*end != '\0' || t[0] == '-' || v < lo || v > hi) return false;
  out = v;
  return true;
}

// "256k", "1m", "4096": bytes.
bool parse_bytes(const std::string& t, std::uint64_t& out) {
  if (t.empty()) return false;
  std::uint64_t mult = 1;
  std::string n = t;
  const char u = static_cast<char>(std::tolower(static_cast<unsigned char>(n.back())));
  if (u == 'k' || u == 'm' || u == 'g') {
    mult = u == 'k' ? 1024ULL : u == 'm' ? 1024ULL * 1024 : 1024ULL * 1024 * 1024;
    n.pop_back();
  }
  std::uint64_t v = 0;
  if (!parse_uint(n, 1, 1ULL << 40, v)) return false;
  out = v * mult;
  return true;
}

}  // namespace

const char* signal_name(GuardSignal s) noexcept {
  for (const auto& n : kSignals) {
    if (n.s == s) return n.name;
  }
  return "?";
}

bool signal_below(GuardSignal s) noexcept {
  for (const auto& n : kSignals) {
    if (n.s == s) return n.below;
  }
  return false;
}

bool GuardServiceSpec::operator==(const GuardServiceSpec& o) const {
  const auto& a = thresholds;
  const auto& b = o.thresholds;
  const auto& r = rules;
  const auto& q = o.rules;
  return name == o.name && signal == o.signal && service == o.service && a.below == b.below &&
         a.on == b.on && a.off == b.off && a.on_after == b.on_after &&
         a.quiet_after == b.quiet_after && a.hold == b.hold && a.own_quiet == b.own_quiet &&
         r.tcp == q.tcp && r.ports == q.ports && r.per_source == q.per_source &&
         r.source_burst == q.source_burst && r.per_prefix == q.per_prefix &&
         r.prefix_burst == q.prefix_burst && r.prefix_v4 == q.prefix_v4 &&
         r.prefix_v6 == q.prefix_v6 && r.set_size == q.set_size &&
         r.set_timeout_s == q.set_timeout_s && r.notrack == q.notrack &&
         r.conns_per_source == q.conns_per_source && conn_memory == o.conn_memory &&
         headroom_share == o.headroom_share && min_conns == o.min_conns && max_conns == o.max_conns;
}

void parse_guard_services(const YAML::Node& list, const std::string& origin, const std::string& key,
                          std::vector<GuardServiceSpec>& out, std::vector<std::string>& problems) {
  out.clear();
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence()) {
    problems.push_back(core::yaml_where(origin, list) + ": " + key +
                       ": expected a list of guarded services (- name: dns, proto: udp, ports: "
                       "[53], signal: udp_rcvbuf_errors, on_above: 100/s)");
    return;
  }
  for (const auto& s : list) {
    if (!s.IsMap()) {
      problems.push_back(core::yaml_where(origin, s) + ": " + key +
                         ": each guarded service is a map (name: ..., ports: ...)");
      continue;
    }
    GuardServiceSpec spec;
    bool ok = true;
    bool signal_given = false, level_given = false, off_given = false;
    std::string level_key;
    auto problem = [&](const YAML::Node& n, const std::string& what) {
      problems.push_back(core::yaml_where(origin, n) + ": " + key + ": " + what);
      ok = false;
    };
    auto duration = [&](const YAML::Node& n, const std::string& k, core::TimeNs& d) {
      core::TimeNs v = 0;
      if (!parse_duration(n.Scalar(), v) || v < 0) {
        problem(n, k + ": '" + n.Scalar() + "' is not a duration (e.g. 10s, 1m)");
        return;
      }
      d = v;
    };
    core::TimeNs on_after = 2 * core::kNsPerSec, quiet_after = 10 * core::kNsPerSec;
    core::TimeNs set_timeout = 10 * core::kNsPerSec;
    for (const auto& kv : s) {
      const std::string k = kv.first.Scalar();
      const YAML::Node& v = kv.second;
      if (k != "ports" && !v.IsScalar()) {
        problem(v, k + ": expected a single value");
        continue;
      }
      const std::string t = v.IsScalar() ? v.Scalar() : std::string();
      std::uint64_t n = 0;
      if (k == "name") {
        spec.name = t;
        bool good = !t.empty() && t.size() <= 20;
        for (char c : t) {
          good = good && (std::islower(static_cast<unsigned char>(c)) ||
                          std::isdigit(static_cast<unsigned char>(c)) || c == '_');
        }
        if (!good) problem(v, "name '" + t + "': a-z, 0-9 and _ (1-20; it names an nft table)");
      } else if (k == "proto") {
        if (t == "udp" || t == "tcp") {
          spec.rules.tcp = t == "tcp";
        } else {
          problem(v, "proto: '" + t + "' is not udp or tcp");
        }
      } else if (k == "ports") {
        std::vector<YAML::Node> items;
        if (v.IsSequence()) {
          for (const auto& p : v) items.push_back(p);
        } else if (v.IsScalar()) {
          items.push_back(v);
        }
        if (items.empty()) problem(v, "ports: expected a list of ports");
        for (const auto& p : items) {
          const std::string pt = p.IsScalar() ? p.Scalar() : "";
          if (!parse_uint(pt, 1, 65535, n)) {
            problem(p, "ports: '" + pt + "' is not a port (1-65535)");
            continue;
          }
          spec.rules.ports.push_back(static_cast<std::uint16_t>(n));
        }
      } else if (k == "signal") {
        signal_given = true;
        bool found = false;
        for (const auto& sn : kSignals) {
          if (t == sn.name) {
            spec.signal = sn.s;
            found = true;
          }
        }
        if (!found) {
          std::string names;
          for (const auto& sn : kSignals)
            names += (names.empty() ? "" : ", ") + std::string(sn.name);
          problem(v, "signal: '" + t + "' is not one of " + names);
        }
      } else if (k == "service") {
        spec.service = t;
      } else if (k == "on_above" || k == "on_below") {
        level_given = true;
        level_key = k;
        if (!parse_level(t, spec.thresholds.on)) {
          problem(v, k + ": '" + t + "' is not a number (100, 100/s, 10%)");
        }
      } else if (k == "off_at") {
        off_given = true;
        if (!parse_level(t, spec.thresholds.off)) {
          problem(v, k + ": '" + t + "' is not a number (100, 100/s, 10%)");
        }
      } else if (k == "on_after") {
        duration(v, k, on_after);
      } else if (k == "quiet_after") {
        duration(v, k, quiet_after);
      } else if (k == "hold") {
        duration(v, k, spec.thresholds.hold);
      } else if (k == "own_quiet") {
        if (!parse_level(t, spec.thresholds.own_quiet)) {
          problem(v, k + ": '" + t + "' is not a rate (10/s)");
        }
      } else if (k == "per_source" || k == "per_prefix") {
        if (!parse_rate(t, k == "per_source" ? spec.rules.per_source : spec.rules.per_prefix)) {
          problem(v, k + ": '" + t + "' is not a rate (20/s; 0 = no limit)");
        }
      } else if (k == "source_burst" || k == "prefix_burst") {
        if (!parse_uint(t, 1, 1'000'000, n)) {
          problem(v, k + ": '" + t + "' is not a packet count (1-1000000)");
        } else {
          (k == "source_burst" ? spec.rules.source_burst : spec.rules.prefix_burst) =
              static_cast<std::uint32_t>(n);
        }
      } else if (k == "prefix_v4" || k == "prefix_v6") {
        const std::uint64_t hi = k == "prefix_v4" ? 32 : 128;
        if (!parse_uint(t, 8, hi, n)) {
          problem(v, k + ": '" + t + "' is not a prefix length (8-" + std::to_string(hi) + ")");
        } else {
          (k == "prefix_v4" ? spec.rules.prefix_v4 : spec.rules.prefix_v6) = static_cast<int>(n);
        }
      } else if (k == "set_size") {
        if (!parse_uint(t, 16, 16'777'216, n)) {
          problem(v, k + ": '" + t + "' is not a size (16-16777216)");
        } else {
          spec.rules.set_size = static_cast<std::uint32_t>(n);
        }
      } else if (k == "set_timeout") {
        duration(v, k, set_timeout);
      } else if (k == "notrack") {
        if (t == "true" || t == "false") {
          spec.rules.notrack = t == "true";
        } else {
          problem(v, "notrack: '" + t + "' is not true or false");
        }
      } else if (k == "conns_per_source") {
        if (!parse_uint(t, 0, 1'000'000, n)) {
          problem(v, k + ": '" + t + "' is not a count (0 = no limit)");
        } else {
          spec.rules.conns_per_source = static_cast<std::uint32_t>(n);
        }
      } else if (k == "conn_memory") {
        if (!parse_bytes(t, spec.conn_memory)) problem(v, k + ": '" + t + "' is not a size (256k)");
      } else if (k == "headroom_share") {
        double d = 0;
        if (!parse_level(t, d) || d <= 0 || d > 1) {
          problem(v, k + ": '" + t + "' is not a share in (0, 1]");
        } else {
          spec.headroom_share = d;
        }
      } else if (k == "min_conns" || k == "max_conns") {
        if (!parse_uint(t, 1, 100'000'000, n)) {
          problem(v, k + ": '" + t + "' is not a count");
        } else {
          (k == "min_conns" ? spec.min_conns : spec.max_conns) = static_cast<std::uint32_t>(n);
        }
      } else {
        problem(kv.first, "unknown key '" + k +
                              "' for a guarded service (docs/guard.md lists them: name, proto, "
                              "ports, signal, service, on_above/on_below, off_at, on_after, "
                              "quiet_after, hold, own_quiet, per_source, per_prefix, ...)");
      }
    }
    if (!ok) continue;
    if (spec.name.empty()) {
      problem(s, "a guarded service needs a name");
      continue;
    }
    if (spec.rules.ports.empty()) {
      problem(s, "guarded service " + spec.name + " needs ports: [...]");
      continue;
    }
    if (!signal_given && spec.rules.tcp) spec.signal = GuardSignal::MemAvailable;
    spec.thresholds.below = signal_below(spec.signal);
    if (!level_given) {
      problem(s, "guarded service " + spec.name + " needs " +
                     (spec.thresholds.below ? "on_below" : "on_above") + ": the level of " +
                     signal_name(spec.signal) + " that switches it on");
      continue;
    }
    if ((level_key == "on_below") != spec.thresholds.below) {
      problem(s, "guarded service " + spec.name + ": " + signal_name(spec.signal) + " takes " +
                     (spec.thresholds.below ? "on_below (a headroom)" : "on_above") + ", not " +
                     level_key);
      continue;
    }
    if (!off_given) spec.thresholds.off = spec.thresholds.on;
    if (spec.thresholds.below ? spec.thresholds.off < spec.thresholds.on
                              : spec.thresholds.off > spec.thresholds.on) {
      problem(s, "guarded service " + spec.name + ": off_at must be on the quiet side of the on " +
                     "level (hysteresis)");
      continue;
    }
    if (spec.signal == GuardSignal::ServiceUdpDrops && spec.service.empty()) {
      problem(s, "guarded service " + spec.name +
                     ": signal service_udp_drops needs service: <a kpi.services name>");
      continue;
    }
    if (spec.min_conns > spec.max_conns) {
      problem(s, "guarded service " + spec.name + ": min_conns is above max_conns");
      continue;
    }
    for (const auto& other : out) {
      if (other.name == spec.name) {
        problem(s, "guarded service " + spec.name + " named twice");
      }
    }
    if (!ok) continue;
    const auto secs = [](core::TimeNs d) {
      return static_cast<int>(
          std::max<core::TimeNs>(1, (d + core::kNsPerSec - 1) / core::kNsPerSec));
    };
    spec.thresholds.on_after = secs(on_after);
    spec.thresholds.quiet_after = secs(quiet_after);
    spec.rules.set_timeout_s = static_cast<std::uint32_t>(secs(set_timeout));
    out.push_back(std::move(spec));
  }
}

}  // namespace bannin::app
