#include <algorithm>
#include <cstring>
#include <set>

#include <bannin/act/nftables/nft_plan.h>

namespace bannin::act::nft {

std::string_view classify_error(std::string_view error) noexcept {
  if (error.find("Operation not permitted") != std::string_view::npos) return "not_permitted";
  if (error.find("Protocol not supported") != std::string_view::npos ||
      error.find("Address family not supported") != std::string_view::npos) {
    return "no_nftables";
  }
  if (error.find("No such file or directory") != std::string_view::npos) return "not_found";
  return "nft_error";
}

std::string explain_error(std::string_view code, const std::string& error) {
  if (code == "not_permitted") {
    return "nftables: operation not permitted (bannin needs root or CAP_NET_ADMIN): " + error;
  }
  if (code == "no_nftables") {
    return "nftables: this kernel has no nf_tables support (module nf_tables): " + error;
  }
  return "nftables: " + error;
}

namespace {

// The outcome of every decision of one target.
void finish(Plan& plan, const PlannedTarget& g, Outcome o, const std::string& detail) {
  for (std::size_t k = g.begin; k < g.end; ++k) {
    auto& r = plan.results[plan.order[k]];
    r.outcome = o;
    r.detail = detail;
    r.timeout_s = (o == Outcome::Applied || o == Outcome::DryRun) ? g.timeout_s : 0;
  }
}

}  // namespace

Plan group_batch(std::span<const decide::Decision> batch, const NftConfig& cfg) {
  Plan plan;
  plan.results.resize(batch.size());
  // (target, decision index) of the decisions to carry out, then sorted: one group each.
  std::vector<std::pair<Target, std::size_t>> keyed;
  std::vector<std::int64_t> timeouts(batch.size(), 0);
  keyed.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& d = batch[i];
    auto& res = plan.results[i];
    res.index = i;
    auto t = target_of(d);
    if (!t) {
      res.target = d.key();
      bool unsupported = t.error().code == "unsupported_scope";
      res.outcome = unsupported ? Outcome::Unsupported : Outcome::Invalid;
      res.detail = unsupported
                       ? "scope " + d.scope + " is enforced by web-server deny rules, not nftables"
                       : t.error().message;
      continue;
    }
    res.target = t->text();
    if (d.action != "deny") {
      res.outcome = Outcome::Unsupported;
      res.detail = "action " + d.action + " is not enforced by nftables";
      continue;
    }
    std::int64_t timeout = timeout_seconds(d.ttl, cfg.max_timeout_s);
    if (timeout == 0) {
      res.outcome = Outcome::Invalid;
      res.detail = "decision without a TTL (every ban must end)";
      continue;
    }
    timeouts[i] = timeout;
    keyed.emplace_back(*t, i);
  }
  // Sorted as integers (IpPrefix's own order compares byte arrays with memcmp: a fifth of
  // the grouping time for a million addresses). Any total order groups equal targets.
  struct Key {
    std::uint64_t hi, lo;
    std::uint32_t len;
    std::uint32_t pos;
  };
  std::vector<Key> keys(keyed.size());
  for (std::size_t k = 0; k < keyed.size(); ++k) {
    const auto& b = keyed[k].first.network.bytes();
    std::memcpy(&keys[k].hi, b.data(), 8);
    std::memcpy(&keys[k].lo, b.data() + 8, 8);
    keys[k].len = keyed[k].first.len;
    keys[k].pos = static_cast<std::uint32_t>(k);
  }
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
    if (a.hi != b.hi) return a.hi < b.hi;
    if (a.lo != b.lo) return a.lo < b.lo;
    if (a.len != b.len) return a.len < b.len;
    return a.pos < b.pos;  // decisions of one target in input order
  });
  plan.order.reserve(keys.size());
  for (std::size_t k = 0; k < keys.size();) {
    PlannedTarget g;
    g.target = keyed[keys[k].pos].first;
    g.begin = k;
    while (k < keys.size() && keyed[keys[k].pos].first == g.target) {
      const std::size_t decision = keyed[keys[k].pos].second;
      plan.order.push_back(decision);
      // Duplicates in one batch: the longest TTL wins.
      g.timeout_s = std::max(g.timeout_s, timeouts[decision]);
      ++k;
    }
    g.end = k;
    plan.has_prefixes = plan.has_prefixes || !g.target.is_single();
    plan.groups.push_back(std::move(g));
  }
  return plan;
}

void cover_prefixes(Plan& plan, std::span<const Target> in_force) {
  std::vector<char> covered(plan.groups.size(), 0);
  if (plan.has_prefixes) {
    // Widest first, so a prefix meets every wider one of the batch before it.
    std::vector<std::size_t> prefixes;
    for (std::size_t i = 0; i < plan.groups.size(); ++i) {
      if (!plan.groups[i].target.is_single()) prefixes.push_back(i);
    }
    std::stable_sort(prefixes.begin(), prefixes.end(), [&](std::size_t a, std::size_t b) {
      return plan.groups[a].target.len < plan.groups[b].target.len;
    });
    std::set<Target> existing(in_force.begin(), in_force.end());
    std::set<Target> accepted;
    for (std::size_t i : prefixes) {
      PlannedTarget& g = plan.groups[i];
      const Target& p = g.target;
      std::string covered_by;
      for (unsigned l = 0; l < p.len && covered_by.empty(); ++l) {
        Target super{p.network.masked(l), l};
        if (accepted.count(super)) covered_by = super.text() + " in this batch";
        if (existing.count(super)) covered_by = super.text() + " already in force";
      }
      if (!covered_by.empty()) {
        finish(plan, g, Outcome::Covered, "covered by " + covered_by);
        covered[i] = 1;
        continue;
      }
      accepted.insert(p);
      g.exists = existing.count(p) > 0;
      for (const auto& e : in_force) {
        if (e != p && p.contains(e)) g.replaces.push_back(e);
      }
    }
  }
  plan.todo.clear();
  plan.todo.reserve(plan.groups.size());
  for (std::size_t i = 0; i < plan.groups.size(); ++i) {
    if (!covered[i]) plan.todo.push_back(i);
  }
}

std::vector<Target> addresses_in(const Plan& plan, std::string_view set) {
  std::vector<Target> out;
  for (std::size_t i : plan.todo) {
    const Target& t = plan.groups[i].target;
    if (t.is_single() && set_name(t) == set) out.push_back(t);
  }
  return out;
}

void set_layout(Plan& plan, const KernelState& kernel, const NftConfig& /*cfg*/) {
  if (!kernel.layout_error.empty()) {
    for (std::size_t i : plan.todo)
      finish(plan, plan.groups[i], Outcome::Failed, kernel.layout_error);
    plan.todo.clear();
    return;
  }
  plan.install = kernel.install;
  // An address needs more than an add only where the kernel keeps an old timeout on re-add
  // and the address is (or may be) in the set; a table that does not exist holds nothing.
  if (kernel.fresh || kernel.readd_refreshes) return;
  std::vector<Target> absent = kernel.absent;
  std::sort(absent.begin(), absent.end());
  for (std::size_t i : plan.todo) {
    PlannedTarget& g = plan.groups[i];
    if (g.target.is_single()) {
      g.exists = !std::binary_search(absent.begin(), absent.end(), g.target);
    }
  }
}

void refresh_prefixes(Plan& plan, std::span<const Target> in_force) {
  if (!plan.has_prefixes) return;
  std::set<Target> now(in_force.begin(), in_force.end());
  for (std::size_t i : plan.todo) {
    PlannedTarget& g = plan.groups[i];
    if (g.target.is_single()) continue;
    g.exists = now.count(g.target) > 0;
    std::erase_if(g.replaces, [&](const Target& t) { return now.count(t) == 0; });
  }
}

Plan plan(std::span<const decide::Decision> batch, const KernelState& kernel,
          const NftConfig& cfg) {
  Plan p = group_batch(batch, cfg);
  cover_prefixes(p, kernel.prefixes);
  if (!p.todo.empty()) set_layout(p, kernel, cfg);
  return p;
}

std::string commands(const Plan& plan, std::span<const std::size_t> ids, const NftConfig& cfg) {
  std::vector<Upsert> ups;
  std::vector<Target> removes;
  ups.reserve(ids.size());
  for (auto id : ids) {
    const PlannedTarget& g = plan.groups[plan.todo[id]];
    ups.push_back(Upsert{g.target, g.timeout_s, g.exists});
    removes.insert(removes.end(), g.replaces.begin(), g.replaces.end());
  }
  std::sort(removes.begin(), removes.end());
  removes.erase(std::unique(removes.begin(), removes.end()), removes.end());
  return plan.install + upsert_commands(cfg, ups, removes, cfg.per_line);
}

void complete(Plan& plan, std::size_t id, bool ok, const std::string& error, const NftConfig& cfg) {
  const PlannedTarget& g = plan.groups[plan.todo[id]];
  if (!ok) {
    finish(plan, g, Outcome::Failed, explain_error(classify_error(error), error));
    return;
  }
  std::string detail;
  if (g.end - g.begin > 1) detail = "same target decided more than once; longest TTL";
  for (const auto& r : g.replaces) {
    detail += (detail.empty() ? "replaces " : "; replaces ") + r.text();
  }
  finish(plan, g, cfg.dry_run ? Outcome::DryRun : Outcome::Applied, detail);
}

}  // namespace bannin::act::nft
