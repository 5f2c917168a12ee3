// `bannin replay`: the production pipeline (decode -> enrich -> detect -> decide) over log
// files as fast as they can be read, with time taken from the records, in observe mode
// (nothing is acted on). Prints one JSON object per finding and per decision, then a summary:
//   {"type":"finding","ts":…,"rule":…,"group":{…},"numbers":{…},"evidence":[…]}
//   {"type":"decision","ts":…,"rule":…,"action":"deny","scope":"ip","target":{"ip":…},
//    "ttl_s":N,"reason":"…"}
//   {"type":"summary",…}
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <bannin/cli/commands.h>
#include <bannin/cli/replay_config.h>
#include <bannin/core/json_writer.h>
#include <bannin/decide/decider.h>
#include <bannin/decode/decoder_set.h>
#include <bannin/detect/detector.h>
#include <bannin/detect/finding_json.h>
#include <bannin/enrich/geo_enricher.h>
#include <bannin/model/event_format.h>
#include <bannin/ruleset/rule_loader.h>
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
  bool quiet = false;
};

class Printer : public detect::FindingSink {
 public:
  Printer(bool text, decide::Decider& decider, store::StoreWriter* writer)
      : text_(text), decider_(decider), writer_(writer) {
    out_.reserve(1 << 20);
  }
  ~Printer() override { flush(); }

  void on_finding(const detect::Finding& f) override {
    ++findings_;
    if (!f.campaign_update) {
      // Serialised once, for the output and for the store.
      std::string group = detect::group_json(f), numbers = detect::numbers_json(f);
      write_finding(f, group, numbers);
      if (writer_ != nullptr) {
        writer_->push(
            store::FindingRow{f.ts, f.rule->id, std::move(group), std::move(numbers), f.evidence});
      }
    }
    decisions_buf_.clear();
    decider_.decide(f, decisions_buf_);
    for (const auto& d : decisions_buf_) {
      std::string target = decide::target_json(d);
      write_decision(d, target);
      if (writer_ != nullptr) {
        store::DecisionRow row;
        row.ts = d.ts;
        row.rule = d.rule;
        row.origin = d.origin;
        row.action = d.action;
        row.scope = d.scope;
        row.target_json = std::move(target);
        row.ttl_s = d.ttl / core::kNsPerSec;
        row.reason = d.reason;
        row.state = d.state;
        writer_->push(std::move(row));
      }
    }
    if (out_.size() > (1u << 20)) flush();
  }
  void write_raw(const std::string& s) {
    out_ += s;
    flush();
  }
  void flush() {
    if (!out_.empty()) std::fwrite(out_.data(), 1, out_.size(), stdout);
    out_.clear();
  }
  [[nodiscard]] std::uint64_t findings() const { return findings_; }
  [[nodiscard]] std::uint64_t decisions() const { return decisions_; }

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
    ++decisions_;
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
    o.string("state", d.state);
    o.close();
    out_ += '\n';
  }

  bool text_;
  decide::Decider& decider_;
  store::StoreWriter* writer_;
  std::string out_;
  model::EventFormatter fmt_;
  std::vector<decide::Decision> decisions_buf_;
  std::uint64_t findings_ = 0, decisions_ = 0;
};

int run_replay(const ReplayOptions& opt) {
  auto started = std::chrono::steady_clock::now();
  auto cfg = load_replay_config(opt.config, opt.overrides);
  if (!cfg) {
    std::fprintf(stderr, "bannin replay: %s\n", cfg.error().message.c_str());
    return 2;
  }

  // Geo database: loaded once.
  enrich::GeoDb geo;
  if (cfg->geo_database == "tor") {
    auto g = enrich::GeoDb::load_tor(enrich::GeoDb::kTorGeoip4, enrich::GeoDb::kTorGeoip6);
    if (!g) {
      std::fprintf(stderr, "bannin replay: geo database: %s\n", g.error().message.c_str());
      return 2;
    }
    geo = std::move(*g);
  } else if (cfg->geo_database != "none") {
    auto g = enrich::GeoDb::load_mmdb(cfg->geo_database);
    if (!g) {
      std::fprintf(stderr, "bannin replay: geo database: %s\n", g.error().message.c_str());
      return 2;
    }
    geo = std::move(*g);
  }

  ruleset::LoadOptions lo;
  lo.geo = &geo;
  ruleset::ParamValue home;
  home.is_list = true;
  home.items = cfg->home_countries;
  lo.globals["home_countries"] = home;
  lo.overrides = cfg->rule_overrides;
  ruleset::LoadReport report = ruleset::load_rules(opt.rules, lo);
  for (const auto& p : report.problems) {
    std::fprintf(stderr, "%s:%u:%u: %s: %s [%s]\n", p.file.c_str(), p.line, p.column,
                 p.warning ? "warning" : "error", p.message.c_str(), p.code.c_str());
  }
  if (!report.ok()) {
    std::fprintf(stderr, "bannin replay: %zu error(s) in the rules; nothing replayed\n",
                 report.errors());
    return 2;
  }
  if (report.rules.empty()) {
    std::fprintf(stderr, "bannin replay: no rules loaded from the given --rules paths\n");
    return 2;
  }

  detect::DetectorOptions dopt;
  dopt.memory_budget = cfg->memory_budget_mb << 20;
  detect::Detector detector(report.rules, dopt);
  decide::DeciderOptions deo;
  for (const auto& c : cfg->allowlist) {
    auto cidr = decide::Cidr::parse(c);
    if (!cidr) {
      std::fprintf(stderr, "bannin replay: allowlist: '%s' is not an address or CIDR\n", c.c_str());
      return 2;
    }
    deo.allowlist.push_back(*cidr);
  }
  decide::Decider decider(deo);
  enrich::GeoEnricher enricher(&geo);
  // Optional audit trail: findings and decisions go to SQLite through the writer thread.
  std::unique_ptr<store::StoreWriter> writer;
  if (!opt.store.empty()) {
    auto st = store::Store::open(opt.store);
    if (!st) {
      std::fprintf(stderr, "bannin replay: store: %s\n", st.error().message.c_str());
      return 2;
    }
    writer = std::make_unique<store::StoreWriter>(std::move(*st));
  }
  Printer printer(opt.format == "text", decider, writer.get());

  model::Event ev;
  std::uint64_t lines = 0, decoded = 0, rejected = 0;
  int status = 0;
  for (const std::string& path : opt.files) {
    int fd = path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      std::fprintf(stderr, "bannin replay: %s: %s\n", path.c_str(), std::strerror(errno));
      status = 2;
      continue;
    }
    source::LineReader reader(fd, path);
    decode::DecoderSet decoders(opt.decoder);
    decoders.detect(reader.peek(64));
    model::Record rec;
    while (reader.next(rec)) {
      ++lines;
      std::string_view line = rec.bytes;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (rec.truncated) {
        ++rejected;
        continue;
      }
      auto res = decoders.decode(line, ev);
      if (!res.result.ok()) {
        ++rejected;
        continue;
      }
      ++decoded;
      enricher.enrich(ev);
      detector.process(ev, line, printer);
    }
    if (fd != STDIN_FILENO) ::close(fd);
  }

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
  const auto& ds = detector.stats();
  std::string s;
  {
    core::JsonObjectWriter o(s);
    o.string("type", "summary");
    o.integer("lines", static_cast<std::int64_t>(lines));
    o.integer("decoded", static_cast<std::int64_t>(decoded));
    o.integer("decode_errors", static_cast<std::int64_t>(rejected));
    o.integer("rules", static_cast<std::int64_t>(report.rules.size()));
    o.integer("findings", static_cast<std::int64_t>(printer.findings()));
    o.integer("decisions", static_cast<std::int64_t>(printer.decisions()));
    o.integer("decisions_suppressed_active",
              static_cast<std::int64_t>(decider.stats().suppressed_active));
    o.integer("decisions_suppressed_allowlist",
              static_cast<std::int64_t>(decider.stats().suppressed_allowlist));
    o.integer("groups_evicted", static_cast<std::int64_t>(ds.groups_evicted));
    o.integer("members_cut", static_cast<std::int64_t>(ds.members_cut));
    o.integer("peak_detect_memory_bytes", static_cast<std::int64_t>(ds.peak_memory_bytes));
    o.integer("peak_tracked_keys", static_cast<std::int64_t>(ds.peak_tracked_keys));
    o.integer("groups_expired", static_cast<std::int64_t>(ds.groups_expired));
    o.integer("spares_cut", static_cast<std::int64_t>(ds.spares_cut));
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
                 report.rules.size(), static_cast<unsigned long long>(printer.findings()),
                 static_cast<unsigned long long>(printer.decisions()), secs,
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
  cmd->add_option("--rules", opt->rules, "Rule files or directories (e.g. rules/base)")->required();
  cmd->add_option("--config", opt->config, "Configuration file (YAML)");
  cmd->add_option("-o", opt->overrides,
                  "Override a configuration key: key=value, e.g. -o site.home_countries=JP "
                  "or -o rules.web.wp_login.bruteforce.max_attempts=20");
  cmd->add_option("--format", opt->format, "jsonl or text")
      ->check(CLI::IsMember({"jsonl", "text"}))
      ->capture_default_str();
  cmd->add_option("--decoder", opt->decoder, "Decoder (default: auto-detected per file)")
      ->capture_default_str();
  cmd->add_option("--store", opt->store,
                  "Also write findings (with evidence) and decisions to this SQLite file");
  cmd->add_flag("-q,--quiet", opt->quiet, "No summary on stderr");
  cmd->add_option("files", opt->files, "Log files; - for standard input")->required();
  cmd->callback([opt, &exit_code] { exit_code = run_replay(*opt); });
}

}  // namespace bannin::cli
