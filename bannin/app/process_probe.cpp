#include <pwd.h>

#include <bannin/app/process_probe.h>

namespace bannin::app {

namespace pp = probe::process;

namespace {

// The account name of a uid (the system's user database; "" when it has none).
std::string account_of(std::int64_t uid) {
  passwd pw{};
  passwd* res = nullptr;
  char buf[1024];
  if (getpwuid_r(static_cast<uid_t>(uid), &pw, buf, sizeof buf, &res) != 0 || res == nullptr) {
    return {};
  }
  return res->pw_name;
}

}  // namespace

ProcessProbe::ProcessProbe(Settings settings, Sink sink, std::function<core::TimeNs()> clock)
    : settings_(std::move(settings)), sink_(std::move(sink)), clock_(std::move(clock)) {
  status_.interval = settings_.interval;
}

ProcessProbe::~ProcessProbe() {
  stop();
}

void ProcessProbe::start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { run(); });
}

void ProcessProbe::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ProcessProbe::run() {
  for (;;) {
    try {
      round();
    } catch (const std::exception& e) {
      // A worker loop never dies of one bad round (STYLE §3); the next one tries again.
      (void)e;
    }
    const core::TimeNs due = clock_() + settings_.interval;
    while (!stop_ && clock_() < due) std::this_thread::sleep_for(std::chrono::milliseconds(250));
    if (stop_) return;
  }
}

void ProcessProbe::round() {
  const core::TimeNs now = clock_();
  std::vector<pp::ProcessInfo> procs =
      pp::read_processes(settings_.flags.min_uid, settings_.proc_root);
  auto out = std::make_shared<ProcessRound>();
  out->ts = now;
  std::map<std::int64_t, std::pair<std::uint64_t, std::string>> seen;
  std::uint64_t flagged = 0, untracked = 0;
  for (pp::ProcessInfo& p : procs) {
    std::vector<std::string> flags = pp::process_flags(p, settings_.flags);
    if (flags.empty()) continue;
    ++flagged;
    std::string text;
    for (const auto& f : flags) text += (text.empty() ? "" : ",") + f;
    auto prev = reported_.find(p.pid);
    const bool same = prev != reported_.end() && prev->second.first == p.start_ticks &&
                      prev->second.second == text;
    if (seen.size() >= kMaxTracked) {
      ++untracked;  // reported again next round: better twice than never
    } else {
      seen.emplace(p.pid, std::make_pair(p.start_ticks, text));
    }
    if (same) continue;
    pp::Sighting s;
    s.account = account_of(p.uid);
    s.flags = std::move(flags);
    s.info = std::move(p);
    out->sightings.push_back(std::move(s));
  }
  reported_ = std::move(seen);  // the gone are forgotten
  {
    std::lock_guard lock(mu_);
    ++status_.rounds;
    status_.processes = procs.size();
    status_.flagged = flagged;
    status_.reported += out->sightings.size();
    status_.untracked += untracked;
    status_.last_round = now;
  }
  if (!out->sightings.empty() && sink_) sink_(std::move(out));
}

ProcessProbeStatus ProcessProbe::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

}  // namespace bannin::app
