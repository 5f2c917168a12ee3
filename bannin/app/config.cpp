#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <bannin/app/config.h>
#include <bannin/app/guard_config.h>
#include <bannin/core/duration.h>
#include <bannin/core/ip_address.h>
#include <bannin/core/ip_prefix.h>
#include <bannin/core/yaml_where.h>
#include <bannin/decode/decoder_set.h>
#include <bannin/enrich/inventory.h>
#include <bannin/probe/domain/check_setup.h>
#include <bannin/probe/domain/dns_client.h>
#include <bannin/probe/domain/domain_name.h>
#include <bannin/probe/domain/rate_limit.h>
#include <bannin/probe/domain/whois.h>

#ifndef BANNIN_SHARE_DIR
#define BANNIN_SHARE_DIR "/usr/share/bannin"
#endif

namespace bannin::app {
namespace {

#include <bannin/app/default_config.inc>  // kDefaultConfig: config/bannin.yaml, generated

// Why `name` cannot be a `domains:` entry ("" when it can): the rules of `bannin check`
// (probe/domain/domain_name.h, U-labels accepted), and a registered domain has a dot.
std::string domain_problem(const std::string& name) {
  auto n = probe::domain::parse_domain_name(name);
  if (!n) return n.error().message;
  if (n->ascii.find('.') == std::string::npos)
    return "a single label ('" + n->ascii + "') is a top-level domain, not a domain to watch";
  return {};
}

// Equality for the reload comparison (generated `differing`): values, and rule parameter
// overrides item by item (ruleset::ParamValue has no operator==).
template <typename T>
bool same(const T& a, const T& b) {
  return a == b;
}
bool same(const std::map<std::string, ruleset::ParamValue, std::less<>>& a,
          const std::map<std::string, ruleset::ParamValue, std::less<>>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.first == y.first && x.second.items == y.second.items &&
           x.second.is_list == y.second.is_list;
  });
}

// One value with the place it came from: a YAML node, or the text of a -o override.
struct Value {
  std::vector<std::string> items;  ///< the scalar, or the list's items
  bool is_list = false;
  bool is_map = false;
  YAML::Node node;  ///< defined for file values (maps, sources)
  std::string at;   ///< file:line:col or "-o key=value"
  [[nodiscard]] std::string one() const { return items.empty() ? std::string() : items.front(); }
};

class Loader {
 public:
  explicit Loader(DaemonConfig& cfg) : cfg_(cfg) {}
  std::vector<std::string> problems;

  void load_document(const YAML::Node& doc, const std::string& origin) {
    if (doc.IsNull()) return;
    if (!doc.IsMap()) {
      problems.push_back(core::yaml_where(origin, doc) +
                         ": the configuration must be a map of keys");
      return;
    }
    walk(doc, "", origin);
  }

  void apply_override(const std::string& text) {
    std::size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
      problems.push_back("-o " + text + ": expected key=value");
      return;
    }
    Value v;
    const std::string value = text.substr(eq + 1);
    v.items = split_list(value);
    // "key=" is the empty value (an empty list for lists); "key=[a]" is a list of one.
    v.is_list =
        v.items.size() > 1 || (value.size() >= 2 && value.front() == '[' && value.back() == ']');
    v.at = "-o " + text;
    set(text.substr(0, eq), v);
  }

 private:
  // Maps are walked into dotted keys; lists and scalars are values.
  void walk(const YAML::Node& n, const std::string& prefix, const std::string& origin) {
    for (const auto& kv : n) {
      std::string k = kv.first.Scalar();
      std::string key = prefix.empty() ? k : prefix + "." + k;
      const YAML::Node& val = kv.second;
      Value v;
      v.node = val;
      v.at = core::yaml_where(origin, kv.first);
      if (key == "rules" || key == "sources" || key == "decide.max_per_minute_by_rule" ||
          key == "kpi.services" || key == "guard.services") {
        v.is_map = val.IsMap();
        set(key, v);
        continue;
      }
      if (val.IsMap()) {
        if (is_section(key)) {
          walk(val, key, origin);
        } else {
          v.is_map = true;  // a known key says "expected …"; a misspelt one "unknown key"
          set(key, v);
        }
        continue;
      }
      if (val.IsSequence()) {
        v.is_list = true;
        for (const auto& item : val) {
          if (!item.IsScalar()) {
            problems.push_back(core::yaml_where(origin, item) + ": '" + key +
                               "': list items must be plain values");
            continue;
          }
          v.items.push_back(item.Scalar());
        }
      } else if (val.IsScalar()) {
        v.items.push_back(val.Scalar());
      } else if (val.IsNull()) {
        v.is_list = true;  // `key:` with nothing: an empty list / empty value
      }
      set(key, v);
    }
  }

  void bad(const Value& v, const std::string& key, const std::string& why) {
    problems.push_back(v.at + ": " + key + ": " + why);
  }

  bool scalar(const Value& v, const std::string& key) {
    if (v.is_list || v.is_map) {
      bad(v, key, "expected a single value");
      return false;
    }
    return true;
  }

  template <typename T>
  void number(const Value& v, const std::string& key, T& out, long long lo, long long hi) {
    if (!scalar(v, key)) return;
    const std::string s = v.one();
    char* end = nullptr;
    long long x = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || end == nullptr || *end != '\0' || x < lo || x > hi) {
      bad(v, key,
          "'" + s + "' is not a whole number from " + std::to_string(lo) + " to " +
              std::to_string(hi));
      return;
    }
    out = static_cast<T>(x);
  }

  void boolean(const Value& v, const std::string& key, bool& out) {
    if (!scalar(v, key)) return;
    const std::string s = v.one();
    if (s == "true" || s == "yes" || s == "on") {
      out = true;
    } else if (s == "false" || s == "no" || s == "off") {
      out = false;
    } else {
      bad(v, key, "'" + s + "' is not true or false");
    }
  }

  void duration(const Value& v, const std::string& key, core::TimeNs& out, long long min_ns) {
    if (!scalar(v, key)) return;
    if (!parse_duration(v.one(), out)) {
      bad(v, key, "'" + v.one() + "' is not a duration (e.g. 500ms, 90s, 15m, 1h30m, 7d)");
    } else if (out < min_ns) {
      bad(v, key, "must be at least " + core::format_duration(min_ns));
    }
  }

  void real(const Value& v, const std::string& key, double& out, double lo, double hi) {
    if (!scalar(v, key)) return;
    const std::string s = v.one();
    char* end = nullptr;
    double f = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || !(f >= lo && f <= hi)) {
      char range[64];
      std::snprintf(range, sizeof range, "%g to %g", lo, hi);
      bad(v, key, "'" + s + "' is not a number from " + range);
      return;
    }
    out = f;
  }

  void text(const Value& v, const std::string& key, std::string& out, bool nonempty) {
    if (!scalar(v, key)) return;
    if (nonempty && v.one().empty()) {
      bad(v, key, "must not be empty");
      return;
    }
    out = v.one();
  }

  void list(const Value& v, const std::string& key, std::vector<std::string>& out) {
    if (v.is_map) {
      bad(v, key, "expected a list");
      return;
    }
    out = v.items;
  }

  // One key: the two families of per-rule keys, then every key declared in
  // schema/config.yaml (the generated apply_declared below), else an unknown key.
  void set(const std::string& key, const Value& v) {
    if (key.rfind("rules.", 0) == 0 && key.find('.', 6) != std::string::npos) {
      // -o rules.<id>.<param>=value (the id itself has dots: the parameter is the last part)
      ruleset::ParamValue pv;
      pv.items = v.items;
      pv.is_list = v.is_list;
      cfg_.rule_overrides[key.substr(6)] = pv;
    } else if (key.rfind("decide.max_per_minute_by_rule.", 0) == 0) {
      std::uint32_t n = 0;
      number(v, key, n, 0, 1'000'000);
      cfg_.max_per_minute_by_rule[key.substr(30)] = n;
    } else if (!apply_declared(key, v)) {
      problems.push_back(v.at + ": unknown key '" + key + "'");
    }
  }

  // --- handlers of the keys with a grammar of their own (schema/config.yaml `handler:`) ---

  void handle_mode(const std::string& key, const Value& v) {
    if (!scalar(v, key)) return;
    if (v.one() == "observe") {
      cfg_.enforce = false;
    } else if (v.one() == "enforce") {
      cfg_.enforce = true;
    } else {
      bad(v, key, "'" + v.one() + "' is not observe or enforce");
    }
  }

  void handle_web_server(const std::string& key, const Value& v) {
    if (!scalar(v, key)) return;
    if (v.one() == "none" || v.one() == "nginx" || v.one() == "apache") {
      cfg_.web_server = v.one();
    } else {
      bad(v, key, "'" + v.one() + "' is not none, nginx or apache");
    }
  }
  void choice(const Value& v, const std::string& key, std::string& out,
              std::initializer_list<const char*> values) {
    if (!scalar(v, key)) return;
    std::string all;
    for (const char* c : values) {
      if (v.one() == c) {
        out = c;
        return;
      }
      all += (all.empty() ? "" : ", ") + std::string(c);
    }
    bad(v, key, "'" + v.one() + "' is not one of " + all);
  }
  void handle_quarantine_method(const std::string& key, const Value& v) {
    choice(v, key, cfg_.files.quarantine_method, {"chmod", "move"});
  }
  void handle_notify_observe(const std::string& key, const Value& v) {
    choice(v, key, cfg_.notify.observe, {"file", "send"});
  }
  void handle_notify_operator_language(const std::string& key, const Value& v) {
    choice(v, key, cfg_.notify.operator_language, {"en", "ja"});
  }
  void handle_notify_owner_language(const std::string& key, const Value& v) {
    choice(v, key, cfg_.notify.owner_language, {"ja", "en"});
  }
  void handle_notify_smtp_tls(const std::string& key, const Value& v) {
    choice(v, key, cfg_.notify.smtp_tls, {"try", "require", "off"});
  }
  void handle_notify_operator(const std::string& key, const Value& v) {
    std::vector<std::string> all;
    list(v, key, all);
    cfg_.notify.operator_contacts.clear();
    for (const auto& a : all) {
      if (enrich::plausible_email(a)) {
        cfg_.notify.operator_contacts.push_back(a);
      } else {
        bad(v, key, "'" + a + "' is not an e-mail address");
      }
    }
  }
  void handle_notify_smtp_url(const std::string& key, const Value& v) {
    text(v, key, cfg_.notify.smtp_url, false);
    const std::string& u = cfg_.notify.smtp_url;
    if (!u.empty() && u.rfind("smtp://", 0) != 0 && u.rfind("smtps://", 0) != 0) {
      bad(v, key, "'" + u + "' is not an smtp:// or smtps:// URL");
    }
  }

  void handle_rules(const std::string&, const Value& v) { rules(v); }
  void handle_kpi_services(const std::string& key, const Value& v) { kpi_services(key, v); }
  // guard.services: the overload guard's services (app/guard_config.cpp parses them).
  void handle_guard_services(const std::string& key, const Value& v) {
    if (!v.node.IsDefined() || !v.items.empty() || v.is_map) {
      if (!v.node.IsDefined() && v.items.empty()) {
        cfg_.guard.services.clear();  // -o guard.services= : none
        return;
      }
      bad(v, key,
          "expected a list of guarded services (- name: dns, proto: udp, ports: [53], ...)");
      return;
    }
    parse_guard_services(v.node, origin_of(v), key, cfg_.guard.services, problems);
  }
  void handle_sources(const std::string&, const Value& v) { sources(v); }

  void handle_max_per_minute_by_rule(const std::string& key, const Value& v) {
    if (v.node.IsDefined() && v.node.IsMap()) {
      for (const auto& r : v.node) {
        Value one;
        one.items.push_back(r.second.IsScalar() ? r.second.Scalar() : "");
        one.at = core::yaml_where(origin_of(v), r.first);
        std::uint32_t n = 0;
        number(one, key + "." + r.first.Scalar(), n, 0, 1'000'000);
        cfg_.max_per_minute_by_rule[r.first.Scalar()] = n;
      }
    } else if (!(v.node.IsDefined() && v.node.IsNull())) {
      bad(v, key, "expected a map of rule id -> decisions per minute");
    }
  }

  // --- loaders of the declared types -------------------------------------------------------

  void countries(const Value& v, const std::string& key, std::vector<std::string>& out) {
    std::vector<std::string> c;
    list(v, key, c);
    out.clear();
    for (auto& code : c) {
      if (code.size() != 2 || !std::isalpha(static_cast<unsigned char>(code[0])) ||
          !std::isalpha(static_cast<unsigned char>(code[1]))) {
        bad(v, key, "'" + code + "' is not a two-letter country code");
        continue;
      }
      for (char& ch : code) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      out.push_back(code);
    }
  }

  void cidr_list(const Value& v, const std::string& key, std::vector<std::string>& out) {
    list(v, key, out);
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (!core::IpPrefix::parse(out[i])) {
        problems.push_back(item_at(v, i) + ": " + key + ": '" + out[i] +
                           "' is not an IP address or CIDR network");
      }
    }
  }

  void ip_list(const Value& v, const std::string& key, std::vector<std::string>& out) {
    list(v, key, out);
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (!core::IpAddress::parse(out[i])) {
        problems.push_back(item_at(v, i) + ": " + key + ": '" + out[i] + "' is not an IP address");
      }
    }
  }

  void url(const Value& v, const std::string& key, std::string& out) {
    text(v, key, out, false);
    if (!out.empty() && out.rfind("http://", 0) != 0 && out.rfind("https://", 0) != 0) {
      bad(v, key, "'" + out + "' is not an http:// or https:// URL");
    }
  }

  void rate(const Value& v, const std::string& key, std::string& out) {
    text(v, key, out, true);
    if (!probe::domain::parse_rate_limit(out)) {
      bad(v, key, "'" + out + "' is not N/s, N/min, N/h, N/d or 'unlimited'");
    }
  }

  void dns_server(const Value& v, const std::string& key, std::string& out) {
    text(v, key, out, false);
    if (!out.empty() && !probe::domain::parse_dns_server(out)) {
      bad(v, key, "'" + out + "' is not ADDR[:PORT] (an IP address literal)");
    }
  }

  void whois_server(const Value& v, const std::string& key, std::string& out) {
    text(v, key, out, false);
    if (!out.empty() && !probe::domain::parse_whois_server(out)) {
      bad(v, key, "'" + out + "' is not HOST[:PORT]");
    }
  }

  void name(const Value& v, const std::string& key, std::string& out, std::size_t max) {
    text(v, key, out, true);
    bool ok = !out.empty() && out.size() <= max;
    for (char c : out) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (!ok) {
      bad(v, key,
          "'" + out + "' is not a name (letters, digits, _; up to " + std::to_string(max) + ")");
    }
  }

  // The place of list item i: its own node when the list came from a file.
  std::string item_at(const Value& v, std::size_t i) const {
    if (v.node.IsDefined() && v.node.IsSequence() && i < v.node.size()) {
      return core::yaml_where(origin_of(v), v.node[i]);
    }
    return v.at;
  }

  void dns_servers(const Value& v, const std::string& key, std::vector<std::string>& out,
                   bool none_ok) {
    list(v, key, out);
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (none_ok && out[i] == "none") continue;
      if (auto s = probe::domain::parse_dns_server(out[i]); !s) {
        problems.push_back(item_at(v, i) + ": " + key + ": '" + out[i] +
                           "' is not ADDR[:PORT] (an IP address literal" +
                           (none_ok ? ", or none)" : ")"));
      }
    }
  }

  void handle_domain_list(const std::string& key, const Value& v) {
    DomainsConfig& d = cfg_.domains;
    std::vector<std::string> names;
    list(v, key, names);
    d.list.clear();
    for (std::size_t i = 0; i < names.size(); ++i) {
      // U-labels (例え.jp) are kept in their A-label form, what the probe asks the DNS.
      std::string why = domain_problem(names[i]);
      if (!why.empty()) {
        problems.push_back(item_at(v, i) + ": " + key + ": '" + names[i] +
                           "' is not a domain name: " + why);
        continue;
      }
      d.list.push_back(probe::domain::parse_domain_name(names[i])->ascii);
    }
  }

  void handle_domain_list_file(const std::string& key, const Value& v) {
    DomainsConfig& d = cfg_.domains;
    if (v.items.empty() && !v.is_map) {
      d.list_file.clear();  // `list_file:` or -o domains.list_file= : none
    } else {
      text(v, key, d.list_file, false);
    }
    list_file_at_ = v.at;
  }

 public:
  // domains.list_file: read once every layer is applied; each bad line is located.
  void read_domain_list() {
    DomainsConfig& d = cfg_.domains;
    if (!d.list_file.empty()) read_list_file(d);
    // One entry per domain, first place kept.
    std::vector<std::string> unique;
    for (auto& x : d.list) {
      if (std::find(unique.begin(), unique.end(), x) == unique.end()) unique.push_back(x);
    }
    d.list = std::move(unique);
  }

 private:
  void read_list_file(DomainsConfig& d) {
    std::FILE* f = std::fopen(d.list_file.c_str(), "rb");
    if (f == nullptr) {
      problems.push_back(list_file_at_ + ": domains.list_file: cannot read " + d.list_file);
      return;
    }
    std::string text;
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
    std::size_t line_no = 0, start = 0;
    while (start < text.size()) {
      std::size_t nl = text.find('\n', start);
      std::string line =
          text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      start = nl == std::string::npos ? text.size() : nl + 1;
      ++line_no;
      if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
      std::size_t b = line.find_first_not_of(" \t\r");
      if (b == std::string::npos) continue;
      std::size_t e = line.find_last_not_of(" \t\r");
      std::string name = line.substr(b, e - b + 1);
      std::string why = domain_problem(name);
      if (!why.empty()) {
        problems.push_back(d.list_file + ":" + std::to_string(line_no) + ":" +
                           std::to_string(b + 1) + ": '" + name + "' is not a domain name: " + why);
        continue;
      }
      d.list.push_back(probe::domain::parse_domain_name(name)->ascii);
    }
  }

  std::string list_file_at_;

  // rules: { <rule id>: { <param>: value } }
  void rules(const Value& v) {
    if (v.node.IsNull()) return;
    if (!v.node.IsMap()) {
      bad(v, "rules", "expected a map of rule id -> parameters");
      return;
    }
    for (const auto& r : v.node) {
      if (!r.second.IsMap()) {
        problems.push_back(core::yaml_where(origin_of(v), r.first) + ": rules." + r.first.Scalar() +
                           ": expected a map of parameter -> value");
        continue;
      }
      for (const auto& p : r.second) {
        ruleset::ParamValue pv;
        if (p.second.IsSequence()) {
          pv.is_list = true;
          for (const auto& item : p.second) pv.items.push_back(item.Scalar());
        } else {
          pv.items.push_back(p.second.Scalar());
        }
        cfg_.rule_overrides[r.first.Scalar() + "." + p.first.Scalar()] = pv;
      }
    }
  }

  static std::string origin_of(const Value& v) {
    // v.at is "file:line:col"; strip the position to re-locate child nodes.
    std::string s = v.at;
    for (int i = 0; i < 2; ++i) {
      auto c = s.rfind(':');
      if (c != std::string::npos) s.resize(c);
    }
    return s;
  }

  void sources(const Value& v) {
    if (!v.node.IsDefined() || v.items.size() > 0) {
      bad(v, "sources", "sources can only be set in a file, as a list of maps");
      return;
    }
    if (v.node.IsNull()) {
      cfg_.sources.clear();
      return;
    }
    if (!v.node.IsSequence()) {
      bad(v, "sources", "expected a list of sources (- type: file ...)");
      return;
    }
    const std::string origin = origin_of(v);
    cfg_.sources.clear();
    for (const auto& s : v.node) {
      std::string at = core::yaml_where(origin, s);
      if (!s.IsMap()) {
        problems.push_back(at + ": sources: each source is a map (type: file, paths: [...])");
        continue;
      }
      SourceConfig sc;
      sc.where = at;
      std::string type = s["type"] ? s["type"].Scalar() : "";
      if (type == "file") {
        sc.kind = SourceConfig::Kind::File;
      } else if (type == "syslog") {
        sc.kind = SourceConfig::Kind::Syslog;
      } else if (type == "journald") {
        sc.kind = SourceConfig::Kind::Journald;
      } else if (type == "stdin") {
        sc.kind = SourceConfig::Kind::Stdin;
      } else {
        problems.push_back(at + ": sources: type must be file, syslog, journald or stdin" +
                           (type.empty() ? std::string() : " (not '" + type + "')"));
        continue;
      }
      if (sc.kind == SourceConfig::Kind::Syslog || sc.kind == SourceConfig::Kind::Journald) {
        sc.decoder = "syslog";
      }
      for (const auto& kv : s) {
        const std::string k = kv.first.Scalar();
        const std::string kat = core::yaml_where(origin, kv.first);
        if (k == "type") continue;
        if (k == "paths" && sc.kind == SourceConfig::Kind::File) {
          if (kv.second.IsSequence()) {
            for (const auto& p : kv.second) sc.paths.push_back(p.Scalar());
          } else if (kv.second.IsScalar()) {
            sc.paths.push_back(kv.second.Scalar());
          }
          for (const auto& p : sc.paths) {
            if (p.empty() || p.front() != '/') {
              if (p.empty() || p.find("..") != std::string::npos) {
                problems.push_back(kat + ": sources: '" + p + "' is not a usable path");
              }
            }
          }
        } else if (k == "decoder" && sc.kind != SourceConfig::Kind::Journald) {
          sc.decoder = kv.second.Scalar();
          try {
            decode::DecoderSet known(sc.decoder);  // an unknown name throws: a usage error
          } catch (const std::exception& e) {
            problems.push_back(kat + ": sources: decoder: " + e.what());
          }
        } else if (k == "start" && sc.kind == SourceConfig::Kind::File) {
          std::string st = kv.second.Scalar();
          if (st == "end") {
            sc.start_at_end = true;
          } else if (st == "beginning") {
            sc.start_at_end = false;
          } else {
            problems.push_back(kat + ": sources: start must be end or beginning");
          }
        } else if (k == "listen" && sc.kind == SourceConfig::Kind::Syslog) {
          sc.listen = kv.second.Scalar();
          if (sc.listen.rfind("udp://", 0) != 0 && sc.listen.rfind("unix://", 0) != 0) {
            problems.push_back(kat + ": sources: listen must be udp://HOST:PORT or unix:///PATH");
          }
        } else if (k == "optional") {
          std::string b = kv.second.Scalar();
          sc.optional = b == "true" || b == "yes" || b == "on";
        } else {
          problems.push_back(kat + ": sources: unknown key '" + k + "' for a " + type + " source");
        }
      }
      if (sc.kind == SourceConfig::Kind::File && sc.paths.empty()) {
        problems.push_back(at + ": sources: a file source needs paths: [...]");
      }
      if (sc.kind == SourceConfig::Kind::Syslog && sc.listen.empty()) {
        problems.push_back(at + ": sources: a syslog source needs listen: udp://HOST:PORT");
      }
      cfg_.sources.push_back(std::move(sc));
    }
  }

  // kpi.services: [{name, pid_file | process, ports: [...], children}], every problem located.
  void kpi_services(const std::string& key, const Value& v) {
    auto& out = cfg_.kpi.services;
    // From -o the value is text, never a list of maps (an empty value clears the list).
    if (!v.node.IsDefined() || !v.items.empty() || v.is_map) {
      bad(v, key, "expected a list of services (- name: ..., pid_file: ... or process: ...)");
      return;
    }
    if (v.node.IsNull()) {
      out.clear();
      return;
    }
    if (!v.node.IsSequence()) {
      bad(v, key, "expected a list of services (- name: ..., pid_file: ... or process: ...)");
      return;
    }
    const std::string origin = origin_of(v);
    out.clear();
    std::vector<std::pair<std::uint16_t, std::string>> claimed;  // port -> service
    for (const auto& s : v.node) {
      const std::string at = core::yaml_where(origin, s);
      if (!s.IsMap()) {
        problems.push_back(at + ": " + key + ": each service is a map (name: ..., process: ...)");
        continue;
      }
      probe::kpi::ServiceSpec spec;
      bool ok = true;
      auto problem = [&](const YAML::Node& n, const std::string& what) {
        problems.push_back(core::yaml_where(origin, n) + ": " + key + ": " + what);
        ok = false;
      };
      for (const auto& kv : s) {
        const std::string k = kv.first.Scalar();
        const YAML::Node& val = kv.second;
        if (k == "name" || k == "pid_file" || k == "process" || k == "children") {
          if (!val.IsScalar()) {
            problem(val, k + ": expected a single value");
            continue;
          }
        }
        if (k == "name") {
          spec.name = val.Scalar();
          bool good = !spec.name.empty() && spec.name.size() <= 64;
          for (char c : spec.name) {
            good = good && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
                            c == '.');
          }
          if (!good) problem(val, "name '" + spec.name + "': letters, digits, _ - . (1-64)");
        } else if (k == "pid_file") {
          spec.pid_file = val.Scalar();
          if (spec.pid_file.empty() || spec.pid_file.front() != '/') {
            problem(val, "pid_file '" + spec.pid_file + "' must be an absolute path");
          }
        } else if (k == "process") {
          spec.process = val.Scalar();
          if (spec.process.empty() || spec.process.size() > 15) {
            problem(val, "process '" + spec.process +
                             "': the kernel's process name, 1 to 15 characters (as in "
                             "/proc/<pid>/comm)");
          }
        } else if (k == "children") {
          const std::string b = val.Scalar();
          if (b == "true" || b == "yes" || b == "on") {
            spec.children = true;
          } else if (b == "false" || b == "no" || b == "off") {
            spec.children = false;
          } else {
            problem(val, "children: '" + b + "' is not true or false");
          }
        } else if (k == "ports") {
          std::vector<YAML::Node> items;
          if (val.IsSequence()) {
            for (const auto& p : val) items.push_back(p);
          } else if (val.IsScalar()) {
            items.push_back(val);
          }
          if (items.empty() && !val.IsNull()) problem(val, "ports: expected a list of ports");
          for (const auto& p : items) {
            const std::string t = p.IsScalar() ? p.Scalar() : "";
            char* end = nullptr;
            const long n = std::strtol(t.c_str(), &end, 10);
            if (t.empty() || *end != '\0' || n < 1 || n > 65535) {
              problem(p, "ports: '" + t + "' is not a port (1-65535)");
              continue;
            }
            spec.ports.push_back(static_cast<std::uint16_t>(n));
          }
        } else {
          problem(kv.first, "unknown key '" + k +
                                "' for a service (name, pid_file, process, ports, children)");
        }
      }
      if (spec.name.empty() && ok) problem(s, "a service needs a name");
      if (spec.pid_file.empty() && spec.process.empty() && ok) {
        problem(s, "service " + spec.name + " needs pid_file or process");
      }
      for (const auto& other : out) {
        if (ok && other.name == spec.name) problem(s, "service " + spec.name + " named twice");
      }
      for (std::uint16_t p : spec.ports) {
        for (const auto& [port, owner] : claimed) {
          if (ok && port == p && owner != spec.name) {
            problem(s, "port " + std::to_string(p) + " belongs to service " + owner + " already");
          }
        }
      }
      if (!ok) continue;
      if (out.size() >= KpiConfig::kMaxServices) {
        problems.push_back(at + ": " + key + ": at most " +
                           std::to_string(KpiConfig::kMaxServices) + " services");
        break;
      }
      for (std::uint16_t p : spec.ports) claimed.emplace_back(p, spec.name);
      out.push_back(std::move(spec));
    }
  }

  DaemonConfig& cfg_;

  // Generated from schema/config.yaml: is_section, apply_declared, differing, key_table.
#include <bannin/app/config_keys.inc>
};

bool parse_document(const std::string& text, const std::string& origin, YAML::Node& out,
                    std::vector<std::string>& problems) {
  try {
    out = YAML::Load(text);
    return true;
  } catch (const YAML::Exception& e) {
    problems.push_back(origin + ":" + std::to_string(e.mark.line + 1) + ":" +
                       std::to_string(e.mark.column + 1) + ": " + e.msg);
    return false;
  }
}

}  // namespace

std::string SourceConfig::describe() const {
  switch (kind) {
    case Kind::File: {
      std::string s = "file";
      for (const auto& p : paths) s += " " + p;
      return s;
    }
    case Kind::Syslog:
      return "syslog " + listen;
    case Kind::Journald:
      return "journald";
    case Kind::Stdin:
      return "stdin";
  }
  return "?";
}

const std::vector<ConfigKeyInfo>& config_keys() {
  return Loader::key_table();
}

std::vector<std::string> config_differences(const DaemonConfig& a, const DaemonConfig& b,
                                            bool restart_only) {
  return Loader::differing(a, b, restart_only);
}

const char* default_config_text() noexcept {
  return kDefaultConfig;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  // A YAML flow list as written in the file ("[JP, 'US']") means the same as "JP,US".
  std::string v = text;
  while (!v.empty() && v.front() == ' ') v.erase(v.begin());
  while (!v.empty() && v.back() == ' ') v.pop_back();
  // ("[::1]:8730" is an address, not a list: only a whole value in brackets is one.)
  if (v.size() >= 2 && v.front() == '[' && v.back() == ']') v = v.substr(1, v.size() - 2);
  std::size_t start = 0;
  while (start <= v.size()) {
    std::size_t comma = v.find(',', start);
    std::string item =
        v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (item.size() >= 2 && (item.front() == '"' || item.front() == '\'') &&
        item.back() == item.front()) {
      item = item.substr(1, item.size() - 2);
    }
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

bool parse_duration(const std::string& text, core::TimeNs& out) {
  // "0" (off / the built-in default) or units (core/time.h's one grammar), at most 100 years.
  auto ns = core::parse_duration_ns(text, text == "0", 100LL * 365 * core::kNsPerDay);
  if (!ns) return false;
  out = *ns;
  return true;
}

std::string resolve_path(const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return path;
  std::string shared = std::string(BANNIN_SHARE_DIR) + "/" + path;
  if (::stat(shared.c_str(), &st) == 0) return shared;
  return path;
}

core::Result<DaemonConfig> load_config(const std::string& file,
                                       const std::vector<std::string>& overrides) {
  DaemonConfig cfg;
  Loader loader(cfg);
  YAML::Node doc;
  if (parse_document(kDefaultConfig, "(built-in defaults)", doc, loader.problems)) {
    loader.load_document(doc, "(built-in defaults)");
  }
  if (!file.empty()) {
    cfg.origin = file;
    std::string text;
    std::FILE* f = std::fopen(file.c_str(), "rb");
    if (f == nullptr)
      return core::make_error("file_not_found", file + ": cannot read the configuration");
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
    if (parse_document(text, file, doc, loader.problems)) loader.load_document(doc, file);
  }
  for (const auto& o : overrides) loader.apply_override(o);
  loader.read_domain_list();
  if (!loader.problems.empty()) {
    std::string msg;
    for (const auto& p : loader.problems) msg += (msg.empty() ? "" : "\n") + p;
    return core::make_error("bad_config", msg);
  }
  return cfg;
}

}  // namespace bannin::app
