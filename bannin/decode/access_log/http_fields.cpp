#include <cstring>

#include <bannin/core/ip_address.h>
#include <bannin/core/scan.h>
#include <bannin/decode/access_log/http_fields.h>

namespace bannin::decode::access_log {

using model::Field;

namespace {

bool is_method_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

}  // namespace

std::string_view unescape_log_field(std::string_view s, model::Event& ev) {
  const void* bs = std::memchr(s.data(), '\\', s.size());
  if (bs == nullptr) return s;
  char* out = ev.scratch(s.size());
  std::size_t prefix = static_cast<std::size_t>(static_cast<const char*>(bs) - s.data());
  std::memcpy(out, s.data(), prefix);
  std::size_t o = prefix;
  for (std::size_t i = prefix; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\' || i + 1 >= s.size()) {
      out[o++] = c;
      continue;
    }
    char n = s[i + 1];
    switch (n) {
      case '"':
        out[o++] = '"';
        ++i;
        break;
      case '\\':
        out[o++] = '\\';
        ++i;
        break;
      case 'n':
        out[o++] = '\n';
        ++i;
        break;
      case 't':
        out[o++] = '\t';
        ++i;
        break;
      case 'r':
        out[o++] = '\r';
        ++i;
        break;
      case 'x':
        if (i + 3 < s.size() && core::hex_value(s[i + 2]) >= 0 && core::hex_value(s[i + 3]) >= 0) {
          out[o++] = static_cast<char>(core::hex_value(s[i + 2]) * 16 + core::hex_value(s[i + 3]));
          i += 3;
        } else {
          out[o++] = c;
        }
        break;
      default:
        out[o++] = c;
        break;
    }
  }
  ev.shrink_scratch(out, s.size(), o);
  return {out, o};
}

void set_target_fields(std::string_view target, model::Event& ev) {
  std::size_t q = target.find('?');
  if (q == std::string_view::npos) {
    ev.set_string(Field::Path, target);
  } else {
    ev.set_string(Field::Path, target.substr(0, q));
    ev.set_string(Field::Query, target.substr(q + 1));
  }
}

void set_request_fields(std::string_view req, std::string_view logged, model::Event& ev) {
  // METHOD SP target [SP HTTP/x.y]. memchr finds the space after the target; the protocol
  // is short, so it is checked with a byte loop.
  std::size_t i = 0;
  while (i < req.size() && is_method_char(req[i])) ++i;
  if (i > 0 && i <= 32 && i + 1 < req.size() && req[i] == ' ' && req[0] >= 'A' && req[0] <= 'Z') {
    const char* start = req.data() + i + 1;
    const char* end = req.data() + req.size();
    // One SIMD scan finds the first '?' or ' '; only a query needs a second one.
    const char* q = core::find_either(req.data(), start, end, '?', ' ');
    const char* sp = q;
    if (q < end && *q == '?') {
      sp = static_cast<const char*>(std::memchr(q, ' ', static_cast<std::size_t>(end - q)));
      if (sp == nullptr) sp = end;
    } else {
      q = nullptr;
    }
    const char* target_end = sp;
    if (sp == end) sp = nullptr;
    bool ok = target_end > start;
    std::string_view proto;
    if (sp != nullptr) {
      proto = std::string_view(sp + 1, static_cast<std::size_t>(end - sp - 1));
      ok = ok && proto.size() >= 6 && proto.size() <= 16 &&
           std::memcmp(proto.data(), "HTTP/", 5) == 0 &&
           proto.find(' ', 5) == std::string_view::npos;
    }
    if (ok) {
      ev.set_string(Field::Method, req.substr(0, i));
      auto target_len = static_cast<std::size_t>(target_end - start);
      if (q != nullptr) {
        ev.set_string(Field::Path, std::string_view(start, static_cast<std::size_t>(q - start)));
        ev.set_string(Field::Query,
                      std::string_view(q + 1, static_cast<std::size_t>(target_end - q - 1)));
      } else {
        ev.set_string(Field::Path, std::string_view(start, target_len));
      }
      if (!proto.empty()) ev.set_string(Field::Proto, proto);
      return;
    }
  }
  ev.set_string(Field::Method, std::string_view{});
  ev.set_bool(Field::NonHttp, true);
  ev.set_string(Field::RequestRaw, logged);
}

std::optional<std::int64_t> parse_seconds_ns(std::string_view s) noexcept {
  std::size_t dot = s.find('.');
  auto whole = parse_uint(s.substr(0, dot), 9);
  if (!whole) return std::nullopt;
  std::int64_t ns = *whole * core::kNsPerSec;
  if (dot != std::string_view::npos) {
    std::string_view frac = s.substr(dot + 1);
    if (frac.empty()) return std::nullopt;
    std::int64_t scale = core::kNsPerSec / 10;
    for (char c : frac) {
      if (c < '0' || c > '9') return std::nullopt;
      ns += (c - '0') * scale;
      scale /= 10;
    }
  }
  return ns;
}

void set_client(std::string_view text, model::Event& ev) {
  if (auto ip = core::IpAddress::parse(text)) {
    ev.set_ip(Field::SrcIp, *ip);
  } else if (!text.empty() && text != "-") {
    ev.set_string(Field::SrcHost, text);
  }
}

std::optional<core::TimeNs> parse_any_time(std::string_view s) noexcept {
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  if (s.size() >= 3 && s[2] == '/') return core::parse_clf_time(s);
  if (s.size() >= 5 && s[4] == '-') return core::parse_iso8601(s);
  return core::parse_epoch_seconds(s);
}

}  // namespace bannin::decode::access_log
