// Reading the store's own JSON columns (target_json, group_json) with simdjson: whether a column
// written by bannin (or edited by hand) is valid JSON before it is embedded raw in an export or
// an API answer, and one top-level string member, from which a decision's target key and a
// finding's site are derived. Pure functions of text, thread-safe (one reused parser per
// thread), never throw on any input: RFC 8259 as simdjson reads it (UTF-8 validated, escapes
// checked, numbers within a double or a 64-bit integer), nesting deeper than 64 levels invalid.
// The API's request bodies are read by api/json_value.h instead, for its located errors
// (docs/decisions/2026-12-08-one-json-reader.md).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace bannin::store::detail {

inline constexpr std::size_t kJsonColumnMaxDepth = 64;

/// True when `text` is exactly one JSON value (surrounding whitespace allowed).
bool json_valid(std::string_view text);

/// The unescaped value of the top-level member `key` of the JSON object `text` when that
/// value is a string (the last one when the key repeats); nullopt when text is not a valid
/// object, the key is absent, or the value is not a string.
std::optional<std::string> json_member_string(std::string_view text, std::string_view key);

}  // namespace bannin::store::detail
