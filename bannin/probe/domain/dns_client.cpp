#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <sstream>

#include <ares.h>
#include <arpa/inet.h>
#include <poll.h>

#include <bannin/probe/domain/dns_client.h>

namespace bannin::probe::domain {

std::string DnsServer::text() const {
  bool v6 = address.find(':') != std::string::npos;
  return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

core::Result<DnsServer> parse_dns_server(std::string_view text, std::uint16_t default_port) {
  DnsServer s;
  s.port = default_port;
  std::string_view addr = text;
  std::string_view port;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) {
      return core::make_error("bad_server", "missing ']' in server '" + std::string(text) + "'");
    }
    addr = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return core::make_error("bad_server",
                                "unexpected text after ']' in '" + std::string(text) + "'");
      }
      port = rest.substr(1);
      has_port = true;
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    auto colon = text.find(':');
    addr = text.substr(0, colon);
    port = text.substr(colon + 1);
    has_port = true;
  }
  s.address = std::string(addr);
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.address.c_str(), buf) != 1 &&
      inet_pton(AF_INET6, s.address.c_str(), buf) != 1) {
    return core::make_error("bad_server",
                            "'" + std::string(text) + "' is not an IP address[:port]");
  }
  if (has_port && port.empty())
    return core::make_error("bad_server", "empty port in '" + std::string(text) + "'");
  if (!port.empty()) {
    unsigned long v = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || v > 65535) {
        return core::make_error("bad_server", "bad port in '" + std::string(text) + "'");
      }
      v = v * 10 + static_cast<unsigned long>(c - '0');
    }
    if (v == 0 || v > 65535)
      return core::make_error("bad_server", "bad port in '" + std::string(text) + "'");
    s.port = static_cast<std::uint16_t>(v);
  }
  return s;
}

std::vector<DnsServer> system_resolvers(const std::string& path) {
  std::vector<DnsServer> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string key;
    std::string value;
    if (!(ls >> key >> value) || key != "nameserver") continue;
    auto pct = value.find('%');  // scoped IPv6 (fe80::1%eth0): drop the zone
    if (pct != std::string::npos) value.resize(pct);
    auto s = parse_dns_server(value.find(':') != std::string::npos ? "[" + value + "]" : value);
    if (s) out.push_back(*s);
  }
  return out;
}

struct DnsClient::Channel {
  struct Queued {
    std::vector<unsigned char> query;
    Callback callback;
  };
  ares_channel channel = nullptr;
  std::deque<Queued> queue;         // built, waiting for a free slot
  std::size_t in_flight = 0;        // handed to c-ares, callback not yet run
  std::size_t silent_in_a_row = 0;  // queries that ended in a timeout since the last answer
  bool given_up = false;            // too many in a row unanswered: queued ones are not sent
  ~Channel() {
    if (channel != nullptr) ares_destroy(channel);
  }
};

namespace {

void library_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
}

struct Pending {
  DnsClient::Callback callback;
  DnsClient::Channel* channel = nullptr;
  std::uint64_t* pending = nullptr;
  DnsClientStats* stats = nullptr;
};

void on_answer(void* arg, int status, int timeouts, unsigned char* abuf, int alen) {
  std::unique_ptr<Pending> p(static_cast<Pending*>(arg));
  --*p->pending;
  --p->channel->in_flight;
  p->stats->retransmits += static_cast<std::uint64_t>(std::max(timeouts, 0));
  DnsOutcome out;
  if (status == ARES_SUCCESS && abuf != nullptr && alen > 0) {
    p->channel->silent_in_a_row = 0;
    auto parsed = parse_dns_message(abuf, static_cast<std::size_t>(alen));
    if (parsed) {
      out.status = DnsStatus::Answered;
      out.message = std::move(parsed.value());
      ++p->stats->answered;
    } else {
      out.status = DnsStatus::Error;
      out.error = parsed.error().code;
      ++p->stats->errors;
    }
  } else if (status == ARES_ETIMEOUT) {
    out.status = DnsStatus::Timeout;
    out.error = "timeout";
    ++p->stats->timeouts;
    ++p->channel->silent_in_a_row;
  } else {
    out.status = DnsStatus::Error;
    out.error = ares_strerror(status);
    ++p->stats->errors;
  }
  // A callback must not throw into c-ares; bugs are caught here and reported as errors.
  try {
    p->callback(out);
  } catch (const std::exception&) {
  }
}

}  // namespace

DnsClient::DnsClient(DnsQueryOptions options) : options_(options) {
  library_init_once();
}

DnsClient::~DnsClient() {
  // Destroying channels fires ARES_EDESTRUCTION callbacks for anything still queued.
  channels_.clear();
}

DnsClient::Channel* DnsClient::channel_for(const DnsServer& server, std::string& error) {
  auto it = channels_.find(server);
  if (it != channels_.end()) return it->second.get();
  auto ch = std::make_unique<Channel>();
  ares_options opts{};
  // NOCHECKRESP: hand SERVFAIL/REFUSED answers back instead of treating them as failures;
  // the checks classify them. NOSEARCH/NOALIASES: the name is always fully qualified.
  opts.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_EDNS;
  opts.timeout = std::max(1, options_.timeout_ms);
  opts.tries = std::max(1, options_.tries);
  opts.ednspsz = 1232;
  opts.lookups = const_cast<char*>("b");
  int mask =
      ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_EDNSPSZ | ARES_OPT_LOOKUPS;
  int rc = ares_init_options(&ch->channel, &opts, mask);
  if (rc != ARES_SUCCESS) {
    error = std::string("c-ares init: ") + ares_strerror(rc);
    return nullptr;
  }
  ares_addr_port_node node{};
  node.next = nullptr;
  if (inet_pton(AF_INET, server.address.c_str(), &node.addr.addr4) == 1) {
    node.family = AF_INET;
  } else if (inet_pton(AF_INET6, server.address.c_str(), &node.addr.addr6) == 1) {
    node.family = AF_INET6;
  } else {
    error = "bad server address " + server.address;
    return nullptr;
  }
  node.udp_port = server.port;
  node.tcp_port = server.port;
  rc = ares_set_servers_ports(ch->channel, &node);
  if (rc != ARES_SUCCESS) {
    error = std::string("c-ares servers: ") + ares_strerror(rc);
    return nullptr;
  }
  Channel* raw = ch.get();
  channels_.emplace(server, std::move(ch));
  ++stats_.servers;
  return raw;
}

void DnsClient::submit(const DnsServer& server, std::string_view name, RrType type, bool rd,
                       Callback callback) {
  std::string error;
  Channel* ch = channel_for(server, error);
  std::string qname(name);
  if (qname.empty()) qname = ".";
  unsigned char* qbuf = nullptr;
  int qlen = 0;
  if (ch != nullptr) {
    int rc = ares_create_query(qname.c_str(), 1 /*IN*/, static_cast<int>(type), 0, rd ? 1 : 0,
                               &qbuf, &qlen, static_cast<int>(1232));
    if (rc != ARES_SUCCESS) error = std::string("bad query name: ") + ares_strerror(rc);
  }
  if (qbuf == nullptr) {
    DnsOutcome out;
    out.status = DnsStatus::Error;
    out.error = error.empty() ? "query not built" : error;
    ++stats_.errors;
    deferred_.emplace_back(std::move(callback), std::move(out));
    return;
  }
  ++pending_;
  ch->queue.push_back(
      Channel::Queued{std::vector<unsigned char>(qbuf, qbuf + qlen), std::move(callback)});
  ares_free_string(qbuf);
  send_queued(*ch);
}

void DnsClient::send_queued(Channel& ch) {
  const std::size_t limit =
      options_.max_in_flight > 0 ? static_cast<std::size_t>(options_.max_in_flight) : SIZE_MAX;
  const std::size_t give_up_after = std::max<std::size_t>(16, limit == SIZE_MAX ? 0 : 2 * limit);
  if (!ch.given_up && ch.silent_in_a_row >= give_up_after) ch.given_up = true;
  if (ch.given_up) {
    // The server stopped answering: end the queued queries now, as errors (never as
    // answers), instead of each waiting out timeout * tries behind a full window.
    while (!ch.queue.empty()) {
      Channel::Queued q = std::move(ch.queue.front());
      ch.queue.pop_front();
      DnsOutcome out;
      out.status = DnsStatus::Error;
      out.error = "not sent: the server left " + std::to_string(ch.silent_in_a_row) +
                  " queries in a row unanswered";
      ++stats_.not_sent;
      --pending_;
      deferred_.emplace_back(std::move(q.callback), std::move(out));
    }
    return;
  }
  while (!ch.queue.empty() && ch.in_flight < limit) {
    Channel::Queued q = std::move(ch.queue.front());
    ch.queue.pop_front();
    auto* p = new Pending{std::move(q.callback), &ch, &pending_, &stats_};
    ++ch.in_flight;
    ++stats_.sent;
    stats_.peak_in_flight = std::max<std::uint64_t>(stats_.peak_in_flight, ch.in_flight);
    // May call on_answer at once (e.g. no socket could be opened); it decrements in_flight.
    ares_send(ch.channel, q.query.data(), static_cast<int>(q.query.size()), on_answer, p);
  }
}

void DnsClient::run() {
  for (;;) {
    while (!deferred_.empty()) {
      auto batch = std::move(deferred_);
      deferred_.clear();
      for (auto& [cb, out] : batch) cb(out);
    }
    if (pending_ == 0) return;
    if (cancel_ != nullptr && cancel_->load(std::memory_order_relaxed)) {
      // Stopping (set_cancel): queued queries end as errors, those in flight are cancelled
      // (c-ares runs their callbacks with ARES_ECANCELLED); what the callbacks submit goes
      // the same way on the next turn.
      for (auto& [server, ch] : channels_) {
        while (!ch->queue.empty()) {
          Channel::Queued q = std::move(ch->queue.front());
          ch->queue.pop_front();
          DnsOutcome out;
          out.status = DnsStatus::Error;
          out.error = "cancelled";
          --pending_;
          deferred_.emplace_back(std::move(q.callback), std::move(out));
        }
        if (ch->in_flight != 0) ares_cancel(ch->channel);
      }
      continue;
    }
    std::vector<pollfd> fds;
    std::vector<Channel*> owners;
    int wait_ms = 1000;
    for (auto& [server, ch] : channels_) {
      if (ch->in_flight == 0) continue;  // nothing outstanding: no socket or timeout to watch
      ares_socket_t socks[ARES_GETSOCK_MAXNUM];
      int bits = ares_getsock(ch->channel, socks, ARES_GETSOCK_MAXNUM);
      for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
        short ev = 0;
        if (ARES_GETSOCK_READABLE(bits, i)) ev |= POLLIN;
        if (ARES_GETSOCK_WRITABLE(bits, i)) ev |= POLLOUT;
        if (ev == 0) continue;
        fds.push_back(pollfd{socks[i], ev, 0});
        owners.push_back(ch.get());
      }
      timeval max{1, 0};
      timeval tv{};
      timeval* t = ares_timeout(ch->channel, &max, &tv);
      int ms = static_cast<int>(t->tv_sec * 1000 + t->tv_usec / 1000);
      wait_ms = std::min(wait_ms, std::max(ms, 1));
    }
    int n = poll(fds.data(), fds.size(), wait_ms);
    if (n < 0 && errno != EINTR) {
      n = 0;
    }
    // Let every channel handle its ready sockets and its timeouts (ARES_SOCKET_BAD = none),
    // then fill its window again from its queue.
    std::size_t i = 0;
    for (auto& [server, ch] : channels_) {
      bool any = false;
      for (; i < fds.size() && owners[i] == ch.get(); ++i) {
        if (fds[i].revents == 0) continue;
        any = true;
        ares_socket_t r =
            (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) ? fds[i].fd : ARES_SOCKET_BAD;
        ares_socket_t w = (fds[i].revents & POLLOUT) ? fds[i].fd : ARES_SOCKET_BAD;
        ares_process_fd(ch->channel, r, w);
      }
      if (!any && ch->in_flight != 0)
        ares_process_fd(ch->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      if (!ch->queue.empty()) send_queued(*ch);
    }
  }
}

DnsOutcome query_once(const DnsServer& server, std::string_view name, RrType type, bool rd,
                      DnsQueryOptions options) {
  DnsClient client(options);
  DnsOutcome result;
  client.submit(server, name, type, rd, [&result](const DnsOutcome& o) { result = o; });
  client.run();
  return result;
}

}  // namespace bannin::probe::domain
