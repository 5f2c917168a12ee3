#include <cerrno>
#include <cstring>
#include <filesystem>

#include <sys/inotify.h>
#include <unistd.h>

#include <bannin/probe/file/dir_watch.h>

namespace bannin::probe::file {

namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t kMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ATTRIB | IN_ONLYDIR |
                                IN_DONT_FOLLOW | IN_EXCL_UNLINK;

bool is_excluded(const std::string& p, const std::vector<std::string>& exclude) {
  for (const std::string& x : exclude) {
    if (p == x || (p.size() > x.size() && p.compare(0, x.size(), x) == 0 && p[x.size()] == '/'))
      return true;
  }
  return false;
}

}  // namespace

DirWatch::DirWatch(std::size_t max_watches)
    : max_(max_watches), fd_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {}

DirWatch::~DirWatch() {
  if (fd_ >= 0) ::close(fd_);
}

void DirWatch::watch_one(const std::string& dir, std::vector<std::string>& files) {
  if (fd_ < 0) return;
  if (dirs_.size() >= max_) {
    ++limit_hits_;
    return;
  }
  int wd = inotify_add_watch(fd_, dir.c_str(), kMask);
  if (wd < 0) {
    // ENOSPC: the kernel's own limit (fs.inotify.max_user_watches) — counted like ours.
    if (errno == ENOSPC) {
      ++limit_hits_;
    } else {
      ++add_errors_;
    }
    return;
  }
  const bool fresh = dirs_.emplace(wd, dir).second;
  if (!fresh) return;
  std::error_code ec;
  for (const auto& e :
       fs::directory_iterator(dir, fs::directory_options::skip_permission_denied, ec)) {
    if (e.is_regular_file(ec) && !e.is_symlink(ec)) files.push_back(e.path().string());
  }
}

void DirWatch::add_tree(const std::string& dir, const std::vector<std::string>& exclude,
                        std::vector<std::string>& files) {
  if (is_excluded(dir, exclude)) return;
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(dir, ec))) return;
  watch_one(dir, files);
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_directory(ec) || it->is_symlink(ec)) continue;
    const std::string p = it->path().string();
    if (is_excluded(p, exclude)) {
      it.disable_recursion_pending();
      continue;
    }
    watch_one(p, files);
  }
}

bool DirWatch::read(std::vector<std::string>& files, const std::vector<std::string>& exclude) {
  if (fd_ < 0) return true;
  bool ok = true;
  alignas(inotify_event) char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (char* p = buf; p < buf + n;) {
      inotify_event ev{};
      std::memcpy(&ev, p, sizeof ev);
      const char* name = p + sizeof(inotify_event);
      p += sizeof(inotify_event) + ev.len;
      if ((ev.mask & IN_Q_OVERFLOW) != 0) {
        ++overflows_;
        ok = false;
        continue;
      }
      if ((ev.mask & IN_IGNORED) != 0) {
        dirs_.erase(ev.wd);
        continue;
      }
      auto d = dirs_.find(ev.wd);
      if (d == dirs_.end() || ev.len == 0) continue;
      std::string path = d->second + "/" + std::string(name, strnlen(name, ev.len));
      if ((ev.mask & IN_ISDIR) != 0) {
        if ((ev.mask & (IN_CREATE | IN_MOVED_TO)) != 0) add_tree(path, exclude, files);
        continue;
      }
      // IN_CREATE of a file is followed by IN_CLOSE_WRITE when its writer is done.
      if ((ev.mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_ATTRIB)) != 0) files.push_back(path);
    }
  }
  return ok;
}

}  // namespace bannin::probe::file
