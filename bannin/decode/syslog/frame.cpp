#include <array>

#include <bannin/decode/syslog/frame.h>

namespace bannin::decode::syslog {

using std::string_view;

namespace {

// std's name for "not found", kept so the decoders read like string_view code.
// NOLINTNEXTLINE(readability-identifier-naming)
constexpr std::size_t npos = string_view::npos;

bool digit(char c) {
  return c >= '0' && c <= '9';
}

// n digits at s[pos..]; returns false when not all digits.
bool num(string_view s, std::size_t pos, std::size_t n, unsigned& out) {
  if (pos + n > s.size()) return false;
  unsigned v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!digit(s[pos + i])) return false;
    v = v * 10 + static_cast<unsigned>(s[pos + i] - '0');
  }
  out = v;
  return true;
}

// 1 or 2 digits.
bool num12(string_view s, std::size_t& pos, unsigned& out) {
  if (pos >= s.size() || !digit(s[pos])) return false;
  out = static_cast<unsigned>(s[pos] - '0');
  ++pos;
  if (pos < s.size() && digit(s[pos])) {
    out = out * 10 + static_cast<unsigned>(s[pos] - '0');
    ++pos;
  }
  return true;
}

// Years bannin can hold in int64 nanoseconds with room for offsets.
bool year_ok(std::int64_t y) {
  return y >= 1900 && y <= 2200;
}

core::TimeNs make_time(std::int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi,
                       unsigned sec, std::int64_t nanos) {
  std::int64_t days = core::days_from_civil(y, mo, d);
  return ((days * 86400) + std::int64_t{h} * 3600 + std::int64_t{mi} * 60 + sec) * core::kNsPerSec +
         nanos;
}

bool valid(unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned sec) {
  return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && sec <= 60;
}

// "hh:mm:ss" (or "h:mm:ss" when allow_short) at pos, optional [.,]fraction.
bool clock(string_view s, std::size_t& pos, unsigned& h, unsigned& mi, unsigned& sec,
           std::int64_t& nanos, bool allow_short) {
  std::size_t p = pos;
  if (allow_short) {
    if (!num12(s, p, h)) return false;
  } else {
    if (!num(s, p, 2, h)) return false;
    p += 2;
  }
  if (p >= s.size() || s[p] != ':' || !num(s, p + 1, 2, mi)) return false;
  p += 3;
  if (p >= s.size() || s[p] != ':' || !num(s, p + 1, 2, sec)) return false;
  p += 3;
  nanos = 0;
  if (p + 1 < s.size() && (s[p] == '.' || s[p] == ',') && digit(s[p + 1])) {
    ++p;
    std::int64_t scale = 100000000;
    while (p < s.size() && digit(s[p])) {
      nanos += (s[p] - '0') * scale;
      scale /= 10;
      ++p;
    }
  }
  pos = p;
  return true;
}

bool boundary(string_view s, std::size_t pos) {
  return pos >= s.size() || s[pos] == ' ' || s[pos] == '\t';
}

// "Nov 25 14:02:25" / "Jun 7 01:10:56" / "Jul  3 14:59:17"
bool rfc3164(string_view s, std::size_t start, const YearInference& years, core::TimeNs& ts,
             std::size_t& len, bool* had_year = nullptr) {
  if (s.size() < start + 14) return false;
  unsigned mo = core::month_from_abbrev(s.substr(start, 3));
  if (mo == 0 || s[start + 3] != ' ') return false;
  std::size_t p = start + 4;
  if (s[p] == ' ') ++p;
  unsigned d = 0, h = 0, mi = 0, sec = 0;
  std::int64_t nanos = 0;
  if (!num12(s, p, d) || p >= s.size() || s[p] != ' ') return false;
  ++p;
  if (!clock(s, p, h, mi, sec, nanos, false) || !valid(mo, d, h, mi, sec)) return false;
  std::int64_t y = years.year_for(mo);
  // An explicit year after the time ("Nov 25 14:02:25 2013") wins.
  unsigned yy = 0;
  if (p + 5 <= s.size() && s[p] == ' ' && num(s, p + 1, 4, yy) &&
      (boundary(s, p + 5) || s[p + 5] == ']')) {
    y = yy;
    p += 5;
    if (had_year != nullptr) *had_year = true;
  }
  if (!year_ok(y)) return false;
  ts = make_time(y, mo, d, h, mi, sec, nanos);
  len = p - start;
  return true;
}

// Offset "Z", "+09:00", "+0900", "-04:00" at pos (optional).
std::int64_t zone(string_view s, std::size_t& pos) {
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
    return 0;
  }
  if (pos + 5 <= s.size() && (s[pos] == '+' || s[pos] == '-')) {
    unsigned zh = 0, zm = 0;
    std::size_t p = pos + 1;
    if (!num(s, p, 2, zh)) return 0;
    p += 2;
    if (p < s.size() && s[p] == ':') ++p;
    if (!num(s, p, 2, zm)) return 0;
    p += 2;
    std::int64_t off = (zh * 3600 + zm * 60) * core::kNsPerSec;
    bool neg = s[pos] == '-';
    pos = p;
    return neg ? -off : off;
  }
  return 0;
}

// "2025-03-04T01:06:36.645577", "2019-07-08T17:40:16.954167-04:00", "2013-06-12 03:57:58",
// "2015-10-07  8:25:38", "2013-11-16 21:59:30,121", "2013/04/09 11:53:36" (sep '/').
bool iso(string_view s, char sep, core::TimeNs& ts, std::size_t& len) {
  unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!num(s, 0, 4, y) || s.size() < 19 || s[4] != sep || !num(s, 5, 2, mo) || s[7] != sep ||
      !num(s, 8, 2, d)) {
    return false;
  }
  std::size_t p = 10;
  if (s[p] != 'T' && s[p] != ' ') return false;
  ++p;
  bool two_spaces = s[10] == ' ' && s[p] == ' ';
  if (two_spaces) ++p;
  std::int64_t nanos = 0;
  if (!clock(s, p, h, mi, sec, nanos, sep == '-') || !valid(mo, d, h, mi, sec)) return false;
  std::int64_t off = sep == '-' ? zone(s, p) : 0;
  if (!boundary(s, p) && s[p] != ']' && s[p] != ':') return false;
  if (!year_ok(y)) return false;
  ts = make_time(y, mo, d, h, mi, sec, nanos) - off;
  len = p;
  return true;
}

// "11-Aug-2013 03:36:11.372" (BIND) / "30-Dec-2014 13:02:34 -0500" (Roundcube, inside [])
bool dmy(string_view s, std::size_t start, core::TimeNs& ts, std::size_t& len) {
  unsigned d = 0, y = 0, h = 0, mi = 0, sec = 0;
  std::size_t p = start;
  if (!num(s, p, 2, d) || s.size() < p + 20 || s[p + 2] != '-') return false;
  unsigned mo = core::month_from_abbrev(s.substr(p + 3, 3));
  if (mo == 0 || s[p + 6] != '-' || !num(s, p + 7, 4, y) || s[p + 11] != ' ') return false;
  p += 12;
  std::int64_t nanos = 0;
  if (!clock(s, p, h, mi, sec, nanos, false) || !valid(mo, d, h, mi, sec)) return false;
  std::int64_t off = 0;
  if (p + 1 < s.size() && s[p] == ' ' && (s[p + 1] == '+' || s[p + 1] == '-')) {
    std::size_t q = p + 1;
    off = zone(s, q);
    p = q;
  }
  if (!year_ok(y)) return false;
  ts = make_time(y, mo, d, h, mi, sec, nanos) - off;
  len = p - start;
  return true;
}

// "Thu Jul 11 01:21:41 2013", "Sat Jul 20 21:34:49.453232 2013", "Thu Sep  8 00:39:49 2016"
bool ctime(string_view s, std::size_t start, core::TimeNs& ts, std::size_t& len) {
  if (s.size() < start + 24 || s[start + 3] != ' ') return false;
  for (std::size_t i = start; i < start + 3; ++i) {
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) return false;
  }
  YearInference none;
  std::size_t l = 0;
  bool had_year = false;
  if (!rfc3164(s, start + 4, none, ts, l, &had_year) || !had_year) return false;
  len = 4 + l;
  return true;
}

// "130324  8:24:09" / "130916 21:30:26" (MySQL 5.x)
bool yymmdd(string_view s, core::TimeNs& ts, std::size_t& len) {
  unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (s.size() < 14 || !num(s, 0, 2, y) || !num(s, 2, 2, mo) || !num(s, 4, 2, d) || s[6] != ' ')
    return false;
  std::size_t p = 7;
  if (s[p] == ' ') ++p;
  std::int64_t nanos = 0;
  if (!clock(s, p, h, mi, sec, nanos, true) || !valid(mo, d, h, mi, sec) || !boundary(s, p))
    return false;
  ts = make_time(2000 + y, mo, d, h, mi, sec, nanos);
  len = p;
  return true;
}

// "10/06/2013 15:50:41" (MM/DD/YYYY)
bool mdy(string_view s, core::TimeNs& ts, std::size_t& len) {
  unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (s.size() < 19 || !num(s, 0, 2, mo) || s[2] != '/' || !num(s, 3, 2, d) || s[5] != '/' ||
      !num(s, 6, 4, y) || s[10] != ' ') {
    return false;
  }
  std::size_t p = 11;
  std::int64_t nanos = 0;
  if (!clock(s, p, h, mi, sec, nanos, false) || !valid(mo, d, h, mi, sec) || !year_ok(y))
    return false;
  ts = make_time(y, mo, d, h, mi, sec, nanos);
  len = p;
  return true;
}

// "@400000004c91b044077a9e94" (TAI64N)
bool tai64n(string_view s, core::TimeNs& ts, std::size_t& len) {
  if (s.size() < 25 || s[0] != '@') return false;
  std::uint64_t sec = 0, nano = 0;
  for (std::size_t i = 1; i < 25; ++i) {
    char c = s[i];
    unsigned v = digit(c)                 ? static_cast<unsigned>(c - '0')
                 : (c >= 'a' && c <= 'f') ? static_cast<unsigned>(c - 'a' + 10)
                                          : 99;
    if (v == 99) return false;
    if (i <= 16)
      sec = sec * 16 + v;
    else
      nano = nano * 16 + v;
  }
  if (sec < (1ull << 62) || sec - (1ull << 62) > 7'000'000'000ull || nano >= 1000000000ull)
    return false;
  std::int64_t unix_sec = static_cast<std::int64_t>(sec - (1ull << 62)) - 10;
  ts = unix_sec * core::kNsPerSec + static_cast<std::int64_t>(nano);
  len = 25;
  return true;
}

constexpr auto kNameChars = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[static_cast<std::size_t>(c)] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                     (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '/' ||
                                     c == '-';
  }
  return t;
}();

bool name_char(char c) {
  return kNameChars[static_cast<unsigned char>(c)];
}

// A syslog tag "prog", "prog[pid]", "prog(x)", "prog(x)[pid]", followed by ':' (or, for
// "prog[pid]", by nothing). Sets program and pid; returns false when tok is not a tag.
bool tag(string_view tok, bool need_colon, string_view& program, string_view& pid) {
  bool colon = !tok.empty() && tok.back() == ':';
  if (colon) tok.remove_suffix(1);
  if (tok.empty()) return false;
  std::size_t i = 0;
  while (i < tok.size() && name_char(tok[i])) ++i;
  if (i == 0 || !((tok[0] >= 'a' && tok[0] <= 'z') || (tok[0] >= 'A' && tok[0] <= 'Z')))
    return false;
  string_view prog = tok.substr(0, i);
  string_view p;
  bool has_pid = false;
  if (i < tok.size() && tok[i] == '(') {
    std::size_t close = tok.find(')', i);
    if (close == npos) return false;
    string_view inside = tok.substr(i + 1, close - i - 1);
    for (char c : inside) {
      if (!name_char(c)) return false;
    }
    prog = tok.substr(0, close + 1);
    i = close + 1;
  }
  if (i < tok.size() && tok[i] == '[') {
    std::size_t close = tok.find(']', i);
    if (close == npos || close + 1 != tok.size()) return false;
    p = tok.substr(i + 1, close - i - 1);
    for (char c : p) {
      if (!digit(c) && c != ':') return false;
    }
    has_pid = true;
    i = close + 1;
  }
  if (i != tok.size()) return false;
  if (!colon && (need_colon || !has_pid)) return false;
  program = prog;
  pid = p;
  return true;
}

bool host_token(string_view tok) {
  if (tok.empty()) return false;
  for (char c : tok) {
    if (!(name_char(c) || c == ':') || c == '/') return false;
  }
  return true;
}

string_view token_at(string_view s, std::size_t pos) {
  std::size_t e = s.find(' ', pos);
  return s.substr(pos, (e == npos ? s.size() : e) - pos);
}

// Host and tag after the timestamp; returns the message start.
std::size_t host_and_tag(string_view s, std::size_t pos, bool allow_bare_tag, Frame& f) {
  while (pos < s.size() && s[pos] == ' ') ++pos;
  // "<mail.notice> " (facility.priority as some syslogds print it)
  if (pos < s.size() && s[pos] == '<') {
    std::size_t close = s.find("> ", pos);
    if (close != npos && close - pos < 24) pos = close + 2;
  }
  string_view t1 = token_at(s, pos);
  // "[sshd]:" / "[sshd]" with no host
  if (allow_bare_tag && t1.size() > 2 && t1[0] == '[' && (t1.back() == ']' || t1.ends_with("]:"))) {
    string_view inner = t1.substr(1, t1.find(']') - 1);
    bool ok = !inner.empty() && !digit(inner[0]);
    for (char c : inner) ok = ok && name_char(c);
    if (ok) {
      f.program = inner;
      return pos + t1.size();
    }
  }
  string_view prog, pid;
  // tag(t, false) accepts everything tag(t, true) does ("prog:", "prog[pid]:") and also
  // "proftpd[123] …" without a colon and without a host: one call covers both.
  if (allow_bare_tag && tag(t1, false, prog, pid)) {
    f.program = prog;
    f.pid = pid;
    return pos + t1.size();
  }
  if (host_token(t1) && pos + t1.size() < s.size()) {
    std::size_t p2 = pos + t1.size() + 1;
    string_view t2 = token_at(s, p2);
    if (tag(t2, false, prog, pid)) {
      f.host = t1;
      f.program = prog;
      f.pid = pid;
      return p2 + t2.size();
    }
  }
  return pos;
}

// RFC 5424 after "<PRI>1 ".
void rfc5424(string_view s, std::size_t pos, Frame& f) {
  auto field = [&](string_view& out) {
    while (pos < s.size() && s[pos] == ' ') ++pos;
    string_view t = token_at(s, pos);
    pos += t.size();
    out = t == "-" ? string_view{} : t;
  };
  string_view ts, host, app, procid, msgid;
  field(ts);
  if (!ts.empty()) {
    std::size_t l = 0;
    if (iso(ts, '-', f.ts, l)) f.has_ts = true;
  }
  field(host);
  field(app);
  field(procid);
  field(msgid);
  f.host = host;
  f.program = app;
  f.pid = procid;
  while (pos < s.size() && s[pos] == ' ') ++pos;
  if (pos < s.size() && s[pos] == '-') {
    ++pos;
  } else {
    while (pos < s.size() && s[pos] == '[') {
      bool quoted = false;
      ++pos;
      while (pos < s.size()) {
        char c = s[pos];
        if (quoted && c == '\\') {
          pos += 2;
          continue;
        }
        if (c == '"')
          quoted = !quoted;
        else if (c == ']' && !quoted)
          break;
        ++pos;
      }
      if (pos < s.size()) ++pos;
    }
  }
  if (pos < s.size() && s[pos] == ' ') ++pos;
  string_view msg = pos < s.size() ? s.substr(pos) : string_view{};
  if (msg.starts_with("\xEF\xBB\xBF")) msg.remove_prefix(3);
  f.msg = msg;
}

// Message prefixes that are framing, not content: Solaris "[ID 800047 auth.info] ",
// "kernel:[  970.699396]: " / "kernel: [  970.699397] ".
string_view strip_message_prefixes(string_view m) {
  if (m.starts_with("[ID ")) {
    std::size_t close = m.find("] ");
    if (close != npos && close < 48) m.remove_prefix(close + 2);
  }
  if (m.starts_with("kernel:")) {
    string_view r = m.substr(7);
    if (r.starts_with(" ")) r.remove_prefix(1);
    if (r.starts_with("[")) {
      std::size_t close = r.find(']');
      if (close != npos) {
        r.remove_prefix(close + 1);
        if (r.starts_with(":")) r.remove_prefix(1);
        if (r.starts_with(" ")) r.remove_prefix(1);
        m = r;
      }
    }
  }
  return m;
}

}  // namespace

bool parse_leading_time(string_view s, const YearInference& years, core::TimeNs& ts,
                        std::size_t& len, bool& syslog_like) noexcept {
  syslog_like = true;
  if (s.empty()) return false;
  char c = s[0];
  if (c == '@') return tai64n(s, ts, len);
  if (digit(c)) {
    if (s.size() > 4 && s[4] == '-') return iso(s, '-', ts, len);
    syslog_like = false;
    if (s.size() > 4 && s[4] == '/') return iso(s, '/', ts, len);
    if (s.size() > 2 && s[2] == '-') return dmy(s, 0, ts, len);
    if (s.size() > 2 && s[2] == '/') return mdy(s, ts, len);
    if (s.size() > 6 && s[6] == ' ') return yymmdd(s, ts, len);
    return false;
  }
  if (c == '[') {
    syslog_like = false;
    std::size_t close = s.find(']');
    if (close == npos || close > 48) return false;
    std::size_t l = 0;
    // [Thu Jul 11 01:21:41 2013] (Apache), [30-Dec-2014 13:02:34 -0500] (Roundcube),
    // [PDT Apr 16 20:59:33] (Monit: zone name, then RFC 3164)
    if (ctime(s, 1, ts, l) || dmy(s, 1, ts, l)) {
      len = close + 1;
      if (len < s.size() && s[len] == ':') ++len;
      return true;
    }
    std::size_t sp = s.find(' ');
    if (sp != npos && sp < close && rfc3164(s, sp + 1, years, ts, l)) {
      len = close + 1;
      return true;
    }
    return false;
  }
  if (ctime(s, 0, ts, len)) {
    syslog_like = false;
    return true;
  }
  return rfc3164(s, 0, years, ts, len);
}

void parse_frame(string_view line, const YearInference& years, Frame& f) noexcept {
  f = Frame{};
  std::size_t pos = 0;
  // "<PRI>" and RFC 5424 "<PRI>1 "
  if (line.size() > 3 && line[0] == '<') {
    std::size_t close = line.find('>');
    if (close != npos && close <= 4 && close > 1) {
      bool ok = true;
      for (std::size_t i = 1; i < close; ++i) ok = ok && digit(line[i]);
      if (ok) {
        pos = close + 1;
        if (line.size() > pos + 1 && line[pos] == '1' && line[pos + 1] == ' ') {
          rfc5424(line, pos + 2, f);
          f.msg = strip_message_prefixes(f.msg);
          return;
        }
      }
    }
  }
  string_view s = line.substr(pos);
  std::size_t len = 0;
  bool syslog_like = true;
  core::TimeNs ts = 0;
  std::size_t msg_start = 0;
  if (parse_leading_time(s, years, ts, len, syslog_like)) {
    f.ts = ts;
    f.has_ts = true;
    msg_start = syslog_like ? host_and_tag(s, len, true, f) : len;
  } else {
    // Journal "short" without a timestamp: only "host prog[pid]: msg" counts as framing.
    msg_start = host_and_tag(s, 0, false, f);
  }
  while (msg_start < s.size() && (s[msg_start] == ' ' || s[msg_start] == '\t')) ++msg_start;
  f.msg = strip_message_prefixes(s.substr(msg_start));
}

}  // namespace bannin::decode::syslog
