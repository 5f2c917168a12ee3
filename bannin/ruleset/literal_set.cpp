#include <algorithm>

#include <bannin/ruleset/literal_set.h>

namespace bannin::ruleset {

bool LiteralSet::build(Mode mode, const std::vector<std::string>& items, std::size_t max_cells) {
  mode_ = mode;
  always_ = false;
  cls_.fill(0);
  next_.clear();
  out_.clear();
  // Byte classes: every byte an item holds gets its own; all others share class 0.
  std::uint32_t n = 1;
  std::size_t total = 0;
  for (const std::string& it : items) {
    if (it.empty()) always_ = true;
    total += it.size();
    for (unsigned char c : it) {
      if (cls_[c] != 0) continue;
      if (n > 255) return false;  // every byte value in the list: classes do not fit a byte
      cls_[c] = static_cast<std::uint8_t>(n++);
    }
  }
  classes_ = n;
  // At most one state per item byte, plus the root.
  // (Row offsets must stay below kDead: never more than kMaxCells, whatever the caller asks.)
  if ((total + 1) > std::min(max_cells, kMaxCells) / classes_) return false;

  // The trie (items reversed for Suffix).
  next_.assign(classes_, kDead);
  out_.assign(1, 0);
  for (const std::string& it : items) {
    std::uint32_t s = 0;
    for (std::size_t k = 0; k < it.size(); ++k) {
      unsigned char c =
          static_cast<unsigned char>(mode == Mode::Suffix ? it[it.size() - 1 - k] : it[k]);
      const std::size_t cell = std::size_t{s} * classes_ + cls_[c];
      if (next_[cell] == kDead) {
        next_[cell] = static_cast<std::uint32_t>(out_.size());
        out_.push_back(0);
        next_.resize(next_.size() + classes_, kDead);  // moves the table: index, not reference
      }
      s = next_[cell];
    }
    out_[s] = 1;
  }
  if (mode != Mode::Anywhere) {
    encode();
    return true;
  }

  // Aho–Corasick: breadth first, each missing transition takes its failure state's, and a
  // state is an output when its failure state is (an item ends inside what was read).
  std::vector<std::uint32_t> fail(out_.size(), 0);
  std::vector<std::uint32_t> queue;
  queue.reserve(out_.size());
  for (std::uint32_t c = 0; c < classes_; ++c) {
    std::uint32_t& t = next_[c];
    if (t == kDead) {
      t = 0;
    } else {
      fail[t] = 0;
      queue.push_back(t);
    }
  }
  for (std::size_t head = 0; head < queue.size(); ++head) {
    std::uint32_t s = queue[head];
    out_[s] = static_cast<std::uint8_t>(out_[s] | out_[fail[s]]);
    for (std::uint32_t c = 0; c < classes_; ++c) {
      std::uint32_t& t = next_[std::size_t{s} * classes_ + c];
      std::uint32_t via_fail = next_[std::size_t{fail[s]} * classes_ + c];
      if (t == kDead) {
        t = via_fail;
      } else {
        fail[t] = via_fail;
        queue.push_back(t);
      }
    }
  }
  encode();
  return true;
}

// Cells from state numbers to what match() reads: the target's row offset (state × classes,
// so a step is one add and one load) with kOut set when an item ends there (no second load).
void LiteralSet::encode() {
  for (std::uint32_t& v : next_) {
    if (v == kDead) continue;
    v = v * classes_ | (out_[v] != 0 ? kOut : 0u);
  }
}

bool LiteralSet::match(std::string_view s) const noexcept {
  if (always_) return true;
  const std::uint32_t* next = next_.data();
  std::uint32_t st = 0;  // row offset of the current state; kOut is never set while looping
  switch (mode_) {
    case Mode::Anywhere:
      for (unsigned char c : s) {
        st = next[st + cls_[c]];
        if ((st & kOut) != 0) return true;
      }
      return false;
    case Mode::Prefix:
      for (unsigned char c : s) {
        st = next[st + cls_[c]];
        if (st == kDead) return false;
        if ((st & kOut) != 0) return true;
      }
      return false;
    case Mode::Suffix:
      for (std::size_t k = s.size(); k-- > 0;) {
        st = next[st + cls_[static_cast<unsigned char>(s[k])]];
        if (st == kDead) return false;
        if ((st & kOut) != 0) return true;
      }
      return false;
  }
  return false;
}

}  // namespace bannin::ruleset
