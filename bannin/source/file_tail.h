// FileTail: follows one log file the way logrotate and the daemons treat it, for the live
// daemon (issue 7). Complete lines only; a line is delivered exactly once across
//   - rotation by rename (the writer may keep appending to the old file for a while: the old
//     file is read to its end when the new one appears, and kept open and read for a grace
//     period of 10 s after that, so lines written to it late are not lost),
//   - copytruncate (the file shrinks below the read offset, or its head changed): the rest of
//     what was not read yet is read from the copy (PATH.N or PATH.N.gz with the same head
//     bytes and at least as long as what was read), then the file from 0; bytes the tail saw
//     in the file that the copy does not hold are counted in unaccounted_bytes(),
//   - generations compressed before they were read (PATH.N.gz): read through zlib, in order,
//     never twice (a compressed file whose content head matches a file already read is that
//     file),
//   - restarts: a Checkpoint (device, inode, offset after the last delivered line, hash of
//     the first bytes) lets a new FileTail continue where the old one stopped, including when
//     the file was rotated while bannin was down (the old inode is looked for as PATH.N; a
//     file compressed or copied and truncated meanwhile is found by its head as PATH.N.gz or
//     the copy; the generations after it are read too),
//   - several renames between two polls (a tail held back by a full queue): the generations
//     in between are read, oldest first, before the new file,
//   - a missing file (reported once, picked up when it appears).
// poll() is non-blocking and reads what is there; the caller decides when to call it (inotify
// or a timer). One FileTail per file, owned and polled by the daemon's ingest thread
// (bannin/app/ingest.cpp); not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sys/stat.h>
#include <sys/types.h>

#include <bannin/model/record.h>

struct gzFile_s;  // zlib's gzFile, kept out of this header

namespace bannin::source {

struct Checkpoint {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t offset = 0;     ///< byte offset just after the last delivered line
  std::uint64_t head_hash = 0;  ///< hash of the file's first kHeadBytes bytes (0 = shorter)
  /// Sources that resume by a cursor instead of an offset (the journal): where to continue.
  std::string cursor = {};
  bool operator==(const Checkpoint&) const = default;
};

class FileTail {
 public:
  static constexpr std::size_t kHeadBytes = 256;
  using Sink = std::function<void(const model::Record&)>;

  explicit FileTail(std::string path, std::optional<Checkpoint> start = std::nullopt);
  ~FileTail();
  FileTail(const FileTail&) = delete;
  FileTail& operator=(const FileTail&) = delete;

  /// Reads the complete lines available now, at most max_lines of them, and hands each to
  /// sink. Returns how many. When it stopped at max_lines, more() is true: call again.
  std::size_t poll(const Sink& sink, std::size_t max_lines = SIZE_MAX);
  /// The last poll stopped at its max_lines with more to read.
  [[nodiscard]] bool more() const noexcept { return budget_hit_; }
  /// A checkpoint at the end of PATH's last complete line: a tail that starts there reads
  /// only what is written from now on (`tail -f`). nullopt when PATH cannot be opened.
  static std::optional<Checkpoint> checkpoint_at_end(const std::string& path);
  /// How long a renamed-away file is still read after the new one appeared.
  static constexpr std::chrono::seconds kOldFileGrace{10};
  /// Where a restart should continue (valid after any poll()).
  [[nodiscard]] Checkpoint checkpoint() const { return cp_; }
  /// Set once when the file was missing at a poll; cleared when it appears.
  [[nodiscard]] bool missing() const noexcept { return missing_; }
  [[nodiscard]] std::uint64_t rotations() const noexcept { return rotations_; }
  [[nodiscard]] std::uint64_t truncations() const noexcept { return truncations_; }
  /// Bytes the tail saw in the file (its size at a poll) that were gone at a copytruncate
  /// before they were read and that no copy holds: written after the copy, before the
  /// truncation. Only a tail behind the writer can see them; what it never saw is not known.
  [[nodiscard]] std::uint64_t unaccounted_bytes() const noexcept { return unaccounted_; }
  /// Compressed generations that could not be read to their end (corrupt, cut short); the
  /// lines before the damage were delivered. last_error() names the file and zlib's reason.
  [[nodiscard]] std::uint64_t errors() const noexcept { return errors_; }
  [[nodiscard]] const std::string& last_error() const noexcept { return last_error_; }

 private:
  bool open_current(bool at_start, const std::string* generation = nullptr);
  /// Opens a rotated generation (plain or .gz) positioned at `from` (uncompressed bytes).
  /// False when it cannot be opened or is shorter than `from`.
  bool open_at(const std::string& path, std::uint64_t from);
  [[nodiscard]] std::vector<std::string> numbered_generations() const;  ///< PATH.N, PATH.N.gz
  [[nodiscard]] std::string find_generation(std::uint64_t device, std::uint64_t inode) const;
  /// The generation whose first kHeadBytes hash to `hash` and that holds at least `length`
  /// bytes (a file rotated and compressed, or copied and truncated, while bannin was down).
  [[nodiscard]] std::string find_by_head(std::uint64_t hash, std::uint64_t length) const;
  /// The copytruncate copy of the current file: a generation that is not the current file,
  /// starts with head_ and holds at least `length` bytes; its length in *copy_length.
  [[nodiscard]] std::string find_copy(std::uint64_t length, std::uint64_t* copy_length) const;
  /// left_path: the name of the file left when known (a generation), "" for PATH renamed.
  [[nodiscard]] std::string next_generation(const struct stat& left, const std::string& left_path,
                                            const struct stat& current) const;
  std::size_t advance_from_compressed(const Sink& sink);
  bool open_at_copy(const std::string& copy, std::uint64_t pos);
  struct Seen {
    std::uint64_t device = 0, inode = 0;
    std::uint32_t head_len = 0;  ///< bytes of the head hashed (0: the file was empty)
    std::uint64_t head = 0;      ///< of the uncompressed content
  };
  static Seen identify(const struct stat& st, const std::string& head);
  [[nodiscard]] bool seen(const std::string& path, const struct stat& st) const;
  void remember(int fd);
  void remember(const struct stat& st, const std::string& head);
  void remember_generations();  ///< every PATH.k now: not to be read as a missed generation
  std::size_t drain(const Sink& sink, bool final_read);
  std::size_t drain_fd(int fd, std::string& pending, std::uint64_t& offset, const Sink& sink,
                       bool final_read);
  std::size_t drain_old(const Sink& sink, bool final_read);
  void close_fd();

  std::string path_;
  int fd_ = -1;
  gzFile_s* gz_ = nullptr;       // fd_ is a compressed generation read through zlib
  std::string gz_path_;          // its name (the key that orders it among the generations)
  std::string head_;             // the current file's first bytes (up to kHeadBytes) as read
  std::uint64_t size_seen_ = 0;  // the largest size of the current file seen at a poll
  std::uint64_t unaccounted_ = 0;
  std::uint64_t errors_ = 0;
  std::string last_error_;
  bool from_copy_ = false;  // fd_ is a copytruncate copy: leaving it is not a rotation
  Checkpoint cp_;
  std::optional<Checkpoint> resume_;
  std::string pending_;  // bytes after the last newline
  std::uint64_t line_no_ = 0;
  bool missing_ = false;
  int old_fd_ = -1;  // a renamed-away file still read during its grace period
  std::string old_pending_;
  std::uint64_t old_offset_ = 0;
  std::chrono::steady_clock::time_point old_until_{};
  std::uint64_t rotations_ = 0, truncations_ = 0;
  std::deque<Seen> seen_;          // files opened lately (and the numbered ones there at the start)
  std::size_t budget_ = SIZE_MAX;  // lines this poll may still deliver
  bool budget_hit_ = false;
};

/// FNV-1a of the first kHeadBytes bytes of fd (0 when the file is shorter).
std::uint64_t head_hash(int fd);

}  // namespace bannin::source
