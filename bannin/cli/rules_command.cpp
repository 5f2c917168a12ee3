// `bannin rules check PATH...`: load rule files and print every problem at file:line:col
// (text or --format json); exit 1 on errors. `bannin rules explain ID --rules PATH`: print a
// rule in words.
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <bannin/cli/commands.h>
#include <bannin/core/json_writer.h>
#include <bannin/ruleset/rule_loader.h>

namespace bannin::cli {
namespace {

ruleset::LoadOptions default_load_options() {
  ruleset::LoadOptions lo;
  ruleset::ParamValue home;
  home.is_list = true;  // rules name $home_countries; its value comes from the config
  lo.globals["home_countries"] = home;
  return lo;
}

std::string duration_text(core::TimeNs ns) {
  std::int64_t s = ns / core::kNsPerSec;
  if (s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

int run_check(const std::vector<std::string>& paths, const std::string& format) {
  ruleset::LoadReport r = ruleset::load_rules(paths, default_load_options());
  if (format == "json") {
    std::string out;
    core::JsonObjectWriter o(out);
    o.integer("files", static_cast<std::int64_t>(r.files));
    o.integer("rules", static_cast<std::int64_t>(r.rules.size()));
    o.integer("errors", static_cast<std::int64_t>(r.errors()));
    o.key("problems");
    out += '[';
    for (std::size_t i = 0; i < r.problems.size(); ++i) {
      const auto& p = r.problems[i];
      if (i) out += ',';
      core::JsonObjectWriter po(out);
      po.string("severity", p.warning ? "warning" : "error");
      po.string("code", p.code);
      po.string("file", p.file);
      po.integer("line", p.line);
      po.integer("column", p.column);
      po.string("rule", p.rule_id);
      po.string("message", p.message);
      po.close();
    }
    out += ']';
    o.close();
    std::printf("%s\n", out.c_str());
  } else {
    for (const auto& p : r.problems) {
      std::printf("%s:%u:%u: %s: %s [%s]\n", p.file.c_str(), p.line, p.column,
                  p.warning ? "warning" : "error", p.message.c_str(), p.code.c_str());
    }
    std::printf("%zu file(s), %zu rule(s) loaded, %zu error(s), %zu warning(s)\n", r.files,
                r.rules.size(), r.errors(), r.problems.size() - r.errors());
  }
  return r.ok() ? 0 : 1;
}

int run_explain(const std::string& id, const std::vector<std::string>& paths) {
  ruleset::LoadReport r = ruleset::load_rules(paths, default_load_options());
  for (const auto& rule : r.rules) {
    if (rule->id != id) continue;
    std::printf("%s — %s\n(%s:%u)\n\n", rule->id.c_str(), rule->title.c_str(), rule->file.c_str(),
                rule->line);
    if (!rule->description.empty()) std::printf("%s\n\n", rule->description.c_str());
    std::printf("Looks at: ");
    for (std::size_t i = 0; i < rule->when.size(); ++i) {
      std::printf("%s%.*s", i ? ", " : "", static_cast<int>(model::name(rule->when[i]).size()),
                  model::name(rule->when[i]).data());
    }
    std::printf(" events%s%s.\n", rule->where_text.empty() ? "" : " where ",
                rule->where_text.c_str());
    std::printf("Counts them ");
    if (rule->group_by.empty()) {
      std::printf("for the whole site");
    } else {
      std::printf("per ");
      for (std::size_t i = 0; i < rule->group_by.size(); ++i) {
        std::printf("%s%.*s", i ? " + " : "",
                    static_cast<int>(model::name(rule->group_by[i]).size()),
                    model::name(rule->group_by[i]).data());
      }
    }
    std::printf(" over a sliding %s window,\nand fires when %s.\n",
                duration_text(rule->window).c_str(), rule->fire_text.c_str());
    if (rule->reset) {
      std::string match;
      for (model::Field f : rule->reset->match) {
        match += (match.empty() ? "" : ", ") + std::string(model::name(f));
      }
      std::printf(
          "Resets a group's count on an event where %s%s.\n", rule->reset->when_text.c_str(),
          match.empty() ? "" : (" with the same " + match + " as its last counted one").c_str());
    }
    if (rule->captures) {
      std::printf("Takes fields from the named groups of %zu regular expression(s) in `where`.\n",
                  rule->captures->size());
    }
    for (const auto& t : rule->then) {
      std::string except;
      for (const auto& c : t.except_countries) except += (except.empty() ? "" : ", ") + c;
      std::printf("Then: %s, scope %s, for %s%s%s.\n", t.action.c_str(), t.scope.c_str(),
                  duration_text(t.ttl).c_str(), except.empty() ? "" : ", except from ",
                  except.c_str());
    }
    if (rule->campaign) {
      const auto& c = *rule->campaign;
      std::printf("Campaign: each source (%.*s) with at least %u matching event(s) in the window",
                  static_cast<int>(model::name(c.member_field).size()),
                  model::name(c.member_field).data(), c.min_events);
      std::printf(" gets: %s, scope %s, for %s; sources that behaved like real users are spared.\n",
                  c.then.action.c_str(), c.then.scope.c_str(), duration_text(c.then.ttl).c_str());
    }
    if (!rule->params.empty()) {
      std::printf("Parameters (override with -o rules.%s.NAME=VALUE):\n", rule->id.c_str());
      for (const auto& [name, v] : rule->params) {
        std::string val;
        for (const auto& i : v.items) val += (val.empty() ? "" : ", ") + i;
        std::printf("  %s = %s%s%s\n", name.c_str(), v.is_list ? "[" : "", val.c_str(),
                    v.is_list ? "]" : "");
      }
    }
    return 0;
  }
  std::fprintf(stderr, "bannin rules explain: no rule '%s' in the given paths (%zu rules loaded)\n",
               id.c_str(), r.rules.size());
  return 1;
}

}  // namespace

void add_rules_command(CLI::App& app, int& exit_code) {
  auto* rules = app.add_subcommand("rules", "Check rule files and explain rules");
  rules->require_subcommand(1);
  auto paths = std::make_shared<std::vector<std::string>>();
  auto format = std::make_shared<std::string>("text");
  auto* check = rules->add_subcommand(
      "check", "Load rule files; print every problem at file:line:col; exit 1 on errors");
  check->add_option("paths", *paths, "Rule files or directories")->required();
  check->add_option("--format", *format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  check->callback([paths, format, &exit_code] { exit_code = run_check(*paths, *format); });

  auto id = std::make_shared<std::string>();
  auto epaths = std::make_shared<std::vector<std::string>>();
  auto* explain = rules->add_subcommand("explain", "Print a rule in words");
  explain->add_option("id", *id, "Rule id, e.g. web.form_relay.many_sources")->required();
  explain->add_option("--rules", *epaths, "Rule files or directories")->required();
  explain->callback([id, epaths, &exit_code] { exit_code = run_explain(*id, *epaths); });
}

}  // namespace bannin::cli
