#include <array>
#include <charconv>

#include <bannin/api/finding_query.h>

namespace bannin::api {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::size_t kMaxText = 256;  // rule, q, vhost, account

std::string base64url(std::string_view in) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    acc = (acc << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 0x3F];
  return out;
}

std::optional<std::string> unbase64url(std::string_view in) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const auto at = kAlphabet.find(c);
    if (at == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(at);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if ((acc & ((1U << bits) - 1)) != 0) return std::nullopt;  // non-canonical padding bits
  return out;
}

bool printable(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return false;
  }
  return true;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::optional<core::TimeNs> parse_time_parameter(std::string_view text) noexcept {
  if (text.empty() || text.size() > 64) return std::nullopt;
  // Unix seconds: digits with an optional fraction (a negative time is nobody's filter).
  const auto dot = text.find('.');
  if (all_digits(text.substr(0, dot)) &&
      (dot == std::string_view::npos || all_digits(text.substr(dot + 1)))) {
    if (text.substr(0, dot).size() > 11) return std::nullopt;  // beyond year 5000
    return core::parse_epoch_seconds(text);
  }
  return core::parse_iso8601(text, false);
}

std::string encode_cursor(CursorKind kind, std::int64_t id) {
  return base64url(std::string(1, static_cast<char>(kind)) + ":" + std::to_string(id));
}

std::optional<std::int64_t> decode_cursor(CursorKind kind, std::string_view text) noexcept {
  if (text.empty() || text.size() > 40) return std::nullopt;
  auto raw = unbase64url(text);
  if (!raw || raw->size() < 3 || (*raw)[0] != static_cast<char>(kind) || (*raw)[1] != ':') {
    return std::nullopt;
  }
  std::string_view digits = std::string_view(*raw).substr(2);
  if (!all_digits(digits) || digits.size() > 18 || (digits.size() > 1 && digits[0] == '0')) {
    return std::nullopt;
  }
  std::int64_t id = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (id <= 0) return std::nullopt;
  return id;
}

core::Result<FindingQuery> parse_finding_query(const std::map<std::string, std::string>& query,
                                               CursorKind kind, std::string* field) {
  FindingQuery q;
  auto refuse = [&](const std::string& name, const std::string& why,
                    const char* code = "invalid_field") {
    if (field != nullptr) *field = name.substr(0, 64);
    return core::make_error(code, name.substr(0, 64) + ": " + why);
  };
  for (const auto& [name, value] : query) {
    if (name == "rule" || name == "q" || name == "vhost" || name == "account") {
      if (value.size() > kMaxText || !printable(value)) {
        return refuse(name, "at most 256 bytes, without control characters");
      }
      (name == "rule"    ? q.rule
       : name == "q"     ? q.text
       : name == "vhost" ? q.vhost
                         : q.account) = value;
    } else if (name == "from" || name == "to") {
      auto t = parse_time_parameter(value);
      if (!t) {
        return refuse(name,
                      "a time in RFC 3339 (2026-12-01T05:00:00Z, 2026-12-01T14:00:00+09:00) or "
                      "Unix seconds (1764565200)");
      }
      (name == "from" ? q.from : q.to) = *t;
    } else if (name == "limit") {
      std::size_t n = 0;
      const char* end = value.data() + value.size();
      auto [p, ec] = std::from_chars(value.data(), end, n);
      if (!all_digits(value) || ec != std::errc() || p != end || n < 1 || n > kMaxLimit) {
        return refuse(name, "a whole number from 1 to " + std::to_string(kMaxLimit));
      }
      q.limit = n;
    } else if (name == "cursor") {
      auto id = decode_cursor(kind, value);
      if (!id) {
        return refuse(name, std::string("not a cursor of this list (use next_cursor of a ") +
                                (kind == CursorKind::Findings ? "findings" : "incidents") +
                                " page as it is)");
      }
      q.before_id = *id;
    } else {
      return refuse(name,
                    "unknown parameter (known: rule, from, to, q, vhost, account, limit, cursor)",
                    "unknown_field");
    }
  }
  if (q.from > q.to) return refuse("from", "later than to");
  return q;
}

}  // namespace bannin::api
