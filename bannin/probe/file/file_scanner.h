// FileScanner: looks for planted files under web document roots (stage: probe; INCIDENTS S5,
// issue 17). A walk of every root (periodic) and single paths (from inotify, dir_watch.h)
// examine regular files that are new or changed since they were last seen — inode, size
// and mtime — and report the ones with a reason: YARA matches (yara_rules.h) and content
// signs (content_signs.h). Each report is a FileHit; the daemon turns hits into `file.found`
// events (file_events.h) that go through the rules like log events.
//
// Bounded: at most `max_files` paths are remembered (more are counted as untracked, and not
// examined), files above `max_file_bytes` are judged by their name only (counted), and a
// YARA scan has a timeout. Symbolic links are never followed (a link out of the document
// root must not make bannin read /etc/shadow into a hit), and `exclude` paths (the
// quarantine directory) are skipped.
//
// A scanner belongs to one thread (the daemon's file-probe thread, a test, the bench).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <bannin/core/time.h>
#include <bannin/probe/file/content_signs.h>

namespace bannin::probe::file {

class YaraRules;

/// One document root and whom it belongs to (from config files.roots or the inventory).
struct Root {
  std::string path;     ///< absolute, without a trailing slash
  std::string account;  ///< hosting account; "" = the file owner's user name
  std::string vhost;    ///< a site served from it, "" when unknown
};

struct ScannerOptions {
  std::vector<Root> roots;
  /// Directories where only uploads belong (content_signs.h in_upload_dir).
  std::vector<std::string> upload_dirs{
      "wp-content/uploads", "wp-content/cache", "uploads", "cache", "tmp", "/tmp",
      "/var/tmp",           "/dev/shm"};
  std::vector<std::string> exclude;  ///< absolute paths never walked (the quarantine directory)
  SignThresholds thresholds;
  std::uint64_t max_file_bytes = 8u << 20;
  std::size_t max_files = 1'000'000;
  int yara_timeout_s = 10;
  /// When set and true, a walk stops between two files (the daemon's stop()).
  const std::atomic<bool>* cancel = nullptr;
};

/// A file with at least one reason.
struct FileHit {
  std::string path, account, vhost;
  std::int64_t uid = -1;
  std::int64_t size = 0;
  core::TimeNs mtime = 0;
  std::uint32_t mode = 0;            ///< st_mode & 07777
  std::string change;                ///< present (seen at the first walk) | new | changed
  std::vector<std::string> reasons;  ///< sign codes (content_signs.h) and "yara:<rule>"
  std::string sha256;                ///< lower-case hex of the bytes examined
};

/// Counters, for status and the bench (the scanner's thread writes them; copy to read).
struct ScanStats {
  std::uint64_t walks = 0;
  std::uint64_t files_seen = 0;      ///< regular files met by walks and single paths
  std::uint64_t files_examined = 0;  ///< new or changed: read and judged
  std::uint64_t bytes_examined = 0;
  std::uint64_t hits = 0;
  std::uint64_t untracked = 0;  ///< over max_files: not examined
  std::uint64_t too_large = 0;  ///< over max_file_bytes: judged by name only
  std::uint64_t read_errors = 0;
  std::uint64_t yara_errors = 0;  ///< timeouts and failures (what matched before counts)
  std::size_t tracked = 0;
};

class FileScanner {
 public:
  /// `yara` may be null (content signs only).
  FileScanner(ScannerOptions options, std::shared_ptr<const YaraRules> yara);

  /// Walks every root; hits of files new or changed since the last walk (at the first walk:
  /// every file with a reason, change "present"). Files gone since are forgotten.
  std::vector<FileHit> walk();
  /// One path (a file inotify saw written, moved in or re-moded): a hit when it is a
  /// regular file under a root, new or changed, with a reason.
  std::optional<FileHit> examine_path(const std::string& path);
  /// The root `path` lies under (the longest), or null.
  [[nodiscard]] const Root* root_of(const std::string& path) const;

  [[nodiscard]] const ScanStats& stats() const noexcept { return stats_; }
  [[nodiscard]] const ScannerOptions& options() const noexcept { return options_; }

 private:
  struct Seen {
    std::uint64_t dev = 0, ino = 0;
    std::int64_t size = 0;
    core::TimeNs mtime = 0;
    std::uint64_t generation = 0;  ///< the walk that last met it
  };
  std::optional<FileHit> examine(const std::string& path, const Root& root);
  bool excluded(const std::string& path) const;

  ScannerOptions options_;
  std::shared_ptr<const YaraRules> yara_;
  std::unordered_map<std::string, Seen> seen_;
  std::uint64_t generation_ = 0;
  bool first_walk_done_ = false;
  ScanStats stats_;
  std::string buffer_;
};

/// Lower-case hex SHA-256 of `bytes` (OpenSSL).
std::string sha256_hex(std::string_view bytes);

}  // namespace bannin::probe::file
