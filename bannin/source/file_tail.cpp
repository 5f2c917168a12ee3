#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bannin/core/hash.h>
#include <bannin/source/file_tail.h>

namespace bannin::source {

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
    : path_(std::move(path)), resume_(start) {}

FileTail::~FileTail() {
  close_fd();
  if (old_fd_ >= 0) ::close(old_fd_);
}

void FileTail::close_fd() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

// Opens path_. With a checkpoint to resume from, continues at its offset when the file is
// the same one (inode and head); otherwise starts at 0 (a new file) — or, when the checkpoint's
// inode is now PATH.1 (rotated while we were down), reads the rest of that one first.
bool FileTail::open_current(bool at_start, const std::string* generation) {
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
    if (num.size() > 9 || num.find_first_not_of("0123456789") != std::string_view::npos) continue;
    out.push_back(path_ + "." + std::string(num));
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

// A file this tail has opened: its identity, and a hash of its first bytes as far as they
// were there, because a deleted file's inode number is soon handed to a new file (logrotate
// deleting the oldest generation, then the writer creating the next one).
FileTail::Seen FileTail::identify(int fd, const struct stat& st) {
  Seen s{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino), 0, 0};
  char buf[kHeadBytes];
  ssize_t n = fd >= 0 ? pread(fd, buf, sizeof buf, 0) : -1;
  if (n > 0) {
    s.head_len = static_cast<std::uint32_t>(n);
    s.head = core::fnv1a64(buf, static_cast<std::size_t>(n));
  }
  return s;
}

bool FileTail::seen(const std::string& path, const struct stat& st) const {
  for (const Seen& e : seen_) {
    if (e.device != static_cast<std::uint64_t>(st.st_dev) ||
        e.inode != static_cast<std::uint64_t>(st.st_ino)) {
      continue;
    }
    if (e.head_len == 0) return true;  // nothing to compare: the same file, to be safe
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return true;
    char buf[kHeadBytes];
    ssize_t n = pread(fd, buf, e.head_len, 0);
    ::close(fd);
    return n == static_cast<ssize_t>(e.head_len) && core::fnv1a64(buf, e.head_len) == e.head;
  }
  return false;
}

void FileTail::remember(int fd) {
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0) return;
  Seen s = identify(fd, st);
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
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    remember(fd);
    if (fd >= 0) ::close(fd);
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
std::string FileTail::next_generation(const struct stat& left, const struct stat& current) const {
  auto later = [](const struct timespec& a, const struct timespec& b) {
    return a.tv_sec != b.tv_sec ? a.tv_sec > b.tv_sec : a.tv_nsec > b.tv_nsec;
  };
  // Oldest first: last write, then the rename (ctime), then the inode number (file clocks
  // are coarse; inodes are mostly handed out in creation order).
  auto older = [&](const struct stat& a, const struct stat& b) {
    if (later(b.st_mtim, a.st_mtim)) return true;
    if (later(a.st_mtim, b.st_mtim)) return false;
    if (later(b.st_ctim, a.st_ctim)) return true;
    if (later(a.st_ctim, b.st_ctim)) return false;
    return a.st_ino < b.st_ino;
  };
  std::string best;
  struct stat best_st {};
  for (auto& p : numbered_generations()) {
    struct stat g {};
    if (::stat(p.c_str(), &g) != 0 || !S_ISREG(g.st_mode)) continue;
    if (g.st_ino == current.st_ino && g.st_dev == current.st_dev) continue;
    if (g.st_ino == left.st_ino && g.st_dev == left.st_dev) continue;
    if (seen(p, g)) continue;
    if (later(left.st_mtim, g.st_mtim)) continue;  // older than the file left
    if (best.empty() || older(g, best_st)) {
      best = std::move(p);
      best_st = g;
    }
  }
  return best.empty() ? path_ : best;
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
    ssize_t n = ::read(fd, buf, sizeof buf);
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
    // First open, or the file was missing: a resumed checkpoint whose inode now lives at
    // PATH.1 (rotated while down) is read to its end first.
    if (resume_) {
      // Rotated while we were down: the checkpoint's file is now PATH.N. Its rest is read
      // first, then the generations after it (see next_generation()), then PATH.
      const std::string rotated = find_generation(resume_->device, resume_->inode);
      int fd = rotated.empty() ? -1 : ::open(rotated.c_str(), O_RDONLY | O_CLOEXEC);
      struct stat st {};
      if (fd >= 0 && fstat(fd, &st) == 0 &&
          static_cast<std::uint64_t>(st.st_ino) == resume_->inode &&
          static_cast<std::uint64_t>(st.st_dev) == resume_->device &&
          static_cast<std::uint64_t>(st.st_size) >= resume_->offset) {
        fd_ = fd;
        cp_ = *resume_;
        resume_.reset();
        ::lseek(fd_, static_cast<off_t>(cp_.offset), SEEK_SET);
        remember(fd_);
        lines += drain(sink, true);
        if (budget_hit_) return lines;  // the rest of it on the next poll
        struct stat left {};
        fstat(fd_, &left);
        close_fd();
        ++rotations_;
        struct stat cur {};
        if (::stat(path_.c_str(), &cur) != 0) cur = {};
        const std::string next = next_generation(left, cur);
        if (!open_current(true, &next)) return lines;
      } else {
        if (fd >= 0) ::close(fd);
        remember_generations();  // rotated files from before are not this tail's to read
        if (!open_current(false)) return lines;
        resume_.reset();
      }
    } else {
      remember_generations();
      if (!open_current(true)) return lines;
    }
  }
  // Truncated in place (copytruncate)? Either shorter than what was read, or refilled with
  // other content before this poll (the first bytes changed).
  struct stat st {};
  bool shrunk =
      fstat(fd_, &st) == 0 && static_cast<std::uint64_t>(st.st_size) < cp_.offset + pending_.size();
  bool replaced = !shrunk && cp_.head_hash != 0 && head_hash(fd_) != cp_.head_hash;
  if (shrunk || replaced) {
    ++truncations_;
    pending_.clear();
    cp_.offset = 0;
    cp_.head_hash = head_hash(fd_);
    ::lseek(fd_, 0, SEEK_SET);
  }
  lines += drain(sink, false);
  if (cp_.head_hash == 0) cp_.head_hash = head_hash(fd_);  // once the file is long enough
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
      remember(fd_);  // its head as it is now (it may have been empty when opened)
      old_fd_ = fd_;
      old_pending_ = std::move(pending_);
      old_offset_ = cp_.offset;
      old_until_ = std::chrono::steady_clock::now() + kOldFileGrace;
      fd_ = -1;
      pending_.clear();
      ++rotations_;
      struct stat left {};
      fstat(old_fd_, &left);
      const std::string next = next_generation(left, now);
      if (open_current(true, &next)) lines += drain(sink, false);
    }
  }
  return lines;
}

}  // namespace bannin::source
