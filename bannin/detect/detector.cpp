#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <memory>
#include <unordered_map>

#include <bannin/detect/aggregates.h>
#include <bannin/detect/detector.h>
#include <bannin/detect/key_table.h>
#include <bannin/detect/lru_list.h>

namespace bannin::detect {

using model::Field;
using model::FieldType;
using model::FieldValue;

namespace {

// How long a rule with baseline() keeps an idle group (its learned history).
constexpr core::TimeNs kBaselineKeep = 8LL * 86'400 * 1'000'000'000;

// Windows are kept as kBuckets time buckets (see BucketRing).
constexpr std::size_t kBuckets = BucketRing<std::uint32_t>::kBuckets;

// Heap bytes glibc's malloc takes for a request of n bytes (8 bytes of header, 16-byte
// chunks, 32 at least): the memory estimate counts what the process pays, not sizeof.
constexpr std::size_t chunk(std::size_t n) {
  return std::max<std::size_t>(32, (n + 8 + 15) & ~15u);
}
std::size_t string_heap(const std::string& s) {
  return s.capacity() > 15 ? chunk(s.capacity() + 1) : 0;  // libstdc++ keeps 15 chars inline
}

// Binary keys: per value a type tag, then its bytes. IPv4 addresses (the common case) take
// 4 bytes under their own tag instead of 16, so a (src_ip, service) key fits the string's
// inline buffer and costs no allocation.
constexpr char kTagAbsent = 0;
constexpr char kTagV4 = 0x40;

void append_key(std::string& key, const FieldValue* v) {
  if (v == nullptr) {
    key.push_back(kTagAbsent);
    return;
  }
  if (v->type == FieldType::Ip && v->ip.is_v4()) {
    key.push_back(kTagV4);
    std::uint32_t a = v->ip.v4();
    key.append(reinterpret_cast<const char*>(&a), sizeof a);
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

// Reads back one value written by append_key (keys are only ever made by append_key, so
// they are well formed). Returns false for an absent value.
bool read_key(std::string_view& in, FieldValue& out) {
  char tag = in.front();
  in.remove_prefix(1);
  if (tag == kTagAbsent) return false;
  if (tag == kTagV4) {
    std::uint32_t a = 0;
    std::memcpy(&a, in.data(), sizeof a);
    in.remove_prefix(sizeof a);
    out.type = FieldType::Ip;
    out.ip = core::IpAddress::from_v4(a);
    return true;
  }
  out.type = static_cast<FieldType>(tag - 1);
  switch (out.type) {
    case FieldType::Ip: {
      std::array<std::uint8_t, 16> b{};
      std::memcpy(b.data(), in.data(), 16);
      in.remove_prefix(16);
      out.ip = core::IpAddress::from_bytes(b);
      break;
    }
    case FieldType::String: {
      std::uint32_t n = 0;
      std::memcpy(&n, in.data(), sizeof n);
      in.remove_prefix(sizeof n);
      out.s = in.substr(0, n);
      in.remove_prefix(n);
      break;
    }
    case FieldType::Bool:
      out.b = in.front() != 0;
      in.remove_prefix(1);
      break;
    default:
      std::memcpy(&out.i, in.data(), sizeof out.i);
      in.remove_prefix(sizeof out.i);
      break;
  }
  return true;
}

std::string value_text(const FieldValue& v) {
  switch (v.type) {
    case FieldType::Ip:
      return v.ip.to_string();
    case FieldType::String:
      return std::string(v.s);
    case FieldType::Bool:
      return v.b ? "true" : "false";
    default:
      return std::to_string(v.i);
  }
}

// A campaign member: one source seen in a group. Its text and value hash are not stored; they
// are read back from its key when a finding needs them. The key (one value: an IPv4 address
// in 5 bytes, IPv6 in 17) is inline.
struct Member {
  LruHook<Member> hook;
  CompactKey<24> key;
  std::uint32_t hash = 0;  // KeyTable's
  std::uint32_t id = 0;    // KeyTable's
  core::TimeNs window_start = 0;
  core::TimeNs decided_at = std::numeric_limits<core::TimeNs>::min();
  std::uint32_t events = 0;
  bool decided = false;
  bool held = false;  // in Members::held, else in Members::open
};

// A campaign group's members in two lists. `open`: undecided members (and decided ones whose
// ttl had passed when their window restarted), by window start — a member whose window has
// passed without a decision is the same as an absent one, so they are popped from the front.
// `held`: decided members, by decision time; they stay while their decision holds (ttl) so
// that a member is decided once per ttl, exactly as before.
struct Members {
  KeyTable<Member> map;
  LruList<Member> open;
  LruList<Member> held;
};

// The last `cap` raw lines of a group, the oldest overwritten first. The first line is held in
// the ring itself (FirstLine) and the others in a vector from the second line on: most groups
// of a many-source day see one line, which then costs no allocation.
class EvidenceRing {
  // The first line: up to kInline bytes in place (an sshd or mail line), longer on the heap.
  class FirstLine {
   public:
    static constexpr std::size_t kInline = 120;
    // A long line goes to a heap buffer that is kept and reused by the next long line that
    // fits: a full ring overwrites its first line every `cap` events.
    void assign(std::string_view s) {
      if (s.size() > kInline) {
        if (s.size() > long_cap_) {
          long_ = std::make_unique<char[]>(s.size());
          long_cap_ = static_cast<std::uint32_t>(s.size());
        }
        std::memcpy(long_.get(), s.data(), s.size());
        is_long_ = true;
      } else {
        if (!s.empty()) std::memcpy(inline_.data(), s.data(), s.size());
        is_long_ = false;
      }
      size_ = static_cast<std::uint32_t>(s.size());
    }
    [[nodiscard]] std::string_view view() const noexcept {
      return {is_long_ ? long_.get() : inline_.data(), size_};
    }
    [[nodiscard]] std::size_t heap_bytes() const noexcept { return long_ ? chunk(long_cap_) : 0; }

   private:
    std::array<char, kInline> inline_;
    std::uint32_t size_ = 0;
    std::uint32_t long_cap_ = 0;
    bool is_long_ = false;
    std::unique_ptr<char[]> long_;
  };

 public:
  void add(std::string_view raw, std::size_t cap) {
    if (size_ < cap) {
      if (size_ != 0) {
        // A group that sees a second line usually sees more: room for all at once (one
        // allocation, not one per doubling).
        if (more_.capacity() == 0) more_.reserve(cap - 1);
        more_.emplace_back(raw);
      } else {
        first_.assign(raw);
      }
      ++size_;
    } else {
      if (next_ == 0) {
        first_.assign(raw);
      } else {
        more_[next_ - 1].assign(raw);
      }
      next_ = static_cast<std::uint32_t>((next_ + 1) % cap);
    }
  }
  /// Calls f(line) oldest first. Until the ring is full it is in order; then it starts at the
  /// slot the next line would overwrite.
  template <typename F>
  void for_each(std::size_t cap, F f) const {
    const std::size_t first = size_ < cap ? 0 : next_;
    for (std::size_t i = 0; i < size_; ++i) {
      const std::size_t k = (first + i) % size_;
      f(k == 0 ? first_.view() : std::string_view(more_[k - 1]));
    }
  }
  [[nodiscard]] std::size_t heap_bytes() const {
    std::size_t b = first_.heap_bytes();
    if (more_.capacity() != 0) b += chunk(more_.capacity() * sizeof(std::string));
    for (const auto& e : more_) b += string_heap(e);
    return b;
  }

 private:
  FirstLine first_;
  std::vector<std::string> more_;
  std::uint32_t size_ = 0;
  std::uint32_t next_ = 0;  // slot the next line goes to once the ring is full
};

struct Group {
  LruHook<Group> hook;
  CompactKey<32> key;      // group_by values; (IPv6 address, service) is inline
  std::uint32_t hash = 0;  // KeyTable's
  std::uint32_t id = 0;    // KeyTable's
  core::TimeNs last_ts = 0;
  core::TimeNs last_fire = 0;
  AggregateBlock aggs;               // one per rule.aggregates.specs()
  EvidenceRing evidence;             // up to rule.evidence lines
  std::unique_ptr<Members> members;  // campaign rules, from the first member
  std::size_t bytes = 0;             // this group's part of RuleState::bytes
  bool firing = false;
  std::string reset_match;  // rules with `reset: match`: those fields of the last counted event
};

// A source that behaved like a real user (a campaign's `spare`), keyed by value_hash (64-bit:
// a collision could only spare a source, never deny one).
struct SpareMark {
  LruHook<SpareMark> hook;
  std::uint64_t hash = 0;
  core::TimeNs ts = 0;
};

constexpr std::size_t kSpareBytes =
    chunk(sizeof(std::pair<const std::uint64_t, SpareMark>) + 16) + 8;

}  // namespace

// One rule's state: its groups and spare marks, each in a map (lookup) and a list in touch
// order (expiry and eviction). Owned by the Detector; moved to a new Detector by adopt().
struct Detector::RuleState {
  const ruleset::Rule* rule;
  std::shared_ptr<const ruleset::Rule> owner;
  core::TimeNs width;  // bucket width
  core::TimeNs keep;   // a group idle this long holds nothing a later event could use
  std::vector<AggregateContext> ctx;
  KeyTable<Group> groups;
  LruList<Group> lru;
  std::unordered_map<std::uint64_t, SpareMark> spared;
  LruList<SpareMark> spare_lru;
  std::size_t bytes = 0;    // memory estimate of groups, members and marks
  std::size_t members = 0;  // campaign members over all groups
  // Group key of the current event: the buffer of the rule's key class (Detector::KeyClass:
  // rules with the same group_by share one key per event), or key_buf after captures.
  const std::string* key = nullptr;
  std::uint32_t key_hash = 0;  // its key_hash
  std::size_t key_class = 0;   // index into Detector::key_classes_
  bool passes = false;         // the current event passed `where` (process() evaluates it once)
  std::string key_buf;         // key of a rule with captures (reused, no allocation per event)
  std::string member_buf;      // member key of the current event (reused likewise)
  std::string match_buf;       // `reset: match` key of the current event (reused likewise)
  std::vector<double> values;
  std::vector<char> ready;  // values[i] computed for the current event (LazyValuesOf)
  std::shared_ptr<RuleCounters> counters;   // never null; shared with the daemon (API reads)
  std::vector<std::size_t> baseline_slots;  // slots of baseline()/deviation() aggregates
  // Learned baselines read back from a file (load_baselines), waiting for their group's next
  // event: "slot text \x1f group key" -> saved state.
  std::unordered_map<std::string, std::string> restored;

  [[nodiscard]] std::size_t keys() const { return groups.size() + members + spared.size(); }

  // Gives a new group the baselines saved for its key (load_baselines), once.
  void restore_baselines(Group& g) {
    std::string k;
    for (std::size_t i : baseline_slots) {
      k.assign(rule->aggregates.texts()[i]);
      k += '\x1f';
      k.append(g.key.view());
      auto it = restored.find(k);
      if (it == restored.end()) continue;
      if (BaselineAggregate* b = g.aggs.baseline(i)) (void)b->load(it->second, ctx[i]);
      restored.erase(it);
    }
  }

  // The memory estimate of one group: its table entry and index slots (at most 3/4 full, so
  // 8 bytes of index per entry count as 16), key, aggregates, evidence and members.
  [[nodiscard]] std::size_t group_bytes(const Group& g) const {
    std::size_t b = sizeof(Group) + 16 + (g.key.heap_bytes() ? chunk(g.key.heap_bytes()) : 0) +
                    chunk(g.aggs.block_bytes()) + g.aggs.heap_bytes() + string_heap(g.reset_match);
    b += g.evidence.heap_bytes();
    if (g.members) {
      b += chunk(sizeof(Members)) + g.members->map.table_bytes();
    }
    return b;
  }
  void reaccount(Group& g) {
    std::size_t now = group_bytes(g);
    bytes = bytes - g.bytes + now;
    g.bytes = now;
  }
  void drop_group(Group& g) {
    lru.erase(g);
    bytes -= g.bytes;
    if (g.members) members -= g.members->map.size();
    groups.erase(g);
  }
  void drop_member(Group& g, Member& m) {
    (m.held ? g.members->held : g.members->open).erase(m);
    g.members->map.erase(m);
    --members;
  }

  // The steps of Detector::process_rule, in its order.

  // A campaign's `spare`: the source behaved like a real user at ts (at most `max` marks;
  // more are counted and not kept).
  void remember_spare(const FieldValue& member, core::TimeNs ts, std::size_t max,
                      DetectorStats& stats) {
    const std::uint64_t h = value_hash(member);
    if (auto sit = spared.find(h); sit != spared.end()) {
      sit->second.ts = ts;
      spare_lru.move_to_back(sit->second);
    } else if (spared.size() < max) {
      SpareMark& m = spared[h];
      m.hash = h;
      m.ts = ts;
      spare_lru.push_back(m);
      bytes += kSpareBytes;
    } else {
      ++stats.spares_cut;
    }
  }

  // The group of the current event's key (made by process(), or after captures); a new one
  // when absent, after giving up the stalest group of a full table (counted).
  Group& group_of_key(std::size_t max_groups, DetectorStats& stats) {
    Group* gp = groups.find(*key, key_hash);
    if (gp != nullptr) {
      lru.move_to_back(*gp);
      return *gp;
    }
    if (groups.size() >= max_groups && !lru.empty()) {
      drop_group(*lru.front());
      ++stats.groups_evicted;
      bump(counters->groups_evicted);
    }
    gp = &groups.insert(*key, key_hash);
    gp->aggs = AggregateBlock(rule->aggregates.specs());
    if (!restored.empty()) restore_baselines(*gp);
    lru.push_back(*gp);
    return *gp;
  }

  // Counts the current event for its campaign member (member_buf, hash member_h) in g: the
  // member, or null when the group's member table is full (counted; every member still
  // counts in the aggregates, the new one is only not tracked).
  Member* count_member(Group& g, std::uint32_t member_h, core::TimeNs ts, DetectorStats& stats) {
    const ruleset::CampaignSpec& camp = *rule->campaign;
    if (!g.members) g.members = std::make_unique<Members>();
    Members& ms = *g.members;
    // Members whose window passed without a decision, and decided ones whose ttl and window
    // have both passed, are the same as absent ones: drop them, oldest first.
    while (Member* m = ms.open.front()) {
      if (m->window_start + rule->window >= ts) break;
      drop_member(g, *m);
    }
    while (Member* m = ms.held.front()) {
      bool due = camp.then.ttl > 0 && ts - m->decided_at >= camp.then.ttl;
      if (!due || m->window_start + rule->window >= ts) break;
      drop_member(g, *m);
    }
    Member* member = ms.map.find(member_buf, member_h);
    if (member == nullptr) {
      if (ms.map.size() >= camp.max_members) {
        ++stats.members_cut;
        bump(counters->members_cut);
        return nullptr;
      }
      member = &ms.map.insert(member_buf, member_h);
      member->window_start = ts;
      ms.open.push_back(*member);
      ++members;
    }
    if (ts - member->window_start > rule->window) {
      member->window_start = ts;
      member->events = 0;
      bool due = camp.then.ttl > 0 && ts - member->decided_at >= camp.then.ttl;
      if (!member->held) {
        ms.open.move_to_back(*member);
      } else if (due) {
        ms.held.erase(*member);
        member->held = false;
        ms.open.push_back(*member);
      }
    }
    ++member->events;
    return member;
  }

  // The fire condition held for g at ts: whether that is a finding, and the campaign members
  // it decides on. A group that starts firing (or fires again a window after its last
  // finding) is a finding with every member that qualifies; while it keeps firing, only a
  // member that qualifies now makes one (`update`). False: no finding.
  bool decide_members(Group& g, Member* member, core::TimeNs ts, std::vector<std::string>& decided,
                      bool& update) {
    const ruleset::CampaignSpec* camp = rule->campaign ? &*rule->campaign : nullptr;
    // A source is spared when it behaved like a real user within a window before (or at any
    // time after) the start of its current member window.
    auto spared_member = [&](const Member& m) {
      std::string_view k = m.key.view();
      FieldValue v;
      if (!read_key(k, v)) return false;
      auto sit = spared.find(value_hash(v));
      return sit != spared.end() && sit->second.ts + rule->window >= m.window_start;
    };
    auto qualifies = [&](const Member& m) {
      bool due = !m.decided || (camp->then.ttl > 0 && ts - m.decided_at >= camp->then.ttl);
      return due && m.events >= camp->min_events && ts - m.window_start <= rule->window &&
             !spared_member(m);
    };
    auto decide = [&](Member& m) {
      m.decided = true;
      m.decided_at = ts;
      (m.held ? g.members->held : g.members->open).erase(m);
      m.held = true;
      g.members->held.push_back(m);
      std::string_view k = m.key.view();
      FieldValue v;
      decided.push_back(read_key(k, v) ? value_text(v) : std::string());
    };
    update = false;
    if (!g.firing || ts - g.last_fire >= rule->window) {
      g.firing = true;
      g.last_fire = ts;
      if (camp != nullptr && g.members) {
        // Only members whose window is still open can qualify: walk `open` back from its
        // newest window start, then the decided members whose ttl has passed.
        std::vector<Member*> picked;
        for (Member* m = g.members->open.back(); m != nullptr; m = m->hook.prev) {
          if (ts - m->window_start > rule->window) break;
          if (qualifies(*m)) picked.push_back(m);
        }
        std::reverse(picked.begin(), picked.end());  // oldest window first
        for (Member* m = g.members->held.front(); m != nullptr; m = m->hook.next) {
          if (camp->then.ttl <= 0 || ts - m->decided_at < camp->then.ttl) break;
          if (qualifies(*m)) picked.push_back(m);
        }
        for (Member* m : picked) decide(*m);
      }
      return true;
    }
    if (member != nullptr && qualifies(*member)) {
      decide(*member);
      update = true;
      return true;
    }
    return false;
  }

  // The finding of group g at ts (values: the aggregates read for this event).
  [[nodiscard]] Finding finding_of(const Group& g, core::TimeNs ts,
                                   std::vector<std::string> decided, bool update) const {
    Finding f;
    f.members = std::move(decided);
    f.campaign_update = update;
    f.rule = rule;
    f.ts = ts;
    std::string_view k = g.key.view();
    for (Field field : rule->group_by) {
      FieldValue v;
      f.group.emplace_back(field, read_key(k, v) ? value_text(v) : std::string());
    }
    for (std::size_t i = 0; i < ctx.size(); ++i) {
      f.numbers.emplace_back(rule->aggregates.texts()[i], values[i]);
    }
    g.evidence.for_each(rule->evidence,
                        [&](std::string_view line) { f.evidence.emplace_back(line); });
    return f;
  }
};

Detector::Detector(const std::vector<std::shared_ptr<const ruleset::Rule>>& rules,
                   DetectorOptions options)
    : by_kind_(model::kKindCount),
      options_(std::move(options)),
      captured_(std::make_unique<model::Event>()) {
  for (auto& r : rules) {
    auto st = std::make_unique<RuleState>();
    st->rule = r.get();
    st->owner = r;
    st->width = std::max<core::TimeNs>(1, r->window / static_cast<core::TimeNs>(kBuckets));
    st->keep = r->window;
    if (r->campaign) st->keep = std::max(st->keep, r->campaign->then.ttl);
    const auto& specs = r->aggregates.specs();
    for (std::size_t i = 0; i < specs.size(); ++i) {
      st->ctx.push_back(AggregateContext{&specs[i], r->window, st->width});
    }
    st->values.resize(specs.size());
    for (std::size_t i = 0; i < specs.size(); ++i) {
      if (specs[i].kind == ruleset::AggregateKind::Baseline ||
          specs[i].kind == ruleset::AggregateKind::Deviation) {
        st->baseline_slots.push_back(i);
      }
    }
    // A rule that learns what is usual for its groups keeps a quiet group (a site's form seen
    // a few times a day) for a week, not a window: its baseline is the group's history.
    if (!st->baseline_slots.empty()) st->keep = std::max(st->keep, kBaselineKeep);
    if (options_.counters) st->counters = options_.counters(*r);
    if (!st->counters) st->counters = std::make_shared<RuleCounters>();
    for (model::EventKind k : r->when) by_kind_[static_cast<std::size_t>(k)].push_back(st.get());
    st->key_class = key_classes_.size();
    for (std::size_t c = 0; c < key_classes_.size(); ++c) {
      if (key_classes_[c].fields == r->group_by) st->key_class = c;
    }
    if (st->key_class == key_classes_.size()) {
      key_classes_.emplace_back();
      key_classes_.back().fields = r->group_by;
    }
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
        // The tables move their chunks (and the maps their nodes), so the lists' pointers stay
        // valid.
        st->groups = std::move(o->groups);
        st->lru = std::move(o->lru);
        st->spared = std::move(o->spared);
        st->spare_lru = std::move(o->spare_lru);
        st->bytes = std::exchange(o->bytes, 0);
        st->members = std::exchange(o->members, 0);
        st->restored = std::move(o->restored);
        o->groups.clear();
        o->spared.clear();
        ++kept;
        break;
      }
    }
  }
  stats_ = old.stats_;
  old.stats_ = {};
  account();
  return kept;
}

// Drops what the rule's windows have left behind, oldest first: groups idle longer than
// `keep` (their buckets are all out of the window, so a new event would see the same as in a
// fresh group) and spare marks older than two windows (one before a member's window starts
// and one during it). Each entry is popped once, so this is O(1) amortised per event.
void Detector::expire(RuleState& st, core::TimeNs now) {
  while (Group* g = st.lru.front()) {
    if (g->last_ts + st.keep >= now) break;
    st.drop_group(*g);
    ++stats_.groups_expired;
    bump(st.counters->groups_expired);
  }
  // The next group to expire is usually one created long ago, out of the cache: fetch it, its
  // successor and its index slot now, for a later event (issue 11).
  if (const Group* g = st.lru.front()) {
    if (g->hook.next != nullptr) __builtin_prefetch(g->hook.next);
    st.groups.prefetch(g->hash);
  }
  const core::TimeNs spare_life = 2 * st.rule->window;
  while (SpareMark* m = st.spare_lru.front()) {
    if (m->ts + spare_life >= now) break;
    st.spare_lru.erase(*m);
    st.bytes -= kSpareBytes;
    st.spared.erase(m->hash);
  }
}

// Over the memory budget: drops the least recently active group of all rules (counted).
void Detector::evict_stalest() {
  RuleState* victim = nullptr;
  for (auto& st : rules_) {
    Group* g = st->lru.front();
    if (g != nullptr && (victim == nullptr || g->last_ts < victim->lru.front()->last_ts)) {
      victim = st.get();
    }
  }
  if (victim == nullptr) return;
  victim->drop_group(*victim->lru.front());
  ++stats_.groups_evicted;
  bump(victim->counters->groups_evicted);
}

void Detector::account() {
  std::size_t bytes = 0;
  std::size_t keys = 0;
  for (const auto& st : rules_) {
    bytes += st->bytes;
    keys += st->keys();
  }
  stats_.memory_bytes = bytes;
  stats_.peak_memory_bytes = std::max(stats_.peak_memory_bytes, bytes);
  stats_.tracked_keys = keys;
  stats_.peak_tracked_keys = std::max(stats_.peak_tracked_keys, keys);
}

void Detector::process(const model::Event& ev, std::string_view raw, FindingSink& sink) {
  ++stats_.events;
  const core::TimeNs ts = ev.ts();
  const auto& rules = by_kind_[static_cast<std::size_t>(ev.kind())];
  // The memory estimate and key count change only in the rules this event reaches (and in
  // all of them at the periodic expiry below): their totals are updated by difference
  // instead of summed over every rule per event.
  std::size_t bytes_before = 0;
  std::size_t keys_before = 0;
  for (const RuleState* st : rules) {
    bytes_before += st->bytes;
    keys_before += st->keys();
  }
  // `where` first (once per rule and event), then the group keys of the rules it passed — one
  // per distinct group_by (KeyClass), shared by the rules that group alike — and a prefetch
  // of their index slots: with many keys the slot is a cache miss, which then overlaps with
  // expiry and the other rules' work instead of stalling the lookup (issue 11). A rule with a
  // `reset` needs its key also for events that fail `where`.
  const std::uint64_t stamp = stats_.events;
  for (RuleState* st : rules) {
    const ruleset::Rule& r = *st->rule;
    st->passes = !r.where || r.where->eval(ev);
    if (!st->passes && !r.reset) continue;
    KeyClass& kc = key_classes_[st->key_class];
    if (kc.stamp != stamp) {
      kc.stamp = stamp;
      kc.key.clear();
      for (Field f : kc.fields) append_key(kc.key, ev.get(f));
      kc.hash = key_hash(kc.key);
    }
    st->key = &kc.key;
    st->key_hash = kc.hash;
    st->groups.prefetch(st->key_hash);
  }
  for (RuleState* st : rules) {
    expire(*st, ts);
    process_rule(*st, ev, raw, sink);
  }
  // Rules that see no events still let their windows pass.
  if (++since_expire_all_ >= 4096) {
    since_expire_all_ = 0;
    for (auto& st : rules_) expire(*st, ts);
    account();
  } else {
    std::size_t bytes_after = 0;
    std::size_t keys_after = 0;
    for (const RuleState* st : rules) {
      bytes_after += st->bytes;
      keys_after += st->keys();
    }
    stats_.memory_bytes = stats_.memory_bytes + bytes_after - bytes_before;
    stats_.peak_memory_bytes = std::max(stats_.peak_memory_bytes, stats_.memory_bytes);
    stats_.tracked_keys = stats_.tracked_keys + keys_after - keys_before;
    stats_.peak_tracked_keys = std::max(stats_.peak_tracked_keys, stats_.tracked_keys);
  }
  while (stats_.memory_bytes > options_.memory_budget) {
    std::size_t before = stats_.memory_bytes;
    evict_stalest();
    account();
    if (stats_.memory_bytes >= before) break;  // nothing left to evict
  }
}

namespace {
// `to` becomes a copy of `from`'s kind, time and fields (string values stay the same views).
void copy_event(const model::Event& from, model::Event& to) noexcept {
  to.reset();
  to.set_kind(from.kind());
  to.set_ts(from.ts());
  for (const FieldValue& v : from) {
    switch (v.type) {
      case FieldType::String:
        to.set_string(v.field, v.s);
        break;
      case FieldType::Ip:
        to.set_ip(v.field, v.ip);
        break;
      case FieldType::Bool:
        to.set_bool(v.field, v.b);
        break;
      case FieldType::Duration:
        to.set_duration(v.field, v.i);
        break;
      default:
        to.set_int(v.field, v.i);
        break;
    }
  }
}

void match_key(std::string& key, const std::vector<Field>& fields, const model::Event& ev) {
  key.clear();
  for (Field f : fields) append_key(key, ev.get(f));
}
}  // namespace

// A rule's `reset` event (a successful login): the group with the same key starts again from
// zero when its last counted event had the same `match` fields (the same account).
void Detector::reset_group(RuleState& st, const model::Event& ev) {
  const ruleset::ResetSpec& reset = *st.rule->reset;
  Group* g = st.groups.find(*st.key, st.key_hash);  // the key process() made for this event
  if (g == nullptr) return;
  if (!reset.match.empty()) {
    match_key(st.match_buf, reset.match, ev);
    if (st.match_buf != g->reset_match) return;
  }
  st.drop_group(*g);
  ++stats_.groups_reset;
}

namespace {
// The values of one group's aggregates for its fire condition, each computed when first read
// (into RuleState::values).
template <typename State, typename G>
class LazyValuesOf final : public ruleset::AggregateValues {
 public:
  LazyValuesOf(State& st, G& g, core::TimeNs ts) : st_(st), g_(g), ts_(ts) {
    st_.ready.assign(st_.ctx.size(), 0);
  }
  [[nodiscard]] std::size_t size() const noexcept override { return st_.ctx.size(); }
  [[nodiscard]] double get(std::size_t i) noexcept override {
    if (st_.ready[i] == 0) {
      st_.values[i] = g_.aggs.value(i, ts_, st_.ctx[i]);
      st_.ready[i] = 1;
    }
    return st_.values[i];
  }

 private:
  State& st_;
  G& g_;
  core::TimeNs ts_;
};
}  // namespace

void Detector::process_rule(RuleState& st, const model::Event& event, std::string_view raw,
                            FindingSink& sink) {
  using LazyValues = LazyValuesOf<RuleState, Group>;
  const core::TimeNs ts = event.ts();
  const ruleset::Rule& rule = *st.rule;
  const ruleset::CampaignSpec* camp = rule.campaign ? &*rule.campaign : nullptr;
  RuleCounters& counters = *st.counters;
  bump(counters.evaluations);

  if (rule.reset && rule.reset->when && rule.reset->when->eval(event)) reset_group(st, event);
  const model::Event* evp = &event;

  // Sources that behave like real users (a campaign's `spare`) are remembered for any
  // event of the rule's kinds, before `where`: the asset fetch that spares a real contact
  // form sender is not a POST to the form.
  const FieldValue* member_v = camp != nullptr ? evp->get(camp->member_field) : nullptr;
  if (member_v != nullptr && camp->spare && camp->spare->eval(*evp)) {
    st.remember_spare(*member_v, ts, options_.max_groups_per_rule, stats_);
  }

  if (!st.passes) return;  // `where`, evaluated by process()
  // Fields from the named groups of `where`'s regexes (an imported fail2ban rule's <HOST>):
  // on a copy, so the next rule sees the event as decoded.
  if (rule.captures) {
    copy_event(event, *captured_);
    if (rule.captures->apply(*captured_) == ruleset::Captures::Outcome::NotFailure) {
      ++stats_.not_failures;
      return;
    }
    evp = captured_.get();
    if (camp != nullptr) member_v = evp->get(camp->member_field);
    // The captures may have set the grouping fields (src_ip from <HOST>): the key process()
    // made from the decoded event is not this one.
    st.key_buf.clear();
    for (Field f : rule.group_by) append_key(st.key_buf, evp->get(f));
    st.key = &st.key_buf;
    st.key_hash = key_hash(st.key_buf);
  }
  const model::Event& ev = *evp;
  st.member_buf.clear();
  if (member_v != nullptr) append_key(st.member_buf, member_v);
  ++stats_.matched;
  bump(counters.matched);

  Group& g = st.group_of_key(options_.max_groups_per_rule, stats_);
  g.last_ts = ts;
  if (rule.reset && !rule.reset->match.empty()) {
    match_key(st.match_buf, rule.reset->match, ev);
    g.reset_match = st.match_buf;
  }
  const bool counts_member =
      camp != nullptr && member_v != nullptr && (!camp->members || camp->members->eval(ev));
  const std::uint32_t member_h = counts_member ? key_hash(st.member_buf) : 0;
  if (counts_member && g.members) g.members->map.prefetch(member_h);  // as for the group

  // One bucket number for all the rule's aggregates (they share its window).
  const std::int64_t bucket = BucketRing<std::uint32_t>::bucket_of(ts, st.width);
  for (AggregateContext& c : st.ctx) {
    c.bucket_ts = ts;
    c.bucket = bucket;
  }
  for (std::size_t i = 0; i < st.ctx.size(); ++i) g.aggs.add(i, ev, ts, st.ctx[i]);

  // Evidence ring: grows to rule.evidence lines (a group seen once keeps one), then wraps.
  if (rule.evidence != 0) g.evidence.add(raw, rule.evidence);

  Member* member = counts_member ? st.count_member(g, member_h, ts, stats_) : nullptr;
  st.reaccount(g);

  // Fire condition, over the aggregates it reaches (`and` stops at the first false clause).
  // baseline()/deviation() are read at every event all the same: reading one records the
  // sample of its period (BaselineAggregate::value). The others are pure reads.
  LazyValues values(st, g, ts);
  for (std::size_t i : st.baseline_slots) (void)values.get(i);
  if (!(rule.fire && rule.fire->eval(values))) {
    g.firing = false;
    return;
  }
  for (std::size_t i = 0; i < st.ctx.size(); ++i) (void)values.get(i);  // the finding's numbers

  std::vector<std::string> decided;  // members decided with this finding
  bool update = false;
  if (!st.decide_members(g, member, ts, decided, update)) return;
  Finding f = st.finding_of(g, ts, std::move(decided), update);
  ++stats_.findings;
  bump(update ? counters.updates : counters.findings);
  sink.on_finding(f);
}

namespace {
constexpr std::string_view kBaselinesMagic = "bannin-baselines 1\n";

void put_field(std::string& out, std::string_view v) {
  const auto n = static_cast<std::uint32_t>(v.size());
  char b[4];
  std::memcpy(b, &n, 4);
  out.append(b, 4);
  out.append(v);
}
bool take_field(std::string_view& in, std::string_view& v) {
  std::uint32_t n = 0;
  if (in.size() < 4) return false;
  std::memcpy(&n, in.data(), 4);
  in.remove_prefix(4);
  if (in.size() < n) return false;
  v = in.substr(0, n);
  in.remove_prefix(n);
  return true;
}
}  // namespace

// Record: rule id, aggregate text, group key, state — each a u32 length and its bytes.
std::string Detector::save_baselines() const {
  std::string out(kBaselinesMagic);
  std::string state;
  for (const auto& st : rules_) {
    if (st->baseline_slots.empty()) continue;
    for (const Group* g = st->lru.front(); g != nullptr; g = g->hook.next) {
      for (std::size_t i : st->baseline_slots) {
        const BaselineAggregate* b = g->aggs.baseline(i);
        if (b == nullptr || b->samples() == 0) continue;
        state.clear();
        b->save(state);
        put_field(out, st->rule->id);
        put_field(out, st->rule->aggregates.texts()[i]);
        put_field(out, g->key.view());
        put_field(out, state);
      }
    }
    // States restored from the last file whose group has not come back yet stay saved.
    for (const auto& [k, v] : st->restored) {
      auto cut = k.find('\x1f');
      put_field(out, st->rule->id);
      put_field(out, std::string_view(k).substr(0, cut));
      put_field(out, std::string_view(k).substr(cut + 1));
      put_field(out, v);
    }
  }
  return out;
}

Detector::BaselineLoad Detector::load_baselines(std::string_view in) {
  BaselineLoad r;
  if (in.substr(0, kBaselinesMagic.size()) != kBaselinesMagic) {
    r.bad = true;
    return r;
  }
  in.remove_prefix(kBaselinesMagic.size());
  std::string key;
  while (!in.empty()) {
    std::string_view id, text, group, state;
    if (!take_field(in, id) || !take_field(in, text) || !take_field(in, group) ||
        !take_field(in, state)) {
      r.bad = true;
      break;
    }
    RuleState* st = nullptr;
    for (auto& s : rules_) {
      if (s->rule->id == id) st = s.get();
    }
    bool known = false;
    if (st != nullptr) {
      for (std::size_t i : st->baseline_slots)
        known = known || st->rule->aggregates.texts()[i] == text;
    }
    if (!known || st->restored.size() >= options_.max_groups_per_rule) {
      ++r.skipped;
      continue;
    }
    key.assign(text);
    key += '\x1f';
    key.append(group);
    st->restored.insert_or_assign(key, std::string(state));
    ++r.loaded;
  }
  return r;
}

}  // namespace bannin::detect
