// Strict recursive-descent JSON reader (RFC 8259). Recursion is bounded by kJsonMaxDepth, so
// the stack use is bounded whatever the input; every failure records the offset where it
// was noticed and unwinds.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <utility>

#include <bannin/api/json_value.h>

namespace bannin::api {

const JsonValue* JsonValue::find(std::string_view key) const noexcept {
  if (type_ != Type::Object) return nullptr;
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) return &items_[i];
  }
  return nullptr;
}

// Friend of JsonValue: fills its private members while reading.
class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : s_(text) {}

  bool document(JsonValue& out) {
    skip_ws();
    if (!value(out, 0)) return false;
    skip_ws();
    if (pos_ != s_.size()) return fail("unexpected text after the JSON value");
    return true;
  }
  [[nodiscard]] std::size_t error_offset() const noexcept { return error_pos_; }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }

 private:
  bool fail(const char* what) { return fail_at(pos_, what); }
  bool fail_at(std::size_t at, const char* what) {
    if (error_.empty()) {
      error_ = what;
      error_pos_ = at;
    }
    return false;
  }
  void skip_ws() noexcept {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  [[nodiscard]] bool at_end() const noexcept { return pos_ >= s_.size(); }
  [[nodiscard]] char peek() const noexcept { return s_[pos_]; }

  bool value(JsonValue& out, int depth) {
    if (at_end()) return fail("unexpected end of input, expected a value");
    switch (peek()) {
      case '{':
        return object(out, depth + 1);
      case '[':
        return array(out, depth + 1);
      case '"':
        out.type_ = JsonValue::Type::String;
        return string(out.text_);
      case 't':
        out.type_ = JsonValue::Type::Bool;
        out.bool_ = true;
        return literal("true");
      case 'f':
        out.type_ = JsonValue::Type::Bool;
        out.bool_ = false;
        return literal("false");
      case 'n':
        out.type_ = JsonValue::Type::Null;
        return literal("null");
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) return number(out);
        return fail("expected a value (object, array, string, number, true, false or null)");
    }
  }

  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return fail("invalid literal");
    pos_ += word.size();
    return true;
  }

  bool object(JsonValue& out, int depth) {
    if (depth > kJsonMaxDepth) return fail("nesting deeper than 64 levels");
    out.type_ = JsonValue::Type::Object;
    ++pos_;  // '{'
    skip_ws();
    if (!at_end() && peek() == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_ws();
      if (at_end() || peek() != '"') return fail("expected a string key");
      const std::size_t key_at = pos_;
      std::string key;
      if (!string(key)) return false;
      for (const auto& k : out.keys_) {
        if (k == key) return fail_at(key_at, "duplicate key");
      }
      skip_ws();
      if (at_end() || peek() != ':') return fail("expected ':' after the key");
      ++pos_;
      skip_ws();
      JsonValue v;
      if (!value(v, depth)) return false;
      out.keys_.push_back(std::move(key));
      out.items_.push_back(std::move(v));
      skip_ws();
      if (at_end()) return fail("unexpected end of input, expected ',' or '}'");
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or '}'");
    }
  }

  bool array(JsonValue& out, int depth) {
    if (depth > kJsonMaxDepth) return fail("nesting deeper than 64 levels");
    out.type_ = JsonValue::Type::Array;
    ++pos_;  // '['
    skip_ws();
    if (!at_end() && peek() == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_ws();
      JsonValue v;
      if (!value(v, depth)) return false;
      out.items_.push_back(std::move(v));
      skip_ws();
      if (at_end()) return fail("unexpected end of input, expected ',' or ']'");
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or ']'");
    }
  }

  static int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  bool hex4(unsigned& out) {
    if (s_.size() - pos_ < 4) return fail("truncated \\u escape");
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const int d = hex_digit(s_[pos_ + static_cast<std::size_t>(i)]);
      if (d < 0) return fail("invalid \\u escape");
      out = out * 16 + static_cast<unsigned>(d);
    }
    pos_ += 4;
    return true;
  }
  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  /// Length of the valid UTF-8 sequence starting at s_[pos_] (a non-ASCII lead byte), or 0.
  [[nodiscard]] std::size_t utf8_sequence() const noexcept {
    const auto b = [this](std::size_t i) {
      return pos_ + i < s_.size() ? static_cast<unsigned char>(s_[pos_ + i]) : 0U;
    };
    const unsigned c = b(0);
    const auto cont = [&](std::size_t i) { return (b(i) & 0xC0U) == 0x80U; };
    if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
      if (!cont(1) || !cont(2)) return 0;
      if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
      if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogate
      return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
      if (!cont(1) || !cont(2) || !cont(3)) return 0;
      if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
      if (c == 0xF4 && b(1) >= 0x90) return 0;  // above U+10FFFF
      return 4;
    }
    return 0;
  }

  bool string(std::string& out) {
    ++pos_;  // opening quote
    for (;;) {
      if (at_end()) return fail("unterminated string");
      const char c = peek();
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in a string");
      if (c == '\\') {
        ++pos_;
        if (at_end()) return fail("unterminated string");
        const char e = peek();
        ++pos_;
        switch (e) {
          case '"':
            out.push_back('"');
            break;
          case '\\':
            out.push_back('\\');
            break;
          case '/':
            out.push_back('/');
            break;
          case 'b':
            out.push_back('\b');
            break;
          case 'f':
            out.push_back('\f');
            break;
          case 'n':
            out.push_back('\n');
            break;
          case 'r':
            out.push_back('\r');
            break;
          case 't':
            out.push_back('\t');
            break;
          case 'u': {
            const std::size_t at = pos_ - 2;
            unsigned cp = 0;
            if (!hex4(cp)) return false;
            if (cp >= 0xDC00 && cp <= 0xDFFF)
              return fail_at(at, "lone low surrogate in \\u escape");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              if (s_.substr(pos_, 2) != "\\u")
                return fail_at(at, "high surrogate without its pair");
              pos_ += 2;
              unsigned lo = 0;
              if (!hex4(lo)) return false;
              if (lo < 0xDC00 || lo > 0xDFFF) return fail_at(at, "high surrogate without its pair");
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            append_utf8(out, cp);
            break;
          }
          default:
            pos_ -= 2;
            return fail("invalid escape");
        }
        continue;
      }
      if (static_cast<unsigned char>(c) < 0x80) {
        out.push_back(c);
        ++pos_;
        continue;
      }
      const std::size_t n = utf8_sequence();
      if (n == 0) return fail("invalid UTF-8");
      out.append(s_.substr(pos_, n));
      pos_ += n;
    }
  }

  bool number(JsonValue& out) {
    const std::size_t start = pos_;
    const auto digits = [this] {
      const std::size_t from = pos_;
      while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
      return pos_ - from;
    };
    if (peek() == '-') ++pos_;
    if (at_end()) return fail("expected a digit");
    if (peek() == '0') {
      ++pos_;
      if (!at_end() && peek() >= '0' && peek() <= '9') return fail("leading zero in a number");
    } else if (digits() == 0) {
      return fail("expected a digit");
    }
    bool integral = true;
    if (!at_end() && peek() == '.') {
      integral = false;
      ++pos_;
      if (digits() == 0) return fail("expected a digit after '.'");
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      integral = false;
      ++pos_;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
      if (digits() == 0) return fail("expected a digit in the exponent");
    }
    const std::string_view text = s_.substr(start, pos_ - start);
    out.type_ = JsonValue::Type::Number;
    out.text_.assign(text);
    const char* first = text.data();
    const char* last = text.data() + text.size();
    if (integral) {
      std::int64_t v = 0;
      auto r = std::from_chars(first, last, v);
      if (r.ec == std::errc() && r.ptr == last) {
        out.is_integer_ = true;
        out.integer_ = v;
        out.number_ = static_cast<double>(v);
        return true;
      }
    }
    double d = 0;
    auto r = std::from_chars(first, last, d);
    if (r.ec == std::errc::result_out_of_range || !std::isfinite(d)) {
      return fail_at(start, "number out of range");
    }
    if (r.ec != std::errc() || r.ptr != last) return fail_at(start, "invalid number");
    out.number_ = d;
    return true;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::string error_;
  std::size_t error_pos_ = 0;
};

core::Result<JsonValue> parse_json(std::string_view text, std::size_t* error_offset) {
  JsonReader reader(text);
  JsonValue v;
  if (reader.document(v)) return v;
  const std::size_t at = reader.error_offset();
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < at && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  if (error_offset) *error_offset = at;
  char where[96];
  std::snprintf(where, sizeof where, "offset %zu (line %zu, column %zu): ", at, line, col);
  return core::make_error("bad_json", where + reader.error());
}

}  // namespace bannin::api
