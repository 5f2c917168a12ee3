// The daemon's stage threads: the pipeline thread (app::Pipeline — decode -> enrich ->
// detect -> decide, the same object `bannin replay` runs — on live batches and probe rounds)
// and the act thread (actuator calls, decision states, expiry, retention).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>

#include <bannin/act/actuator.h>
#include <bannin/app/account_mail.h>
#include <bannin/app/daemon.h>
#include <bannin/app/domain_probe.h>
#include <bannin/app/kpi_probe.h>
#include <bannin/app/pipeline.h>
#include <bannin/core/file_io.h>
#include <bannin/core/json_writer.h>
#include <bannin/model/event_format.h>
#include <bannin/probe/domain/report_format.h>
#include <bannin/probe/file/file_events.h>
#include <bannin/probe/kpi/sample.h>
#include <bannin/store/store.h>

namespace bannin::app {

namespace {

// The daemon's end of the pipeline: findings and decisions become store rows (committed
// with the batch's checkpoint) and orders for the act thread. The FindingLinker numbers the
// findings so the decisions that follow name theirs (DecisionRow::finding_id): the API shows
// a finding with the decisions it caused and groups them into incidents.
class DaemonOutput final : public PipelineOutput {
 public:
  DaemonOutput(store::StoreWriter& writer, std::atomic<std::uint64_t>& findings,
               FindingLinker& linker, std::function<void(decide::Decision, std::int64_t)> push,
               BoundedQueue<NotifyItem>* notices, notify::Notifier* notifier, LogKpis* kpis)
      : kpis_(kpis),
        writer_(writer),
        findings_(findings),
        linker_(linker),
        push_(std::move(push)),
        notices_(notices),
        notifier_(notifier) {}
  /// A finding of a rule marked `record: true` freezes the flight recorder.
  std::function<void(const std::string& rule)> record;
  void on_event(const model::Event& ev) override {
    if (kpis_ != nullptr) kpis_->count(ev);
    mail_.count(ev);
  }
  void on_finding(const detect::Finding& f, std::string group_json, std::string numbers_json,
                  const model::Event* trigger) override {
    findings_.fetch_add(1, std::memory_order_relaxed);
    if (record && f.rule != nullptr && f.rule->record) record(f.rule->id);
    // One of the server's own addresses on a block list: who sent the mail before it (S5).
    std::vector<std::string> extra;
    if (server_address_listed(f)) extra = mail_.evidence(f.ts);
    tell(f, extra);
    store::FindingRow row;
    row.id = linker_.on_finding(f, group_json);
    row.ts = f.ts;
    row.rule = f.rule->id;
    row.group_json = std::move(group_json);
    row.numbers_json = std::move(numbers_json);
    row.evidence = f.evidence;
    row.evidence.insert(row.evidence.end(), extra.begin(), extra.end());
    label_finding(row, f, trigger);
    writer_.push_wait(std::move(row), std::chrono::milliseconds(200));
  }
  void on_finding_update(const detect::Finding& f) override {
    tell(f, {});
    linker_.on_update(f);
  }
  void on_decision(decide::Decision d) override {
    if (notices_ != nullptr) {
      NotifyItem item;
      item.decision = d;
      item.wall = wall_now();
      if (!notices_->try_push(std::move(item))) notifier_->count_dropped(1);
    }
    push_(std::move(d), linker_.current());
  }

 private:
  // The notify thread gets a copy; a full queue drops it, counted (detection never waits
  // for mail).
  void tell(const detect::Finding& f, const std::vector<std::string>& extra) {
    if (notices_ == nullptr) return;
    NotifyItem item;
    item.wall = wall_now();
    item.finding = notify::finding_note(f, item.wall);
    item.finding->evidence.insert(item.finding->evidence.end(), extra.begin(), extra.end());
    if (!notices_->try_push(std::move(item))) notifier_->count_dropped(1);
  }
  // A domain.state.bad finding of a block-list check on one of the server's own addresses
  // (the domain probe's `ips`, grouped by src_ip).
  static bool server_address_listed(const detect::Finding& f) {
    if (f.rule == nullptr || f.rule->id != "domain.state.bad") return false;
    bool ip = false, dnsbl = false;
    for (const auto& [field, value] : f.group) {
      ip = ip || (field == model::Field::SrcIp && !value.empty());
      dnsbl = dnsbl || (field == model::Field::Check && value == "dnsbl");
    }
    return ip && dnsbl;
  }

  AccountMailTally mail_;  // mail.sent per sender and hour, for a listing of the server's IP
  LogKpis* kpis_;          // service KPIs from the logs (null: the KPI probe is off)
  store::StoreWriter& writer_;
  std::atomic<std::uint64_t>& findings_;
  FindingLinker& linker_;
  std::function<void(decide::Decision, std::int64_t)> push_;
  BoundedQueue<NotifyItem>* notices_;
  notify::Notifier* notifier_;
};

}  // namespace

void Daemon::push_decision(decide::Decision d, std::int64_t finding_id) {
  const std::int64_t id = next_decision_id_.fetch_add(1);
  decisions_.fetch_add(1, std::memory_order_relaxed);
  store::DecisionRow row = decision_row(id, d, wall_now());
  row.finding_id = finding_id;
  writer_->push_wait(std::move(row), std::chrono::milliseconds(200));
  ActItem item;
  item.kind = ActItem::Kind::Apply;
  item.id = id;
  item.decision = std::move(d);
  actions_->push_wait(std::move(item), std::chrono::milliseconds(1000));
}

void Daemon::pipeline_main() {
  FindingLinker linker(next_finding_id_);
  DaemonOutput output(
      *writer_, findings_, linker,
      [this](decide::Decision d, std::int64_t finding) { push_decision(std::move(d), finding); },
      notifier_ ? notify_items_.get() : nullptr, notifier_.get(), kpi_ ? &log_kpis_ : nullptr);
  output.record = [this](const std::string& rule) { record_for_rule(rule); };
  Pipeline pipeline(rules_, cfg_.memory_budget_mb << 20, geo_.get(), *decider_, &decide_mu_, output,
                    [this](const ruleset::Rule& r) { return rule_counters(r.id); });
  {
    // uid -> account for mail events (Postfix names the submitter by uid).
    std::string warning;
    pipeline.set_uid_accounts(load_uid_accounts(cfg_, warning));
    pipeline.set_inventory(inventory_);
    if (!warning.empty()) log("%s", warning.c_str());
  }
  std::vector<bool> broken;  // by stream: its decoder could not be built
  model::EventFormatter event_format;
  model::Event kpi_event;  // reused for every kpi.sample event
  model::Event change_ev;  // reused for every domain.change event, with its evidence line
  std::string change_text;
  // A probe's event through the rules, its JSON as the evidence text (one buffer, reused).
  std::string probe_raw;
  auto probe_event = [&](const model::Event& e) {
    probe_raw.clear();
    core::JsonObjectWriter o(probe_raw);
    event_format.append_json_members(o, e);
    o.close();
    pipeline.event(e, probe_raw);
  };

  // Learned baselines (rules with baseline()/deviation()): read back at start, saved each
  // minute and at stop.
  load_baselines(pipeline);
  core::TimeNs baselines_saved = mono_now();

  std::vector<Batch> batches;
  for (;;) {
    batches.clear();
    bool open = records_->pop_all(batches, std::chrono::milliseconds(250));
    if (!open || mono_now() - baselines_saved >= 60 * core::kNsPerSec) {
      save_baselines(pipeline);
      baselines_saved = mono_now();
    }
    if (batches.empty() && open) {
      // Idle: everything this thread pushed is followed by its checkpoint, so a commit point
      // here is safe; it commits what the act thread and the API queued meanwhile.
      writer_->push_wait(store::CheckpointRow{}, std::chrono::milliseconds(200));
      continue;
    }
    for (Batch& b : batches) {
      if (b.kind == Batch::Kind::Domain) {
        // A round of the domain probe: its store rows (latest states, the timeline), its
        // domain.status Events, and one domain.change Event per confirmed change (already
        // re-confirmed), all through the rules like any other event: rules/base/domain.yaml
        // makes the findings. Then a commit point (these rows belong to no source line).
        const DomainRound& r = *b.domain;
        for (const auto& row : r.latest) writer_->push_wait(row, std::chrono::milliseconds(200));
        for (const auto& c : r.changes) writer_->push_wait(c.row, std::chrono::milliseconds(200));
        probe::domain::for_each_event(r.reports, r.ts, probe_event);
        for (const auto& c : r.changes) {
          change_event(c, change_ev, change_text);
          pipeline.event(change_ev, change_text);
        }
        writer_->push_wait(store::CheckpointRow{}, std::chrono::milliseconds(200));
        continue;
      }
      if (b.kind == Batch::Kind::Files) {
        // Hits of the file probe: file.found Events through the rules (quarantine decisions
        // come out of them like any other), then a commit point.
        probe::file::for_each_event(b.files->hits, b.files->ts, probe_event);
        writer_->push_wait(store::CheckpointRow{}, std::chrono::milliseconds(200));
        continue;
      }
      if (b.kind == Batch::Kind::Processes) {
        // Flagged processes of the process probe: process.seen Events through the rules
        // (notices, SIGSTOP decisions), then a commit point.
        probe::process::for_each_event(b.processes->sightings, b.processes->ts, probe_event);
        writer_->push_wait(store::CheckpointRow{}, std::chrono::milliseconds(200));
        continue;
      }
      if (b.kind == Batch::Kind::Kpi) {
        // A sample of the KPI probe: one kpi.sample Event per value through the rules, its
        // JSON as the evidence text; then a commit point for what the rules found.
        probe::kpi::for_each_event(*b.kpi, kpi_->service_names(), kpi_->host(), kpi_event,
                                   probe_event);
        writer_->push_wait(store::CheckpointRow{}, std::chrono::milliseconds(200));
        continue;
      }
      if (b.kind == Batch::Kind::Findings) {
        write_findings(*b.findings, linker);  // the overload guard's transitions
        continue;
      }
      if (b.kind == Batch::Kind::Reload) {
        std::size_t kept = pipeline.reload(b.reload->rules, b.reload->memory_budget);
        log("reloaded: %zu rules, %zu kept their detection windows", b.reload->rules.size(), kept);
        continue;
      }
      Stream* stream = nullptr;
      {
        std::lock_guard lock(streams_mu_);
        stream = streams_[b.stream].get();
      }
      record_lines(b.stream, stream->origin, b);  // the flight recorder's ring of this source
      if (broken.size() <= b.stream) broken.resize(b.stream + 1);
      if (!pipeline.has_stream(b.stream) && !broken[b.stream]) {
        auto opened = pipeline.open_stream(b.stream, stream->decoder, wall_now());
        if (!opened) {
          broken[b.stream] = true;
          log("%s: %s", stream->origin.c_str(), opened.error().message.c_str());
        }
      }
      if (broken[b.stream]) {
        stream->decode_errors.fetch_add(b.ends.size(), std::memory_order_relaxed);
      } else {
        if (!pipeline.format_detected(b.stream)) {
          std::vector<std::string_view> sample;
          std::uint32_t start = 0;
          for (std::size_t i = 0; i < b.ends.size() && i < 64; ++i) {
            sample.emplace_back(b.data.data() + start, b.ends[i] - start);
            start = b.ends[i];
          }
          pipeline.detect_format(b.stream, sample);
        }
        std::uint32_t start = 0;
        std::uint64_t ok = 0, bad = 0;
        for (std::uint32_t end : b.ends) {
          std::string_view line(b.data.data() + start, end - start);
          start = end;
          if (pipeline.line(b.stream, line)) {
            ++ok;
          } else {
            ++bad;
          }
        }
        stream->decoded.fetch_add(ok, std::memory_order_relaxed);
        stream->decode_errors.fetch_add(bad, std::memory_order_relaxed);
      }
      // After everything these lines produced: the resume point (a commit point for the
      // store writer; sources without checkpoints still mark one, so their rows commit).
      store::CheckpointRow cp;
      cp.source = b.checkpoint ? b.checkpoint_key : stream->origin;
      if (b.checkpoint) {
        cp.device = b.checkpoint->device;
        cp.inode = b.checkpoint->inode;
        cp.offset = b.checkpoint->offset;
        cp.head_hash = b.checkpoint->head_hash;
        cp.cursor = b.checkpoint->cursor;
      }
      cp.updated_ts = wall_now();
      writer_->push_wait(std::move(cp), std::chrono::milliseconds(200));
    }
    detect_memory_ = pipeline.detect_stats().memory_bytes;
    detect_evicted_ = pipeline.detect_stats().groups_evicted;
    if (!open) break;
  }
}

std::string Daemon::baselines_path() const {
  std::filesystem::path store(cfg_.store_path);
  return store.has_parent_path() ? store.parent_path().string() + "/baselines.bin"
                                 : std::string("baselines.bin");
}

void Daemon::load_baselines(Pipeline& pipeline) {
  const std::string path = baselines_path();
  auto read = core::read_small_file(path);
  if (!read) {
    log("baselines: %s; learning afresh", read.error().message.c_str());
    return;
  }
  if (!*read) return;  // first start
  auto r = pipeline.load_baselines(**read);
  if (r.bad) {
    const std::string aside = path + ".bad";
    std::rename(path.c_str(), aside.c_str());
    log("baselines: %s is not a baselines file or is cut short; set aside as %s (%zu states "
        "read before the problem)",
        path.c_str(), aside.c_str(), r.loaded);
  } else if (r.loaded + r.skipped != 0) {
    log("baselines: %zu learned states restored from %s (%zu of rules or aggregates no longer "
        "loaded)",
        r.loaded, path.c_str(), r.skipped);
  }
}

void Daemon::save_baselines(const Pipeline& pipeline) {
  std::string blob = pipeline.save_baselines();
  const std::string path = baselines_path();
  if (blob.size() <= 32 && !std::filesystem::exists(path)) return;  // no rule learns anything
  if (auto w = core::write_file_atomic(path, blob); !w) {
    if (!baselines_error_logged_) log("baselines: %s", w.error().message.c_str());
    baselines_error_logged_ = true;
  } else {
    baselines_error_logged_ = false;
  }
}

void Daemon::act_main() {
  std::vector<ActItem> items;
  std::vector<decide::Decision> batch;
  std::vector<std::int64_t> ids;
  auto last_prune = std::chrono::steady_clock::now() - std::chrono::minutes(50);  // 10 min in
  std::uint64_t last_retries = 0;
  bool was_healthy = true;

  auto state = [&](std::int64_t id, const char* s, std::string note) {
    writer_->push_wait(store::StateChange{id, wall_now(), s, std::move(note)},
                       std::chrono::milliseconds(200));
  };
  auto forget = [&](const decide::Decision& d) {
    std::lock_guard lock(decide_mu_);
    decider_->forget(d.key());
  };

  for (;;) {
    items.clear();
    bool open = actions_->pop_all(items, std::chrono::milliseconds(250));
    // Decisions a web server carries out are gathered for the actuator's batch window, so a
    // wave makes one reload.
    if (const auto window = actuator_->batch_window();
        open && window.count() > 0 &&
        std::any_of(items.begin(), items.end(), [](const ActItem& it) {
          return it.kind == ActItem::Kind::Apply &&
                 (it.decision.scope == "vhost" || it.decision.scope == "vhost_path");
        })) {
      const auto until = std::chrono::steady_clock::now() + window;
      while (open) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            until - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        open = actions_->pop_all(items, left);
      }
    }
    batch.clear();
    ids.clear();
    for (auto& it : items) {
      if (it.kind == ActItem::Kind::Apply) {
        batch.push_back(it.decision);
        ids.push_back(it.id);
      }
    }
    if (!batch.empty()) {
      const core::TimeNs now = wall_now();
      auto results = actuator_->apply(batch);
      for (const auto& r : results) {
        const decide::Decision& d = batch[r.index];
        const std::int64_t id = ids[r.index];
        writer_->push_wait(store::ActionRow{id, now, actuator_name_,
                                            std::string(act::outcome_name(r.outcome)), r.detail},
                           std::chrono::milliseconds(200));
        InForce f{d, r.target.empty() ? target_text(d) : r.target, now + d.ttl, "proposed"};
        switch (r.outcome) {
          case act::Outcome::Applied:
          case act::Outcome::Covered:
            f.state = "active";
            state(id, "active", r.outcome == act::Outcome::Covered ? r.detail : "");
            applied_.fetch_add(1, std::memory_order_relaxed);
            break;
          case act::Outcome::Recorded:
          case act::Outcome::DryRun:
          case act::Outcome::Unsupported:
            break;  // observe mode, or a scope this actuator cannot carry out: stays proposed
          default:
            failed_actions_.fetch_add(1, std::memory_order_relaxed);
            state(id, "failed", r.detail);
            forget(d);
            continue;
        }
        std::lock_guard lock(in_force_mu_);
        in_force_[id] = std::move(f);
      }
    }
    for (auto& it : items) {
      if (it.kind != ActItem::Kind::Revoke) continue;
      InForce f;
      {
        std::lock_guard lock(in_force_mu_);
        auto found = in_force_.find(it.id);
        if (found == in_force_.end()) continue;
        f = found->second;
        in_force_.erase(found);
      }
      const decide::Decision one[] = {f.decision};
      auto results = actuator_->revoke(one);
      std::string outcome =
          results.empty() ? "?" : std::string(act::outcome_name(results[0].outcome));
      writer_->push_wait(store::ActionRow{it.id, wall_now(), actuator_name_, outcome,
                                          results.empty() ? "" : results[0].detail},
                         std::chrono::milliseconds(200));
      if (!it.state_written) state(it.id, "revoked", it.note);
      forget(f.decision);
      revoked_.fetch_add(1, std::memory_order_relaxed);
    }
    // Expiry (the kernel drops timed-out elements by itself; here the record follows).
    const core::TimeNs now = wall_now();
    std::vector<std::pair<std::int64_t, decide::Decision>> ended;
    {
      std::lock_guard lock(in_force_mu_);
      for (auto it = in_force_.begin(); it != in_force_.end();) {
        if (it->second.expires <= now) {
          ended.emplace_back(it->first, it->second.decision);
          it = in_force_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& [id, d] : ended) {
      state(id, "expired", "");
      forget(d);
      expired_.fetch_add(1, std::memory_order_relaxed);
    }
    // What the decider wants a person to hear (a rule at its cap, an escalation refused).
    {
      std::vector<decide::DeciderNote> notes;
      {
        std::lock_guard lock(decide_mu_);
        notes = decider_->take_notes(now);
      }
      for (const auto& n : notes) log("decide: %s", n.text.c_str());
    }
    // The actuator's own trouble (the observe file on a full disk), retried here and said in
    // the log once per change of state, like the store below.
    {
      act::ActuatorHealth h = actuator_->health();
      bool was_ok;
      {
        std::lock_guard lock(in_force_mu_);
        was_ok = actuator_health_.ok;
        actuator_health_ = h;
      }
      if (!h.ok && was_ok) {
        log("act: %s: %s", actuator_name_.c_str(), h.problem.c_str());
      } else if (h.ok && !was_ok) {
        log("act: %s: writes succeed again (%llu failed attempts, %llu lines dropped)",
            actuator_name_.c_str(), static_cast<unsigned long long>(h.errors),
            static_cast<unsigned long long>(h.dropped));
      }
    }
    // A store in trouble (disk full, I/O error) is said in the log once per change of state;
    // the writer keeps the rows and retries.
    {
      bool healthy = writer_->healthy();
      std::uint64_t retries = writer_->retries();
      if (retries != last_retries) {
        log("store: commit failed (%llu so far), will retry: %s",
            static_cast<unsigned long long>(retries), writer_->last_error().c_str());
        last_retries = retries;
      } else if (healthy && !was_healthy) {
        log("store: commits succeed again");
      }
      was_healthy = healthy;
    }
    // These rows belong to no source line; they commit with the pipeline's next checkpoint
    // or its idle commit point (a commit point from this thread could fall between a batch's
    // findings and that batch's checkpoint, and commit lines a crash would then read again).
    // Retention, hourly, on the reading connection (the writer keeps committing meanwhile).
    if (std::chrono::steady_clock::now() - last_prune >= std::chrono::hours(1)) {
      last_prune = std::chrono::steady_clock::now();
      constexpr core::TimeNs kDay = 86400 * core::kNsPerSec;
      auto days = [](core::TimeNs keep) {
        return keep <= 0 ? 0 : static_cast<int>(std::max<core::TimeNs>(1, keep / kDay));
      };
      store::RetentionPolicy rp;
      rp.findings_days = days(cfg_.keep_findings);
      rp.decisions_days = days(cfg_.keep_decisions);
      rp.actions_days = days(cfg_.keep_actions);
      std::lock_guard lock(read_store_mu_);
      auto pr = read_store_->prune(rp, now);
      if (!pr) log("store: retention: %s", pr.error().message.c_str());
    }
    if (!open) break;
  }
}

void Daemon::notify_main() {
  std::vector<NotifyItem> items;
  // tick() walks every open incident: at most every 100 ms, however fast findings come.
  auto last_tick = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  for (;;) {
    items.clear();
    bool open = notify_items_->pop_all(items, std::chrono::milliseconds(100));
    for (auto& it : items) {
      try {
        if (it.finding) notifier_->observe(*it.finding);
        if (it.decision) notifier_->observe(*it.decision, it.wall);
      } catch (const std::exception& e) {
        log("notify: %s", e.what());
      }
    }
    try {
      const auto now = std::chrono::steady_clock::now();
      if (open && now - last_tick >= std::chrono::milliseconds(100)) {
        notifier_->tick(wall_now());
        last_tick = now;
      } else if (!open) {
        notifier_->flush(wall_now());  // at stop: what waits for its gather time goes now
      }
    } catch (const std::exception& e) {
      log("notify: %s", e.what());
    }
    if (!open) break;
  }
}

}  // namespace bannin::app
