// Builds DNS answer packets for the probe unit tests (no compression unless asked).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bannin::probe::domain::testing {

class PacketBuilder {
 public:
  PacketBuilder(std::uint16_t flags, const std::string& qname, std::uint16_t qtype) {
    u16(0x1234);
    u16(flags);
    u16(1);
    u16(0);
    u16(0);
    u16(0);
    name(qname);
    u16(qtype);
    u16(1);
  }
  // section: 0 answer, 1 authority, 2 additional
  PacketBuilder& rr(int section, const std::string& owner, std::uint16_t type,
                    const std::vector<std::uint8_t>& rdata, std::uint32_t ttl = 300) {
    name(owner);
    u16(type);
    u16(1);
    u16(static_cast<std::uint16_t>(ttl >> 16));
    u16(static_cast<std::uint16_t>(ttl & 0xffff));
    u16(static_cast<std::uint16_t>(rdata.size()));
    b_.insert(b_.end(), rdata.begin(), rdata.end());
    std::size_t idx = 6 + 2 * static_cast<std::size_t>(section);
    std::uint16_t c = static_cast<std::uint16_t>((b_[idx] << 8 | b_[idx + 1]) + 1);
    b_[idx] = static_cast<std::uint8_t>(c >> 8);
    b_[idx + 1] = static_cast<std::uint8_t>(c & 0xff);
    return *this;
  }
  static std::vector<std::uint8_t> name_rdata(const std::string& n) {
    PacketBuilder tmp;
    tmp.name(n);
    return tmp.b_;
  }
  static std::vector<std::uint8_t> a(std::uint8_t a1, std::uint8_t a2, std::uint8_t a3,
                                     std::uint8_t a4) {
    return {a1, a2, a3, a4};
  }
  static std::vector<std::uint8_t> soa(const std::string& mname) {
    std::vector<std::uint8_t> r = name_rdata(mname);
    std::vector<std::uint8_t> rn = name_rdata("hostmaster." + mname);
    r.insert(r.end(), rn.begin(), rn.end());
    for (int i = 0; i < 20; ++i) r.push_back(static_cast<std::uint8_t>(i == 3 ? 1 : 0));
    return r;
  }
  // An OPT record with an EDE option (code 15).
  PacketBuilder& opt_ede(std::uint16_t info, const std::string& text) {
    std::vector<std::uint8_t> rd = {0,
                                    15,
                                    static_cast<std::uint8_t>((2 + text.size()) >> 8),
                                    static_cast<std::uint8_t>((2 + text.size()) & 0xff),
                                    static_cast<std::uint8_t>(info >> 8),
                                    static_cast<std::uint8_t>(info & 0xff)};
    rd.insert(rd.end(), text.begin(), text.end());
    return rr(2, "", 41, rd, 0);
  }
  [[nodiscard]] const std::vector<std::uint8_t>& bytes() const { return b_; }

 private:
  PacketBuilder() = default;
  void u16(std::uint16_t v) {
    b_.push_back(static_cast<std::uint8_t>(v >> 8));
    b_.push_back(static_cast<std::uint8_t>(v & 0xff));
  }
  void name(const std::string& n) {
    std::size_t start = 0;
    while (start < n.size()) {
      std::size_t dot = n.find('.', start);
      if (dot == std::string::npos) dot = n.size();
      b_.push_back(static_cast<std::uint8_t>(dot - start));
      for (std::size_t i = start; i < dot; ++i) b_.push_back(static_cast<std::uint8_t>(n[i]));
      start = dot + 1;
    }
    b_.push_back(0);
  }
  std::vector<std::uint8_t> b_;
};

constexpr std::uint16_t kQr = 0x8000;
constexpr std::uint16_t kAa = 0x0400;
constexpr std::uint16_t kRd = 0x0100;
constexpr std::uint16_t kRa = 0x0080;

}  // namespace bannin::probe::domain::testing
