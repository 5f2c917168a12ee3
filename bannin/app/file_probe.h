// FileProbe: the daemon's file probe thread (config `files:`, docs/accounts.md). It walks the
// document roots at start and once per `interval`, and in between waits on inotify
// (probe/file/dir_watch.h) for files written, moved in or re-moded, which it examines at
// once. Every batch of hits is a FileRound handed to the daemon through a sink (the records
// queue), so the file.found Events go through the rules on the pipeline thread like log
// events, and the decisions they bring (quarantine) take the same path as every other.
//
// Stopping: stop() sets a flag the thread checks at least every 250 ms; a walk in progress
// stops between two files.
//
// Threading: start/stop from the daemon's main thread; status() from any thread (it locks);
// the sink is called on the probe thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <bannin/core/time.h>
#include <bannin/probe/file/file_scanner.h>

namespace bannin::probe::file {
class YaraRules;
}

namespace bannin::app {

/// What one walk or one inotify batch found, for the pipeline thread.
struct FileRound {
  core::TimeNs ts = 0;
  std::vector<probe::file::FileHit> hits;
};

struct FileProbeStatus {
  probe::file::ScanStats scan;
  std::size_t roots = 0, yara_rules = 0;
  std::size_t watches = 0;
  std::uint64_t watch_limit_hits = 0, watch_overflows = 0, watch_errors = 0;
  bool watching = false;
  core::TimeNs last_walk = 0;
  core::TimeNs interval = 0;
};

class FileProbe {
 public:
  struct Settings {
    probe::file::ScannerOptions scanner;
    bool watch = true;
    std::size_t max_watches = 65536;
    core::TimeNs interval = 3600 * core::kNsPerSec;
  };
  using Sink = std::function<void(std::shared_ptr<const FileRound>)>;
  using Log = std::function<void(const std::string&)>;
  FileProbe(Settings settings, std::shared_ptr<const probe::file::YaraRules> yara, Sink sink,
            Log log, std::function<core::TimeNs()> clock);
  ~FileProbe();
  FileProbe(const FileProbe&) = delete;
  FileProbe& operator=(const FileProbe&) = delete;

  void start();
  void stop();
  [[nodiscard]] FileProbeStatus status() const;

 private:
  void run();
  void publish(std::vector<probe::file::FileHit> hits);

  Settings settings_;
  std::shared_ptr<const probe::file::YaraRules> yara_;
  Sink sink_;
  Log log_;
  std::function<core::TimeNs()> clock_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  FileProbeStatus status_;
};

}  // namespace bannin::app
