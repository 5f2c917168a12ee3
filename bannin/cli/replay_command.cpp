// `bannin replay`: the daemon's pipeline (app::Pipeline: decode -> enrich -> detect -> decide,
// built from the same configuration as `bannin run`) over log files as fast as they can be
// read, with time taken from the records, in observe mode (nothing is acted on). So
// `bannin replay --config /etc/bannin/bannin.yaml day.log` shows what the daemon would have
// found and decided for that day. Prints one JSON object per finding and per decision, the
// decide stage's notes (a rule at its cap …), then a summary:
//   {"type":"finding","ts":…,"rule":…,"group":{…},"numbers":{…},"evidence":[…]}
//   {"type":"decision","ts":…,"rule":…,"action":"deny","scope":"ip","target":{"ip":…},
//    "ttl_s":N,"reason":"…"}
//   {"type":"note","ts":…,"code":"rule_cap","rule":…,"text":…,"count":N}
//   {"type":"summary",…}
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bannin/app/config.h>
#include <bannin/app/pipeline.h>
#include <bannin/cli/commands.h>
#include <bannin/core/json_writer.h>
#include <bannin/decide/decider.h>
#include <bannin/enrich/geo_db.h>
#include <bannin/model/event_format.h>
#include <bannin/source/line_reader.h>
#include <bannin/store/store.h>

namespace bannin::cli {
namespace {

struct ReplayOptions {
  std::vector<std::string> rules;
  std::string config;
  std::vector<std::string> overrides;
  std::string format = "jsonl";
  std::string decoder = "auto";
  std::vector<std::string> files;
  std::string store;
  int year = 0;
  bool quiet = false;
};

class Printer final : public app::PipelineOutput {
 public:
  Printer(bool text, store::StoreWriter* writer, std::int64_t next_finding_id)
      : text_(text), writer_(writer), linker_(next_finding_id) {
    out_.reserve(1 << 20);
  }
  ~Printer() override { flush(); }

  void on_finding(const detect::Finding& f, std::string group, std::string numbers,
                  const model::Event* trigger) override {
    write_finding(f, group, numbers);
    if (writer_ != nullptr) {
      store::FindingRow row;
      row.id = linker_.on_finding(f, group);
      row.ts = f.ts;
      row.rule = f.rule->id;
      row.group_json = std::move(group);
      row.numbers_json = std::move(numbers);
      row.evidence = f.evidence;
      app::label_finding(row, f, trigger);
      writer_->push(std::move(row));
    }
    if (out_.size() > (1u << 20)) flush();
  }
  void on_finding_update(const detect::Finding& f) override {
    if (writer_ != nullptr) linker_.on_update(f);  // a campaign's later decisions: its finding
  }
  void on_decision(decide::Decision d) override {
    std::string target = decide::target_json(d);
    write_decision(d, target);
    if (writer_ != nullptr) {
      store::DecisionRow row = app::decision_row(0, d, d.ts);  // the daemon's row, at record time
      row.state = d.state;
      row.finding_id = linker_.current();
      writer_->push(std::move(row));
    }
    if (out_.size() > (1u << 20)) flush();
  }
  void write_note(const decide::DeciderNote& n) {
    if (text_) {
      out_ += "note " + std::string(fmt_.ts_text(n.ts)) + " " + n.code + " " + n.rule + ": " +
              n.text + "\n";
      return;
    }
    core::JsonObjectWriter o(out_);
    o.string("type", "note");
    o.string("ts", fmt_.ts_text(n.ts));
    o.string("code", n.code);
    o.string("rule", n.rule);
    o.string("text", n.text);
    o.integer("count", static_cast<std::int64_t>(n.count));
    o.close();
    out_ += '\n';
  }
  void write_raw(const std::string& s) {
    out_ += s;
    flush();
  }
  void flush() {
    if (!out_.empty()) std::fwrite(out_.data(), 1, out_.size(), stdout);
    out_.clear();
  }

 private:
  void write_finding(const detect::Finding& f, const std::string& group,
                     const std::string& numbers) {
    if (text_) {
      out_ += "finding " + std::string(fmt_.ts_text(f.ts)) + " " + f.rule->id;
      for (const auto& [k, v] : f.group) out_ += " " + std::string(model::name(k)) + "=" + v;
      for (const auto& [n, v] : f.numbers) {
        char buf[64];
        std::snprintf(buf, sizeof buf, " %s=%g", n.c_str(), v);
        out_ += buf;
      }
      out_ += " members=" + std::to_string(f.members.size()) + "\n";
      return;
    }
    core::JsonObjectWriter o(out_);
    o.string("type", "finding");
    o.string("ts", fmt_.ts_text(f.ts));
    o.string("rule", f.rule->id);
    o.raw("group", group);
    o.raw("numbers", numbers);
    o.integer("members", static_cast<std::int64_t>(f.members.size()));
    o.key("evidence");
    out_ += '[';
    for (std::size_t i = 0; i < f.evidence.size(); ++i) {
      if (i) out_ += ',';
      core::json_append_string(out_, f.evidence[i]);
    }
    out_ += ']';
    o.close();
    out_ += '\n';
  }

  void write_decision(const decide::Decision& d, const std::string& target) {
    if (text_) {
      out_ += "decision " + std::string(fmt_.ts_text(d.ts)) + " " + d.rule + " " + d.action + " " +
              d.scope + " ";
      out_ += d.scope == "ip" ? d.ip : d.scope == "prefix" ? d.prefix : d.vhost + d.path;
      out_ += " ttl=" + std::to_string(d.ttl / core::kNsPerSec) + "s\n";
      return;
    }
    core::JsonObjectWriter o(out_);
    o.string("type", "decision");
    o.string("ts", fmt_.ts_text(d.ts));
    o.string("rule", d.rule);
    o.string("action", d.action);
    o.string("scope", d.scope);
    o.raw("target", target);
    o.integer("ttl_s", d.ttl / core::kNsPerSec);
    o.string("reason", d.reason);
    if (!d.reason_ja.empty()) o.string("reason_ja", d.reason_ja);
    o.string("state", d.state);
    o.close();
    out_ += '\n';
  }

  bool text_;
  store::StoreWriter* writer_;
  app::FindingLinker linker_;  // finding ids, and the finding each decision follows
  std::string out_;
  model::EventFormatter fmt_;
};

int replay_fail(const std::string& what) {
  std::fprintf(stderr, "bannin replay: %s\n", what.c_str());
  return 2;
}

// RFC 3164 lines have no year: --year, or the year that puts them no later than the file's
// modification time (the daemon uses the current time instead).
core::TimeNs file_reference_time(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<core::TimeNs>(now.tv_sec) * core::kNsPerSec;
  }
  return static_cast<core::TimeNs>(st.st_mtim.tv_sec) * core::kNsPerSec + st.st_mtim.tv_nsec;
}

int run_replay(const ReplayOptions& opt) {
  auto started = std::chrono::steady_clock::now();
  // The daemon's configuration: built-in defaults, --config, -o; --rules replaces rule_files.
  auto cfg = app::load_config(opt.config, opt.overrides);
  if (!cfg) return replay_fail("configuration:\n" + cfg.error().message);
  if (!opt.rules.empty()) cfg->rule_files = opt.rules;

  auto geo = app::load_geo(*cfg);
  if (!geo) return replay_fail(geo.error().message);
  auto rules = app::load_rules(*cfg, geo->get());
  if (!rules) {
    std::fprintf(stderr, "%s\n", rules.error().message.c_str());
    return replay_fail(rules.error().code == "no_rules" ? "no rules loaded; nothing replayed"
                                                        : "errors in the rules; nothing replayed");
  }
  for (const auto& w : rules->warnings) std::fprintf(stderr, "%s\n", w.c_str());
  // The hosting inventory, once, as the daemon reads it: site -> account for events and the
  // ladder.
  std::vector<std::string> inventory_warnings;
  auto inventory = app::load_inventory(*cfg, inventory_warnings);
  if (!inventory) return replay_fail("inventory: " + inventory.error().message);
  for (const auto& w : inventory_warnings) std::fprintf(stderr, "bannin replay: %s\n", w.c_str());
  auto dopt = app::decider_options(*cfg, *inventory);
  if (!dopt) return replay_fail(dopt.error().message);
  decide::Decider decider(std::move(*dopt));

  // Optional audit trail: findings and decisions go to SQLite through the writer thread.
  std::unique_ptr<store::StoreWriter> writer;
  std::int64_t next_finding_id = 1;
  if (!opt.store.empty()) {
    auto st = store::Store::open(opt.store);
    if (!st) return replay_fail("store: " + st.error().message);
    auto max_id = (*st)->max_finding_id();
    if (!max_id) return replay_fail("store: " + max_id.error().message);
    next_finding_id = *max_id + 1;
    writer = std::make_unique<store::StoreWriter>(std::move(*st));
  }
  Printer printer(opt.format == "text", writer.get(), next_finding_id);
  const std::size_t rule_count = rules->rules.size();
  app::Pipeline pipeline(rules->rules, cfg->memory_budget_mb << 20, geo->get(), decider, nullptr,
                         printer);
  {
    std::string warning;  // uid -> account (inventory.passwd_file), as the daemon maps it
    pipeline.set_uid_accounts(app::load_uid_accounts(*cfg, warning));
    pipeline.set_inventory(*inventory);
    if (!warning.empty()) std::fprintf(stderr, "bannin replay: %s\n", warning.c_str());
  }

  std::uint64_t lines = 0, truncated = 0;
  int status = 0;
  std::uint32_t stream = 0;
  for (const std::string& path : opt.files) {
    int fd = path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      std::fprintf(stderr, "bannin replay: %s: %s\n", path.c_str(), std::strerror(errno));
      status = 2;
      continue;
    }
    source::LineReader reader(fd, path);
    auto opened = pipeline.open_stream(stream, opt.decoder, file_reference_time(fd), opt.year);
    if (!opened) {
      if (fd != STDIN_FILENO) ::close(fd);
      return replay_fail(opened.error().message);
    }
    pipeline.detect_format(stream, reader.peek(64));
    model::Record rec;
    while (reader.next(rec)) {
      ++lines;
      if (rec.truncated) {
        ++truncated;  // longer than the reader's line limit: a reject, never half a line
        continue;
      }
      pipeline.line(stream, rec.bytes);
    }
    if (fd != STDIN_FILENO) ::close(fd);
    ++stream;
  }
  for (const auto& n : decider.take_all_notes()) printer.write_note(n);

  std::uint64_t stored = 0, store_dropped = 0, store_failed = 0;
  if (writer) {
    writer->flush();
    stored = writer->written();
    store_dropped = writer->dropped();
    store_failed = writer->failed();
    if (store_failed != 0) {
      std::fprintf(stderr, "bannin replay: store: %llu rows refused: %s\n",
                   static_cast<unsigned long long>(store_failed), writer->last_error().c_str());
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto& ds = pipeline.detect_stats();
  const auto& c = pipeline.counts();
  const auto& st = decider.stats();
  const std::uint64_t rejected = c.rejected + truncated;
  std::string s;
  {
    core::JsonObjectWriter o(s);
    o.string("type", "summary");
    o.integer("lines", static_cast<std::int64_t>(lines));
    o.integer("decoded", static_cast<std::int64_t>(c.decoded));
    o.integer("decode_errors", static_cast<std::int64_t>(rejected));
    o.integer("rules", static_cast<std::int64_t>(rule_count));
    o.integer("findings", static_cast<std::int64_t>(c.findings));
    o.integer("decisions", static_cast<std::int64_t>(c.decisions));
    o.integer("decisions_suppressed_active", static_cast<std::int64_t>(st.suppressed_active));
    o.integer("decisions_suppressed_allowlist", static_cast<std::int64_t>(st.suppressed_allowlist));
    o.integer("decisions_suppressed_covered", static_cast<std::int64_t>(st.suppressed_covered));
    o.integer("decisions_suppressed_cap", static_cast<std::int64_t>(st.suppressed_cap));
    o.integer("repeats", static_cast<std::int64_t>(st.repeats));
    o.integer("escalations", static_cast<std::int64_t>(st.escalations));
    o.integer("groups_evicted", static_cast<std::int64_t>(ds.groups_evicted));
    o.integer("members_cut", static_cast<std::int64_t>(ds.members_cut));
    o.integer("peak_detect_memory_bytes", static_cast<std::int64_t>(ds.peak_memory_bytes));
    o.integer("peak_tracked_keys", static_cast<std::int64_t>(ds.peak_tracked_keys));
    o.integer("groups_expired", static_cast<std::int64_t>(ds.groups_expired));
    o.integer("spares_cut", static_cast<std::int64_t>(ds.spares_cut));
    o.integer("groups_reset", static_cast<std::int64_t>(ds.groups_reset));
    o.integer("log_lines", static_cast<std::int64_t>(c.log_lines));
    o.integer("not_failures", static_cast<std::int64_t>(ds.not_failures));
    if (writer) {
      o.integer("stored_rows", static_cast<std::int64_t>(stored));
      o.integer("store_dropped", static_cast<std::int64_t>(store_dropped));
      o.integer("store_failed", static_cast<std::int64_t>(store_failed));
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", secs);
    o.raw("seconds", buf);
    o.close();
  }
  s += '\n';
  printer.write_raw(s);
  if (!opt.quiet) {
    std::fprintf(stderr,
                 "bannin replay: %llu lines (%llu decode errors), %zu rules, %llu findings, "
                 "%llu decisions, %.2f s (%.2f M lines/s)\n",
                 static_cast<unsigned long long>(lines), static_cast<unsigned long long>(rejected),
                 rule_count, static_cast<unsigned long long>(c.findings),
                 static_cast<unsigned long long>(c.decisions), secs,
                 secs > 0 ? static_cast<double>(lines) / secs / 1e6 : 0.0);
  }
  return status;
}

}  // namespace

void add_replay_command(CLI::App& app, int& exit_code) {
  auto opt = std::make_shared<ReplayOptions>();
  auto* cmd = app.add_subcommand(
      "replay",
      "Run the detection pipeline over log files in observe mode (nothing is acted on),\n"
      "time taken from the records; print findings, decisions and a summary as JSON lines.");
  cmd->add_option("--rules", opt->rules,
                  "Rule files or directories (default: the configuration's rule_files, "
                  "rules/base)");
  cmd->add_option("--config", opt->config,
                  "The daemon's configuration file (YAML, as `bannin run --config`): its rules, "
                  "parameters and decide policy are used; sources, store, API are ignored");
  cmd->add_option("-o", opt->overrides,
                  "Override a configuration key: key=value, e.g. -o site.home_countries=JP, "
                  "-o decide.allowlist=192.0.2.0/24 or "
                  "-o rules.web.wp_login.bruteforce.max_attempts=20");
  cmd->add_option("--format", opt->format, "jsonl or text")
      ->check(CLI::IsMember({"jsonl", "text"}))
      ->capture_default_str();
  cmd->add_option("--decoder", opt->decoder, "Decoder (default: auto-detected per file)")
      ->capture_default_str();
  cmd->add_option("--store", opt->store,
                  "Also write findings (with evidence) and decisions to this SQLite file");
  cmd->add_option("--year", opt->year,
                  "Year of syslog (RFC 3164) timestamps, which carry none (default: from each "
                  "file's modification time; lines dated after it belong to the year before)")
      ->check(CLI::Range(1970, 9999));
  cmd->add_flag("-q,--quiet", opt->quiet, "No summary on stderr");
  cmd->add_option("files", opt->files, "Log files; - for standard input")->required();
  cmd->callback([opt, &exit_code] { exit_code = run_replay(*opt); });
}

}  // namespace bannin::cli
