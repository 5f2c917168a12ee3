#include <poll.h>

#include <bannin/app/file_probe.h>
#include <bannin/probe/file/dir_watch.h>
#include <bannin/probe/file/yara_rules.h>

namespace bannin::app {

namespace pf = probe::file;

FileProbe::FileProbe(Settings settings, std::shared_ptr<const pf::YaraRules> yara, Sink sink,
                     Log log, std::function<core::TimeNs()> clock)
    : settings_(std::move(settings)),
      yara_(std::move(yara)),
      sink_(std::move(sink)),
      log_(std::move(log)),
      clock_(std::move(clock)) {
  status_.roots = settings_.scanner.roots.size();
  status_.yara_rules = yara_ ? yara_->rule_count() : 0;
  status_.interval = settings_.interval;
}

FileProbe::~FileProbe() {
  stop();
}

void FileProbe::start() {
  thread_ = std::thread([this] { run(); });
}

void FileProbe::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

FileProbeStatus FileProbe::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

void FileProbe::publish(std::vector<pf::FileHit> hits) {
  if (hits.empty()) return;
  auto round = std::make_shared<FileRound>();
  round->ts = clock_();
  round->hits = std::move(hits);
  sink_(std::move(round));
}

void FileProbe::run() {
  pf::ScannerOptions so = settings_.scanner;
  so.cancel = &stop_;
  pf::FileScanner scanner(std::move(so), yara_);
  std::unique_ptr<pf::DirWatch> watch;
  std::vector<std::string> paths;
  const auto& exclude = settings_.scanner.exclude;
  auto update_status = [&] {
    std::lock_guard lock(mu_);
    status_.scan = scanner.stats();
    if (watch) {
      status_.watching = watch->fd() >= 0;
      status_.watches = watch->watches();
      status_.watch_limit_hits = watch->limit_hits();
      status_.watch_overflows = watch->overflows();
      status_.watch_errors = watch->add_errors();
    }
  };
  // Watches first, then the walk: a file written during the walk is reported by one or the
  // other (the scanner's memory of inode, size and mtime keeps it from being reported twice).
  if (settings_.watch) {
    watch = std::make_unique<pf::DirWatch>(settings_.max_watches);
    if (watch->fd() < 0) {
      log_("files: inotify is not available; the periodic walk only");
    } else {
      for (const auto& r : settings_.scanner.roots) watch->add_tree(r.path, exclude, paths);
      paths.clear();  // the walk below examines them
      if (watch->limit_hits() > 0) {
        log_("files: " + std::to_string(watch->watches()) + " directories watched; " +
             std::to_string(watch->limit_hits()) +
             " more left to the periodic walk (files.max_watches, fs.inotify.max_user_watches)");
      }
    }
  }
  auto walk = [&] {
    publish(scanner.walk());
    std::lock_guard lock(mu_);
    status_.last_walk = clock_();
  };
  walk();
  update_status();
  core::TimeNs next_walk = clock_() + settings_.interval;
  while (!stop_) {
    const int fd = watch ? watch->fd() : -1;
    if (fd >= 0) {
      pollfd p{fd, POLLIN, 0};
      (void)::poll(&p, 1, 250);
      paths.clear();
      const bool complete = watch->read(paths, exclude);
      std::vector<pf::FileHit> hits;
      for (const auto& path : paths) {
        if (stop_) break;
        if (auto h = scanner.examine_path(path)) hits.push_back(std::move(*h));
      }
      publish(std::move(hits));
      if (!complete) next_walk = 0;  // the kernel lost events: walk everything now
    } else {
      ::poll(nullptr, 0, 250);
    }
    if (clock_() >= next_walk) {
      walk();
      next_walk = clock_() + settings_.interval;
    }
    update_status();
  }
}

}  // namespace bannin::app
