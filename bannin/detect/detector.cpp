#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <limits>
#include <unordered_map>

#include <bannin/core/hash.h>
#include <bannin/detect/detector.h>
#include <bannin/detect/sliding_hll.h>

namespace bannin::detect {

using model::Field;
using model::FieldType;
using model::FieldValue;
using ruleset::AggregateKind;

namespace {

// Windows are kept as kBuckets time buckets; a value counts while its bucket is among the
// last kBuckets. So a window's edge is exact to 1/16 of the window — enough for rates over
// minutes and hours, and 16 numbers per aggregate per group whatever the traffic.
constexpr std::size_t kBuckets = 16;

struct Buckets {
  std::array<std::int64_t, kBuckets> epoch{};  // bucket number held by each slot (-1 = none)
  std::array<double, kBuckets> value{};
  Buckets() { epoch.fill(-1); }

  static std::int64_t bucket_of(core::TimeNs ts, core::TimeNs width) { return ts / width; }
  double& at(core::TimeNs ts, core::TimeNs width, double init) {
    std::int64_t n = bucket_of(ts, width);
    std::size_t slot = static_cast<std::size_t>(n % static_cast<std::int64_t>(kBuckets));
    if (epoch[slot] != n) {
      epoch[slot] = n;
      value[slot] = init;
    }
    return value[slot];
  }
  template <typename Fold>
  double fold(core::TimeNs ts, core::TimeNs width, double init, Fold f) const {
    std::int64_t n = bucket_of(ts, width);
    double acc = init;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      if (epoch[i] >= 0 && epoch[i] > n - static_cast<std::int64_t>(kBuckets) && epoch[i] <= n) {
        acc = f(acc, value[i]);
      }
    }
    return acc;
  }
};

// Exact distinct count over the window: value hash -> last time seen, and a FIFO of
// insertions to expire old values in amortised O(1).
struct DistinctSet {
  std::unordered_map<std::uint64_t, core::TimeNs> last_seen;
  std::deque<std::pair<core::TimeNs, std::uint64_t>> fifo;

  void expire(core::TimeNs now, core::TimeNs window) {
    while (!fifo.empty() && fifo.front().first <= now - window) {
      auto [t, h] = fifo.front();
      fifo.pop_front();
      auto it = last_seen.find(h);
      if (it != last_seen.end() && it->second == t) last_seen.erase(it);
    }
  }
  // Returns false when the value was new and the cap refused it.
  bool add(std::uint64_t h, core::TimeNs ts, std::size_t cap) {
    auto it = last_seen.find(h);
    if (it == last_seen.end()) {
      if (last_seen.size() >= cap) return false;
      last_seen.emplace(h, ts);
    } else {
      it->second = ts;
    }
    fifo.emplace_back(ts, h);
    return true;
  }
  [[nodiscard]] std::size_t bytes() const {
    return last_seen.size() * 48 + fifo.size() * 16 + (hll ? sizeof(SlidingHll) : 0);
  }

  // Above kExactMax values the set becomes a sliding HyperLogLog (exact below, ≤ 2 % above).
  static constexpr std::size_t kExactMax = 1000;
  std::unique_ptr<SlidingHll> hll;

  void add_value(std::uint64_t h, core::TimeNs ts, core::TimeNs window, core::TimeNs width) {
    if (hll) {
      hll->add(SlidingHll::mix(h), ts, width);
      return;
    }
    expire(ts, window);
    add(h, ts, kExactMax + 1);
    if (last_seen.size() > kExactMax) {
      hll = std::make_unique<SlidingHll>();
      for (const auto& [v, seen] : last_seen) hll->add(SlidingHll::mix(v), seen, width);
      last_seen.clear();
      fifo.clear();
    }
  }
  double count(core::TimeNs ts, core::TimeNs window, core::TimeNs width) {
    if (hll) return hll->estimate(ts, width);
    expire(ts, window);
    return static_cast<double>(last_seen.size());
  }
};

struct AggState {
  Buckets a;  // count, matches, sums, min or max
  Buckets b;  // share: totals
  std::unique_ptr<DistinctSet> distinct;
};

struct Member {
  std::string text;  // the member value as findings print it (value_text)
  core::TimeNs window_start = 0;
  std::uint64_t hash = 0;  // hash_value() of the member, the key of spare marks
  std::uint32_t events = 0;
  core::TimeNs decided_at = std::numeric_limits<core::TimeNs>::min();
  bool decided = false;
};

struct Group {
  std::vector<AggState> aggs;
  std::vector<std::string> evidence;  // ring
  std::size_t evidence_next = 0;
  std::size_t evidence_count = 0;
  core::TimeNs last_ts = 0;
  core::TimeNs last_fire = 0;
  bool firing = false;
  std::vector<std::pair<Field, std::string>> key_values;
  std::unordered_map<std::string, Member> members;
};

std::uint64_t hash_value(const FieldValue& v) {
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

// Appends a value to a binary key (type tag, then length-prefixed bytes).
void append_key(std::string& key, const FieldValue* v) {
  if (v == nullptr) {
    key.push_back('\0');
    return;
  }
  key.push_back(static_cast<char>(1 + static_cast<int>(v->type)));
  switch (v->type) {
    case FieldType::Ip:
      key.append(reinterpret_cast<const char*>(v->ip.bytes().data()), 16);
      break;
    case FieldType::String: {
      auto n = static_cast<std::uint32_t>(v->s.size());
      key.append(reinterpret_cast<const char*>(&n), sizeof n);
      key.append(v->s);
      break;
    }
    case FieldType::Bool:
      key.push_back(v->b ? 1 : 0);
      break;
    default:
      key.append(reinterpret_cast<const char*>(&v->i), sizeof v->i);
      break;
  }
}

std::string value_text(const FieldValue* v) {
  if (v == nullptr) return {};
  switch (v->type) {
    case FieldType::Ip:
      return v->ip.to_string();
    case FieldType::String:
      return std::string(v->s);
    case FieldType::Bool:
      return v->b ? "true" : "false";
    default:
      return std::to_string(v->i);
  }
}

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

}  // namespace

struct Detector::RuleState {
  const ruleset::Rule* rule;
  std::shared_ptr<const ruleset::Rule> owner;
  core::TimeNs width;  // bucket width
  std::unordered_map<std::string, Group> groups;
  // hash of the member value -> last spare event (64-bit hashes: a collision could only
  // spare a source, never deny one)
  std::unordered_map<std::uint64_t, core::TimeNs> spared;
  std::string key_buf;     // group key of the current event (reused, no allocation per event)
  std::string member_buf;  // member key of the current event (reused likewise)
  std::vector<double> values;
};

Detector::Detector(std::vector<std::shared_ptr<const ruleset::Rule>> rules, DetectorOptions options)
    : by_kind_(model::kKindCount), options_(options) {
  for (auto& r : rules) {
    auto st = std::make_unique<RuleState>();
    st->rule = r.get();
    st->owner = r;
    st->width = std::max<core::TimeNs>(1, r->window / static_cast<core::TimeNs>(kBuckets));
    st->values.resize(r->aggregates.specs().size());
    for (model::EventKind k : r->when) by_kind_[static_cast<std::size_t>(k)].push_back(st.get());
    rules_.push_back(std::move(st));
  }
}

Detector::~Detector() = default;

namespace {
bool same_layout(const ruleset::Rule& a, const ruleset::Rule& b) {
  if (a.id != b.id || a.when != b.when || a.where_text != b.where_text ||
      a.group_by != b.group_by || a.window != b.window ||
      a.aggregates.texts() != b.aggregates.texts() ||
      a.campaign.has_value() != b.campaign.has_value()) {
    return false;
  }
  return !a.campaign || a.campaign->member_field == b.campaign->member_field;
}
}  // namespace

std::size_t Detector::adopt(Detector& old) {
  std::size_t kept = 0;
  for (auto& st : rules_) {
    for (auto& o : old.rules_) {
      if (o && same_layout(*st->rule, *o->rule)) {
        st->groups = std::move(o->groups);
        st->spared = std::move(o->spared);
        ++kept;
        break;
      }
    }
  }
  stats_ = old.stats_;
  old.stats_ = {};
  return kept;
}

void Detector::process(const model::Event& ev, std::string_view raw, FindingSink& sink) {
  ++stats_.events;
  const core::TimeNs ts = ev.ts();
  for (RuleState* st : by_kind_[static_cast<std::size_t>(ev.kind())]) {
    const ruleset::Rule& rule = *st->rule;
    const ruleset::CampaignSpec* camp = rule.campaign ? &*rule.campaign : nullptr;

    // Sources that behave like real users (a campaign's `spare`) are remembered for any
    // event of the rule's kinds, before `where`: the asset fetch that spares a real contact
    // form sender is not a POST to the form.
    const FieldValue* member_v = camp != nullptr ? ev.get(camp->member_field) : nullptr;
    if (member_v != nullptr && camp->spare && camp->spare->eval(ev)) {
      std::uint64_t h = hash_value(*member_v);
      if (st->spared.size() < options_.max_groups_per_rule || st->spared.contains(h)) {
        st->spared[h] = ts;
      }
    }

    if (rule.where && !rule.where->eval(ev)) continue;
    std::string& member_key = st->member_buf;
    member_key.clear();
    if (member_v != nullptr) append_key(member_key, member_v);
    ++stats_.matched;

    // Group lookup.
    std::string& key = st->key_buf;
    key.clear();
    for (Field f : rule.group_by) append_key(key, ev.get(f));
    auto it = st->groups.find(key);
    if (it == st->groups.end()) {
      if (st->groups.size() >= options_.max_groups_per_rule) {
        sweep(ts);
        if (st->groups.size() >= options_.max_groups_per_rule) {
          st->groups.erase(st->groups.begin());
          ++stats_.groups_evicted;
        }
      }
      it = st->groups.emplace(key, Group{}).first;
      Group& g = it->second;
      g.aggs.resize(rule.aggregates.specs().size());
      for (std::size_t i = 0; i < g.aggs.size(); ++i) {
        if (rule.aggregates.specs()[i].kind == AggregateKind::Distinct) {
          g.aggs[i].distinct = std::make_unique<DistinctSet>();
        }
      }
      for (Field f : rule.group_by) g.key_values.emplace_back(f, value_text(ev.get(f)));
      g.evidence.resize(rule.evidence);
    }
    Group& g = it->second;
    g.last_ts = ts;

    // Aggregates.
    const auto& specs = rule.aggregates.specs();
    for (std::size_t i = 0; i < specs.size(); ++i) {
      const ruleset::AggregateSpec& spec = specs[i];
      AggState& a = g.aggs[i];
      switch (spec.kind) {
        case AggregateKind::Count:
        case AggregateKind::Rate:
          a.a.at(ts, st->width, 0) += 1;
          break;
        case AggregateKind::Share:
          a.b.at(ts, st->width, 0) += 1;
          if (spec.predicate && spec.predicate->eval(ev)) a.a.at(ts, st->width, 0) += 1;
          break;
        case AggregateKind::Distinct:
          if (const FieldValue* v = ev.get(*spec.field)) {
            a.distinct->add_value(hash_value(*v), ts, rule.window, st->width);
          }
          break;
        case AggregateKind::Sum:
          if (auto x = numeric(ev.get(*spec.field))) a.a.at(ts, st->width, 0) += *x;
          break;
        case AggregateKind::Min:
          if (auto x = numeric(ev.get(*spec.field))) {
            double& m = a.a.at(ts, st->width, std::numeric_limits<double>::infinity());
            m = std::min(m, *x);
          }
          break;
        case AggregateKind::Max:
          if (auto x = numeric(ev.get(*spec.field))) {
            double& m = a.a.at(ts, st->width, -std::numeric_limits<double>::infinity());
            m = std::max(m, *x);
          }
          break;
      }
    }

    // Evidence ring.
    if (!g.evidence.empty()) {
      g.evidence[g.evidence_next].assign(raw);
      g.evidence_next = (g.evidence_next + 1) % g.evidence.size();
      g.evidence_count = std::min(g.evidence_count + 1, g.evidence.size());
    }

    // Campaign members.
    Member* member = nullptr;
    if (camp != nullptr && member_v != nullptr && (!camp->members || camp->members->eval(ev))) {
      auto mit = g.members.find(member_key);
      if (mit == g.members.end() && g.members.size() >= camp->max_members) {
        // Drop members not seen for a window before refusing a new one.
        std::erase_if(g.members, [&](const auto& kv) {
          return kv.second.window_start + rule.window < ts && !kv.second.decided;
        });
        if (g.members.size() >= camp->max_members) ++stats_.members_cut;
      }
      if (mit == g.members.end() && g.members.size() < camp->max_members) {
        Member fresh;
        fresh.window_start = ts;
        fresh.hash = hash_value(*member_v);
        fresh.text = value_text(member_v);
        mit = g.members.emplace(member_key, fresh).first;
      }
      if (mit != g.members.end()) {
        member = &mit->second;
        if (ts - member->window_start > rule.window) {
          member->window_start = ts;
          member->events = 0;
        }
        ++member->events;
      }
    }

    // Fire condition.
    for (std::size_t i = 0; i < specs.size(); ++i) {
      const AggState& a = g.aggs[i];
      double v = 0;
      switch (specs[i].kind) {
        case AggregateKind::Count:
        case AggregateKind::Sum:
          v = a.a.fold(ts, st->width, 0.0, [](double x, double y) { return x + y; });
          break;
        case AggregateKind::Rate:
          v = a.a.fold(ts, st->width, 0.0, [](double x, double y) { return x + y; }) /
              (static_cast<double>(rule.window) / 1e9);
          break;
        case AggregateKind::Share: {
          double total = a.b.fold(ts, st->width, 0.0, [](double x, double y) { return x + y; });
          double hits = a.a.fold(ts, st->width, 0.0, [](double x, double y) { return x + y; });
          v = total > 0 ? hits / total : 0.0;
          break;
        }
        case AggregateKind::Distinct:
          v = std::round(a.distinct->count(ts, rule.window, st->width));
          break;
        case AggregateKind::Min:
          v = a.a.fold(ts, st->width, std::numeric_limits<double>::infinity(),
                       [](double x, double y) { return std::min(x, y); });
          break;
        case AggregateKind::Max:
          v = a.a.fold(ts, st->width, -std::numeric_limits<double>::infinity(),
                       [](double x, double y) { return std::max(x, y); });
          break;
      }
      st->values[i] = v;
    }
    bool cond = rule.fire && rule.fire->eval(st->values);
    if (!cond) {
      g.firing = false;
      continue;
    }

    // A source is spared when it behaved like a real user within a window before (or at any
    // time after) the start of its current member window.
    auto spared = [&](const Member& m) {
      auto sit = st->spared.find(m.hash);
      return sit != st->spared.end() && sit->second + rule.window >= m.window_start;
    };
    auto qualifies = [&](const Member& m) {
      bool due = !m.decided || (camp->then.ttl > 0 && ts - m.decided_at >= camp->then.ttl);
      return due && m.events >= camp->min_events && ts - m.window_start <= rule.window &&
             !spared(m);
    };
    std::vector<std::string> members;  // decided with this finding
    auto decide_member = [&](Member& m) {
      m.decided = true;
      m.decided_at = ts;
      members.push_back(m.text);
    };

    bool rising = !g.firing || ts - g.last_fire >= rule.window;
    bool update = false;
    if (rising) {
      g.firing = true;
      g.last_fire = ts;
      if (camp != nullptr) {
        for (auto& [mkey, m] : g.members) {
          if (qualifies(m)) decide_member(m);
        }
      }
    } else if (member != nullptr && qualifies(*member)) {
      decide_member(*member);
      update = true;
    } else {
      continue;
    }
    Finding f;
    f.members = std::move(members);
    f.campaign_update = update;
    f.rule = &rule;
    f.ts = ts;
    f.group = g.key_values;
    for (std::size_t i = 0; i < specs.size(); ++i) {
      f.numbers.emplace_back(rule.aggregates.texts()[i], st->values[i]);
    }
    for (std::size_t i = 0; i < g.evidence_count; ++i) {
      std::size_t idx =
          (g.evidence_next + g.evidence.size() - g.evidence_count + i) % g.evidence.size();
      f.evidence.push_back(g.evidence[idx]);
    }
    ++stats_.findings;
    sink.on_finding(f);
  }

  if (++since_sweep_ >= 65536) {
    since_sweep_ = 0;
    sweep(ts);
  }
}

// Drops groups (and spared sources) whose window has passed without events: they hold no
// information a later event could use. Also refreshes the memory estimate, and when over
// budget drops the least recently active groups, counting them.
void Detector::sweep(core::TimeNs now) {
  std::size_t bytes = 0;
  for (auto& st : rules_) {
    core::TimeNs keep = st->rule->window;
    if (st->rule->campaign) keep = std::max(keep, st->rule->campaign->then.ttl);
    std::erase_if(st->groups, [&](const auto& kv) { return kv.second.last_ts + keep < now; });
    // Spare marks live two windows: one before a member's window starts and one during it.
    std::erase_if(st->spared,
                  [&](const auto& kv) { return kv.second + 2 * st->rule->window < now; });
    for (const auto& [k, g] : st->groups) {
      bytes += sizeof(Group) + k.size() + 64 + g.aggs.size() * sizeof(AggState);
      for (const auto& a : g.aggs) {
        if (a.distinct) bytes += a.distinct->bytes();
      }
      for (const auto& e : g.evidence) bytes += e.capacity();
      bytes += g.members.size() * (sizeof(Member) + 64);
    }
    bytes += st->spared.size() * 64;
  }
  if (bytes > options_.memory_budget) {
    // Over budget: drop the oldest groups of every rule until under (counted).
    for (auto& st : rules_) {
      std::vector<std::pair<core::TimeNs, const std::string*>> order;
      for (const auto& [k, g] : st->groups) order.emplace_back(g.last_ts, &k);
      std::sort(order.begin(), order.end());
      std::size_t drop = order.size() / 2;
      std::vector<std::string> victims;
      for (std::size_t i = 0; i < drop; ++i) victims.push_back(*order[i].second);
      for (const auto& k : victims) st->groups.erase(k);
      stats_.groups_evicted += drop;
    }
  }
  stats_.memory_bytes = bytes;
  stats_.peak_memory_bytes = std::max(stats_.peak_memory_bytes, bytes);
}

}  // namespace bannin::detect
