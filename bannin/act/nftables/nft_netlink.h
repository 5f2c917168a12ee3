// NftNetlink: a few read-only nf_tables queries sent straight over a NETLINK_NETFILTER socket,
// for the questions libnftables 1.0.6 can only answer by first loading every element of every
// set into its cache (`list chain`, `list tables`, `get element` all do; the kernel's set dump
// grows about quadratically, ~85 s for one set of 1 M elements: docs/decisions/
// 2026-11-25-nftables-speed.md). Each query here costs microseconds whatever the set sizes:
//   - the state of one chain (hook, priority, the sets its rules look up), and whether a table
//     exists: NFT_MSG_GETTABLE / GETCHAIN, and a GETRULE dump filtered to that chain;
//   - whether given addresses are elements of a hash set: one NFT_MSG_GETSETELEM per address
//     (the kernel stops a multi-element get at the first missing one), many per send.
// Nothing is ever changed through this socket: every change goes through libnftables, in
// transactions. Owned by NftablesActuator; one thread at a time. Header-only (it is small, and
// the bench's latency probe uses the same message helpers).
#pragma once

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <endian.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bannin/act/nftables/nft_commands.h>
#include <bannin/act/target.h>
#include <bannin/core/result.h>

namespace bannin::act::nft {

class NftNetlink {
 public:
  /// Opens the socket. Errors carry the errno text ("Operation not permitted", "Protocol not
  /// supported"), so classify_nft_error() reads them as it reads nft's messages.
  static core::Result<NftNetlink> open();
  NftNetlink(NftNetlink&& other) noexcept;
  NftNetlink& operator=(NftNetlink&& other) noexcept;
  NftNetlink(const NftNetlink&) = delete;
  NftNetlink& operator=(const NftNetlink&) = delete;
  ~NftNetlink();

  /// Whether `table` (family inet) exists.
  core::Result<bool> table_exists(std::string_view table);
  /// The state of chain `chain` of inet `table` (exists = false when the table or the chain
  /// is missing); `sets` lists the sets its rules look up, in rule order.
  core::Result<ChainState> chain_state(std::string_view table, std::string_view chain);
  /// For each address (all of one family, single addresses only): 1 when it is an element of
  /// hash set inet `table` `set` now (an expired element counts as absent), 0 when the kernel
  /// says it is not, 2 when the answer was lost (treat as "may be there").
  core::Result<std::vector<std::uint8_t>> elements_present(std::string_view table,
                                                           std::string_view set,
                                                           std::span<const Target> addresses);

  /// Every element of hash set inet `table` `set` (single addresses; v4 when `v4`), with its
  /// timeout and the seconds left, in address order; an empty list when the table or set
  /// does not exist. The kernel's dump of a big hash set stays slow (~43 s of system time
  /// for 1 M on 6.18, the same as for `nft list set`), but nothing else is loaded and the
  /// user-space part is a tenth of libnftables' (0.8 s against 6.9 s for 1 M).
  core::Result<std::vector<EnforcedEntry>> dump_addresses(std::string_view table,
                                                          std::string_view set, bool v4);

  /// The packets and bytes of named counter `name` of inet `table` (NFT_MSG_GETOBJ: one
  /// object, whatever the table's sets hold; libnftables' `list counter` loads every set
  /// element first). Error "not_found" when the table or counter does not exist.
  core::Result<std::pair<std::uint64_t, std::uint64_t>> counter(std::string_view table,
                                                                std::string_view name);

  /// Requests sent so far (each is one netlink message).
  [[nodiscard]] std::size_t requests() const noexcept { return requests_; }

 private:
  explicit NftNetlink(int fd) noexcept : fd_(fd) {}
  // Sends buf (whole netlink messages) and reads answers until every sequence number in
  // [first, last] has its final answer; on_msg sees each data message, on_error each error.
  core::Result<bool> exchange(const std::string& buf, std::uint32_t first, std::uint32_t last,
                              bool dump, const void* ctx,
                              void (*on_msg)(const void* ctx, const void* nlh),
                              void (*on_error)(const void* ctx, std::uint32_t seq, int err));

  int fd_ = -1;
  std::uint32_t seq_ = 1;
  std::size_t requests_ = 0;
  std::vector<char> rbuf_;
};

// --- implementation -------------------------------------------------------------------------

namespace detail {

// Requests per send when asking about elements: every answer is a separate message the
// kernel allocates with room for a page, and all of them must fit in the receive buffer
// (an answer that does not fit is lost: reported as "unknown", never as "absent").
inline constexpr std::size_t kElementsPerSend = 256;
inline constexpr int kReceiveBuffer = 4 << 20;

inline std::string errno_text(int err) {
  return std::strerror(err);
}

inline core::Error sys_error(const char* what, int err) {
  return core::make_error("nft_error", std::string(what) + ": " + errno_text(err));
}

// --- building requests ---------------------------------------------------------------------

class Builder {
 public:
  explicit Builder(std::string& out) : out_(out) {}
  // Starts one nf_tables message of type `msg` for family inet.
  void begin(std::uint16_t msg, std::uint16_t flags, std::uint32_t seq) {
    start_ = out_.size();
    nlmsghdr h{};
    h.nlmsg_type = static_cast<std::uint16_t>((NFNL_SUBSYS_NFTABLES << 8) | msg);
    h.nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | flags);
    h.nlmsg_seq = seq;
    append(&h, sizeof h);
    nfgenmsg g{};
    g.nfgen_family = NFPROTO_INET;
    g.version = NFNETLINK_V0;
    g.res_id = 0;
    append(&g, sizeof g);
  }
  void end() {
    auto len = static_cast<std::uint32_t>(out_.size() - start_);
    std::memcpy(out_.data() + start_ + offsetof(nlmsghdr, nlmsg_len), &len, sizeof len);
  }
  void attr(std::uint16_t type, const void* data, std::size_t len) {
    nlattr a{};
    a.nla_len = static_cast<std::uint16_t>(NLA_HDRLEN + len);
    a.nla_type = type;
    append(&a, sizeof a);
    append(data, len);
    pad();
  }
  void attr_string(std::uint16_t type, std::string_view s) {
    std::string z(s);
    attr(type, z.c_str(), z.size() + 1);
  }
  std::size_t nest_begin(std::uint16_t type) {
    std::size_t at = out_.size();
    nlattr a{};
    a.nla_type = static_cast<std::uint16_t>(type | NLA_F_NESTED);
    append(&a, sizeof a);
    return at;
  }
  void nest_end(std::size_t at) {
    auto len = static_cast<std::uint16_t>(out_.size() - at);
    std::memcpy(out_.data() + at + offsetof(nlattr, nla_len), &len, sizeof len);
  }

 private:
  void append(const void* p, std::size_t n) { out_.append(static_cast<const char*>(p), n); }
  void pad() { out_.resize(NLMSG_ALIGN(out_.size()), '\0'); }
  std::string& out_;
  std::size_t start_ = 0;
};

// --- reading answers -------------------------------------------------------------------------

struct Attr {
  std::uint16_t type = 0;
  const char* data = nullptr;
  std::size_t len = 0;
};

// Calls fn(Attr) for each attribute in [p, p + len).
template <typename Fn>
void for_each_attr(const char* p, std::size_t len, Fn&& fn) {
  while (len >= NLA_HDRLEN) {
    nlattr a{};
    std::memcpy(&a, p, sizeof a);
    if (a.nla_len < NLA_HDRLEN || a.nla_len > len) return;
    fn(Attr{static_cast<std::uint16_t>(a.nla_type & NLA_TYPE_MASK), p + NLA_HDRLEN,
            static_cast<std::size_t>(a.nla_len - NLA_HDRLEN)});
    std::size_t step = NLA_ALIGN(a.nla_len);
    if (step >= len) return;
    p += step;
    len -= step;
  }
}

// The attributes of an nf_tables message (after its nfgenmsg).
template <typename Fn>
void for_each_msg_attr(const nlmsghdr* h, Fn&& fn) {
  const std::size_t head = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(nfgenmsg));
  if (h->nlmsg_len < head) return;
  for_each_attr(reinterpret_cast<const char*>(h) + head, h->nlmsg_len - head, fn);
}

inline std::string_view attr_string(const Attr& a) {
  std::string_view s(a.data, a.len);
  if (!s.empty() && s.back() == '\0') s.remove_suffix(1);
  return s;
}

inline std::uint32_t attr_be32(const Attr& a) {
  std::uint32_t v = 0;
  if (a.len >= 4) std::memcpy(&v, a.data, 4);
  return ntohl(v);
}

inline const char* hook_name(std::uint32_t hooknum) {
  switch (hooknum) {
    case NF_INET_PRE_ROUTING:
      return "prerouting";
    case NF_INET_LOCAL_IN:
      return "input";
    case NF_INET_FORWARD:
      return "forward";
    case NF_INET_LOCAL_OUT:
      return "output";
    case NF_INET_POST_ROUTING:
      return "postrouting";
    default:
      return "other";
  }
}

}  // namespace detail

inline core::Result<NftNetlink> NftNetlink::open() {
  using namespace detail;  // NOLINT(google-build-using-namespace)
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
  if (fd < 0) return sys_error("netlink socket", errno);
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    ::close(fd);
    return sys_error("netlink bind", err);
  }
  int size = kReceiveBuffer;
  // FORCE needs CAP_NET_ADMIN (which every query needs anyway); the plain one is capped by
  // net.core.rmem_max.
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
    (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  int one = 1;
  // Error answers without a copy of the request.
  (void)::setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  NftNetlink nl(fd);
  nl.rbuf_.resize(1 << 17);
  return nl;
}

inline NftNetlink::NftNetlink(NftNetlink&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      seq_(other.seq_),
      requests_(other.requests_),
      rbuf_(std::move(other.rbuf_)) {}

inline NftNetlink& NftNetlink::operator=(NftNetlink&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    seq_ = other.seq_;
    requests_ = other.requests_;
    rbuf_ = std::move(other.rbuf_);
  }
  return *this;
}

inline NftNetlink::~NftNetlink() {
  if (fd_ >= 0) ::close(fd_);
}

inline core::Result<bool> NftNetlink::exchange(const std::string& buf, std::uint32_t first,
                                               std::uint32_t last, bool dump, const void* ctx,
                                               void (*on_msg)(const void*, const void*),
                                               void (*on_error)(const void*, std::uint32_t, int)) {
  using namespace detail;  // NOLINT(google-build-using-namespace)
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t sent;
  do {
    sent = ::sendto(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
                    sizeof kernel);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) return sys_error("netlink send", errno);
  if (static_cast<std::size_t>(sent) != buf.size()) {
    return core::make_error("nft_error", "netlink send: short write");
  }
  // Each non-dump request gets exactly one final answer (data or error); a dump ends with
  // NLMSG_DONE (or an error).
  std::size_t pending = last - first + 1;
  while (pending > 0) {
    ssize_t n = ::recv(fd_, rbuf_.data(), rbuf_.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {
        // Answers were dropped: the caller's per-request defaults (unknown) stand.
        return core::make_error("nft_lost", "netlink: answers lost (receive buffer full)");
      }
      return sys_error("netlink receive", errno);
    }
    std::size_t left = static_cast<std::size_t>(n);
    for (auto* h = reinterpret_cast<const nlmsghdr*>(rbuf_.data()); NLMSG_OK(h, left);
         h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_seq < first || h->nlmsg_seq > last) continue;  // a stale answer
      if (h->nlmsg_type == NLMSG_ERROR) {
        nlmsgerr e{};
        if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
          std::memcpy(&e.error, NLMSG_DATA(h), sizeof(int));
        }
        if (e.error != 0) on_error(ctx, h->nlmsg_seq, -e.error);
        --pending;  // an error (or an ack) is final
      } else if (h->nlmsg_type == NLMSG_DONE) {
        --pending;
      } else if (h->nlmsg_type >= NLMSG_MIN_TYPE) {
        on_msg(ctx, h);
        if (!dump) --pending;
      }
      if (pending == 0) break;
    }
  }
  return true;
}

inline core::Result<bool> NftNetlink::table_exists(std::string_view table) {
  using namespace detail;  // NOLINT(google-build-using-namespace)
  std::string buf;
  Builder b(buf);
  const std::uint32_t seq = seq_++;
  b.begin(NFT_MSG_GETTABLE, 0, seq);
  b.attr_string(NFTA_TABLE_NAME, table);
  b.end();
  ++requests_;
  struct Ctx {
    bool found = false;
    int err = 0;
  } ctx;
  auto r = exchange(
      buf, seq, seq, false, &ctx,
      [](const void* c, const void*) { static_cast<Ctx*>(const_cast<void*>(c))->found = true; },
      [](const void* c, std::uint32_t, int err) {
        static_cast<Ctx*>(const_cast<void*>(c))->err = err;
      });
  if (!r) return r.error();
  if (ctx.err == ENOENT) return false;
  if (ctx.err != 0) return sys_error("netlink get table", ctx.err);
  return true;
}

inline core::Result<std::pair<std::uint64_t, std::uint64_t>> NftNetlink::counter(
    std::string_view table, std::string_view name) {
  using namespace detail;  // NOLINT(google-build-using-namespace)
  std::string buf;
  Builder b(buf);
  const std::uint32_t seq = seq_++;
  b.begin(NFT_MSG_GETOBJ, 0, seq);
  b.attr_string(NFTA_OBJ_TABLE, table);
  b.attr_string(NFTA_OBJ_NAME, name);
  const std::uint32_t type = htonl(NFT_OBJECT_COUNTER);
  b.attr(NFTA_OBJ_TYPE, &type, sizeof type);
  b.end();
  ++requests_;
  struct Ctx {
    std::uint64_t packets = 0, bytes = 0;
    bool found = false;
    int err = 0;
  } ctx;
  auto r = exchange(
      buf, seq, seq, false, &ctx,
      [](const void* c, const void* msg) {
        auto* x = static_cast<Ctx*>(const_cast<void*>(c));
        for_each_msg_attr(static_cast<const nlmsghdr*>(msg), [&](const Attr& a) {
          if (a.type != NFTA_OBJ_DATA) return;
          x->found = true;
          for_each_attr(a.data, a.len, [&](const Attr& d) {
            std::uint64_t v = 0;
            if (d.len >= 8) std::memcpy(&v, d.data, 8);
            if (d.type == NFTA_COUNTER_PACKETS) x->packets = be64toh(v);
            if (d.type == NFTA_COUNTER_BYTES) x->bytes = be64toh(v);
          });
        });
      },
      [](const void* c, std::uint32_t, int err) {
        static_cast<Ctx*>(const_cast<void*>(c))->err = err;
      });
  if (!r) return r.error();
  if (ctx.err == ENOENT) {
    return core::make_error("not_found",
                            "no counter " + std::string(name) + " in inet " + std::string(table));
  }
  if (ctx.err != 0) return sys_error("netlink get counter", ctx.err);
  if (!ctx.found) return core::make_error("nft_error", "netlink get counter: no data");
  return std::make_pair(ctx.packets, ctx.bytes);
}

inline core::Result<ChainState> NftNetlink::chain_state(std::string_view table,
                                                        std::string_view chain) {
  using namespace detail;  // NOLINT(google-build-using-namespace)
  ChainState st;
  // The chain itself.
  {
    std::string buf;
    Builder b(buf);
    const std::uint32_t seq = seq_++;
    b.begin(NFT_MSG_GETCHAIN, 0, seq);
    b.attr_string(NFTA_CHAIN_TABLE, table);
    b.attr_string(NFTA_CHAIN_NAME, chain);
    b.end();
    ++requests_;
    struct Ctx {
      ChainState* st;
      int err = 0;
    } ctx{&st};
    auto r = exchange(
        buf, seq, seq, false, &ctx,
        [](const void* c, const void* msg) {
          auto* x = static_cast<Ctx*>(const_cast<void*>(c));
          x->st->exists = true;
          for_each_msg_attr(static_cast<const nlmsghdr*>(msg), [&](const Attr& a) {
            if (a.type != NFTA_CHAIN_HOOK) return;
            x->st->base = true;
            for_each_attr(a.data, a.len, [&](const Attr& h) {
              if (h.type == NFTA_HOOK_HOOKNUM) x->st->hook = hook_name(attr_be32(h));
              if (h.type == NFTA_HOOK_PRIORITY) {
                x->st->priority = static_cast<int>(static_cast<std::int32_t>(attr_be32(h)));
              }
            });
          });
        },
        [](const void* c, std::uint32_t, int err) {
          static_cast<Ctx*>(const_cast<void*>(c))->err = err;
        });
    if (!r) return r.error();
    if (ctx.err == ENOENT) return st;  // no table or no chain
    if (ctx.err != 0) return sys_error("netlink get chain", ctx.err);
  }
  // Its rules: a dump the kernel filters by table and chain.
  std::string buf;
  Builder b(buf);
  const std::uint32_t seq = seq_++;
  b.begin(NFT_MSG_GETRULE, NLM_F_DUMP, seq);
  b.attr_string(NFTA_RULE_TABLE, table);
  b.attr_string(NFTA_RULE_CHAIN, chain);
  b.end();
  ++requests_;
  struct Ctx {
    ChainState* st;
    std::string_view chain;
    int err = 0;
  } ctx{&st, chain};
  auto r = exchange(
      buf, seq, seq, true, &ctx,
      [](const void* c, const void* msg) {
        auto* x = static_cast<Ctx*>(const_cast<void*>(c));
        std::string_view rule_chain;
        std::string looked_up;
        for_each_msg_attr(static_cast<const nlmsghdr*>(msg), [&](const Attr& a) {
          if (a.type == NFTA_RULE_CHAIN) rule_chain = attr_string(a);
          if (a.type != NFTA_RULE_EXPRESSIONS) return;
          for_each_attr(a.data, a.len, [&](const Attr& elem) {  // NFTA_LIST_ELEM
            std::string_view name;
            Attr data;
            for_each_attr(elem.data, elem.len, [&](const Attr& e) {
              if (e.type == NFTA_EXPR_NAME) name = attr_string(e);
              if (e.type == NFTA_EXPR_DATA) data = e;
            });
            if (name != "lookup" || data.data == nullptr) return;
            for_each_attr(data.data, data.len, [&](const Attr& l) {
              if (l.type == NFTA_LOOKUP_SET && looked_up.empty()) looked_up = attr_string(l);
            });
          });
        });
        if (!rule_chain.empty() && rule_chain != x->chain) return;  // unfiltered kernel
        ++x->st->rules;
        x->st->sets.push_back(std::move(looked_up));
      },
      [](const void* c, std::uint32_t, int err) {
        static_cast<Ctx*>(const_cast<void*>(c))->err = err;
      });
  if (!r) return r.error();
  if (ctx.err == ENOENT) return st;  // removed in between: rules stay 0
  if (ctx.err != 0) return sys_error("netlink list rules", ctx.err);
  return st;
}

inline core::Result<std::vector<std::uint8_t>> NftNetlink::elements_present(
    std::string_view table, std::string_view set, std::span<const Target> addresses) {
  using namespace detail;  // NOLINT(google-build-using-namespace)
  std::vector<std::uint8_t> out(addresses.size(), 2);
  std::string buf;
  struct Ctx {
    std::vector<std::uint8_t>* out;
    std::size_t base;  // index of the request with sequence number first
    std::uint32_t first;
  };
  for (std::size_t start = 0; start < addresses.size(); start += kElementsPerSend) {
    const std::size_t end = std::min(addresses.size(), start + kElementsPerSend);
    buf.clear();
    Builder b(buf);
    const std::uint32_t first = seq_;
    for (std::size_t i = start; i < end; ++i) {
      const Target& t = addresses[i];
      const auto& bytes = t.network.bytes();
      const bool v4 = t.is_v4();
      b.begin(NFT_MSG_GETSETELEM, 0, seq_++);
      b.attr_string(NFTA_SET_ELEM_LIST_TABLE, table);
      b.attr_string(NFTA_SET_ELEM_LIST_SET, set);
      auto list = b.nest_begin(NFTA_SET_ELEM_LIST_ELEMENTS);
      auto elem = b.nest_begin(NFTA_LIST_ELEM);
      auto key = b.nest_begin(NFTA_SET_ELEM_KEY);
      // Keys are in network order: IPv4 is the last 4 of the 16 bytes (::ffff:a.b.c.d).
      b.attr(NFTA_DATA_VALUE, bytes.data() + (v4 ? 12 : 0), v4 ? 4 : 16);
      b.nest_end(key);
      b.nest_end(elem);
      b.nest_end(list);
      b.end();
    }
    const std::uint32_t last = seq_ - 1;
    requests_ += end - start;
    Ctx ctx{&out, start, first};
    auto r = exchange(
        buf, first, last, false, &ctx,
        [](const void* c, const void* msg) {
          const auto* x = static_cast<const Ctx*>(c);
          const auto* h = static_cast<const nlmsghdr*>(msg);
          (*x->out)[x->base + (h->nlmsg_seq - x->first)] = 1;
        },
        [](const void* c, std::uint32_t seq, int err) {
          const auto* x = static_cast<const Ctx*>(c);
          if (err == ENOENT) (*x->out)[x->base + (seq - x->first)] = 0;
        });
    if (!r) {
      if (r.error().code == "nft_lost") continue;  // the rest of this send stays unknown
      return r.error();
    }
  }
  return out;
}

inline core::Result<std::vector<EnforcedEntry>> NftNetlink::dump_addresses(std::string_view table,
                                                                           std::string_view set,
                                                                           bool v4) {
  using namespace detail;  // NOLINT(google-build-using-namespace)
  std::string buf;
  Builder b(buf);
  const std::uint32_t seq = seq_++;
  b.begin(NFT_MSG_GETSETELEM, NLM_F_DUMP, seq);
  b.attr_string(NFTA_SET_ELEM_LIST_TABLE, table);
  b.attr_string(NFTA_SET_ELEM_LIST_SET, set);
  b.end();
  ++requests_;
  struct Ctx {
    std::vector<EnforcedEntry>* out;
    std::vector<std::array<std::uint8_t, 16>>* keys;
    std::string set;
    bool v4;
    int err = 0;
  };
  std::vector<EnforcedEntry> out;
  std::vector<std::array<std::uint8_t, 16>> keys;
  Ctx ctx{&out, &keys, std::string(set), v4};
  auto r = exchange(
      buf, seq, seq, true, &ctx,
      [](const void* c, const void* msg) {
        const auto* x = static_cast<const Ctx*>(c);
        for_each_msg_attr(static_cast<const nlmsghdr*>(msg), [&](const Attr& a) {
          if (a.type != NFTA_SET_ELEM_LIST_ELEMENTS) return;
          for_each_attr(a.data, a.len, [&](const Attr& elem) {  // NFTA_LIST_ELEM
            std::array<std::uint8_t, 16> bytes{};
            bool have_key = false;
            std::uint64_t timeout_ms = 0, expires_ms = 0;
            bool has_expiry = false;
            for_each_attr(elem.data, elem.len, [&](const Attr& e) {
              auto u64 = [](const Attr& v) {
                std::uint64_t n = 0;
                if (v.len >= 8) std::memcpy(&n, v.data, 8);
                return be64toh(n);
              };
              if (e.type == NFTA_SET_ELEM_TIMEOUT) timeout_ms = u64(e);
              if (e.type == NFTA_SET_ELEM_EXPIRATION) {
                expires_ms = u64(e);
                has_expiry = true;
              }
              if (e.type != NFTA_SET_ELEM_KEY) return;
              for_each_attr(e.data, e.len, [&](const Attr& v) {
                if (v.type != NFTA_DATA_VALUE) return;
                if (x->v4 && v.len == 4) {
                  bytes[10] = bytes[11] = 0xff;
                  std::memcpy(bytes.data() + 12, v.data, 4);
                  have_key = true;
                } else if (!x->v4 && v.len == 16) {
                  std::memcpy(bytes.data(), v.data, 16);
                  have_key = true;
                }
              });
            });
            if (!have_key) return;
            EnforcedEntry entry;
            entry.target = core::IpAddress::from_bytes(bytes).to_string();
            entry.where = x->set;
            entry.timeout_s = static_cast<std::int64_t>(timeout_ms / 1000);
            entry.expires_s = has_expiry ? static_cast<std::int64_t>(expires_ms / 1000) : -1;
            x->out->push_back(std::move(entry));
            x->keys->push_back(bytes);
          });
        });
      },
      [](const void* c, std::uint32_t, int err) {
        static_cast<Ctx*>(const_cast<void*>(c))->err = err;
      });
  if (!r) return r.error();
  if (ctx.err == ENOENT) return std::vector<EnforcedEntry>{};
  if (ctx.err != 0) return sys_error("netlink list set", ctx.err);
  // In address order, as nft prints them.
  std::vector<std::size_t> order(out.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t c) { return keys[a] < keys[c]; });
  std::vector<EnforcedEntry> sorted;
  sorted.reserve(out.size());
  for (auto i : order) sorted.push_back(std::move(out[i]));
  return sorted;
}

}  // namespace bannin::act::nft
