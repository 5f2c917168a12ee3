#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bannin/act/quarantine/quarantine.h>

namespace bannin::act::quarantine {

namespace {

// Closes a descriptor at scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool ok() const noexcept { return fd_ >= 0; }

 private:
  int fd_;
};

core::Error sys_error(const std::string& what, int err) {
  std::string code = err == ENOENT ? "not_found" : err == ELOOP ? "not_regular" : "io";
  std::string msg = what + ": " + std::strerror(err);
  if (err == ELOOP) msg = what + ": a symbolic link (bannin never follows one)";
  if (err == EACCES || err == EPERM) msg += " (quarantine needs root)";
  return core::make_error(std::move(code), std::move(msg));
}

// Opens a regular file without following a link, or says why not.
core::Result<int> open_regular(const std::string& path, struct stat& st) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return sys_error(path, errno);
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return sys_error(path, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return core::make_error("not_regular", path + ": not a regular file");
  }
  return fd;
}

core::TimeNs mtime_of(const struct stat& st) {
  return static_cast<core::TimeNs>(st.st_mtim.tv_sec) * core::kNsPerSec + st.st_mtim.tv_nsec;
}

// Copies the file at `src` (from its start) to a new file `dest` (which must not exist),
// synced to disk: the cross-filesystem half of a move.
core::Result<bool> copy_to(int src, const std::string& dest) {
  if (::lseek(src, 0, SEEK_SET) < 0) return sys_error("seek", errno);
  Fd out(::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out.ok()) return sys_error(dest, errno);
  std::array<char, 1 << 16> buf{};
  for (;;) {
    ssize_t n = ::read(src, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::unlink(dest.c_str());
      return sys_error("read", err);
    }
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out.get(), buf.data() + done, static_cast<std::size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        int err = errno;
        ::unlink(dest.c_str());
        return sys_error(dest, err);
      }
      done += w;
    }
  }
  if (::fsync(out.get()) != 0) {
    int err = errno;
    ::unlink(dest.c_str());
    return sys_error(dest, err);
  }
  return true;
}

// Moves `from` to `to` (which must not exist): rename, or copy and unlink across
// filesystems. `fd` is open on `from` and `ino` is its inode: what is unlinked must still be
// the same file.
core::Result<bool> move_file(int fd, std::uint64_t ino, const std::string& from,
                             const std::string& to) {
  struct stat dst {};
  if (::lstat(to.c_str(), &dst) == 0) {
    return core::make_error("occupied", to + ": something is there already; move it away first");
  }
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
    struct stat moved {};
    if (::lstat(to.c_str(), &moved) != 0 || moved.st_ino != ino) {
      // Swapped between open and rename: put it back, touch nothing.
      (void)::renameat2(AT_FDCWD, to.c_str(), AT_FDCWD, from.c_str(), RENAME_NOREPLACE);
      return core::make_error("changed", from + ": replaced while being moved; left as it is");
    }
    return true;
  }
  if (errno == EEXIST) {
    return core::make_error("occupied", to + ": something is there already; move it away first");
  }
  if (errno != EXDEV) return sys_error(from + " -> " + to, errno);
  if (auto c = copy_to(fd, to); !c) return c.error();
  struct stat now {};
  if (::lstat(from.c_str(), &now) != 0 || now.st_ino != ino) {
    ::unlink(to.c_str());
    return core::make_error("changed", from + ": replaced while being copied; left as it is");
  }
  if (::unlink(from.c_str()) != 0) {
    int err = errno;
    ::unlink(to.c_str());
    return sys_error(from, err);
  }
  return true;
}

core::Result<bool> ensure_dir(const std::string& dir) {
  if (dir.empty() || dir.front() != '/') {
    return core::make_error("bad_entry", "the quarantine directory must be an absolute path");
  }
  // Each component, 0700 for what is made; an existing link is refused.
  std::string cur;
  std::size_t pos = 1;
  while (pos <= dir.size()) {
    std::size_t next = dir.find('/', pos);
    if (next == std::string::npos) next = dir.size();
    cur = dir.substr(0, next);
    pos = next + 1;
    if (cur.size() <= 1) continue;
    struct stat st {};
    if (::lstat(cur.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        return core::make_error("io", cur + ": not a directory (quarantine directory)");
      }
      continue;
    }
    if (::mkdir(cur.c_str(), 0700) != 0 && errno != EEXIST) return sys_error(cur, errno);
  }
  return true;
}

// Mode, owner, group and mtime of `e`, on the open file (chown first: it clears set-id bits).
core::Result<bool> put_back_attributes(int fd, const Entry& e, const std::string& where) {
  if (::fchown(fd, static_cast<uid_t>(e.uid), static_cast<gid_t>(e.gid)) != 0)
    return sys_error(where + ": chown", errno);
  if (::fchmod(fd, static_cast<mode_t>(e.old_mode)) != 0)
    return sys_error(where + ": chmod", errno);
  std::array<timespec, 2> times{};
  times[0].tv_nsec = UTIME_OMIT;
  times[1].tv_sec = static_cast<time_t>(e.mtime / core::kNsPerSec);
  times[1].tv_nsec = static_cast<long>(e.mtime % core::kNsPerSec);
  if (::futimens(fd, times.data()) != 0) return sys_error(where + ": mtime", errno);
  return true;
}

// Opens the quarantined bytes of `e` and checks they are still the ones recorded.
core::Result<int> open_checked(const Entry& e, struct stat& st) {
  if (e.state != "quarantined") {
    return core::make_error("bad_entry", "quarantine " + std::to_string(e.id) + " is " + e.state);
  }
  auto fd = open_regular(e.stored_path, st);
  if (!fd) return fd.error();
  auto h = sha256_of_fd(*fd);
  if (!h || *h != e.sha256) {
    ::close(*fd);
    if (!h) return h.error();
    return core::make_error("changed", e.stored_path + ": its bytes changed since quarantine " +
                                           std::to_string(e.id) + " (SHA-256 " + h->substr(0, 12) +
                                           "…, recorded " + e.sha256.substr(0, 12) +
                                           "…); left as it is");
  }
  return fd;
}

}  // namespace

std::string_view method_name(Method m) noexcept {
  return m == Method::Move ? "move" : "chmod";
}

bool parse_method(std::string_view text, Method& out) noexcept {
  if (text == "chmod") {
    out = Method::Chmod;
    return true;
  }
  if (text == "move") {
    out = Method::Move;
    return true;
  }
  return false;
}

core::Result<std::string> sha256_of_fd(int fd) {
  if (::lseek(fd, 0, SEEK_SET) < 0) return sys_error("seek", errno);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    return core::make_error("io", "SHA-256: OpenSSL refused");
  std::array<char, 1 << 16> buf{};
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("read", errno);
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(n));
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md.data(), &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

std::string sha256_of_path(const std::string& path) {
  struct stat st {};
  auto fdr = open_regular(path, st);
  if (!fdr) return {};
  Fd fd(*fdr);
  auto h = sha256_of_fd(fd.get());
  return h ? *h : std::string();
}

core::Result<Entry> quarantine_file(const std::string& path, Method method, const std::string& dir,
                                    core::TimeNs ts) {
  if (path.empty() || path.front() != '/') {
    return core::make_error("bad_entry", "\"" + path + "\": give an absolute path");
  }
  struct stat st {};
  auto fdr = open_regular(path, st);
  if (!fdr) return fdr.error();
  Fd fd(*fdr);
  auto h = sha256_of_fd(fd.get());
  if (!h) return h.error();
  Entry e;
  e.path = path;
  e.stored_path = path;
  e.method = method;
  e.old_mode = st.st_mode & 07777;
  e.uid = st.st_uid;
  e.gid = st.st_gid;
  e.size = st.st_size;
  e.mtime = mtime_of(st);
  e.sha256 = std::move(*h);
  e.ts = ts;
  if (method == Method::Chmod) {
    if (::fchmod(fd.get(), 0) != 0) return sys_error(path + ": chmod 000", errno);
    return e;
  }
  if (auto d = ensure_dir(dir); !d) return d.error();
  e.stored_path = dir + "/" + e.sha256 + "-" + std::to_string(ts);
  if (::fchmod(fd.get(), 0) != 0) return sys_error(path + ": chmod 000", errno);
  if (auto m = move_file(fd.get(), st.st_ino, path, e.stored_path); !m) {
    (void)::fchmod(fd.get(), static_cast<mode_t>(e.old_mode));  // left where it was, as it was
    return m.error();
  }
  // A copy across filesystems is a new inode: mode 000 on it too.
  struct stat moved {};
  if (::lstat(e.stored_path.c_str(), &moved) == 0 && moved.st_ino != st.st_ino) {
    (void)::chmod(e.stored_path.c_str(), 0);
  }
  return e;
}

core::Result<bool> restore_file(const Entry& e) {
  struct stat st {};
  auto fdr = open_checked(e, st);
  if (!fdr) return fdr.error();
  Fd fd(*fdr);
  if (e.method == Method::Chmod) return put_back_attributes(fd.get(), e, e.path);
  if (auto m = move_file(fd.get(), st.st_ino, e.stored_path, e.path); !m) return m.error();
  // Renamed: fd is still the file. Copied: open the copy at its path.
  struct stat now {};
  if (::lstat(e.path.c_str(), &now) == 0 && now.st_ino == st.st_ino) {
    return put_back_attributes(fd.get(), e, e.path);
  }
  struct stat cst {};
  auto cfd = open_regular(e.path, cst);
  if (!cfd) return cfd.error();
  Fd copy(*cfd);
  return put_back_attributes(copy.get(), e, e.path);
}

core::Result<bool> purge_file(const Entry& e) {
  struct stat st {};
  auto fdr = open_checked(e, st);
  if (!fdr) return fdr.error();
  Fd fd(*fdr);
  struct stat now {};
  if (::lstat(e.stored_path.c_str(), &now) != 0 || now.st_ino != st.st_ino) {
    return core::make_error("changed", e.stored_path + ": replaced meanwhile; left as it is");
  }
  if (::unlink(e.stored_path.c_str()) != 0) return sys_error(e.stored_path, errno);
  return true;
}

}  // namespace bannin::act::quarantine
