#include <cstring>

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
  // Token up to the next space (not consumed). Empty if at a space or the end.
  std::string_view token() noexcept {
    const void* sp = pos < s.size() ? std::memchr(s.data() + pos, ' ', s.size() - pos) : nullptr;
    std::size_t end = sp != nullptr ? static_cast<std::size_t>(static_cast<const char*>(sp) - s.data())
                                    : s.size();
    std::string_view t = s.substr(pos, end - pos);
    pos = end;
    return t;
  }
  // After an opening quote: the raw field up to the closing, unescaped quote (consumed).
  bool quoted(std::string_view& raw) noexcept {
    std::size_t start = pos;
    std::size_t from = pos;
    while (from < s.size()) {
      const void* q = std::memchr(s.data() + from, '"', s.size() - from);
      if (q == nullptr) return false;
      std::size_t qi = static_cast<std::size_t>(static_cast<const char*>(q) - s.data());
      std::size_t bs = 0;
      while (qi - bs > start && s[qi - bs - 1] == '\\') ++bs;
      if (bs % 2 == 0) {
        raw = s.substr(start, qi - start);
        pos = qi + 1;
        return true;
      }
      from = qi + 1;
    }
    return false;
  }
};

}  // namespace

std::string_view ClfDecoder::name() const noexcept {
  switch (variant_) {
    case ClfVariant::Common: return "common";
    case ClfVariant::Combined: return "combined";
    case ClfVariant::VhostCombined: return "vhost_combined";
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
  std::string_view client = c.token();
  if (client.empty() || !c.eat(' ')) return DecodeResult::fail("bad_client", client_at);
  if (client.front() == '[') {
    // A combined line given to vhost_combined (or a line starting with the time).
    return DecodeResult::fail("bad_client", client_at);
  }
  std::string_view ident = c.token();
  if (ident.empty() || !c.eat(' ')) return DecodeResult::fail("bad_ident", c.pos);
  if (ident.front() == '[') return DecodeResult::fail("bad_ident", c.pos - ident.size());
  std::size_t user_at = c.pos;
  std::string_view user = c.token();
  if (user.empty() || !c.eat(' ')) return DecodeResult::fail("bad_user", user_at);
  if (user.front() == '[') return DecodeResult::fail("bad_user", user_at);
  set_client(client, ev);
  if (user != "-") ev.set_string(Field::User, unescape_log_field(user, ev));

  // [19/Feb/2021:05:21:35 +0900]
  std::size_t ts_at = c.pos;
  if (!c.eat('[')) return DecodeResult::fail("bad_timestamp", ts_at);
  const void* close =
      std::memchr(line.data() + c.pos, ']', std::min<std::size_t>(line.size() - c.pos, 48));
  if (close == nullptr) return DecodeResult::fail("bad_timestamp", ts_at);
  std::size_t close_at = static_cast<std::size_t>(static_cast<const char*>(close) - line.data());
  auto ts = ts_cache_.get(line.substr(c.pos, close_at - c.pos), core::parse_clf_time);
  if (!ts) return DecodeResult::fail("bad_timestamp", ts_at);
  ev.set_ts(*ts);
  c.pos = close_at + 1;

  // "request"
  if (!c.eat(' ') || !c.eat('"')) return DecodeResult::fail("missing_request", c.pos);
  std::string_view request_raw;
  if (!c.quoted(request_raw)) return DecodeResult::fail("unterminated_request", c.pos);
  set_request_fields(unescape_log_field(request_raw, ev), request_raw, ev);

  // status and size
  if (!c.eat(' ')) return DecodeResult::fail("missing_status", c.pos);
  std::size_t status_at = c.pos;
  std::string_view status = c.token();
  if (auto v = parse_uint(status, 3)) {
    ev.set_int(Field::Status, *v);
  } else if (status != "-") {
    return DecodeResult::fail("bad_status", status_at);
  }
  if (!c.eat(' ')) return DecodeResult::fail("missing_size", c.pos);
  std::size_t size_at = c.pos;
  std::string_view size = c.token();
  if (auto v = parse_uint(size, 18)) {
    ev.set_int(Field::Bytes, *v);
  } else if (size != "-") {
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
  if (!c.quoted(referer)) return DecodeResult::fail("unterminated_referer", c.pos);
  if (!c.eat(' ') || !c.eat('"')) return DecodeResult::fail("missing_user_agent", c.pos);
  std::string_view agent;
  if (!c.quoted(agent)) return DecodeResult::fail("unterminated_user_agent", c.pos);
  if (referer != "-" && !referer.empty()) {
    ev.set_string(Field::Referer, unescape_log_field(referer, ev));
  }
  if (agent != "-" && !agent.empty()) {
    ev.set_string(Field::UserAgent, unescape_log_field(agent, ev));
  }
  if (c.eat(' ') && c.eat('"')) {
    std::string_view xff;
    if (c.quoted(xff) && xff != "-" && !xff.empty()) {
      ev.set_string(Field::ForwardedFor, unescape_log_field(xff, ev));
    }
  }
  return DecodeResult::success();
}

}  // namespace bannin::decode::access_log
