#include <bannin/probe/process/process_events.h>

namespace bannin::probe::process {

std::string flags_words(const std::vector<std::string>& flags, const ProcessInfo& p) {
  std::string out;
  for (const std::string& f : flags) {
    std::string w;
    if (f == "exe_deleted") {
      w = "its executable was deleted after it started";
    } else if (f == "exe_in_writable_dir") {
      w = "it runs from a writable or upload directory (" + p.exe + ")";
    } else if (f == "script_in_writable_dir") {
      w = "an interpreter runs a script from a writable or upload directory";
    } else if (f == "kernel_thread_name") {
      w = "a user process named like a kernel thread (" + p.comm + ")";
    } else if (f == "listening") {
      w = "it listens on TCP port " +
          (p.listen_ports.empty() ? std::string("?") : std::to_string(p.listen_ports.front()));
    } else {
      w = f;
    }
    if (!out.empty()) out += "; ";
    out += w;
  }
  return out;
}

void for_each_event(const std::vector<Sighting>& sightings, core::TimeNs now,
                    const std::function<void(const model::Event&)>& sink) {
  model::Event ev;
  std::string reasons, words, command;
  for (const Sighting& s : sightings) {
    const ProcessInfo& p = s.info;
    ev.reset();
    ev.set_kind(model::EventKind::ProcessSeen);
    ev.set_ts(now);
    ev.set_int(model::Field::Pid, p.pid);
    ev.set_int(model::Field::Ppid, p.ppid);
    ev.set_int(model::Field::Uid, p.uid);
    if (!s.account.empty()) ev.set_string(model::Field::Account, s.account);
    command.clear();
    for (const auto& a : p.argv) {
      if (!command.empty()) command += ' ';
      command += a;
    }
    if (command.empty()) command = p.comm;
    ev.set_string(model::Field::Command, command);
    if (!p.exe.empty()) ev.set_string(model::Field::Exe, p.exe);
    if (!p.cwd.empty()) ev.set_string(model::Field::Cwd, p.cwd);
    if (!p.listen_ports.empty()) ev.set_int(model::Field::ListenPort, p.listen_ports.front());
    reasons.clear();
    for (const auto& f : s.flags) {
      if (!reasons.empty()) reasons += ',';
      reasons += f;
    }
    ev.set_string(model::Field::Reason, reasons);
    words = flags_words(s.flags, p);
    ev.set_string(model::Field::Detail, words);
    sink(ev);
  }
}

}  // namespace bannin::probe::process
