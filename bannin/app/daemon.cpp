// Daemon: ordered start and stop, reload, reconciliation with the store, and the API's view
// (status, decisions, metrics). The three stage threads live in ingest.cpp and pipeline.cpp.
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bannin/act/hook/hook_actuator.h>
#include <bannin/act/nftables/nftables_actuator.h>
#include <bannin/act/recording/recording_actuator.h>
#include <bannin/act/routing_actuator.h>
#include <bannin/act/target.h>
#include <bannin/act/webserver/run_command.h>
#include <bannin/act/webserver/webserver_actuator.h>
#include <bannin/api/server.h>
#include <bannin/app/daemon.h>
#include <bannin/app/domain_probe.h>
#include <bannin/app/flight_recorder.h>
#include <bannin/app/guard_runner.h>
#include <bannin/app/kpi_probe.h>
#include <bannin/app/pipeline.h>
#include <bannin/core/duration.h>
#include <bannin/core/json_writer.h>
#include <bannin/decide/allowlist.h>
#include <bannin/enrich/geo_db.h>
#include <bannin/store/store.h>

#ifndef BANNIN_VERSION
#define BANNIN_VERSION "0.0.0"
#endif

namespace bannin::app {

namespace fs = std::filesystem;

core::TimeNs wall_now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<core::TimeNs>(ts.tv_sec) * core::kNsPerSec + ts.tv_nsec;
}

core::TimeNs mono_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<core::TimeNs>(ts.tv_sec) * core::kNsPerSec + ts.tv_nsec;
}

std::string target_text(const decide::Decision& d) {
  if (d.scope == "ip") return d.ip;
  if (d.scope == "prefix") return d.prefix;
  if (d.scope == "file") return d.file;
  if (d.scope == "account") return d.account;
  if (d.scope == "user") return d.user;
  if (d.scope == "process") return "process " + d.process;
  return d.vhost + d.path;
}

void Daemon::log(const char* fmt, ...) const {
  char text[2048];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  time_t t = time(nullptr);
  tm tmv{};
  gmtime_r(&t, &tmv);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tmv);
  std::fprintf(stderr, "%s bannin: %s\n", when, text);
}

core::Result<std::unique_ptr<Daemon>> Daemon::start(Options options) {
  auto cfg = load_config(options.config_file, options.overrides);
  if (!cfg) return cfg.error();
  std::unique_ptr<Daemon> d(new Daemon(std::move(options)));
  d->cfg_ = std::move(*cfg);
  auto ok = d->boot();
  if (!ok) {
    d->stop();
    return ok.error();
  }
  return d;
}

namespace {

// The nearest existing ancestor of `path`'s directory must be a directory this process may
// write (the directory is created at start when missing).
std::string writable_dir_problem(const std::string& key, const std::string& path) {
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  fs::path probe = dir;
  while (!fs::exists(probe, ec)) {
    fs::path up = probe.parent_path();
    if (up.empty()) {
      probe = ".";  // a relative path: created under the current directory
      break;
    }
    if (up == probe) break;
    probe = up;
  }
  if (!fs::is_directory(probe, ec)) {
    return key + " " + path + ": " + probe.string() + " is not a directory";
  }
  if (::access(probe.c_str(), W_OK | X_OK) != 0) {
    return key + " " + path + ": cannot create files in " + probe.string() + ": " +
           std::strerror(errno);
  }
  if (fs::exists(path, ec) && ::access(path.c_str(), R_OK | W_OK) != 0) {
    return key + " " + path + ": not readable and writable: " + std::strerror(errno);
  }
  return {};
}

}  // namespace

core::Result<bool> Daemon::validate(const DaemonConfig& cfg) {
  std::vector<std::string> problems;
  api::ServerOptions ao;
  ao.listen = cfg.api_listen;
  ao.token = cfg.api_token;
  if (auto a = api::check_options(ao); !a) problems.push_back(a.error().message);
  if (auto p = writable_dir_problem("store.path", cfg.store_path); !p.empty()) {
    problems.push_back(p);
  }
  if (cfg.enforce) {
    act::nft::NftConfig ncfg;
    ncfg.table = cfg.nft_table;
    ncfg.priority = cfg.nft_priority;
    auto a = act::NftablesActuator::create(ncfg);
    auto p = a ? (*a)->probe() : core::Result<bool>(a.error());
    if (!p) {
      problems.push_back("enforce mode needs nftables: " + p.error().message +
                         " (run as root, or use mode: observe)");
    }
  }
  if (cfg.enforce && cfg.web_server != "none") {
    std::string cmd = !cfg.web_command.empty()    ? cfg.web_command
                      : cfg.web_server == "nginx" ? std::string("nginx")
                                                  : std::string("apache2ctl");
    auto v = act::web::run_command({cmd, "-v"}, {}, std::chrono::seconds(10));
    if (!v.ok()) {
      problems.push_back("enforce.webserver.server " + cfg.web_server + ": " +
                         act::web::describe({cmd, "-v"}, v) + " (is it installed?)");
    }
  }
  if (cfg.kpi.enabled) {
    // The KPI probe reads <proc_root>/net/snmp every second; a proc_root that cannot give it
    // (a mistyped path, a process that ended) is a configuration error, not a silent probe.
    const std::string snmp = cfg.kpi.proc_root + "/net/snmp";
    if (::access(snmp.c_str(), R_OK) != 0) {
      problems.push_back("kpi.proc_root " + cfg.kpi.proc_root + ": cannot read " + snmp + ": " +
                         std::strerror(errno));
    }
  }
  for (auto& p : guard_config_problems(cfg)) problems.push_back(std::move(p));
  if (problems.empty()) return true;
  std::string msg;
  for (const auto& p : problems) msg += (msg.empty() ? "" : "\n") + p;
  return core::make_error("bad_config", msg);
}

core::Result<std::string> Daemon::check(const Options& options) {
  auto cfg = load_config(options.config_file, options.overrides);
  if (!cfg) return cfg.error();
  if (auto v = validate(*cfg); !v) return v.error();
  Daemon d(options);
  d.cfg_ = std::move(*cfg);
  d.options_.quiet = true;
  if (auto g = d.load_geo(); !g) return g.error();
  if (auto h = d.load_hosting(false); !h) return h.error();
  std::vector<std::shared_ptr<const ruleset::Rule>> rules;
  if (auto r = d.load_rules(d.cfg_, rules); !r) return r.error();
  auto dopt = app::decider_options(d.cfg_, d.inventory_);
  if (!dopt) return dopt.error();
  if (auto p = d.make_probe(nullptr); !p) return p.error();
  if (auto p = d.make_file_probe(true); !p) return p.error();
  const auto& inv = d.inventory_;
  std::string s = d.cfg_.origin + ": OK: " + (d.cfg_.enforce ? "enforce" : "observe") + " mode, " +
                  std::to_string(d.cfg_.sources.size()) + " sources, " +
                  std::to_string(rules.size()) + " rules, store " + d.cfg_.store_path + ", API " +
                  d.cfg_.api_listen;
  for (const auto& sc : d.cfg_.sources) s += "\n  source: " + sc.describe();
  if (!d.cfg_.inventory.file.empty() || !d.cfg_.inventory.web_configs.empty()) {
    s += "\n  inventory: " + std::to_string(inv->sites().size()) + " sites, " +
         std::to_string(inv->accounts().size()) + " accounts";
    for (const auto& w : d.inventory_warnings_) s += "\n  " + w;
  }
  if (d.cfg_.domains.enabled()) {
    s += "\n  domain probe: " + std::to_string(d.cfg_.domains.list.size()) + " domains, " +
         std::to_string(d.cfg_.domains.ips.size()) + " IPs, every " +
         std::to_string(d.cfg_.domains.interval / core::kNsPerSec) + " s";
  }
  if (d.cfg_.kpi.enabled) {
    s += "\n  kpi probe: every " + core::format_duration(d.cfg_.kpi.interval) + " from " +
         d.cfg_.kpi.proc_root + "/net, " + std::to_string(d.cfg_.kpi.services.size()) + " services";
  }
  return s;
}

core::Result<bool> Daemon::load_geo() {
  auto g = app::load_geo(cfg_);
  if (!g) return g.error();
  geo_ = std::move(*g);
  return true;
}

core::Result<bool> Daemon::load_hosting(bool announce) {
  inventory_warnings_.clear();
  auto inv = load_inventory(cfg_, inventory_warnings_);
  if (!inv) return inv.error();
  inventory_ = std::move(*inv);
  if (announce) {
    for (const auto& w : inventory_warnings_) log("%s", w.c_str());
    if (!inventory_->sites().empty() || !inventory_->accounts().empty()) {
      log("inventory: %zu sites, %zu accounts from %zu files", inventory_->sites().size(),
          inventory_->accounts().size(), inventory_->files_read());
    }
  }
  return true;
}

core::Result<bool> Daemon::load_rules(const DaemonConfig& cfg, RuleList& out) {
  auto loaded = app::load_rules(cfg, geo_.get());
  if (!loaded) return loaded.error();
  for (const auto& w : loaded->warnings) log("%s", w.c_str());
  out = std::move(loaded->rules);
  load_warnings_ = std::move(loaded->warning_problems);
  return true;
}

core::Result<bool> Daemon::boot() {
  started_ = wall_now();
  const DaemonConfig& cfg = cfg_;
  log("starting (%s mode, configuration: %s)", cfg.enforce ? "enforce" : "observe",
      cfg.origin.c_str());

  // 1. What `run --check` checks (API address and token, store directory, nftables), then
  // the geo database and rules: a configuration that cannot work stops here, before anything
  // is opened.
  if (auto v = validate(cfg); !v) return v.error();
  if (auto g = load_geo(); !g) return g.error();
  if (auto h = load_hosting(true); !h) return h.error();
  if (auto r = load_rules(cfg, rules_); !r) return r.error();
  auto dopt = app::decider_options(cfg, inventory_);
  if (!dopt) return dopt.error();
  decider_ = std::make_unique<decide::Decider>(std::move(*dopt));
  rule_count_ = rules_.size();
  log("%zu rules loaded", rules_.size());

  // 2. The store: created with its directory when missing.
  fs::path store_path(cfg.store_path);
  if (store_path.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(store_path.parent_path(), ec);
    if (ec) {
      return core::make_error(
          "store", "cannot create " + store_path.parent_path().string() + ": " + ec.message());
    }
  }
  auto st = store::Store::open(cfg.store_path);
  if (!st) return core::make_error("store", "store " + cfg.store_path + ": " + st.error().message);
  auto cps = (*st)->load_checkpoints();
  if (cps) {
    for (const auto& row : cps->rows) {
      checkpoints_[row.source] =
          source::Checkpoint{row.device, row.inode, row.offset, row.head_hash, row.cursor};
    }
    for (const auto& p : cps->problems) log("store: checkpoint skipped: %s", p.message.c_str());
  } else {
    log("store: checkpoints unreadable, starting at the end of each file: %s",
        cps.error().message.c_str());
  }
  auto max_id = (*st)->max_decision_id();
  if (max_id) next_decision_id_ = *max_id + 1;
  auto rs = store::Store::open(cfg.store_path);
  if (!rs) return core::make_error("store", "store " + cfg.store_path + ": " + rs.error().message);
  read_store_ = std::move(*rs);
  lapi_ = std::make_unique<api::LapiService>(*read_store_, read_store_mu_, wall_now);
  publish_rules(rules_, load_warnings_);
  if (auto r = make_findings_service(); !r) return r.error();

  // 3. The actuator, and what is in force reconciled with the store.
  if (cfg.enforce) {
    act::nft::NftConfig ncfg;
    ncfg.table = cfg.nft_table;
    ncfg.priority = cfg.nft_priority;
    auto a = act::NftablesActuator::create(ncfg);
    if (!a) return core::make_error("nftables", "nftables: " + a.error().message);
    auto p = (*a)->probe();
    if (!p) {
      return core::make_error("nftables", "enforce mode needs nftables: " + p.error().message +
                                              " (run as root, or use mode: observe)");
    }
    actuator_ = std::move(*a);
    actuator_name_ = "nftables";
  } else {
    std::string rec =
        (store_path.has_parent_path() ? store_path.parent_path().string() + "/" : "") +
        "observe-actions.jsonl";
    auto a = act::RecordingActuator::to_file(rec, wall_now);
    if (!a) return core::make_error("observe", "cannot open " + rec + ": " + a.error().message);
    actuator_ = std::move(*a);
    actuator_name_ = "recording";
  }
  // vhost/vhost_path decisions: the web server, through bannin's include files (observe
  // mode: the would-be files beside the store, the server untouched).
  if (cfg.web_server != "none") {
    act::WebServerConfig wc;
    wc.kind =
        cfg.web_server == "nginx" ? act::web::ServerKind::Nginx : act::web::ServerKind::Apache;
    wc.observe = !cfg.enforce;
    if (wc.observe) {
      wc.dir = (store_path.has_parent_path() ? store_path.parent_path().string() + "/" : "") +
               "observe-webserver/" + cfg.web_server;
    } else if (!cfg.web_dir.empty()) {
      wc.dir = cfg.web_dir;
    } else {
      wc.dir = wc.kind == act::web::ServerKind::Nginx ? "/etc/nginx/bannin" : "/etc/apache2/bannin";
    }
    wc.main_config = cfg.web_config;
    wc.command = cfg.web_command;
    wc.batch_window = std::chrono::milliseconds(cfg.web_batch_window / 1'000'000);
    wc.min_entries = cfg.web_min_entries;
    wc.canaries.domestic = cfg.web_canary_domestic;
    wc.canaries.foreign = cfg.web_canary_foreign;
    const enrich::GeoDb* geo = geo_.get();
    auto w = act::WebServerActuator::create(wc, [geo](const std::string& cc) {
      return geo->networks({enrich::CountryCode::from(cc)});
    });
    if (!w) return core::make_error("webserver", "enforce.webserver: " + w.error().message);
    log("web server containment: %s, files in %s%s", cfg.web_server.c_str(), wc.dir.c_str(),
        wc.observe ? " (observe: the server is not touched)" : "");
    actuator_ =
        std::make_unique<act::RoutingActuator>(std::move(actuator_), std::move(*w), wc.observe);
    actuator_name_ += "+" + cfg.web_server;
  }
  // The ladder's suspend step, and password resets (rules/base/logins.yaml), run the
  // operator's panel commands (act/hook/). Without either command a reset_password decision
  // is recorded in observe mode and reported unsupported by nftables in enforce mode.
  if (cfg.ladder_enabled || !cfg.suspend_command.empty() || !cfg.password_reset_command.empty()) {
    act::HookOptions ho;
    ho.apply_argv = cfg.suspend_command;
    ho.revoke_argv = cfg.unsuspend_command;
    ho.reset_argv = cfg.password_reset_command;
    ho.observe = !cfg.enforce;
    // Site -> account from the daemon's one inventory (a suspend decided by a person too).
    ho.account_of = [inv = inventory_](std::string_view vhost) {
      return inv->owner(vhost).account;
    };
    auto* routing = dynamic_cast<act::RoutingActuator*>(actuator_.get());
    if (routing == nullptr) {
      auto r = std::make_unique<act::RoutingActuator>(std::move(actuator_), nullptr, false);
      routing = r.get();
      actuator_ = std::move(r);
    }
    routing->set_hook(std::make_unique<act::HookActuator>(std::move(ho)));
    actuator_name_ += "+panel";
    if (cfg.suspend_command.empty() && cfg.ladder_enabled) {
      log("decide.ladder: enforce.suspend.command is not set; a suspend step is recorded only");
    }
  }
  // file decisions (quarantine): their own actuator in front, in enforce mode (issue 17).
  if (auto r = wrap_quarantine(cfg.store_path); !r) return r.error();
  if (auto r = wrap_process_actuator(cfg.store_path); !r) return r.error();
  if (auto r = reconcile_with(**st); !r) return r.error();
  // Notices: the inventory, the channels (observe mode: a file beside the store).
  if (auto r = make_notifier(store_path.has_parent_path() ? store_path.parent_path().string() + "/"
                                                          : std::string());
      !r) {
    return r.error();
  }
  // The domain probe (config `domains:`): zone table and bootstrap loaded, states restored.
  if (auto r = make_probe(st->get()); !r) return r.error();
  if (auto r = make_file_probe(false); !r) return r.error();
  if (auto r = make_process_probe(); !r) return r.error();
  // The KPI probe (config `kpi:`): its series restored from the file beside the store.
  if (auto r = make_kpi(store_path.has_parent_path() ? store_path.parent_path().string() + "/"
                                                     : std::string());
      !r) {
    return r.error();
  }
  // The overload guard (config `guard:`) reads the KPI probe's samples; the flight recorder
  // keeps the last lines and samples (daemon_guard.cpp, daemon_recorder.cpp).
  if (auto r = make_guard(); !r) return r.error();
  if (auto r = make_recorder(store_path.has_parent_path() ? store_path.parent_path().string() + "/"
                                                          : std::string());
      !r) {
    return r.error();
  }

  // 4. Threads, from the end of the pipeline to its start.
  auto writer = std::make_unique<store::StoreWriter>(std::move(*st), cfg.queue_store, 1024);
  writer->set_commit_at_checkpoints(true);
  writer_ = std::move(writer);
  records_ = std::make_unique<BoundedQueue<Batch>>(cfg.queue_records);
  actions_ = std::make_unique<BoundedQueue<ActItem>>(cfg.queue_actions);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  act_ = std::thread([this] { act_main(); });
  if (notifier_) notify_ = std::thread([this] { notify_main(); });
  pipeline_ = std::thread([this] { pipeline_main(); });
  if (probe_) probe_->start();                  // its rounds go through the pipeline thread
  if (file_probe_) file_probe_->start();        // so do its hits
  if (guard_) guard_->start();                  // fed by the KPI probe's samples
  if (kpi_) kpi_->start();                      // and its samples
  if (process_probe_) process_probe_->start();  // and the flagged processes
  auto sources = open_sources();
  if (!sources) return sources.error();
  ingest_ = std::thread([this] { ingest_main(); });

  // 5. The API last: when it answers, everything behind it runs.
  api::ServerOptions ao;
  ao.listen = cfg.api_listen;
  ao.token = cfg.api_token;
  auto server = std::make_unique<api::Server>(ao, *this);
  if (auto r = server->start(); !r) return core::make_error("api", r.error().message);
  log("running; API on %s (bannin status)", server->url().c_str());
  api_ = std::move(server);
  return true;
}

void Daemon::stop() {
  if (stopping_.exchange(true)) {
    return;
  }
  if (api_) api_->stop();
  if (probe_) probe_->stop();  // before the records queue closes: its last round goes in
  if (file_probe_) file_probe_->stop();
  if (process_probe_) process_probe_->stop();
  if (kpi_) kpi_->stop();      // and writes its series file
  if (guard_) guard_->stop();  // removes limits still in force (recorded)
  if (wake_fd_ >= 0) {
    std::uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
  }
  if (ingest_.joinable()) ingest_.join();
  if (records_) records_->close();
  if (pipeline_.joinable()) pipeline_.join();
  if (notify_items_) notify_items_->close();
  if (notify_.joinable()) notify_.join();
  if (actions_) actions_->close();
  if (act_.joinable()) act_.join();
  if (writer_) {
    writer_->flush();
    if (!writer_->healthy()) log("store: last commit failed: %s", writer_->last_error().c_str());
    writer_.reset();
  }
  if (wake_fd_ >= 0) ::close(wake_fd_);
  wake_fd_ = -1;
  if (started_ != 0) log("stopped");
}

void Daemon::reload() {
  log("reloading configuration (SIGHUP)");
  auto cfg = load_config(options_.config_file, options_.overrides);
  if (!cfg) {
    log("reload refused, configuration unchanged:\n%s", cfg.error().message.c_str());
    record_reload_failure(cfg.error().message);
    return;
  }
  std::vector<std::shared_ptr<const ruleset::Rule>> rules;
  if (auto r = load_rules(*cfg, rules); !r) {
    log("reload refused, rules unchanged:\n%s", r.error().message.c_str());
    record_reload_failure(r.error().message);
    return;
  }
  // The inventory is not re-read on SIGHUP (docs/notify.md): the one read at start stays.
  auto dopt = app::decider_options(*cfg, inventory_);
  if (!dopt) {
    log("reload refused: %s", dopt.error().message.c_str());
    record_reload_failure(dopt.error().message);
    return;
  }
  // Keys SIGHUP does not apply (schema/config.yaml `reload: false`) are named, not applied.
  if (auto waiting = config_differences(*cfg, cfg_, true); !waiting.empty()) {
    std::string keys;
    for (const auto& k : waiting) keys += (keys.empty() ? "" : ", ") + k;
    log("changed keys that take effect after a restart: %s", keys.c_str());
  }
  {
    std::lock_guard lock(decide_mu_);
    decider_->set_options(std::move(*dopt));
  }
  auto payload = std::make_shared<Batch::Reload>();
  payload->rules = rules;
  payload->memory_budget = cfg->memory_budget_mb << 20;
  Batch b;
  b.kind = Batch::Kind::Reload;
  b.reload = payload;
  records_->push_blocking(std::move(b));
  rules_ = std::move(rules);
  rule_count_ = rules_.size();
  publish_rules(rules_, load_warnings_);
  cfg_.rule_files = cfg->rule_files;
  cfg_.rule_overrides = cfg->rule_overrides;
  cfg_.home_countries = cfg->home_countries;
  ++reloads_;
}

Stream& Daemon::add_stream(std::string kind, std::string origin, std::string decoder) {
  std::lock_guard lock(streams_mu_);
  auto s = std::make_unique<Stream>();
  s->id = static_cast<std::uint32_t>(streams_.size());
  s->kind = std::move(kind);
  s->origin = std::move(origin);
  s->decoder = std::move(decoder);
  streams_.push_back(std::move(s));
  return *streams_.back();
}

}  // namespace bannin::app
