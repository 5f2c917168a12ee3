// Fuzz target for the process probe's /proc parsers (probe/process/proc_parse.h) and the
// flags computed from what they give. Invariants: no crash on any bytes; a parsed stat has
// the pid it starts with; cmdline arguments are bounded.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <bannin/probe/process/proc_parse.h>
#include <bannin/probe/process/process_scan.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bannin::probe::process;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto st = parse_stat(text)) {
    if (st->pid < 0 && text.find('-') == std::string_view::npos) std::abort();
  }
  auto uid = parse_status_uid(text);
  auto argv = parse_cmdline(text, 16);
  if (argv.size() > 16) std::abort();
  for (const auto& a : argv) {
    if (a.size() > 4096) std::abort();
  }
  for (bool udp : {false, true}) {
    for (const auto& s : parse_listen_sockets(text, udp)) {
      if (s.inode == 0 || s.port < 0 || s.port > 0xffff) std::abort();
    }
  }
  ProcessInfo p;
  p.uid = uid.value_or(1000);
  p.argv = argv;
  p.exe = argv.empty() ? std::string() : argv.front();
  p.cwd = argv.size() > 1 ? argv[1] : std::string();
  (void)process_flags(p, FlagOptions{});
  return 0;
}
