// JsonValue: a small, strict JSON reader for the API's side of the wire — request bodies the
// server validates (POST /api/v1/decisions) and the status document `bannin status` renders.
// Both are small (the server refuses bodies over 64 KiB), so a tree is fine; what matters is
// that any input, however malformed, gives a located error instead of a crash: RFC 8259
// grammar only, UTF-8 validated, nesting depth bounded, duplicate object keys refused.
// simdjson stays the reader of the hot paths (decoders); this one exists because an API
// caller deserves "offset 17: expected ':'", which simdjson's DOM does not report.
// Value type; a parsed tree is immutable and safe to read from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/core/result.h>

namespace bannin::api {

class JsonValue {
 public:
  enum class Type { Null, Bool, Number, String, Array, Object };

  JsonValue() = default;

  [[nodiscard]] Type type() const noexcept { return type_; }
  [[nodiscard]] bool is_null() const noexcept { return type_ == Type::Null; }
  [[nodiscard]] bool is_object() const noexcept { return type_ == Type::Object; }
  [[nodiscard]] bool is_array() const noexcept { return type_ == Type::Array; }
  [[nodiscard]] bool is_string() const noexcept { return type_ == Type::String; }
  [[nodiscard]] bool is_number() const noexcept { return type_ == Type::Number; }
  [[nodiscard]] bool is_bool() const noexcept { return type_ == Type::Bool; }

  /// The string, or nullptr when this is not a string.
  [[nodiscard]] const std::string* string() const noexcept {
    return type_ == Type::String ? &text_ : nullptr;
  }
  [[nodiscard]] std::optional<bool> boolean() const noexcept {
    if (type_ != Type::Bool) return std::nullopt;
    return bool_;
  }
  [[nodiscard]] std::optional<double> number() const noexcept {
    if (type_ != Type::Number) return std::nullopt;
    return number_;
  }
  /// The number when it was written as an integer (no fraction, no exponent) that fits.
  [[nodiscard]] std::optional<std::int64_t> integer() const noexcept {
    if (type_ != Type::Number || !is_integer_) return std::nullopt;
    return integer_;
  }
  /// The number as written in the input ("1e3", "12"), for messages.
  [[nodiscard]] const std::string& number_text() const noexcept { return text_; }

  /// Array elements, or object member values (in input order); empty for scalars.
  [[nodiscard]] const std::vector<JsonValue>& items() const noexcept { return items_; }
  /// Object member keys, parallel to items(); empty for anything but an object.
  [[nodiscard]] const std::vector<std::string>& keys() const noexcept { return keys_; }
  [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }
  /// The member named key, or nullptr (also when this is not an object).
  [[nodiscard]] const JsonValue* find(std::string_view key) const noexcept;

 private:
  friend class JsonReader;
  Type type_ = Type::Null;
  bool bool_ = false;
  bool is_integer_ = false;
  double number_ = 0;
  std::int64_t integer_ = 0;
  std::string text_;  ///< string value, or the number's text
  std::vector<JsonValue> items_;
  std::vector<std::string> keys_;
};

inline constexpr int kJsonMaxDepth = 64;

/// Parses one JSON document (surrounding whitespace allowed, nothing else after it). On
/// failure the error has code "bad_json" and a message "offset N (line L, column C): what";
/// the byte offset also goes to *error_offset when given.
core::Result<JsonValue> parse_json(std::string_view text, std::size_t* error_offset = nullptr);

}  // namespace bannin::api
