// `bannin decisions …`: carry out decisions now, before the daemon exists.
//   apply  [--nft | --record FILE] [--dry-run] DECISIONS.jsonl|-   replay output in, one batch
//   list   --nft                                                    what is in force
//   revoke --nft ADDR|PREFIX…                                       remove exact targets
//   flush  --nft                                                    remove bannin's table only
// Output is JSON lines: one {"type":"result",…} per decision and a {"type":"summary",…}.
// Exit status: 0 when nothing failed, 1 when a decision failed or was invalid, 2 when the
// input or nftables could not be used at all.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <bannin/act/decision_json.h>
#include <bannin/act/nftables/nftables_actuator.h>
#include <bannin/act/recording/recording_actuator.h>
#include <bannin/act/target.h>
#include <bannin/cli/commands.h>
#include <bannin/core/json_writer.h>

namespace bannin::cli {
namespace {

struct DecisionsOptions {
  bool nft = false;
  std::string record;
  bool dry_run = false;
  int priority = -10;
  std::string table = "bannin";
  std::string input;
  std::vector<std::string> targets;
  std::string format = "jsonl";
  bool quiet = false;
};

void fail_setup(const char* cmd, const std::string& message) {
  std::fprintf(stderr, "bannin decisions %s: %s\n", cmd, message.c_str());
}

core::Result<std::unique_ptr<act::NftablesActuator>> open_nft(const char* cmd,
                                                              const DecisionsOptions& opt) {
  act::nft::NftConfig cfg;
  cfg.table = opt.table;
  cfg.priority = opt.priority;
  cfg.dry_run = opt.dry_run;
  auto a = act::NftablesActuator::create(cfg);
  if (!a) return a.error();
  auto p = (*a)->probe();
  if (!p) {
    std::string msg = p.error().message;
    if (p.error().code == "not_permitted" && geteuid() != 0) {
      msg = "nftables needs root (or CAP_NET_ADMIN); run with sudo. (" + msg + ")";
    }
    (void)cmd;
    return core::make_error(p.error().code, msg);
  }
  return a;
}

void print_results(const std::vector<decide::Decision>& decisions,
                   const std::vector<std::size_t>& lines,
                   const std::vector<act::ActionResult>& results, bool quiet,
                   std::map<std::string, std::int64_t>& counts) {
  std::string out;
  for (const auto& r : results) {
    ++counts[std::string(act::outcome_name(r.outcome))];
    if (quiet) continue;
    const auto& d = decisions[r.index];
    core::JsonObjectWriter o(out);
    o.string("type", "result");
    if (!lines.empty()) o.integer("line", static_cast<std::int64_t>(lines[r.index]));
    o.string("rule", d.rule);
    o.string("scope", d.scope);
    o.string("target", r.target);
    o.string("outcome", act::outcome_name(r.outcome));
    if (r.timeout_s > 0) o.integer("timeout_s", r.timeout_s);
    if (!r.detail.empty()) o.string("detail", r.detail);
    o.close();
    out += '\n';
    if (out.size() > (1U << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
}

bool any_failed(const std::map<std::string, std::int64_t>& counts) {
  auto get = [&](const char* k) {
    auto it = counts.find(k);
    return it == counts.end() ? 0 : it->second;
  };
  return get("failed") > 0 || get("invalid") > 0;
}

int run_apply(const DecisionsOptions& opt) {
  if (opt.nft == !opt.record.empty()) {
    fail_setup("apply", "choose exactly one of --nft and --record FILE");
    return 2;
  }
  // Read the decisions (replay output: other line types are skipped).
  std::ifstream file;
  std::istream* in = &std::cin;
  if (opt.input != "-") {
    file.open(opt.input);
    if (!file) {
      fail_setup("apply", opt.input + ": cannot open");
      return 2;
    }
    in = &file;
  }
  std::vector<decide::Decision> decisions;
  std::vector<std::size_t> lines;
  std::size_t line_no = 0, bad = 0;
  std::string line;
  while (std::getline(*in, line)) {
    ++line_no;
    if (line.empty()) continue;
    auto d = act::parse_decision_line(line);
    if (!d) {
      ++bad;
      if (bad <= 10) {
        std::fprintf(stderr, "bannin decisions apply: %s:%zu: %s\n", opt.input.c_str(), line_no,
                     d.error().message.c_str());
      }
      continue;
    }
    if (!*d) continue;
    decisions.push_back(std::move(**d));
    lines.push_back(line_no);
  }

  std::unique_ptr<act::Actuator> actuator;
  act::NftablesActuator* nft = nullptr;
  if (opt.nft) {
    auto a = open_nft("apply", opt);
    if (!a) {
      fail_setup("apply", a.error().message);
      return 2;
    }
    nft = a->get();
    actuator = std::move(*a);
  } else {
    auto a = act::RecordingActuator::to_file(opt.record);
    if (!a) {
      fail_setup("apply", a.error().message);
      return 2;
    }
    actuator = std::move(*a);
  }
  auto started = std::chrono::steady_clock::now();
  auto results = actuator->apply(decisions);
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  std::map<std::string, std::int64_t> counts;
  print_results(decisions, lines, results, opt.quiet, counts);

  std::string out;
  core::JsonObjectWriter o(out);
  o.string("type", "summary");
  o.string("actuator", opt.nft ? "nftables" : "recording");
  o.boolean("dry_run", opt.dry_run);
  o.integer("decisions", static_cast<std::int64_t>(decisions.size()));
  for (const auto& [k, v] : counts) o.integer(k, v);
  o.integer("bad_lines", static_cast<std::int64_t>(bad));
  if (nft != nullptr) o.integer("nft_calls", static_cast<std::int64_t>(nft->calls()));
  o.key("elapsed_ms");
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", ms);
  out += buf;
  o.close();
  out += '\n';
  std::fwrite(out.data(), 1, out.size(), stdout);
  return any_failed(counts) ? 1 : 0;
}

int run_list(const DecisionsOptions& opt) {
  auto a = open_nft("list", opt);
  if (!a) {
    fail_setup("list", a.error().message);
    return 2;
  }
  auto entries = (*a)->list();
  if (!entries) {
    fail_setup("list", entries.error().message);
    return 2;
  }
  std::string out;
  for (const auto& e : *entries) {
    if (opt.format == "text") {
      char buf[128];
      std::snprintf(buf, sizeof buf, "%-40s %-8s timeout %llds expires %llds\n", e.target.c_str(),
                    e.where.c_str(), static_cast<long long>(e.timeout_s),
                    static_cast<long long>(e.expires_s));
      out += buf;
      continue;
    }
    core::JsonObjectWriter o(out);
    o.string("type", "entry");
    o.string("target", e.target);
    o.string("set", e.where);
    o.integer("timeout_s", e.timeout_s);
    o.integer("expires_s", e.expires_s);
    o.close();
    out += '\n';
  }
  if (opt.format == "text") {
    out += std::to_string(entries->size()) + " in force in table inet " + opt.table + "\n";
  } else {
    core::JsonObjectWriter o(out);
    o.string("type", "summary");
    o.string("table", "inet " + opt.table);
    o.integer("entries", static_cast<std::int64_t>(entries->size()));
    o.close();
    out += '\n';
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

int run_revoke(const DecisionsOptions& opt) {
  std::vector<decide::Decision> decisions;
  for (const auto& text : opt.targets) {
    decide::Decision d;
    d.origin = "person";
    d.rule = "cli.revoke";
    d.action = "deny";
    auto t = act::Target::parse(text);
    d.scope = t && !t->is_single() ? "prefix" : "ip";
    (d.scope == "ip" ? d.ip : d.prefix) = text;
    decisions.push_back(std::move(d));
  }
  auto a = open_nft("revoke", opt);
  if (!a) {
    fail_setup("revoke", a.error().message);
    return 2;
  }
  auto results = (*a)->revoke(decisions);
  std::map<std::string, std::int64_t> counts;
  print_results(decisions, {}, results, false, counts);
  return any_failed(counts) ? 1 : 0;
}

int run_flush(const DecisionsOptions& opt) {
  auto a = open_nft("flush", opt);
  if (!a) {
    fail_setup("flush", a.error().message);
    return 2;
  }
  auto r = (*a)->flush();
  if (!r) {
    fail_setup("flush", r.error().message);
    return 2;
  }
  std::string out;
  core::JsonObjectWriter o(out);
  o.string("type", "flush");
  o.string("removed", r->description);
  o.boolean("existed", r->existed);
  o.boolean("dry_run", opt.dry_run);
  o.close();
  out += '\n';
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

void add_nft_options(CLI::App* cmd, DecisionsOptions& opt, bool required) {
  auto* nft = cmd->add_flag("--nft", opt.nft, "Use the kernel's nftables (table inet bannin)");
  if (required) nft->required();
  cmd->add_option("--table", opt.table, "nftables table name (family inet)")->capture_default_str();
}

}  // namespace

void add_decisions_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "decisions", "Carry out, list, revoke and flush decisions (nftables or a recording)");
  cmd->require_subcommand(1);
  auto opt = std::make_shared<DecisionsOptions>();

  auto* apply = cmd->add_subcommand(
      "apply", "Apply the ip/prefix decisions of replay output (JSON lines) in one batch");
  add_nft_options(apply, *opt, false);
  apply->add_option("--record", opt->record,
                    "Write what would be done as JSON lines to FILE ('-' = stdout)");
  apply->add_flag("--dry-run", opt->dry_run,
                  "With --nft: check every command against the kernel, change nothing");
  apply
      ->add_option("--priority", opt->priority,
                   "Priority of bannin's input-hook chain (lower runs earlier)")
      ->capture_default_str();
  apply->add_flag("-q,--quiet", opt->quiet, "Print only the summary line");
  apply->add_option("input", opt->input, "Decisions (replay JSON lines), or - for stdin")
      ->required();
  apply->callback([opt, &exit_code] { exit_code = run_apply(*opt); });

  auto* list = cmd->add_subcommand("list", "What is in force, with the time left");
  add_nft_options(list, *opt, true);
  list->add_option("--format", opt->format, "jsonl or text")
      ->check(CLI::IsMember({"jsonl", "text"}))
      ->capture_default_str();
  list->callback([opt, &exit_code] { exit_code = run_list(*opt); });

  auto* revoke = cmd->add_subcommand("revoke", "Remove addresses or prefixes from force");
  add_nft_options(revoke, *opt, true);
  revoke->add_flag("--dry-run", opt->dry_run, "Check, change nothing");
  revoke->add_option("targets", opt->targets, "ADDR or PREFIX, IPv4 or IPv6")->required();
  revoke->callback([opt, &exit_code] { exit_code = run_revoke(*opt); });

  auto* flush = cmd->add_subcommand(
      "flush", "Remove bannin's nftables table (and nothing else): every decision in force");
  add_nft_options(flush, *opt, true);
  flush->add_flag("--dry-run", opt->dry_run, "Check, change nothing");
  flush->callback([opt, &exit_code] { exit_code = run_flush(*opt); });
}

}  // namespace bannin::cli
