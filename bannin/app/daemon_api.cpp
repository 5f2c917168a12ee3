// Daemon: reconciliation with the store at start, and what the API asks (status, decisions,
// manual decisions and revocations, metrics). Called from the API's worker threads.
#include <algorithm>
#include <cstdio>
#include <set>

#include <unistd.h>

#include <bannin/act/actuator.h>
#include <bannin/act/decision_json.h>
#include <bannin/api/server.h>
#include <bannin/app/daemon.h>
#include <bannin/app/pipeline.h>
#include <bannin/core/json_writer.h>
#include <bannin/store/decision_export.h>
#include <bannin/store/store.h>

#ifndef BANNIN_VERSION
#define BANNIN_VERSION "0.0.0"
#endif

namespace bannin::app {

namespace {

// A stored decision back as a Decision (through the same JSON reader `decisions apply` uses).
core::Result<decide::Decision> decision_from_row(const store::DecisionRow& row) {
  std::string line;
  core::JsonObjectWriter o(line);
  o.string("type", "decision");
  o.string("ts", core::format_rfc3339(row.ts));
  o.string("rule", row.rule);
  o.string("origin", row.origin);
  o.string("action", row.action);
  o.string("scope", row.scope);
  o.raw("target", row.target_json);
  o.integer("ttl_s", row.ttl_s);
  o.string("reason", row.reason);
  o.close();
  auto d = act::parse_decision_line(line);
  if (!d) return d.error();
  if (!*d) return core::make_error("bad_decision", "stored decision is not a decision");
  decide::Decision out = **d;
  out.origin = row.origin;
  return out;
}

}  // namespace

core::Result<bool> Daemon::reconcile_with(store::Store& st) {
  const core::TimeNs now = wall_now();
  std::size_t expired = 0, restored = 0, reapplied = 0, failed = 0, stray = 0;
  auto due = st.due(now);
  if (!due) return core::make_error("store", "store: " + due.error().message);
  for (const auto& row : *due) {
    (void)st.set_state(row.id, "expired", now, "expired while bannin was stopped");
    ++expired;
  }
  auto rows = st.in_force(now);
  if (!rows) return core::make_error("store", "store: " + rows.error().message);
  std::vector<decide::Decision> batch;
  std::vector<store::DecisionRow> batch_rows;
  for (const auto& row : *rows) {
    auto d = decision_from_row(row);
    if (!d) {
      (void)st.set_state(row.id, "failed", now, "unreadable in the store: " + d.error().message);
      ++failed;
      continue;
    }
    core::TimeNs expires = row.expires;
    d->ttl = std::max<core::TimeNs>(core::kNsPerSec, expires - now);  // what is left of it
    batch.push_back(*d);
    batch_rows.push_back(row);
  }
  std::set<std::string> wanted;
  if (!batch.empty()) {
    auto results = actuator_->apply(batch);
    for (const auto& r : results) {
      const auto& row = batch_rows[r.index];
      decide::Decision& d = batch[r.index];
      InForce f{d, r.target.empty() ? target_text(d) : r.target, now + d.ttl, row.state};
      if (r.outcome == act::Outcome::Applied || r.outcome == act::Outcome::Covered) {
        if (row.state != "active") (void)st.set_state(row.id, "active", now, "applied at start");
        f.state = "active";
        ++reapplied;
      } else if (r.outcome == act::Outcome::Failed || r.outcome == act::Outcome::Invalid) {
        (void)st.set_state(row.id, "failed", now, r.detail);
        ++failed;
        continue;
      }
      (void)st.add_action(store::ActionRow{row.id, now, actuator_name_,
                                           std::string(act::outcome_name(r.outcome)),
                                           "re-applied at start " + r.detail});
      wanted.insert(f.target);
      decider_->restore(d, d.ts + d.ttl);
      in_force_[row.id] = std::move(f);
      ++restored;
    }
  }
  // What the kernel holds that the store does not know (left from a crash between the
  // kernel call and the commit, or added by hand) is removed: the store is the truth.
  if (cfg_.enforce) {
    auto listed = actuator_->list();
    if (listed) {
      std::vector<decide::Decision> remove;
      for (const auto& e : *listed) {
        if (wanted.count(e.target) != 0) continue;
        if (e.where.rfind("webserver:", 0) == 0) continue;  // its files follow what it holds
        decide::Decision d;
        d.action = "deny";
        if (e.target.find('/') != std::string::npos) {
          d.scope = "prefix";
          d.prefix = e.target;
        } else {
          d.scope = "ip";
          d.ip = e.target;
        }
        remove.push_back(d);
      }
      if (!remove.empty()) {
        actuator_->revoke(remove);
        stray = remove.size();
      }
    }
  }
  log("store: %zu decisions in force restored (%zu re-applied), %zu expired while stopped, "
      "%zu unusable, %zu stray kernel elements removed",
      restored, reapplied, expired, failed, stray);
  return true;
}

std::string Daemon::status_json() {
  std::string out;
  core::JsonObjectWriter o(out);
  const core::TimeNs now = wall_now();
  o.key("daemon");
  {
    core::JsonObjectWriter d(out);
    d.string("version", BANNIN_VERSION);
    d.string("mode", cfg_.enforce ? "enforce" : "observe");
    d.string("started", core::format_rfc3339(started_));
    d.integer("uptime_s", (now - started_) / core::kNsPerSec);
    d.string("config", cfg_.origin);
    d.integer("pid", static_cast<std::int64_t>(::getpid()));
    d.integer("rules", static_cast<std::int64_t>(rule_count_.load()));
    d.u64("reloads", reloads_.load());
    d.close();
  }
  o.key("sources");
  out += '[';
  {
    std::lock_guard lock(streams_mu_);
    bool first = true;
    for (const auto& s : streams_) {
      if (!first) out += ',';
      first = false;
      core::JsonObjectWriter j(out);
      j.integer("id", s->id);
      j.string("kind", s->kind);
      j.string("origin", s->origin);
      j.string("decoder", s->decoder);
      std::string state = s->closed ? "closed" : s->missing ? "missing" : "ok";
      j.string("state", state);
      j.u64("lines", s->lines.load());
      j.u64("decoded", s->decoded.load());
      j.u64("decode_errors", s->decode_errors.load());
      const std::uint64_t lines = s->lines.load(), before = s->lines_minute_ago.load();
      char rate[32];
      std::snprintf(rate, sizeof rate, "%.2f",
                    static_cast<double>(lines - std::min(lines, before)) / 60.0);
      j.raw("rate_1m", rate);
      j.u64("dropped", s->dropped.load());
      j.u64("dropped_kernel", s->dropped_kernel.load());
      j.u64("errors", s->errors.load());
      j.u64("rotations", s->rotations.load());
      j.u64("truncations", s->truncations.load());
      j.u64("unaccounted_bytes", s->unaccounted_bytes.load());
      j.boolean("missing", s->missing.load());
      {
        std::lock_guard nl(s->note_mu);
        if (!s->note.empty()) j.string("note", s->note);
      }
      j.close();
    }
  }
  out += ']';
  o.key("queues");
  out += '[';
  auto queue = [&](const char* name, std::size_t depth, std::size_t cap, std::uint64_t dropped,
                   bool comma) {
    if (comma) out += ',';
    core::JsonObjectWriter q(out);
    q.string("name", name);
    q.integer("depth", static_cast<std::int64_t>(depth));
    q.integer("capacity", static_cast<std::int64_t>(cap));
    q.u64("dropped", dropped);
    q.close();
  };
  if (records_)
    queue("records", records_->depth(), records_->capacity(), records_->dropped(), false);
  if (actions_)
    queue("actions", actions_->depth(), actions_->capacity(), actions_->dropped(), true);
  if (writer_) queue("store", writer_->depth(), writer_->capacity(), writer_->dropped(), true);
  out += ']';
  o.key("store");
  {
    core::JsonObjectWriter s(out);
    s.string("path", cfg_.store_path);
    if (writer_) {
      s.boolean("ok", writer_->healthy());
      std::string err = writer_->last_error();
      if (!err.empty()) s.string("last_error", err);
      s.u64("written", writer_->written());
      s.u64("failed", writer_->failed());
      s.u64("dropped", writer_->dropped());
      s.u64("commits", writer_->commits());
      s.u64("retries", writer_->retries());
      s.u64("early_commits", writer_->early_commits());
    }
    s.close();
  }
  o.key("detect");
  {
    core::JsonObjectWriter d(out);
    d.u64("findings", findings_.load());
    d.u64("memory_bytes", detect_memory_.load());
    d.u64("groups_evicted", detect_evicted_.load());
    d.close();
  }
  o.key("decisions");
  {
    core::JsonObjectWriter d(out);
    std::size_t active = 0, proposed = 0;
    std::vector<std::pair<std::int64_t, InForce>> latest;
    {
      std::lock_guard lock(in_force_mu_);
      for (const auto& [id, f] : in_force_) (f.state == "active" ? active : proposed)++;
      for (auto it = in_force_.rbegin(); it != in_force_.rend() && latest.size() < 10; ++it) {
        latest.emplace_back(it->first, it->second);
      }
    }
    d.integer("in_force", static_cast<std::int64_t>(active + proposed));
    d.integer("active", static_cast<std::int64_t>(active));
    d.integer("proposed", static_cast<std::int64_t>(proposed));
    d.u64("taken", decisions_.load());
    d.u64("applied", applied_.load());
    d.u64("failed", failed_actions_.load());
    d.u64("expired", expired_.load());
    d.u64("revoked", revoked_.load());
    {
      std::lock_guard lock(decide_mu_);
      const auto& st = decider_->stats();
      d.u64("suppressed_active", st.suppressed_active);
      d.u64("suppressed_allowlist", st.suppressed_allowlist);
      d.u64("suppressed_cap", st.suppressed_cap);
    }
    d.key("latest");
    out += '[';
    for (std::size_t i = 0; i < latest.size(); ++i) {
      if (i) out += ',';
      const InForce& f = latest[i].second;
      core::JsonObjectWriter l(out);
      l.integer("id", latest[i].first);
      l.string("state", f.state);
      l.string("scope", f.decision.scope);
      l.string("target", f.target);
      l.string("action", f.decision.action);
      l.string("rule", f.decision.rule);
      l.integer("expires_in_s", std::max<core::TimeNs>(0, f.expires - now) / core::kNsPerSec);
      l.close();
    }
    out += ']';
    d.close();
  }
  act::ActuatorHealth ah;
  {
    std::lock_guard lock(in_force_mu_);
    ah = actuator_health_;
  }
  o.key("actuator");
  {
    core::JsonObjectWriter a(out);
    a.string("name", actuator_name_);
    a.boolean("ok", ah.ok);
    a.string("problem", ah.problem);
    a.u64("pending_bytes", ah.pending_bytes);
    a.u64("errors", ah.errors);
    a.u64("dropped", ah.dropped);
    a.close();
  }
  o.key("domains");
  out += domains_status_json();
  o.key("notify");
  out += notify_status_json();
  o.key("files");
  out += files_status_json();
  std::vector<std::string> problems;
  o.key("kpi");
  out += kpi_status_json(problems);
  o.key("guard");
  out += guard_status_json();
  o.key("recorder");
  out += recorder_status_json();
  if (!ah.ok) problems.insert(problems.begin(), actuator_name_ + ": " + ah.problem);
  o.key("problems");
  out += '[';
  for (std::size_t i = 0; i < problems.size(); ++i) {
    if (i) out += ',';
    core::json_append_string(out, problems[i]);
  }
  out += ']';
  o.close();
  return out;
}

core::Result<std::string> Daemon::decisions_json(const std::string& state) {
  std::lock_guard lock(read_store_mu_);
  auto rows = read_store_->decisions(state);
  if (!rows) return rows.error();
  std::reverse(rows->begin(), rows->end());  // newest first
  return store::decisions_json(std::span<const store::DecisionRow>(*rows));
}

core::Result<std::string> Daemon::add_decision(const decide::Decision& given) {
  decide::Decision d = given;
  d.origin = "person";
  if (d.rule.empty()) d.rule = "manual";
  d.ts = wall_now();
  {
    std::lock_guard lock(decide_mu_);
    auto ok = decider_->add_manual(d);
    if (!ok) return ok.error();
  }
  const std::int64_t id = next_decision_id_.fetch_add(1);
  decisions_.fetch_add(1, std::memory_order_relaxed);
  // A person's decision is durable before the API answers: written on the reading
  // connection in its own transaction, not queued behind the pipeline's checkpoints.
  {
    std::lock_guard lock(read_store_mu_);
    auto r = read_store_->add_decision(decision_row(id, d, d.ts));
    if (!r) return core::make_error("store", "could not record the decision: " + r.error().message);
  }
  ActItem item;
  item.kind = ActItem::Kind::Apply;
  item.id = id;
  item.decision = d;
  if (!actions_->push_wait(std::move(item), std::chrono::seconds(2))) {
    return core::make_error("busy", "the action queue is full; try again");
  }
  std::string out;
  core::JsonObjectWriter o(out);
  o.integer("id", id);
  o.string("state", cfg_.enforce ? "active" : "proposed");
  o.string("scope", d.scope);
  o.string("target", target_text(d));
  o.string("action", d.action);
  o.integer("ttl_s", d.ttl / core::kNsPerSec);
  o.string("reason", d.reason);
  o.close();
  return out;
}

core::Result<int> Daemon::revoke(const std::string& target, const std::string& note) {
  std::vector<std::int64_t> ids;
  {
    std::lock_guard lock(in_force_mu_);
    for (auto& [id, f] : in_force_) {
      // One already being revoked (its item still queued for the act thread) is not in force
      // for a second DELETE: that one answers 404, as it would a moment later.
      if (f.revoking) continue;
      if (f.target == target || target_text(f.decision) == target) {
        ids.push_back(id);
        f.revoking = true;
      }
    }
  }
  if (ids.empty()) return core::make_error("not_found", "no decision in force for " + target);
  return revoke_ids(ids, note);
}

core::Result<int> Daemon::revoke_id(std::int64_t id, const std::string& note) {
  {
    std::lock_guard lock(in_force_mu_);
    auto it = in_force_.find(id);
    if (it == in_force_.end() || it->second.revoking) return 0;
    it->second.revoking = true;
  }
  return revoke_ids({id}, note);
}

core::Result<int> Daemon::revoke_ids(const std::vector<std::int64_t>& ids,
                                     const std::string& note) {
  for (auto id : ids) {
    ActItem item;
    item.kind = ActItem::Kind::Revoke;
    item.id = id;
    item.note = note.empty() ? "revoked through the API" : note;
    {
      // Durable before the API answers (else a crash could bring the decision back at the
      // next start); a decision whose row is still queued gets its state through the queue.
      std::lock_guard lock(read_store_mu_);
      item.state_written =
          static_cast<bool>(read_store_->set_state(id, "revoked", wall_now(), item.note));
    }
    if (!actions_->push_wait(std::move(item), std::chrono::seconds(2))) {
      // Not queued: this one and the ones after it are still in force for a retry.
      std::lock_guard lock(in_force_mu_);
      for (auto rest = std::find(ids.begin(), ids.end(), id); rest != ids.end(); ++rest) {
        if (auto f = in_force_.find(*rest); f != in_force_.end()) f->second.revoking = false;
      }
      return core::make_error("busy", "the action queue is full; try again");
    }
  }
  return static_cast<int>(ids.size());
}

core::Result<std::string> Daemon::decision_stream(const api::StreamRequest& request) {
  return lapi_->stream(request);
}

core::Result<std::string> Daemon::bouncer_decisions(const std::string& api_key,
                                                    const std::string& ip) {
  return lapi_->decisions_for(api_key, ip);
}

std::string Daemon::metrics_text() {
  std::string m;
  char line[512];
  auto metric = [&](const char* name, const char* help, const char* type, double v) {
    std::snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name,
                  type, name, v);
    m += line;
  };
  metric("bannin_uptime_seconds", "Seconds since the daemon started.", "gauge",
         static_cast<double>(wall_now() - started_) / core::kNsPerSec);
  // One family per metric, each with its HELP and TYPE (promtool check metrics, tested).
  {
    std::string lines, dropped, errors;
    lines =
        "# HELP bannin_source_lines_total Lines (messages) read per source.\n"
        "# TYPE bannin_source_lines_total counter\n";
    dropped =
        "# HELP bannin_source_dropped_total Lines lost per source (queue full or kernel drops).\n"
        "# TYPE bannin_source_dropped_total counter\n";
    errors =
        "# HELP bannin_source_decode_errors_total Lines a source's decoder could not read.\n"
        "# TYPE bannin_source_decode_errors_total counter\n";
    std::lock_guard lock(streams_mu_);
    for (const auto& s : streams_) {
      std::string origin;
      for (char c : s->origin) {
        if (c == '"' || c == '\\') origin += '\\';
        origin += c;
      }
      const std::string labels = "{kind=\"" + s->kind + "\",origin=\"" + origin + "\"} ";
      lines += "bannin_source_lines_total" + labels + std::to_string(s->lines.load()) + "\n";
      dropped += "bannin_source_dropped_total" + labels +
                 std::to_string(s->dropped.load() + s->dropped_kernel.load()) + "\n";
      errors += "bannin_source_decode_errors_total" + labels +
                std::to_string(s->decode_errors.load()) + "\n";
    }
    m += lines + dropped + errors;
  }
  {
    const auto c = lapi_->counters();
    metric("bannin_bouncer_polls_total", "Decision stream answers to CrowdSec bouncers.", "counter",
           static_cast<double>(c.polls));
    metric("bannin_bouncer_refused_total", "Bouncer requests refused (unknown key).", "counter",
           static_cast<double>(c.refused));
    metric("bannin_bouncer_store_errors_total",
           "Bouncer polls answered \"no change\" because the store failed.", "counter",
           static_cast<double>(c.store_errors));
  }
  metric("bannin_findings_total", "Findings (rules that fired).", "counter",
         static_cast<double>(findings_.load()));
  metric("bannin_decisions_total", "Decisions taken.", "counter",
         static_cast<double>(decisions_.load()));
  {
    std::lock_guard lock(in_force_mu_);
    metric("bannin_decisions_in_force", "Decisions in force now.", "gauge",
           static_cast<double>(in_force_.size()));
  }
  metric("bannin_actions_failed_total", "Actuator calls that failed.", "counter",
         static_cast<double>(failed_actions_.load()));
  if (records_) {
    metric("bannin_queue_records_depth", "Batches waiting for detection.", "gauge",
           static_cast<double>(records_->depth()));
  }
  if (writer_) {
    metric("bannin_store_rows_written_total", "Rows committed to the store.", "counter",
           static_cast<double>(writer_->written()));
    metric("bannin_store_rows_dropped_total", "Rows the store queue could not take.", "counter",
           static_cast<double>(writer_->dropped()));
    metric("bannin_store_healthy", "1 when the last store commit succeeded.", "gauge",
           writer_->healthy() ? 1 : 0);
  }
  metric("bannin_detect_memory_bytes", "Detection state size.", "gauge",
         static_cast<double>(detect_memory_.load()));
  return m;
}

}  // namespace bannin::app
