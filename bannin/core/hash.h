// Small, stable, non-cryptographic hashing for bannin's tables (detection keys, file heads).
// FNV-1a 64: fast on the short inputs bannin hashes (addresses, paths, 256-byte file heads)
// and the same on every run and machine, so checkpoints and tests can rely on the values.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bannin::core {

constexpr std::uint64_t kFnvOffset = 1469598103934665603ULL;

inline std::uint64_t fnv1a64(const void* data, std::size_t n,
                             std::uint64_t h = kFnvOffset) noexcept {
  const auto* b = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) {
    h ^= b[i];
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace bannin::core
