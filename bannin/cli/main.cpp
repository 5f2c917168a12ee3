// bannin — the watchman. Entry point of the single `bannin` binary: parses the command line
// with CLI11 and runs one subcommand. See `bannin --help`.
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>

#include <bannin/cli/commands.h>
#include <bannin/model/fields.h>

#ifndef BANNIN_VERSION
#define BANNIN_VERSION "0.0.0"
#endif

namespace {

int run(int argc, char** argv) {
  CLI::App app{
      "bannin (番人, \"the watchman\"): watches the logs, counters and outside view of web, mail\n"
      "and DNS servers, notices incidents early, contains them proportionately and explains\n"
      "what to do. Run `bannin COMMAND --help` for a command's options."};
  app.require_subcommand(0, 1);
  bool version = false;
  app.add_flag("-V,--version", version, "Print the version and exit");
  int exit_code = 0;
  bannin::cli::add_parse_command(app, exit_code);
  bannin::cli::add_fields_command(app, exit_code);
  bannin::cli::add_replay_command(app, exit_code);
  bannin::cli::add_rules_command(app, exit_code);
  bannin::cli::add_check_command(app, exit_code);
  bannin::cli::add_decisions_command(app, exit_code);
  bannin::cli::add_run_command(app, exit_code);
  bannin::cli::add_status_command(app, exit_code);
  bannin::cli::add_import_command(app, exit_code);
  bannin::cli::add_bouncers_command(app, exit_code);
  bannin::cli::add_webserver_command(app, exit_code);
  bannin::cli::add_quarantine_command(app, exit_code);
  bannin::cli::add_processes_command(app, exit_code);
  bannin::cli::add_guard_command(app, exit_code);
  bannin::cli::add_files_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version end the parse with "success": CLI11 prints them.
    if (e.get_exit_code() == 0) return app.exit(e);
    // Every other parse error is a usage error with one exit status for every subcommand
    // (CLI11's own codes, 105 for a bad value or 109 for an extra argument, would collide
    // with nothing documented and mean nothing to a script). The message names the argument
    // (CLI11 does: "--format: xml not in {text,json,events}") and the command it belongs to.
    std::string where = "bannin";
    for (const CLI::App* sub = &app; sub != nullptr;) {
      auto chosen = sub->get_subcommands();
      sub = chosen.empty() ? nullptr : chosen.front();
      if (sub != nullptr) where += " " + sub->get_name();
    }
    std::fprintf(stderr, "%s: %s\nRun '%s --help' for the options.\n", where.c_str(), e.what(),
                 where.c_str());
    return bannin::cli::kUsageExitCode;
  }
  if (version) {
    std::printf("bannin %s (field schema %d)\n", BANNIN_VERSION, bannin::model::kSchemaVersion);
    return 0;
  }
  if (app.get_subcommands().empty()) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  }
  return exit_code;
}

}  // namespace

// Commands report their own errors; an exception that still gets here (out of memory while
// building a command, a library's surprise) ends the process with a message, not a bare
// std::terminate.
int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bannin: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "bannin: internal error (unknown exception)\n");
  }
  return 70;  // EX_SOFTWARE
}
