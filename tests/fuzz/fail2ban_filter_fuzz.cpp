// Fuzz target for the fail2ban import (bannin/ruleset/fail2ban_import.h): the input is split
// at the first NUL byte into a filter file and a log line. The filter text goes through the
// INI reader, includes (a fixed common.conf), interpolation, tag resolution and the Python-re
// -> RE2 translation; whatever imported is compiled into a FilterMatcher and run on the line,
// and the rule text is generated. Must never crash, hang or leak, on any input.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <bannin/ruleset/fail2ban_import.h>

namespace f2b = bannin::ruleset::fail2ban;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::size_t nul = in.find('\0');
  std::string filter(in.substr(0, nul));
  std::string line(nul == std::string_view::npos ? std::string_view{} : in.substr(nul + 1));
  std::map<std::string, std::string> files = {
      {"/f/common.conf",
       "[DEFAULT]\n_daemon = \\S*\n__prefix_line = \\s*(?:\\S+ )?<_daemon>(?:\\[\\d+\\])?:?\\s*\n"
       "datepattern = {^LN-BEG}\n"},
      {"/f/x.conf", filter},
  };
  f2b::FileReader read = [&](const std::string& p) -> std::optional<std::string> {
    auto it = files.find(p);
    if (it == files.end()) return std::nullopt;
    return it->second;
  };
  (void)f2b::parse_ini(filter, "x.conf");
  f2b::Filter f = f2b::load_filter("/f", "x", {{"mode", "aggressive"}}, read);
  f2b::FilterMatcher m(f);
  (void)m.match(line);
  (void)m.strip_date(line);
  (void)f2b::rule_yaml(f, nullptr);
  (void)f2b::translate_regex(filter);
  (void)f2b::parse_f2b_duration(line);
  (void)f2b::parse_filter_spec(line);
  return 0;
}
