#include <cstdint>

#include <bannin/store/json_scan.h>

namespace bannin::store::detail {
namespace {

constexpr int kMaxDepth = 64;

// A recursive-descent JSON reader (RFC 8259) that validates and, on request, captures the
// string members of the top-level object.
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  bool whole_value() {
    ws();
    if (!value(0)) return false;
    ws();
    return pos_ == s_.size();
  }

  // Reads a top-level object and stores the unescaped string value of `key` (last one wins,
  // as most parsers do).
  bool object_member(std::string_view key, std::optional<std::string>& out) {
    ws();
    if (!peek('{')) return false;
    ++pos_;
    ws();
    if (peek('}')) {
      ++pos_;
      ws();
      return pos_ == s_.size();
    }
    while (true) {
      ws();
      std::string k;
      if (!string(&k)) return false;
      ws();
      if (!peek(':')) return false;
      ++pos_;
      ws();
      if (k == key) {
        if (peek('"')) {
          std::string v;
          if (!string(&v)) return false;
          out = std::move(v);
        } else {
          if (!value(1)) return false;
          out.reset();
        }
      } else if (!value(1)) {
        return false;
      }
      ws();
      if (peek(',')) {
        ++pos_;
        continue;
      }
      if (!peek('}')) return false;
      ++pos_;
      ws();
      return pos_ == s_.size();
    }
  }

 private:
  [[nodiscard]] bool peek(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
  void ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  bool value(int depth) {
    if (depth > kMaxDepth || pos_ >= s_.size()) return false;
    switch (s_[pos_]) {
      case '{':
        return object(depth);
      case '[':
        return array(depth);
      case '"':
        return string(nullptr);
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        return number();
    }
  }

  bool object(int depth) {
    ++pos_;
    ws();
    if (peek('}')) {
      ++pos_;
      return true;
    }
    while (true) {
      ws();
      if (!string(nullptr)) return false;
      ws();
      if (!peek(':')) return false;
      ++pos_;
      ws();
      if (!value(depth + 1)) return false;
      ws();
      if (peek(',')) {
        ++pos_;
        continue;
      }
      if (!peek('}')) return false;
      ++pos_;
      return true;
    }
  }

  bool array(int depth) {
    ++pos_;
    ws();
    if (peek(']')) {
      ++pos_;
      return true;
    }
    while (true) {
      ws();
      if (!value(depth + 1)) return false;
      ws();
      if (peek(',')) {
        ++pos_;
        continue;
      }
      if (!peek(']')) return false;
      ++pos_;
      return true;
    }
  }

  bool digits() {
    std::size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  bool number() {
    if (peek('-')) ++pos_;
    if (peek('0')) {
      ++pos_;
    } else if (!digits()) {
      return false;
    }
    if (peek('.')) {
      ++pos_;
      if (!digits()) return false;
    }
    if (peek('e') || peek('E')) {
      ++pos_;
      if (peek('+') || peek('-')) ++pos_;
      if (!digits()) return false;
    }
    return true;
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool hex4(std::uint32_t& v) {
    if (pos_ + 4 > s_.size()) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
    }
    return true;
  }

  // A string; its unescaped bytes go to *out when out is not null. Lone surrogates become
  // U+FFFD (they cannot be encoded in UTF-8).
  bool string(std::string* out) {
    if (!peek('"')) return false;
    ++pos_;
    while (pos_ < s_.size()) {
      auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return false;
      if (c != '\\') {
        if (out != nullptr) *out += static_cast<char>(c);
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= s_.size()) return false;
      char e = s_[pos_++];
      char plain = 0;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          plain = e;
          break;
        case 'b':
          plain = '\b';
          break;
        case 'f':
          plain = '\f';
          break;
        case 'n':
          plain = '\n';
          break;
        case 'r':
          plain = '\r';
          break;
        case 't':
          plain = '\t';
          break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF && s_.substr(pos_, 2) == "\\u") {
            std::size_t save = pos_;
            pos_ += 2;
            std::uint32_t lo = 0;
            if (!hex4(lo)) return false;
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              pos_ = save;  // not a pair: the high half alone, the next escape read later
              cp = 0xFFFD;
            }
          } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD;
          }
          if (out != nullptr) append_utf8(*out, cp);
          continue;
        }
        default:
          return false;
      }
      if (out != nullptr) *out += plain;
    }
    return false;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

bool json_valid(std::string_view text) noexcept {
  Reader r(text);
  return r.whole_value();
}

std::optional<std::string> json_member_string(std::string_view text, std::string_view key) {
  Reader r(text);
  std::optional<std::string> out;
  if (!r.object_member(key, out)) return std::nullopt;
  return out;
}

}  // namespace bannin::store::detail
