// Small JSON readers for the store's own columns (target_json, group_json): the store needs
// only core (STYLE §1), so it does not link a JSON library; these check that a column written
// by bannin (or edited by hand) is valid JSON before it is embedded raw in an export, and read
// one top-level string member to derive a decision's target key. Pure functions of text,
// thread-safe, never throw; nesting deeper than 64 levels is treated as invalid.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bannin::store::detail {

/// True when `text` is exactly one JSON value (surrounding whitespace allowed).
bool json_valid(std::string_view text) noexcept;

/// The unescaped value of the top-level member `key` of the JSON object `text` when that
/// value is a string; nullopt when text is not a valid object, the key is absent, or the value
/// is not a string.
std::optional<std::string> json_member_string(std::string_view text, std::string_view key);

}  // namespace bannin::store::detail
