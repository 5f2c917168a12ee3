// The ingest thread: one epoll loop over
//   - inotify watches on the directories of the configured files (a write, a create, a
//     rename wakes it within milliseconds), plus a 250 ms tick that polls every tail anyway
//     (the rest of a renamed file during its grace period, missed events) and re-expands the
//     globs once a second (files that appear later),
//   - the datagram and stream sources (syslog sockets, journald, stdin),
//   - an eventfd that stop() writes.
// File lines go to the pipeline in batches of up to Daemon::kBatchLines with the checkpoint
// after the batch; when the records queue is full, the file waits (it is its own buffer).
// Datagram sources cannot wait: a batch that does not fit is dropped and counted.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>

#include <fnmatch.h>
#include <glob.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bannin/act/actuator.h>
#include <bannin/api/server.h>
#include <bannin/app/daemon.h>
#include <bannin/app/domain_probe.h>
#include <bannin/app/flight_recorder.h>
#include <bannin/app/guard_runner.h>
#include <bannin/app/kpi_probe.h>
#include <bannin/enrich/geo_db.h>
#include <bannin/source/journald_source.h>
#include <bannin/source/stdin_source.h>
#include <bannin/source/syslog_receiver.h>
#include <bannin/store/store.h>

namespace bannin::app {

namespace {

struct Tail {
  std::string path;
  std::string dir;
  Stream* stream = nullptr;
  std::unique_ptr<source::FileTail> tail;
  bool reported_missing = false;
};

struct Pattern {
  std::string pattern;
  std::size_t source = 0;     // index into cfg.sources
  bool reported = false;      // "no file matches yet" said once
  Stream* waiting = nullptr;  // shown in status while nothing matches
};

std::vector<std::string> expand_files(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g) == 0) {
    for (std::size_t i = 0; i < g.gl_pathc; ++i) {
      struct stat st {};
      if (::stat(g.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode)) out.emplace_back(g.gl_pathv[i]);
    }
  }
  globfree(&g);
  return out;
}

// The journal's checkpoint key in the store (its cursor; files are keyed by their path).
constexpr const char* kJournalKey = "journald";

bool has_glob(const std::string& p) {
  return p.find_first_of("*?[") != std::string::npos;
}

}  // namespace

struct Daemon::Ingest {
  int epoll_fd = -1;
  int inotify_fd = -1;
  std::vector<Pattern> patterns;
  std::vector<std::unique_ptr<Tail>> tails;
  std::set<std::string> known;        // paths with a tail
  std::map<int, std::string> wd_dir;  // inotify watch -> directory
  std::map<std::string, int> dir_wd;
  struct Polled {
    std::unique_ptr<source::PollSource> src;
    Stream* stream = nullptr;
    int fd = -1;
    source::JournaldSource* journal = nullptr;  // src, when it is the journal (has a cursor)
  };
  std::vector<Polled> polled;
  ~Ingest() {
    if (epoll_fd >= 0) ::close(epoll_fd);
    if (inotify_fd >= 0) ::close(inotify_fd);
  }
};

// Here, where Ingest is complete.
Daemon::Daemon(Options options) : options_(std::move(options)) {}
Daemon::~Daemon() {
  stop();
}

core::Result<bool> Daemon::open_sources() {
  auto in = std::make_unique<Ingest>();
  in->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  in->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (in->epoll_fd < 0 || in->inotify_fd < 0) {
    return core::make_error("ingest", std::string("epoll/inotify: ") + std::strerror(errno));
  }
  auto watch = [&](int fd, std::uint64_t tag) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = tag;
    epoll_ctl(in->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
  };
  watch(in->inotify_fd, 0);
  watch(wake_fd_, 1);
  for (std::size_t i = 0; i < cfg_.sources.size(); ++i) {
    const SourceConfig& sc = cfg_.sources[i];
    switch (sc.kind) {
      case SourceConfig::Kind::File:
        for (const auto& p : sc.paths) in->patterns.push_back(Pattern{p, i, false});
        break;
      case SourceConfig::Kind::Syslog: {
        auto r = source::SyslogReceiver::open(sc.listen);
        if (!r) return core::make_error("source", sc.where + ": " + r.error().message);
        Stream& s = add_stream("syslog", sc.listen, sc.decoder);
        in->polled.push_back({std::move(*r), &s});
        break;
      }
      case SourceConfig::Kind::Journald: {
        // Continue after the last entry whose findings were committed (the stored cursor).
        std::optional<std::string> cursor;
        if (auto it = checkpoints_.find(kJournalKey);
            it != checkpoints_.end() && !it->second.cursor.empty()) {
          cursor = it->second.cursor;
        }
        auto r = source::JournaldSource::open(cursor);
        if (!r) {
          Stream& s = add_stream("journald", "journald", sc.decoder);
          s.closed = true;
          {
            std::lock_guard lock(s.note_mu);
            s.note = "not available: " + r.error().message;
          }
          if (!sc.optional || !options_.quiet)
            log("journald: not available (%s)", r.error().message.c_str());
          break;
        }
        Stream& s = add_stream("journald", "journald", sc.decoder);
        if (!(*r)->start_note().empty()) {
          std::lock_guard lock(s.note_mu);
          s.note = (*r)->start_note();
          log("journald: %s", (*r)->start_note().c_str());
        }
        if ((!cursor || !(*r)->start_note().empty()) && !(*r)->cursor().empty()) {
          // First start (or an unusable cursor): store where reading starts now, so that a crash
          // before the first batch commits resumes here rather than at the tail again. Nothing from
          // a source has been pushed yet, so this commit point closes no one's transaction early.
          store::CheckpointRow row;
          row.source = kJournalKey;
          row.cursor = (*r)->cursor();
          row.updated_ts = wall_now();
          writer_->push_wait(std::move(row), std::chrono::milliseconds(200));
        }
        source::JournaldSource* journal = r->get();
        in->polled.push_back({std::move(*r), &s});
        in->polled.back().journal = journal;
        break;
      }
      case SourceConfig::Kind::Stdin: {
        Stream& s = add_stream("stdin", "stdin", sc.decoder);
        in->polled.push_back({std::make_unique<source::StdinSource>(STDIN_FILENO), &s});
        break;
      }
    }
  }
  for (std::size_t i = 0; i < in->polled.size(); ++i) {
    in->polled[i].fd = in->polled[i].src->fd();
    if (in->polled[i].fd >= 0) watch(in->polled[i].fd, 2 + i);
  }
  ingest_state_ = std::move(in);
  return true;
}

void Daemon::ingest_main() {
  Ingest& in = *ingest_state_;
  bool first_scan = true;  // files present at start may begin at their end

  auto add_watch = [&](const std::string& dir) {
    if (in.dir_wd.count(dir) != 0) return;
    int wd = inotify_add_watch(
        in.inotify_fd, dir.c_str(),
        IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE);
    if (wd >= 0) {
      in.wd_dir[wd] = dir;
      in.dir_wd[dir] = wd;
    }
  };

  // Expands the globs: a new file gets a tail (from its checkpoint; a file present at start
  // without one begins at its end, or at its beginning when the source says so; a file that
  // appears later is read from its beginning).
  auto scan = [&]() {
    for (Pattern& p : in.patterns) {
      const SourceConfig& sc = cfg_.sources[p.source];
      std::vector<std::string> paths =
          has_glob(p.pattern) ? expand_files(p.pattern) : std::vector<std::string>{p.pattern};
      bool any = false;
      for (const auto& path : paths) {
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0) any = true;
      }
      // A file with a checkpoint is followed even while its path is missing: it may have
      // been rotated away while bannin was down, and the rest is read from PATH.1.
      for (const auto& [cp_path, cp] : checkpoints_) {
        if (cp.cursor.empty() && in.known.count(cp_path) == 0 &&
            fnmatch(p.pattern.c_str(), cp_path.c_str(), FNM_PATHNAME) == 0 &&
            std::find(paths.begin(), paths.end(), cp_path) == paths.end()) {
          paths.push_back(cp_path);
        }
      }
      for (const auto& path : paths) {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0 && checkpoints_.count(path) == 0) continue;
        if (in.known.count(path) != 0) continue;
        in.known.insert(path);
        auto t = std::make_unique<Tail>();
        t->path = path;
        t->dir = std::filesystem::path(path).parent_path().string();
        t->stream = &add_stream("file", path, sc.decoder);
        std::optional<source::Checkpoint> cp;
        if (auto it = checkpoints_.find(path); it != checkpoints_.end()) {
          cp = it->second;
        } else if (first_scan && sc.start_at_end) {
          cp = source::FileTail::checkpoint_at_end(path);
        }
        t->tail = std::make_unique<source::FileTail>(path, cp);
        add_watch(t->dir);
        if (!options_.quiet) {
          log("following %s%s", path.c_str(),
              checkpoints_.count(path) ? " (from its checkpoint)"
              : cp                     ? " (new lines only)"
                                       : " (from the beginning)");
        }
        in.tails.push_back(std::move(t));
      }
      if (!any && !p.reported) {
        p.reported = true;
        log("%s: no such file yet; it will be picked up when it appears", p.pattern.c_str());
      }
      if (any) p.reported = false;
      // Status shows a pattern that matches nothing as a missing source of its own.
      if (!any && p.waiting == nullptr) {
        bool followed = false;
        for (const auto& t : in.tails) followed = followed || t->path == p.pattern;
        if (!followed) {
          p.waiting = &add_stream("file", p.pattern, sc.decoder);
          p.waiting->missing = true;
          std::lock_guard lock(p.waiting->note_mu);
          p.waiting->note = "no file matches yet; picked up when one appears";
        }
      }
      if (any && p.waiting != nullptr && !p.waiting->closed) {
        p.waiting->missing = false;
        p.waiting->closed = true;
        std::lock_guard lock(p.waiting->note_mu);
        p.waiting->note = "now matched: followed as its own source";
      }
      // Watch the directory even before the file exists, so it is seen at once.
      std::string dir = std::filesystem::path(p.pattern).parent_path().string();
      if (!has_glob(dir)) {
        struct stat st {};
        if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) add_watch(dir);
      }
    }
    first_scan = false;
  };

  // Reads a tail in batches; waits for room in the queue (the file keeps the rest).
  auto poll_tail = [&](Tail& t) {
    while (!stopping_) {
      Batch b;
      b.stream = t.stream->id;
      b.data.reserve(std::size_t{64} * 1024);
      std::size_t n = t.tail->poll(
          [&](const model::Record& r) {
            b.data.append(r.bytes.data(), r.bytes.size());
            b.ends.push_back(static_cast<std::uint32_t>(b.data.size()));
          },
          kBatchLines);
      t.stream->missing = t.tail->missing();
      t.stream->rotations = t.tail->rotations();
      t.stream->truncations = t.tail->truncations();
      t.stream->unaccounted_bytes = t.tail->unaccounted_bytes();
      t.stream->errors = t.tail->errors();
      if (n == 0) break;
      t.stream->lines.fetch_add(n, std::memory_order_relaxed);
      b.checkpoint = t.tail->checkpoint();
      b.checkpoint_key = t.path;
      if (!records_->push_blocking(std::move(b))) return;
      if (!t.tail->more()) break;
    }
  };

  auto poll_all = [&]() {
    for (auto& t : in.tails) poll_tail(*t);
  };

  scan();
  poll_all();
  auto last_scan = std::chrono::steady_clock::now();
  auto last_minute = last_scan;
  epoll_event events[16];
  while (!stopping_) {
    int n = epoll_wait(in.epoll_fd, events, 16, 250);
    bool files_dirty = n == 0;  // the tick: poll everything
    for (int i = 0; i < n; ++i) {
      std::uint64_t tag = events[i].data.u64;
      if (tag == 0) {
        // Which files changed does not matter: every tail is polled (a poll of an unchanged
        // file is one fstat). A created or renamed-in file may match a glob: scan at once.
        alignas(inotify_event) char buf[16384];
        bool created = false;
        ssize_t len;
        while ((len = ::read(in.inotify_fd, buf, sizeof buf)) > 0) {
          for (ssize_t off = 0; off < len;) {
            const auto* e = reinterpret_cast<const inotify_event*>(buf + off);
            if ((e->mask & (IN_CREATE | IN_MOVED_TO)) != 0) created = true;
            off += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
          }
        }
        if (created) scan();
        files_dirty = true;
      } else if (tag == 1) {
        break;  // stop
      } else {
        auto& p = in.polled[tag - 2];
        Batch b;
        b.stream = p.stream->id;
        std::size_t got = p.src->read_ready(
            [&](const model::Record& r) {
              b.data.append(r.bytes.data(), r.bytes.size());
              b.ends.push_back(static_cast<std::uint32_t>(b.data.size()));
            },
            kBatchLines);
        const auto& ss = p.src->stats();
        p.stream->errors = ss.errors;
        if (got > 0 && p.journal != nullptr) {
          // The journal keeps its entries: wait for room like a file, and hand the cursor
          // after the batch to the pipeline, which commits it with the batch's findings.
          p.stream->lines.fetch_add(got, std::memory_order_relaxed);
          b.checkpoint = source::Checkpoint{};
          b.checkpoint->cursor = p.journal->cursor();
          b.checkpoint_key = kJournalKey;
          if (!records_->push_blocking(std::move(b))) break;
        } else if (got > 0) {
          p.stream->lines.fetch_add(got, std::memory_order_relaxed);
          if (!records_->try_push(std::move(b))) {
            p.stream->dropped.fetch_add(got, std::memory_order_relaxed);
          }
        }
        p.stream->dropped_kernel = ss.dropped_kernel;
        if (p.src->fd() < 0 && p.fd >= 0) {
          p.stream->closed = true;
          epoll_ctl(in.epoll_fd, EPOLL_CTL_DEL, p.fd, nullptr);
          p.fd = -1;
        }
      }
    }
    if (stopping_) break;
    auto now = std::chrono::steady_clock::now();
    if (now - last_scan >= std::chrono::seconds(1)) {
      scan();
      last_scan = now;
      files_dirty = true;
    }
    if (now - last_minute >= std::chrono::minutes(1)) {
      std::lock_guard lock(streams_mu_);
      for (auto& s : streams_) s->lines_minute_ago = s->lines.load();
      last_minute = now;
    }
    if (files_dirty) poll_all();
  }
}

}  // namespace bannin::app
