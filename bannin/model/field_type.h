// The value types of bannin's field registry (schema/events.yaml).
#pragma once

#include <cstdint>
#include <string_view>

namespace bannin::model {

enum class FieldType : std::uint8_t { String, Int, Ip, Timestamp, Duration, Bool };

constexpr std::string_view field_type_name(FieldType t) noexcept {
  switch (t) {
    case FieldType::String:
      return "string";
    case FieldType::Int:
      return "int";
    case FieldType::Ip:
      return "ip";
    case FieldType::Timestamp:
      return "timestamp";
    case FieldType::Duration:
      return "duration";
    case FieldType::Bool:
      return "bool";
  }
  return "?";
}

}  // namespace bannin::model
