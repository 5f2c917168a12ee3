// The Safe Browsing / VirusTotal options of `bannin check` (probe/domain/reputation.h), kept
// apart from check_command.cpp. Keys come from a file or the environment, never from the
// command line (where `ps` and shell history would show them); messages name the file or
// the variable, never the key.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include <bannin/core/result.h>
#include <bannin/probe/domain/check_setup.h>
#include <bannin/probe/domain/reputation.h>

namespace bannin::cli {

struct ReputationArgs {
  std::string safe_browsing_key_file;
  std::string safe_browsing_url;
  std::string safe_browsing_rate = "60/min";
  std::string virustotal_key_file;
  std::string virustotal_url;
  std::string virustotal_rate = "4/min";
  int timeout_ms = 5000;
  bool wait_rate_limit = false;
};

void add_reputation_options(CLI::App& cmd, ReputationArgs& args);

/// Copies the options into the settings the daemon's probe shares; the key files (or
/// BANNIN_SAFE_BROWSING_KEY / BANNIN_VIRUSTOTAL_KEY) and the rates are read by
/// probe::domain::build_check_options (check_setup.h).
void apply_reputation_args(const ReputationArgs& args, probe::domain::CheckSettings& settings);

}  // namespace bannin::cli
