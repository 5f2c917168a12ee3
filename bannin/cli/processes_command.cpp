// `bannin processes …`: the process probe on demand (probe/process/, docs/accounts.md):
// processes of hosting accounts with the flags that make them suspicious, and the reversible
// action on one, recorded in the store (table process_actions) with who did it.
//
//   list [--min-uid N] [--all] [--format table|json]   flagged processes (--all: every one)
//   stop PID                                            SIGSTOP: frozen, nothing lost
//   cont PID                                            SIGCONT: the stop undone
//
// Exit status: 0 done (list: also when something is flagged), 1 no such process, 2 the store
// or the kernel refused, 3 bad arguments.
#include <charconv>
#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <bannin/cli/commands.h>
#include <bannin/core/json_writer.h>
#include <bannin/core/time.h>
#include <bannin/probe/process/process_scan.h>
#include <bannin/store/store.h>

namespace bannin::cli {
namespace {

namespace pp = probe::process;

struct ProcessesOptions {
  std::string store = "var/bannin.db";
  std::string pid;
  std::int64_t min_uid = 1000;
  bool all = false;
  std::string format = "table";
};

std::string joined(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

int run_list(const ProcessesOptions& o) {
  pp::FlagOptions fo;
  fo.min_uid = o.min_uid;
  auto procs = pp::read_processes(o.min_uid);
  std::string json = "[";
  bool first = true;
  if (o.format != "json") {
    std::printf("%-7s %-7s %-6s %-2s %-40s %s\n", "PID", "PPID", "UID", "ST", "FLAGS", "COMMAND");
  }
  for (const auto& p : procs) {
    auto flags = pp::process_flags(p, fo);
    if (flags.empty() && !o.all) continue;
    const std::string cmd = p.argv.empty() ? "[" + p.comm + "]" : joined(p.argv, " ");
    if (o.format == "json") {
      if (!first) json += ',';
      first = false;
      core::JsonObjectWriter w(json);
      w.integer("pid", p.pid);
      w.integer("ppid", p.ppid);
      w.integer("uid", p.uid);
      w.string("state", std::string(1, p.state));
      w.string("comm", p.comm);
      w.string("exe", p.exe);
      w.string("cwd", p.cwd);
      w.string("command", cmd.substr(0, 1024));
      w.integer("start_ticks", static_cast<std::int64_t>(p.start_ticks));
      w.key("listen_ports");
      json += '[';
      for (std::size_t i = 0; i < p.listen_ports.size(); ++i) {
        if (i) json += ',';
        json += std::to_string(p.listen_ports[i]);
      }
      json += ']';
      w.key("flags");
      json += '[';
      for (std::size_t i = 0; i < flags.size(); ++i) {
        if (i) json += ',';
        core::json_append_string(json, flags[i]);
      }
      json += ']';
      w.close();
    } else {
      std::printf("%-7lld %-7lld %-6lld %-2c %-40s %s\n", static_cast<long long>(p.pid),
                  static_cast<long long>(p.ppid), static_cast<long long>(p.uid), p.state,
                  flags.empty() ? "-" : joined(flags, ",").c_str(), cmd.substr(0, 200).c_str());
    }
  }
  if (o.format == "json") std::printf("%s]\n", json.c_str());
  return 0;
}

int run_signal(const ProcessesOptions& o, bool stop) {
  const char* sub = stop ? "stop" : "cont";
  std::int64_t pid = 0;
  const char* end = o.pid.data() + o.pid.size();
  auto [p, ec] = std::from_chars(o.pid.data(), end, pid);
  if (ec != std::errc() || p != end || pid <= 1) {
    std::fprintf(stderr, "bannin processes %s: PID must be a number above 1\n", sub);
    return kUsageExitCode;
  }
  auto info = pp::read_process(pid);
  if (!info) {
    std::fprintf(stderr, "bannin processes %s: no process %lld\n", sub,
                 static_cast<long long>(pid));
    return 1;
  }
  auto st = store::Store::open(o.store);
  if (!st) {
    std::fprintf(stderr, "bannin processes %s: %s: %s\n", sub, o.store.c_str(),
                 st.error().message.c_str());
    return 2;
  }
  auto done = pp::signal_process(pid, info->start_ticks, stop);
  store::ProcessActionRow row;
  row.ts = std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count();
  row.pid = pid;
  row.uid = info->uid;
  row.start_ticks = static_cast<std::int64_t>(info->start_ticks);
  row.exe = info->exe;
  row.command = joined(info->argv, " ").substr(0, 1024);
  row.action = stop ? "stop" : "cont";
  row.result = done ? "ok" : "failed";
  row.actor = command_actor();
  row.detail = done ? "" : done.error().message;
  if (auto r = (*st)->add_process_action(row); !r) {
    std::fprintf(stderr, "bannin processes %s: not recorded: %s\n", sub, r.error().message.c_str());
    return 2;
  }
  if (!done) {
    std::fprintf(stderr, "bannin processes %s: %s\n", sub, done.error().message.c_str());
    return done.error().code == "gone" ? 1 : 2;
  }
  std::fprintf(stderr, "process %lld %s%s\n", static_cast<long long>(pid),
               stop ? "stopped (SIGSTOP); `bannin processes cont " : "continued (SIGCONT)",
               stop ? (o.pid + "` undoes it").c_str() : "");
  return 0;
}

}  // namespace

void add_processes_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "processes", "Processes of hosting accounts and their suspicious signs; stop/cont one");
  cmd->require_subcommand(1);
  auto opt = std::make_shared<ProcessesOptions>();
  auto* list = cmd->add_subcommand("list", "Flagged processes of uids >= --min-uid");
  list->add_option("--min-uid", opt->min_uid, "Hosting accounts start at this uid")
      ->check(CLI::Range(0, 1 << 30))
      ->capture_default_str();
  list->add_flag("--all", opt->all, "Every process of those uids, flagged or not");
  list->add_option("--format", opt->format, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  list->callback([opt, &exit_code] { exit_code = run_list(*opt); });
  for (bool stop : {true, false}) {
    auto* s = cmd->add_subcommand(stop ? "stop" : "cont",
                                  stop ? "SIGSTOP a process (reversible with cont), recorded"
                                       : "SIGCONT a stopped process, recorded");
    s->add_option("pid", opt->pid, "Process id")->required();
    s->add_option("--store", opt->store, "The daemon's store (store.path)")->capture_default_str();
    s->callback([opt, &exit_code, stop] { exit_code = run_signal(*opt, stop); });
  }
}

}  // namespace bannin::cli
