#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <bannin/core/hash.h>
#include <bannin/source/file_tail.h>

namespace bannin::source {
namespace {

bool is_gz(std::string_view path) {
  return path.size() > 3 && path.substr(path.size() - 3) == ".gz";
}

// The first up to n bytes of a file's content: uncompressed for a .gz (empty when it is not
// one or cannot be read). Rotated generations are read this way only at a switch or a
// truncation, never per line.
std::string content_head(const std::string& path, std::size_t n = FileTail::kHeadBytes) {
  std::string out(n, '\0');
  if (is_gz(path)) {
    gzFile g = gzopen(path.c_str(), "rb");
    if (g == nullptr) return {};
    int got = gzread(g, out.data(), static_cast<unsigned>(n));
    gzclose(g);
    out.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    return out;
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  ssize_t got = pread(fd, out.data(), n, 0);
  ::close(fd);
  out.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  return out;
}

std::string fd_head(int fd, std::size_t n = FileTail::kHeadBytes) {
  std::string out(n, '\0');
  ssize_t got = fd >= 0 ? pread(fd, out.data(), n, 0) : -1;
  out.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  return out;
}

std::uint64_t hash_of_head(const std::string& head) {
  return head.size() == FileTail::kHeadBytes ? core::fnv1a64(head.data(), head.size()) : 0;
}

// The content length of a generation, counting at most to `limit` (a .gz is decompressed).
std::uint64_t content_length(const std::string& path, const struct stat& st, std::uint64_t limit) {
  if (!is_gz(path)) return static_cast<std::uint64_t>(st.st_size);
  gzFile g = gzopen(path.c_str(), "rb");
  if (g == nullptr) return 0;
  std::uint64_t total = 0;
  char buf[65536];
  int n;
  while (total < limit && (n = gzread(g, buf, sizeof buf)) > 0) total += static_cast<unsigned>(n);
  gzclose(g);
  return total;
}

// When a generation's content was last written. For a .gz that is the MTIME of its gzip
// header (RFC 1952: gzip records the time of the file it compressed, also when logrotate feeds
// it the file on stdin), whole seconds; the .gz file's own time is when it was compressed,
// which for `delaycompress` comes after the next generation's last write. 0 when unknown.
std::int64_t gz_mtime(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  unsigned char h[8];
  ssize_t n = pread(fd, h, sizeof h, 0);
  ::close(fd);
  if (n != 8 || h[0] != 0x1f || h[1] != 0x8b) return 0;
  return static_cast<std::int64_t>(h[4] | (h[5] << 8) | (h[6] << 16) |
                                   (static_cast<std::uint32_t>(h[7]) << 24));
}

// The ordering key of a generation: its content's last write, and whether it is whole seconds.
struct Age {
  struct timespec t {};
  bool coarse = false;
};

Age age_of(const std::string& path, const struct stat& st) {
  if (is_gz(path)) {
    if (std::int64_t m = gz_mtime(path); m > 0) return Age{{static_cast<time_t>(m), 0}, true};
  }
  return Age{st.st_mtim, false};
}

// N of PATH.N or PATH.N.gz; -1 for another name.
long generation_number(std::string_view path) {
  if (is_gz(path)) path.remove_suffix(3);
  const auto dot = path.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == path.size()) return -1;
  long n = 0;
  for (char ch : path.substr(dot + 1)) {
    if (ch < '0' || ch > '9' || n > 100000000) return -1;
    n = n * 10 + (ch - '0');
  }
  return n;
}

// -1, 0, 1 as a is older than, as old as, newer than b (in seconds when either is coarse).
int compare_age(const Age& a, const Age& b) {
  if (a.t.tv_sec != b.t.tv_sec) return a.t.tv_sec < b.t.tv_sec ? -1 : 1;
  if (a.coarse || b.coarse || a.t.tv_nsec == b.t.tv_nsec) return 0;
  return a.t.tv_nsec < b.t.tv_nsec ? -1 : 1;
}

}  // namespace

std::optional<Checkpoint> FileTail::checkpoint_at_end(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  // Just after the last newline: a partial last line is read whole once it is finished.
  auto size = static_cast<std::uint64_t>(st.st_size);
  std::uint64_t end = 0;
  char buf[65536];
  for (std::uint64_t pos = size; pos > 0 && end == 0;) {
    std::uint64_t from = pos > sizeof buf ? pos - sizeof buf : 0;
    ssize_t n = pread(fd, buf, pos - from, static_cast<off_t>(from));
    if (n <= 0) break;
    for (ssize_t i = n - 1; i >= 0; --i) {
      if (buf[i] == '\n') {
        end = from + static_cast<std::uint64_t>(i) + 1;
        break;
      }
    }
    pos = from;
  }
  Checkpoint cp{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino), end,
                head_hash(fd)};
  ::close(fd);
  return cp;
}

std::uint64_t head_hash(int fd) {
  char buf[FileTail::kHeadBytes];
  ssize_t n = pread(fd, buf, sizeof buf, 0);
  if (n != static_cast<ssize_t>(sizeof buf)) return 0;
  return core::fnv1a64(buf, sizeof buf);
}

FileTail::FileTail(std::string path, std::optional<Checkpoint> start)
    : path_(std::move(path)), resume_(std::move(start)) {}

FileTail::~FileTail() {
  close_fd();
  if (old_fd_ >= 0) ::close(old_fd_);
}

void FileTail::close_fd() {
  if (gz_ != nullptr) {
    gzclose(gz_);  // closes fd_ too
  } else if (fd_ >= 0) {
    ::close(fd_);
  }
  gz_ = nullptr;
  gz_path_.clear();
  fd_ = -1;
  from_copy_ = false;
}

bool FileTail::open_at(const std::string& path, std::uint64_t from) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    ::close(fd);
    return false;
  }
  std::string head = is_gz(path) ? content_head(path) : fd_head(fd);
  if (is_gz(path)) {
    gzFile g = gzdopen(fd, "rb");
    if (g == nullptr) {
      ::close(fd);
      return false;
    }
    // Skip what was read already: a compressed stream is only read forwards.
    char buf[65536];
    std::uint64_t skipped = 0;
    while (skipped < from) {
      auto want = static_cast<unsigned>(std::min<std::uint64_t>(sizeof buf, from - skipped));
      int n = gzread(g, buf, want);
      if (n <= 0) break;
      skipped += static_cast<unsigned>(n);
    }
    if (skipped < from) {
      gzclose(g);
      return false;
    }
    close_fd();
    gz_ = g;
    gz_path_ = path;
  } else {
    if (static_cast<std::uint64_t>(st.st_size) < from) {
      ::close(fd);
      return false;
    }
    close_fd();
    ::lseek(fd, static_cast<off_t>(from), SEEK_SET);
  }
  fd_ = fd;
  missing_ = false;
  cp_ = Checkpoint{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
                   from, hash_of_head(head)};
  head_ = head;
  size_seen_ = static_cast<std::uint64_t>(st.st_size);
  remember(st, head);
  return true;
}

// Opens path_. With a checkpoint to resume from, continues at its offset when the file is
// the same one (inode and head); otherwise starts at 0 (a new file) — or, when the checkpoint's
// inode is now PATH.1 (rotated while we were down), reads the rest of that one first.
bool FileTail::open_current(bool at_start, const std::string* generation) {
  if (generation != nullptr && is_gz(*generation)) return open_at(*generation, 0);
  int fd = ::open((generation != nullptr ? *generation : path_).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    missing_ = true;
    return false;
  }
  missing_ = false;
  struct stat st {};
  fstat(fd, &st);
  fd_ = fd;
  cp_ = Checkpoint{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino), 0,
                   head_hash(fd)};
  head_ = fd_head(fd_);
  size_seen_ = static_cast<std::uint64_t>(st.st_size);
  remember(fd_);
  if (resume_ && !at_start) {
    const Checkpoint r = *resume_;
    if (r.device == cp_.device && r.inode == cp_.inode &&
        static_cast<std::uint64_t>(st.st_size) >= r.offset &&
        (r.head_hash == 0 || r.head_hash == cp_.head_hash)) {
      cp_.offset = r.offset;
    }
  }
  ::lseek(fd_, static_cast<off_t>(cp_.offset), SEEK_SET);
  return true;
}

// The rotated generations next to PATH: every PATH.N (N a number, any scheme). A directory
// listing, done only at a switch or a restart.
std::vector<std::string> FileTail::numbered_generations() const {
  std::vector<std::string> out;
  const auto slash = path_.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path_.substr(0, slash + 1);
  const std::string base = (slash == std::string::npos ? path_ : path_.substr(slash + 1)) + ".";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (const dirent* e = ::readdir(d)) {
    std::string_view name(e->d_name);
    if (name.size() <= base.size() || name.substr(0, base.size()) != base) continue;
    std::string_view num = name.substr(base.size());
    if (is_gz(num)) num.remove_suffix(3);
    if (num.empty() || num.size() > 9 ||
        num.find_first_not_of("0123456789") != std::string_view::npos)
      continue;
    out.push_back(path_ + "." + std::string(name.substr(base.size())));
  }
  ::closedir(d);
  return out;
}

// The PATH.N holding (device, inode); empty when none does.
std::string FileTail::find_generation(std::uint64_t device, std::uint64_t inode) const {
  for (const auto& p : numbered_generations()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) continue;
    if (static_cast<std::uint64_t>(st.st_ino) == inode &&
        static_cast<std::uint64_t>(st.st_dev) == device) {
      return p;
    }
  }
  return {};
}

std::string FileTail::find_by_head(std::uint64_t hash, std::uint64_t length) const {
  if (hash == 0) return {};
  for (const auto& p : numbered_generations()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (hash_of_head(content_head(p)) != hash) continue;
    if (content_length(p, st, length) >= length) return p;
  }
  return {};
}

std::string FileTail::find_copy(std::uint64_t length, std::uint64_t* copy_length) const {
  if (head_.empty()) return {};
  for (const auto& p : numbered_generations()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (static_cast<std::uint64_t>(st.st_ino) == cp_.inode &&
        static_cast<std::uint64_t>(st.st_dev) == cp_.device) {
      continue;
    }
    const std::string head = content_head(p);
    if (head.compare(0, head_.size(), head_) != 0) continue;
    // A copy this tail read already: an earlier copytruncate of a file that began alike (the
    // same inode with the same head; a copy rewritten in place is a new one).
    bool read_before = false;
    for (const Seen& e : seen_) {
      read_before = read_before ||
                    (e.device == static_cast<std::uint64_t>(st.st_dev) &&
                     e.inode == static_cast<std::uint64_t>(st.st_ino) && e.head_len > 0 &&
                     head.size() >= e.head_len && core::fnv1a64(head.data(), e.head_len) == e.head);
    }
    if (read_before) continue;
    std::uint64_t len = content_length(p, st, UINT64_MAX);
    if (len < length) continue;
    *copy_length = len;
    return p;
  }
  return {};
}

// A file this tail has opened: its identity, and a hash of its first bytes as far as they
// were there, because a deleted file's inode number is soon handed to a new file (logrotate
// deleting the oldest generation, then the writer creating the next one).
FileTail::Seen FileTail::identify(const struct stat& st, const std::string& head) {
  Seen s{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino), 0, 0};
  if (!head.empty()) {
    s.head_len = static_cast<std::uint32_t>(head.size());
    s.head = core::fnv1a64(head.data(), head.size());
  }
  return s;
}

// Read before: the same inode with the same first bytes, or — a compressed or copied
// generation is a new inode — another file with the content of one read (its full head, or
// exactly the short file it was).
bool FileTail::seen(const std::string& path, const struct stat& st) const {
  const std::string head = content_head(path);
  for (const Seen& e : seen_) {
    const bool same_inode = e.device == static_cast<std::uint64_t>(st.st_dev) &&
                            e.inode == static_cast<std::uint64_t>(st.st_ino);
    if (same_inode && e.head_len == 0) return true;  // nothing to compare: the same, to be safe
    // Shorter than the head remembered: another file (an inode number reused).
    if (e.head_len == 0 || head.size() < e.head_len) continue;
    const bool same_head = core::fnv1a64(head.data(), e.head_len) == e.head;
    if (same_inode && same_head) return true;
    if (!same_inode && same_head && (e.head_len == kHeadBytes || head.size() == e.head_len)) {
      return true;
    }
  }
  return false;
}

void FileTail::remember(int fd) {
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0) return;
  if (fd == fd_ && gz_ != nullptr) {
    remember(st, content_head(gz_path_));
    return;
  }
  remember(st, fd_head(fd));
}

void FileTail::remember(const struct stat& st, const std::string& head) {
  Seen s = identify(st, head);
  for (Seen& e : seen_) {
    if (e.device == s.device && e.inode == s.inode) {
      if (s.head_len >= e.head_len) e = s;  // more of its head known now
      return;
    }
  }
  seen_.push_back(s);
  if (seen_.size() > 256) seen_.pop_front();  // older ones fail the mtime test anyway
}

void FileTail::remember_generations() {
  for (const auto& p : numbered_generations()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0) remember(st, content_head(p));
  }
}

// The file that follows the one just left (`left`: its fstat) when PATH no longer names it.
// Normally PATH itself; but when PATH was renamed more than once since the last look (a tail
// held back by a full queue, a slow poll, several rotations while bannin was down), the
// generations in between come first. They are the numbered files (PATH.N, whatever the
// numbering scheme: logrotate shifts, others count up) this tail has not opened, last
// written no earlier than the file it left (older generations were last written before it;
// equal times are taken, file clocks are coarse), oldest first. A
// file this tail already read is never read again; one it has not opened but that is older
// (an old PATH.1 from before, a `dateext` scheme) is not read either.
std::string FileTail::next_generation(const struct stat& left, const std::string& left_path,
                                      const struct stat& current) const {
  auto later = [](const struct timespec& a, const struct timespec& b) {
    return a.tv_sec != b.tv_sec ? a.tv_sec > b.tv_sec : a.tv_nsec > b.tv_nsec;
  };
  // A compressed file's age is its content's (gzip header), in whole seconds. Within one
  // second, logrotate's scheme (the one that compresses) decides: the higher number is older.
  const Age left_age = left_path.empty() ? Age{left.st_mtim, false} : age_of(left_path, left);
  const long left_number = left_path.empty() ? -1 : generation_number(left_path);
  // Oldest first: last write of the content, then the rename (ctime), then the inode number
  // (file clocks are coarse; inodes are mostly handed out in creation order).
  struct Candidate {
    std::string path;
    struct stat st {};
    Age age;
  };
  auto older = [&](const Candidate& a, const Candidate& b) {
    if (int c = compare_age(a.age, b.age); c != 0) return c < 0;
    if (a.age.coarse || b.age.coarse) {
      const long na = generation_number(a.path), nb = generation_number(b.path);
      if (na != nb) return na > nb;
    }
    if (later(b.st.st_ctim, a.st.st_ctim)) return true;
    if (later(a.st.st_ctim, b.st.st_ctim)) return false;
    return a.st.st_ino < b.st.st_ino;
  };
  std::optional<Candidate> best;
  for (auto& p : numbered_generations()) {
    Candidate c;
    if (::stat(p.c_str(), &c.st) != 0 || !S_ISREG(c.st.st_mode)) continue;
    const struct stat& g = c.st;
    if (g.st_ino == current.st_ino && g.st_dev == current.st_dev) continue;
    if (g.st_ino == left.st_ino && g.st_dev == left.st_dev) continue;
    c.age = age_of(p, g);
    const int vs_left = compare_age(c.age, left_age);
    if (vs_left < 0) continue;  // older than the file left
    if (vs_left == 0 && (c.age.coarse || left_age.coarse) && left_number >= 0 &&
        generation_number(p) > left_number) {
      continue;
    }
    c.path = p;
    if (seen(p, g)) continue;
    if (!best || older(c, *best)) best = std::move(c);
  }
  return best ? best->path : path_;
}

// A compressed generation is read to its end at once (it never grows), then the tail moves
// on to the generation after it, or to PATH.
std::size_t FileTail::advance_from_compressed(const Sink& sink) {
  std::size_t lines = 0;
  while (gz_ != nullptr) {
    lines += drain(sink, true);
    if (budget_hit_) return lines;
    struct stat left {};
    fstat(fd_, &left);
    struct stat cur {};
    if (::stat(path_.c_str(), &cur) != 0) cur = {};
    const std::string next = next_generation(left, gz_path_, cur);
    close_fd();
    if (!open_current(true, &next)) return lines;
  }
  return lines;
}

std::size_t FileTail::drain(const Sink& sink, bool final_read) {
  return drain_fd(fd_, pending_, cp_.offset, sink, final_read);
}

std::size_t FileTail::drain_fd(int fd, std::string& pending, std::uint64_t& offset,
                               const Sink& sink, bool final_read) {
  std::size_t lines = 0;
  std::size_t start = 0;
  // Lines already read but not delivered (an earlier poll ran out of budget) go first.
  auto deliver = [&]() -> bool {
    while (true) {
      if (budget_ == 0) {
        budget_hit_ = true;
        return false;
      }
      // NOLINTNEXTLINE(bugprone-not-null-terminated-result): a byte search, not a C string
      const void* nl = std::memchr(pending.data() + start, '\n', pending.size() - start);
      if (nl == nullptr) return true;
      auto end = static_cast<std::size_t>(static_cast<const char*>(nl) - pending.data());
      model::Record rec;
      rec.bytes = std::string_view(pending.data() + start, end - start);
      rec.origin = path_;
      rec.offset = offset;
      rec.line_no = ++line_no_;
      offset += end - start + 1;
      sink(rec);
      ++lines;
      --budget_;
      start = end + 1;
    }
  };
  char buf[65536];
  while (true) {
    bool more = deliver();
    pending.erase(0, start);
    start = 0;
    if (!more) return lines;
    const bool gz = fd >= 0 && fd == fd_ && gz_ != nullptr;
    ssize_t n = gz ? gzread(gz_, buf, sizeof buf) : fd >= 0 ? ::read(fd, buf, sizeof buf) : 0;
    int code = Z_OK;
    const char* why = gz && n <= 0 ? gzerror(gz_, &code) : nullptr;
    if (code != Z_OK && code != Z_STREAM_END) {  // corrupt, or cut short
      ++errors_;
      last_error_ = gz_path_ + ": " + (why != nullptr && *why != '\0' ? why : "unexpected end");
      // The rest of this generation cannot be read: what follows is not a line of it.
      pending.clear();
      final_read = false;
      break;
    }
    if (n <= 0) break;
    pending.append(buf, static_cast<std::size_t>(n));
  }
  if (final_read && !pending.empty()) {
    // The file will not grow any more (rotated away): its last line has no newline.
    model::Record rec;
    rec.bytes = pending;
    rec.origin = path_;
    rec.offset = offset;
    rec.line_no = ++line_no_;
    offset += pending.size();
    sink(rec);
    ++lines;
    if (budget_ > 0) --budget_;
    pending.clear();
  }
  return lines;
}

// Reads what a late writer added to the renamed-away file; closes it when its grace is over.
std::size_t FileTail::drain_old(const Sink& sink, bool final_read) {
  if (old_fd_ < 0) return 0;
  bool last = final_read || std::chrono::steady_clock::now() >= old_until_;
  std::size_t n = drain_fd(old_fd_, old_pending_, old_offset_, sink, last);
  if (last && !budget_hit_) {
    ::close(old_fd_);
    old_fd_ = -1;
  }
  return n;
}

std::size_t FileTail::poll(const Sink& sink, std::size_t max_lines) {
  budget_ = max_lines;
  budget_hit_ = false;
  std::size_t lines = drain_old(sink, false);
  if (budget_hit_) return lines;
  if (fd_ < 0) {
    if (resume_) {
      // Rotated while we were down: the checkpoint's file is now PATH.N (found by inode), or,
      // when it was compressed (PATH.N.gz) or copied and truncated, the generation with its
      // head that holds at least its offset. Its rest is read first, then the generations
      // after it (see next_generation()), then PATH.
      const Checkpoint r = *resume_;
      std::string rotated = find_generation(r.device, r.inode);
      if (rotated.empty()) {
        struct stat ps {};
        const bool same = ::stat(path_.c_str(), &ps) == 0 &&
                          static_cast<std::uint64_t>(ps.st_ino) == r.inode &&
                          static_cast<std::uint64_t>(ps.st_dev) == r.device;
        bool intact = false;
        if (same) {
          int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
          intact = fd >= 0 && static_cast<std::uint64_t>(ps.st_size) >= r.offset &&
                   (r.head_hash == 0 || head_hash(fd) == r.head_hash);
          if (fd >= 0) ::close(fd);
        }
        if (!intact && r.offset > 0) rotated = find_by_head(r.head_hash, r.offset);
      }
      if (!rotated.empty() && open_at(rotated, r.offset)) {
        resume_.reset();
        ++rotations_;
        if (gz_ == nullptr) {  // a compressed one is read below
          lines += drain(sink, true);
          if (budget_hit_) return lines;  // the rest of it on the next poll
          struct stat left {};
          fstat(fd_, &left);
          close_fd();
          struct stat cur {};
          if (::stat(path_.c_str(), &cur) != 0) cur = {};
          const std::string next = next_generation(left, rotated, cur);
          if (!open_current(true, &next)) return lines;
        }
      } else {
        remember_generations();  // rotated files from before are not this tail's to read
        if (!open_current(false)) return lines;
        resume_.reset();
      }
    } else {
      remember_generations();
      if (!open_current(true)) return lines;
    }
  }
  lines += advance_from_compressed(sink);
  if (budget_hit_ || fd_ < 0) return lines;
  // Truncated in place (copytruncate)? Either shorter than what was read, or refilled with
  // other content before this poll (the first bytes changed).
  struct stat st {};
  const std::uint64_t pos = cp_.offset + pending_.size();  // bytes read from this file
  bool shrunk = fstat(fd_, &st) == 0 && static_cast<std::uint64_t>(st.st_size) < pos;
  bool replaced = !shrunk && !head_.empty() && fd_head(fd_, head_.size()) != head_;
  if (!shrunk && !replaced) {
    size_seen_ = std::max(size_seen_, static_cast<std::uint64_t>(st.st_size));
    if (head_.size() < kHeadBytes) head_ = fd_head(fd_);
  }
  // Lines read already but not delivered (the last poll ran out of budget) go first: they
  // were in the file before any truncation.
  lines += drain_fd(-1, pending_, cp_.offset, sink, false);
  if (budget_hit_) return lines;
  if (shrunk || replaced) {
    ++truncations_;
    // logrotate copied the file before truncating it: what was not read yet is in the copy.
    const std::uint64_t known = std::max(size_seen_, pos);
    std::uint64_t copy_length = 0;
    const std::string copy = find_copy(pos, &copy_length);
    if (!copy.empty() && open_at_copy(copy, pos)) {
      unaccounted_ += known > copy_length ? known - copy_length : 0;
      lines += advance_from_compressed(sink);  // a copy compressed already
      if (budget_hit_ || fd_ < 0) return lines;
    } else {
      unaccounted_ += known - pos;
      // The start of a line whose rest was cut away: delivered as it is.
      lines += drain_fd(-1, pending_, cp_.offset, sink, true);
      cp_.offset = 0;
      cp_.head_hash = head_hash(fd_);
      head_ = fd_head(fd_);
      size_seen_ = 0;
      ::lseek(fd_, 0, SEEK_SET);
    }
  }
  lines += drain(sink, false);
  if (cp_.head_hash == 0 && gz_ == nullptr) cp_.head_hash = head_hash(fd_);  // once long enough
  if (budget_hit_) return lines;  // more to read: rotation is looked at once caught up
  // Rotated by rename? The path now names another inode (or nothing yet).
  struct stat now {};
  if (::stat(path_.c_str(), &now) != 0 || static_cast<std::uint64_t>(now.st_ino) != cp_.inode ||
      static_cast<std::uint64_t>(now.st_dev) != cp_.device) {
    if (::stat(path_.c_str(), &now) == 0) {
      // Switch to the new file; the old one (read to its end now) stays open for a grace
      // period in case its writer has not reopened yet. A previous old file is finished first.
      lines += drain(sink, false);
      if (budget_hit_) return lines;
      lines += drain_old(sink, true);
      if (budget_hit_) return lines;
      remember(fd_);                  // its head as it is now (it may have been empty when opened)
      if (!from_copy_) ++rotations_;  // a copytruncate copy: counted as a truncation
      from_copy_ = false;
      old_fd_ = fd_;
      old_pending_ = std::move(pending_);
      old_offset_ = cp_.offset;
      old_until_ = std::chrono::steady_clock::now() + kOldFileGrace;
      fd_ = -1;
      pending_.clear();
      struct stat left {};
      fstat(old_fd_, &left);
      const std::string next = next_generation(left, std::string(), now);
      if (open_current(true, &next)) {
        lines += advance_from_compressed(sink);
        if (!budget_hit_ && fd_ >= 0) lines += drain(sink, false);
      }
    }
  }
  return lines;
}

// Continues in the copytruncate copy at `pos`, keeping the bytes already read past the last
// delivered line (the copy holds them at the same offsets).
bool FileTail::open_at_copy(const std::string& copy, std::uint64_t pos) {
  const std::uint64_t line_start = cp_.offset;
  std::string pending = std::move(pending_);
  if (!open_at(copy, pos)) {
    pending_ = std::move(pending);
    return false;
  }
  pending_ = std::move(pending);
  cp_.offset = line_start;
  from_copy_ = gz_ == nullptr;
  return true;
}

}  // namespace bannin::source
