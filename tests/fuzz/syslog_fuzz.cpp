// Fuzz target for the daemon-log decoders (syslog family): the input is a log file, every line
// goes through the SyslogDecoder restricted to this family and through auto-detection.
// Invariants: no crash, a reason for every rejected line, one closed JSON object per line.
#include <bannin/decode/syslog/syslog_decoder.h>

#include "daemon_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  bannin::decode::syslog::SyslogDecoder decoder(bannin::decode::syslog::Family::All, "syslog");
  bannin::fuzz::decode_daemon_lines(decoder, data, size);
  if (size > 0 && data[0] % 4 == 0) bannin::fuzz::decode_lines("auto", data, size);
  return 0;
}
