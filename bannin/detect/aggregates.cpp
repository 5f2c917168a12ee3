#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <ctime>
#include <new>
#include <optional>
#include <stdexcept>

#include <bannin/core/hash.h>
#include <bannin/detect/aggregates.h>
#include <bannin/detect/sliding_hll.h>

namespace bannin::detect {

using model::FieldType;
using model::FieldValue;

std::uint64_t value_hash(const FieldValue& v) noexcept {
  switch (v.type) {
    case FieldType::Ip:
      return core::fnv1a64(v.ip.bytes().data(), 16);
    case FieldType::String:
      return core::fnv1a64(v.s.data(), v.s.size()) ^ 0x9e3779b97f4a7c15ULL;
    case FieldType::Bool:
      return v.b ? 1 : 2;
    default:
      return core::fnv1a64(&v.i, sizeof v.i) ^ 0x51;
  }
}

namespace {

std::optional<double> numeric(const FieldValue* v) {
  if (v == nullptr) return std::nullopt;
  switch (v->type) {
    case FieldType::Int:
    case FieldType::Timestamp:
      return static_cast<double>(v->i);
    case FieldType::Duration:
      return static_cast<double>(v->i) / 1e9;
    case FieldType::Bool:
      return v->b ? 1.0 : 0.0;
    default:
      return std::nullopt;
  }
}

std::optional<double> numeric_field(const model::Event& ev, const AggregateContext& ctx) {
  return ctx.spec->field ? numeric(ev.get(*ctx.spec->field)) : std::nullopt;
}

// The bucket number of ts: the detector's, computed once per event and rule, when it is for ts.
std::int64_t bucket(core::TimeNs ts, const AggregateContext& ctx) noexcept {
  return ctx.bucket_ts == ts ? ctx.bucket : BucketRing<std::uint32_t>::bucket_of(ts, ctx.width);
}

void bump(BucketRing<std::uint32_t>& ring, std::int64_t n) noexcept {
  if (std::uint32_t* c = ring.at_bucket(n, 0); c != nullptr && *c != UINT32_MAX) ++*c;
}

double total(const BucketRing<std::uint32_t>& ring, std::int64_t n) {
  return ring.fold_bucket(n, 0.0, [](double x, double y) { return x + y; });
}

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

void CountAggregate::add(const model::Event& /*ev*/, core::TimeNs ts,
                         const AggregateContext& ctx) noexcept {
  bump(events_, bucket(ts, ctx));
}
double CountAggregate::value(core::TimeNs ts, const AggregateContext& ctx) const {
  return total(events_, bucket(ts, ctx));
}

void RateAggregate::add(const model::Event& ev, core::TimeNs ts,
                        const AggregateContext& ctx) noexcept {
  count_.add(ev, ts, ctx);
}
double RateAggregate::value(core::TimeNs ts, const AggregateContext& ctx) const {
  return count_.value(ts, ctx) / (static_cast<double>(ctx.window) / 1e9);
}

void ShareAggregate::add(const model::Event& ev, core::TimeNs ts,
                         const AggregateContext& ctx) noexcept {
  const std::int64_t n = bucket(ts, ctx);
  bump(total_, n);
  if (ctx.spec->predicate && ctx.spec->predicate->eval(ev)) bump(hits_, n);
}
double ShareAggregate::value(core::TimeNs ts, const AggregateContext& ctx) const {
  const std::int64_t n = bucket(ts, ctx);
  double all = total(total_, n);
  return all > 0 ? total(hits_, n) / all : 0.0;
}

void SumAggregate::add(const model::Event& ev, core::TimeNs ts,
                       const AggregateContext& ctx) noexcept {
  if (auto x = numeric_field(ev, ctx)) {
    if (double* s = sums_.at_bucket(bucket(ts, ctx), 0.0)) *s += *x;
  }
}
double SumAggregate::value(core::TimeNs ts, const AggregateContext& ctx) const {
  return sums_.fold_bucket(bucket(ts, ctx), 0.0, [](double x, double y) { return x + y; });
}

void MinAggregate::add(const model::Event& ev, core::TimeNs ts,
                       const AggregateContext& ctx) noexcept {
  if (auto x = numeric_field(ev, ctx)) {
    if (double* m = mins_.at_bucket(bucket(ts, ctx), kInf)) *m = std::min(*m, *x);
  }
}
double MinAggregate::value(core::TimeNs ts, const AggregateContext& ctx) const {
  return mins_.fold_bucket(bucket(ts, ctx), kInf,
                           [](double x, double y) { return std::min(x, y); });
}

void MaxAggregate::add(const model::Event& ev, core::TimeNs ts,
                       const AggregateContext& ctx) noexcept {
  if (auto x = numeric_field(ev, ctx)) {
    if (double* m = maxes_.at_bucket(bucket(ts, ctx), -kInf)) *m = std::max(*m, *x);
  }
}
double MaxAggregate::value(core::TimeNs ts, const AggregateContext& ctx) const {
  return maxes_.fold_bucket(bucket(ts, ctx), -kInf,
                            [](double x, double y) { return std::max(x, y); });
}

// Exact distinct count over the window: value hash -> last time seen, and a FIFO of
// insertions to expire old values in amortised O(1). Above kExactMax values it becomes a
// sliding HyperLogLog (exact below, <= 2 % above) and stays one.
//
// Both live in flat arrays (docs/decisions/2026-12-08-detect-speed.md): the map is open
// addressing with linear probing over 16-byte slots (at most half full, backward-shift
// deletion), the FIFO a ring that doubles when full. A node-based std::unordered_map and a
// std::deque cost a malloc per new value and per 32 events and two or three cache misses per
// lookup; on a mail day distinct() was the detector's largest cost.
struct DistinctAggregate::Set {
  // One slot of the map; ts == kFree marks an empty one (no event has that time).
  struct Slot {
    std::uint64_t h;
    core::TimeNs ts;
  };
  static constexpr core::TimeNs kFree = std::numeric_limits<core::TimeNs>::min();
  struct Entry {
    core::TimeNs t;
    std::uint64_t h;
  };

  std::unique_ptr<Slot[]> slots;
  std::size_t mask = 0;  // slot count - 1 (0 before the first value)
  std::size_t values = 0;
  std::unique_ptr<Entry[]> ring;
  std::size_t ring_mask = 0;  // ring capacity - 1
  std::size_t head = 0;       // oldest entry
  std::size_t queued = 0;     // entries in the ring
  std::unique_ptr<SlidingHll> hll;

  [[nodiscard]] std::size_t home(std::uint64_t h) const noexcept {
    return static_cast<std::size_t>((h * 0x9e3779b97f4a7c15ULL) >> 32) & mask;
  }
  // The slot holding h, or the free slot where it would go.
  [[nodiscard]] std::size_t probe(std::uint64_t h) const noexcept {
    std::size_t i = home(h);
    while (slots[i].ts != kFree && slots[i].h != h) i = (i + 1) & mask;
    return i;
  }
  void erase_at(std::size_t i) noexcept {
    // Backward-shift deletion: pull later members of the probe run into the hole.
    std::size_t hole = i;
    for (std::size_t j = (i + 1) & mask; slots[j].ts != kFree; j = (j + 1) & mask) {
      const std::size_t want = home(slots[j].h);
      // j may move into the hole when its home is not in (hole, j] (cyclically).
      if (((j - want) & mask) >= ((j - hole) & mask)) {
        slots[hole] = slots[j];
        hole = j;
      }
    }
    slots[hole].ts = kFree;
    --values;
  }
  void grow_map() {
    const std::size_t n = mask == 0 ? 8 : 2 * (mask + 1);
    auto old = std::move(slots);
    const std::size_t old_n = mask == 0 ? 0 : mask + 1;
    slots = std::make_unique<Slot[]>(n);
    for (std::size_t i = 0; i < n; ++i) slots[i].ts = kFree;
    mask = n - 1;
    for (std::size_t i = 0; i < old_n; ++i) {
      if (old[i].ts != kFree) slots[probe(old[i].h)] = old[i];
    }
  }
  void push(core::TimeNs t, std::uint64_t h) {
    if (queued == (ring ? ring_mask + 1 : 0)) {
      const std::size_t cap = ring ? 2 * (ring_mask + 1) : 8;
      auto next = std::make_unique<Entry[]>(cap);
      for (std::size_t k = 0; k < queued; ++k) next[k] = ring[(head + k) & ring_mask];
      ring = std::move(next);
      ring_mask = cap - 1;
      head = 0;
    }
    ring[(head + queued) & ring_mask] = Entry{t, h};
    ++queued;
  }

  void expire(core::TimeNs now, core::TimeNs window) {
    while (queued != 0 && ring[head].t <= now - window) {
      const Entry e = ring[head];
      head = (head + 1) & ring_mask;
      --queued;
      const std::size_t i = probe(e.h);
      if (slots[i].ts != kFree && slots[i].ts == e.t) erase_at(i);
    }
  }
  void add(std::uint64_t h, core::TimeNs ts, const AggregateContext& ctx) {
    if (hll) {
      hll->add(SlidingHll::mix(h), ts, ctx.width);
      return;
    }
    expire(ts, ctx.window);
    if (2 * (values + 1) > mask + 1) grow_map();
    const std::size_t i = probe(h);
    if (slots[i].ts == kFree) {
      slots[i].h = h;
      ++values;
    }
    slots[i].ts = ts;
    push(ts, h);
    if (values > kExactMax) {
      // Each value once, at its last time, in the order of those times' arrival (the FIFO's):
      // a sketch bucket is reset when a newer period reuses it, so older values go first.
      hll = std::make_unique<SlidingHll>();
      for (std::size_t k = 0; k < queued; ++k) {
        const Entry& e = ring[(head + k) & ring_mask];
        const std::size_t j = probe(e.h);
        if (slots[j].ts == e.t) hll->add(SlidingHll::mix(e.h), e.t, ctx.width);
      }
      slots.reset();
      ring.reset();
      mask = ring_mask = head = queued = values = 0;
    }
  }
  double count(core::TimeNs ts, const AggregateContext& ctx) {
    if (hll) return hll->estimate(ts, ctx.width);
    expire(ts, ctx.window);
    return static_cast<double>(values);
  }
  [[nodiscard]] std::size_t heap_bytes() const noexcept {
    return sizeof(Set) + (slots ? (mask + 1) * sizeof(Slot) : 0) +
           (ring ? (ring_mask + 1) * sizeof(Entry) : 0) + (hll ? sizeof(SlidingHll) : 0);
  }
};

DistinctAggregate::DistinctAggregate() = default;
DistinctAggregate::~DistinctAggregate() = default;
DistinctAggregate::DistinctAggregate(DistinctAggregate&&) noexcept = default;
DistinctAggregate& DistinctAggregate::operator=(DistinctAggregate&&) noexcept = default;

void DistinctAggregate::add(const model::Event& ev, core::TimeNs ts, const AggregateContext& ctx) {
  if (!ctx.spec->field) return;
  const FieldValue* v = ev.get(*ctx.spec->field);
  if (v == nullptr) return;
  if (!set_) set_ = std::make_unique<Set>();
  set_->add(value_hash(*v), ts, ctx);
}

double DistinctAggregate::value(core::TimeNs ts, const AggregateContext& ctx) {
  return set_ ? std::round(set_->count(ts, ctx)) : 0.0;
}

std::size_t DistinctAggregate::heap_bytes() const noexcept {
  return set_ ? set_->heap_bytes() : 0;
}

// ---- baseline(A), deviation(A) ----

namespace {

constexpr core::TimeNs kSecond = 1'000'000'000;
constexpr core::TimeNs kDay = 86'400 * kSecond;
constexpr std::size_t kSlots = 48;  // hour of day x {weekday, weekend}

// The machine's offset from UTC, read once: the seasonal profile's hours are local hours.
std::int64_t utc_offset_s() {
  static const std::int64_t offset = [] {
    std::time_t now = std::time(nullptr);
    std::tm lt{};
    if (localtime_r(&now, &lt) == nullptr) return std::int64_t{0};
    return static_cast<std::int64_t>(lt.tm_gmtoff);
  }();
  return offset;
}

std::size_t slot_of(core::TimeNs ts) {
  std::int64_t t = ts / kSecond + utc_offset_s();
  std::int64_t day = t >= 0 ? t / 86'400 : (t - 86'399) / 86'400;
  std::int64_t hour = (t - day * 86'400) / 3600;
  std::int64_t weekday = ((day + 4) % 7 + 7) % 7;  // 1970-01-01 was a Thursday; 0 = Sunday
  bool weekend = weekday == 0 || weekday == 6;
  return static_cast<std::size_t>(hour) + (weekend ? 24 : 0);
}

// A robust EWMA of one series: level and mean absolute deviation. Once the level means
// something, a new sample is clipped to level +- 4 spreads, so a flood teaches the baseline
// only a little at a time.
struct Learner {
  double level = 0;
  double dev = 0;
  std::uint32_t n = 0;
  std::uint32_t pad = 0;

  [[nodiscard]] double spread(double step) const {
    return std::max({1.25 * dev, 0.1 * std::abs(level), step});
  }
  void learn(double x, double horizon, double step) {
    if (n >= BaselineAggregate::kReadySamples) {
      const double s = 4 * spread(step);
      x = std::clamp(x, level - s, level + s);
    }
    const double a = 1.0 / std::min(static_cast<double>(n) + 1, horizon);
    level += a * (x - level);
    dev += a * (std::abs(x - level) - dev);
    if (n != UINT32_MAX) ++n;
  }
};

// The smallest step of aggregate kind k over window w: what a spread is never below.
double step_of(ruleset::AggregateKind k, core::TimeNs w) {
  using ruleset::AggregateKind;
  switch (k) {
    case AggregateKind::Share:
      return 0.01;
    case AggregateKind::Rate:
      return static_cast<double>(kSecond) / static_cast<double>(std::max<core::TimeNs>(w, 1));
    case AggregateKind::Count:
    case AggregateKind::Distinct:
      return 1.0;
    default:
      return 1e-9;
  }
}

// Whether a period without events is a sample of 0 (counts) or no sample (ratios, extremes).
bool zero_when_empty(ruleset::AggregateKind k) {
  using ruleset::AggregateKind;
  return k == AggregateKind::Count || k == AggregateKind::Rate || k == AggregateKind::Distinct ||
         k == AggregateKind::Sum;
}

template <typename T>
void put(std::string& out, const T& v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}
template <typename T>
bool take(std::string_view& in, T& v) {
  if (in.size() < sizeof(T)) return false;
  std::memcpy(&v, in.data(), sizeof(T));
  in.remove_prefix(sizeof(T));
  return true;
}

constexpr std::uint8_t kStateVersion = 1;
constexpr std::int64_t kNoPeriod = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMaxGapFill = 256;  // empty periods learned as 0 after a long silence

}  // namespace

struct BaselineAggregate::State {
  AggregateBlock inner;             // A, over the rule's window
  std::int64_t period = kNoPeriod;  // the sampling period of the newest event (ts / window)
  core::TimeNs first = 0;           // start of the first period sampled
  double last = 0;                  // A at the last event of the current period
  bool last_set = false;            // the current period has had an event
  Learner all;                      // every sample
  std::unique_ptr<std::array<Learner, kSlots>> profile;  // after a day of history

  [[nodiscard]] static double per_hour(const AggregateContext& ctx) {
    return std::clamp(3600.0 * kSecond / static_cast<double>(std::max<core::TimeNs>(ctx.window, 1)),
                      1.0, 3600.0);
  }
  void learn(double x, core::TimeNs at, const AggregateContext& ctx) {
    if (!std::isfinite(x)) return;
    const double step = step_of(ctx.spec->inner->kind, ctx.window);
    const double day = 24 * per_hour(ctx);
    all.learn(x, std::clamp(day, 16.0, 1440.0), step);
    if (!profile && at - first >= kDay) profile = std::make_unique<std::array<Learner, kSlots>>();
    if (profile) (*profile)[slot_of(at)].learn(x, 8 * per_hour(ctx), step);
  }
  // The learner that speaks for time ts: its seasonal slot once that has three days of samples.
  [[nodiscard]] const Learner& at(core::TimeNs ts, const AggregateContext& ctx) const {
    if (profile) {
      const Learner& l = (*profile)[slot_of(ts)];
      if (static_cast<double>(l.n) >= 3 * per_hour(ctx)) return l;
    }
    return all;
  }
};

BaselineAggregate::BaselineAggregate() = default;
BaselineAggregate::~BaselineAggregate() = default;
BaselineAggregate::BaselineAggregate(BaselineAggregate&&) noexcept = default;
BaselineAggregate& BaselineAggregate::operator=(BaselineAggregate&&) noexcept = default;

void BaselineAggregate::add(const model::Event& ev, core::TimeNs ts, const AggregateContext& ctx) {
  AggregateContext inner = ctx;
  inner.spec = ctx.spec->inner.get();
  if (!s_) {
    s_ = std::make_unique<State>();
    s_->inner = AggregateBlock({*ctx.spec->inner});
  }
  State& s = *s_;
  const core::TimeNs w = std::max<core::TimeNs>(ctx.window, 1);
  const std::int64_t p = ts >= 0 ? ts / w : (ts - w + 1) / w;
  if (s.period == kNoPeriod) {
    s.period = p;
    s.first = p * w;
  } else if (p > s.period) {
    if (s.last_set) s.learn(s.last, s.period * w, ctx);
    if (zero_when_empty(inner.spec->kind)) {
      const std::int64_t gap = std::min(p - s.period - 1, kMaxGapFill);
      for (std::int64_t e = p - gap; e < p; ++e) s.learn(0.0, e * w, ctx);
    }
    s.period = p;
    s.last_set = false;
  }
  s.inner.add(0, ev, ts, inner);
}

double BaselineAggregate::value(core::TimeNs ts, const AggregateContext& ctx) {
  const bool deviation = ctx.spec->kind == ruleset::AggregateKind::Deviation;
  if (!s_) return deviation ? 0.0 : std::numeric_limits<double>::quiet_NaN();
  State& s = *s_;
  AggregateContext inner = ctx;
  inner.spec = ctx.spec->inner.get();
  const double now = s.inner.value(0, ts, inner);
  const core::TimeNs w = std::max<core::TimeNs>(ctx.window, 1);
  if ((ts >= 0 ? ts / w : (ts - w + 1) / w) == s.period) {
    s.last = now;
    s.last_set = true;
  }
  if (s.all.n < kReadySamples) return deviation ? 0.0 : std::numeric_limits<double>::quiet_NaN();
  const Learner& l = s.at(ts, ctx);
  if (!deviation) return l.level;
  if (!std::isfinite(now)) return 0.0;
  return (now - l.level) / l.spread(step_of(inner.spec->kind, ctx.window));
}

std::size_t BaselineAggregate::heap_bytes() const noexcept {
  if (!s_) return 0;
  return sizeof(State) + s_->inner.block_bytes() + s_->inner.heap_bytes() +
         (s_->profile ? sizeof(*s_->profile) : 0);
}

std::uint32_t BaselineAggregate::samples() const noexcept {
  return s_ ? s_->all.n : 0;
}

void BaselineAggregate::save(std::string& out) const {
  put(out, kStateVersion);
  if (!s_) {
    put(out, std::uint8_t{0});
    return;
  }
  put(out, std::uint8_t{1});
  const State& s = *s_;
  put(out, s.period);
  put(out, s.first);
  put(out, s.last);
  put(out, static_cast<std::uint8_t>(s.last_set));
  auto put_learner = [&](const Learner& l) {
    put(out, l.level);
    put(out, l.dev);
    put(out, l.n);
  };
  put_learner(s.all);
  put(out, static_cast<std::uint8_t>(s.profile != nullptr));
  if (s.profile) {
    for (const Learner& l : *s.profile) put_learner(l);
  }
}

bool BaselineAggregate::load(std::string_view in, const AggregateContext& ctx) {
  std::uint8_t version = 0, present = 0, last_set = 0, has_profile = 0;
  if (!take(in, version) || version != kStateVersion || !take(in, present) || present > 1) {
    return false;
  }
  if (present == 0) return in.empty();
  auto st = std::make_unique<State>();
  auto take_learner = [&](Learner& l) {
    return take(in, l.level) && take(in, l.dev) && take(in, l.n) && std::isfinite(l.level) &&
           std::isfinite(l.dev) && l.dev >= 0;
  };
  if (!take(in, st->period) || !take(in, st->first) || !take(in, st->last) || !take(in, last_set) ||
      last_set > 1 || !take_learner(st->all) || !take(in, has_profile) || has_profile > 1) {
    return false;
  }
  st->last_set = last_set != 0;
  if (has_profile != 0) {
    st->profile = std::make_unique<std::array<Learner, kSlots>>();
    for (Learner& l : *st->profile) {
      if (!take_learner(l)) return false;
    }
  }
  if (!in.empty() || st->period == kNoPeriod) return false;
  st->inner = AggregateBlock({*ctx.spec->inner});
  s_ = std::move(st);
  return true;
}

// Block layout: bytes 0-1 the number of aggregates n (low byte first), then n bytes of their
// kinds, then (from the next multiple of 4) n 32-bit offsets of the aggregates, padded to 8;
// then the aggregates in order, each at a multiple of 8 (every class is 8-aligned and its
// size a multiple of 8). The offsets make finding aggregate i one load: the detector adds
// to and reads every aggregate of a group for each of its events.
namespace {
constexpr std::size_t kAlign = 8;
constexpr std::size_t kCountBytes = 2;
constexpr std::size_t round_up(std::size_t n) {
  return (n + kAlign - 1) & ~(kAlign - 1);
}
std::size_t count(const std::byte* data) {
  return static_cast<std::size_t>(data[0]) | (static_cast<std::size_t>(data[1]) << 8);
}
constexpr std::size_t offsets_at(std::size_t n) {
  return (kCountBytes + n + 3) & ~std::size_t{3};
}
constexpr std::size_t header_bytes(std::size_t n) {
  return round_up(offsets_at(n) + 4 * n);
}
std::size_t offset_of(const std::byte* data, std::size_t i) {
  std::uint32_t off = 0;
  std::memcpy(&off, data + offsets_at(count(data)) + 4 * i, sizeof off);
  return off;
}
std::size_t size_of(ruleset::AggregateKind k) {
  return AggregateBlock::with_kind(k, []<typename T>(std::type_identity<T>) {
    static_assert(alignof(T) <= kAlign && sizeof(T) % kAlign == 0);
    return sizeof(T);
  });
}
}  // namespace

template <typename F>
decltype(auto) AggregateBlock::visit(std::size_t i, F&& f) const {
  const std::size_t off = offset_of(data_, i);
  return with_kind(static_cast<ruleset::AggregateKind>(data_[kCountBytes + i]),
                   [&]<typename T>(std::type_identity<T>) -> decltype(auto) {
                     return f(*std::launder(reinterpret_cast<T*>(data_ + off)));
                   });
}

AggregateBlock::AggregateBlock(const std::vector<ruleset::AggregateSpec>& specs) {
  const std::size_t n = specs.size();
  if (n == 0) return;
  if (n > 0xffff) throw std::length_error("more than 65,535 aggregates in one rule");
  std::size_t bytes = header_bytes(n);
  for (const auto& s : specs) bytes += size_of(s.kind);
  // operator new aligns to __STDCPP_DEFAULT_NEW_ALIGNMENT__ (16), enough for every class.
  data_ = static_cast<std::byte*>(::operator new(bytes));
  data_[0] = static_cast<std::byte>(n & 0xff);
  data_[1] = static_cast<std::byte>(n >> 8);
  std::size_t off = header_bytes(n);
  for (std::size_t i = 0; i < n; ++i) {
    data_[kCountBytes + i] = static_cast<std::byte>(specs[i].kind);
    const auto off32 = static_cast<std::uint32_t>(off);
    std::memcpy(data_ + offsets_at(n) + 4 * i, &off32, sizeof off32);
    with_kind(specs[i].kind, [&]<typename T>(std::type_identity<T>) { new (data_ + off) T(); });
    off += size_of(specs[i].kind);
  }
}

AggregateBlock::~AggregateBlock() {
  destroy();
}

AggregateBlock& AggregateBlock::operator=(AggregateBlock&& o) noexcept {
  if (this != &o) {
    destroy();
    data_ = std::exchange(o.data_, nullptr);
  }
  return *this;
}

void AggregateBlock::destroy() noexcept {
  if (data_ == nullptr) return;
  const auto n = count(data_);
  for (std::size_t i = 0; i < n; ++i) {
    visit(i, []<typename T>(T& agg) { agg.~T(); });
  }
  ::operator delete(data_);
  data_ = nullptr;
}

void AggregateBlock::add(std::size_t i, const model::Event& ev, core::TimeNs ts,
                         const AggregateContext& ctx) {
  visit(i, [&](auto& agg) { agg.add(ev, ts, ctx); });
}

double AggregateBlock::value(std::size_t i, core::TimeNs ts, const AggregateContext& ctx) {
  return visit(i, [&](auto& agg) -> double { return agg.value(ts, ctx); });
}

std::size_t AggregateBlock::block_bytes() const noexcept {
  if (data_ == nullptr) return 0;
  const auto n = count(data_);
  return offset_of(data_, n - 1) +
         size_of(static_cast<ruleset::AggregateKind>(data_[kCountBytes + n - 1]));
}

std::size_t AggregateBlock::heap_bytes() const noexcept {
  if (data_ == nullptr) return 0;
  std::size_t bytes = 0;
  const auto n = count(data_);
  for (std::size_t i = 0; i < n; ++i) {
    bytes += visit(i, []<typename T>(T& agg) -> std::size_t {
      if constexpr (std::is_same_v<T, DistinctAggregate> || std::is_same_v<T, BaselineAggregate>) {
        return agg.heap_bytes();
      } else {
        return 0;
      }
    });
  }
  return bytes;
}

BaselineAggregate* AggregateBlock::baseline(std::size_t i) noexcept {
  if (data_ == nullptr || i >= count(data_)) return nullptr;
  return visit(i, []<typename T>(T& agg) -> BaselineAggregate* {
    if constexpr (std::is_same_v<T, BaselineAggregate>) {
      return &agg;
    } else {
      return nullptr;
    }
  });
}

const BaselineAggregate* AggregateBlock::baseline(std::size_t i) const noexcept {
  return const_cast<AggregateBlock*>(this)->baseline(i);  // NOLINT: one lookup for both
}

}  // namespace bannin::detect
