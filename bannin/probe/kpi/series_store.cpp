#include <algorithm>
#include <cstring>
#include <limits>

#include <bannin/core/hash.h>
#include <bannin/probe/kpi/series_store.h>

namespace bannin::probe::kpi {

// The file format (version 1), host byte order (the file never leaves the machine; the
// magic's byte-order mark refuses a file from another one):
//   "BNKPISR1"  u32 0x01020304  u32 version=1  u32 series
//   per series: u16 name length, name bytes,
//               i64 last_sec, i64 cur_min, f64 min_sum, u32 min_n, f32 min_peak, i64 last_min,
//               f32 seconds[3600], f32 minute_mean[1440], f32 minute_max[1440]
//   u64 FNV-1a 64 of everything before it.

namespace {

constexpr char kMagic[8] = {'B', 'N', 'K', 'P', 'I', 'S', 'R', '1'};
constexpr std::uint32_t kByteOrder = 0x01020304;
constexpr std::uint32_t kVersion = 1;
constexpr std::int64_t kNone = std::numeric_limits<std::int64_t>::min();

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

std::size_t ring(std::int64_t t, std::size_t n) {
  const auto m = static_cast<std::int64_t>(n);
  return static_cast<std::size_t>(((t % m) + m) % m);
}

bool good_name(std::string_view name) {
  if (name.empty() || name.size() > SeriesStore::kMaxName) return false;
  for (char c : name) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

template <typename T>
void put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

// Reads from the bytes with bounds checks; `fail` remembers the first problem.
struct Reader {
  std::string_view in;
  std::size_t pos = 0;
  std::string problem;
  std::size_t problem_at = 0;
  bool ok() const { return problem.empty(); }
  void fail(std::string what) {
    if (problem.empty()) {
      problem = std::move(what);
      problem_at = pos;
    }
  }
  bool take(void* dst, std::size_t n) {
    if (!ok()) return false;
    if (in.size() - pos < n) {
      fail("truncated");
      return false;
    }
    std::memcpy(dst, in.data() + pos, n);
    pos += n;
    return true;
  }
  template <typename T>
  T get() {
    T v{};
    take(&v, sizeof v);
    return v;
  }
};

}  // namespace

struct SeriesStore::Series {
  std::string name;
  std::int64_t last_sec = kNone;  // newest second written
  std::int64_t cur_min = kNone;   // minute being accumulated
  double min_sum = 0;
  std::uint32_t min_n = 0;
  float min_peak = NAN;
  std::int64_t last_min = kNone;  // newest completed minute
  std::vector<float> sec = std::vector<float>(kSeconds, NAN);
  std::vector<float> mean = std::vector<float>(kMinutes, NAN);
  std::vector<float> peak = std::vector<float>(kMinutes, NAN);

  // Completes minute `m` (the one being accumulated) into the day ring.
  void finish_minute() {
    if (cur_min == kNone) return;
    if (last_min != kNone) {
      for (std::int64_t t = std::max(last_min + 1, cur_min - static_cast<std::int64_t>(kMinutes));
           t < cur_min; ++t) {
        mean[ring(t, kMinutes)] = NAN;
        peak[ring(t, kMinutes)] = NAN;
      }
    }
    mean[ring(cur_min, kMinutes)] = min_n > 0 ? static_cast<float>(min_sum / min_n) : NAN;
    peak[ring(cur_min, kMinutes)] = min_peak;
    last_min = cur_min;
  }
};

SeriesStore::SeriesStore(std::size_t max_series) : max_series_(max_series) {}
SeriesStore::~SeriesStore() = default;

int SeriesStore::id_locked(std::string_view name) {
  for (std::size_t i = 0; i < series_.size(); ++i) {
    if (series_[i]->name == name) return static_cast<int>(i);
  }
  if (series_.size() >= max_series_ || !good_name(name)) {
    ++refused_;
    return -1;
  }
  auto s = std::make_unique<Series>();
  s->name = std::string(name);
  series_.push_back(std::move(s));
  return static_cast<int>(series_.size() - 1);
}

int SeriesStore::id(std::string_view name) {
  std::lock_guard lock(mu_);
  return id_locked(name);
}

void SeriesStore::add(int id, core::TimeNs ts, double value) {
  std::lock_guard lock(mu_);
  if (id < 0 || static_cast<std::size_t>(id) >= series_.size()) return;
  Series& s = *series_[static_cast<std::size_t>(id)];
  const std::int64_t sec = floor_div(ts, core::kNsPerSec);
  if (s.last_sec != kNone && sec <= s.last_sec) {
    ++late_;
    return;
  }
  if (s.last_sec != kNone) {
    for (std::int64_t t = std::max(s.last_sec + 1, sec - static_cast<std::int64_t>(kSeconds));
         t < sec; ++t) {
      s.sec[ring(t, kSeconds)] = NAN;
    }
  }
  const auto f = static_cast<float>(value);
  s.sec[ring(sec, kSeconds)] = f;
  s.last_sec = sec;
  const std::int64_t minute = floor_div(sec, 60);
  if (minute != s.cur_min) {
    s.finish_minute();
    s.cur_min = minute;
    s.min_sum = 0;
    s.min_n = 0;
    s.min_peak = NAN;
  }
  if (!std::isnan(f)) {
    s.min_sum += value;
    ++s.min_n;
    s.min_peak = std::isnan(s.min_peak) ? f : std::max(s.min_peak, f);
  }
}

core::Result<SeriesStore::Answer> SeriesStore::query(std::string_view name, core::TimeNs from,
                                                     core::TimeNs to, core::TimeNs step) const {
  if (step < core::kNsPerSec || step > 86400 * core::kNsPerSec || step % core::kNsPerSec != 0) {
    return core::make_error("invalid_argument", "step: whole seconds from 1s to 1d");
  }
  const std::int64_t step_s = step / core::kNsPerSec;
  const bool minutes = step_s >= 60;
  if (minutes && step_s % 60 != 0) {
    return core::make_error("invalid_argument",
                            "step: from 1m on, a whole number of minutes (1m, 5m, 1h)");
  }
  if (to < from) return core::make_error("invalid_argument", "to is before from");
  if (from < 0 || to > (std::int64_t{1} << 62)) {
    return core::make_error("invalid_argument", "from/to: outside the times a series can hold");
  }
  const std::int64_t first = floor_div(floor_div(from, core::kNsPerSec), step_s) * step_s;
  const std::int64_t last = floor_div(to, core::kNsPerSec);
  const std::int64_t n = (last - first) / step_s + 1;
  if (n > static_cast<std::int64_t>(kMaxPoints)) {
    return core::make_error("invalid_argument", "too many points (" + std::to_string(n) +
                                                    ", at most " + std::to_string(kMaxPoints) +
                                                    "): a larger step or a shorter range");
  }
  std::lock_guard lock(mu_);
  const Series* s = nullptr;
  for (const auto& x : series_) {
    if (x->name == name) s = x.get();
  }
  if (s == nullptr) {
    return core::make_error("not_found", "no series " + std::string(name.substr(0, kMaxName)) +
                                             " (GET /api/v1/series lists them)");
  }
  Answer a;
  a.name = s->name;
  a.step_s = step_s;
  a.points.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    Point p;
    p.t = first + i * step_s;
    double sum = 0, peak = NAN;
    std::size_t cnt = 0;
    auto take = [&](float mean, float mx) {
      if (std::isnan(mean)) return;
      sum += mean;
      ++cnt;
      const double m2 = std::isnan(mx) ? mean : mx;
      peak = std::isnan(peak) ? m2 : std::max(peak, m2);
    };
    if (!minutes) {
      if (s->last_sec != kNone) {
        const std::int64_t lo =
            std::max(p.t, s->last_sec - static_cast<std::int64_t>(kSeconds) + 1);
        const std::int64_t hi = std::min(p.t + step_s - 1, s->last_sec);
        for (std::int64_t t = lo; t <= hi; ++t) {
          const float v = s->sec[ring(t, kSeconds)];
          take(v, v);
        }
      }
    } else {
      const std::int64_t m0 = floor_div(p.t, 60), m1 = floor_div(p.t + step_s, 60);
      if (s->cur_min != kNone && s->cur_min >= m0 && s->cur_min < m1 && s->min_n > 0) {
        // the minute still being filled
        take(static_cast<float>(s->min_sum / s->min_n), s->min_peak);
      }
      if (s->last_min != kNone) {
        // Only the minutes the ring holds are visited (a range far in the past costs nothing).
        const std::int64_t lo = std::max(m0, s->last_min - static_cast<std::int64_t>(kMinutes) + 1);
        const std::int64_t hi = std::min(m1 - 1, s->last_min);
        for (std::int64_t m = lo; m <= hi; ++m) {
          take(s->mean[ring(m, kMinutes)], s->peak[ring(m, kMinutes)]);
        }
      }
    }
    if (cnt > 0) {
      p.value = sum / static_cast<double>(cnt);
      p.max = peak;
    }
    a.points.push_back(p);
  }
  return a;
}

std::vector<std::string> SeriesStore::names() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  out.reserve(series_.size());
  for (const auto& s : series_) out.push_back(s->name);
  return out;
}

double SeriesStore::last(int id, std::int64_t* second) const {
  std::lock_guard lock(mu_);
  if (second != nullptr) *second = 0;
  if (id < 0 || static_cast<std::size_t>(id) >= series_.size()) return NAN;
  const Series& s = *series_[static_cast<std::size_t>(id)];
  if (s.last_sec == kNone) return NAN;
  if (second != nullptr) *second = s.last_sec;
  return s.sec[ring(s.last_sec, kSeconds)];
}

SeriesStore::Stats SeriesStore::stats() const {
  std::lock_guard lock(mu_);
  Stats st;
  st.series = series_.size();
  st.bytes = series_.size() * kBytesPerSeries;
  st.refused = refused_;
  st.late = late_;
  return st;
}

void SeriesStore::serialize(std::string& out) const {
  out.clear();
  std::lock_guard lock(mu_);
  out.reserve(64 + series_.size() * (kBytesPerSeries + kMaxName + 64));
  out.append(kMagic, sizeof kMagic);
  put(out, kByteOrder);
  put(out, kVersion);
  put(out, static_cast<std::uint32_t>(series_.size()));
  for (const auto& sp : series_) {
    const Series& s = *sp;
    put(out, static_cast<std::uint16_t>(s.name.size()));
    out.append(s.name);
    put(out, s.last_sec);
    put(out, s.cur_min);
    put(out, s.min_sum);
    put(out, s.min_n);
    put(out, s.min_peak);
    put(out, s.last_min);
    out.append(reinterpret_cast<const char*>(s.sec.data()), kSeconds * sizeof(float));
    out.append(reinterpret_cast<const char*>(s.mean.data()), kMinutes * sizeof(float));
    out.append(reinterpret_cast<const char*>(s.peak.data()), kMinutes * sizeof(float));
  }
  put(out, core::fnv1a64(out.data(), out.size()));
}

core::Result<std::size_t> SeriesStore::restore(std::string_view bytes) {
  Reader r;
  r.in = bytes;
  char magic[sizeof kMagic];
  r.take(magic, sizeof magic);
  if (r.ok() && std::memcmp(magic, kMagic, sizeof kMagic) != 0) r.fail("not a bannin series file");
  if (r.ok() && r.get<std::uint32_t>() != kByteOrder) {
    r.fail("written on a machine of another byte order");
  }
  if (r.ok() && r.get<std::uint32_t>() != kVersion) r.fail("unknown version");
  const auto count = r.get<std::uint32_t>();
  if (r.ok() && count > max_series_) r.fail("more series than this store holds");
  // The checksum first: a damaged file is refused before any of it is trusted.
  if (r.ok()) {
    if (bytes.size() < r.pos + sizeof(std::uint64_t)) {
      r.fail("truncated");
    } else {
      std::uint64_t sum = 0;
      std::memcpy(&sum, bytes.data() + bytes.size() - sizeof sum, sizeof sum);
      if (sum != core::fnv1a64(bytes.data(), bytes.size() - sizeof sum))
        r.fail("checksum mismatch");
    }
  }
  std::vector<std::unique_ptr<Series>> loaded;
  for (std::uint32_t i = 0; r.ok() && i < count; ++i) {
    auto s = std::make_unique<Series>();
    const auto len = r.get<std::uint16_t>();
    if (!r.ok()) break;
    if (len == 0 || len > kMaxName) {
      r.fail("bad name length");
      break;
    }
    s->name.resize(len);
    if (!r.take(s->name.data(), len)) break;
    if (!good_name(s->name)) {
      r.fail("bad name");
      break;
    }
    s->last_sec = r.get<std::int64_t>();
    s->cur_min = r.get<std::int64_t>();
    s->min_sum = r.get<double>();
    s->min_n = r.get<std::uint32_t>();
    s->min_peak = r.get<float>();
    s->last_min = r.get<std::int64_t>();
    r.take(s->sec.data(), kSeconds * sizeof(float));
    r.take(s->mean.data(), kMinutes * sizeof(float));
    r.take(s->peak.data(), kMinutes * sizeof(float));
    if (!r.ok()) break;
    // The times must agree with each other, or add() and query() would misread the rings.
    const bool none = s->last_sec == kNone;
    const bool times_ok =
        none ? s->cur_min == kNone && s->last_min == kNone
             : s->last_sec > -(1LL << 40) && s->last_sec < (1LL << 40) &&
                   s->cur_min == floor_div(s->last_sec, 60) &&
                   (s->last_min == kNone ||
                    (s->last_min < s->cur_min && s->last_min > s->cur_min - (1LL << 30)));
    if (!times_ok || s->min_n > 3600 || !std::isfinite(s->min_sum)) {
      r.fail("inconsistent times in series " + s->name);
      break;
    }
    for (const auto& other : loaded) {
      if (other->name == s->name) r.fail("series " + s->name + " twice");
    }
    loaded.push_back(std::move(s));
  }
  if (r.ok() && r.pos + sizeof(std::uint64_t) != bytes.size()) r.fail("extra bytes at the end");
  if (!r.ok()) {
    return core::make_error("bad_series_file",
                            r.problem + " (at byte " + std::to_string(r.problem_at) + ")");
  }
  std::lock_guard lock(mu_);
  std::size_t restored = 0;
  for (auto& s : loaded) {
    const int id = id_locked(s->name);
    if (id < 0) continue;
    series_[static_cast<std::size_t>(id)] = std::move(s);
    ++restored;
  }
  return restored;
}

void CounterRate::record(SeriesStore& st, std::string_view name, core::TimeNs wall, core::TimeNs dt,
                         std::uint64_t total) {
  if (id == -2) id = st.id(name);
  if (have && dt > 0) {
    const double delta = total >= prev ? static_cast<double>(total - prev) : 0.0;
    st.add(id, wall, delta * 1e9 / static_cast<double>(dt));
  }
  prev = total;
  have = true;
}

}  // namespace bannin::probe::kpi
