// Fuzz target for the KPI probe's /proc parsers (bannin/probe/kpi/proc_parse.h): every
// parser gets the same bytes. None may crash, read past the text or set a slot it was not
// asked for; what they return must hold what they promise (a port fits 16 bits, a command
// name lies inside the text, every problem is counted).
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <bannin/probe/kpi/proc_parse.h>

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bannin::probe::kpi;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  constexpr Want want[] = {
      {"Udp", "InDatagrams", 0}, {"Udp", "RcvbufErrors", 1}, {"TcpExt", "ListenOverflows", 2},
      {"", "Udp6InErrors", 3},   {"", "MemAvailable", 4},    {"TCP", "inuse", 5},
      {"sockets", "used", 6}};
  // Slot 7 is never asked for: it must stay untouched.
  std::array<std::uint64_t, 8> v{};
  std::array<bool, 8> has{};
  const Slots slots{std::span<std::uint64_t>(v.data(), 7), std::span<bool>(has.data(), 7)};
  ParseCounts c;
  parse_pair_table(text, want, slots, c);
  parse_name_value(text, want, slots, c);
  parse_meminfo(text, want, slots, c);
  parse_sockstat(text, want, slots, c);
  check(!has[7] && v[7] == 0, "a slot nobody asked for was set");
  check(c.texts == 4, "a parse not counted");
  Pressure p;
  std::uint64_t before = c.total_rejects();
  parse_pressure(text, p, c);
  check(p.some || c.total_rejects() > before, "no 'some' line and no problem counted");
  ConntrackStat ct;
  before = c.total_rejects();
  const bool ct_ok = parse_conntrack_stat(text, ct, c);
  check(ct_ok || c.total_rejects() > before, "conntrack refused without a counted reason");
  (void)parse_single_number(text, c);
  PidStat st;
  if (parse_pid_stat(text, st, c)) {
    check(st.comm.data() >= text.data() && st.comm.data() + st.comm.size() <= text.data() + size,
          "comm outside the text");
  }
  // Socket lines: each line of the input.
  std::size_t pos = 0;
  while (pos <= size) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = size;
    SocketLine sl;
    const std::string_view line = text.substr(pos, nl - pos);
    const bool blank = line.find_first_not_of(" \t\r") == std::string_view::npos;
    before = c.total_rejects();
    const bool ok = parse_socket_line(line, sl, c);
    // A line is a socket, nothing (blank), or a counted problem.
    check(ok || blank || c.total_rejects() == before + 1, "a refused line not counted once");
    if (!ok) check(sl.port == 0 && sl.drops == 0, "a refused line left values");
    pos = nl + 1;
  }
  return 0;
}
