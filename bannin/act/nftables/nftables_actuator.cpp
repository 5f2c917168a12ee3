#include <algorithm>
#include <cstring>
#include <exception>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <set>

#include <nftables/libnftables.h>

#include <bannin/act/nftables/nft_netlink.h>
#include <bannin/act/nftables/nft_plan.h>
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
  return nft::explain_error(code, error);
}

bool unusable(std::string_view code) {
  return code == "not_permitted" || code == "no_nftables";
}

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
  return nft::classify_error(error);
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

NftablesActuator::Run NftablesActuator::run(std::string commands, bool json, bool mutate) {
  ++calls_;
  const std::string* text = &commands;
  if (mutate) {
    last_commands_ = std::move(commands);
    text = &last_commands_;
  }
  nft_ctx_output_set_flags(ctx_, json ? static_cast<unsigned>(NFT_CTX_OUTPUT_JSON) : 0U);
  nft_ctx_set_dry_run(ctx_, mutate && cfg_.dry_run);
  int rc = nft_run_cmd_from_buffer(ctx_, text->c_str());
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

nft::NftNetlink* NftablesActuator::netlink() {
  if (netlink_) return netlink_.get();
  if (netlink_failed_) return nullptr;
  auto nl = nft::NftNetlink::open();
  if (!nl) {
    netlink_failed_ = true;
    return nullptr;
  }
  netlink_ = std::make_unique<nft::NftNetlink>(std::move(*nl));
  return netlink_.get();
}

core::Result<NftablesActuator::Layout> NftablesActuator::layout() {
  Layout out;
  const std::string install = nft::ensure_table_commands(cfg_) + nft::recreate_chain_commands(cfg_);
  if (nft::NftNetlink* nl = netlink()) {
    auto table = nl->table_exists(cfg_.table);
    core::Result<nft::ChainState> st = core::make_error("", "");
    if (table && !*table) {
      out.fresh = true;
      out.commands = install;
      return out;
    }
    if (table) st = nl->chain_state(cfg_.table, "input");
    if (table && st) {
      if (!nft::chain_in_place(*st, cfg_)) out.commands = install;
      return out;
    }
    const auto& err = table ? st.error() : table.error();
    auto code = classify_nft_error(err.message);
    if (unusable(code)) return core::make_error(std::string(code), explain(code, err.message));
    // Anything else: ask libnftables instead (slow on big sets, but it answers).
  }
  // `list chain`, not `list table`; libnftables 1.0.6 still loads every set element for it.
  Run probe = run("list chain inet " + cfg_.table + " input", true, false);
  if (probe.ok) {
    auto st = nft::parse_chain_json(probe.output, cfg_.table);
    if (st && nft::chain_in_place(*st, cfg_)) return out;
  } else {
    auto code = classify_nft_error(probe.error);
    if (unusable(code)) return core::make_error(std::string(code), explain(code, probe.error));
  }
  out.commands = install;
  return out;
}

bool NftablesActuator::readd_refreshes() {
  if (cfg_.refresh != nft::NftConfig::Refresh::Auto) {
    return cfg_.refresh == nft::NftConfig::Refresh::ReAdd;
  }
  if (readd_refreshes_ >= 0) return readd_refreshes_ == 1;
  if (cfg_.dry_run) return false;  // the question changes the kernel (and undoes it)
  // A scratch set in bannin's own table: add an element with 100 s, add it again with
  // 1000 s, and read which timeout it has. Three small calls, once per actuator.
  const std::string set = "inet " + cfg_.table + " refresh_probe";
  bool yes = false;
  Run a = run("add table inet " + cfg_.table + "\nadd set " + set +
                  " { type ipv4_addr; flags timeout; }\nadd element " + set +
                  " { 192.0.2.1 timeout 100s }\n",
              false, false);
  if (a.ok) {
    Run b = run("add element " + set + " { 192.0.2.1 timeout 1000s }\n", false, false);
    Run l = run("list set " + set, true, false);
    if (b.ok && l.ok) {
      if (auto els = nft::parse_elements_json(l.output, cfg_.table)) {
        for (const auto& e : *els) yes = yes || e.timeout_s >= 1000;
      }
    }
    (void)run("delete set " + set + "\n", false, false);
    readd_refreshes_ = yes ? 1 : 0;  // only a completed question is remembered
  }
  return yes;
}

std::vector<Target> NftablesActuator::existing_prefixes() {
  // `list set` of one set: the kernel and libnftables load that set's elements only (the
  // interval sets hold prefixes, a few thousand at most).
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
  // One small set (the kernel filters the listing to it): `list tables` would make
  // libnftables 1.0.6 load every element of every set first. A missing table is fine.
  Run r = run("list set inet " + cfg_.table + " v4_net", true, false);
  if (r.ok) return true;
  auto code = classify_nft_error(r.error);
  if (code == "not_found") return true;
  return core::make_error(std::string(code), explain(code, r.error));
}

core::Result<bool> NftablesActuator::install() {
  auto lay = layout();
  if (!lay) return lay.error();
  if (lay->commands.empty()) return false;
  Run r = run(lay->commands, false, true);
  if (!r.ok) {
    auto code = classify_nft_error(r.error);
    return core::make_error(std::string(code == "not_found" ? "nft_error" : code),
                            explain(code, r.error));
  }
  return true;
}

std::vector<ActionResult> NftablesActuator::apply(std::span<const decide::Decision> batch) {
  nft::Plan plan;
  try {
    plan = plan_apply(batch);
    execute(plan);
  } catch (const std::exception& e) {
    if (plan.results.size() != batch.size()) {
      plan.results.assign(batch.size(), ActionResult{});
      for (std::size_t i = 0; i < batch.size(); ++i) plan.results[i].index = i;
    }
    for (auto& r : plan.results) {
      if (r.outcome == Outcome::Failed && r.detail.empty()) r.detail = e.what();
    }
  }
  return std::move(plan.results);
}

nft::Plan NftablesActuator::plan_apply(std::span<const decide::Decision> batch) {
  // The pure steps of nft_plan.h, with the kernel asked in between only what this batch
  // needs: the prefixes in force when it has prefixes, the layout when anything is left to
  // put in force, and which addresses are in their sets where re-adding keeps old timeouts.
  nft::Plan plan = nft::group_batch(batch, cfg_);
  nft::cover_prefixes(plan, plan.has_prefixes ? existing_prefixes() : std::vector<Target>{});
  if (plan.todo.empty()) return plan;
  nft::KernelState kernel;
  auto lay = layout();
  if (!lay) {
    kernel.layout_error = lay.error().message;
    nft::set_layout(plan, kernel, cfg_);
    return plan;
  }
  kernel.install = lay->commands;
  kernel.fresh = lay->fresh;
  kernel.readd_refreshes = lay->fresh || readd_refreshes();
  if (!kernel.readd_refreshes) {
    nft::NftNetlink* nl = netlink();
    for (std::string_view set : {nft::kSetNames[0], nft::kSetNames[2]}) {
      std::vector<Target> targets = nft::addresses_in(plan, set);
      if (targets.empty() || nl == nullptr) continue;  // unknown: may be there
      auto present = nl->elements_present(cfg_.table, set, targets);
      if (!present) continue;
      for (std::size_t i = 0; i < targets.size(); ++i) {
        if ((*present)[i] == 0) kernel.absent.push_back(targets[i]);
      }
    }
  }
  nft::set_layout(plan, kernel, cfg_);
  return plan;
}

void NftablesActuator::execute(nft::Plan& plan) {
  if (plan.todo.empty()) return;
  auto attempt = [&](const std::vector<std::size_t>& ids) {
    Run r = run(nft::commands(plan, ids, cfg_), false, true);
    return std::make_pair(r.ok, r.error);
  };
  auto done = [&](std::size_t id, bool ok, const std::string& err) {
    nft::complete(plan, id, ok, err, cfg_);
  };
  std::vector<std::size_t> ids(plan.todo.size());
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = i;
  int budget = cfg_.isolation_budget;
  auto first = attempt(ids);
  if (first.first) {
    for (auto id : ids) done(id, true, {});
    return;
  }
  if (unusable(classify_nft_error(first.second))) budget = 0;  // nothing will work
  if (budget > 0) {
    // Something changed since the questions were asked: the table or chain was removed
    // (ENOENT), a prefix expired or was removed. Ask again, retry once, then look for the
    // elements at fault.
    --budget;
    if (auto again_layout = layout()) plan.install = again_layout->commands;
    if (plan.has_prefixes) nft::refresh_prefixes(plan, existing_prefixes());
    auto again = attempt(ids);
    if (again.first) {
      for (auto id : ids) done(id, true, {});
      return;
    }
    first = again;
  }
  run_isolating(ids, attempt, done, budget, first.second);
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
    // Which targets are in force, exactly. Addresses: asked of the kernel one by one
    // (NftNetlink; without it, `get element`). Prefixes: the two interval sets are listed
    // (small; a prefix query would answer with the element that contains it).
    std::vector<Target> present;
    std::vector<Target> prefixes_in_force;
    bool prefixes_listed = false;
    std::vector<Target> addrs[2];  // v4, v6
    for (const auto& [t, idx] : targets) {
      if (t.is_single()) {
        addrs[t.is_v4() ? 0 : 1].push_back(t);
        continue;
      }
      if (!prefixes_listed) {
        prefixes_in_force = existing_prefixes();
        prefixes_listed = true;
      }
      if (std::find(prefixes_in_force.begin(), prefixes_in_force.end(), t) !=
          prefixes_in_force.end()) {
        present.push_back(t);
        continue;
      }
      std::string inside;
      for (const auto& p : prefixes_in_force) {
        if (p.contains(t)) inside = p.text();
      }
      finish(t, Outcome::NotFound,
             inside.empty() ? "not in force" : "not in force itself; inside " + inside);
    }
    nft::NftNetlink* nl = netlink();
    for (int fam = 0; fam < 2; ++fam) {
      if (addrs[fam].empty()) continue;
      const std::string_view set = nft::kSetNames[fam == 0 ? 0 : 2];
      if (nl != nullptr) {
        auto p = nl->elements_present(cfg_.table, set, addrs[fam]);
        if (p) {
          for (std::size_t i = 0; i < addrs[fam].size(); ++i) {
            if ((*p)[i] == 0) {
              finish(addrs[fam][i], Outcome::NotFound, "not in force");
            } else {
              present.push_back(addrs[fam][i]);  // there, or unknown: the delete will tell
            }
          }
          continue;
        }
        auto code = classify_nft_error(p.error().message);
        if (unusable(code)) {
          for (const auto& t : addrs[fam]) {
            finish(t, Outcome::Failed, explain(code, p.error().message));
          }
          continue;
        }
      }
      for (const auto& t : addrs[fam]) {
        Run r =
            run("get element inet " + cfg_.table + " " + std::string(set) + " { " + t.text() + " }",
                false, false);
        if (r.ok) {
          present.push_back(t);
        } else if (auto code = classify_nft_error(r.error); code == "not_found") {
          finish(t, Outcome::NotFound, "not in force");
        } else {
          finish(t, Outcome::Failed, explain(code, r.error));
        }
      }
    }
    if (present.empty()) return results;
    auto attempt = [&](const std::vector<std::size_t>& ids) {
      std::vector<Target> sub;
      sub.reserve(ids.size());
      for (auto id : ids) sub.push_back(present[id]);
      Run r = run(nft::delete_commands(cfg_, sub), false, true);
      return std::make_pair(r.ok, r.error);
    };
    const Outcome ok_outcome = cfg_.dry_run ? Outcome::DryRun : Outcome::Revoked;
    auto done = [&](std::size_t id, bool ok, const std::string& err) {
      if (ok) {
        finish(present[id], ok_outcome, {});
      } else if (auto code = classify_nft_error(err); code == "not_found") {
        finish(present[id], Outcome::NotFound, "not in force");  // expired meanwhile
      } else {
        finish(present[id], Outcome::Failed, explain(code, err));
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
    // No listing: `list tables` loads every set element first (minutes with 1 M). Ask the
    // kernel whether the table is there, and let `delete table` say ENOENT otherwise.
    if (nft::NftNetlink* nl = netlink()) {
      auto exists = nl->table_exists(cfg_.table);
      if (exists && !*exists) return report;
    }
    Run r = run(nft::delete_table_command(cfg_), false, true);
    if (!r.ok) {
      auto code = classify_nft_error(r.error);
      if (code == "not_found") return report;
      return core::make_error(std::string(code), explain(code, r.error));
    }
    report.existed = true;
    return report;
  } catch (const std::exception& e) {
    return core::make_error("exception", e.what());
  }
}

core::Result<std::vector<EnforcedEntry>> NftablesActuator::list() {
  try {
    std::vector<EnforcedEntry> out;
    for (auto set : nft::kSetNames) {
      // The address sets can hold a million elements: read them with one netlink dump in
      // big buffers (libnftables reads 4 KB at a time, and the kernel's hash-set dump starts
      // over for every buffer). The prefix sets are small: libnftables lists them.
      const bool addresses = set == nft::kSetNames[0] || set == nft::kSetNames[2];
      if (nft::NftNetlink* nl = addresses ? netlink() : nullptr) {
        auto els = nl->dump_addresses(cfg_.table, set, set == nft::kSetNames[0]);
        if (els) {
          out.insert(out.end(), std::make_move_iterator(els->begin()),
                     std::make_move_iterator(els->end()));
          continue;
        }
        auto code = classify_nft_error(els.error().message);
        if (unusable(code)) {
          return core::make_error(std::string(code), explain(code, els.error().message));
        }
      }
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
