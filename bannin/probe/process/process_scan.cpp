#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_map>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <bannin/probe/file/content_signs.h>
#include <bannin/probe/process/proc_parse.h>
#include <bannin/probe/process/process_scan.h>

namespace bannin::probe::process {

namespace {

constexpr std::size_t kMaxProcFile = std::size_t{64} * 1024;

std::string read_small(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string out;
  char buf[4096];
  while (out.size() < kMaxProcFile) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

std::string read_link(const std::string& path) {
  char buf[4096];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

bool is_interpreter(std::string_view name) {
  std::size_t slash = name.rfind('/');
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  for (std::string_view i : {"php", "php-cgi", "perl", "python", "python2", "python3", "ruby", "sh",
                             "bash", "dash", "node"}) {
    if (name == i) return true;
  }
  // php8.2, python3.11 …
  return name.rfind("php", 0) == 0 || name.rfind("python", 0) == 0 || name.rfind("perl", 0) == 0;
}

std::unordered_map<std::uint64_t, int> listen_inodes(const std::string& proc_root) {
  std::unordered_map<std::uint64_t, int> out;
  for (const char* t : {"/net/tcp", "/net/tcp6"}) {
    for (const auto& s : parse_listen_sockets(read_small(proc_root + t), false))
      out.emplace(s.inode, s.port);
  }
  return out;
}

std::optional<ProcessInfo> read_one(std::int64_t pid, const std::string& proc_root,
                                    std::int64_t min_uid,
                                    const std::unordered_map<std::uint64_t, int>* sockets) {
  const std::string base = proc_root + "/" + std::to_string(pid);
  auto st = parse_stat(read_small(base + "/stat"));
  if (!st) return std::nullopt;
  auto uid = parse_status_uid(read_small(base + "/status"));
  if (!uid || *uid < min_uid) return std::nullopt;
  ProcessInfo p;
  p.pid = st->pid;
  p.ppid = st->ppid;
  p.uid = *uid;
  p.comm = st->comm;
  p.state = st->state;
  p.start_ticks = st->start_ticks;
  p.exe = read_link(base + "/exe");
  p.cwd = read_link(base + "/cwd");
  p.argv = parse_cmdline(read_small(base + "/cmdline"));
  if (sockets != nullptr && !sockets->empty()) {
    DIR* d = ::opendir((base + "/fd").c_str());
    if (d != nullptr) {
      while (dirent* e = ::readdir(d)) {
        if (e->d_name[0] == '.') continue;
        std::string link = read_link(base + "/fd/" + e->d_name);
        if (link.rfind("socket:[", 0) != 0) continue;
        std::uint64_t ino = std::strtoull(link.c_str() + 8, nullptr, 10);
        if (auto it = sockets->find(ino); it != sockets->end())
          p.listen_ports.push_back(it->second);
      }
      ::closedir(d);
    }
    std::sort(p.listen_ports.begin(), p.listen_ports.end());
    p.listen_ports.erase(std::unique(p.listen_ports.begin(), p.listen_ports.end()),
                         p.listen_ports.end());
  }
  return p;
}

}  // namespace

std::vector<std::string> process_flags(const ProcessInfo& p, const FlagOptions& o) {
  std::vector<std::string> out;
  if (p.uid < o.min_uid) return out;
  constexpr std::string_view kDeleted = " (deleted)";
  std::string exe = p.exe;
  const bool deleted = exe.size() > kDeleted.size() &&
                       exe.compare(exe.size() - kDeleted.size(), kDeleted.size(), kDeleted) == 0;
  if (deleted) {
    out.emplace_back("exe_deleted");
    exe.resize(exe.size() - kDeleted.size());
  }
  if (!exe.empty() && file::in_upload_dir(exe, o.writable_dirs))
    out.emplace_back("exe_in_writable_dir");
  if (is_interpreter(exe.empty() ? p.comm : exe)) {
    for (std::size_t i = 1; i < p.argv.size(); ++i) {
      const std::string& a = p.argv[i];
      if (a.empty() || a[0] == '-') continue;
      // A relative script runs from the working directory.
      std::string path = a[0] == '/' ? a : p.cwd + "/" + a;
      if (file::in_upload_dir(path, o.writable_dirs)) {
        out.emplace_back("script_in_writable_dir");
        break;
      }
      break;  // only the script, not its arguments
    }
  }
  // Kernel threads have no command line; a user process named like one hides.
  const bool argv_bracket = !p.argv.empty() && !p.argv[0].empty() && p.argv[0].front() == '[';
  const bool comm_bracket = !p.comm.empty() && p.comm.front() == '[';
  if (argv_bracket || comm_bracket) out.emplace_back("kernel_thread_name");
  if (!p.listen_ports.empty()) out.emplace_back("listening");
  return out;
}

std::vector<ProcessInfo> read_processes(std::int64_t min_uid, const std::string& proc_root) {
  std::vector<ProcessInfo> out;
  auto sockets = listen_inodes(proc_root);
  DIR* d = ::opendir(proc_root.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    char* end = nullptr;
    long long pid = std::strtoll(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || pid <= 0) continue;
    if (auto p = read_one(pid, proc_root, min_uid, &sockets)) out.push_back(std::move(*p));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(),
            [](const ProcessInfo& a, const ProcessInfo& b) { return a.pid < b.pid; });
  return out;
}

std::optional<ProcessInfo> read_process(std::int64_t pid, const std::string& proc_root) {
  auto sockets = listen_inodes(proc_root);
  return read_one(pid, proc_root, 0, &sockets);
}

core::Result<bool> signal_process(std::int64_t pid, std::uint64_t start_ticks, bool stop) {
  auto st = parse_stat(read_small("/proc/" + std::to_string(pid) + "/stat"));
  if (!st || st->start_ticks != start_ticks) {
    return core::make_error("gone", "process " + std::to_string(pid) +
                                        " is gone (or its pid belongs to another process now)");
  }
  if (::kill(static_cast<pid_t>(pid), stop ? SIGSTOP : SIGCONT) != 0) {
    return core::make_error(errno == ESRCH ? "gone" : "io",
                            "kill " + std::to_string(pid) + ": " + std::strerror(errno));
  }
  return true;
}

}  // namespace bannin::probe::process
