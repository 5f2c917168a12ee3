#include <yaml-cpp/yaml.h>

#include <bannin/app/config.h>
#include <bannin/cli/replay_config.h>

namespace bannin::cli {
namespace {

using app::split_list;

std::string where(const std::string& origin, const YAML::Node& n) {
  return origin + ":" + std::to_string(n.Mark().line + 1) + ":" +
         std::to_string(n.Mark().column + 1);
}

// Applies one key with a list of values; errors name their origin.
core::Result<bool> apply(ReplayConfig& cfg, const std::string& key,
                         const std::vector<std::string>& values, const std::string& origin) {
  auto one = [&]() -> std::string { return values.empty() ? std::string() : values.front(); };
  if (key == "site.home_countries") {
    cfg.home_countries.clear();
    for (const auto& c : values) {
      if (c.size() != 2) {
        return core::make_error("bad_value", origin + ": site.home_countries: '" + c +
                                                 "' is not a two-letter country code");
      }
      std::string up = c;
      for (char& ch : up) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      cfg.home_countries.push_back(up);
    }
  } else if (key == "geo.database") {
    cfg.geo_database = one();
  } else if (key == "detect.memory_budget_mb") {
    try {
      cfg.memory_budget_mb = std::stoul(one());
    } catch (const std::exception&) {
      return core::make_error("bad_value", origin + ": detect.memory_budget_mb must be a number");
    }
  } else if (key == "allowlist") {
    cfg.allowlist = values;
  } else if (key.rfind("rules.", 0) == 0 && key.find('.', 6) != std::string::npos) {
    ruleset::ParamValue pv;
    pv.items = values;
    pv.is_list = values.size() != 1;
    cfg.rule_overrides[key.substr(6)] = pv;
  } else {
    return core::make_error("unknown_key", origin + ": unknown configuration key '" + key + "'");
  }
  return true;
}

void flatten(const YAML::Node& n, const std::string& prefix,
             std::vector<std::pair<std::string, YAML::Node>>& out) {
  if (n.IsMap() && prefix != "allowlist") {
    for (const auto& kv : n) {
      std::string k = kv.first.Scalar();
      flatten(kv.second, prefix.empty() ? k : prefix + "." + k, out);
    }
  } else {
    out.emplace_back(prefix, n);
  }
}

}  // namespace

core::Result<ReplayConfig> load_replay_config(const std::string& file,
                                              const std::vector<std::string>& overrides) {
  ReplayConfig cfg;
  if (!file.empty()) {
    YAML::Node doc;
    try {
      doc = YAML::LoadFile(file);
    } catch (const YAML::BadFile&) {
      return core::make_error("file_not_found", file + ": cannot read");
    } catch (const YAML::Exception& e) {
      return core::make_error("yaml_syntax", file + ":" + std::to_string(e.mark.line + 1) + ":" +
                                                 std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
    std::vector<std::pair<std::string, YAML::Node>> items;
    if (doc.IsMap()) flatten(doc, "", items);
    for (const auto& [key, node] : items) {
      std::vector<std::string> values;
      if (node.IsSequence()) {
        for (const auto& v : node) values.push_back(v.Scalar());
      } else if (node.IsScalar()) {
        values.push_back(node.Scalar());
      }
      auto r = apply(cfg, key, values, where(file, node));
      if (!r) return r.error();
    }
  }
  for (const std::string& o : overrides) {
    std::size_t eq = o.find('=');
    if (eq == std::string::npos || eq == 0) {
      return core::make_error("bad_override", "-o " + o + ": expected key=value");
    }
    auto r = apply(cfg, o.substr(0, eq), split_list(o.substr(eq + 1)), "-o " + o);
    if (!r) return r.error();
  }
  return cfg;
}

}  // namespace bannin::cli
