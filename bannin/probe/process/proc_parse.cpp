#include <charconv>

#include <bannin/probe/process/proc_parse.h>

namespace bannin::probe::process {

namespace {

// Next blank-separated token of `s` from `pos`.
std::string_view token(std::string_view s, std::size_t& pos) {
  while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t')) ++pos;
  std::size_t start = pos;
  while (pos < s.size() && s[pos] != ' ' && s[pos] != '\t' && s[pos] != '\n') ++pos;
  return s.substr(start, pos - start);
}

template <typename T>
bool number(std::string_view t, T& out, int base = 10) {
  if (t.empty()) return false;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out, base);
  return ec == std::errc() && p == t.data() + t.size();
}

}  // namespace

std::optional<ProcStat> parse_stat(std::string_view text) {
  ProcStat st;
  const std::size_t open = text.find('(');
  const std::size_t close = text.rfind(')');  // comm may contain ')': the last one ends it
  if (open == std::string_view::npos || close == std::string_view::npos || close < open)
    return std::nullopt;
  std::size_t pos = 0;
  if (!number(token(text.substr(0, open), pos), st.pid)) return std::nullopt;
  st.comm = std::string(text.substr(open + 1, close - open - 1));
  pos = close + 1;
  std::string_view state = token(text, pos);
  if (state.size() != 1) return std::nullopt;
  st.state = state[0];
  // Fields 4.. after the state: ppid is field 4, utime 14, stime 15, starttime 22.
  for (int field = 4; field <= 22; ++field) {
    std::string_view t = token(text, pos);
    if (t.empty()) return std::nullopt;
    bool ok = true;
    if (field == 4) ok = number(t, st.ppid);
    if (field == 14) ok = number(t, st.utime);
    if (field == 15) ok = number(t, st.stime);
    if (field == 22) ok = number(t, st.start_ticks);
    if (!ok) return std::nullopt;
  }
  return st;
}

std::optional<std::int64_t> parse_status_uid(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.substr(0, 4) != "Uid:") continue;
    std::size_t p = 4;
    std::int64_t uid = 0;
    if (number(token(line, p), uid) && uid >= 0) return uid;
    return std::nullopt;
  }
  return std::nullopt;
}

std::vector<std::string> parse_cmdline(std::string_view raw, std::size_t max_args) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < raw.size() && out.size() < max_args) {
    std::size_t end = raw.find('\0', pos);
    if (end == std::string_view::npos) end = raw.size();
    out.emplace_back(raw.substr(pos, std::min<std::size_t>(end - pos, 4096)));
    pos = end + 1;
  }
  return out;
}

std::vector<ListenSocket> parse_listen_sockets(std::string_view table, bool udp) {
  // "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout
  // inode" "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 0
  // 12345 ..."
  std::vector<ListenSocket> out;
  std::size_t pos = 0;
  bool header = true;
  while (pos < table.size()) {
    std::size_t end = table.find('\n', pos);
    if (end == std::string_view::npos) end = table.size();
    std::string_view line = table.substr(pos, end - pos);
    pos = end + 1;
    if (header) {
      header = false;
      continue;
    }
    std::size_t p = 0;
    std::string_view sl = token(line, p);
    std::string_view local = token(line, p);
    (void)token(line, p);  // remote
    std::string_view st = token(line, p);
    if (sl.empty() || sl.back() != ':') continue;
    if (st != (udp ? "07" : "0A")) continue;
    std::size_t colon = local.rfind(':');
    int port = 0;
    if (colon == std::string_view::npos || !number(local.substr(colon + 1), port, 16)) continue;
    // tx:rx, tr:when, retrnsmt, uid, timeout, inode
    for (int i = 0; i < 5; ++i) (void)token(line, p);
    std::uint64_t inode = 0;
    if (!number(token(line, p), inode) || inode == 0) continue;
    out.push_back(ListenSocket{inode, port});
  }
  return out;
}

}  // namespace bannin::probe::process
