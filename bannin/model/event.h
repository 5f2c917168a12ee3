// Event: a decoded, typed Record. Kind, UTC timestamp and a small set of typed fields from
// the registry (schema/events.yaml).
//
// Events are built on the hot path, once per log line, so an Event is designed to be reused:
// `reset()` keeps all storage, fields live in a fixed inline array, string values are views
// into the Record's buffer, and the few strings a decoder has to rewrite (unescaped quotes,
// \xHH sequences) go to a scratch arena owned by the Event whose blocks never move. After
// warm-up, decoding a line allocates nothing. A view stays valid until the next reset() and
// while the Record's buffer lives. An Event is owned by one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/core/ip_address.h>
#include <bannin/core/time.h>
#include <bannin/model/fields.h>

namespace bannin::model {

/// One field value. Only the member matching `type` is meaningful.
struct FieldValue {
  Field field{};
  FieldType type{};
  bool b = false;
  std::int64_t i = 0;  ///< Int, Timestamp (ns), Duration (ns)
  std::string_view s;
  core::IpAddress ip;
};

class Event {
 public:
  /// Largest number of fields one event can carry; set_* beyond it is counted, not stored.
  static constexpr std::size_t kMaxFields = 32;

  Event() { reset(); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  /// Clears kind, time and fields; keeps the scratch arena's first block for reuse.
  void reset() noexcept {
    count_ = 0;
    dropped_ = 0;
    ts_ = 0;
    kind_ = EventKind::HttpRequest;
    std::memset(index_.data(), 0xff, index_.size());
    scratch_used_ = 0;
    overflow_.clear();
  }

  [[nodiscard]] EventKind kind() const noexcept { return kind_; }
  void set_kind(EventKind k) noexcept { kind_ = k; }
  [[nodiscard]] core::TimeNs ts() const noexcept { return ts_; }
  void set_ts(core::TimeNs t) noexcept { ts_ = t; }

  void set_string(Field f, std::string_view v) noexcept { slot(f, FieldType::String).s = v; }
  void set_int(Field f, std::int64_t v) noexcept { slot(f, FieldType::Int).i = v; }
  void set_duration(Field f, std::int64_t ns) noexcept { slot(f, FieldType::Duration).i = ns; }
  void set_timestamp(Field f, core::TimeNs t) noexcept { slot(f, FieldType::Timestamp).i = t; }
  void set_bool(Field f, bool v) noexcept { slot(f, FieldType::Bool).b = v; }
  void set_ip(Field f, const core::IpAddress& v) noexcept { slot(f, FieldType::Ip).ip = v; }

  [[nodiscard]] const FieldValue* get(Field f) const noexcept {
    std::uint8_t idx = index_[static_cast<std::size_t>(f)];
    return idx == kAbsent ? nullptr : &fields_[idx];
  }
  [[nodiscard]] bool has(Field f) const noexcept { return get(f) != nullptr; }
  /// The string value of f, or empty when absent or not a string.
  [[nodiscard]] std::string_view str(Field f) const noexcept {
    const FieldValue* v = get(f);
    return v != nullptr && v->type == FieldType::String ? v->s : std::string_view{};
  }

  /// Fields in the order they were set.
  [[nodiscard]] const FieldValue* begin() const noexcept { return fields_.data(); }
  [[nodiscard]] const FieldValue* end() const noexcept { return fields_.data() + count_; }
  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  /// Fields that did not fit (a decoder bug; counted rather than overflowing).
  [[nodiscard]] std::size_t dropped() const noexcept { return dropped_; }

  /// Reserves n bytes of scratch that stay valid until reset(). Never moves earlier blocks.
  char* scratch(std::size_t n) {
    if (scratch_used_ + n <= scratch_.size()) {
      char* p = scratch_.data() + scratch_used_;
      scratch_used_ += n;
      return p;
    }
    if (scratch_used_ == 0 && n <= kScratchMax) {
      // Nothing handed out yet from this block: grow it (old views cannot exist).
      scratch_.resize(std::max(n, scratch_.size() * 2 + 256));
      scratch_used_ = n;
      return scratch_.data();
    }
    overflow_.push_back(std::make_unique<char[]>(n));
    return overflow_.back().get();
  }
  /// Gives back the unused tail of the last scratch(n) from the main block.
  void shrink_scratch(char* p, std::size_t reserved, std::size_t used) noexcept {
    if (p + reserved == scratch_.data() + scratch_used_) scratch_used_ -= reserved - used;
  }

 private:
  static constexpr std::uint8_t kAbsent = 0xff;
  static constexpr std::size_t kScratchMax = 1u << 20;

  FieldValue& slot(Field f, FieldType t) noexcept {
    auto fi = static_cast<std::size_t>(f);
    std::uint8_t idx = index_[fi];
    if (idx == kAbsent) {
      if (count_ == kMaxFields) {
        ++dropped_;
        return spill_;
      }
      idx = static_cast<std::uint8_t>(count_++);
      index_[fi] = idx;
    }
    FieldValue& v = fields_[idx];
    v.field = f;
    v.type = t;
    return v;
  }

  EventKind kind_{};
  core::TimeNs ts_ = 0;
  std::size_t count_ = 0;
  std::size_t dropped_ = 0;
  std::array<FieldValue, kMaxFields> fields_{};
  std::array<std::uint8_t, kFieldCount> index_{};
  FieldValue spill_{};
  std::string scratch_;
  std::size_t scratch_used_ = 0;
  std::vector<std::unique_ptr<char[]>> overflow_;
};

}  // namespace bannin::model
