#include <array>
#include <filesystem>

#include <fcntl.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bannin/probe/file/file_scanner.h>
#include <bannin/probe/file/yara_rules.h>

namespace bannin::probe::file {

namespace {

namespace fs = std::filesystem;

core::TimeNs mtime_of(const struct stat& st) {
  return static_cast<core::TimeNs>(st.st_mtim.tv_sec) * core::kNsPerSec + st.st_mtim.tv_nsec;
}

std::string user_name(uid_t uid) {
  std::array<char, 1024> buf{};
  passwd pw{};
  passwd* out = nullptr;
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &out) == 0 && out != nullptr)
    return out->pw_name;
  return "uid " + std::to_string(uid);
}

bool under(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
         (dir == "/" || path[dir.size()] == '/');
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md.data(), &len, EVP_sha256(), nullptr) != 1)
    return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(static_cast<std::size_t>(len) * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

FileScanner::FileScanner(ScannerOptions options, std::shared_ptr<const YaraRules> yara)
    : options_(std::move(options)), yara_(std::move(yara)) {
  for (Root& r : options_.roots) {
    while (r.path.size() > 1 && r.path.back() == '/') r.path.pop_back();
  }
}

const Root* FileScanner::root_of(const std::string& path) const {
  const Root* best = nullptr;
  for (const Root& r : options_.roots) {
    if ((path == r.path || under(path, r.path)) &&
        (best == nullptr || r.path.size() > best->path.size()))
      best = &r;
  }
  return best;
}

bool FileScanner::excluded(const std::string& path) const {
  for (const std::string& x : options_.exclude) {
    if (path == x || under(path, x)) return true;
  }
  return false;
}

std::vector<FileHit> FileScanner::walk() {
  ++generation_;
  ++stats_.walks;
  std::vector<FileHit> hits;
  for (const Root& root : options_.roots) {
    std::error_code ec;
    fs::recursive_directory_iterator it(root.path, fs::directory_options::skip_permission_denied,
                                        ec);
    if (ec) {
      ++stats_.read_errors;
      continue;
    }
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) {
        ++stats_.read_errors;
        ec.clear();
        break;
      }
      if (options_.cancel != nullptr && options_.cancel->load(std::memory_order_relaxed)) {
        return hits;  // stopping: the memory of this walk is incomplete, keep the old one
      }
      const std::string p = it->path().string();
      if (excluded(p)) {
        if (it->is_directory(ec)) it.disable_recursion_pending();
        continue;
      }
      // symlink_status: a link is never followed (neither to a file nor into a directory;
      // the iterator does not descend into linked directories by default).
      auto st = it->symlink_status(ec);
      if (ec || !fs::is_regular_file(st)) continue;
      // The longest root wins when roots nest (a site inside another's document root).
      const Root* owner = root_of(p);
      if (auto h = examine(p, owner != nullptr ? *owner : root)) hits.push_back(std::move(*h));
    }
  }
  // Forget what no walk met this time (deleted or moved away).
  for (auto it = seen_.begin(); it != seen_.end();) {
    if (it->second.generation != generation_) {
      it = seen_.erase(it);
    } else {
      ++it;
    }
  }
  first_walk_done_ = true;
  stats_.tracked = seen_.size();
  return hits;
}

std::optional<FileHit> FileScanner::examine_path(const std::string& path) {
  const Root* root = root_of(path);
  if (root == nullptr || excluded(path)) return std::nullopt;
  auto h = examine(path, *root);
  stats_.tracked = seen_.size();
  return h;
}

std::optional<FileHit> FileScanner::examine(const std::string& path, const Root& root) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  ++stats_.files_seen;
  auto it = seen_.find(path);
  std::string change;
  if (it != seen_.end()) {
    Seen& s = it->second;
    s.generation = generation_;
    if (s.dev == st.st_dev && s.ino == st.st_ino && s.size == st.st_size &&
        s.mtime == mtime_of(st)) {
      return std::nullopt;  // examined before, unchanged
    }
    change = "changed";
  } else {
    if (seen_.size() >= options_.max_files) {
      ++stats_.untracked;
      return std::nullopt;
    }
    it = seen_.emplace(path, Seen{}).first;
    it->second.generation = generation_;
    change = first_walk_done_ ? "new" : "present";
  }
  // Remembered before reading, so a file that cannot be read is not retried on every walk
  // until it changes.
  Seen& s = it->second;
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  s.size = st.st_size;
  s.mtime = mtime_of(st);
  ++stats_.files_examined;

  const bool upload = in_upload_dir(path, options_.upload_dirs);
  buffer_.clear();
  bool read_ok = false;
  const bool too_large = static_cast<std::uint64_t>(st.st_size) > options_.max_file_bytes;
  if (too_large) {
    ++stats_.too_large;
  } else {
    // O_NOFOLLOW and a check of the inode after open: the path may have been swapped for a
    // link since lstat. O_NONBLOCK: a FIFO put there meanwhile must not block the scan.
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOATIME);
    if (fd < 0 && errno == EPERM)
      fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    struct stat fst {};
    if (fd >= 0 && ::fstat(fd, &fst) == 0 && S_ISREG(fst.st_mode) && fst.st_ino == st.st_ino) {
      buffer_.resize(static_cast<std::size_t>(fst.st_size));
      std::size_t got = 0;
      while (got < buffer_.size()) {
        ssize_t n = ::read(fd, buffer_.data() + got, buffer_.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
      }
      buffer_.resize(got);
      read_ok = true;
    }
    if (fd >= 0) ::close(fd);
    if (!read_ok) ++stats_.read_errors;
  }
  stats_.bytes_examined += buffer_.size();

  ContentSigns signs = read_ok ? content_signs(buffer_) : ContentSigns{};
  std::vector<std::string> reasons = sign_reasons(path, signs, upload, options_.thresholds);
  if (read_ok && yara_) {
    std::string err;
    for (std::string& r : yara_->match(buffer_, options_.yara_timeout_s, &err))
      reasons.push_back("yara:" + r);
    if (!err.empty()) ++stats_.yara_errors;
  }
  if (reasons.empty()) return std::nullopt;
  ++stats_.hits;
  FileHit h;
  h.path = path;
  h.account = root.account.empty() ? user_name(st.st_uid) : root.account;
  h.vhost = root.vhost;
  h.uid = st.st_uid;
  h.size = st.st_size;
  h.mtime = mtime_of(st);
  h.mode = st.st_mode & 07777;
  h.change = std::move(change);
  h.reasons = std::move(reasons);
  if (read_ok) h.sha256 = sha256_hex(buffer_);
  return h;
}

}  // namespace bannin::probe::file
