#include <charconv>
#include <optional>

#include <bannin/probe/kpi/proc_parse.h>

namespace bannin::probe::kpi {

namespace {

// Tables are small (the longest, TcpExt, has ~130 columns); a line with more tokens than
// this is not a table this probe knows and is counted, never indexed past.
constexpr std::size_t kMaxColumns = 512;

bool is_blank(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r';
}

// Splits text into lines without allocating: next_line(text, pos, line).
bool next_line(std::string_view text, std::size_t& pos, std::string_view& line) noexcept {
  if (pos >= text.size()) return false;
  std::size_t nl = text.find('\n', pos);
  if (nl == std::string_view::npos) nl = text.size();
  line = text.substr(pos, nl - pos);
  pos = nl + 1;
  return true;
}

// Tokens separated by blanks: next_token(line, pos, tok).
bool next_token(std::string_view line, std::size_t& pos, std::string_view& tok) noexcept {
  while (pos < line.size() && is_blank(line[pos])) ++pos;
  if (pos >= line.size()) return false;
  std::size_t start = pos;
  while (pos < line.size() && !is_blank(line[pos])) ++pos;
  tok = line.substr(start, pos - start);
  return true;
}

std::size_t count_tokens(std::string_view line) noexcept {
  std::size_t n = 0, pos = 0;
  std::string_view tok;
  while (next_token(line, pos, tok)) ++n;
  return n;
}

std::optional<std::uint64_t> parse_hex(std::string_view token) noexcept {
  if (token.empty() || token.size() > 16) return std::nullopt;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), v, 16);
  if (ec != std::errc() || p != token.data() + token.size()) return std::nullopt;
  return v;
}

// "0.52" -> 52 (hundredths); at most two decimals are kept, more are cut.
std::optional<std::uint64_t> parse_centi(std::string_view token) noexcept {
  std::size_t dot = token.find('.');
  auto whole = parse_u64(token.substr(0, dot));
  if (!whole || *whole > 1'000'000) return std::nullopt;
  std::uint64_t frac = 0;
  if (dot != std::string_view::npos) {
    std::string_view f = token.substr(dot + 1);
    if (f.empty()) return std::nullopt;
    for (std::size_t i = 0; i < f.size(); ++i) {
      if (f[i] < '0' || f[i] > '9') return std::nullopt;
      if (i < 2) frac = frac * 10 + static_cast<std::uint64_t>(f[i] - '0');
    }
    if (f.size() == 1) frac *= 10;
  }
  return *whole * 100 + frac;
}

// Wanted names must all be found somewhere: the Missing count says which file lost one.
void count_missing(std::span<const Want> want, const Slots& slots, ParseCounts& counts) noexcept {
  for (const Want& w : want) {
    if (w.slot >= slots.have.size() || !slots.have[w.slot]) counts.reject(Reject::Missing);
  }
}

// Every wanted (section, name) gets the value: a number in its slot, else a BadNumber reject.
// `section` is ignored for files without sections (pass std::nullopt).
void store_wanted(std::span<const Want> want, std::optional<std::string_view> section,
                  std::string_view name, std::string_view value, const Slots& slots,
                  ParseCounts& counts) noexcept {
  for (const Want& w : want) {
    if (w.name != name || (section && w.section != *section)) continue;
    if (auto v = parse_u64(value)) {
      slots.set(w.slot, *v);
    } else {
      counts.reject(Reject::BadNumber);
    }
  }
}

}  // namespace

std::string_view reject_name(Reject r) noexcept {
  switch (r) {
    case Reject::BadLine:
      return "bad_line";
    case Reject::FieldCount:
      return "field_count";
    case Reject::BadNumber:
      return "bad_number";
    case Reject::Missing:
      return "missing";
    case Reject::Empty:
      return "empty";
    case Reject::Count:
      break;
  }
  return "?";
}

std::optional<std::uint64_t> parse_u64(std::string_view token) noexcept {
  if (token.empty() || token.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), v, 10);
  if (ec != std::errc() || p != token.data() + token.size()) return std::nullopt;
  return v;
}

void parse_pair_table(std::string_view text, std::span<const Want> want, const Slots& slots,
                      ParseCounts& counts) noexcept {
  ++counts.texts;
  if (text.empty()) {
    counts.reject(Reject::Empty);
    return;
  }
  std::size_t pos = 0;
  std::string_view names, values;
  while (next_line(text, pos, names)) {
    if (names.empty()) continue;
    std::size_t colon = names.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      counts.reject(Reject::BadLine);
      continue;
    }
    const std::string_view section = names.substr(0, colon);
    // The values line must follow with the same section.
    std::size_t after = pos;
    if (!next_line(text, after, values) ||
        values.substr(0, colon + 1) != names.substr(0, colon + 1)) {
      counts.reject(Reject::BadLine);
      continue;
    }
    pos = after;
    const std::string_view nrest = names.substr(colon + 1);
    const std::string_view vrest = values.substr(colon + 1);
    const std::size_t n = count_tokens(nrest);
    if (n != count_tokens(vrest) || n > kMaxColumns) {
      counts.reject(Reject::FieldCount);
      continue;
    }
    bool wanted_section = false;
    for (const Want& w : want) wanted_section = wanted_section || w.section == section;
    if (!wanted_section) continue;
    std::size_t np = 0, vp = 0;
    std::string_view name, value;
    while (next_token(nrest, np, name) && next_token(vrest, vp, value)) {
      store_wanted(want, section, name, value, slots, counts);
    }
  }
  count_missing(want, slots, counts);
}

void parse_name_value(std::string_view text, std::span<const Want> want, const Slots& slots,
                      ParseCounts& counts) noexcept {
  ++counts.texts;
  if (text.empty()) {
    counts.reject(Reject::Empty);
    return;
  }
  std::size_t pos = 0;
  std::string_view line;
  while (next_line(text, pos, line)) {
    std::size_t tp = 0;
    std::string_view name, value, extra;
    if (!next_token(line, tp, name)) continue;  // blank line
    if (!next_token(line, tp, value) || next_token(line, tp, extra)) {
      counts.reject(Reject::BadLine);
      continue;
    }
    store_wanted(want, std::nullopt, name, value, slots, counts);
  }
  count_missing(want, slots, counts);
}

void parse_meminfo(std::string_view text, std::span<const Want> want, const Slots& slots,
                   ParseCounts& counts) noexcept {
  ++counts.texts;
  if (text.empty()) {
    counts.reject(Reject::Empty);
    return;
  }
  std::size_t pos = 0;
  std::string_view line;
  while (next_line(text, pos, line)) {
    std::size_t tp = 0;
    std::string_view name, value, unit, extra;
    if (!next_token(line, tp, name)) continue;
    if (name.size() < 2 || name.back() != ':' || !next_token(line, tp, value)) {
      counts.reject(Reject::BadLine);
      continue;
    }
    const bool has_unit = next_token(line, tp, unit);
    if (next_token(line, tp, extra) || (has_unit && unit != "kB")) {
      counts.reject(Reject::BadLine);
      continue;
    }
    name.remove_suffix(1);
    for (const Want& w : want) {
      if (w.name != name) continue;
      auto v = parse_u64(value);
      if (!v || (has_unit && *v > (UINT64_MAX >> 10))) {
        counts.reject(Reject::BadNumber);
        continue;
      }
      slots.set(w.slot, has_unit ? *v << 10 : *v);
    }
  }
  count_missing(want, slots, counts);
}

void parse_sockstat(std::string_view text, std::span<const Want> want, const Slots& slots,
                    ParseCounts& counts) noexcept {
  ++counts.texts;
  if (text.empty()) {
    counts.reject(Reject::Empty);
    return;
  }
  std::size_t pos = 0;
  std::string_view line;
  while (next_line(text, pos, line)) {
    if (line.empty()) continue;
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      counts.reject(Reject::BadLine);
      continue;
    }
    const std::string_view section = line.substr(0, colon);
    const std::string_view rest = line.substr(colon + 1);
    if (count_tokens(rest) % 2 != 0) {
      counts.reject(Reject::FieldCount);
      continue;
    }
    std::size_t tp = 0;
    std::string_view key, value;
    while (next_token(rest, tp, key) && next_token(rest, tp, value)) {
      store_wanted(want, section, key, value, slots, counts);
    }
  }
  count_missing(want, slots, counts);
}

void parse_pressure(std::string_view text, Pressure& out, ParseCounts& counts) noexcept {
  ++counts.texts;
  out = Pressure{};
  if (text.empty()) {
    counts.reject(Reject::Empty);
    return;
  }
  std::size_t pos = 0;
  std::string_view line;
  while (next_line(text, pos, line)) {
    std::size_t tp = 0;
    std::string_view kind, tok;
    if (!next_token(line, tp, kind)) continue;
    const bool some = kind == "some";
    if (!some && kind != "full") {
      counts.reject(Reject::BadLine);
      continue;
    }
    std::optional<std::uint64_t> avg10, total;
    bool bad = false;
    while (next_token(line, tp, tok)) {
      std::size_t eq = tok.find('=');
      if (eq == std::string_view::npos) {
        bad = true;
        break;
      }
      std::string_view k = tok.substr(0, eq), v = tok.substr(eq + 1);
      if (k == "avg10") {
        avg10 = parse_centi(v);
        bad = bad || !avg10;
      } else if (k == "total") {
        total = parse_u64(v);
        bad = bad || !total;
      }
    }
    if (bad || !avg10 || !total) {
      counts.reject(bad ? Reject::BadNumber : Reject::Missing);
      continue;
    }
    if (some) {
      out.some = true;
      out.some_avg10 = *avg10;
      out.some_total = *total;
    } else {
      out.full = true;
      out.full_avg10 = *avg10;
      out.full_total = *total;
    }
  }
  if (!out.some) counts.reject(Reject::Missing);
}

bool parse_conntrack_stat(std::string_view text, ConntrackStat& out, ParseCounts& counts) noexcept {
  ++counts.texts;
  out = ConntrackStat{};
  std::size_t pos = 0;
  std::string_view header;
  if (!next_line(text, pos, header) || header.empty()) {
    counts.reject(Reject::Empty);
    return false;
  }
  // Column positions by name: kernels have added columns over time.
  constexpr std::size_t kNone = SIZE_MAX;
  std::size_t entries = kNone, drop = kNone, early = kNone, failed = kNone, n = 0;
  {
    std::size_t tp = 0;
    std::string_view tok;
    while (next_token(header, tp, tok)) {
      if (tok == "entries") entries = n;
      if (tok == "drop") drop = n;
      if (tok == "early_drop") early = n;
      if (tok == "insert_failed") failed = n;
      ++n;
    }
  }
  if (entries == kNone || n > kMaxColumns) {
    counts.reject(Reject::Missing);
    return false;
  }
  bool any = false;
  std::string_view line;
  while (next_line(text, pos, line)) {
    if (line.empty()) continue;
    if (count_tokens(line) != n) {
      counts.reject(Reject::FieldCount);
      continue;
    }
    std::size_t tp = 0, i = 0;
    std::string_view tok;
    std::uint64_t row_entries = 0, row_drops = 0;
    bool bad = false;
    while (next_token(line, tp, tok)) {
      if (i == entries || i == drop || i == early || i == failed) {
        auto v = parse_hex(tok);
        if (!v) {
          bad = true;
        } else if (i == entries) {
          row_entries = *v;
        } else {
          row_drops += *v;
        }
      }
      ++i;
    }
    if (bad) {
      counts.reject(Reject::BadNumber);
      continue;
    }
    if (!any) out.entries = row_entries;
    out.drops += row_drops;
    any = true;
  }
  if (!any) counts.reject(Reject::Missing);
  return any;
}

std::optional<std::uint64_t> parse_single_number(std::string_view text,
                                                 ParseCounts& counts) noexcept {
  ++counts.texts;
  while (!text.empty() && (text.back() == '\n' || is_blank(text.back()))) text.remove_suffix(1);
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  if (text.empty()) {
    counts.reject(Reject::Empty);
    return std::nullopt;
  }
  auto v = parse_u64(text);
  if (!v) counts.reject(Reject::BadNumber);
  return v;
}

bool parse_pid_stat(std::string_view text, PidStat& out, ParseCounts& counts) noexcept {
  ++counts.texts;
  out = PidStat{};
  std::size_t open = text.find('(');
  std::size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    counts.reject(text.empty() ? Reject::Empty : Reject::BadLine);
    return false;
  }
  out.comm = text.substr(open + 1, close - open - 1);
  // After the comm: field 3 (state) onwards. Wanted: 4 ppid, 14 utime, 15 stime,
  // 22 starttime, 24 rss (proc(5) numbering).
  std::string_view rest = text.substr(close + 1);
  std::size_t tp = 0, field = 3;
  std::string_view tok;
  bool got[5] = {false, false, false, false, false};
  std::uint64_t utime = 0, stime = 0;
  while (next_token(rest, tp, tok) && field <= 24) {
    int which = field == 4    ? 0
                : field == 14 ? 1
                : field == 15 ? 2
                : field == 22 ? 3
                : field == 24 ? 4
                              : -1;
    if (which >= 0) {
      auto v = parse_u64(tok);
      if (!v) {
        counts.reject(Reject::BadNumber);
        return false;
      }
      got[which] = true;
      switch (which) {
        case 0:
          out.ppid = *v;
          break;
        case 1:
          utime = *v;
          break;
        case 2:
          stime = *v;
          break;
        case 3:
          out.start_ticks = *v;
          break;
        default:
          out.rss_pages = *v;
          break;
      }
    }
    ++field;
  }
  for (bool g : got) {
    if (!g) {
      counts.reject(Reject::FieldCount);
      return false;
    }
  }
  out.cpu_ticks = utime + stime;
  return true;
}

bool parse_socket_line(std::string_view line, SocketLine& out, ParseCounts& counts) noexcept {
  out = SocketLine{};
  std::size_t tp = 0;
  std::string_view sl, local, remote, st, queues, timer, retr, uid, timeout, inode, ref, ptr, drops;
  if (!next_token(line, tp, sl)) return false;  // blank line: nothing, no problem
  if (!next_token(line, tp, local) || !next_token(line, tp, remote) || !next_token(line, tp, st) ||
      !next_token(line, tp, queues)) {
    counts.reject(Reject::FieldCount);
    return false;
  }
  if (sl.empty() || sl.back() != ':') {
    counts.reject(Reject::BadLine);
    return false;
  }
  std::size_t colon = local.rfind(':');
  std::size_t qcolon = queues.find(':');
  if (colon == std::string_view::npos || qcolon == std::string_view::npos) {
    counts.reject(Reject::BadLine);
    return false;
  }
  auto port = parse_hex(local.substr(colon + 1));
  auto state = parse_hex(st);
  auto tx = parse_hex(queues.substr(0, qcolon));
  auto rx = parse_hex(queues.substr(qcolon + 1));
  if (!port || *port > 0xFFFF || !state || *state > 0xFF || !tx || !rx) {
    counts.reject(Reject::BadNumber);
    return false;
  }
  out.port = static_cast<std::uint16_t>(*port);
  out.state = static_cast<std::uint8_t>(*state);
  out.tx_queue = *tx;
  out.rx_queue = *rx;
  // udp and udp6 lines end with the socket's drop counter (decimal), the 13th column.
  if (next_token(line, tp, timer) && next_token(line, tp, retr) && next_token(line, tp, uid) &&
      next_token(line, tp, timeout) && next_token(line, tp, inode) && next_token(line, tp, ref) &&
      next_token(line, tp, ptr) && next_token(line, tp, drops)) {
    if (auto d = parse_u64(drops)) {
      out.drops = *d;
      out.has_drops = true;
    }
  }
  return true;
}

}  // namespace bannin::probe::kpi
