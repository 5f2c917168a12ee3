#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

#include <bannin/core/file_io.h>

namespace bannin::core {

Result<std::optional<std::string>> read_small_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return make_error("read_failed", path + ": " + std::strerror(errno));
  }
  std::string bytes;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e = make_error("read_failed", path + ": " + std::strerror(errno));
      ::close(fd);
      return e;
    }
    if (n == 0) break;
    bytes.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return std::optional<std::string>(std::move(bytes));
}

Result<bool> write_file_atomic(const std::string& path, std::string_view bytes) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return make_error("write_failed", tmp + ": " + std::strerror(errno));
  std::string problem;
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      problem = tmp + ": " + std::strerror(n < 0 ? errno : ENOSPC);
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (problem.empty() && ::fsync(fd) != 0) problem = tmp + ": " + std::strerror(errno);
  ::close(fd);
  if (problem.empty() && std::rename(tmp.c_str(), path.c_str()) != 0) {
    problem = path + ": " + std::strerror(errno);
  }
  if (!problem.empty()) {
    ::unlink(tmp.c_str());
    return make_error("write_failed", problem);
  }
  return true;
}

}  // namespace bannin::core
