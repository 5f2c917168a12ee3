// `bannin webserver setup`: the include lines the web server needs so that vhost and
// vhost_path decisions take effect (enforce.webserver in the configuration), and whether they
// are in effect: nginx -T (the dumped configuration holds http.conf in http{} and server.conf
// in each server{}), Apache `-t -D DUMP_INCLUDES` (bannin.conf is included). Creates bannin's
// include files when missing (empty: nothing contained; existing ones are left as they are,
// a running daemon owns them). `--apply` adds the lines to the main configuration file (a
// backup first, the full test after, the backup put back when the test fails); server blocks
// in other files are listed for the operator. Exit: 0 in effect, 1 not (yet), 2 an error,
// 3 bad arguments.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>

#include <bannin/act/webserver/run_command.h>
#include <bannin/act/webserver/webserver_actuator.h>
#include <bannin/app/config.h>
#include <bannin/cli/commands.h>

namespace bannin::cli {
namespace {

namespace fs = std::filesystem;

struct SetupOptions {
  std::string config_file;
  std::vector<std::string> overrides;
  std::string server;
  bool apply = false;
};

void say(const std::string& s) {
  std::fprintf(stdout, "%s\n", s.c_str());
}
void setup_fail(const std::string& s) {
  std::fprintf(stderr, "bannin webserver setup: %s\n", s.c_str());
}

std::string trim(const std::string& s) {
  auto a = s.find_first_not_of(" \t");
  auto b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

bool starts_block(const std::string& line, const std::string& word) {
  std::string t = trim(line);
  if (t.rfind(word, 0) != 0) return false;
  std::string rest = trim(t.substr(word.size()));
  return !rest.empty() && rest[0] == '{';
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Effect {
  bool in_effect = false;
  std::vector<std::string> notes;
};

// nginx -T: files as "# configuration file X:" then their text.
Effect nginx_effect(const act::WebServerActuator& a) {
  Effect e;
  std::vector<std::string> argv{a.command(), "-T", "-c", a.main_config()};
  auto r = act::web::run_command(argv);
  if (!r.ok()) {
    e.notes.push_back("cannot dump the configuration: " + act::web::describe(argv, r));
    return e;
  }
  const std::string dir = a.config().dir;
  std::istringstream in(r.output);
  std::string line, file;
  int servers = 0, server_includes = 0, http_includes = 0;
  std::vector<std::string> missing_in;
  int pending_server = 0;  // server blocks seen in `file` not yet followed by the include
  auto close_file = [&] {
    if (pending_server > 0) missing_in.push_back(file);
    pending_server = 0;
  };
  while (std::getline(in, line)) {
    if (line.rfind("# configuration file ", 0) == 0) {
      close_file();
      file = line.substr(21);
      if (!file.empty() && file.back() == ':') file.pop_back();
      continue;
    }
    if (file.rfind(dir + "/", 0) == 0) continue;           // bannin's own files
    std::string t = trim(line.substr(0, line.find('#')));  // a trailing comment is not code
    if (t.empty()) continue;
    if (starts_block(t, "server")) {
      ++servers;
      ++pending_server;
    }
    if (t == "include " + dir + "/server.conf;") {
      ++server_includes;
      if (pending_server > 0) --pending_server;
    }
    if (t == "include " + dir + "/http.conf;") ++http_includes;
  }
  close_file();
  e.notes.push_back("http.conf included " + std::to_string(http_includes) +
                    " time(s) (needs 1, in http{})");
  e.notes.push_back("server.conf included in " + std::to_string(server_includes) + " of " +
                    std::to_string(servers) + " server{} blocks");
  for (const auto& f : missing_in) e.notes.push_back("  server{} without it in " + f);
  e.in_effect = http_includes == 1 && servers > 0 && server_includes >= servers;
  return e;
}

Effect apache_effect(const act::WebServerActuator& a) {
  Effect e;
  std::vector<std::string> argv{a.command(), "-t", "-D", "DUMP_INCLUDES"};
  std::vector<std::string> env;
  if (!a.config().main_config.empty())
    env.push_back("APACHE_ARGUMENTS=-f " + a.config().main_config);
  auto r = act::web::run_command(argv, env);
  if (!r.ok()) {
    e.notes.push_back("cannot list the included files: " + act::web::describe(argv, r));
    return e;
  }
  const std::string want = a.config().dir + "/bannin.conf";
  std::istringstream in(r.output);
  std::string line;
  while (std::getline(in, line)) {
    auto t = trim(line);
    if (t.size() >= want.size() && t.compare(t.size() - want.size(), want.size(), want) == 0) {
      e.in_effect = true;
    }
  }
  e.notes.push_back(want + (e.in_effect ? " is included" : " is not included"));
  return e;
}

// Adds the lines to the main configuration file; the full test decides, the backup returns
// on failure.
bool apply_lines(const act::WebServerActuator& a, bool nginx) {
  const std::string main = a.main_config();
  std::string text = read_text(main);
  if (text.empty()) {
    setup_fail(main + ": cannot read it, or it is empty");
    return false;
  }
  const std::string dir = a.config().dir;
  std::string out;
  std::istringstream in(text);
  std::string line;
  int added = 0;
  if (nginx) {
    const std::string http_line = "include " + dir + "/http.conf;";
    const std::string server_line = "include " + dir + "/server.conf;";
    bool has_http = text.find(http_line) != std::string::npos;
    while (std::getline(in, line)) {
      out += line + "\n";
      if (!has_http && starts_block(line, "http")) {
        out += "    " + http_line + "  # added by bannin webserver setup\n";
        has_http = true;
        ++added;
      } else if (starts_block(line, "server")) {
        std::string next;
        std::streampos at = in.tellg();
        if (std::getline(in, next) && trim(next) == server_line) {
          out += next + "\n";
        } else {
          in.clear();
          in.seekg(at);
          out += "        " + server_line + "  # added by bannin webserver setup\n";
          ++added;
        }
      }
    }
  } else {
    const std::string inc = "Include " + dir + "/bannin.conf";
    out = text;
    if (text.find(inc) == std::string::npos) {
      if (!out.empty() && out.back() != '\n') out += "\n";
      out +=
          "# added by bannin webserver setup: web containment (docs/enforcement.md)\n" + inc + "\n";
      ++added;
    }
  }
  if (added == 0) {
    say("nothing to add to " + main);
    return true;
  }
  const std::string backup = main + ".bannin-bak";
  std::error_code ec;
  fs::copy_file(main, backup, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    setup_fail("cannot back up " + main + ": " + ec.message());
    return false;
  }
  const std::string tmp = main + ".bannin-new";
  {
    std::ofstream o(tmp, std::ios::binary | std::ios::trunc);
    o << out;
    if (!o.flush()) {
      setup_fail("cannot write " + tmp);
      return false;
    }
  }
  fs::permissions(tmp, fs::status(main).permissions(), ec);
  fs::rename(tmp, main, ec);
  if (ec) {
    setup_fail("cannot replace " + main + ": " + ec.message());
    return false;
  }
  std::vector<std::string> argv =
      nginx ? std::vector<std::string>{a.command(), "-t", "-q", "-c", main}
            : std::vector<std::string>{a.command(), "configtest"};
  std::vector<std::string> env;
  if (!nginx && !a.config().main_config.empty()) env.push_back("APACHE_ARGUMENTS=-f " + main);
  auto r = act::web::run_command(argv, env);
  if (!r.ok()) {
    fs::rename(backup, main, ec);
    setup_fail("the configuration with the added lines fails its test; " + main +
               " put back as it was: " + act::web::describe(argv, r));
    return false;
  }
  say("added " + std::to_string(added) + " line(s) to " + main + " (backup: " + backup +
      "); reload the server to put them in effect");
  return true;
}

int run_setup(const SetupOptions& opt) {
  auto cfg = app::load_config(opt.config_file, opt.overrides);
  if (!cfg) {
    setup_fail(cfg.error().message);
    return kUsageExitCode;
  }
  std::string server = opt.server.empty() ? cfg->web_server : opt.server;
  if (server == "none") {
    setup_fail(
        "no web server configured: set enforce.webserver.server (nginx or apache), or --server");
    return kUsageExitCode;
  }
  act::WebServerConfig wc;
  wc.kind = server == "nginx" ? act::web::ServerKind::Nginx : act::web::ServerKind::Apache;
  wc.dir = !cfg->web_dir.empty()
               ? cfg->web_dir
               : (server == "nginx" ? "/etc/nginx/bannin" : "/etc/apache2/bannin");
  wc.main_config = cfg->web_config;
  wc.command = cfg->web_command;
  auto a = act::WebServerActuator::create(
      wc, [](const std::string&) { return std::vector<core::IpPrefix>{}; });
  if (!a) {
    setup_fail(a.error().message);
    return 2;
  }
  // bannin's files must exist before the lines point at them.
  bool created = false;
  for (const auto& name : act::web::file_names(wc.kind)) {
    if (!fs::exists(wc.dir + "/" + name)) created = true;
  }
  if (created) {
    auto inst = (*a)->install(false);
    if (!inst) {
      setup_fail("cannot create bannin's include files in " + wc.dir + ": " + inst.error().message);
      return 2;
    }
    say("created bannin's include files in " + wc.dir + " (nothing contained yet)");
  }
  const bool nginx = wc.kind == act::web::ServerKind::Nginx;
  say(std::string(nginx ? "nginx" : "Apache") + ", main configuration " + (*a)->main_config() +
      ":");
  if (nginx) {
    say("  in the http{} block:        include " + wc.dir + "/http.conf;");
    say("  in every server{} block:    include " + wc.dir + "/server.conf;");
  } else {
    say("  at server-config level (outside <VirtualHost>), e.g. at the end of the main file:");
    say("                              Include " + wc.dir + "/bannin.conf");
  }
  if (opt.apply && !apply_lines(**a, nginx)) return 2;
  Effect e = nginx ? nginx_effect(**a) : apache_effect(**a);
  for (const auto& n : e.notes) say("  " + n);
  say(e.in_effect ? "in effect: vhost and vhost_path decisions will be carried out"
                  : "NOT in effect yet: add the lines above (or use --apply), then reload");
  return e.in_effect ? 0 : 1;
}

}  // namespace

void add_webserver_command(CLI::App& app, int& exit_code) {
  auto opt = std::make_shared<SetupOptions>();
  auto* cmd = app.add_subcommand("webserver", "Web-server containment (nginx, Apache)");
  cmd->require_subcommand(1);
  auto* setup = cmd->add_subcommand(
      "setup",
      "Show (or --apply) the include lines bannin's web containment needs, and check "
      "that they are in effect");
  setup->add_option("--config", opt->config_file, "The daemon's configuration file");
  setup->add_option("-o", opt->overrides, "key=value over the configuration (repeatable)");
  setup->add_option("--server", opt->server, "nginx or apache (default: enforce.webserver.server)")
      ->check(CLI::IsMember({"nginx", "apache"}));
  setup->add_flag("--apply", opt->apply,
                  "Add the lines to the main configuration file (backup kept, tested)");
  setup->footer(
      "Exit status: 0 the lines are in effect, 1 not yet, 2 an error, 3 bad arguments.\n");
  setup->callback([opt, &exit_code] { exit_code = run_setup(*opt); });
}

}  // namespace bannin::cli
