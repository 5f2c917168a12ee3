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
  // The keys are aggregate texts, which may hold quotes (`share(outcome == "success")`):
  // escaped like any string, not written as registry names.
  std::string out = "{";
  for (const auto& [name, v] : f.numbers) {
    if (out.size() > 1) out += ',';
    core::json_append_string(out, name);
    if (!std::isfinite(v)) {  // a baseline still learning (NaN), min() of nothing (inf)
      out += ":null";
      continue;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, ":%.6g", v);
    out += buf;
  }
  out += '}';
  return out;
}

}  // namespace bannin::detect
