// A Finding's group and numbers as the JSON objects replay prints and the store keeps:
// {"src_ip":"…"} and {"count()":12,"distinct(src_ip)":40}.
#pragma once

#include <string>

#include <bannin/detect/detector.h>

namespace bannin::detect {

std::string group_json(const Finding& f);
std::string numbers_json(const Finding& f);

}  // namespace bannin::detect
