// Pieces shared by the access-log decoders (clf, ltsv, nginx_json): undoing the escapes
// web servers write into log fields, splitting the HTTP request line, and a one-entry
// timestamp cache (consecutive lines mostly share their second).
#pragma once

#include <cstring>
#include <optional>
#include <string_view>

#include <bannin/core/time.h>
#include <bannin/model/event.h>

namespace bannin::decode::access_log {

/// Undoes Apache (\" \\ \n \t \r \xHH) and nginx (\xHH) log escapes. Returns s itself when
/// it holds no backslash, else a view into ev's scratch arena.
std::string_view unescape_log_field(std::string_view s, model::Event& ev);

/// Splits "METHOD target PROTO" (or HTTP/0.9 "METHOD target") into method, path, query,
/// proto. A request line that is not HTTP (TLS bytes, "-", empty, garbage) still gives an
/// event: method "" , non_http=true and request_raw = the line as logged (`logged`).
void set_request_fields(std::string_view request, std::string_view logged, model::Event& ev);

/// Splits a request target into path and query (query only when a '?' is present).
void set_target_fields(std::string_view target, model::Event& ev);

/// Parses a non-negative decimal integer of at most max_digits digits (inline: two calls
/// per access-log line).
inline std::optional<std::int64_t> parse_uint(std::string_view s,
                                              std::size_t max_digits = 18) noexcept {
  if (s.empty() || s.size() > max_digits) return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

/// Seconds with an optional fraction ("0.123", "12") to nanoseconds.
std::optional<std::int64_t> parse_seconds_ns(std::string_view s) noexcept;

/// Sets src_ip when text is an address, else src_host (a name, "unix:", …) when non-empty.
void set_client(std::string_view text, model::Event& ev);

/// Remembers the last timestamp text and its value.
class TimestampCache {
 public:
  template <typename Parse>
  std::optional<core::TimeNs> get(std::string_view text, Parse parse) {
    // The usual CLF text is 26 bytes: a fixed-size compare the compiler inlines.
    if (text.size() == 26 && len_ == 26) {
      if (std::memcmp(text.data(), text_, 26) == 0) return value_;
    } else if (text.size() == len_ && len_ != 0 && std::memcmp(text.data(), text_, len_) == 0) {
      return value_;
    }
    std::optional<core::TimeNs> v = parse(text);
    if (v && text.size() <= sizeof text_) {
      std::copy(text.begin(), text.end(), text_);
      len_ = text.size();
      value_ = *v;
    }
    return v;
  }

 private:
  char text_[48] = {};
  std::size_t len_ = 0;
  core::TimeNs value_ = 0;
};

/// Any timestamp form seen in access logs: CLF ("10/Oct/2000:13:55:36 -0700", optionally in
/// brackets), ISO 8601 with offset, or decimal epoch seconds.
std::optional<core::TimeNs> parse_any_time(std::string_view s) noexcept;

}  // namespace bannin::decode::access_log
