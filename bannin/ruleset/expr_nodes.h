// The compiled form of rule expressions: a tree of small typed nodes, each with a virtual
// eval. Built once by the compiler in expr.cpp; immutable afterwards and shared across
// threads. Evaluation never throws and does not allocate after warm-up: strings come from
// the event (views) or, for the few functions that make new text (lower, prefix, country),
// from a per-thread arena whose blocks are kept and reused (EvalArena).
//
// Every value node reports presence: eval returns false when the value is absent (a field
// the event does not carry, a division by zero, an unknown country). Comparisons on an
// absent value are false, except `!=` and the negated forms (`not in`, `not contains`,
// `!~`), which are true — the negation of the positive form. See docs/rules.md.
//
// Nodes are templated on the context they evaluate in: model::Event for predicates, CondCtx
// (the aggregate values of one group) for fire conditions.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <compare>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <re2/re2.h>

#include <bannin/core/ip_address.h>
#include <bannin/enrich/geo_db.h>
#include <bannin/model/event.h>
#include <bannin/ruleset/expr.h>
#include <bannin/ruleset/expr_ast.h>
#include <bannin/ruleset/literal_set.h>

namespace bannin::ruleset::detail {

/// Evaluation context of a fire condition.
struct CondCtx {
  std::span<const double> values;
  AggregateValues* lazy = nullptr;  ///< when set, slots are read from here instead
};

// ---- the arena for text made during evaluation --------------------------------------------

/// Per-thread scratch for strings produced during one evaluation. Blocks never move and are
/// kept for the thread's life, so after warm-up nothing is allocated. A Scope restores the
/// arena when the top-level eval returns.
class EvalArena {
 public:
  static EvalArena& local() noexcept {
    thread_local EvalArena arena;
    return arena;
  }

  /// nullptr when memory is exhausted (the value is then treated as absent).
  char* alloc(std::size_t n) noexcept {
    while (cur_ < blocks_.size()) {
      Block& b = blocks_[cur_];
      if (b.cap - used_ >= n) {
        char* p = b.data.get() + used_;
        used_ += n;
        return p;
      }
      ++cur_;
      used_ = 0;
    }
    try {
      std::size_t cap = std::max<std::size_t>(n, kBlock);
      blocks_.push_back(Block{std::make_unique<char[]>(cap), cap});
    } catch (...) {
      return nullptr;
    }
    cur_ = blocks_.size() - 1;
    used_ = n;
    return blocks_.back().data.get();
  }

  class Scope {
   public:
    Scope() noexcept : a_(local()), cur_(a_.cur_), used_(a_.used_) {}
    ~Scope() {
      a_.cur_ = cur_;
      a_.used_ = used_;
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    EvalArena& a_;
    std::size_t cur_;
    std::size_t used_;
  };

 private:
  static constexpr std::size_t kBlock = std::size_t{16} * 1024;
  struct Block {
    std::unique_ptr<char[]> data;
    std::size_t cap = 0;
  };
  std::vector<Block> blocks_;
  std::size_t cur_ = 0;
  std::size_t used_ = 0;
};

// ---- IP networks --------------------------------------------------------------------------

using IpBytes = std::array<std::uint8_t, 16>;

inline IpBytes mask_bytes(const IpBytes& b, unsigned len) noexcept {
  IpBytes out = b;
  for (unsigned k = 0; k < 16; ++k) {
    unsigned lo = k * 8;
    if (len >= lo + 8) continue;
    if (len <= lo) {
      out[k] = 0;
    } else {
      out[k] = static_cast<std::uint8_t>(out[k] & (0xFFu << (8 - (len - lo))));
    }
  }
  return out;
}

/// An address as two big-endian 64-bit halves, for fast masking and comparison.
struct Ip128 {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  auto operator<=>(const Ip128&) const = default;  // NOLINT(modernize-use-nullptr)

  static Ip128 of(const core::IpAddress& ip) noexcept {
    const auto& b = ip.bytes();
    Ip128 v;
    std::memcpy(&v.hi, b.data(), 8);
    std::memcpy(&v.lo, b.data() + 8, 8);
    if constexpr (std::endian::native == std::endian::little) {
      v.hi = __builtin_bswap64(v.hi);
      v.lo = __builtin_bswap64(v.lo);
    }
    return v;
  }
  [[nodiscard]] Ip128 masked(unsigned len) const noexcept {
    Ip128 v = *this;
    if (len < 64) {
      v.hi = len == 0 ? 0 : v.hi & (~std::uint64_t{0} << (64 - len));
      v.lo = 0;
    } else if (len < 128) {
      v.lo = len == 64 ? 0 : v.lo & (~std::uint64_t{0} << (128 - len));
    }
    return v;
  }
};

/// A set of addresses and networks (lengths in IPv6 bits; IPv4 counts from bit 96). Lookup
/// masks the address once per distinct length and binary-searches that length's networks,
/// so a long allowlist costs a few comparisons per distinct prefix length.
class NetSet {
 public:
  void add(const core::IpAddress& net, unsigned len) {
    len = std::min(len, 128u);
    Ip128 v = Ip128::of(net).masked(len);
    for (auto& g : groups_) {
      if (g.len == len) {
        g.nets.push_back(v);
        return;
      }
    }
    groups_.push_back(Group{len, {v}});
  }
  void finish() {
    for (auto& g : groups_) {
      std::sort(g.nets.begin(), g.nets.end());
      g.nets.erase(std::unique(g.nets.begin(), g.nets.end()), g.nets.end());
    }
    // Shorter networks first: broad allowlist entries tend to answer earliest.
    std::sort(groups_.begin(), groups_.end(),
              [](const Group& a, const Group& b) { return a.len < b.len; });
  }
  [[nodiscard]] bool contains(const core::IpAddress& ip) const noexcept {
    Ip128 v = Ip128::of(ip);
    for (const auto& g : groups_) {
      Ip128 m = v.masked(g.len);
      if (g.nets.size() <= 4) {
        for (const auto& n : g.nets) {
          if (n == m) return true;
        }
      } else if (std::binary_search(g.nets.begin(), g.nets.end(), m)) {
        return true;
      }
    }
    return false;
  }

 private:
  struct Group {
    unsigned len = 128;
    std::vector<Ip128> nets;
  };
  std::vector<Group> groups_;
};

// ---- node interfaces ----------------------------------------------------------------------

/// A total boolean (a predicate clause): never absent.
template <class Ctx>
struct BoolNode {
  virtual ~BoolNode() = default;
  virtual bool eval(const Ctx& c) const noexcept = 0;
};

/// A value of type T that may be absent: eval returns false when absent.
template <class Ctx, class T>
struct ValNode {
  virtual ~ValNode() = default;
  virtual bool eval(const Ctx& c, T& out) const noexcept = 0;
};

template <class Ctx>
using OptBoolNode = ValNode<Ctx, bool>;
template <class Ctx>
using IntNode = ValNode<Ctx, std::int64_t>;
template <class Ctx>
using NumNode = ValNode<Ctx, double>;
template <class Ctx>
using StrNode = ValNode<Ctx, std::string_view>;
template <class Ctx>
using IpNode = ValNode<Ctx, core::IpAddress>;

template <class Ctx>
using BoolPtr = std::unique_ptr<BoolNode<Ctx>>;
template <class Ctx, class T>
using ValPtr = std::unique_ptr<ValNode<Ctx, T>>;

// ---- constants ----------------------------------------------------------------------------

template <class Ctx>
struct ConstBool final : BoolNode<Ctx> {
  explicit ConstBool(bool v) : v_(v) {}
  bool eval(const Ctx&) const noexcept override { return v_; }
  bool v_;
};

template <class Ctx, class T>
struct ConstVal final : ValNode<Ctx, T> {
  explicit ConstVal(T v) : v_(std::move(v)) {}
  bool eval(const Ctx&, T& out) const noexcept override {
    out = v_;
    return true;
  }
  T v_;
};

template <class Ctx>
struct ConstStr final : StrNode<Ctx> {
  explicit ConstStr(std::string v) : v_(std::move(v)) {}
  bool eval(const Ctx&, std::string_view& out) const noexcept override {
    out = v_;
    return true;
  }
  std::string v_;
};

// ---- event fields -------------------------------------------------------------------------

struct FieldBool final : OptBoolNode<model::Event> {
  explicit FieldBool(model::Field f) : f_(f) {}
  bool eval(const model::Event& ev, bool& out) const noexcept override {
    const model::FieldValue* v = ev.get(f_);
    if (v == nullptr || v->type != model::FieldType::Bool) return false;
    out = v->b;
    return true;
  }
  model::Field f_;
};

struct FieldInt final : IntNode<model::Event> {
  explicit FieldInt(model::Field f) : f_(f) {}
  bool eval(const model::Event& ev, std::int64_t& out) const noexcept override {
    const model::FieldValue* v = ev.get(f_);
    if (v == nullptr) return false;
    if (v->type != model::FieldType::Int && v->type != model::FieldType::Duration &&
        v->type != model::FieldType::Timestamp) {
      return false;
    }
    out = v->i;
    return true;
  }
  model::Field f_;
};

/// `ts`: the event's own timestamp (always present), unless a decoder set the field.
struct FieldTs final : IntNode<model::Event> {
  bool eval(const model::Event& ev, std::int64_t& out) const noexcept override {
    const model::FieldValue* v = ev.get(model::Field::Ts);
    out = v != nullptr && v->type == model::FieldType::Timestamp ? v->i : ev.ts();
    return true;
  }
};

struct FieldStr final : StrNode<model::Event> {
  explicit FieldStr(model::Field f) : f_(f) {}
  bool eval(const model::Event& ev, std::string_view& out) const noexcept override {
    const model::FieldValue* v = ev.get(f_);
    if (v == nullptr || v->type != model::FieldType::String) return false;
    out = v->s;
    return true;
  }
  model::Field f_;
};

struct FieldIp final : IpNode<model::Event> {
  explicit FieldIp(model::Field f) : f_(f) {}
  bool eval(const model::Event& ev, core::IpAddress& out) const noexcept override {
    const model::FieldValue* v = ev.get(f_);
    if (v == nullptr || v->type != model::FieldType::Ip) return false;
    out = v->ip;
    return true;
  }
  model::Field f_;
};

/// values[slot] of a fire condition; NaN or a missing slot reads as absent. The slot is
/// set after the whole condition compiled (aggregates register only then).
struct AggSlot final : NumNode<CondCtx> {
  bool eval(const CondCtx& c, double& out) const noexcept override {
    if (c.lazy != nullptr) {
      if (slot_ >= c.lazy->size()) return false;
      out = c.lazy->get(slot_);
      return !std::isnan(out);
    }
    if (slot_ >= c.values.size()) return false;
    out = c.values[slot_];
    return !std::isnan(out);
  }
  std::size_t slot_ = 0;
};

// ---- logic --------------------------------------------------------------------------------

template <class Ctx>
struct AndNode final : BoolNode<Ctx> {
  bool eval(const Ctx& c) const noexcept override {
    for (const auto& k : kids_) {
      if (!k->eval(c)) return false;
    }
    return true;
  }
  std::vector<BoolPtr<Ctx>> kids_;
};

template <class Ctx>
struct OrNode final : BoolNode<Ctx> {
  bool eval(const Ctx& c) const noexcept override {
    for (const auto& k : kids_) {
      if (k->eval(c)) return true;
    }
    return false;
  }
  std::vector<BoolPtr<Ctx>> kids_;
};

template <class Ctx>
struct NotNode final : BoolNode<Ctx> {
  explicit NotNode(BoolPtr<Ctx> k) : k_(std::move(k)) {}
  bool eval(const Ctx& c) const noexcept override { return !k_->eval(c); }
  BoolPtr<Ctx> k_;
};

/// A bool value used as a clause: absent is false.
template <class Ctx>
struct Truthy final : BoolNode<Ctx> {
  explicit Truthy(ValPtr<Ctx, bool> k) : k_(std::move(k)) {}
  bool eval(const Ctx& c) const noexcept override {
    bool v = false;
    return k_->eval(c, v) && v;
  }
  ValPtr<Ctx, bool> k_;
};

/// A clause used as a bool value (for `==` between booleans): always present.
template <class Ctx>
struct AsValue final : OptBoolNode<Ctx> {
  explicit AsValue(BoolPtr<Ctx> k) : k_(std::move(k)) {}
  bool eval(const Ctx& c, bool& out) const noexcept override {
    out = k_->eval(c);
    return true;
  }
  BoolPtr<Ctx> k_;
};

// ---- comparisons --------------------------------------------------------------------------

enum class CmpOp : std::uint8_t { Eq, Ne, Lt, Le, Gt, Ge };

template <class T>
bool compare(CmpOp op, const T& a, const T& b) noexcept {
  switch (op) {
    case CmpOp::Eq:
      return a == b;
    case CmpOp::Ne:
      return !(a == b);
    case CmpOp::Lt:
      return a < b;
    case CmpOp::Le:
      return a <= b;
    case CmpOp::Gt:
      return a > b;
    case CmpOp::Ge:
      return a >= b;
  }
  return false;
}

template <class Ctx, class T>
struct CmpNode final : BoolNode<Ctx> {
  CmpNode(CmpOp op, ValPtr<Ctx, T> l, ValPtr<Ctx, T> r)
      : op_(op), l_(std::move(l)), r_(std::move(r)) {}
  bool eval(const Ctx& c) const noexcept override {
    T a{}, b{};
    if (!l_->eval(c, a) || !r_->eval(c, b)) return op_ == CmpOp::Ne;
    return compare(op_, a, b);
  }
  CmpOp op_;
  ValPtr<Ctx, T> l_, r_;
};

/// Comparison with a constant on the right (the common case: `status >= 400`).
template <class Ctx, class T, class Stored = T>
struct CmpConstNode final : BoolNode<Ctx> {
  CmpConstNode(CmpOp op, ValPtr<Ctx, T> l, Stored k)
      : op_(op), l_(std::move(l)), k_(std::move(k)) {}
  bool eval(const Ctx& c) const noexcept override {
    T a{};
    if (!l_->eval(c, a)) return op_ == CmpOp::Ne;
    return compare<T>(op_, a, T(k_));
  }
  CmpOp op_;
  ValPtr<Ctx, T> l_;
  Stored k_;
};

// ---- membership ---------------------------------------------------------------------------

/// `x in [...]` over a sorted constant set; negated for `not in` (absent: false / true).
template <class Ctx, class T, class Stored = T>
struct InSetNode final : BoolNode<Ctx> {
  InSetNode(ValPtr<Ctx, T> l, std::vector<Stored> items, bool negated)
      : l_(std::move(l)), items_(std::move(items)), negated_(negated) {
    std::sort(items_.begin(), items_.end());
    items_.erase(std::unique(items_.begin(), items_.end()), items_.end());
  }
  bool eval(const Ctx& c) const noexcept override {
    T a{};
    if (!l_->eval(c, a)) return negated_;
    bool found;
    if (items_.size() <= 8) {
      found = std::find_if(items_.begin(), items_.end(),
                           [&](const Stored& s) { return T(s) == a; }) != items_.end();
    } else {
      auto it = std::lower_bound(items_.begin(), items_.end(), a,
                                 [](const Stored& s, const T& v) { return T(s) < v; });
      found = it != items_.end() && T(*it) == a;
    }
    return found != negated_;
  }
  ValPtr<Ctx, T> l_;
  std::vector<Stored> items_;
  bool negated_;
};

template <class Ctx>
struct InNetNode final : BoolNode<Ctx> {
  InNetNode(ValPtr<Ctx, core::IpAddress> l, NetSet set, bool negated)
      : l_(std::move(l)), set_(std::move(set)), negated_(negated) {}
  bool eval(const Ctx& c) const noexcept override {
    core::IpAddress a;
    if (!l_->eval(c, a)) return negated_;
    return set_.contains(a) != negated_;
  }
  ValPtr<Ctx, core::IpAddress> l_;
  NetSet set_;
  bool negated_;
};

// ---- string operators ---------------------------------------------------------------------

enum class StrOp : std::uint8_t { StartsWith, EndsWith, Contains };

inline bool str_op(StrOp op, std::string_view h, std::string_view n) noexcept {
  switch (op) {
    case StrOp::StartsWith:
      return h.starts_with(n);
    case StrOp::EndsWith:
      return h.ends_with(n);
    case StrOp::Contains:
      return h.find(n) != std::string_view::npos;
  }
  return false;
}

/// `x contains y` with y computed per event.
template <class Ctx>
struct StrOpNode final : BoolNode<Ctx> {
  StrOpNode(StrOp op, ValPtr<Ctx, std::string_view> l, ValPtr<Ctx, std::string_view> r,
            bool negated)
      : op_(op), l_(std::move(l)), r_(std::move(r)), negated_(negated) {}
  bool eval(const Ctx& c) const noexcept override {
    std::string_view a, b;
    if (!l_->eval(c, a) || !r_->eval(c, b)) return negated_;
    return str_op(op_, a, b) != negated_;
  }
  StrOp op_;
  ValPtr<Ctx, std::string_view> l_, r_;
  bool negated_;
};

/// Lists at least this long are matched with one automaton instead of item by item.
inline constexpr std::size_t kStrListRegexMin = 8;

/// One RE2 for "any of these constants" at the start, the end or anywhere: the items quoted
/// and joined with '|', matched as bytes (Latin-1, so any byte in an item or the subject
/// compares as itself). The fallback for a list too large for a LiteralSet's table. Null when
/// RE2 refuses it too (over its memory budget); the caller then compares item by item.
inline std::unique_ptr<re2::RE2> any_of_regex(StrOp op, const std::vector<std::string>& items) {
  std::string pattern = op == StrOp::StartsWith ? "^(?:" : "(?:";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) pattern += '|';
    pattern += re2::RE2::QuoteMeta(re2::StringPiece(items[i].data(), items[i].size()));
  }
  pattern += op == StrOp::EndsWith ? ")$" : ")";
  re2::RE2::Options opts;
  opts.set_encoding(re2::RE2::Options::EncodingLatin1);
  opts.set_log_errors(false);
  opts.set_max_mem(64 << 20);
  auto re = std::make_unique<re2::RE2>(pattern, opts);
  if (!re->ok()) return nullptr;
  return re;
}

inline LiteralSet::Mode literal_mode(StrOp op) noexcept {
  switch (op) {
    case StrOp::StartsWith:
      return LiteralSet::Mode::Prefix;
    case StrOp::EndsWith:
      return LiteralSet::Mode::Suffix;
    case StrOp::Contains:
      break;
  }
  return LiteralSet::Mode::Anywhere;
}

/// `x startswith "a"` or `x contains ["a", "b"]` (any of the constants). Long lists (the
/// probe lists in data/, read as parameters) go through one LiteralSet automaton (one table
/// step per byte; literal_set.h), or one RE2 when the list is too large for its table.
template <class Ctx>
struct StrOpConstNode final : BoolNode<Ctx> {
  StrOpConstNode(StrOp op, ValPtr<Ctx, std::string_view> l, std::vector<std::string> needles,
                 bool negated)
      : op_(op), l_(std::move(l)), needles_(std::move(needles)), negated_(negated) {
    if (needles_.size() >= kStrListRegexMin) {
      auto set = std::make_unique<LiteralSet>();
      if (set->build(literal_mode(op_), needles_)) {
        set_ = std::move(set);
      } else {
        re_ = any_of_regex(op_, needles_);
      }
    }
  }
  bool eval(const Ctx& c) const noexcept override {
    std::string_view a;
    if (!l_->eval(c, a)) return negated_;
    if (set_) return set_->match(a) != negated_;
    if (re_) {
      return re2::RE2::PartialMatch(re2::StringPiece(a.data(), a.size()), *re_) != negated_;
    }
    for (const auto& n : needles_) {
      if (str_op(op_, a, n)) return !negated_;
    }
    return negated_;
  }
  StrOp op_;
  ValPtr<Ctx, std::string_view> l_;
  std::vector<std::string> needles_;
  bool negated_;
  std::unique_ptr<LiteralSet> set_;  ///< null: RE2, or item by item
  std::unique_ptr<re2::RE2> re_;     ///< null: the LiteralSet, or item by item
};

template <class Ctx>
struct RegexNode final : BoolNode<Ctx> {
  RegexNode(ValPtr<Ctx, std::string_view> l, std::unique_ptr<re2::RE2> re, bool negated)
      : l_(std::move(l)), re_(std::move(re)), negated_(negated) {}
  bool eval(const Ctx& c) const noexcept override {
    std::string_view a;
    if (!l_->eval(c, a)) return negated_;
    return re2::RE2::PartialMatch(re2::StringPiece(a.data(), a.size()), *re_) != negated_;
  }
  ValPtr<Ctx, std::string_view> l_;
  std::unique_ptr<re2::RE2> re_;
  bool negated_;
};

// ---- arithmetic ---------------------------------------------------------------------------

enum class ArithOp : std::uint8_t { Add, Sub, Mul, Div };

template <class Ctx>
struct IntToNum final : NumNode<Ctx> {
  explicit IntToNum(ValPtr<Ctx, std::int64_t> k) : k_(std::move(k)) {}
  bool eval(const Ctx& c, double& out) const noexcept override {
    std::int64_t v = 0;
    if (!k_->eval(c, v)) return false;
    out = static_cast<double>(v);
    return true;
  }
  ValPtr<Ctx, std::int64_t> k_;
};

/// + - * on integers; an overflow makes the result absent.
template <class Ctx>
struct IntArith final : IntNode<Ctx> {
  IntArith(ArithOp op, ValPtr<Ctx, std::int64_t> l, ValPtr<Ctx, std::int64_t> r)
      : op_(op), l_(std::move(l)), r_(std::move(r)) {}
  bool eval(const Ctx& c, std::int64_t& out) const noexcept override {
    std::int64_t a = 0, b = 0;
    if (!l_->eval(c, a) || !r_->eval(c, b)) return false;
    switch (op_) {
      case ArithOp::Add:
        return !__builtin_add_overflow(a, b, &out);
      case ArithOp::Sub:
        return !__builtin_sub_overflow(a, b, &out);
      case ArithOp::Mul:
        return !__builtin_mul_overflow(a, b, &out);
      case ArithOp::Div:
        break;  // division is always done on doubles
    }
    return false;
  }
  ArithOp op_;
  ValPtr<Ctx, std::int64_t> l_, r_;
};

/// + - * / on doubles; division by zero or a non-finite result is absent.
template <class Ctx>
struct NumArith final : NumNode<Ctx> {
  NumArith(ArithOp op, ValPtr<Ctx, double> l, ValPtr<Ctx, double> r)
      : op_(op), l_(std::move(l)), r_(std::move(r)) {}
  bool eval(const Ctx& c, double& out) const noexcept override {
    double a = 0, b = 0;
    if (!l_->eval(c, a) || !r_->eval(c, b)) return false;
    switch (op_) {
      case ArithOp::Add:
        out = a + b;
        break;
      case ArithOp::Sub:
        out = a - b;
        break;
      case ArithOp::Mul:
        out = a * b;
        break;
      case ArithOp::Div:
        if (b == 0) return false;
        out = a / b;
        break;
    }
    return std::isfinite(out);
  }
  ArithOp op_;
  ValPtr<Ctx, double> l_, r_;
};

template <class Ctx>
struct IntNeg final : IntNode<Ctx> {
  explicit IntNeg(ValPtr<Ctx, std::int64_t> k) : k_(std::move(k)) {}
  bool eval(const Ctx& c, std::int64_t& out) const noexcept override {
    std::int64_t v = 0;
    if (!k_->eval(c, v)) return false;
    return !__builtin_sub_overflow(std::int64_t{0}, v, &out);
  }
  ValPtr<Ctx, std::int64_t> k_;
};

template <class Ctx>
struct NumNeg final : NumNode<Ctx> {
  explicit NumNeg(ValPtr<Ctx, double> k) : k_(std::move(k)) {}
  bool eval(const Ctx& c, double& out) const noexcept override {
    double v = 0;
    if (!k_->eval(c, v)) return false;
    out = -v;
    return true;
  }
  ValPtr<Ctx, double> k_;
};

// ---- functions ----------------------------------------------------------------------------

template <class Ctx>
struct LenNode final : IntNode<Ctx> {
  explicit LenNode(ValPtr<Ctx, std::string_view> k) : k_(std::move(k)) {}
  bool eval(const Ctx& c, std::int64_t& out) const noexcept override {
    std::string_view v;
    if (!k_->eval(c, v)) return false;
    out = static_cast<std::int64_t>(v.size());
    return true;
  }
  ValPtr<Ctx, std::string_view> k_;
};

inline std::uint64_t load8(const char* p) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

/// 0x80 in every byte of w that is an ASCII uppercase letter, 0 elsewhere (SWAR; no byte
/// carries into the next because each is first reduced to 7 bits).
inline std::uint64_t upper_mask(std::uint64_t w) noexcept {
  constexpr std::uint64_t k01 = 0x0101010101010101ULL;
  constexpr std::uint64_t k7f = 0x7f * k01;
  constexpr std::uint64_t k80 = 0x80 * k01;
  std::uint64_t low7 = w & k7f;
  std::uint64_t ge_a = low7 + (0x80 - 'A') * k01;  // high bit set where byte >= 'A'
  std::uint64_t gt_z = low7 + (0x7f - 'Z') * k01;  // high bit set where byte > 'Z'
  return (ge_a ^ gt_z) & ~w & k80;
}

/// ASCII lowercase (bytes >= 0x80 are kept as they are).
template <class Ctx>
struct LowerNode final : StrNode<Ctx> {
  explicit LowerNode(ValPtr<Ctx, std::string_view> k) : k_(std::move(k)) {}
  bool eval(const Ctx& c, std::string_view& out) const noexcept override {
    std::string_view v;
    if (!k_->eval(c, v)) return false;
    // Skip the leading 8-byte words without an uppercase letter; none at all (the usual
    // case for paths): no copy.
    std::size_t first = 0;
    while (first + 8 <= v.size() && upper_mask(load8(v.data() + first)) == 0) first += 8;
    while (first < v.size() && !(v[first] >= 'A' && v[first] <= 'Z')) ++first;
    if (first == v.size()) {
      out = v;
      return true;
    }
    char* p = EvalArena::local().alloc(v.size());
    if (p == nullptr) return false;
    std::memcpy(p, v.data(), first);
    std::size_t k = first;
    for (; k + 8 <= v.size(); k += 8) {
      std::uint64_t w = load8(v.data() + k);
      w |= upper_mask(w) >> 2;  // 0x80 >> 2 == 0x20, the ASCII case bit
      std::memcpy(p + k, &w, 8);
    }
    for (; k < v.size(); ++k) {
      char ch = v[k];
      p[k] = ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch + ('a' - 'A')) : ch;
    }
    out = std::string_view(p, v.size());
    return true;
  }
  ValPtr<Ctx, std::string_view> k_;
};

/// prefix(ip, v4_len, v6_len) as text: "203.0.113.0/24", "2001:db8:1:2::/64".
template <class Ctx>
struct PrefixNode final : StrNode<Ctx> {
  PrefixNode(ValPtr<Ctx, core::IpAddress> k, unsigned v4_len, unsigned v6_len)
      : k_(std::move(k)), v4_len_(v4_len), v6_len_(v6_len) {}
  bool eval(const Ctx& c, std::string_view& out) const noexcept override {
    core::IpAddress ip;
    if (!k_->eval(c, ip)) return false;
    bool v4 = ip.is_v4();
    unsigned len = v4 ? v4_len_ : v6_len_;
    IpBytes m = mask_bytes(ip.bytes(), v4 ? len + 96 : len);
    core::IpAddress net;
    static_assert(sizeof(core::IpAddress) == sizeof(IpBytes) &&
                  std::is_trivially_copyable_v<core::IpAddress>);
    std::memcpy(static_cast<void*>(&net), m.data(), m.size());
    char* p = EvalArena::local().alloc(core::kIpTextMax + 4);
    if (p == nullptr) return false;
    std::size_t n = net.format(p);
    p[n++] = '/';
    if (len >= 100) p[n++] = static_cast<char>('0' + len / 100);
    if (len >= 10) p[n++] = static_cast<char>('0' + (len / 10) % 10);
    p[n++] = static_cast<char>('0' + len % 10);
    out = std::string_view(p, n);
    return true;
  }
  ValPtr<Ctx, core::IpAddress> k_;
  unsigned v4_len_;
  unsigned v6_len_;
};

template <class Ctx>
struct CountryNode final : StrNode<Ctx> {
  CountryNode(ValPtr<Ctx, core::IpAddress> k, const enrich::GeoDb* geo)
      : k_(std::move(k)), geo_(geo) {}
  bool eval(const Ctx& c, std::string_view& out) const noexcept override {
    core::IpAddress ip;
    if (geo_ == nullptr || !k_->eval(c, ip)) return false;
    enrich::CountryCode cc = geo_->country(ip);
    if (!cc.known()) return false;
    char* p = EvalArena::local().alloc(2);
    if (p == nullptr) return false;
    std::memcpy(p, cc.view().data(), 2);
    out = std::string_view(p, 2);
    return true;
  }
  ValPtr<Ctx, core::IpAddress> k_;
  const enrich::GeoDb* geo_;
};

template <class Ctx>
struct AsnNode final : IntNode<Ctx> {
  AsnNode(ValPtr<Ctx, core::IpAddress> k, const enrich::GeoDb* geo) : k_(std::move(k)), geo_(geo) {}
  bool eval(const Ctx& c, std::int64_t& out) const noexcept override {
    core::IpAddress ip;
    if (geo_ == nullptr || !k_->eval(c, ip)) return false;
    std::uint32_t asn = geo_->asn(ip);
    if (asn == 0) return false;
    out = asn;
    return true;
  }
  ValPtr<Ctx, core::IpAddress> k_;
  const enrich::GeoDb* geo_;
};

}  // namespace bannin::ruleset::detail
