#include <cmath>
#include <cstdio>

#include <bannin/core/json_writer.h>
#include <bannin/detect/finding_json.h>
#include <bannin/model/fields.h>

namespace bannin::detect {

std::string group_json(const Finding& f) {
  std::string out;
  core::JsonObjectWriter g(out);
  for (const auto& [k, v] : f.group) g.string(model::name(k), v);
  g.close();
  return out;
}

std::string numbers_json(const Finding& f) {
  std::string out;
  core::JsonObjectWriter n(out);
  for (const auto& [name, v] : f.numbers) {
    n.key(name);
    if (!std::isfinite(v)) {  // a baseline still learning (NaN), min() of nothing (inf)
      out += "null";
      continue;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    out += buf;
  }
  n.close();
  return out;
}

}  // namespace bannin::detect
