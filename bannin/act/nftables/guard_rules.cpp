#include <cstdio>

#include <simdjson.h>

#include <bannin/act/nftables/guard_rules.h>

namespace bannin::act::nft {
namespace {

std::string ports_text(const std::vector<std::uint16_t>& ports) {
  if (ports.size() == 1) return std::to_string(ports[0]);
  std::string s = "{ ";
  for (std::size_t i = 0; i < ports.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(ports[i]);
  }
  return s + " }";
}

std::string limit_text(std::uint32_t rate, std::uint32_t burst, bool tcp) {
  // TCP: new connections, counted per SYN (ct state new); UDP: datagrams.
  (void)tcp;
  return "limit rate over " + std::to_string(rate) + "/second burst " +
         std::to_string(burst == 0 ? 1 : burst) + " packets";
}

}  // namespace

std::string prefix_mask(int len, bool v6) {
  if (!v6) {
    const std::uint32_t m = len <= 0 ? 0U : len >= 32 ? 0xffffffffU : ~((1U << (32 - len)) - 1U);
    char buf[20];
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", (m >> 24) & 255U, (m >> 16) & 255U,
                  (m >> 8) & 255U, m & 255U);
    return buf;
  }
  // Eight 16-bit groups; the trailing zero groups written as "::".
  std::string s;
  int left = len < 0 ? 0 : len > 128 ? 128 : len;
  int groups = 0;
  while (left > 0 && groups < 8) {
    const int bits = left >= 16 ? 16 : left;
    const unsigned g = (0xffffU << (16 - bits)) & 0xffffU;
    char buf[8];
    std::snprintf(buf, sizeof buf, "%x", g);
    if (groups) s += ':';
    s += buf;
    left -= bits;
    ++groups;
  }
  if (groups == 0) return "::";
  if (groups < 8) s += "::";
  return s;
}

std::string guard_on_commands(const GuardRuleSpec& spec) {
  const std::string t = "inet " + spec.table;
  const std::string proto = spec.tcp ? "tcp" : "udp";
  const std::string dport = proto + " dport " + ports_text(spec.ports);
  const std::string set_opts = "size " + std::to_string(spec.set_size) +
                               "; flags dynamic,timeout; timeout " +
                               std::to_string(spec.set_timeout_s) + "s; ";
  std::string out;
  out += "add table " + t + "\n";
  out += "delete table " + t + "\n";
  out += "add table " + t + "\n";
  out += "add counter " + t + " drops\n";
  out += "add set " + t + " src4 { type ipv4_addr; " + set_opts + "}\n";
  out += "add set " + t + " net4 { type ipv4_addr; " + set_opts + "}\n";
  out += "add set " + t + " src6 { type ipv6_addr; " + set_opts + "}\n";
  out += "add set " + t + " net6 { type ipv6_addr; " + set_opts + "}\n";
  // UDP: before conntrack (priority raw); TCP: new connections, after conntrack (filter - 5),
  // so `ct state new` and `ct count` see them.
  const std::string chain = spec.tcp ? "input" : "pre";
  out += "add chain " + t + " " + chain + " { type filter hook " +
         (spec.tcp ? std::string("input priority -5") : std::string("prerouting priority raw")) +
         "; policy accept; }\n";
  const std::string rule = "add rule " + t + " " + chain + " " + dport +
                           (spec.tcp ? std::string(" ct state new") : std::string());
  const std::string verdict = spec.tcp ? " counter name \"drops\" reject with tcp reset\n"
                                       : " counter name \"drops\" drop\n";
  if (spec.per_source > 0) {
    const std::string l = limit_text(spec.per_source, spec.source_burst, spec.tcp);
    out += rule + " update @src4 { ip saddr " + l + " }" + verdict;
    out += rule + " update @src6 { ip6 saddr " + l + " }" + verdict;
  }
  if (spec.per_prefix > 0) {
    const std::string l = limit_text(spec.per_prefix, spec.prefix_burst, spec.tcp);
    out += rule + " update @net4 { ip saddr and " + prefix_mask(spec.prefix_v4, false) + " " + l +
           " }" + verdict;
    out += rule + " update @net6 { ip6 saddr and " + prefix_mask(spec.prefix_v6, true) + " " + l +
           " }" + verdict;
  }
  if (spec.tcp) {
    if (spec.conns_per_source > 0) {
      out += "add set " + t + " conn4 { type ipv4_addr; size " + std::to_string(spec.set_size) +
             "; flags dynamic; }\n";
      out += "add set " + t + " conn6 { type ipv6_addr; size " + std::to_string(spec.set_size) +
             "; flags dynamic; }\n";
      const std::string n = std::to_string(spec.conns_per_source);
      out += rule + " add @conn4 { ip saddr ct count over " + n + " }" + verdict;
      out += rule + " add @conn6 { ip6 saddr ct count over " + n + " }" + verdict;
    }
    if (spec.conns_total > 0) {
      out += rule + " ct count over " + std::to_string(spec.conns_total) + verdict;
    }
  } else if (spec.notrack) {
    out += "add rule " + t + " pre " + dport + " notrack\n";
    out += "add chain " + t + " rawout { type filter hook output priority raw; policy accept; }\n";
    out += "add rule " + t + " rawout udp sport " + ports_text(spec.ports) + " notrack\n";
  }
  return out;
}

std::string guard_off_commands(std::string_view table) {
  const std::string t = "inet " + std::string(table);
  return "add table " + t + "\ndelete table " + t + "\n";
}

std::string guard_counter_command(std::string_view table) {
  return "list counter inet " + std::string(table) + " drops\n";
}

core::Result<CounterValue> parse_counter_json(std::string_view json) {
  std::string padded(json);
  padded.resize(json.size() + simdjson::SIMDJSON_PADDING);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(padded.data(), json.size(), false).get(doc) != simdjson::SUCCESS) {
    return core::make_error("bad_nft_json", "nft printed JSON that does not parse");
  }
  simdjson::dom::array items;
  if (doc["nftables"].get_array().get(items) != simdjson::SUCCESS) {
    return core::make_error("bad_nft_json", "nft JSON without an \"nftables\" array");
  }
  for (auto item : items) {
    simdjson::dom::element c;
    if (item["counter"].get(c) != simdjson::SUCCESS) continue;
    std::string_view name;
    if (c["name"].get_string().get(name) != simdjson::SUCCESS || name != "drops") continue;
    CounterValue v;
    std::uint64_t n = 0;
    if (c["packets"].get_uint64().get(n) == simdjson::SUCCESS) v.packets = n;
    if (c["bytes"].get_uint64().get(n) == simdjson::SUCCESS) v.bytes = n;
    return v;
  }
  return core::make_error("not_found", "no counter \"drops\" in nft's answer");
}

}  // namespace bannin::act::nft
