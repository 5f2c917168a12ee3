// LiteralSet: "does this text start with, end with or contain any of these constants", for
// the long lists of rule expressions (the probe lists in data/web_probes/, hundreds of paths,
// matched on every request: `lower(path) contains $sensitive_dirs`). One automaton per list:
//   - Anywhere (contains): Aho–Corasick, compiled to a full transition table, so a subject is
//     one table step per byte, whatever the number of items;
//   - Prefix (startswith): a trie walked from the first byte until it dies or hits an item;
//   - Suffix (endswith): the trie of the reversed items walked back from the last byte, so
//     it reads at most the longest item's length.
// Bytes are compared as they are (no case folding, any byte value). The table's columns are
// byte classes (the bytes that occur in some item, plus one class for every other byte), which
// keeps a list of a few hundred short paths in a few tens of KiB.
//
// Why not RE2 (what the lists used before, one alternation per list) or RE2::Set: RE2 pays a
// fixed cost per search (its DFA cache behind a lock, the search set-up) that is most of the
// time for a 40-byte path; bench/micro/literal_set_bench.cpp compares the three on the shipped
// lists (docs/decisions/2026-12-07-probe-list-matcher.md).
//
// Stage: ruleset. Built once when a rule loads; immutable, shared read-only by any thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bannin::ruleset {

class LiteralSet {
 public:
  enum class Mode : std::uint8_t { Prefix, Suffix, Anywhere };

  /// Largest transition table built (cells of 4 bytes); a bigger list is refused (build()
  /// returns false) and the caller matches some other way.
  static constexpr std::size_t kMaxCells = std::size_t{1} << 22;

  /// False when the list would need more than max_cells table cells.
  bool build(Mode mode, const std::vector<std::string>& items, std::size_t max_cells = kMaxCells);
  /// True when an item is a prefix / suffix / substring of s (per mode).
  [[nodiscard]] bool match(std::string_view s) const noexcept;
  [[nodiscard]] std::size_t states() const noexcept { return out_.size(); }
  [[nodiscard]] std::size_t classes() const noexcept { return classes_; }

 private:
  void encode();
  // While building, cells hold state numbers (kDead: no transition); encode() turns them into
  // row offsets (state × classes_, below kMaxCells) with kOut set for output states.
  static constexpr std::uint32_t kDead = 0x7FFFFFFFu;
  static constexpr std::uint32_t kOut = 0x80000000u;
  Mode mode_ = Mode::Anywhere;
  bool always_ = false;  // an empty item matches everything
  std::uint32_t classes_ = 1;
  std::array<std::uint8_t, 256> cls_{};  // byte -> class; 0 = a byte no item holds
  std::vector<std::uint32_t> next_;      // row offset + class -> encoded target (see encode())
  std::vector<std::uint8_t> out_;        // 1: an item ends here (Anywhere: or at a suffix)
};

}  // namespace bannin::ruleset
