#include <cerrno>
#include <cstring>
#include <ctime>
#include <utility>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <bannin/source/poll_support.h>

namespace bannin::source {

ReadyFd::~ReadyFd() {
  close();
}

ReadyFd::ReadyFd(ReadyFd&& other) noexcept
    : epoll_fd_(std::exchange(other.epoll_fd_, -1)),
      event_fd_(std::exchange(other.event_fd_, -1)),
      pending_(std::exchange(other.pending_, false)) {}

ReadyFd& ReadyFd::operator=(ReadyFd&& other) noexcept {
  if (this != &other) {
    close();
    epoll_fd_ = std::exchange(other.epoll_fd_, -1);
    event_fd_ = std::exchange(other.event_fd_, -1);
    pending_ = std::exchange(other.pending_, false);
  }
  return *this;
}

core::Result<ReadyFd> ReadyFd::create(int fd, bool* pollable) {
  ReadyFd r;
  r.epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (r.epoll_fd_ < 0)
    return core::make_error("epoll_failed", "epoll_create1: " + errno_text(errno));
  r.event_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (r.event_fd_ < 0) return core::make_error("epoll_failed", "eventfd: " + errno_text(errno));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = r.event_fd_;
  if (epoll_ctl(r.epoll_fd_, EPOLL_CTL_ADD, r.event_fd_, &ev) != 0) {
    return core::make_error("epoll_failed", "epoll_ctl: " + errno_text(errno));
  }
  bool can_poll = true;
  if (fd >= 0) {
    ev.data.fd = fd;
    if (epoll_ctl(r.epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      if (errno != EPERM)
        return core::make_error("epoll_failed", "epoll_ctl: " + errno_text(errno));
      can_poll = false;  // regular file or directory: always readable
    }
  }
  if (pollable != nullptr) *pollable = can_poll;
  return r;
}

void ReadyFd::set_pending(bool pending) noexcept {
  if (pending == pending_ || event_fd_ < 0) return;
  if (pending) {
    std::uint64_t one = 1;
    while (::write(event_fd_, &one, sizeof one) < 0 && errno == EINTR) {
    }
  } else {
    std::uint64_t v = 0;
    while (::read(event_fd_, &v, sizeof v) < 0 && errno == EINTR) {
    }
  }
  pending_ = pending;
}

void ReadyFd::unwatch(int fd) noexcept {
  if (epoll_fd_ >= 0 && fd >= 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

void ReadyFd::close() noexcept {
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  if (event_fd_ >= 0) ::close(event_fd_);
  epoll_fd_ = event_fd_ = -1;
  pending_ = false;
}

core::TimeNs wall_clock_now() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<core::TimeNs>(ts.tv_sec) * core::kNsPerSec + ts.tv_nsec;
}

std::string errno_text(int err) {
  char buf[256];
  // GNU strerror_r returns the message (maybe not in buf).
  return strerror_r(err, buf, sizeof buf);
}

}  // namespace bannin::source
