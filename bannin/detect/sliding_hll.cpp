#include <cmath>
#include <limits>

#include <bannin/detect/sliding_hll.h>

namespace bannin::detect {

namespace {

// Ertl (2017), Algorithm 6: sigma and tau series.
double sigma(double x) {
  if (x == 1.0) return std::numeric_limits<double>::infinity();
  double y = 1.0, z = x, z_old = 0.0;
  do {
    x *= x;
    z_old = z;
    z += x * y;
    y += y;
  } while (z != z_old);
  return z;
}

double tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0, z = 1.0 - x, z_old = 0.0;
  do {
    x = std::sqrt(x);
    z_old = z;
    y *= 0.5;
    z -= (1.0 - x) * (1.0 - x) * y;
  } while (z != z_old);
  return z / 3.0;
}

}  // namespace

SlidingHll::SlidingHll() {
  epoch_.fill(-1);
  histogram_[0] = kRegisters;
}

void SlidingHll::raise(std::size_t idx, std::uint8_t rank) noexcept {
  std::uint8_t old = merged_[idx];
  if (rank <= old) return;
  --histogram_[old];
  ++histogram_[rank];
  merged_[idx] = rank;
  estimate_valid_ = false;
}

void SlidingHll::remerge(std::int64_t now_bucket) noexcept {
  merged_.fill(0);
  for (std::size_t b = 0; b < kBuckets; ++b) {
    if (epoch_[b] < 0 || epoch_[b] <= now_bucket - static_cast<std::int64_t>(kBuckets) ||
        epoch_[b] > now_bucket) {
      continue;
    }
    const auto& r = regs_[b];
    for (std::size_t i = 0; i < kRegisters; ++i) {
      if (r[i] > merged_[i]) merged_[i] = r[i];
    }
  }
  histogram_.fill(0);
  for (std::size_t i = 0; i < kRegisters; ++i) ++histogram_[merged_[i]];
  merged_bucket_ = now_bucket;
  estimate_valid_ = false;
}

void SlidingHll::add(std::uint64_t hash, core::TimeNs ts, core::TimeNs width) noexcept {
  std::int64_t n = ts / width;
  auto slot = static_cast<std::size_t>(n % static_cast<std::int64_t>(kBuckets));
  if (epoch_[slot] != n) {
    regs_[slot].fill(0);
    epoch_[slot] = n;
  }
  auto idx = static_cast<std::size_t>(hash >> (64 - kPrecision));
  std::uint64_t w = (hash << kPrecision) | (std::uint64_t{1} << (kPrecision - 1));
  auto rank = static_cast<std::uint8_t>(__builtin_clzll(w) + 1);
  if (regs_[slot][idx] < rank) regs_[slot][idx] = rank;
  // Keep the merge current without a full pass when the bucket has not moved.
  if (merged_bucket_ == n) raise(idx, rank);
}

double SlidingHll::estimate(core::TimeNs ts, core::TimeNs width) noexcept {
  std::int64_t n = ts / width;
  if (n != merged_bucket_) remerge(n);
  if (estimate_valid_) return estimate_;
  const double m = static_cast<double>(kRegisters);
  const int q = 64 - kPrecision;
  double z = m * tau(1.0 - static_cast<double>(histogram_[q + 1]) / m);
  for (int k = q; k >= 1; --k) z = 0.5 * (z + static_cast<double>(histogram_[k]));
  z += m * sigma(static_cast<double>(histogram_[0]) / m);
  // Every register empty: 0.
  estimate_ = std::isfinite(z) ? (0.5 / std::log(2.0)) * m * m / z : 0.0;
  estimate_valid_ = true;
  return estimate_;
}

}  // namespace bannin::detect
