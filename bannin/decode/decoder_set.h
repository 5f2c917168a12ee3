// DecoderSet: the decoders known to bannin, found by name, and the per-input choice among
// them. `--decoder auto` (the default) samples the first lines of an input, picks the
// decoder that accepts most of them (ties go to the more specific format), and then, for
// a line the chosen decoder rejects, tries the other candidates before reporting the line
// as undecodable — so a `common` line inside a `combined` file is still read. One DecoderSet
// per input stream and thread (decoders keep small caches).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/decode/decoder.h>

namespace bannin::decode {

struct DecoderInfo {
  std::string_view name;
  std::string_view description;
  std::unique_ptr<Decoder> (*make)();
};

/// Every decoder, most specific first (the order auto-detection breaks ties in).
const std::vector<DecoderInfo>& all_decoders();
std::unique_ptr<Decoder> make_decoder(std::string_view name);

class DecoderSet {
 public:
  /// "auto" for detection over all decoders, or one decoder name (see all_decoders()).
  /// Throws std::invalid_argument for an unknown name (a usage error, found at startup).
  explicit DecoderSet(std::string_view choice);

  /// Picks the primary decoder from a sample of the input's first lines (auto mode only).
  void detect(const std::vector<std::string_view>& sample);

  struct Outcome {
    int decoder = -1;     ///< index into candidates() of the decoder that accepted
    DecodeResult result;  ///< on failure: the primary decoder's reason
  };
  /// Decodes one line (trailing '\r' already removed). ev is reset by this call.
  Outcome decode(std::string_view line, model::Event& ev);

  [[nodiscard]] const std::vector<std::unique_ptr<Decoder>>& candidates() const noexcept {
    return candidates_;
  }
  [[nodiscard]] int primary() const noexcept { return primary_; }
  [[nodiscard]] bool is_auto() const noexcept { return auto_; }

 private:
  std::vector<std::unique_ptr<Decoder>> candidates_;
  int primary_ = 0;
  bool auto_ = false;
};

}  // namespace bannin::decode
