// The `bannin` command's subcommands. Each registers itself on the CLI11 app and runs when
// chosen; main() only dispatches. Only cli/ and app/ may see every stage.
#pragma once

namespace CLI {
class App;
}

namespace bannin::cli {

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

}  // namespace bannin::cli
