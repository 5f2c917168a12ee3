// Runs a program (no shell) and collects its exit status and output (stdout and stderr
// together, the first 64 KiB), with a deadline after which it is killed. For the web-server
// actuators' `nginx -t`, `nginx -s reload`, `apache2ctl graceful`.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace bannin::act::web {

struct CommandResult {
  int status = -1;     ///< exit status; -1 when it could not run, was killed or timed out
  std::string output;  ///< stdout + stderr
  [[nodiscard]] bool ok() const noexcept { return status == 0; }
};

/// argv[0] is looked up in PATH. `env` entries ("NAME=value") are added to the environment.
CommandResult run_command(const std::vector<std::string>& argv,
                          const std::vector<std::string>& env = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(60));

/// "nginx -t -c x: exit 1: <first lines of output>" for error messages.
std::string describe(const std::vector<std::string>& argv, const CommandResult& r);

}  // namespace bannin::act::web
