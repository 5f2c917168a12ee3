#include <array>

#include <arpa/inet.h>

#include <bannin/probe/domain/dns_message.h>

namespace bannin::probe::domain {
namespace {

constexpr std::size_t kMaxRecords = 512;  // per section; a UDP/TCP answer rarely holds more
constexpr int kMaxPointerHops = 64;       // compression pointers followed for one name
constexpr std::size_t kMaxNameLength = 255;

class Reader {
 public:
  Reader(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
  bool u8(std::uint8_t& v) {
    if (pos_ + 1 > n_) return false;
    v = d_[pos_++];
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (pos_ + 2 > n_) return false;
    v = static_cast<std::uint16_t>((d_[pos_] << 8) | d_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (pos_ + 4 > n_) return false;
    v = (static_cast<std::uint32_t>(d_[pos_]) << 24) |
        (static_cast<std::uint32_t>(d_[pos_ + 1]) << 16) |
        (static_cast<std::uint32_t>(d_[pos_ + 2]) << 8) | d_[pos_ + 3];
    pos_ += 4;
    return true;
  }
  bool skip(std::size_t k) {
    if (k > n_ - pos_) return false;
    pos_ += k;
    return true;
  }
  /// Reads a (possibly compressed) name starting at the current position.
  bool name(std::string& out) { return name_at(pos_, out, true); }
  /// Reads a name at an absolute offset without moving the cursor.
  bool name_at_offset(std::size_t off, std::string& out) {
    std::size_t p = off;
    return name_at(p, out, false);
  }
  [[nodiscard]] std::size_t pos() const noexcept { return pos_; }
  [[nodiscard]] std::size_t size() const noexcept { return n_; }
  [[nodiscard]] const std::uint8_t* data() const noexcept { return d_; }

 private:
  bool name_at(std::size_t& cursor, std::string& out, bool advance) {
    out.clear();
    std::size_t p = cursor;
    std::size_t end_of_first = 0;  // where the cursor continues after the name
    bool jumped = false;
    int hops = 0;
    std::size_t wire_len = 1;
    for (;;) {
      if (p >= n_) return false;
      std::uint8_t len = d_[p];
      if ((len & 0xC0) == 0xC0) {
        if (p + 1 >= n_) return false;
        std::size_t target = (static_cast<std::size_t>(len & 0x3F) << 8) | d_[p + 1];
        // Only backwards pointers: a forward or self pointer could loop or read garbage.
        if (target >= p || ++hops > kMaxPointerHops) return false;
        if (!jumped) end_of_first = p + 2;
        jumped = true;
        p = target;
        continue;
      }
      if ((len & 0xC0) != 0) return false;  // 0x40/0x80 label types are obsolete
      if (len == 0) {
        if (!jumped) end_of_first = p + 1;
        break;
      }
      if (p + 1 + len > n_) return false;
      wire_len += len + 1u;
      if (wire_len > kMaxNameLength) return false;
      if (!out.empty()) out.push_back('.');
      for (std::size_t i = 0; i < len; ++i) {
        auto c = static_cast<char>(d_[p + 1 + i]);
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        out.push_back(c);
      }
      p += 1 + len;
    }
    if (advance) {
      cursor = end_of_first;
      pos_ = end_of_first;
    }
    return true;
  }

  const std::uint8_t* d_;
  std::size_t n_;
  std::size_t pos_ = 0;
};

bool read_record(Reader& r, DnsRecord& rec, DnsMessage& msg, bool& is_opt, bool& bad_rdata) {
  is_opt = false;
  std::uint16_t rdlen = 0;
  if (!r.name(rec.name) || !r.u16(rec.type) || !r.u16(rec.klass) || !r.u32(rec.ttl) ||
      !r.u16(rdlen)) {
    return false;
  }
  std::size_t start = r.pos();
  if (rdlen > r.size() - start) return false;
  const std::uint8_t* rd = r.data() + start;
  rec.data.clear();
  switch (rec.type) {
    case static_cast<std::uint16_t>(RrType::A):
      if (rdlen == 4) {
        char buf[INET_ADDRSTRLEN];
        if (inet_ntop(AF_INET, rd, buf, sizeof buf) != nullptr) rec.data = buf;
      } else {
        bad_rdata = true;
      }
      break;
    case static_cast<std::uint16_t>(RrType::AAAA):
      if (rdlen == 16) {
        char buf[INET6_ADDRSTRLEN];
        if (inet_ntop(AF_INET6, rd, buf, sizeof buf) != nullptr) rec.data = buf;
      } else {
        bad_rdata = true;
      }
      break;
    case static_cast<std::uint16_t>(RrType::NS):
    case static_cast<std::uint16_t>(RrType::CNAME):
    case static_cast<std::uint16_t>(RrType::SOA): {
      // The target (or SOA MNAME) must lie inside the rdata; compression may point before it.
      Reader sub(r.data(), start + rdlen);
      if (!sub.name_at_offset(start, rec.data)) bad_rdata = true;
      break;
    }
    case static_cast<std::uint16_t>(RrType::OPT): {
      is_opt = true;
      msg.has_opt = true;
      std::size_t p = 0;
      while (p + 4 <= rdlen) {
        std::uint16_t code = static_cast<std::uint16_t>((rd[p] << 8) | rd[p + 1]);
        std::uint16_t olen = static_cast<std::uint16_t>((rd[p + 2] << 8) | rd[p + 3]);
        p += 4;
        if (olen > rdlen - p) {
          bad_rdata = true;
          break;
        }
        if (code == 15 && olen >= 2 && !msg.ede_code) {  // RFC 8914 Extended DNS Error
          msg.ede_code = static_cast<std::uint16_t>((rd[p] << 8) | rd[p + 1]);
          for (std::size_t i = 2; i < olen && msg.ede_text.size() < 256; ++i) {
            char c = static_cast<char>(rd[p + i]);
            msg.ede_text.push_back(c >= 0x20 && c < 0x7f ? c : '?');
          }
        }
        p += olen;
      }
      break;
    }
    default:
      break;
  }
  return r.skip(rdlen);
}

}  // namespace

bool DnsMessage::has_soa_in_authority() const noexcept {
  for (const DnsRecord& r : authority) {
    if (r.type == static_cast<std::uint16_t>(RrType::SOA)) return true;
  }
  return false;
}

std::vector<const DnsRecord*> DnsMessage::find(const std::vector<DnsRecord>& section, RrType type,
                                               std::string_view owner) const {
  std::vector<const DnsRecord*> out;
  for (const DnsRecord& r : section) {
    if (r.type == static_cast<std::uint16_t>(type) && r.name == owner) out.push_back(&r);
  }
  return out;
}

core::Result<DnsMessage> parse_dns_message(const std::uint8_t* data, std::size_t size) {
  if (data == nullptr || size < 12) {
    return core::make_error("dns_short_header", "DNS message shorter than its 12-byte header");
  }
  Reader r(data, size);
  DnsMessage m;
  std::uint16_t flags = 0;
  std::array<std::uint16_t, 4> counts{};
  (void)r.u16(m.id);
  (void)r.u16(flags);
  for (auto& c : counts) (void)r.u16(c);
  m.qr = (flags & 0x8000) != 0;
  m.aa = (flags & 0x0400) != 0;
  m.tc = (flags & 0x0200) != 0;
  m.rd = (flags & 0x0100) != 0;
  m.ra = (flags & 0x0080) != 0;
  m.rcode = static_cast<std::uint8_t>(flags & 0x000F);
  for (std::uint16_t i = 0; i < counts[0]; ++i) {
    std::string qn;
    std::uint16_t qt = 0;
    std::uint16_t qc = 0;
    if (!r.name(qn) || !r.u16(qt) || !r.u16(qc)) {
      return core::make_error("dns_truncated", "DNS question section is cut short or malformed");
    }
    if (i == 0) {
      m.qname = std::move(qn);
      m.qtype = qt;
    }
  }
  bool bad_rdata = false;
  std::vector<DnsRecord>* sections[3] = {&m.answer, &m.authority, &m.additional};
  for (int s = 0; s < 3; ++s) {
    for (std::uint16_t i = 0; i < counts[static_cast<std::size_t>(s) + 1]; ++i) {
      DnsRecord rec;
      bool is_opt = false;
      if (!read_record(r, rec, m, is_opt, bad_rdata)) {
        return core::make_error("dns_truncated", "DNS record section is cut short or malformed");
      }
      if (is_opt) continue;
      if (sections[s]->size() < kMaxRecords) sections[s]->push_back(std::move(rec));
    }
  }
  if (bad_rdata) {
    return core::make_error("dns_bad_rdata", "DNS record data does not match its type");
  }
  return m;
}

std::string rcode_name(std::uint8_t rcode) {
  switch (rcode) {
    case 0:
      return "NOERROR";
    case 1:
      return "FORMERR";
    case 2:
      return "SERVFAIL";
    case 3:
      return "NXDOMAIN";
    case 4:
      return "NOTIMP";
    case 5:
      return "REFUSED";
    default:
      return "RCODE" + std::to_string(rcode);
  }
}

std::string normalize_name(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

}  // namespace bannin::probe::domain
