// Decoder: one log format, bytes in, "an Event or a reason" out (ARCHITECTURE "decode").
//
// A decoder is a pure function of the line plus a small cache (the last timestamp text it
// converted), so one instance belongs to one input stream and one thread. decode() never
// throws and never aborts on input: anything it cannot read becomes a DecodeResult with a
// stable reason code (counted per decoder and reason by the caller) and the column where
// reading stopped. The line is the Record's bytes without the line terminator and without
// a trailing '\r'; it may contain any byte, NUL included. String fields of the Event may
// point into the line, into the Event's scratch arena or into the decoder's own buffers:
// they are valid until the decoder's next decode() call and while the line's buffer lives.
#pragma once

#include <cstdint>
#include <string_view>

#include <bannin/model/event.h>

namespace bannin::decode {

struct DecodeResult {
  std::string_view reason;   ///< empty when ok; otherwise a static snake_case code
  std::uint32_t column = 0;  ///< 1-based byte column where the decoder gave up (0 = n/a)

  [[nodiscard]] bool ok() const noexcept { return reason.empty(); }
  static DecodeResult success() noexcept { return {}; }
  static DecodeResult fail(std::string_view reason, std::size_t offset) noexcept {
    return {reason, static_cast<std::uint32_t>(offset + 1)};
  }
};

class Decoder {
 public:
  virtual ~Decoder() = default;
  /// Stable name used by `--decoder NAME` and in output ("combined", "nginx_json" …).
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
  /// Fills ev (which the caller has reset()) or returns why the line is not this format.
  virtual DecodeResult decode(std::string_view line, model::Event& ev) = 0;
};

}  // namespace bannin::decode
