// DirWatch: inotify on document-root trees, so a planted file is examined seconds after it
// is written instead of at the next periodic walk (stage: probe). Bounded: at most
// `max_watches` directories are watched (the kernel's fs.inotify.max_user_watches is shared
// with every other program); directories past the limit are counted (`limit_hits`) and left
// to the periodic walk, which sees everything anyway. A kernel queue overflow is reported to
// the caller, which then walks everything.
//
// Owned by one thread (the daemon's file-probe thread). Linux only.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace bannin::probe::file {

class DirWatch {
 public:
  explicit DirWatch(std::size_t max_watches);
  ~DirWatch();
  DirWatch(const DirWatch&) = delete;
  DirWatch& operator=(const DirWatch&) = delete;

  /// The inotify descriptor (for poll); -1 when inotify could not be set up.
  [[nodiscard]] int fd() const noexcept { return fd_; }
  /// Watches `dir` and every directory below it (links are not followed), up to the limit;
  /// `exclude` directories are skipped. Regular files found in directories that were not
  /// watched before are appended to `files` (they may have been written before the watch).
  void add_tree(const std::string& dir, const std::vector<std::string>& exclude,
                std::vector<std::string>& files);
  /// Reads what is pending (non-blocking): files closed after writing, moved in, or whose
  /// mode changed go to `files`; new directories are watched and their files appended too.
  /// Returns false when the kernel's queue overflowed (events were lost: walk everything).
  bool read(std::vector<std::string>& files, const std::vector<std::string>& exclude);

  [[nodiscard]] std::size_t watches() const noexcept { return dirs_.size(); }
  [[nodiscard]] std::uint64_t limit_hits() const noexcept { return limit_hits_; }
  [[nodiscard]] std::uint64_t add_errors() const noexcept { return add_errors_; }
  [[nodiscard]] std::uint64_t overflows() const noexcept { return overflows_; }

 private:
  void watch_one(const std::string& dir, std::vector<std::string>& files);
  std::size_t max_;
  int fd_ = -1;
  std::unordered_map<int, std::string> dirs_;  ///< watch descriptor -> directory
  std::uint64_t limit_hits_ = 0, add_errors_ = 0, overflows_ = 0;
};

}  // namespace bannin::probe::file
