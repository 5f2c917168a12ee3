// Fuzz target for the KPI series file (bannin/probe/kpi/series_store.h restore()): bytes from
// disk are untrusted. restore() must refuse damage with a located error and restore nothing,
// or restore series that then answer every query and write back to the same bytes.
//
// The first byte picks how the rest is used: 'C' re-computes the checksum first, so the
// structural checks behind it are reached; anything else is restored as it is.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <bannin/core/hash.h>
#include <bannin/probe/kpi/series_store.h>

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using bannin::probe::kpi::SeriesStore;
  if (size == 0) return 0;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] == 'C' && bytes.size() >= 8) {
    const std::uint64_t sum = bannin::core::fnv1a64(bytes.data(), bytes.size() - 8);
    std::memcpy(bytes.data() + bytes.size() - 8, &sum, 8);
  }
  SeriesStore st(64);
  auto r = st.restore(bytes);
  if (!r) {
    check(r.error().code == "bad_series_file", "unexpected error code");
    check(r.error().message.find("(at byte ") != std::string::npos, "error not located");
    check(st.names().empty(), "a refused file restored something");
    return 0;
  }
  const auto names = st.names();
  check(names.size() == *r, "restored count differs from the names");
  constexpr std::int64_t kNs = 1'000'000'000;
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::int64_t sec = 0;
    (void)st.last(static_cast<int>(i), &sec);
    const std::int64_t to = sec > 0 && sec < (std::int64_t{1} << 32) ? sec : 1'800'000'000;
    auto q1 = st.query(names[i], (to - 600) * kNs, to * kNs, kNs);
    check(q1.has_value() && q1->points.size() == 601, "seconds query failed");
    auto q2 = st.query(names[i], (to - 86400) * kNs, to * kNs, 3600 * kNs);
    check(q2.has_value(), "minutes query failed");
    // New values after the restored ones are taken.
    st.add(static_cast<int>(i), (to + 1) * kNs, 1.0);
  }
  std::string again;
  st.serialize(again);
  SeriesStore other(64);
  auto r2 = other.restore(again);
  check(r2.has_value() && *r2 == names.size(), "a restored store does not restore again");
  return 0;
}
