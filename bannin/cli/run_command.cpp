// `bannin run`: the daemon. Loads the configuration (built-in defaults, --config FILE, -o
// overrides), starts every stage in order, then waits for signals on the main thread:
// SIGHUP reloads configuration and rules (windows and decisions kept), SIGINT/SIGTERM stop
// it cleanly (queues drained, last checkpoints committed). `--check` validates the
// configuration and the rules and exits.
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <bannin/app/daemon.h>
#include <bannin/cli/commands.h>

namespace bannin::cli {
namespace {

struct RunOptions {
  std::string config;
  std::vector<std::string> overrides;
  bool check = false;
  bool quiet = false;
  bool print_defaults = false;
};

int run_daemon(const RunOptions& opt) {
  if (opt.print_defaults) {
    std::fputs(app::default_config_text(), stdout);
    return 0;
  }
  app::Daemon::Options o;
  o.config_file = opt.config;
  o.overrides = opt.overrides;
  o.quiet = opt.quiet;
  if (opt.check) {
    auto r = app::Daemon::check(o);
    if (!r) {
      std::fprintf(stderr, "%s\nbannin run: the configuration has problems; nothing started\n",
                   r.error().message.c_str());
      return 2;
    }
    std::printf("%s\n", r->c_str());
    return 0;
  }
  // Signals are taken by this thread only (sigwait); every thread started later inherits
  // the blocked mask.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto d = app::Daemon::start(o);
  if (!d) {
    std::fprintf(stderr, "bannin run: %s\nbannin run: not started\n", d.error().message.c_str());
    return 2;
  }
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) {
      (*d)->reload();
      continue;
    }
    (*d)->log("%s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    (*d)->stop();
    return 0;
  }
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto opt = std::make_shared<RunOptions>();
  auto* cmd = app.add_subcommand(
      "run",
      "Run the daemon: follow the configured logs and sockets, detect, decide, record (observe\n"
      "mode) or enforce with nftables, serve the API on 127.0.0.1:8730. Without --config the\n"
      "built-in defaults apply (config/bannin.yaml; print them with --print-defaults).\n"
      "SIGHUP reloads configuration and rules; SIGTERM stops cleanly.");
  cmd->add_option("-c,--config", opt->config, "Configuration file (YAML), over the defaults");
  cmd->add_option("-o", opt->overrides,
                  "Set a configuration key: key=value, e.g. -o mode=enforce, "
                  "-o api.listen=127.0.0.1:9000, -o rules.web.wp_login.bruteforce.max_attempts=20");
  cmd->add_flag("--check", opt->check,
                "Validate the configuration and the rules, print a summary, and exit");
  cmd->add_flag("--print-defaults", opt->print_defaults,
                "Print the built-in configuration (a commented starting point) and exit");
  cmd->add_flag("-q,--quiet", opt->quiet, "Fewer informational log lines");
  cmd->callback([opt, &exit_code] { exit_code = run_daemon(*opt); });
}

}  // namespace bannin::cli
