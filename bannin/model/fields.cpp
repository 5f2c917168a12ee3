#include <bannin/model/fields.h>

namespace bannin::model {

std::optional<Field> field_by_name(std::string_view n) noexcept {
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    if (kFieldInfo[i].name == n) return static_cast<Field>(i);
  }
  return std::nullopt;
}

std::optional<EventKind> kind_by_name(std::string_view n) noexcept {
  for (std::size_t i = 0; i < kKindCount; ++i) {
    if (kKindInfo[i].name == n) return static_cast<EventKind>(i);
  }
  return std::nullopt;
}

}  // namespace bannin::model
