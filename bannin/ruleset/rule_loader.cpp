#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include <bannin/core/duration.h>
#include <bannin/ruleset/expr_ast.h>
#include <bannin/ruleset/rule_loader.h>

namespace bannin::ruleset {

std::size_t LoadReport::errors() const {
  return static_cast<std::size_t>(
      std::count_if(problems.begin(), problems.end(), [](const auto& p) { return !p.warning; }));
}

std::optional<core::TimeNs> parse_duration(std::string_view s) {
  // bannin's one duration grammar (core/time.h); a bare number is seconds, as rules always had.
  constexpr core::TimeNs kMax = 100LL * 365 * core::kNsPerDay;
  return core::parse_duration_ns(s, true, kMax);
}

namespace {

const std::set<std::string, std::less<>> kRuleKeys = {
    "id",   "title",    "description", "when",     "where",   "group_by", "window", "fire",
    "then", "campaign", "params",      "evidence", "enabled", "numbers",  "reset",  "record"};
const std::set<std::string, std::less<>> kResetKeys = {"when", "match"};
const std::set<std::string, std::less<>> kThenKeys = {"action",           "scope",     "ttl",
                                                      "reason",           "reason_ja", "method",
                                                      "except_countries", "prefix_v4", "prefix_v6"};
// Placeholders every reason may use besides the group_by fields and the named numbers.
const std::set<std::string, std::less<>> kPlaceholders = {"rule", "group", "numbers", "window",
                                                          "ttl"};
// A list file (`params: {name: {file: …}}`) is data kept in the tree: bounded so that a
// wrong path (a log, /dev/zero) is an error, not a hang.
constexpr std::size_t kMaxListFileBytes = 1 << 20;
constexpr std::size_t kMaxListItems = 10'000;
const std::set<std::string, std::less<>> kCampaignKeys = {"member",     "members",     "spare",
                                                          "min_events", "max_members", "then"};
const std::set<std::string, std::less<>> kActions = {
    "deny", "rate_limit", "deny_foreign", "notify_only", "quarantine", "reset_password", "stop"};
const std::set<std::string, std::less<>> kScopes = {"ip",   "prefix",  "vhost_path", "vhost",
                                                    "file", "account", "user",       "process"};

// Collects problems for one file and knows where each node is.
struct Ctx {
  const std::string& file;
  std::string dir;  // directory of `file`, for list files named relative to it
  LoadReport& report;
  std::string rule_id;
  bool failed = false;  // an error in the current rule

  void problem(const YAML::Mark& m, std::string code, std::string message, bool warning = false,
               std::uint32_t extra_col = 0) {
    LoadProblem p;
    p.code = std::move(code);
    p.message = std::move(message);
    p.file = file;
    p.line = m.line >= 0 ? static_cast<std::uint32_t>(m.line + 1) : 0;
    p.column = m.column >= 0 ? static_cast<std::uint32_t>(m.column + 1) + extra_col : 0;
    p.rule_id = rule_id;
    p.warning = warning;
    if (!warning) failed = true;
    report.problems.push_back(std::move(p));
  }
};

// A missing key gives an invalid node in yaml-cpp; IsDefined() is the one safe question.
std::string scalar(const YAML::Node& n) {
  return n.IsDefined() && n.IsScalar() ? n.Scalar() : std::string();
}

bool is_name(std::string_view s) {
  if (s.empty() || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// A list parameter kept in a data file: one item per line, `#` starts a comment line,
// surrounding blanks are dropped. The path is relative to the rule file's directory, so
// rules/base/ finds ../../data/ in the source tree and in an installed tree alike.
ParamValue list_file(Ctx& ctx, const YAML::Node& n) {
  namespace fs = std::filesystem;
  ParamValue v;
  v.is_list = true;
  std::string name = scalar(n["file"]);
  if (name.empty()) {
    ctx.problem(n.Mark(), "bad_type", "a list parameter from a file is written {file: PATH}");
    return v;
  }
  fs::path path = fs::path(name).is_absolute() ? fs::path(name) : fs::path(ctx.dir) / name;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    ctx.problem(n["file"].Mark(), "list_file",
                "list file " + path.string() + " does not exist or is not a regular file");
    return v;
  }
  auto size = fs::file_size(path, ec);
  if (ec || size > kMaxListFileBytes) {
    ctx.problem(n["file"].Mark(), "list_file",
                "list file " + path.string() + " is larger than 1 MiB or unreadable");
    return v;
  }
  std::ifstream in(path);
  std::string line;
  std::uint32_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    auto b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '#') continue;
    auto e = line.find_last_not_of(" \t\r");
    if (v.items.size() >= kMaxListItems) {
      ctx.problem(n["file"].Mark(), "list_file",
                  path.string() + ":" + std::to_string(lineno) + ": more than 10000 items");
      break;
    }
    v.items.push_back(line.substr(b, e - b + 1));
  }
  if (v.items.empty()) {
    ctx.problem(n["file"].Mark(), "list_file", "list file " + path.string() + " has no items");
  }
  return v;
}

ParamValue param_from_node(Ctx& ctx, const YAML::Node& n) {
  ParamValue v;
  if (n.IsMap()) return list_file(ctx, n);
  if (n.IsSequence()) {
    v.is_list = true;
    for (const auto& item : n) v.items.push_back(scalar(item));
  } else {
    v.items.push_back(scalar(n));
  }
  return v;
}

void check_keys(Ctx& ctx, const YAML::Node& map, const std::set<std::string, std::less<>>& known,
                const char* where) {
  for (const auto& kv : map) {
    std::string k = scalar(kv.first);
    if (!known.contains(k)) {
      ctx.problem(kv.first.Mark(), "unknown_key", "unknown key '" + k + "' in " + where, false);
    }
  }
}

// Expression diagnostics carry offsets inside the text; place them on the scalar's line.
void report_expr(Ctx& ctx, const YAML::Node& node, const std::vector<Diagnostic>& diags,
                 const char* what) {
  for (const Diagnostic& d : diags) {
    ctx.problem(node.Mark(), d.code, std::string(what) + ": " + d.message, false,
                node.Scalar().find('\n') == std::string::npos ? d.offset : 0);
  }
}

std::shared_ptr<const Predicate> predicate(Ctx& ctx, const YAML::Node& node, const CompileEnv& env,
                                           const char* what) {
  if (!node.IsScalar()) {
    ctx.problem(node.Mark(), "bad_type", std::string(what) + " must be an expression string");
    return nullptr;
  }
  auto c = compile_predicate(node.Scalar(), env);
  report_expr(ctx, node, c.diagnostics, what);
  return std::shared_ptr<const Predicate>(std::move(c.value));
}

std::vector<std::string> resolve_list(Ctx& ctx, const YAML::Node& node, const Params& params) {
  std::vector<std::string> out;
  if (node.IsSequence()) {
    for (const auto& i : node) out.push_back(scalar(i));
  } else if (node.IsScalar() && !node.Scalar().empty() && node.Scalar()[0] == '$') {
    auto it = params.find(node.Scalar().substr(1));
    if (it == params.end()) {
      ctx.problem(node.Mark(), "unknown_param", "unknown parameter " + node.Scalar());
    } else {
      out = it->second.items;
    }
  } else if (node.IsScalar()) {
    out.push_back(node.Scalar());
  }
  return out;
}

DecisionTemplate decision(Ctx& ctx, const YAML::Node& node, const Params& params) {
  DecisionTemplate d;
  if (!node.IsMap()) {
    ctx.problem(node.Mark(), "bad_type", "a decision must be a map {action, scope, ttl, ...}");
    return d;
  }
  check_keys(ctx, node, kThenKeys, "a decision");
  if (node["action"]) d.action = scalar(node["action"]);
  if (!kActions.contains(d.action)) {
    ctx.problem(
        node["action"] ? node["action"].Mark() : node.Mark(), "bad_action",
        "unknown action '" + d.action +
            "' (deny, rate_limit, deny_foreign, notify_only, quarantine, reset_password, stop)");
  }
  if (node["scope"]) d.scope = scalar(node["scope"]);
  if (!kScopes.contains(d.scope)) {
    ctx.problem(node["scope"] ? node["scope"].Mark() : node.Mark(), "bad_scope",
                "unknown scope '" + d.scope +
                    "' (ip, prefix, vhost_path, vhost, file, account, user, process)");
  }
  if (!node["ttl"]) {
    ctx.problem(node.Mark(), "missing_key", "a decision needs a ttl (every decision expires)");
  } else if (auto t = parse_duration(scalar(node["ttl"])); t && *t > 0) {
    d.ttl = *t;
  } else {
    ctx.problem(node["ttl"].Mark(), "bad_duration", "bad ttl '" + scalar(node["ttl"]) + "'");
  }
  if (node["reason"]) d.reason = scalar(node["reason"]);
  if (node["reason_ja"]) d.reason_ja = scalar(node["reason_ja"]);
  if (node["method"]) d.method = scalar(node["method"]);
  if (node["except_countries"])
    d.except_countries = resolve_list(ctx, node["except_countries"], params);
  if (node["prefix_v4"]) d.prefix_len_v4 = node["prefix_v4"].as<std::uint32_t>(24);
  if (node["prefix_v6"]) d.prefix_len_v6 = node["prefix_v6"].as<std::uint32_t>(64);
  return d;
}

// `numbers: {failures: count(), sources: distinct(src_ip)}`: each value must be exactly one
// aggregate. It is registered in the rule's registry (sharing the slot with `fire` when the
// same), so findings carry its value and reasons can say "{failures} failed logins".
void named_numbers(Ctx& ctx, const YAML::Node& node, const CompileEnv& env, Rule& rule) {
  if (!node.IsMap()) {
    ctx.problem(node.Mark(), "bad_type", "numbers must be a map name: aggregate");
    return;
  }
  for (const auto& kv : node) {
    std::string name = scalar(kv.first);
    std::string text = scalar(kv.second);
    if (!is_name(name) || kPlaceholders.contains(name) || model::field_by_name(name)) {
      ctx.problem(kv.first.Mark(), "bad_name",
                  "number name '" + name +
                      "' must be lowercase [a-z_][a-z0-9_]* and not a field or rule, group, "
                      "numbers, window, ttl");
      continue;
    }
    AggregateRegistry one;
    auto c = compile_condition("(" + text + ") >= 0", env, one);
    std::vector<Diagnostic> scratch;
    auto parsed = detail::parse(text, scratch);
    if (!c.value || one.specs().size() != 1 || !parsed.ok || !scratch.empty() ||
        detail::to_text(*parsed.root) != one.texts()[0]) {
      ctx.problem(kv.second.Mark(), "bad_number",
                  "numbers." + name + ": '" + text +
                      "' must be one aggregate (count(), distinct(field), share(filter), "
                      "sum/min/max(field), rate())");
      continue;
    }
    compile_condition("(" + text + ") >= 0", env, rule.aggregates);
    rule.numbers.push_back({name, one.texts()[0], one.specs()[0].kind == AggregateKind::Share});
  }
}

// Every {name} in a reason must be something the decider fills in; a typo would otherwise
// reach a person as a literal "{failurs}".
void check_placeholders(Ctx& ctx, const YAML::Node& node, const Rule& rule) {
  std::string text = scalar(node);
  for (std::size_t p = text.find('{'); p != std::string::npos; p = text.find('{', p + 1)) {
    std::size_t e = text.find('}', p);
    if (e == std::string::npos) break;
    std::string name = text.substr(p + 1, e - p - 1);
    if (!is_name(name)) continue;  // not a placeholder ("{" in prose, JSON examples)
    bool known = kPlaceholders.contains(name) ||
                 std::any_of(rule.numbers.begin(), rule.numbers.end(),
                             [&](const NamedNumber& n) { return n.name == name; }) ||
                 std::any_of(rule.group_by.begin(), rule.group_by.end(),
                             [&](model::Field f) { return model::name(f) == name; }) ||
                 (rule.campaign && model::name(rule.campaign->member_field) == name);
    if (!known) {
      ctx.problem(node.Mark(), "unknown_placeholder",
                  "{" + name +
                      "} is not a named number, a group_by field or one of {rule} {group} "
                      "{numbers} {window} {ttl}");
    }
  }
}

void load_rule(Ctx& ctx, const YAML::Node& node, const LoadOptions& opt,
               std::set<std::string>& ids) {
  auto rule = std::make_shared<Rule>();
  rule->file = ctx.file;
  rule->line = static_cast<std::uint32_t>(node.Mark().line + 1);
  if (!node.IsMap()) {
    ctx.problem(node.Mark(), "bad_type", "a rule must be a map");
    return;
  }
  rule->id = scalar(node["id"]);
  ctx.rule_id = rule->id;
  ctx.failed = false;
  check_keys(ctx, node, kRuleKeys, "a rule");
  if (rule->id.empty()) {
    ctx.problem(node.Mark(), "missing_key", "a rule needs an id");
  } else if (!ids.insert(rule->id).second) {
    ctx.problem(node["id"].Mark(), "duplicate_id", "rule id '" + rule->id + "' is defined twice");
  }
  if (node["enabled"] && !node["enabled"].as<bool>(true)) return;
  rule->title = scalar(node["title"]);
  rule->description = scalar(node["description"]);
  if (node["record"]) {
    const std::string r = scalar(node["record"]);
    if (r == "true" || r == "false") {
      rule->record = r == "true";
    } else {
      ctx.problem(node["record"].Mark(), "bad_value", "record: expected true or false");
    }
  }
  if (rule->title.empty()) ctx.problem(node.Mark(), "missing_key", "a rule needs a title");

  // Parameters: globals, then the rule's defaults, then overrides.
  rule->params = opt.globals;
  if (node["params"]) {
    if (!node["params"].IsMap()) {
      ctx.problem(node["params"].Mark(), "bad_type", "params must be a map name: default");
    } else {
      for (const auto& kv : node["params"]) {
        rule->params[scalar(kv.first)] = param_from_node(ctx, kv.second);
      }
    }
  }
  for (const auto& [key, value] : opt.overrides) {
    std::size_t dot = key.rfind('.');
    if (dot == std::string::npos) continue;
    std::string_view rid = std::string_view(key).substr(0, dot);
    std::string pname = key.substr(dot + 1);
    if (rid == rule->id || rid == "*") {
      if (rid == rule->id && !rule->params.contains(pname)) {
        ctx.problem(node.Mark(), "unknown_param",
                    "override " + key + ": rule has no parameter '" + pname + "'", true);
      }
      rule->params[pname] = value;
    }
  }
  CompileEnv env{&rule->params, opt.geo};

  // when
  if (!node["when"]) {
    ctx.problem(node.Mark(), "missing_key", "a rule needs `when` (event kinds)");
  } else {
    YAML::Node w = node["when"];
    std::vector<std::string> kinds;
    if (w.IsSequence()) {
      for (const auto& k : w) kinds.push_back(scalar(k));
    } else {
      kinds.push_back(scalar(w));
    }
    for (const std::string& k : kinds) {
      if (auto kind = model::kind_by_name(k)) {
        rule->when.push_back(*kind);
      } else {
        ctx.problem(w.Mark(), "unknown_kind",
                    "unknown event kind '" + k + "' (see `bannin fields`)");
      }
    }
  }
  if (node["where"]) {
    rule->where_text = scalar(node["where"]);
    rule->where = predicate(ctx, node["where"], env, "where");
    if (rule->where) rule->captures = compile_captures(rule->where_text);
  }
  if (node["group_by"]) {
    YAML::Node g = node["group_by"];
    std::vector<std::string> names;
    if (g.IsSequence()) {
      for (const auto& f : g) names.push_back(scalar(f));
    } else {
      names.push_back(scalar(g));
    }
    for (const std::string& f : names) {
      if (auto field = model::field_by_name(f)) {
        rule->group_by.push_back(*field);
      } else {
        ctx.problem(g.Mark(), "unknown_field", "group_by: unknown field '" + f + "'");
      }
    }
  }
  if (!node["window"]) {
    ctx.problem(node.Mark(), "missing_key", "a rule needs a window (e.g. 10m)");
  } else if (auto w = parse_duration(scalar(node["window"])); w && *w > 0) {
    rule->window = *w;
  } else {
    ctx.problem(node["window"].Mark(), "bad_duration",
                "bad window '" + scalar(node["window"]) + "' (use 30s, 10m, 1h, 1d)");
  }
  if (!node["fire"]) {
    ctx.problem(node.Mark(), "missing_key", "a rule needs `fire` (a condition over aggregates)");
  } else {
    rule->fire_text = scalar(node["fire"]);
    auto c = compile_condition(rule->fire_text, env, rule->aggregates);
    report_expr(ctx, node["fire"], c.diagnostics, "fire");
    rule->fire = std::shared_ptr<const Condition>(std::move(c.value));
  }
  if (node["numbers"]) named_numbers(ctx, node["numbers"], env, *rule);
  if (node["then"]) {
    YAML::Node t = node["then"];
    if (t.IsSequence()) {
      for (const auto& d : t) rule->then.push_back(decision(ctx, d, rule->params));
    } else {
      rule->then.push_back(decision(ctx, t, rule->params));
    }
  }
  if (node["campaign"]) {
    YAML::Node c = node["campaign"];
    CampaignSpec spec;
    if (!c.IsMap()) {
      ctx.problem(c.Mark(), "bad_type", "campaign must be a map");
    } else {
      check_keys(ctx, c, kCampaignKeys, "campaign");
      if (c["member"]) {
        auto f = model::field_by_name(scalar(c["member"]));
        if (!f) {
          ctx.problem(c["member"].Mark(), "unknown_field", "unknown member field");
        } else {
          spec.member_field = *f;
        }
      }
      if (c["members"]) spec.members = predicate(ctx, c["members"], env, "members");
      if (c["spare"]) spec.spare = predicate(ctx, c["spare"], env, "spare");
      if (c["min_events"]) spec.min_events = c["min_events"].as<std::uint32_t>(1);
      if (c["max_members"]) spec.max_members = c["max_members"].as<std::size_t>(100000);
      if (!c["then"]) {
        ctx.problem(c.Mark(), "missing_key", "campaign needs `then` (the decision on each member)");
      } else {
        spec.then = decision(ctx, c["then"], rule->params);
      }
    }
    rule->campaign = std::move(spec);
  }
  if (node["reset"]) {
    YAML::Node r = node["reset"];
    ResetSpec spec;
    if (!r.IsMap()) {
      ctx.problem(r.Mark(), "bad_type", "reset must be a map {when, match}");
    } else {
      check_keys(ctx, r, kResetKeys, "reset");
      if (!r["when"]) {
        ctx.problem(r.Mark(), "missing_key",
                    "reset needs `when` (the event that resets, e.g. "
                    "outcome == \"success\")");
      } else {
        spec.when_text = scalar(r["when"]);
        spec.when = predicate(ctx, r["when"], env, "reset.when");
      }
      if (r["match"]) {
        YAML::Node m = r["match"];
        std::vector<std::string> names;
        if (m.IsSequence()) {
          for (const auto& f : m) names.push_back(scalar(f));
        } else {
          names.push_back(scalar(m));
        }
        for (const std::string& f : names) {
          if (auto field = model::field_by_name(f)) {
            spec.match.push_back(*field);
          } else {
            ctx.problem(m.Mark(), "unknown_field", "reset.match: unknown field '" + f + "'");
          }
        }
      }
    }
    rule->reset = std::move(spec);
  }
  // `then: []` says so on purpose: the rule makes Findings only (the KPI rules: an overload
  // is reported, what to do about it is not a ban). A rule that forgot `then` is refused.
  if (rule->then.empty() && !rule->campaign &&
      !(node["then"] && node["then"].IsSequence() && node["then"].size() == 0)) {
    ctx.problem(node.Mark(), "missing_key",
                "a rule needs `then` or a `campaign` (`then: []` for a rule that only makes "
                "findings)");
  }
  for (const auto& d : rule->then) {
    if ((d.scope == "ip" || d.scope == "prefix") &&
        std::find(rule->group_by.begin(), rule->group_by.end(), model::Field::SrcIp) ==
            rule->group_by.end()) {
      ctx.problem(node.Mark(), "scope_needs_group",
                  "a decision with scope " + d.scope + " needs group_by to include src_ip");
    }
    if (d.scope == "vhost_path" && std::find(rule->group_by.begin(), rule->group_by.end(),
                                             model::Field::Path) == rule->group_by.end()) {
      ctx.problem(node.Mark(), "scope_needs_group",
                  "a decision with scope vhost_path needs group_by to include path");
    }
    // Quarantine acts on one file: the file probe's file.found events, grouped by path.
    if (d.scope == "file" && std::find(rule->group_by.begin(), rule->group_by.end(),
                                       model::Field::FilePath) == rule->group_by.end()) {
      ctx.problem(node.Mark(), "scope_needs_group",
                  "a decision with scope file needs group_by to include file_path");
    }
    // Accounts and logins: a notice, or a password reset through the panel (act/hook/).
    if (d.scope == "account" && std::find(rule->group_by.begin(), rule->group_by.end(),
                                          model::Field::Account) == rule->group_by.end()) {
      ctx.problem(node.Mark(), "scope_needs_group",
                  "a decision with scope account needs group_by to include account");
    }
    if (d.scope == "user" && std::find(rule->group_by.begin(), rule->group_by.end(),
                                       model::Field::User) == rule->group_by.end()) {
      ctx.problem(node.Mark(), "scope_needs_group",
                  "a decision with scope user needs group_by to include user");
    }
    // A process of an account: a notice, or SIGSTOP (act/process/).
    if (d.scope == "process" && std::find(rule->group_by.begin(), rule->group_by.end(),
                                          model::Field::Pid) == rule->group_by.end()) {
      ctx.problem(node.Mark(), "scope_needs_group",
                  "a decision with scope process needs group_by to include pid");
    }
    if ((d.action == "stop") != (d.scope == "process") &&
        !(d.scope == "process" && d.action == "notify_only")) {
      ctx.problem(node.Mark(), "bad_action",
                  "stop goes with scope process, and scope process takes stop or notify_only");
    }
    const bool login_scope = d.scope == "account" || d.scope == "user";
    if ((d.action == "reset_password" && !login_scope) ||
        (login_scope && d.action != "reset_password" && d.action != "notify_only")) {
      ctx.problem(node.Mark(), "bad_action",
                  "reset_password goes with scope account or user, and those scopes take "
                  "reset_password or notify_only");
    }
    const bool file_action = d.action == "quarantine" || d.action == "notify_only";
    if ((d.action == "quarantine" && d.scope != "file") || (d.scope == "file" && !file_action)) {
      ctx.problem(node.Mark(), "bad_action",
                  "quarantine goes with scope file, and scope file takes quarantine or "
                  "notify_only");
    }
  }
  auto check_reason = [&](const YAML::Node& t) {
    if (!t.IsMap()) return;
    for (const char* key : {"reason", "reason_ja"}) {
      if (t[key]) check_placeholders(ctx, t[key], *rule);
    }
  };
  if (node["then"]) {
    if (node["then"].IsSequence()) {
      for (const auto& d : node["then"]) check_reason(d);
    } else {
      check_reason(node["then"]);
    }
  }
  if (node["campaign"] && node["campaign"].IsMap() && node["campaign"]["then"]) {
    check_reason(node["campaign"]["then"]);
  }
  if (node["evidence"]) rule->evidence = node["evidence"].as<std::uint32_t>(5);
  if (!ctx.failed) ctx.report.rules.push_back(std::move(rule));
}

}  // namespace

void load_rules_text(const std::string& text, const std::string& file, const LoadOptions& options,
                     LoadReport& report) {
  Ctx ctx{file, std::filesystem::path(file).parent_path().string(), report, {}};
  std::set<std::string> ids;
  for (const auto& r : report.rules) ids.insert(r->id);
  YAML::Node doc;
  try {
    doc = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    ctx.problem(e.mark, "yaml_syntax", e.msg);
    return;
  }
  ++report.files;
  YAML::Node list = doc.IsMap() ? doc["rules"] : doc;
  if (!list || !list.IsSequence()) {
    ctx.problem(doc.Mark(), "bad_type", "a rule file holds `rules:` followed by a list of rules");
    return;
  }
  for (const auto& node : list) {
    try {
      load_rule(ctx, node, options, ids);
    } catch (const YAML::Exception& e) {
      ctx.problem(e.mark, "bad_value", e.msg);
    }
  }
}

LoadReport load_rules(const std::vector<std::string>& paths, const LoadOptions& options) {
  namespace fs = std::filesystem;
  LoadReport report;
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (const auto& e : fs::recursive_directory_iterator(p, ec)) {
        auto ext = e.path().extension();
        if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(e.path());
      }
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else {
      report.problems.push_back(
          {"file_not_found", "no such file or directory", p, 0, 0, {}, false});
    }
  }
  std::sort(files.begin(), files.end());
  for (const std::string& f : files) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!in) {
      report.problems.push_back({"file_unreadable", "cannot read", f, 0, 0, {}, false});
      continue;
    }
    load_rules_text(ss.str(), f, options, report);
  }
  return report;
}

}  // namespace bannin::ruleset
