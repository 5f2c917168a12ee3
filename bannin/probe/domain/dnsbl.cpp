#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <bannin/core/yaml_where.h>
#include <bannin/probe/domain/dnsbl.h>

namespace bannin::probe::domain {
namespace {

std::string scalar(const YAML::Node& n) {
  return n.IsDefined() && n.IsScalar() ? n.Scalar() : std::string{};
}

Severity severity_from(const std::string& s) {
  if (s == "warning") return Severity::Warning;
  if (s == "info") return Severity::Info;
  return Severity::Critical;
}

bool parse_ipv4(const std::string& s, std::uint32_t& out) {
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) return false;
  out = ntohl(a.s_addr);
  return true;
}

}  // namespace

core::Result<DnsblZones> parse_dnsbl_zones(const std::string& text, const std::string& origin) {
  std::vector<std::string> problems;
  DnsblZones out;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return core::make_error("zones_bad_yaml", origin + ":" + std::to_string(e.mark.line + 1) + ":" +
                                                  std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  try {
    if (!root.IsMap())
      return core::make_error("zones_bad_yaml", origin + ": top level must be a map");
    std::string v = scalar(root["version"]);
    if (v.empty())
      problems.push_back(origin + ": missing \"version\"");
    else
      out.version = std::atoi(v.c_str());
    YAML::Node zones = root["zones"];
    if (!zones.IsDefined() || !zones.IsSequence()) {
      return core::make_error("zones_bad_yaml", origin + ": \"zones\" must be a list");
    }
    for (const YAML::Node& z : zones) {
      DnsblZone zone;
      zone.name = scalar(z["zone"]);
      zone.provider = scalar(z["provider"]);
      std::string type = scalar(z["type"]);
      std::string match = scalar(z["match"]);
      if (zone.name.empty()) {
        problems.push_back(core::yaml_where(origin, z) + ": zone without \"zone\" name");
        continue;
      }
      if (type != "ip" && type != "domain") {
        problems.push_back(core::yaml_where(origin, z) + ": zone " + zone.name +
                           ": type must be ip or domain");
        continue;
      }
      zone.for_ip = type == "ip";
      zone.bitmask = match == "bitmask";
      if (!match.empty() && match != "bitmask" && match != "exact") {
        problems.push_back(core::yaml_where(origin, z) + ": zone " + zone.name +
                           ": match must be exact or bitmask");
      }
      YAML::Node codes = z["codes"];
      if (codes.IsDefined() && codes.IsMap()) {
        for (const auto& kv : codes) {
          std::string key = kv.first.Scalar();
          DnsblCode c;
          c.list = scalar(kv.second["list"]);
          c.meaning = scalar(kv.second["meaning"]);
          c.severity = severity_from(scalar(kv.second["severity"]));
          if (zone.bitmask) {
            long bit = std::strtol(key.c_str(), nullptr, 10);
            if (bit <= 0 || bit > 255) {
              problems.push_back(core::yaml_where(origin, kv.first) + ": bit value must be 1..255");
              continue;
            }
            zone.bits[static_cast<std::uint32_t>(bit)] = c;
          } else {
            std::uint32_t ip = 0;
            if (!parse_ipv4(key, ip)) {
              problems.push_back(core::yaml_where(origin, kv.first) +
                                 ": code must be an IPv4 address");
              continue;
            }
            zone.codes[key] = c;
          }
        }
      }
      YAML::Node errors = z["errors"];
      if (errors.IsDefined() && errors.IsMap()) {
        for (const auto& kv : errors) {
          std::string key = kv.first.Scalar();
          std::uint32_t ip = 0;
          if (zone.bitmask && key.find('.') == std::string::npos) {
            zone.error_bits[static_cast<std::uint32_t>(std::strtoul(key.c_str(), nullptr, 10))] =
                scalar(kv.second);
          } else if (parse_ipv4(key, ip)) {
            zone.error_codes[key] = scalar(kv.second);
          } else {
            problems.push_back(core::yaml_where(origin, kv.first) +
                               ": error code must be an IPv4 address or a bit");
          }
        }
      }
      zone.error_prefix = scalar(z["error_prefix"]);
      zone.canary_listed = scalar(z["canary_listed"]);
      zone.canary_not_listed = scalar(z["canary_not_listed"]);
      zone.delist_url = scalar(z["delist"]);
      zone.dqs_zone = scalar(z["dqs_zone"]);
      zone.dqs_only = scalar(z["dqs_only"]) == "true";
      if (zone.dqs_only && zone.dqs_zone.empty()) {
        problems.push_back(core::yaml_where(origin, z) + ": zone " + zone.name +
                           ": dqs_only needs a dqs_zone");
      }
      if (zone.canary_listed.empty() || zone.canary_not_listed.empty()) {
        problems.push_back(
            core::yaml_where(origin, z) + ": zone " + zone.name +
            ": canary_listed and canary_not_listed are required (RFC 5782 test points)");
      }
      out.zones.push_back(std::move(zone));
    }
  } catch (const YAML::Exception& e) {
    problems.push_back(origin + ": " + e.what());
  }
  if (!problems.empty()) {
    std::string msg;
    for (const auto& p : problems) msg += (msg.empty() ? "" : "\n") + p;
    return core::make_error("zones_invalid", msg);
  }
  return out;
}

core::Result<DnsblZones> load_dnsbl_zones(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::make_error("zones_not_found", "cannot read DNSBL zone table " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_dnsbl_zones(ss.str(), path);
}

bool valid_dqs_key(const std::string& key) {
  if (key.empty() || key.size() > 63) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

void apply_dqs_key(DnsblZones& zones, const std::string& key) {
  std::vector<DnsblZone> kept;
  for (auto& z : zones.zones) {
    if (key.empty() || z.dqs_zone.empty()) {
      if (!z.dqs_only) kept.push_back(std::move(z));
      continue;
    }
    z.query_zone = key + "." + z.dqs_zone;
    z.name = "\xE2\x80\xA6" + z.dqs_zone;  // "…zen.dq.spamhaus.net": the key is masked
    kept.push_back(std::move(z));
  }
  zones.zones = std::move(kept);
}

std::optional<std::string> dnsbl_query_name(const DnsblZone& zone, const std::string& subject) {
  const std::string& qzone = zone.query_zone.empty() ? zone.name : zone.query_zone;
  if (!zone.for_ip) return normalize_name(subject) + "." + qzone;
  unsigned char b[16];
  if (inet_pton(AF_INET, subject.c_str(), b) == 1) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u.", b[3], b[2], b[1], b[0]);
    return std::string(buf) + qzone;
  }
  if (inet_pton(AF_INET6, subject.c_str(), b) == 1) {
    static const char* hex = "0123456789abcdef";
    std::string s;
    for (int i = 15; i >= 0; --i) {
      s.push_back(hex[b[i] & 0xF]);
      s.push_back('.');
      s.push_back(hex[b[i] >> 4]);
      s.push_back('.');
    }
    return s + qzone;
  }
  return std::nullopt;
}

std::string canary_problem(const DnsblZone& zone, const DnsOutcome& listed,
                           const DnsOutcome& not_listed) {
  auto has_a = [](const DnsOutcome& o) {
    if (!o.answered() || o.message.rcode != 0) return false;
    for (const auto& r : o.message.answer) {
      if (r.type == static_cast<std::uint16_t>(RrType::A)) return true;
    }
    return false;
  };
  if (!listed.answered()) {
    return "test point " + zone.canary_listed + " got no answer (" +
           (listed.status == DnsStatus::Timeout ? std::string("timeout") : listed.error) + ")";
  }
  if (!has_a(listed)) {
    return "test point " + zone.canary_listed + " is not listed (" +
           rcode_name(listed.message.rcode) +
           "): the list does not answer this host (blocked resolver, dead list)";
  }
  if (has_a(not_listed)) {
    return "test point " + zone.canary_not_listed +
           " is listed: the list answers everything (\"lists the world\")";
  }
  return {};
}

CheckResult classify_dnsbl(const DnsblZone& zone, const DnsOutcome& o, bool canaries_ok,
                           const std::string& canary_text) {
  CheckResult r;
  r.check = "dnsbl";
  r.source = zone.name;
  if (!o.answered()) {
    r.state = o.status == DnsStatus::Timeout ? "timeout" : "error";
    r.severity = Severity::Unknown;
    r.detail = o.status == DnsStatus::Timeout ? "no answer within the time limit" : o.error;
    return r;
  }
  const DnsMessage& m = o.message;
  std::vector<std::string> addrs;
  for (const auto& rec : m.answer) {
    if (rec.type == static_cast<std::uint16_t>(RrType::A) && !rec.data.empty())
      addrs.push_back(rec.data);
  }
  if (m.rcode == static_cast<std::uint8_t>(Rcode::NxDomain) ||
      (m.rcode == static_cast<std::uint8_t>(Rcode::NoError) && addrs.empty())) {
    if (canaries_ok) {
      r.state = "not_listed";
      r.severity = Severity::Ok;
      r.detail = "not listed";
    } else {
      r.state = "canary_failed";
      r.severity = Severity::Unknown;
      r.detail = "no listing, but the answer cannot be trusted: " + canary_text;
    }
    return r;
  }
  if (m.rcode != static_cast<std::uint8_t>(Rcode::NoError)) {
    r.state = "error";
    r.severity = Severity::Unknown;
    r.detail = "the list server answered " + rcode_name(m.rcode) +
               (m.rcode == static_cast<std::uint8_t>(Rcode::Refused)
                    ? " (access key switched off or not allowed)"
                    : "");
    return r;
  }
  // Errors first: one error code makes the whole answer an error, never a listing.
  std::string listed_text;
  std::string unknown_text;
  Severity listed_sev = Severity::Ok;
  for (const std::string& a : addrs) {
    std::uint32_t ip = 0;
    if (!parse_ipv4(a, ip) || (ip >> 24) != 127) {
      r.state = "blocked";
      r.severity = Severity::Unknown;
      r.detail = "answer " + a + " is outside 127.0.0.0/8 (a resolver rewriting answers?)";
      return r;
    }
    auto ec = zone.error_codes.find(a);
    if (ec != zone.error_codes.end() ||
        (!zone.error_prefix.empty() && a.rfind(zone.error_prefix, 0) == 0)) {
      r.state = "blocked";
      r.severity = Severity::Unknown;
      r.detail =
          "error code " + a +
          (ec != zone.error_codes.end() ? ": " + ec->second : std::string(": query refused")) +
          " (not a listing)";
      return r;
    }
    if (zone.bitmask) {
      std::uint32_t last = ip & 0xFF;
      for (const auto& [bit, text] : zone.error_bits) {
        if ((last & bit) != 0) {
          r.state = "blocked";
          r.severity = Severity::Unknown;
          r.detail = "error code " + a + ": " + text + " (not a listing)";
          return r;
        }
      }
      std::uint32_t known = 0;
      for (const auto& [bit, code] : zone.bits) {
        if ((last & bit) == 0) continue;
        known |= bit;
        listed_text += (listed_text.empty() ? "" : "; ") + code.list + " (" + code.meaning + ")";
        listed_sev = std::max(listed_sev, code.severity);
      }
      if ((last & ~known) != 0) unknown_text += (unknown_text.empty() ? "" : " ") + a;
    } else {
      auto c = zone.codes.find(a);
      if (c == zone.codes.end()) {
        unknown_text += (unknown_text.empty() ? "" : " ") + a;
      } else {
        listed_text += (listed_text.empty() ? "" : "; ") + c->second.list + " (" +
                       c->second.meaning + ") " + a;
        listed_sev = std::max(listed_sev, c->second.severity);
      }
    }
  }
  if (!listed_text.empty()) {
    r.state = "listed";
    r.severity = listed_sev;
    r.detail = "listed: " + listed_text;
    if (!unknown_text.empty()) r.detail += "; unknown codes " + unknown_text;
    if (!canaries_ok) {
      r.state = "canary_failed";
      r.severity = Severity::Unknown;
      r.detail = r.detail + "; but the list failed its test points: " + canary_text;
    }
    return r;
  }
  r.state = "unknown_code";
  r.severity = Severity::Warning;
  r.detail = "answer " + unknown_text + " is not in this list's code table (data/dnsbl/zones.yaml)";
  return r;
}

}  // namespace bannin::probe::domain
