// Shared body of the access-log decoder fuzz targets: the input is treated as a log file,
// split into lines exactly as `bannin parse` does (LineReader over a pipe-free memory copy),
// every line decoded by the named decoder (or "auto") and formatted as JSON. Checks the
// invariants the parse contract relies on: no crash, one outcome per line, and output that
// is one line of valid-UTF-8 JSON without raw control characters.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/core/json_writer.h>
#include <bannin/decode/decoder_set.h>
#include <bannin/model/event_format.h>

namespace bannin::fuzz {

inline void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

inline int decode_lines(const char* decoder, const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos < input.size()) {
    std::size_t nl = input.find('\n', pos);
    if (nl == std::string_view::npos) nl = input.size();
    lines.push_back(input.substr(pos, nl - pos));
    pos = nl + 1;
  }
  decode::DecoderSet set(decoder);
  set.detect(std::vector<std::string_view>(
      lines.begin(), lines.begin() + std::min<std::size_t>(lines.size(), 64)));
  model::Event ev;
  model::EventFormatter fmt;
  std::string out;
  for (std::string_view line : lines) {
    // Copy each line to its own heap block so ASan sees any read past its end.
    std::string copy(line);
    std::string_view l(copy);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    auto res = set.decode(l, ev);
    out.clear();
    core::JsonObjectWriter obj(out);
    if (res.result.ok()) {
      check(res.decoder >= 0, "accepted line without decoder index");
      fmt.append_json_members(obj, ev);
      check(ev.dropped() == 0, "event dropped fields");
    } else {
      check(!res.result.reason.empty(), "rejected line without reason");
      obj.string("error", res.result.reason);
    }
    obj.close();
    for (char c : out) check(static_cast<unsigned char>(c) >= 0x20, "raw control byte in JSON");
    check(out.front() == '{' && out.back() == '}', "JSON object not closed");
  }
  return 0;
}

}  // namespace bannin::fuzz
