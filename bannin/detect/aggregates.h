// The aggregates a rule's `fire` condition reads — count(), rate(), share(p), distinct(f),
// sum(f), min(f), max(f) — one small class each, with the same two operations: `add` an event
// of the group at time ts, and the `value` over the window ending at ts. A group keeps its
// rule's aggregates in one AggregateBlock, and AggregateBlock::with_kind is the only place
// that maps an aggregate kind to its class — where Detector::process had two switches over
// the kind that had to agree, adding a kind is now one class and one case.
//
// Windows are kBuckets time buckets (BucketRing); a value counts while its bucket is among the
// last kBuckets, so a window's edge is exact to 1/16 of the window and an aggregate costs a
// fixed 72 (counts) or 136 (sums, min, max) bytes whatever the traffic. distinct() is exact up
// to DistinctAggregate::kExactMax values and a sliding HyperLogLog above.
//
// Stage: detect. Owned by one group of one rule in the Detector; called from the pipeline
// thread that owns the Detector; not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <bannin/core/time.h>
#include <bannin/model/event.h>
#include <bannin/ruleset/expr.h>

namespace bannin::detect {

class SlidingHll;

/// What every aggregate of one rule shares: its spec and the rule's window.
struct AggregateContext {
  const ruleset::AggregateSpec* spec = nullptr;
  core::TimeNs window = 0;  ///< the rule's window
  core::TimeNs width = 1;   ///< bucket width: window / kBuckets, at least 1 ns
  /// The bucket number of time bucket_ts (floor(bucket_ts / width)), set by the detector once
  /// per event for all the aggregates of a rule: a 64-bit division per ring and read is a
  /// measurable part of an update. Any other time is divided as before.
  core::TimeNs bucket_ts = std::numeric_limits<core::TimeNs>::min();
  std::int64_t bucket = 0;
};

/// The 64-bit hash of a field value that distinct() counts and spare marks are keyed by.
[[nodiscard]] std::uint64_t value_hash(const model::FieldValue& v) noexcept;

/// kBuckets consecutive time buckets of a window, ending at the newest bucket seen (`head`).
/// Moving to a newer bucket resets the buckets in between to `init` (at most kBuckets of
/// them: O(1)); a value older than the window is refused (nullptr) rather than written over
/// a newer bucket.
template <typename T>
class BucketRing {
 public:
  static constexpr std::size_t kBuckets = 16;

  /// floor(a / b): the bucket number of time a for bucket width b.
  static std::int64_t bucket_of(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
  }

  /// The bucket of ts (width = window / kBuckets), or nullptr when ts is older than the
  /// window ending at the newest bucket.
  T* at(core::TimeNs ts, core::TimeNs width, T init) noexcept {
    return at_bucket(bucket_of(ts, width), init);
  }
  /// The same for bucket number n (floor(ts / width)).
  T* at_bucket(std::int64_t n, T init) noexcept {
    constexpr auto kN = static_cast<std::int64_t>(kBuckets);
    if (head_ == kEmpty || n - head_ >= kN) {
      value_.fill(init);
      head_ = n;
    } else if (n > head_) {
      for (std::int64_t e = head_ + 1; e <= n; ++e) value_[slot(e)] = init;
      head_ = n;
    } else if (n <= head_ - kN) {
      return nullptr;
    }
    return &value_[slot(n)];
  }

  /// Folds the buckets of the window ending at ts, in slot order (the order is part of the
  /// result for floating-point sums, so it never changes).
  template <typename Fold>
  [[nodiscard]] double fold(core::TimeNs ts, core::TimeNs width, double init, Fold f) const {
    return fold_bucket(bucket_of(ts, width), init, f);
  }
  /// The same for the window ending in bucket number n.
  template <typename Fold>
  [[nodiscard]] double fold_bucket(std::int64_t n, double init, Fold f) const {
    double acc = init;
    if (head_ == kEmpty) return acc;
    constexpr auto kN = static_cast<std::int64_t>(kBuckets);
    for (std::size_t i = 0; i < kBuckets; ++i) {
      // The bucket number slot i holds: the newest e <= head_ with e mod kBuckets == i.
      std::int64_t e = head_ - floor_mod(head_ - static_cast<std::int64_t>(i), kN);
      if (e <= n && e > n - kN) acc = f(acc, static_cast<double>(value_[i]));
    }
    return acc;
  }

 private:
  static constexpr std::int64_t kEmpty = std::numeric_limits<std::int64_t>::min();
  static std::int64_t floor_mod(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t r = a % b;
    return r < 0 ? r + b : r;
  }
  static std::size_t slot(std::int64_t e) noexcept {
    return static_cast<std::size_t>(floor_mod(e, static_cast<std::int64_t>(kBuckets)));
  }

  std::int64_t head_ = kEmpty;
  std::array<T, kBuckets> value_{};
};

/// count(): matching events in the window.
class CountAggregate {
 public:
  void add(const model::Event& ev, core::TimeNs ts, const AggregateContext& ctx) noexcept;
  [[nodiscard]] double value(core::TimeNs ts, const AggregateContext& ctx) const;

 private:
  BucketRing<std::uint32_t> events_;  // saturates at 2^32-1 per bucket
};

/// rate(): matching events per second over the window.
class RateAggregate {
 public:
  void add(const model::Event& ev, core::TimeNs ts, const AggregateContext& ctx) noexcept;
  [[nodiscard]] double value(core::TimeNs ts, const AggregateContext& ctx) const;

 private:
  CountAggregate count_;
};

/// share(p): the fraction of the window's events for which p holds (0 with no events).
class ShareAggregate {
 public:
  void add(const model::Event& ev, core::TimeNs ts, const AggregateContext& ctx) noexcept;
  [[nodiscard]] double value(core::TimeNs ts, const AggregateContext& ctx) const;

 private:
  BucketRing<std::uint32_t> hits_;
  BucketRing<std::uint32_t> total_;
};

/// sum(f): the sum of a numeric field (durations in seconds) over the window.
class SumAggregate {
 public:
  void add(const model::Event& ev, core::TimeNs ts, const AggregateContext& ctx) noexcept;
  [[nodiscard]] double value(core::TimeNs ts, const AggregateContext& ctx) const;

 private:
  BucketRing<double> sums_;
};

/// min(f): the smallest value of a numeric field in the window (+inf with none).
class MinAggregate {
 public:
  void add(const model::Event& ev, core::TimeNs ts, const AggregateContext& ctx) noexcept;
  [[nodiscard]] double value(core::TimeNs ts, const AggregateContext& ctx) const;

 private:
  BucketRing<double> mins_;
};

/// max(f): the largest value of a numeric field in the window (-inf with none).
class MaxAggregate {
 public:
  void add(const model::Event& ev, core::TimeNs ts, const AggregateContext& ctx) noexcept;
  [[nodiscard]] double value(core::TimeNs ts, const AggregateContext& ctx) const;

 private:
  BucketRing<double> maxes_;
};

/// distinct(f): distinct values of a field in the window, rounded to a whole number. Exact
/// (value hash -> last time seen, a FIFO of insertions to expire in amortised O(1)) up to
/// kExactMax values; above, a SlidingHll (272 KB, <= 2 % error) for the rest of the group's
/// life. The set is allocated on the first value, so a group that never sees the field pays
/// 8 bytes.
class DistinctAggregate {
 public:
  static constexpr std::size_t kExactMax = 1000;

  DistinctAggregate();
  ~DistinctAggregate();
  DistinctAggregate(DistinctAggregate&&) noexcept;
  DistinctAggregate& operator=(DistinctAggregate&&) noexcept;

  void add(const model::Event& ev, core::TimeNs ts, const AggregateContext& ctx);
  /// Not const: counting first expires values older than the window.
  [[nodiscard]] double value(core::TimeNs ts, const AggregateContext& ctx);
  /// Heap bytes held (the exact set or the sketch), for the detector's memory estimate.
  [[nodiscard]] std::size_t heap_bytes() const noexcept;

 private:
  struct Set;
  std::unique_ptr<Set> set_;
};

/// baseline(A) and deviation(A): what is usual for aggregate A in this group, learned from
/// the group's own history (the "out of line for this site" of a rule).
///
/// A is sampled once per window period (its value at the last event of each period; a period
/// without events counts as 0 for count/rate/distinct/sum and is skipped for share/min/max).
/// The samples feed a robust EWMA — level and mean absolute deviation, each new sample clipped
/// to level ± 4 spreads so an attack does not teach itself in — with a horizon of a day of
/// periods (16 to 1,440 samples). After a day of history a seasonal profile (hour of day ×
/// weekday/weekend, local time) learns beside it and is used for a slot once it holds three
/// days of samples. Until kReadySamples samples have been seen the baseline is still learning:
/// baseline() is NaN (every comparison with it is false) and deviation() is 0.
///
/// deviation(A) = (A now − baseline) / spread, spread = max(1.25 × mean absolute deviation,
/// 10 % of the baseline, the smallest step of A: 1 for counts, 1/window for rates, 0.01 for a
/// share). State: 8 bytes in the group's block, ~120 bytes on the heap (+1.2 KB once the
/// seasonal profile starts); save()/load() carry the learned part across restarts.
class BaselineAggregate {
 public:
  static constexpr std::uint32_t kReadySamples = 12;

  BaselineAggregate();
  ~BaselineAggregate();
  BaselineAggregate(BaselineAggregate&&) noexcept;
  BaselineAggregate& operator=(BaselineAggregate&&) noexcept;

  void add(const model::Event& ev, core::TimeNs ts, const AggregateContext& ctx);
  /// Not const: reads A now, which is the sample of the current period so far.
  [[nodiscard]] double value(core::TimeNs ts, const AggregateContext& ctx);
  [[nodiscard]] std::size_t heap_bytes() const noexcept;
  /// The learned part (not A's window), appended to out; load() takes it back (false: the
  /// bytes are not a saved state of this kind of aggregate; the state is then unchanged).
  void save(std::string& out) const;
  bool load(std::string_view in, const AggregateContext& ctx);
  /// Samples learned so far (tests, explain).
  [[nodiscard]] std::uint32_t samples() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

/// The aggregates of one group, one after the other in one allocation: a header with their
/// count and kinds, then each aggregate object (a count costs 72 bytes, not the size of the
/// largest kind). The header makes a block self-describing, so it destroys itself without
/// the rule (which a reload replaces while groups live on). with_kind() is the one place that
/// maps an AggregateKind to its class.
class AggregateBlock {
 public:
  AggregateBlock() = default;
  explicit AggregateBlock(const std::vector<ruleset::AggregateSpec>& specs);
  ~AggregateBlock();
  AggregateBlock(const AggregateBlock&) = delete;
  AggregateBlock& operator=(const AggregateBlock&) = delete;
  AggregateBlock(AggregateBlock&& o) noexcept : data_(std::exchange(o.data_, nullptr)) {}
  AggregateBlock& operator=(AggregateBlock&& o) noexcept;

  /// Adds ev (at ts) to aggregate i; value of aggregate i over the window ending at ts.
  void add(std::size_t i, const model::Event& ev, core::TimeNs ts, const AggregateContext& ctx);
  [[nodiscard]] double value(std::size_t i, core::TimeNs ts, const AggregateContext& ctx);
  /// Bytes of the block's allocation (as requested) plus what its aggregates hold on the heap.
  [[nodiscard]] std::size_t block_bytes() const noexcept;
  [[nodiscard]] std::size_t heap_bytes() const noexcept;
  /// Aggregate i as a BaselineAggregate, or nullptr when it is another kind.
  [[nodiscard]] BaselineAggregate* baseline(std::size_t i) noexcept;
  [[nodiscard]] const BaselineAggregate* baseline(std::size_t i) const noexcept;

  /// Calls f(std::type_identity<AggregateClass>{}) for kind.
  template <typename F>
  static decltype(auto) with_kind(ruleset::AggregateKind kind, F&& f) {
    using ruleset::AggregateKind;
    switch (kind) {
      case AggregateKind::Count:
        return f(std::type_identity<CountAggregate>{});
      case AggregateKind::Rate:
        return f(std::type_identity<RateAggregate>{});
      case AggregateKind::Share:
        return f(std::type_identity<ShareAggregate>{});
      case AggregateKind::Distinct:
        return f(std::type_identity<DistinctAggregate>{});
      case AggregateKind::Sum:
        return f(std::type_identity<SumAggregate>{});
      case AggregateKind::Min:
        return f(std::type_identity<MinAggregate>{});
      case AggregateKind::Baseline:
      case AggregateKind::Deviation:
        return f(std::type_identity<BaselineAggregate>{});
      case AggregateKind::Max:
        break;
    }
    return f(std::type_identity<MaxAggregate>{});
  }

 private:
  // Calls f(aggregate i as its class).
  template <typename F>
  decltype(auto) visit(std::size_t i, F&& f) const;
  void destroy() noexcept;

  std::byte* data_ = nullptr;
};

}  // namespace bannin::detect
