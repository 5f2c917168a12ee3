#include <bannin/decide/decider.h>

namespace bannin::decide {

std::string Decision::key() const {
  if (scope == "ip") return "ip|" + ip;
  if (scope == "prefix") return "prefix|" + prefix;
  return scope + "|" + vhost + "|" + path + "|" + method;
}

namespace {

std::string fill(std::string text, const detect::Finding& f) {
  auto replace = [&](const std::string& var, const std::string& value) {
    for (std::size_t p = text.find(var); p != std::string::npos; p = text.find(var, p + value.size())) {
      text.replace(p, var.size(), value);
    }
  };
  std::string group, numbers;
  for (const auto& [field, v] : f.group) {
    if (!group.empty()) group += " ";
    group += std::string(model::name(field)) + "=" + v;
  }
  for (const auto& [n, v] : f.numbers) {
    if (!numbers.empty()) numbers += ", ";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", v);
    numbers += n + " = " + buf;
  }
  replace("{rule}", f.rule->id);
  replace("{group}", group);
  replace("{numbers}", numbers);
  return text;
}

// Turns an address decision into one on the template's prefix around it (/24, /64 …).
bool to_prefix(Decision& d, const ruleset::DecisionTemplate& t) {
  auto ip = core::IpAddress::parse(d.ip);
  if (!ip) return false;
  unsigned bits = ip->is_v4() ? t.prefix_len_v4 : t.prefix_len_v6;
  d.prefix = ip->masked(bits).to_string() + "/" + std::to_string(bits);
  d.ip.clear();
  return true;
}

std::string group_value(const detect::Finding& f, model::Field field) {
  for (const auto& [k, v] : f.group) {
    if (k == field) return v;
  }
  return {};
}

}  // namespace

bool Decider::admit(Decision& d) {
  if (!d.ip.empty()) {
    if (auto ip = core::IpAddress::parse(d.ip)) {
      for (const Cidr& c : options_.allowlist) {
        if (c.contains(*ip)) {
          ++stats_.suppressed_allowlist;
          return false;
        }
      }
    }
  }
  std::string k = d.key();
  auto it = active_.find(k);
  if (it != active_.end() && it->second > d.ts) {
    ++stats_.suppressed_active;
    return false;
  }
  active_[k] = d.ts + d.ttl;
  ++stats_.decisions;
  return true;
}

void Decider::decide(const detect::Finding& f, std::vector<Decision>& out) {
  const ruleset::Rule& rule = *f.rule;
  auto make = [&](const ruleset::DecisionTemplate& t) {
    Decision d;
    d.ts = f.ts;
    d.rule = rule.id;
    d.action = t.action;
    d.scope = t.scope;
    d.ttl = t.ttl;
    d.reason = fill(t.reason.empty() ? rule.title : t.reason, f);
    d.except_countries = t.except_countries;
    d.method = t.method;
    return d;
  };
  if (!f.campaign_update) {
    for (const ruleset::DecisionTemplate& t : rule.then) {
      Decision d = make(t);
      if (t.scope == "ip" || t.scope == "prefix") {
        d.ip = group_value(f, model::Field::SrcIp);
        if (d.ip.empty()) continue;
        if (t.scope == "prefix" && !to_prefix(d, t)) continue;
      } else {
        d.vhost = group_value(f, model::Field::Vhost);
        d.path = group_value(f, model::Field::Path);
      }
      if (admit(d)) out.push_back(std::move(d));
    }
  }
  if (rule.campaign) {
    for (const std::string& m : f.members) {
      Decision d = make(rule.campaign->then);
      d.ip = m;
      if (rule.campaign->then.scope == "prefix" && !to_prefix(d, rule.campaign->then)) continue;
      if (admit(d)) out.push_back(std::move(d));
    }
  }
}

}  // namespace bannin::decide
