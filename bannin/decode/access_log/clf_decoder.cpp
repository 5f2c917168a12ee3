#include <cstring>

#include <bannin/core/scan.h>
#include <bannin/decode/access_log/clf_decoder.h>

namespace bannin::decode::access_log {

using model::Field;

namespace {

// Cursor over one line. Every read is bounds-checked; `pos` only moves forward.
struct Cursor {
  std::string_view s;
  std::size_t pos = 0;

  [[nodiscard]] bool at(char c) const noexcept { return pos < s.size() && s[pos] == c; }
  bool eat(char c) noexcept {
    if (!at(c)) return false;
    ++pos;
    return true;
  }
  // Token up to the next space (not consumed). Empty if at a space or the end. Tokens here
  // are short (addresses, "-", status codes), where a byte loop beats a memchr call.
  std::string_view token() noexcept {
    // Fast path for the most common token of all, "-".
    if (pos + 1 < s.size() && s[pos] == '-' && s[pos + 1] == ' ') {
      ++pos;
      return s.substr(pos - 1, 1);
    }
    std::size_t end = pos;
    while (end < s.size() && s[end] != ' ') ++end;
    std::string_view t = s.substr(pos, end - pos);
    pos = end;
    return t;
  }
  // After an opening quote: the raw field up to the closing quote (consumed). A backslash
  // escapes the next byte (Apache writes \" and \\); `escaped` tells whether any was seen,
  // so the caller only unescapes fields that need it.
  bool quoted(std::string_view& raw, bool& escaped) noexcept {
    const char* begin = s.data() + pos;
    const char* end = s.data() + s.size();
    const char* p = begin;
    escaped = false;
    while (true) {
      p = core::find_either(s.data(), p, end, '"', '\\');
      if (p >= end) return false;
      if (*p == '"') break;
      escaped = true;
      p += 2;  // skip the escaped byte
      if (p > end) return false;
    }
    raw = std::string_view(begin, static_cast<std::size_t>(p - begin));
    pos = static_cast<std::size_t>(p - s.data()) + 1;
    return true;
  }
};

}  // namespace

std::string_view ClfDecoder::name() const noexcept {
  switch (variant_) {
    case ClfVariant::Common:
      return "common";
    case ClfVariant::Combined:
      return "combined";
    case ClfVariant::VhostCombined:
      return "vhost_combined";
  }
  return "clf";
}

DecodeResult ClfDecoder::decode(std::string_view line, model::Event& ev) {
  Cursor c{line};
  ev.set_kind(model::EventKind::HttpRequest);

  if (variant_ == ClfVariant::VhostCombined) {
    std::string_view vhost = c.token();
    if (vhost.empty() || !c.eat(' ')) return DecodeResult::fail("missing_vhost", c.pos);
    std::size_t colon = vhost.rfind(':');
    if (colon != std::string_view::npos && vhost.find(']', colon) == std::string_view::npos) {
      if (auto port = parse_uint(vhost.substr(colon + 1), 5)) {
        ev.set_int(Field::ServerPort, *port);
        vhost = vhost.substr(0, colon);
      }
    }
    ev.set_string(Field::Vhost, vhost);
  }

  std::size_t client_at = c.pos;
  std::string_view client;
  std::uint32_t v4 = 0;
  const char* line_end = line.data() + line.size();
  if (const char* e = core::parse_ipv4_prefix(line.data() + c.pos, line_end, v4);
      e != nullptr && e < line_end && *e == ' ') {
    // The usual case, an IPv4 client, read without a separate token scan.
    ev.set_ip(Field::SrcIp, core::IpAddress::from_v4(v4));
    c.pos = static_cast<std::size_t>(e - line.data());
  } else {
    client = c.token();
    if (client.empty()) return DecodeResult::fail("bad_client", client_at);
    if (client.front() == '[') {
      // A combined line given to vhost_combined (or a line starting with the time).
      return DecodeResult::fail("bad_client", client_at);
    }
  }
  if (!c.eat(' ')) return DecodeResult::fail("bad_client", client_at);
  std::string_view user = "-";
  if (c.pos + 4 < line.size() && std::memcmp(line.data() + c.pos, "- - ", 4) == 0) {
    c.pos += 4;  // no ident, no user: nearly every line
  } else {
    std::string_view ident = c.token();
    if (ident.empty() || !c.eat(' ')) return DecodeResult::fail("bad_ident", c.pos);
    if (ident.front() == '[') return DecodeResult::fail("bad_ident", c.pos - ident.size());
    if (c.at('[') && variant_ != ClfVariant::VhostCombined) {
      // "%h %u %t": formats that leave out the ident column (nginx `$remote_addr
      // $remote_user [$time_local]`, CrowdSec's NGCUSTOMERUSER being optional): the one
      // field is the user. Not for vhost_combined, where it would read a combined line's
      // client as the virtual host.
      user = ident;
    } else {
      std::size_t user_at = c.pos;
      user = c.token();
      if (user.empty() || !c.eat(' ')) return DecodeResult::fail("bad_user", user_at);
      if (user.front() == '[') return DecodeResult::fail("bad_user", user_at);
    }
  }
  if (!client.empty()) set_client(client, ev);
  if (user != "-") ev.set_string(Field::User, unescape_log_field(user, ev));

  // [19/Feb/2021:05:21:35 +0900]
  std::size_t ts_at = c.pos;
  if (!c.eat('[')) return DecodeResult::fail("bad_timestamp", ts_at);
  std::size_t close_at = c.pos + 26;  // "19/Feb/2021:05:21:35 +0900" is the usual length
  if (close_at >= line.size() || line[close_at] != ']') {
    const void* close =
        std::memchr(line.data() + c.pos, ']', std::min<std::size_t>(line.size() - c.pos, 48));
    if (close == nullptr) return DecodeResult::fail("bad_timestamp", ts_at);
    close_at = static_cast<std::size_t>(static_cast<const char*>(close) - line.data());
  }
  auto ts = ts_cache_.get(line.substr(c.pos, close_at - c.pos), core::parse_clf_time);
  if (!ts) return DecodeResult::fail("bad_timestamp", ts_at);
  ev.set_ts(*ts);
  c.pos = close_at + 1;

  // "request"
  if (!c.eat(' ') || !c.eat('"')) return DecodeResult::fail("missing_request", c.pos);
  std::string_view request_raw;
  bool esc = false;
  if (!c.quoted(request_raw, esc)) return DecodeResult::fail("unterminated_request", c.pos);
  set_request_fields(esc ? unescape_log_field(request_raw, ev) : request_raw, request_raw, ev);

  // status and size
  if (!c.eat(' ')) return DecodeResult::fail("missing_status", c.pos);
  std::size_t status_at = c.pos;
  // Fast path: three digits and a space, as almost every line has.
  if (status_at + 3 < line.size() && line[status_at + 3] == ' ' &&
      static_cast<unsigned>(line[status_at] - '0') <= 9 &&
      static_cast<unsigned>(line[status_at + 1] - '0') <= 9 &&
      static_cast<unsigned>(line[status_at + 2] - '0') <= 9) {
    ev.set_int(Field::Status, (line[status_at] - '0') * 100 + (line[status_at + 1] - '0') * 10 +
                                  (line[status_at + 2] - '0'));
    c.pos = status_at + 3;
  } else if (std::string_view status = c.token(); auto v = parse_uint(status, 3)) {
    ev.set_int(Field::Status, *v);
  } else if (status != "-") {
    return DecodeResult::fail("bad_status", status_at);
  }
  if (!c.eat(' ')) return DecodeResult::fail("missing_size", c.pos);
  std::size_t size_at = c.pos;
  // Digits read straight from the line; the token path handles "-" and anything odd.
  std::size_t k = size_at;
  std::int64_t bytes = 0;
  while (k < line.size() && k - size_at < 18 && static_cast<unsigned>(line[k] - '0') <= 9) {
    bytes = bytes * 10 + (line[k] - '0');
    ++k;
  }
  if (k > size_at && (k == line.size() || line[k] == ' ')) {
    ev.set_int(Field::Bytes, bytes);
    c.pos = k;
  } else if (std::string_view size = c.token(); size != "-") {
    return DecodeResult::fail("bad_size", size_at);
  }

  if (variant_ == ClfVariant::Common) {
    while (c.pos < line.size() && (line[c.pos] == ' ' || line[c.pos] == '\t')) ++c.pos;
    if (c.pos != line.size()) return DecodeResult::fail("trailing_data", c.pos);
    return DecodeResult::success();
  }

  // "referer" "user agent" ["forwarded for"]
  if (!c.eat(' ') || !c.eat('"')) return DecodeResult::fail("missing_referer", c.pos);
  std::string_view referer;
  bool referer_esc = false;
  if (!c.quoted(referer, referer_esc)) return DecodeResult::fail("unterminated_referer", c.pos);
  if (!c.eat(' ') || !c.eat('"')) return DecodeResult::fail("missing_user_agent", c.pos);
  std::string_view agent;
  bool agent_esc = false;
  if (!c.quoted(agent, agent_esc)) return DecodeResult::fail("unterminated_user_agent", c.pos);
  if (referer != "-" && !referer.empty()) {
    ev.set_string(Field::Referer, referer_esc ? unescape_log_field(referer, ev) : referer);
  }
  if (agent != "-" && !agent.empty()) {
    ev.set_string(Field::UserAgent, agent_esc ? unescape_log_field(agent, ev) : agent);
  }
  if (c.eat(' ') && c.eat('"')) {
    std::string_view xff;
    bool xff_esc = false;
    if (c.quoted(xff, xff_esc) && xff != "-" && !xff.empty()) {
      ev.set_string(Field::ForwardedFor, unescape_log_field(xff, ev));
    }
  }
  return DecodeResult::success();
}

}  // namespace bannin::decode::access_log
