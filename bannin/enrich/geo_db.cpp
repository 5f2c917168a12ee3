#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include <maxminddb.h>
#include <sys/socket.h>

#include <bannin/enrich/geo_db.h>

namespace bannin::enrich {

CountryCode CountryCode::from(std::string_view s) noexcept {
  CountryCode c;
  if (s.size() == 2 && std::isalpha(static_cast<unsigned char>(s[0])) &&
      std::isalpha(static_cast<unsigned char>(s[1]))) {
    c.c_[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    c.c_[1] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[1])));
  }
  return c;
}

namespace {

// IPv4 ranges take 10 bytes each, IPv6 ranges 34: the tor files (≈390 k + 280 k lines)
// load into ≈13 MB, searched by binary search on the first address.
struct V4Range {
  std::uint32_t first, last;
  CountryCode cc;
};
struct V6Range {
  std::array<std::uint8_t, 16> first, last;
  CountryCode cc;
};

}  // namespace

struct GeoDb::Impl {
  std::vector<V4Range> v4;
  std::vector<V6Range> v6;
  MMDB_s mmdb{};
  bool mmdb_open = false;
  ~Impl() {
    if (mmdb_open) MMDB_close(&mmdb);
  }
};

GeoDb::GeoDb() : impl_(std::make_unique<Impl>()) {}
GeoDb::~GeoDb() = default;
GeoDb::GeoDb(GeoDb&&) noexcept = default;
GeoDb& GeoDb::operator=(GeoDb&&) noexcept = default;

namespace {

bool parse_u32(std::string_view s, std::uint32_t& out) {
  if (s.empty() || s.size() > 10) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > 0xffffffffULL) return false;
  out = static_cast<std::uint32_t>(v);
  return true;
}

// Reads "first,last,CC" lines; calls add(first, last, cc) for each. Returns an error naming
// file:line for the first malformed line (a corrupt database is refused, not half-loaded).
template <typename Add>
core::Result<int> read_ranges(const std::string& path, Add add) {
  // Read the whole file at once (a few MB) and split it in place: getline on an istream was
  // most of the start-up time.
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return core::make_error("geo_open", path + ": " + std::strerror(errno));
  }
  in.seekg(0, std::ios::end);
  std::string text(static_cast<std::size_t>(std::max<std::streamoff>(0, in.tellg())), '\0');
  in.seekg(0, std::ios::beg);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (!in) return core::make_error("geo_read", path + ": read failed");
  int n = 0, line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string_view l(text.data() + pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (l.empty() || l[0] == '#') continue;
    std::size_t c1 = l.find(','), c2 = c1 == std::string_view::npos ? c1 : l.find(',', c1 + 1);
    if (c2 == std::string_view::npos ||
        !add(l.substr(0, c1), l.substr(c1 + 1, c2 - c1 - 1), l.substr(c2 + 1))) {
      return core::make_error("geo_syntax", path + ":" + std::to_string(line_no) +
                                                ": expected FIRST,LAST,CC, got '" + std::string(l) +
                                                "'");
    }
    ++n;
  }
  return n;
}

// The tor files come sorted; sort only when they are not.
template <typename V>
void sort_ranges(V& v) {
  auto less = [](const auto& x, const auto& y) { return x.first < y.first; };
  if (!std::is_sorted(v.begin(), v.end(), less)) std::sort(v.begin(), v.end(), less);
}

}  // namespace

core::Result<GeoDb> GeoDb::load_tor(const std::string& v4_path, const std::string& v6_path) {
  GeoDb db;
  Impl& im = *db.impl_;
  if (!v4_path.empty()) {
    auto r = read_ranges(v4_path, [&](std::string_view a, std::string_view b, std::string_view c) {
      V4Range r4{};
      if (!parse_u32(a, r4.first) || !parse_u32(b, r4.last) || r4.first > r4.last) return false;
      r4.cc = CountryCode::from(c);  // "??" (unknown) stays empty
      if (r4.cc.known()) im.v4.push_back(r4);
      return true;
    });
    if (!r) return r.error();
  }
  if (!v6_path.empty()) {
    auto r = read_ranges(v6_path, [&](std::string_view a, std::string_view b, std::string_view c) {
      auto fa = core::IpAddress::parse(a), fb = core::IpAddress::parse(b);
      if (!fa || !fb || fa->is_v4() || *fb < *fa) return false;
      V6Range r6{fa->bytes(), fb->bytes(), CountryCode::from(c)};
      if (r6.cc.known()) im.v6.push_back(r6);
      return true;
    });
    if (!r) return r.error();
  }
  sort_ranges(im.v4);
  sort_ranges(im.v6);
  return db;
}

GeoDb GeoDb::from_ranges(
    const std::vector<std::tuple<core::IpAddress, core::IpAddress, CountryCode>>& ranges) {
  GeoDb db;
  for (const auto& [a, b, cc] : ranges) {
    if (a.is_v4() && b.is_v4()) {
      db.impl_->v4.push_back({a.v4(), b.v4(), cc});
    } else {
      db.impl_->v6.push_back({a.bytes(), b.bytes(), cc});
    }
  }
  std::sort(db.impl_->v4.begin(), db.impl_->v4.end(),
            [](auto& x, auto& y) { return x.first < y.first; });
  std::sort(db.impl_->v6.begin(), db.impl_->v6.end(),
            [](auto& x, auto& y) { return x.first < y.first; });
  return db;
}

core::Result<GeoDb> GeoDb::load_mmdb(const std::string& path) {
  GeoDb db;
  int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &db.impl_->mmdb);
  if (status != MMDB_SUCCESS) {
    return core::make_error("geo_open", path + ": " + MMDB_strerror(status));
  }
  db.impl_->mmdb_open = true;
  return db;
}

namespace {

// Looks up ip in an open mmdb; fills entry. False when not found or on error.
bool mmdb_lookup(MMDB_s& mmdb, const core::IpAddress& ip, MMDB_lookup_result_s& res) {
  sockaddr_storage ss{};
  if (ip.is_v4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    std::memcpy(&sin->sin_addr, ip.bytes().data() + 12, 4);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    std::memcpy(&sin6->sin6_addr, ip.bytes().data(), 16);
  }
  int err = 0;
  res = MMDB_lookup_sockaddr(&mmdb, reinterpret_cast<sockaddr*>(&ss), &err);
  return err == MMDB_SUCCESS && res.found_entry;
}

}  // namespace

CountryCode GeoDb::country(const core::IpAddress& ip) const noexcept {
  const Impl& im = *impl_;
  if (im.mmdb_open) {
    MMDB_lookup_result_s res{};
    if (!mmdb_lookup(const_cast<MMDB_s&>(im.mmdb), ip, res)) return {};
    MMDB_entry_data_s data{};
    if (MMDB_get_value(&res.entry, &data, "country", "iso_code", nullptr) == MMDB_SUCCESS &&
        data.has_data && data.type == MMDB_DATA_TYPE_UTF8_STRING) {
      return CountryCode::from(std::string_view(data.utf8_string, data.data_size));
    }
    return {};
  }
  if (ip.is_v4()) {
    std::uint32_t a = ip.v4();
    auto it = std::upper_bound(im.v4.begin(), im.v4.end(), a,
                               [](std::uint32_t v, const V4Range& r) { return v < r.first; });
    if (it == im.v4.begin()) return {};
    --it;
    return a <= it->last ? it->cc : CountryCode{};
  }
  const auto& b = ip.bytes();
  auto it = std::upper_bound(
      im.v6.begin(), im.v6.end(), b,
      [](const std::array<std::uint8_t, 16>& v, const V6Range& r) { return v < r.first; });
  if (it == im.v6.begin()) return {};
  --it;
  return b <= it->last ? it->cc : CountryCode{};
}

std::uint32_t GeoDb::asn(const core::IpAddress& ip) const noexcept {
  const Impl& im = *impl_;
  if (!im.mmdb_open) return 0;
  MMDB_lookup_result_s res{};
  if (!mmdb_lookup(const_cast<MMDB_s&>(im.mmdb), ip, res)) return 0;
  MMDB_entry_data_s data{};
  if (MMDB_get_value(&res.entry, &data, "autonomous_system_number", nullptr) == MMDB_SUCCESS &&
      data.has_data && data.type == MMDB_DATA_TYPE_UINT32) {
    return data.uint32;
  }
  return 0;
}

std::size_t GeoDb::ranges() const noexcept {
  return impl_->v4.size() + impl_->v6.size();
}
bool GeoDb::has_mmdb() const noexcept {
  return impl_->mmdb_open;
}

}  // namespace bannin::enrich

namespace bannin::enrich {

namespace {

__extension__ typedef unsigned __int128 U128;  // NOLINT(modernize-use-using)

U128 to_u128(const std::array<std::uint8_t, 16>& b) {
  U128 v = 0;
  for (auto x : b) v = (v << 8) | x;
  return v;
}

std::array<std::uint8_t, 16> from_u128(U128 v) {
  std::array<std::uint8_t, 16> b{};
  for (int i = 15; i >= 0; --i) {
    b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v & 0xff);
    v >>= 8;
  }
  return b;
}

// Splits [first, last] (addresses of `bits` bits, held in a U128) into the fewest prefixes.
template <typename Emit>
void split_range(U128 first, U128 last, unsigned bits, Emit emit) {
  const U128 top = bits == 128 ? ~U128{0} : ((U128{1} << bits) - 1);
  for (;;) {
    unsigned host = 0;  // the largest block aligned at first that stays within last
    while (host < bits) {
      U128 size_mask = host + 1 >= 128 ? ~U128{0} : ((U128{1} << (host + 1)) - 1);
      if ((first & size_mask) != 0) break;
      if ((first | size_mask) > last) break;
      ++host;
    }
    emit(first, bits - host);
    U128 block_last = host == 128 ? top : (first | ((U128{1} << host) - 1));
    if (block_last >= last || block_last == top) return;
    first = block_last + 1;
  }
}

bool wanted(const std::vector<CountryCode>& countries, CountryCode cc) {
  return std::find(countries.begin(), countries.end(), cc) != countries.end();
}

struct Collect {
  std::vector<std::pair<U128, U128>> v4, v6;
  static void add(std::vector<std::pair<U128, U128>>& v, U128 a, U128 b) {
    if (!v.empty() && v.back().second + 1 == a) {
      v.back().second = b;
    } else {
      v.emplace_back(a, b);
    }
  }
  std::vector<core::IpPrefix> finish() {
    std::vector<core::IpPrefix> out;
    for (auto* list : {&v4, &v6}) {
      std::sort(list->begin(), list->end());
      std::vector<std::pair<U128, U128>> merged;
      for (auto& r : *list) add(merged, r.first, r.second);
      const bool is4 = list == &v4;
      for (auto& [a, b] : merged) {
        split_range(a, b, is4 ? 32 : 128, [&](U128 net, unsigned len) {
          core::IpPrefix p;
          p.network = is4 ? core::IpAddress::from_v4(static_cast<std::uint32_t>(net))
                          : core::IpAddress::from_bytes(from_u128(net));
          p.len = len;
          out.push_back(p);
        });
      }
    }
    return out;
  }
};

// Depth-first walk of an .mmdb search tree. `bits` address bits decided so far, `net` them.
void walk_mmdb(MMDB_s& mmdb, std::uint32_t node, unsigned depth, U128 net,
               const std::vector<CountryCode>& countries, Collect& c) {
  MMDB_search_node_s sn{};
  if (MMDB_read_node(&mmdb, node, &sn) != MMDB_SUCCESS) return;
  const unsigned tree_bits = mmdb.metadata.ip_version == 6 ? 128 : 32;
  for (int side = 0; side < 2; ++side) {
    U128 child = net | (side == 0 ? U128{0} : (U128{1} << (tree_bits - 1 - depth)));
    std::uint8_t type = side == 0 ? sn.left_record_type : sn.right_record_type;
    std::uint64_t rec = side == 0 ? sn.left_record : sn.right_record;
    unsigned len = depth + 1;
    if (tree_bits == 128) {
      // ::ffff:0:0/96 and 2002::/16 alias the IPv4 subtree (::/96): skip them.
      if (len == 96 && (child >> 32) == 0xffff) continue;
      if (len == 16 && (child >> 112) == 0x2002) continue;
    }
    if (type == MMDB_RECORD_TYPE_SEARCH_NODE) {
      if (len < tree_bits) {
        walk_mmdb(mmdb, static_cast<std::uint32_t>(rec), len, child, countries, c);
      }
    } else if (type == MMDB_RECORD_TYPE_DATA) {
      MMDB_entry_s entry = side == 0 ? sn.left_record_entry : sn.right_record_entry;
      MMDB_entry_data_s data{};
      if (MMDB_get_value(&entry, &data, "country", "iso_code", nullptr) != MMDB_SUCCESS ||
          !data.has_data || data.type != MMDB_DATA_TYPE_UTF8_STRING) {
        continue;
      }
      CountryCode cc = CountryCode::from(std::string_view(data.utf8_string, data.data_size));
      if (!wanted(countries, cc)) continue;
      U128 last = len >= tree_bits ? child : (child | ((U128{1} << (tree_bits - len)) - 1));
      if (tree_bits == 32) {
        Collect::add(c.v4, child, last);
      } else if (len >= 96 && (child >> 32) == 0) {
        Collect::add(c.v4, child & 0xffffffffU, last & 0xffffffffU);  // ::a.b.c.d = IPv4
      } else {
        Collect::add(c.v6, child, last);
      }
    }
  }
}

}  // namespace

std::vector<core::IpPrefix> GeoDb::networks(const std::vector<CountryCode>& countries) const {
  const Impl& im = *impl_;
  Collect c;
  if (im.mmdb_open) {
    walk_mmdb(const_cast<MMDB_s&>(im.mmdb), 0, 0, 0, countries, c);
    return c.finish();
  }
  for (const auto& r : im.v4) {
    if (wanted(countries, r.cc)) c.v4.emplace_back(r.first, r.last);
  }
  for (const auto& r : im.v6) {
    if (wanted(countries, r.cc)) c.v6.emplace_back(to_u128(r.first), to_u128(r.last));
  }
  return c.finish();
}

}  // namespace bannin::enrich
