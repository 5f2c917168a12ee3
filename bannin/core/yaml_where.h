// Where a YAML node sits, for configuration and data-file errors: "FILE:LINE:COL" (1-based),
// or FILE alone for a node without a mark (a key that is absent). Header-only: only the
// stages that read YAML include it, and they link yaml-cpp already.
#pragma once

#include <string>

#include <yaml-cpp/yaml.h>

namespace bannin::core {

inline std::string yaml_where(const std::string& origin, const YAML::Node& n) {
  if (!n.IsDefined() || n.Mark().is_null()) return origin;
  return origin + ":" + std::to_string(n.Mark().line + 1) + ":" +
         std::to_string(n.Mark().column + 1);
}

}  // namespace bannin::core
