// ProcessProbe: the daemon's process probe thread (config `processes:`, docs/accounts.md,
// issue 17). Every `interval` it reads the processes of hosting accounts from /proc
// (probe/process/process_scan.h) and hands the flagged ones to the daemon through a sink (the
// records queue) as a ProcessRound, so their process.seen Events go through the rules on the
// pipeline thread like log events, and the decisions they bring (a notice, SIGSTOP) take the
// same path as every other.
//
// A process is reported the first time it is flagged and again when its flags change, never
// every round (a listener that runs for weeks is one event, not 500,000). What it remembers
// is bounded: processes that are gone are forgotten each round; at most kMaxTracked.
//
// Threading: start/stop from the daemon's main thread; status() from any thread (it locks);
// the sink is called on the probe thread. stop() returns within about 250 ms.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <bannin/core/time.h>
#include <bannin/probe/process/process_events.h>

namespace bannin::app {

struct ProcessRound {
  core::TimeNs ts = 0;
  std::vector<probe::process::Sighting> sightings;
};

struct ProcessProbeStatus {
  std::uint64_t rounds = 0, processes = 0, flagged = 0, reported = 0, untracked = 0;
  core::TimeNs last_round = 0;
  core::TimeNs interval = 0;
};

class ProcessProbe {
 public:
  static constexpr std::size_t kMaxTracked = 100'000;
  struct Settings {
    probe::process::FlagOptions flags;
    std::string proc_root = "/proc";
    core::TimeNs interval = 5 * core::kNsPerSec;
  };
  using Sink = std::function<void(std::shared_ptr<const ProcessRound>)>;
  ProcessProbe(Settings settings, Sink sink, std::function<core::TimeNs()> clock);
  ~ProcessProbe();
  ProcessProbe(const ProcessProbe&) = delete;
  ProcessProbe& operator=(const ProcessProbe&) = delete;

  void start();
  void stop();
  /// One round now, on the caller's thread (tests; the thread calls it every interval).
  void round();
  [[nodiscard]] ProcessProbeStatus status() const;

 private:
  void run();

  Settings settings_;
  Sink sink_;
  std::function<core::TimeNs()> clock_;
  /// pid -> (start ticks, flags as text) of what was reported last.
  std::map<std::int64_t, std::pair<std::uint64_t, std::string>> reported_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  ProcessProbeStatus status_;
};

}  // namespace bannin::app
