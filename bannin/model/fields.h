// The field registry, generated at build time from schema/events.yaml, plus lookups by name.
#pragma once

#include <optional>
#include <string_view>

#include <bannin/model/fields_gen.h>

namespace bannin::model {

constexpr const FieldInfo& info(Field f) noexcept {
  return kFieldInfo[static_cast<std::size_t>(f)];
}
constexpr std::string_view name(Field f) noexcept {
  return info(f).name;
}
constexpr FieldType type(Field f) noexcept {
  return info(f).type;
}
constexpr const KindInfo& info(EventKind k) noexcept {
  return kKindInfo[static_cast<std::size_t>(k)];
}
constexpr std::string_view name(EventKind k) noexcept {
  return info(k).name;
}

std::optional<Field> field_by_name(std::string_view name) noexcept;
std::optional<EventKind> kind_by_name(std::string_view name) noexcept;

}  // namespace bannin::model
