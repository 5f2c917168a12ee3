// Shared body of the daemon-log fuzz targets: split the input into lines and decode each
// with one SyslogDecoder, checking the same output invariants as the access-log targets.
#pragma once

#include <bannin/decode/syslog/syslog_decoder.h>

#include "access_log_fuzz.h"

namespace bannin::fuzz {

inline void decode_daemon_lines(decode::syslog::SyslogDecoder& dec, const std::uint8_t* data,
                                std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // Year inference depends on the first byte so both rollover paths are reached.
  if (size > 0 && (data[0] & 1) != 0)
    dec.set_year(2024);
  else
    dec.set_reference_time(static_cast<core::TimeNs>(size) * 86'400'000'000'000LL);
  model::Event ev;
  model::EventFormatter fmt;
  std::string out;
  std::size_t pos = 0;
  while (pos <= input.size()) {
    std::size_t nl = input.find('\n', pos);
    if (nl == std::string_view::npos) nl = input.size();
    std::string copy(input.substr(pos, nl - pos));  // own heap block: ASan sees overreads
    ev.reset();
    auto res = dec.decode(copy, ev);
    out.clear();
    core::JsonObjectWriter obj(out);
    if (res.ok()) {
      fmt.append_json_members(obj, ev);
      check(ev.dropped() == 0, "event dropped fields");
    } else {
      check(!res.reason.empty(), "rejected line without reason");
    }
    obj.close();
    for (char c : out) check(static_cast<unsigned char>(c) >= 0x20, "raw control byte in JSON");
    pos = nl + 1;
  }
}

}  // namespace bannin::fuzz
