// The rule expression language, compiled once to a tree of typed nodes (never interpreted
// from text per event). Two uses:
//   - event predicates  (`where`, a campaign's `members`, the argument of share()):
//       method == "POST" and path in ["/contact/", "/contact"] and country not in $home_countries
//   - aggregate conditions (`fire`), over the aggregates of one group in its window:
//       distinct(src_ip) >= $min_sources and share(country not in $home_countries) >= 0.6
// Grammar, operators and functions are documented in docs/rules.md.
//
// Compiling never throws: problems come back as Diagnostics with the column inside the
// expression text (the rule loader adds file and line). Evaluation never throws and never
// allocates on the hot path. Compiled objects are immutable and may be shared across threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/model/event.h>

namespace bannin::enrich {
class GeoDb;
}

namespace bannin::ruleset {

/// One problem found while compiling an expression or loading a rule.
struct Diagnostic {
  std::string code;          ///< stable, e.g. "unknown_field", "type_mismatch", "syntax"
  std::string message;       ///< for people, names the offending snippet
  std::uint32_t offset = 0;  ///< 0-based byte offset inside the expression text
};

/// A `$name` parameter or named list: a scalar or a list of scalars. Strings that parse as
/// IP addresses or CIDRs are usable as such (`src_ip in $allowlist`).
struct ParamValue {
  std::vector<std::string> items;  ///< one item for a scalar
  bool is_list = false;
};
using Params = std::map<std::string, ParamValue, std::less<>>;

/// A compiled event predicate.
class Predicate {
 public:
  virtual ~Predicate() = default;
  [[nodiscard]] virtual bool eval(const model::Event& ev) const noexcept = 0;
  /// Fields the predicate reads (lets the engine skip rules cheaply, and explain them).
  [[nodiscard]] virtual std::vector<model::Field> fields() const = 0;
};

/// The aggregates a `fire` condition uses; the detector keeps one state per spec per group.
enum class AggregateKind : std::uint8_t {
  Count,      ///< count(): events in the window
  Distinct,   ///< distinct(field): distinct values of field in the window
  Share,      ///< share(predicate): fraction of the window's events matching predicate, 0..1
  Sum,        ///< sum(field): sum of an int/duration field
  Rate,       ///< rate(): events per second over the window
  Min,        ///< min(field)
  Max,        ///< max(field)
  Baseline,   ///< baseline(A): the usual value of aggregate A for this group, learned (NaN while
              ///< learning)
  Deviation,  ///< deviation(A): how far A is from its baseline, in robust deviations (0 while
              ///< learning)
};

struct AggregateSpec {
  AggregateKind kind = AggregateKind::Count;
  std::optional<model::Field> field;           ///< Distinct, Sum, Min, Max
  std::shared_ptr<const Predicate> predicate;  ///< Share
  std::shared_ptr<const AggregateSpec> inner;  ///< Baseline, Deviation: the aggregate A learned
};

/// Collects the aggregates a condition uses, deduplicated (two `count()` share a slot).
class AggregateRegistry {
 public:
  /// Returns the slot index of spec (new or existing).
  std::size_t add(AggregateSpec spec, std::string_view text);
  [[nodiscard]] const std::vector<AggregateSpec>& specs() const noexcept { return specs_; }
  [[nodiscard]] const std::vector<std::string>& texts() const noexcept { return texts_; }

 private:
  std::vector<AggregateSpec> specs_;
  std::vector<std::string> texts_;  ///< e.g. "distinct(src_ip)", for findings' "numbers"
};

/// The aggregate values of one group, computed when a condition first reads them: the
/// detector evaluates `count() >= 100 and distinct(sender) >= 20` without counting senders
/// while fewer than 100 events are in the window (docs/decisions/2026-12-08-detect-speed.md).
class AggregateValues {
 public:
  virtual ~AggregateValues() = default;
  [[nodiscard]] virtual std::size_t size() const noexcept = 0;
  /// The current value of registry slot i (i < size()), computed once.
  [[nodiscard]] virtual double get(std::size_t i) noexcept = 0;
};

/// A compiled `fire` condition: a boolean over the current aggregate values of one group.
class Condition {
 public:
  virtual ~Condition() = default;
  /// values[i] is the current value of registry slot i.
  [[nodiscard]] virtual bool eval(std::span<const double> values) const noexcept = 0;
  /// The same, reading only the slots the evaluation reaches (`and`/`or` stop early).
  [[nodiscard]] virtual bool eval(AggregateValues& values) const noexcept = 0;
};

struct CompileEnv {
  const Params* params = nullptr;      ///< $name lookups; nullptr = none defined
  const enrich::GeoDb* geo = nullptr;  ///< for country(expr)/asn(expr); may be nullptr
};

template <typename T>
struct Compiled {
  std::unique_ptr<T> value;             ///< null when diagnostics has an error
  std::vector<Diagnostic> diagnostics;  ///< every problem found, not only the first
};

Compiled<Predicate> compile_predicate(std::string_view text, const CompileEnv& env);
Compiled<Condition> compile_condition(std::string_view text, const CompileEnv& env,
                                      AggregateRegistry& aggregates);

}  // namespace bannin::ruleset
