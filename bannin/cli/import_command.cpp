// `bannin import fail2ban [DIR]` (issue 12): reads a fail2ban configuration (jail.conf,
// jail.local, jail.d/, filter.d/) and writes bannin rules, a config fragment and a report;
// `--test LOG --filter NAME` runs one imported filter over a log the way the imported rule
// sees it, to compare with `fail2ban-regex`. The translation itself is
// bannin/ruleset/fail2ban_import.h (pure functions); this file only reads and writes files.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <bannin/cli/commands.h>
#include <bannin/core/json_writer.h>
#include <bannin/ruleset/fail2ban_import.h>

namespace bannin::cli {
namespace {

namespace f2b = ruleset::fail2ban;
namespace fs = std::filesystem;

std::optional<std::string> read_file(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec)) out.push_back(e.path().filename().string());
  }
  return out;
}

bool write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

struct ImportOptions {
  std::string dir = "/etc/fail2ban";
  std::string out;
  std::string format = "text";
  std::string test_log;
  std::string filter;
  bool strict = false;
};

// --strict: a regex that was only approximated (look-around dropped …) is left out too.
void apply_strict(f2b::Filter& f) {
  for (auto& r : f.failregex) {
    for (auto& i : f.issues) {
      if (!i.error && i.file == r.file && i.line == r.line &&
          i.message.find(r.source) != std::string::npos) {
        r.re2.clear();
        i.error = true;
      }
    }
  }
}

int run_test(const ImportOptions& o) {
  auto [name, args] = f2b::parse_filter_spec(o.filter);
  f2b::Filter f = f2b::load_filter(o.dir + "/filter.d", name, args, read_file);
  if (o.strict) apply_strict(f);
  if (f.failregex.empty()) {
    for (const auto& i : f.issues) {
      std::fprintf(stderr, "%s:%u: %s [%s]\n", i.file.c_str(), i.line, i.message.c_str(),
                   i.code.c_str());
    }
    std::fprintf(stderr, "bannin import fail2ban --test: filter '%s' has no failregex\n",
                 name.c_str());
    return 1;
  }
  auto text = read_file(o.test_log);
  if (!text) {
    std::fprintf(stderr, "bannin import fail2ban --test: cannot read %s\n", o.test_log.c_str());
    return 1;
  }
  f2b::FilterMatcher m(f);
  std::size_t lines = 0, matched = 0, start = 0;
  while (start < text->size()) {
    std::size_t nl = text->find('\n', start);
    if (nl == std::string::npos) nl = text->size();
    std::string_view line(text->data() + start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    start = nl + 1;
    ++lines;
    auto r = m.match(line);
    if (!r) continue;
    ++matched;
    if (o.format == "json") {
      std::string out;
      core::JsonObjectWriter w(out);
      w.integer("line", static_cast<std::int64_t>(lines));
      w.string("host", r->host);
      w.string("user", r->user);
      w.integer("regex", static_cast<std::int64_t>(r->regex));
      w.string("text", line);
      w.close();
      std::printf("%s\n", out.c_str());
    } else {
      std::printf("%s\t%.*s\n", r->host.c_str(), static_cast<int>(line.size()), line.data());
    }
  }
  std::fprintf(stderr, "%zu line(s), %zu matched\n", lines, matched);
  return 0;
}

int run_import(const ImportOptions& o) {
  std::error_code ec;
  if (!fs::is_directory(o.dir, ec)) {
    std::fprintf(stderr, "bannin import fail2ban: %s is not a directory\n", o.dir.c_str());
    return 1;
  }
  f2b::ImportResult r = f2b::import_dir(o.dir, read_file, list_dir);
  if (o.strict) {
    for (auto& f : r.filters) apply_strict(f);
  }
  if (r.filters.empty()) {
    std::fprintf(stderr, "bannin import fail2ban: no filter.d/*.conf under %s\n", o.dir.c_str());
    return 1;
  }
  std::size_t rules_written = 0;
  if (!o.out.empty()) {
    fs::path out(o.out);
    fs::create_directories(out / "rules", ec);
    if (ec) {
      std::fprintf(stderr, "bannin import fail2ban: cannot create %s: %s\n", o.out.c_str(),
                   ec.message().c_str());
      return 1;
    }
    std::set<std::string> used;
    auto find = [&](const std::string& n) -> const f2b::Filter* {
      for (const auto& f : r.filters) {
        if (f.name == n) return &f;
      }
      return nullptr;
    };
    for (const auto& j : r.jails) {
      auto [name, args] = f2b::parse_filter_spec(j.filter_spec);
      const f2b::Filter* f = find(name + "@" + j.name);
      if (f == nullptr) f = find(name);
      if (f == nullptr) {
        r.issues.push_back({"missing_filter",
                            "jail " + j.name + " uses filter '" + name +
                                "', which is not in filter.d (no rule written)",
                            j.file, j.line, j.enabled});
        continue;
      }
      used.insert(f->name);
      if (!write_file(out / "rules" / (f2b::id_part(j.name) + ".yaml"), f2b::rule_yaml(*f, &j))) {
        std::fprintf(stderr, "bannin import fail2ban: cannot write under %s\n", o.out.c_str());
        return 1;
      }
      ++rules_written;
    }
    // Filters no jail uses are written disabled, ready to be switched on.
    for (const auto& f : r.filters) {
      if (used.contains(f.name) || f.name.find('@') != std::string::npos) continue;
      if (f.failregex.empty()) continue;  // include-only files (common.conf …)
      f2b::Jail j;
      j.name = "filter." + f.name;
      j.filter_spec = f.name;
      j.enabled = false;
      j.file = f.file;
      write_file(out / "rules" / ("filter_" + f2b::id_part(f.name) + ".yaml"),
                 f2b::rule_yaml(f, &j));
      ++rules_written;
    }
    std::string frag = f2b::config_fragment(r);
    std::string rules_dir = fs::absolute(out / "rules", ec).string();
    auto pos = frag.find("fail2ban-rules");
    if (pos != std::string::npos) frag.replace(pos, 14, rules_dir);
    write_file(out / "bannin-import.yaml", frag);
    write_file(out / "import-report.txt", f2b::report_text(r));
  }
  std::size_t total = 0, imported = 0;
  for (const auto& f : r.filters) {
    total += f.failregex.size();
    imported += f.imported();
  }
  if (o.format == "json") {
    std::string out;
    core::JsonObjectWriter w(out);
    w.integer("filters", static_cast<std::int64_t>(r.filters.size()));
    w.integer("jails", static_cast<std::int64_t>(r.jails.size()));
    w.integer("failregex", static_cast<std::int64_t>(total));
    w.integer("imported", static_cast<std::int64_t>(imported));
    w.integer("rules_written", static_cast<std::int64_t>(rules_written));
    w.key("filter_list");
    out += '[';
    for (std::size_t i = 0; i < r.filters.size(); ++i) {
      const auto& f = r.filters[i];
      if (i) out += ',';
      core::JsonObjectWriter fw(out);
      fw.string("name", f.name);
      fw.string("file", f.file);
      fw.integer("failregex", static_cast<std::int64_t>(f.failregex.size()));
      fw.integer("imported", static_cast<std::int64_t>(f.imported()));
      fw.key("issues");
      out += '[';
      for (std::size_t k = 0; k < f.issues.size(); ++k) {
        const auto& is = f.issues[k];
        if (k) out += ',';
        core::JsonObjectWriter iw(out);
        iw.string("code", is.code);
        iw.string("severity", is.error ? "left_out" : "note");
        iw.string("file", is.file);
        iw.integer("line", is.line);
        iw.string("message", is.message);
        iw.close();
      }
      out += ']';
      fw.close();
    }
    out += ']';
    w.close();
    std::printf("%s\n", out.c_str());
  } else {
    std::fputs(f2b::report_text(r).c_str(), stdout);
    if (!o.out.empty()) {
      std::printf(
          "\nwrote %zu rule file(s) to %s/rules, the config fragment %s/bannin-import.yaml "
          "and the report %s/import-report.txt\n",
          rules_written, o.out.c_str(), o.out.c_str(), o.out.c_str());
    }
  }
  return 0;
}

}  // namespace

void add_import_command(CLI::App& app, int& exit_code) {
  auto* imp = app.add_subcommand("import", "Import another tool's configuration as bannin rules");
  imp->require_subcommand(1);
  auto o = std::make_shared<ImportOptions>();
  auto* f2 = imp->add_subcommand(
      "fail2ban",
      "Read a fail2ban configuration (jail.conf, jail.local, jail.d/, filter.d/) and write\n"
      "bannin rules (one per jail; filters without a jail disabled), a config fragment\n"
      "(allowlist from ignoreip, repeat offenders from bantime.increment, sources from\n"
      "logpath) and a report of every regex left out or approximated, at file:line.\n"
      "With --test LOG --filter NAME: run one imported filter over LOG and print the\n"
      "matching lines with the extracted host, as fail2ban-regex does (docs/import.md).");
  f2->add_option("dir", o->dir, "fail2ban configuration directory")->capture_default_str();
  f2->add_option("-o,--out", o->out,
                 "Write rules/, bannin-import.yaml and import-report.txt into this directory");
  f2->add_option("--format", o->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  f2->add_option("--test", o->test_log, "Run --filter over this log file and print the matches");
  f2->add_option("--filter", o->filter,
                 "Filter for --test, with jail arguments: sshd or 'sshd[mode=aggressive]'");
  f2->add_flag("--strict", o->strict,
               "Leave out regexes that can only be approximated (look-around, conditionals)");
  f2->callback([o, &exit_code] {
    if (!o->test_log.empty() || !o->filter.empty()) {
      if (o->test_log.empty() || o->filter.empty()) {
        std::fprintf(stderr, "bannin import fail2ban: --test and --filter go together\n");
        exit_code = 2;
        return;
      }
      exit_code = run_test(*o);
      return;
    }
    exit_code = run_import(*o);
  });
}

}  // namespace bannin::cli
