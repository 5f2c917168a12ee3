#include <algorithm>
#include <exception>
#include <functional>
#include <map>
#include <set>

#include <nftables/libnftables.h>

#include <bannin/act/nftables/nftables_actuator.h>

namespace bannin::act {
namespace {

// The first "Error: …" line of nft's error text, short enough for a result detail: the
// following lines echo the command, which can hold a thousand elements.
std::string first_error_line(std::string_view text) {
  std::size_t pos = text.find("Error: ");
  std::string_view line = pos == std::string_view::npos ? text : text.substr(pos + 7);
  line = line.substr(0, line.find('\n'));
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
  std::string out(line.substr(0, 300));
  if (out.empty()) out = "nft refused the command (no message)";
  return out;
}

std::string explain(std::string_view code, const std::string& error) {
  if (code == "not_permitted") {
    return "nftables: operation not permitted (bannin needs root or CAP_NET_ADMIN): " + error;
  }
  if (code == "no_nftables") {
    return "nftables: this kernel has no nf_tables support (module nf_tables): " + error;
  }
  return "nftables: " + error;
}

// Per-decision bookkeeping while a batch is processed.
struct Group {
  Target target;
  std::vector<std::size_t> indices;  ///< decisions with this target
  std::int64_t timeout_s = 0;
  std::vector<Target> replaces;  ///< narrower prefixes in force that this one replaces
  bool exists = false;           ///< prefix: exactly this element is in force
};

// Runs `script(ids)` as one transaction; on failure splits ids in halves while the budget of
// extra calls lasts, so the elements the kernel refuses are found and the rest applied.
void run_isolating(
    const std::vector<std::size_t>& ids,
    const std::function<std::pair<bool, std::string>(const std::vector<std::size_t>&)>& attempt,
    const std::function<void(std::size_t, bool, const std::string&)>& done, int& budget,
    const std::string& known_error = {}) {
  if (ids.empty()) return;
  std::string err = known_error;
  if (err.empty()) {
    auto [ok, e] = attempt(ids);
    if (ok) {
      for (auto id : ids) done(id, true, {});
      return;
    }
    err = e;
  }
  if (ids.size() == 1 || budget <= 0) {
    for (auto id : ids) done(id, false, err);
    return;
  }
  std::size_t half = ids.size() / 2;
  std::vector<std::size_t> a(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(half));
  std::vector<std::size_t> b(ids.begin() + static_cast<std::ptrdiff_t>(half), ids.end());
  budget -= 2;
  run_isolating(a, attempt, done, budget);
  run_isolating(b, attempt, done, budget);
}

}  // namespace

std::string_view classify_nft_error(std::string_view error) noexcept {
  if (error.find("Operation not permitted") != std::string_view::npos) return "not_permitted";
  if (error.find("Protocol not supported") != std::string_view::npos ||
      error.find("Address family not supported") != std::string_view::npos) {
    return "no_nftables";
  }
  if (error.find("No such file or directory") != std::string_view::npos) return "not_found";
  return "nft_error";
}

core::Result<std::unique_ptr<NftablesActuator>> NftablesActuator::create(nft::NftConfig cfg) {
  nft_ctx* ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (ctx == nullptr) {
    return core::make_error("nft_context", "libnftables: could not create a context");
  }
  if (nft_ctx_buffer_output(ctx) != 0 || nft_ctx_buffer_error(ctx) != 0) {
    nft_ctx_free(ctx);
    return core::make_error("nft_context", "libnftables: could not buffer output");
  }
  return std::unique_ptr<NftablesActuator>(new NftablesActuator(std::move(cfg), ctx));
}

NftablesActuator::NftablesActuator(nft::NftConfig cfg, nft_ctx* ctx)
    : cfg_(std::move(cfg)), ctx_(ctx) {}

NftablesActuator::~NftablesActuator() {
  if (ctx_ != nullptr) nft_ctx_free(ctx_);
}

NftablesActuator::Run NftablesActuator::run(const std::string& commands, bool json, bool mutate) {
  ++calls_;
  if (mutate) last_commands_ = commands;
  nft_ctx_output_set_flags(ctx_, json ? static_cast<unsigned>(NFT_CTX_OUTPUT_JSON) : 0U);
  nft_ctx_set_dry_run(ctx_, mutate && cfg_.dry_run);
  int rc = nft_run_cmd_from_buffer(ctx_, commands.c_str());
  Run r;
  r.ok = rc == 0;
  // Reading a buffer also rewinds it for the next call.
  if (const char* out = nft_ctx_get_output_buffer(ctx_)) r.output = out;
  std::string err;
  if (const char* e = nft_ctx_get_error_buffer(ctx_)) err = e;
  if (!r.ok) r.error = first_error_line(err);
  nft_ctx_output_set_flags(ctx_, 0U);
  nft_ctx_set_dry_run(ctx_, false);
  return r;
}

core::Result<std::string> NftablesActuator::install_commands() {
  // `list chain`, not `list table`: the chain alone, without dumping every set element.
  Run probe = run("list chain inet " + cfg_.table + " input", true, false);
  if (probe.ok) {
    auto st = nft::parse_chain_json(probe.output, cfg_.table);
    if (st && st->exists && st->base && st->hook == "input" && st->priority == cfg_.priority &&
        st->rules == nft::kRuleCount) {
      return std::string{};
    }
  } else {
    auto code = classify_nft_error(probe.error);
    if (code == "not_permitted" || code == "no_nftables") {
      return core::make_error(std::string(code), explain(code, probe.error));
    }
  }
  return nft::ensure_table_commands(cfg_) + nft::recreate_chain_commands(cfg_);
}

std::vector<Target> NftablesActuator::existing_prefixes() {
  std::vector<Target> out;
  for (const char* set : {"v4_net", "v6_net"}) {
    Run r = run("list set inet " + cfg_.table + " " + set, true, false);
    if (!r.ok) continue;  // no table yet: nothing exists
    if (auto e = nft::parse_elements_json(r.output, cfg_.table)) {
      for (const auto& x : *e) {
        if (auto t = Target::parse(x.target)) out.push_back(*t);
      }
    }
  }
  return out;
}

core::Result<bool> NftablesActuator::probe() {
  Run r = run("list tables inet", true, false);
  if (r.ok) return true;
  auto code = classify_nft_error(r.error);
  return core::make_error(std::string(code), explain(code, r.error));
}

core::Result<bool> NftablesActuator::install() {
  auto cmds = install_commands();
  if (!cmds) return cmds.error();
  if (cmds->empty()) return false;
  Run r = run(*cmds, false, true);
  if (!r.ok) {
    auto code = classify_nft_error(r.error);
    return core::make_error(std::string(code == "not_found" ? "nft_error" : code),
                            explain(code, r.error));
  }
  return true;
}

std::vector<ActionResult> NftablesActuator::apply(std::span<const decide::Decision> batch) {
  std::vector<ActionResult> results(batch.size());
  try {
    std::map<Target, Group> groups;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const auto& d = batch[i];
      auto& res = results[i];
      res.index = i;
      auto t = target_of(d);
      if (!t) {
        res.target = d.key();
        bool unsupported = t.error().code == "unsupported_scope";
        res.outcome = unsupported ? Outcome::Unsupported : Outcome::Invalid;
        res.detail =
            unsupported ? "scope " + d.scope + " is enforced by web-server deny rules, not nftables"
                        : t.error().message;
        continue;
      }
      res.target = t->text();
      if (d.action != "deny") {
        res.outcome = Outcome::Unsupported;
        res.detail = "action " + d.action + " is not enforced by nftables";
        continue;
      }
      std::int64_t timeout = nft::timeout_seconds(d.ttl, cfg_.max_timeout_s);
      if (timeout == 0) {
        res.outcome = Outcome::Invalid;
        res.detail = "decision without a TTL (every ban must end)";
        continue;
      }
      auto& g = groups[*t];
      g.target = *t;
      g.indices.push_back(i);
      // Duplicates in one batch: the longest TTL wins.
      g.timeout_s = std::max(g.timeout_s, timeout);
    }

    auto finish = [&](const Group& g, Outcome o, const std::string& detail) {
      for (auto i : g.indices) {
        results[i].outcome = o;
        results[i].detail = detail;
        results[i].timeout_s = (o == Outcome::Applied || o == Outcome::DryRun) ? g.timeout_s : 0;
      }
    };

    // Prefixes: interval sets refuse overlapping elements, so a prefix inside a wider one
    // (in this batch or already in force) is reported as covered, and narrower prefixes in
    // force are replaced by a wider new one.
    std::vector<Group*> prefixes;
    for (auto& [t, g] : groups) {
      if (!t.is_single()) prefixes.push_back(&g);
    }
    std::set<Target> covered_targets;
    if (!prefixes.empty()) {
      std::sort(prefixes.begin(), prefixes.end(),
                [](const Group* a, const Group* b) { return a->target.len < b->target.len; });
      std::vector<Target> existing = existing_prefixes();
      std::set<Target> existing_set(existing.begin(), existing.end());
      std::set<Target> accepted;
      for (Group* g : prefixes) {
        const Target& p = g->target;
        std::string covered_by;
        for (unsigned l = 0; l < p.len && covered_by.empty(); ++l) {
          Target super{p.network.masked(l), l};
          if (accepted.count(super)) covered_by = super.text() + " in this batch";
          if (existing_set.count(super)) covered_by = super.text() + " already in force";
        }
        if (!covered_by.empty()) {
          finish(*g, Outcome::Covered, "covered by " + covered_by);
          covered_targets.insert(p);
          continue;
        }
        accepted.insert(p);
        g->exists = existing_set.count(p) > 0;
        for (const auto& e : existing) {
          if (e != p && p.contains(e)) g->replaces.push_back(e);
        }
      }
    }

    std::vector<Group*> todo;
    for (auto& [t, g] : groups) {
      if (!covered_targets.count(t)) todo.push_back(&g);
    }
    if (todo.empty()) return results;

    auto install = install_commands();
    if (!install) {
      for (Group* g : todo) finish(*g, Outcome::Failed, install.error().message);
      return results;
    }
    auto script_for = [&](const std::vector<std::size_t>& ids) {
      std::vector<nft::Upsert> ups;
      std::vector<Target> removes;
      ups.reserve(ids.size());
      for (auto id : ids) {
        ups.push_back(nft::Upsert{todo[id]->target, todo[id]->timeout_s, todo[id]->exists});
        removes.insert(removes.end(), todo[id]->replaces.begin(), todo[id]->replaces.end());
      }
      std::sort(removes.begin(), removes.end());
      removes.erase(std::unique(removes.begin(), removes.end()), removes.end());
      return *install + nft::upsert_commands(cfg_, ups, removes);
    };
    auto attempt = [&](const std::vector<std::size_t>& ids) {
      Run r = run(script_for(ids), false, true);
      return std::make_pair(r.ok, r.error);
    };
    const Outcome ok_outcome = cfg_.dry_run ? Outcome::DryRun : Outcome::Applied;
    auto done = [&](std::size_t id, bool ok, const std::string& err) {
      const Group& g = *todo[id];
      if (ok) {
        std::string detail;
        if (g.indices.size() > 1) detail = "same target decided more than once; longest TTL";
        for (const auto& r : g.replaces) {
          detail += (detail.empty() ? "replaces " : "; replaces ") + r.text();
        }
        finish(g, ok_outcome, detail);
      } else {
        auto code = classify_nft_error(err);
        finish(g, Outcome::Failed, explain(code, err));
      }
    };
    std::vector<std::size_t> ids(todo.size());
    for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = i;
    int budget = cfg_.isolation_budget;
    auto first = attempt(ids);
    if (first.first) {
      for (auto id : ids) done(id, true, {});
    } else {
      auto code = classify_nft_error(first.second);
      if (code == "not_permitted" || code == "no_nftables") budget = 0;  // nothing will work
      if (!prefixes.empty() && budget > 0) {
        // A prefix may have expired (or been removed) since the listing: refresh what is
        // known to exist, then look for the elements at fault.
        std::vector<Target> now_existing = existing_prefixes();
        std::set<Target> now_set(now_existing.begin(), now_existing.end());
        for (Group* g : todo) {
          g->exists = now_set.count(g->target) > 0;
          std::erase_if(g->replaces, [&](const Target& t) { return now_set.count(t) == 0; });
        }
        --budget;
        auto again = attempt(ids);
        if (again.first) {
          for (auto id : ids) done(id, true, {});
          return results;
        }
        first = again;
      }
      run_isolating(ids, attempt, done, budget, first.second);
    }
  } catch (const std::exception& e) {
    for (auto& r : results) {
      if (r.outcome == Outcome::Failed && r.detail.empty()) r.detail = e.what();
    }
  }
  return results;
}

std::vector<ActionResult> NftablesActuator::revoke(std::span<const decide::Decision> batch) {
  std::vector<ActionResult> results(batch.size());
  try {
    std::map<Target, std::vector<std::size_t>> targets;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      auto& res = results[i];
      res.index = i;
      auto t = target_of(batch[i]);
      if (!t) {
        res.target = batch[i].key();
        bool unsupported = t.error().code == "unsupported_scope";
        res.outcome = unsupported ? Outcome::Unsupported : Outcome::Invalid;
        res.detail = t.error().message;
        continue;
      }
      res.target = t->text();
      targets[*t].push_back(i);
    }
    auto finish = [&](const Target& t, Outcome o, const std::string& detail) {
      for (auto i : targets[t]) {
        results[i].outcome = o;
        results[i].detail = detail;
      }
    };
    // Which targets are in force, exactly: `get element` per target (a prefix query on an
    // interval set answers with the element that contains it, so compare the text).
    std::vector<Target> present;
    for (const auto& [t, idx] : targets) {
      Run r = run("get element inet " + cfg_.table + " " + std::string(nft::set_name(t)) + " { " +
                      t.text() + " }",
                  false, false);
      if (!r.ok) {
        auto code = classify_nft_error(r.error);
        if (code == "not_found") {
          finish(t, Outcome::NotFound, "not in force");
        } else {
          finish(t, Outcome::Failed, explain(code, r.error));
        }
        continue;
      }
      bool exact = false;
      std::string inside;
      for (const auto& e : nft::parse_elements_text(r.output)) {
        if (e == t.text()) {
          exact = true;
        } else {
          inside = e;
        }
      }
      if (exact) {
        present.push_back(t);
      } else {
        finish(t, Outcome::NotFound,
               inside.empty() ? "not in force" : "not in force itself; inside " + inside);
      }
    }
    if (present.empty()) return results;
    auto attempt = [&](const std::vector<std::size_t>& ids) {
      std::vector<Target> sub;
      for (auto id : ids) sub.push_back(present[id]);
      Run r = run(nft::delete_commands(cfg_, sub), false, true);
      return std::make_pair(r.ok, r.error);
    };
    const Outcome ok_outcome = cfg_.dry_run ? Outcome::DryRun : Outcome::Revoked;
    auto done = [&](std::size_t id, bool ok, const std::string& err) {
      if (ok) {
        finish(present[id], ok_outcome, {});
      } else {
        finish(present[id], Outcome::Failed, explain(classify_nft_error(err), err));
      }
    };
    std::vector<std::size_t> ids(present.size());
    for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = i;
    int budget = cfg_.isolation_budget;
    run_isolating(ids, attempt, done, budget);
  } catch (const std::exception& e) {
    for (auto& r : results) {
      if (r.outcome == Outcome::Failed && r.detail.empty()) r.detail = e.what();
    }
  }
  return results;
}

core::Result<FlushReport> NftablesActuator::flush() {
  try {
    FlushReport report;
    report.description = "table inet " + cfg_.table;
    Run probe = run("list tables inet", true, false);
    if (!probe.ok) {
      auto code = classify_nft_error(probe.error);
      return core::make_error(std::string(code), explain(code, probe.error));
    }
    report.existed = probe.output.find("\"name\": \"" + cfg_.table + "\"") != std::string::npos;
    if (!report.existed) return report;
    Run r = run(nft::delete_table_commands(cfg_), false, true);
    if (!r.ok) {
      auto code = classify_nft_error(r.error);
      return core::make_error(std::string(code), explain(code, r.error));
    }
    return report;
  } catch (const std::exception& e) {
    return core::make_error("exception", e.what());
  }
}

core::Result<std::vector<EnforcedEntry>> NftablesActuator::list() {
  try {
    std::vector<EnforcedEntry> out;
    for (auto set : nft::kSetNames) {
      Run r = run("list set inet " + cfg_.table + " " + std::string(set), true, false);
      if (!r.ok) {
        auto code = classify_nft_error(r.error);
        if (code == "not_found") continue;  // no table (nothing in force) or no such set
        return core::make_error(std::string(code), explain(code, r.error));
      }
      auto els = nft::parse_elements_json(r.output, cfg_.table);
      if (!els) return els.error();
      out.insert(out.end(), std::make_move_iterator(els->begin()),
                 std::make_move_iterator(els->end()));
    }
    return out;
  } catch (const std::exception& e) {
    return core::make_error("exception", e.what());
  }
}

}  // namespace bannin::act
