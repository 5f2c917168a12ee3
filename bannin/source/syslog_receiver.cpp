#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <bannin/source/syslog_receiver.h>

namespace bannin::source {

namespace {

core::Error listen_error(std::string_view what, const std::string& detail) {
  return core::make_error("listen_failed", "cannot listen on " + std::string(what) + ": " + detail);
}

// "HOST:PORT" or "[V6]:PORT" -> socket address. Numeric hosts only: a syslog listener that
// resolves names at start-up would depend on DNS being up before it.
bool parse_udp_address(std::string_view text, sockaddr_storage& ss, socklen_t& len,
                       std::string& why) {
  std::string_view host, port;
  bool v6 = false;
  if (!text.empty() && text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      why = "expected [IPV6]:PORT";
      return false;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    v6 = true;
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      why = "expected HOST:PORT or [IPV6]:PORT";
      return false;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      why = "an IPv6 address needs brackets: [IPV6]:PORT";
      return false;
    }
  }
  unsigned p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || p > 65535) {
    why = "bad port '" + std::string(port) + "'";
    return false;
  }
  std::string h(host);
  std::memset(&ss, 0, sizeof ss);
  if (!v6) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<std::uint16_t>(p));
    if (inet_pton(AF_INET, h.c_str(), &sin->sin_addr) != 1) {
      why = "bad IPv4 address '" + h + "'";
      return false;
    }
    len = sizeof(sockaddr_in);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(static_cast<std::uint16_t>(p));
    if (inet_pton(AF_INET6, h.c_str(), &sin6->sin6_addr) != 1) {
      why = "bad IPv6 address '" + h + "'";
      return false;
    }
    len = sizeof(sockaddr_in6);
  }
  return true;
}

std::string format_address(const sockaddr_storage& ss, std::uint16_t& port) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof buf);
    port = ntohs(sin6->sin6_port);
    return "[" + std::string(buf) + "]:" + std::to_string(port);
  }
  const auto* sin = reinterpret_cast<const sockaddr_in*>(&ss);
  inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf);
  port = ntohs(sin->sin_port);
  return std::string(buf) + ":" + std::to_string(port);
}

}  // namespace

SyslogReceiver::SyslogReceiver(Kind kind, int sock, std::string name,
                               const SyslogReceiverOptions& options)
    : kind_(kind),
      sock_(sock),
      name_(std::move(name)),
      source_id_(options.source_id),
      max_message_(std::max<std::size_t>(options.max_message, 1)) {}

SyslogReceiver::~SyslogReceiver() {
  if (sock_ >= 0) ::close(sock_);
  if (!unix_path_.empty()) {
    // Remove the socket file only if it is still ours (not replaced by a newer listener).
    struct stat st {};
    if (lstat(unix_path_.c_str(), &st) == 0 && st.st_dev == unix_dev_ && st.st_ino == unix_ino_) {
      ::unlink(unix_path_.c_str());
    }
  }
}

core::Result<std::unique_ptr<SyslogReceiver>> SyslogReceiver::open(
    std::string_view url, const SyslogReceiverOptions& options) {
  if (url.rfind("udp://", 0) == 0) return listen_udp(url.substr(6), options);
  if (url.rfind("unix://", 0) == 0 && url.size() > 7 && url[7] == '/') {
    return listen_unix(std::string(url.substr(7)), options);
  }
  return core::make_error("bad_address", "bad syslog listen address '" + std::string(url) +
                                             "': expected udp://HOST:PORT or unix:///PATH");
}

core::Result<std::unique_ptr<SyslogReceiver>> SyslogReceiver::listen_udp(
    std::string_view address, const SyslogReceiverOptions& options) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  std::string why;
  if (!parse_udp_address(address, ss, len, why)) {
    return core::make_error("bad_address",
                            "bad udp listen address '" + std::string(address) + "': " + why);
  }
  const std::string what = "udp " + std::string(address);
  int s = ::socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s < 0) return listen_error(what, errno_text(errno));
  std::unique_ptr<SyslogReceiver> sock(new SyslogReceiver(Kind::Udp, s, "syslog " + what, options));
  if (ss.ss_family == AF_INET6) {
    // IPv6-only: "[::]:514" and "0.0.0.0:514" are two listeners, as configured.
    int one = 1;
    setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  }
  int one = 1;
  sock->drops_reported_ = setsockopt(s, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one) == 0;
  if (::bind(s, reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
    return listen_error(what, errno_text(errno));
  }
  sockaddr_storage bound{};
  socklen_t blen = sizeof bound;
  if (getsockname(s, reinterpret_cast<sockaddr*>(&bound), &blen) == 0) {
    sock->name_ = "syslog udp " + format_address(bound, sock->port_);
  }
  return finish(std::move(sock), options.receive_buffer);
}

core::Result<std::unique_ptr<SyslogReceiver>> SyslogReceiver::listen_unix(
    const std::string& path, const SyslogReceiverOptions& options) {
  const std::string what = "unix " + path;
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof sun.sun_path) {
    return listen_error(what, "socket path must be 1 to " +
                                  std::to_string(sizeof sun.sun_path - 1) + " bytes long");
  }
  std::memcpy(sun.sun_path, path.data(), path.size());
  const auto sun_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);

  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return listen_error(what, "the path exists and is not a socket");
    // A socket file: live if a connect succeeds, stale (its listener is gone) if refused.
    int probe = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (probe < 0) return listen_error(what, errno_text(errno));
    int rc = ::connect(probe, reinterpret_cast<const sockaddr*>(&sun), sun_len);
    int err = errno;
    ::close(probe);
    if (rc == 0) return listen_error(what, "another process is listening on it");
    if (err != ECONNREFUSED) {
      return listen_error(what,
                          "cannot tell whether the existing socket is in use: " + errno_text(err));
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return listen_error(what, "cannot remove the stale socket file: " + errno_text(errno));
    }
  } else if (errno != ENOENT) {
    return listen_error(what, errno_text(errno));
  }

  int s = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s < 0) return listen_error(what, errno_text(errno));
  std::unique_ptr<SyslogReceiver> sock(
      new SyslogReceiver(Kind::Unix, s, "syslog " + what, options));
  if (::bind(s, reinterpret_cast<const sockaddr*>(&sun), sun_len) != 0) {
    return listen_error(what, errno_text(errno));
  }
  if (lstat(path.c_str(), &st) == 0) {
    sock->unix_path_ = path;
    sock->unix_dev_ = st.st_dev;
    sock->unix_ino_ = st.st_ino;
  }
  if (::chmod(path.c_str(), static_cast<mode_t>(options.mode & 07777)) != 0) {
    return listen_error(what, "chmod: " + errno_text(errno));
  }
  return finish(std::move(sock), options.receive_buffer);
}

core::Result<std::unique_ptr<SyslogReceiver>> SyslogReceiver::finish(
    std::unique_ptr<SyslogReceiver> s, std::size_t want_rcvbuf) {
  const std::string what = s->name_.substr(7);  // without "syslog "
  if (want_rcvbuf > 0) {
    int v = static_cast<int>(std::min<std::size_t>(want_rcvbuf, 1u << 30));
    // SO_RCVBUFFORCE passes net.core.rmem_max when bannin has CAP_NET_ADMIN.
    if (setsockopt(s->sock_, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof v) != 0 &&
        setsockopt(s->sock_, SOL_SOCKET, SO_RCVBUF, &v, sizeof v) != 0) {
      return listen_error(what, "SO_RCVBUF: " + errno_text(errno));
    }
  }
  int got = 0;
  socklen_t glen = sizeof got;
  if (getsockopt(s->sock_, SOL_SOCKET, SO_RCVBUF, &got, &glen) == 0 && got > 0) {
    s->rcvbuf_ = static_cast<std::size_t>(got);
  }
  if (s->kind_ == Kind::Unix) s->drops_reported_ = false;
  auto ready = ReadyFd::create(s->sock_);
  if (!ready) return listen_error(what, ready.error().message);
  s->ready_ = std::move(*ready);
  s->buf_.resize(kBatch * (s->max_message_ + kPadding));
  s->control_.resize(kBatch * kControlWords);
  return s;
}

std::size_t SyslogReceiver::receive(std::size_t want) {
  mmsghdr msgs[kBatch];
  iovec iov[kBatch];
  want = std::min(want, kBatch);
  const std::size_t stride = max_message_ + kPadding;
  for (std::size_t i = 0; i < want; ++i) {
    iov[i].iov_base = buf_.data() + i * stride;
    iov[i].iov_len = max_message_;
    std::memset(&msgs[i], 0, sizeof msgs[i]);
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_control = control_.data() + i * kControlWords;
    msgs[i].msg_hdr.msg_controllen = kControlWords * sizeof(std::uint64_t);
  }
  int n = 0;
  while (true) {
    n = ::recvmmsg(sock_, msgs, static_cast<unsigned>(want), MSG_DONTWAIT, nullptr);
    if (n >= 0) break;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      ++stats_.errors;
      stats_.last_error = "recvmmsg: " + errno_text(errno);
    }
    return 0;
  }
  batch_time_ = wall_clock_now();
  for (int i = 0; i < n; ++i) {
    Slot& slot = slots_[i];
    slot.len = std::min<std::size_t>(msgs[i].msg_len, max_message_);
    slot.truncated = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
    if (slot.truncated) ++stats_.truncated;
    msghdr& h = msgs[i].msg_hdr;
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL &&
          c->cmsg_len >= CMSG_LEN(sizeof(std::uint32_t))) {
        std::uint32_t total = 0;
        std::memcpy(&total, CMSG_DATA(c), sizeof total);
        // The kernel's running count for this socket (wraps at 2^32): add the growth.
        stats_.dropped_kernel += static_cast<std::uint32_t>(total - last_overflow_);
        last_overflow_ = total;
      }
    }
  }
  datagrams_ += static_cast<std::uint64_t>(n);
  n_ = static_cast<std::size_t>(n);
  cur_ = 0;
  pos_ = 0;
  return n_;
}

std::size_t SyslogReceiver::deliver(const Sink& sink, std::size_t budget) {
  std::size_t count = 0;
  const std::size_t stride = max_message_ + kPadding;
  while (cur_ < n_ && count < budget) {
    const Slot& slot = slots_[cur_];
    const char* d = buf_.data() + cur_ * stride;
    std::size_t end = slot.len;
    while (end > 0 && (d[end - 1] == '\n' || d[end - 1] == '\0' || d[end - 1] == '\r')) --end;
    if (pos_ == 0 && end == 0) ++empty_datagrams_;
    if (pos_ >= end) {
      ++cur_;
      pos_ = 0;
      continue;
    }
    const void* nl = std::memchr(d + pos_, '\n', end - pos_);
    std::size_t piece_end =
        nl != nullptr ? static_cast<std::size_t>(static_cast<const char*>(nl) - d) : end;
    std::size_t start = pos_;
    pos_ = piece_end < end ? piece_end + 1 : end;
    std::size_t stop = piece_end;
    if (stop < end && stop > start && d[stop - 1] == '\r') --stop;  // "\r\n" between messages
    if (stop > start) {
      model::Record rec;
      rec.bytes = std::string_view(d + start, stop - start);
      rec.origin = name_;
      rec.source_id = source_id_;
      rec.line_no = ++stats_.records;
      rec.offset = stats_.bytes;
      rec.received = batch_time_;
      rec.truncated = slot.truncated && piece_end == end;
      stats_.bytes += rec.bytes.size();
      sink(rec);
      ++count;
    }
    if (pos_ >= end) {
      ++cur_;
      pos_ = 0;
    }
  }
  return count;
}

std::size_t SyslogReceiver::read_ready(const Sink& sink, std::size_t max_records) {
  std::size_t delivered = 0;
  while (delivered < max_records) {
    if (cur_ < n_) {
      delivered += deliver(sink, max_records - delivered);
      continue;
    }
    // Every non-empty datagram gives at least one record: never receive more than fit.
    if (receive(max_records - delivered) == 0) break;
  }
  ready_.set_pending(cur_ < n_);
  return delivered;
}

}  // namespace bannin::source
