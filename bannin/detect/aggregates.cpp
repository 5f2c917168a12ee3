#include <algorithm>
#include <cmath>
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

void bump(BucketRing<std::uint32_t>& ring, core::TimeNs ts, core::TimeNs width) noexcept {
  if (std::uint32_t* c = ring.at(ts, width, 0); c != nullptr && *c != UINT32_MAX) ++*c;
}

double total(const BucketRing<std::uint32_t>& ring, core::TimeNs ts, core::TimeNs width) {
  return ring.fold(ts, width, 0.0, [](double x, double y) { return x + y; });
}

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

void CountAggregate::add(const model::Event& /*ev*/, core::TimeNs ts,
                         const AggregateContext& ctx) noexcept {
  bump(events_, ts, ctx.width);
}
double CountAggregate::value(core::TimeNs ts, const AggregateContext& ctx) const {
  return total(events_, ts, ctx.width);
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
  bump(total_, ts, ctx.width);
  if (ctx.spec->predicate && ctx.spec->predicate->eval(ev)) bump(hits_, ts, ctx.width);
}
double ShareAggregate::value(core::TimeNs ts, const AggregateContext& ctx) const {
  double all = total(total_, ts, ctx.width);
  return all > 0 ? total(hits_, ts, ctx.width) / all : 0.0;
}

void SumAggregate::add(const model::Event& ev, core::TimeNs ts,
                       const AggregateContext& ctx) noexcept {
  if (auto x = numeric_field(ev, ctx)) {
    if (double* s = sums_.at(ts, ctx.width, 0.0)) *s += *x;
  }
}
double SumAggregate::value(core::TimeNs ts, const AggregateContext& ctx) const {
  return sums_.fold(ts, ctx.width, 0.0, [](double x, double y) { return x + y; });
}

void MinAggregate::add(const model::Event& ev, core::TimeNs ts,
                       const AggregateContext& ctx) noexcept {
  if (auto x = numeric_field(ev, ctx)) {
    if (double* m = mins_.at(ts, ctx.width, kInf)) *m = std::min(*m, *x);
  }
}
double MinAggregate::value(core::TimeNs ts, const AggregateContext& ctx) const {
  return mins_.fold(ts, ctx.width, kInf, [](double x, double y) { return std::min(x, y); });
}

void MaxAggregate::add(const model::Event& ev, core::TimeNs ts,
                       const AggregateContext& ctx) noexcept {
  if (auto x = numeric_field(ev, ctx)) {
    if (double* m = maxes_.at(ts, ctx.width, -kInf)) *m = std::max(*m, *x);
  }
}
double MaxAggregate::value(core::TimeNs ts, const AggregateContext& ctx) const {
  return maxes_.fold(ts, ctx.width, -kInf, [](double x, double y) { return std::max(x, y); });
}

// Exact distinct count over the window: value hash -> last time seen, and a FIFO of
// insertions to expire old values in amortised O(1). Above kExactMax values it becomes a
// sliding HyperLogLog (exact below, <= 2 % above) and stays one.
struct DistinctAggregate::Set {
  std::unordered_map<std::uint64_t, core::TimeNs> last_seen;
  std::deque<std::pair<core::TimeNs, std::uint64_t>> fifo;
  std::unique_ptr<SlidingHll> hll;

  void expire(core::TimeNs now, core::TimeNs window) {
    while (!fifo.empty() && fifo.front().first <= now - window) {
      auto [t, h] = fifo.front();
      fifo.pop_front();
      auto it = last_seen.find(h);
      if (it != last_seen.end() && it->second == t) last_seen.erase(it);
    }
  }
  void add(std::uint64_t h, core::TimeNs ts, const AggregateContext& ctx) {
    if (hll) {
      hll->add(SlidingHll::mix(h), ts, ctx.width);
      return;
    }
    expire(ts, ctx.window);
    auto [it, fresh] = last_seen.try_emplace(h, ts);
    if (!fresh) it->second = ts;
    fifo.emplace_back(ts, h);
    if (last_seen.size() > kExactMax) {
      hll = std::make_unique<SlidingHll>();
      for (const auto& [v, seen] : last_seen) hll->add(SlidingHll::mix(v), seen, ctx.width);
      last_seen = {};
      fifo = {};
    }
  }
  double count(core::TimeNs ts, const AggregateContext& ctx) {
    if (hll) return hll->estimate(ts, ctx.width);
    expire(ts, ctx.window);
    return static_cast<double>(last_seen.size());
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
  if (!set_) return 0;
  // Node-based map (~48 bytes a value) and the FIFO (16 a value), as the old estimate.
  return sizeof(Set) + set_->last_seen.size() * 48 + set_->fifo.size() * 16 +
         (set_->hll ? sizeof(SlidingHll) : 0);
}

// Block layout: bytes 0-1 the number of aggregates n (low byte first), then n bytes of their
// kinds, padded to 8; then the aggregates in order, each at a multiple of 8 (every class is
// 8-aligned and its size a multiple of 8).
namespace {
constexpr std::size_t kAlign = 8;
constexpr std::size_t kCountBytes = 2;
constexpr std::size_t round_up(std::size_t n) {
  return (n + kAlign - 1) & ~(kAlign - 1);
}
std::size_t count(const std::byte* data) {
  return static_cast<std::size_t>(data[0]) | (static_cast<std::size_t>(data[1]) << 8);
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
  const auto n = count(data_);
  std::size_t off = round_up(kCountBytes + n);
  for (std::size_t j = 0; j < i; ++j)
    off += size_of(static_cast<ruleset::AggregateKind>(data_[kCountBytes + j]));
  return with_kind(static_cast<ruleset::AggregateKind>(data_[kCountBytes + i]),
                   [&]<typename T>(std::type_identity<T>) -> decltype(auto) {
                     return f(*std::launder(reinterpret_cast<T*>(data_ + off)));
                   });
}

AggregateBlock::AggregateBlock(const std::vector<ruleset::AggregateSpec>& specs) {
  const std::size_t n = specs.size();
  if (n == 0) return;
  if (n > 0xffff) throw std::length_error("more than 65,535 aggregates in one rule");
  std::size_t bytes = round_up(kCountBytes + n);
  for (const auto& s : specs) bytes += size_of(s.kind);
  // operator new aligns to __STDCPP_DEFAULT_NEW_ALIGNMENT__ (16), enough for every class.
  data_ = static_cast<std::byte*>(::operator new(bytes));
  data_[0] = static_cast<std::byte>(n & 0xff);
  data_[1] = static_cast<std::byte>(n >> 8);
  std::size_t off = round_up(kCountBytes + n);
  for (std::size_t i = 0; i < n; ++i) {
    data_[kCountBytes + i] = static_cast<std::byte>(specs[i].kind);
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
  std::size_t bytes = round_up(kCountBytes + n);
  for (std::size_t i = 0; i < n; ++i)
    bytes += size_of(static_cast<ruleset::AggregateKind>(data_[kCountBytes + i]));
  return bytes;
}

std::size_t AggregateBlock::heap_bytes() const noexcept {
  if (data_ == nullptr) return 0;
  std::size_t bytes = 0;
  const auto n = count(data_);
  for (std::size_t i = 0; i < n; ++i) {
    bytes += visit(i, []<typename T>(T& agg) -> std::size_t {
      if constexpr (std::is_same_v<T, DistinctAggregate>) {
        return agg.heap_bytes();
      } else {
        return 0;
      }
    });
  }
  return bytes;
}

}  // namespace bannin::detect
