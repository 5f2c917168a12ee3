// `bannin decisions …`: decisions in the kernel (--nft) and in the store (--store FILE).
//
// Against nftables (or a recording), before or beside the daemon:
//   apply  [--nft | --record FILE] [--dry-run] DECISIONS.jsonl|-   replay output in, one batch
//   list   --nft                                                    what is in force
//   revoke --nft ADDR|PREFIX…                                       remove exact targets
//   flush  --nft                                                    remove bannin's table only
// Output is JSON lines: one {"type":"result",…} per decision and a {"type":"summary",…}.
// Exit status: 0 when nothing failed, 1 when a decision failed or was invalid, 2 when the
// input or nftables could not be used at all.
//
// Against the store (the audit trail the daemon and `replay --store` keep; default
// ./var/bannin.db; never created here):
//   list   [--store FILE] [--state S|in_force] [--format table|json|csv]
//   add    TARGET --ttl 1h --reason TEXT [--action deny]     a person's decision (proposed)
//   revoke TARGET… [--note TEXT]       every decision in force on that exact target -> revoked
//   flush  --store [FILE]              every decision in force -> revoked; says how many
//   export [--format json|csv]         every decision with its history
// Exit status: 0 done, 1 nothing in force on a target given to revoke, 2 bad input or an
// unusable store. add and revoke go through submit_add/submit_revoke, which take the parsed
// request and a Route: today the store file, later the running daemon's API first.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <pwd.h>
#include <unistd.h>

#include <bannin/act/decision_json.h>
#include <bannin/act/nftables/nftables_actuator.h>
#include <bannin/act/recording/recording_actuator.h>
#include <bannin/act/target.h>
#include <bannin/api/client.h>
#include <bannin/api/json_value.h>
#include <bannin/cli/commands.h>
#include <bannin/core/ip_prefix.h>
#include <bannin/core/json_writer.h>
#include <bannin/core/time.h>
#include <bannin/store/decision_export.h>
#include <bannin/store/store.h>

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
  std::string format;  // list: jsonl|text (--nft), table|json|csv (store); export: json|csv
  bool quiet = false;
  // Store mode.
  std::string store = "./var/bannin.db";
  std::string state;
  std::string target;
  std::string ttl;
  std::string reason;
  std::string action = "deny";
  std::string note;
  std::string now;  // RFC 3339; the clock when empty (tests and audits fix it)
  std::string api = "http://127.0.0.1:8730";  // add/revoke: the running daemon, or "none"
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
    return kUsageExitCode;
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

int run_nft_list(const DecisionsOptions& opt) {
  if (!opt.format.empty() && opt.format != "jsonl" && opt.format != "text") {
    fail_setup("list", "--format: with --nft, use jsonl or text");
    return kUsageExitCode;
  }
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

int run_nft_revoke(const DecisionsOptions& opt) {
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

int run_nft_flush(const DecisionsOptions& opt) {
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

// --- the store ----------------------------------------------------------------------------

// What a person asks for, parsed and checked, independent of where it is carried out.
struct AddRequest {
  std::string target;  ///< canonical address or prefix
  std::string scope;   ///< ip | prefix
  std::string action = "deny";
  std::int64_t ttl_s = 0;
  std::string reason;
  std::string by;  ///< the person (login name)
};

struct RevokeRequest {
  std::string target;  ///< canonical key; empty = every decision in force (flush)
  std::string note;
  std::string by;
  bool dry_run = false;
};

// Where add/revoke go. When a daemon answers at `api`, it is asked (it enforces at once and
// keeps its in-memory state in step, and writes the store itself); the store file is the
// fallback when no daemon answers (the decision is enforced when `bannin run` starts: it
// reconciles with the store). "none" skips the API. submit_* are the one place that choice
// is made; `via` tells the caller which was used.
struct Route {
  std::string store_path;
  std::string api = "none";
  mutable std::string via = "store";
};

// Whole seconds: a person's decision needs no more, and its times read better.
core::TimeNs wall_clock_ns() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() *
         core::kNsPerSec;
}

core::Result<core::TimeNs> now_of(const DecisionsOptions& opt) {
  if (opt.now.empty()) return wall_clock_ns();
  auto t = core::parse_iso8601(opt.now, true);
  if (!t) return core::make_error("bad_time", "--now: '" + opt.now + "' is not an RFC 3339 time");
  return *t;
}

std::string person() {
  if (const char* sudo = std::getenv("SUDO_USER"); sudo != nullptr && *sudo != '\0') return sudo;
  if (const passwd* pw = getpwuid(geteuid()); pw != nullptr && pw->pw_name != nullptr) {
    return pw->pw_name;
  }
  return "uid " + std::to_string(geteuid());
}

/// "90s", "30m", "1h", "2d", "1w", "1h30m" -> seconds (at most 10 years).
core::Result<std::int64_t> parse_duration(std::string_view text) {
  constexpr std::int64_t kMax = 3650LL * 86400;
  auto secs = core::parse_duration_seconds(text, false, kMax);
  if (!secs) {
    // Say "too long" for a well-formed duration above the limit (digits and units only,
    // ending in a unit), however many digits it has.
    bool well_formed = !text.empty() && text.front() >= '0' && text.front() <= '9' &&
                       std::string_view("smhdw").find(text.back()) != std::string_view::npos;
    for (char c : text) {
      well_formed = well_formed && ((c >= '0' && c <= '9') ||
                                    std::string_view("smhdw").find(c) != std::string_view::npos);
    }
    if (well_formed) {
      return core::make_error("bad_duration",
                              "'" + std::string(text) + "' is longer than 10 years");
    }
    return core::make_error("bad_duration", "'" + std::string(text) +
                                                "' is not a duration (e.g. 90s, 30m, 1h, 2d, 1w, "
                                                "1h30m)");
  }
  if (*secs <= 0) return core::make_error("bad_duration", "'" + std::string(text) + "' is zero");
  return *secs;
}

/// 59m59s, 23h5m, 3d4h, 45s: the two largest units.
std::string human_duration(std::int64_t s) {
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m" + (s % 60 ? std::to_string(s % 60) + "s" : "");
  if (s < 86400) {
    return std::to_string(s / 3600) + "h" +
           (s % 3600 / 60 ? std::to_string(s % 3600 / 60) + "m" : "");
  }
  return std::to_string(s / 86400) + "d" +
         (s % 86400 / 3600 ? std::to_string(s % 86400 / 3600) + "h" : "");
}

core::Result<AddRequest> parse_add_request(const DecisionsOptions& opt) {
  AddRequest req;
  auto t = core::IpPrefix::parse(opt.target);
  if (!t) {
    return core::make_error("invalid_target", "'" + opt.target +
                                                  "' is not an address or prefix (e.g. 192.0.2.7, "
                                                  "2001:db8::/48)");
  }
  req.target = t->text();
  req.scope = t->is_single() ? "ip" : "prefix";
  auto ttl = parse_duration(opt.ttl);
  if (!ttl) return core::make_error(ttl.error().code, "--ttl: " + ttl.error().message);
  req.ttl_s = *ttl;
  if (opt.reason.find_first_not_of(" \t") == std::string::npos) {
    return core::make_error("no_reason", "--reason: say why (it is kept in the audit trail)");
  }
  req.reason = opt.reason;
  if (opt.action != "deny" && opt.action != "rate_limit" && opt.action != "notify_only") {
    return core::make_error(
        "bad_action", "--action: '" + opt.action + "' is not one of deny, rate_limit, notify_only");
  }
  req.action = opt.action;
  req.by = person();
  return req;
}

core::Result<std::unique_ptr<store::Store>> open_existing_store(const std::string& path) {
  store::OpenOptions o;
  o.create = false;  // a typo in --store must not leave an empty store behind
  return store::Store::open(path, o);
}

// The store side of each request.
core::Result<store::DecisionRow> add_in_store(store::Store& st, const AddRequest& req,
                                              core::TimeNs now) {
  store::DecisionRow row;
  row.ts = now;
  row.rule = req.by;  // for origin "person" the rule column names the person
  row.origin = "person";
  row.action = req.action;
  row.scope = req.scope;
  std::string target;
  core::JsonObjectWriter t(target);
  t.string(req.scope, req.target);
  t.close();
  row.target_json = std::move(target);
  row.target_key = req.target;
  row.ttl_s = req.ttl_s;
  row.reason = req.reason;
  row.state = "proposed";
  auto id = st.add_decision(row);
  if (!id) return id.error();
  return st.decision(*id);
}

core::Result<std::vector<store::DecisionRow>> revoke_in_store(store::Store& st,
                                                              const RevokeRequest& req,
                                                              core::TimeNs now) {
  auto rows = req.target.empty() ? st.in_force(now) : st.find_in_force(req.target, now);
  if (!rows || req.dry_run) return rows;
  std::string note =
      (req.note.empty() ? std::string(req.target.empty() ? "flushed" : "revoked") : req.note) +
      " (by " + req.by + ", bannin decisions " + (req.target.empty() ? "flush" : "revoke") + ")";
  // All of them or none: one transaction.
  if (auto b = st.begin(); !b) return b.error();
  for (auto& d : *rows) {
    if (auto r = st.set_state(d.id, "revoked", now, note); !r) {
      st.rollback();
      return r.error();
    }
    d.state = "revoked";
    d.ended = now;
  }
  if (auto c = st.commit(); !c) {
    st.rollback();
    return c.error();
  }
  return rows;
}

// The daemon's API, when one answers: a result, or nullopt (no daemon: use the store).
std::optional<api::Client> daemon_client(const Route& route) {
  if (route.api.empty() || route.api == "none") return std::nullopt;
  api::ClientOptions co;
  co.url = route.api;
  if (const char* t = std::getenv("BANNIN_API_TOKEN")) co.token = t;
  co.timeout = std::chrono::milliseconds(3000);
  return api::Client(co);
}

core::Result<store::DecisionRow> submit_add(const AddRequest& req, const Route& route,
                                            core::TimeNs now) {
  if (auto client = daemon_client(route)) {
    std::string body;
    core::JsonObjectWriter o(body);
    o.string("scope", req.scope);
    o.string("target", req.target);
    o.string("action", req.action);
    o.integer("ttl_s", req.ttl_s);
    o.string("reason", req.reason + " (by " + req.by + ", bannin decisions add)");
    o.close();
    auto r = client->post("/api/v1/decisions", body);
    if (r) {
      if (r->status != 200 && r->status != 201) {
        return core::make_error("daemon_refused", "the daemon at " + route.api +
                                                      " refused: " + api::api_error_message(*r));
      }
      auto j = api::parse_json(r->body);
      store::DecisionRow row;
      if (j) {
        if (const auto* v = j->find("id"); v && v->integer()) row.id = *v->integer();
        if (const auto* v = j->find("state"); v && v->string()) row.state = *v->string();
      }
      row.ts = now;
      row.origin = "person";
      row.scope = req.scope;
      row.action = req.action;
      row.target_key = req.target;
      row.ttl_s = req.ttl_s;
      row.expires = now + req.ttl_s * core::kNsPerSec;
      row.reason = req.reason;
      route.via = "daemon";
      return row;
    }
    if (r.error().code != "no_daemon") return r.error();
  }
  auto st = open_existing_store(route.store_path);
  if (!st) return st.error();
  return add_in_store(**st, req, now);
}

core::Result<std::vector<store::DecisionRow>> submit_revoke(const RevokeRequest& req,
                                                            const Route& route, core::TimeNs now) {
  auto client = req.dry_run || req.target.empty() ? std::nullopt : daemon_client(route);
  if (client) {
    std::string path = "/api/v1/decisions/" + api::url_encode_segment(req.target);
    if (!req.note.empty()) path += "?note=" + api::url_encode_segment(req.note);
    auto r = client->del(path);
    if (r) {
      route.via = "daemon";
      if (r->status == 404) return std::vector<store::DecisionRow>{};
      if (r->status != 200) {
        return core::make_error("daemon_refused", "the daemon at " + route.api +
                                                      " refused: " + api::api_error_message(*r));
      }
      auto j = api::parse_json(r->body);
      std::int64_t n = 0;
      if (j) {
        if (const auto* v = j->find("revoked"); v && v->integer()) n = *v->integer();
      }
      if (n < 0 || n > 1'000'000) {
        return core::make_error(
            "daemon_reply", "the daemon at " + route.api + " gave an implausible revoked count");
      }
      std::vector<store::DecisionRow> rows(static_cast<std::size_t>(n));
      for (auto& row : rows) {
        row.target_key = req.target;
        row.action = "deny";
        row.origin = "daemon";
      }
      return rows;
    }
    if (r.error().code != "no_daemon") return r.error();
  }
  auto st = open_existing_store(route.store_path);
  if (!st) return st.error();
  return revoke_in_store(**st, req, now);
}

int store_fail(const char* cmd, const std::string& message) {
  std::fprintf(stderr, "bannin decisions %s: %s\n", cmd, message.c_str());
  return 2;
}

// A bad argument (a target, a TTL, a format, a time): the usage exit code every command
// shares (kUsageExitCode, 3); store and kernel problems keep 2.
int usage_fail(const char* cmd, const std::string& message) {
  std::fprintf(stderr, "bannin decisions %s: %s\n", cmd, message.c_str());
  return kUsageExitCode;
}

std::string origin_text(const store::DecisionRow& d) {
  return d.origin == "rule" ? d.rule : d.origin + ":" + d.rule;
}

std::string expires_text(const store::DecisionRow& d, core::TimeNs now) {
  if (d.state != "proposed" && d.state != "active") return "-";
  if (d.expires <= now) return "due";
  return human_duration((d.expires - now + core::kNsPerSec - 1) / core::kNsPerSec);
}

std::string table_of(const std::vector<store::DecisionRow>& rows, core::TimeNs now) {
  const std::vector<std::string> head = {"ID",     "STATE",       "SCOPE",      "TARGET",
                                         "ACTION", "RULE/ORIGIN", "EXPIRES IN", "REASON"};
  std::vector<std::vector<std::string>> cells;
  cells.reserve(rows.size());
  for (const auto& d : rows) {
    std::string reason = d.reason;
    for (char& c : reason) {
      if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    }
    cells.push_back({std::to_string(d.id), d.state, d.scope,
                     d.target_key.empty() ? d.target_json : d.target_key, d.action, origin_text(d),
                     expires_text(d, now), std::move(reason)});
  }
  std::vector<std::size_t> width(head.size());
  for (std::size_t c = 0; c < head.size(); ++c) {
    width[c] = head[c].size();
    for (const auto& r : cells) width[c] = std::max(width[c], r[c].size());
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& r) {
    for (std::size_t c = 0; c < r.size(); ++c) {
      out += r[c];
      if (c + 1 < r.size()) out.append(width[c] - r[c].size() + 2, ' ');
    }
    out += '\n';
  };
  line(head);
  for (const auto& r : cells) line(r);
  return out;
}

int run_store_list(const DecisionsOptions& opt) {
  std::string format = opt.format.empty() ? "table" : opt.format;
  if (format != "table" && format != "json" && format != "csv") {
    return usage_fail("list", "--format: with the store, use table, json or csv");
  }
  if (!opt.state.empty() && opt.state != "in_force" && !store::is_state(opt.state)) {
    return usage_fail("list", "--state: '" + opt.state +
                                  "' is not one of proposed, active, expired, revoked, failed, "
                                  "in_force");
  }
  auto now = now_of(opt);
  if (!now) return usage_fail("list", now.error().message);
  auto st = open_existing_store(opt.store);
  if (!st) return store_fail("list", st.error().message);
  auto rows = opt.state == "in_force" ? (*st)->in_force(*now) : (*st)->decisions(opt.state);
  if (!rows) return store_fail("list", rows.error().message);
  std::string out;
  if (format == "json") {
    out = store::decisions_json(*rows);
  } else if (format == "csv") {
    out = store::decisions_csv(*rows);
  } else {
    out = table_of(*rows, *now);
    out += std::to_string(rows->size()) + (rows->size() == 1 ? " decision" : " decisions") +
           (opt.state.empty() ? "" : " (" + opt.state + ")") + " in " + opt.store + "\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

int run_store_add(const DecisionsOptions& opt) {
  auto req = parse_add_request(opt);
  if (!req) return usage_fail("add", req.error().message);
  auto now = now_of(opt);
  if (!now) return usage_fail("add", now.error().message);
  Route route{opt.store, opt.now.empty() ? opt.api : "none"};
  auto row = submit_add(*req, route, *now);
  if (!row) return store_fail("add", row.error().message);
  if (route.via == "daemon") {
    std::printf("the daemon at %s took decision %lld (%s): %s %s for %s, reason \"%s\"\n",
                opt.api.c_str(), static_cast<long long>(row->id), row->state.c_str(),
                row->action.c_str(), row->target_key.c_str(), human_duration(row->ttl_s).c_str(),
                row->reason.c_str());
    return 0;
  }
  std::printf("added decision %lld (%s): %s %s for %s, expires %s, reason \"%s\"\n",
              static_cast<long long>(row->id), row->state.c_str(), row->action.c_str(),
              row->target_key.c_str(), human_duration(row->ttl_s).c_str(),
              core::format_rfc3339(row->expires).c_str(), row->reason.c_str());
  return 0;
}

void print_revoked(const std::vector<store::DecisionRow>& rows, bool dry_run) {
  std::string out;
  for (const auto& d : rows) {
    out += std::string(dry_run ? "would revoke" : "revoked") + " decision " + std::to_string(d.id) +
           ": " + d.action + " " + d.target_key + " (" + origin_text(d) + ")\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
}

int run_store_revoke(const DecisionsOptions& opt) {
  auto now = now_of(opt);
  if (!now) return usage_fail("revoke", now.error().message);
  int status = 0;
  for (const auto& text : opt.targets) {
    RevokeRequest req;
    req.target = store::canonical_target_key(text);
    req.note = opt.note;
    req.by = person();
    req.dry_run = opt.dry_run;
    Route route{opt.store, opt.now.empty() ? opt.api : "none"};
    auto rows = submit_revoke(req, route, *now);
    if (!rows) return store_fail("revoke", rows.error().message);
    if (route.via == "daemon" && !rows->empty()) {
      std::printf("the daemon at %s revoked %zu decision%s on %s\n", opt.api.c_str(), rows->size(),
                  rows->size() == 1 ? "" : "s", req.target.c_str());
      continue;
    }
    if (rows->empty()) {
      std::fprintf(stderr, "bannin decisions revoke: nothing in force on %s\n", req.target.c_str());
      status = 1;
      continue;
    }
    print_revoked(*rows, opt.dry_run);
  }
  return status;
}

int run_store_flush(const DecisionsOptions& opt) {
  auto now = now_of(opt);
  if (!now) return usage_fail("flush", now.error().message);
  RevokeRequest req;  // no target: everything in force
  req.note = opt.note;
  req.by = person();
  req.dry_run = opt.dry_run;
  auto rows = submit_revoke(req, Route{opt.store}, *now);
  if (!rows) return store_fail("flush", rows.error().message);
  print_revoked(*rows, opt.dry_run);
  std::printf("%s %zu %s in force in %s\n", opt.dry_run ? "would revoke" : "revoked", rows->size(),
              rows->size() == 1 ? "decision" : "decisions", opt.store.c_str());
  return 0;
}

int run_store_export(const DecisionsOptions& opt) {
  std::string format = opt.format.empty() ? "json" : opt.format;
  if (format != "json" && format != "csv") return usage_fail("export", "--format: json or csv");
  auto st = open_existing_store(opt.store);
  if (!st) return store_fail("export", st.error().message);
  auto records = (*st)->decisions_with_history();
  if (!records) return store_fail("export", records.error().message);
  std::string out =
      format == "json" ? store::decisions_json(*records) : store::decisions_csv(*records);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

void add_nft_options(CLI::App* cmd, DecisionsOptions& opt, bool required) {
  auto* nft = cmd->add_flag("--nft", opt.nft, "Use the kernel's nftables (table inet bannin)");
  if (required) nft->required();
  cmd->add_option("--table", opt.table, "nftables table name (family inet)")->capture_default_str();
}

// --store FILE. Where no positional argument follows, a bare --store means the default file.
CLI::Option* add_store_option(CLI::App* cmd, DecisionsOptions& opt, bool value_optional) {
  auto* o = cmd->add_option("--store", opt.store,
                            "The store (SQLite) the daemon and `replay --store` write; never "
                            "created here")
                ->capture_default_str();
  if (value_optional) o->expected(0, 1);
  return o;
}

void add_api_option(CLI::App* cmd, DecisionsOptions& opt) {
  cmd->add_option("--api", opt.api,
                  "The running daemon, asked first so the decision takes effect at once (token: "
                  "$BANNIN_API_TOKEN); without an answer the store is written and `bannin run` "
                  "enforces it at its next start. none = the store only")
      ->capture_default_str();
}

void add_now_option(CLI::App* cmd, DecisionsOptions& opt) {
  cmd->add_option("--now", opt.now, "Take this RFC 3339 time as now (tests, audits)");
}

}  // namespace

void add_decisions_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "decisions",
      "Decisions: in the store (default), or carried out with nftables or a recording");
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

  auto* list = cmd->add_subcommand(
      "list", "Decisions in the store (or, with --nft, what the kernel has in force)");
  add_nft_options(list, *opt, false);
  add_store_option(list, *opt, true);
  list->add_option("--state", opt->state,
                   "Store: only this state (proposed, active, expired, revoked, failed, "
                   "in_force)");
  list->add_option("--format", opt->format,
                   "table, json or csv (store; default table); jsonl or text (--nft; default "
                   "jsonl)");
  add_now_option(list, *opt);
  list->callback(
      [opt, &exit_code] { exit_code = opt->nft ? run_nft_list(*opt) : run_store_list(*opt); });

  auto* add = cmd->add_subcommand(
      "add", "Record a person's decision in the store (origin person, state proposed)");
  add_store_option(add, *opt, false);
  add->add_option("target", opt->target, "ADDR or PREFIX, IPv4 or IPv6")->required();
  add->add_option("--ttl", opt->ttl, "How long: 90s, 30m, 1h, 2d, 1w, 1h30m")->required();
  add->add_option("--reason", opt->reason, "Why (kept in the audit trail)")->required();
  add->add_option("--action", opt->action, "deny, rate_limit or notify_only")
      ->capture_default_str();
  add_now_option(add, *opt);
  add_api_option(add, *opt);
  add->callback([opt, &exit_code] { exit_code = run_store_add(*opt); });

  auto* revoke = cmd->add_subcommand(
      "revoke", "Revoke every decision in force on these exact targets (store, or --nft)");
  add_nft_options(revoke, *opt, false);
  add_store_option(revoke, *opt, false);
  revoke->add_flag("--dry-run", opt->dry_run, "Check, change nothing");
  revoke->add_option("--note", opt->note, "Store: why, kept in the decision's history");
  add_now_option(revoke, *opt);
  add_api_option(revoke, *opt);
  revoke->add_option("targets", opt->targets, "ADDR or PREFIX, IPv4 or IPv6")->required();
  revoke->callback(
      [opt, &exit_code] { exit_code = opt->nft ? run_nft_revoke(*opt) : run_store_revoke(*opt); });

  auto* flush = cmd->add_subcommand(
      "flush",
      "--store: revoke every decision in force; --nft: remove bannin's nftables table (and "
      "nothing else)");
  add_nft_options(flush, *opt, false);
  auto* flush_store = add_store_option(flush, *opt, true);
  flush->add_flag("--dry-run", opt->dry_run, "Check, change nothing");
  flush->add_option("--note", opt->note, "Store: why, kept in each decision's history");
  add_now_option(flush, *opt);
  flush->callback([opt, flush_store, &exit_code] {
    bool store = flush_store->count() > 0;
    if (store == opt->nft) {
      exit_code = usage_fail("flush", "say what to flush: --store [FILE] or --nft");
      return;
    }
    exit_code = opt->nft ? run_nft_flush(*opt) : run_store_flush(*opt);
  });

  auto* exp = cmd->add_subcommand("export", "Every decision in the store with its history");
  add_store_option(exp, *opt, true);
  exp->add_option("--format", opt->format, "json or csv (default json)");
  exp->callback([opt, &exit_code] { exit_code = run_store_export(*opt); });
}

}  // namespace bannin::cli
