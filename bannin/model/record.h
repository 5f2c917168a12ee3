// Record: the raw bytes of one log line or message and where they came from. The bytes are a
// view into the source's read buffer and are valid only until the source reads again; a
// stage that keeps a Record past that point (evidence samples) copies it.
#pragma once

#include <cstdint>
#include <string_view>

#include <bannin/core/time.h>

namespace bannin::model {

struct Record {
  std::string_view bytes;       ///< the line without its line terminator
  std::string_view origin;      ///< file path or source name, e.g. "/var/log/nginx/access.log"
  std::uint32_t source_id = 0;  ///< index of the source in the running configuration
  std::uint64_t line_no = 0;    ///< 1-based line number within origin
  std::uint64_t offset = 0;     ///< byte offset of the line's first byte within origin
  core::TimeNs received = 0;    ///< when the source read it (replay: 0)
  bool truncated = false;       ///< the line was longer than the source's limit and was cut
};

}  // namespace bannin::model
