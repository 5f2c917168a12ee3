// Minimal, fast JSON output for bannin's line-oriented outputs (`bannin parse`, `replay`,
// the API). Appends to a caller-owned std::string that is flushed in large blocks, so
// writing one object costs no allocation once the buffer has grown.
//
// Strings are written as valid JSON whatever bytes they hold: control characters are
// escaped, valid UTF-8 passes through, and each byte of an invalid UTF-8 sequence is
// replaced by U+FFFD (docs/decisions/2026-11-25-json-output.md explains why).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace bannin::core {

/// Appends s as a quoted JSON string. Returns the number of invalid UTF-8 bytes replaced.
std::size_t json_append_string(std::string& out, std::string_view s);
void json_append_int(std::string& out, std::int64_t v);
/// A number for JSON: null for NaN and infinities (no value), whole numbers without a
/// fraction, others with 6 significant digits.
void json_append_number(std::string& out, double v);

/// Appends s to out with each byte of an invalid UTF-8 sequence replaced by U+FFFD, the same
/// rule json_append_string applies (for parsers that require valid UTF-8, e.g. simdjson).
/// Returns the number of bytes replaced.
std::size_t utf8_append_replacing_invalid(std::string& out, std::string_view s);

/// Small helper that writes one flat JSON object: {"k":v,...}.
class JsonObjectWriter {
 public:
  explicit JsonObjectWriter(std::string& out) : out_(out) { out_.push_back('{'); }
  void key(std::string_view k) {
    if (!first_) out_.push_back(',');
    first_ = false;
    out_.push_back('"');
    out_.append(k);  // keys are registry names: plain ASCII, never escaped
    out_.append("\":", 2);
  }
  void string(std::string_view k, std::string_view v) {
    key(k);
    json_append_string(out_, v);
  }
  void integer(std::string_view k, std::int64_t v) {
    key(k);
    json_append_int(out_, v);
  }
  /// A counter (uint64); values above INT64_MAX wrap, which no counter here reaches.
  void u64(std::string_view k, std::uint64_t v) { integer(k, static_cast<std::int64_t>(v)); }
  void boolean(std::string_view k, bool v) {
    key(k);
    out_.append(v ? "true" : "false");
  }
  void null(std::string_view k) {
    key(k);
    out_.append("null", 4);
  }
  /// Writes an already valid JSON value.
  void raw(std::string_view k, std::string_view json) {
    key(k);
    out_.append(json);
  }
  void close() { out_.push_back('}'); }
  /// The buffer being written, for values a caller formats itself after key().
  std::string& buffer() noexcept { return out_; }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace bannin::core
