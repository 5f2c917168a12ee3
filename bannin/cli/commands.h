// The `bannin` command's subcommands. Each registers itself on the CLI11 app and runs when
// chosen; main() only dispatches. Only cli/ and app/ may see every stage.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace bannin::cli {

/// The exit status of a usage error, the same for every subcommand: an unknown option, a
/// value an option does not accept, an unexpected argument, a missing value, and the
/// commands' own argument checks (e.g. `bannin check` on a malformed domain name). 3, because
/// `bannin check` documents 3 as "could not check, also bad arguments" and 2 there means
/// "critical"; no other command gives 3 a meaning that differs ("no daemon answers" for
/// `status` is also "could not ask"). README "Exit status",
/// docs/decisions/2026-12-07-usage-exit-code.md.
constexpr int kUsageExitCode = 3;

/// "person alice": who ran the command (SUDO_USER, USER, else the uid), for the audit trail
/// of commands that change something (quarantine, processes).
std::string command_actor();

/// Adds `parse` to app; the returned flag tells main() it was chosen and how it ended.
void add_parse_command(CLI::App& app, int& exit_code);
void add_fields_command(CLI::App& app, int& exit_code);
void add_replay_command(CLI::App& app, int& exit_code);
void add_rules_command(CLI::App& app, int& exit_code);
void add_check_command(CLI::App& app, int& exit_code);
void add_decisions_command(CLI::App& app, int& exit_code);
void add_run_command(CLI::App& app, int& exit_code);
void add_status_command(CLI::App& app, int& exit_code);
void add_import_command(CLI::App& app, int& exit_code);
void add_bouncers_command(CLI::App& app, int& exit_code);
void add_webserver_command(CLI::App& app, int& exit_code);
void add_quarantine_command(CLI::App& app, int& exit_code);
void add_processes_command(CLI::App& app, int& exit_code);
void add_files_command(CLI::App& app, int& exit_code);
/// `guard status` and `record freeze|list|show` (guard_command.cpp).
void add_guard_command(CLI::App& app, int& exit_code);

}  // namespace bannin::cli
