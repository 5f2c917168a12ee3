// StringHash: a transparent hash for unordered maps keyed by std::string, so a lookup by
// std::string_view (a field of the current event) makes no string. Use with std::equal_to<>:
//   std::unordered_map<std::string, V, core::StringHash, std::equal_to<>>
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace bannin::core {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

}  // namespace bannin::core
