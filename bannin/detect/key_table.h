// KeyTable: the detector's tables of groups (one per rule) and campaign members (one per
// campaign group), keyed by the binary keys detector.cpp writes (a type tag and the value's
// bytes per group_by field). Issue 11: with a million sources the node-based
// std::unordered_map<std::string, ...> cost two or three cache misses per lookup (bucket
// array, node, key) plus a malloc per key, and erasing walked the bucket chain again. Here:
//
// - the entries live in a pool of chunks (16, 32, 64 … entries, so a table with one entry
//   costs one small chunk), reused through a free list; an entry's address never changes
//   while it lives, so the detector's LruLists can point at it;
// - the index is one flat array of 8-byte slots (the key's 32-bit hash and the entry's
//   number), open addressing with linear probing at most 3/4 full and backward-shift
//   deletion (no tombstones): a lookup reads one slot line, and the entry only when the
//   32-bit hash matches;
// - keys up to CompactKey::kInline bytes sit in the entry itself (an IPv4 or IPv6 address,
//   with a short service name), longer ones on the heap.
//
// T has the members `CompactKey<N> key`, `std::uint32_t hash` and `std::uint32_t id`, which
// the table sets. Not thread-safe; owned by the detector's RuleState (one pipeline thread).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>
#include <vector>

#include <bannin/core/hash.h>

namespace bannin::detect {

/// A key of at most kInline bytes held inline, longer ones on the heap. Size: Bytes.
template <std::size_t Bytes>
class CompactKey {
 public:
  static constexpr std::size_t kInline = Bytes - sizeof(std::uint32_t);
  static_assert(kInline >= sizeof(char*));

  CompactKey() = default;
  ~CompactKey() { release(); }
  CompactKey(const CompactKey&) = delete;
  CompactKey& operator=(const CompactKey&) = delete;

  void assign(std::string_view k) {
    release();
    size_ = static_cast<std::uint32_t>(k.size());
    char* dst = inline_;
    if (k.size() > kInline) {
      dst = new char[k.size()];
      std::memcpy(inline_, &dst, sizeof dst);
    }
    if (!k.empty()) std::memcpy(dst, k.data(), k.size());
  }
  [[nodiscard]] std::string_view view() const noexcept {
    if (size_ <= kInline) return {inline_, size_};
    const char* p = nullptr;
    std::memcpy(&p, inline_, sizeof p);
    return {p, size_};
  }
  /// Heap bytes requested for a long key (0 when inline).
  [[nodiscard]] std::size_t heap_bytes() const noexcept { return size_ > kInline ? size_ : 0; }

 private:
  void release() noexcept {
    if (size_ > kInline) {
      char* p = nullptr;
      std::memcpy(&p, inline_, sizeof p);
      delete[] p;
    }
    size_ = 0;
  }
  std::uint32_t size_ = 0;
  char inline_[kInline];
};

/// The table's hash of a key: FNV-1a 64, mixed so that its low bits (the index position)
/// depend on every byte, folded to 32 bits.
inline std::uint32_t key_hash(std::string_view k) noexcept {
  std::uint64_t h = core::fnv1a64(k.data(), k.size());
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return static_cast<std::uint32_t>(h);
}

template <typename T>
class KeyTable {
 public:
  KeyTable() = default;
  ~KeyTable() { clear(); }
  KeyTable(const KeyTable&) = delete;
  KeyTable& operator=(const KeyTable&) = delete;
  KeyTable(KeyTable&& o) noexcept { swap(o); }
  KeyTable& operator=(KeyTable&& o) noexcept {
    if (this != &o) {
      clear();
      swap(o);
    }
    return *this;
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  /// Bytes of the index and the pool's chunks (entries live or free), for memory estimates.
  [[nodiscard]] std::size_t table_bytes() const noexcept {
    return index_.capacity() * sizeof(Slot) + pool_capacity_ * sizeof(T);
  }

  /// Hints the CPU to load the index line of hash h (a lookup soon after finds it in cache).
  void prefetch(std::uint32_t h) const noexcept {
    if (!index_.empty()) __builtin_prefetch(&index_[h & mask_]);
  }

  /// The entry with key k (whose key_hash is h), or nullptr.
  [[nodiscard]] T* find(std::string_view k, std::uint32_t h) const noexcept {
    if (index_.empty()) return nullptr;
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot s = index_[i];
      if (s.id == kNone) return nullptr;
      if (s.hash == h) {
        T& x = at(s.id);
        if (x.key.view() == k) return &x;
      }
    }
  }

  /// Adds a default-constructed entry with key k (hash h), which must not be present.
  T& insert(std::string_view k, std::uint32_t h) {
    if ((size_ + 1) * 4 > index_.size() * 3) grow();
    std::uint32_t id = allocate();
    T* x = new (&at(id)) T;  // default-initialised: T's member initialisers, no memset
    x->key.assign(k);
    x->hash = h;
    x->id = id;
    std::size_t i = h & mask_;
    while (index_[i].id != kNone) i = (i + 1) & mask_;
    index_[i] = Slot{h, id};
    live_[id / 64] |= std::uint64_t{1} << (id % 64);
    ++size_;
    return *x;
  }

  /// Removes and destroys x (an entry of this table).
  void erase(T& x) noexcept {
    std::size_t i = x.hash & mask_;
    while (index_[i].id != x.id) i = (i + 1) & mask_;
    // Backward-shift deletion: move later entries of the probe run into the hole unless
    // their home position lies cyclically in (hole, their position].
    for (std::size_t j = (i + 1) & mask_; index_[j].id != kNone; j = (j + 1) & mask_) {
      std::size_t home = index_[j].hash & mask_;
      if (((j - home) & mask_) >= ((j - i) & mask_)) {
        index_[i] = index_[j];
        i = j;
      }
    }
    index_[i] = Slot{0, kNone};
    std::uint32_t id = x.id;
    x.~T();
    live_[id / 64] &= ~(std::uint64_t{1} << (id % 64));
    free_.push_back(id);
    --size_;
  }

  /// Destroys every entry (in pool order, which walks memory forwards) and releases the memory.
  void clear() noexcept {
    for (std::size_t id = 0; id < next_; ++id) {
      if ((live_[id / 64] >> (id % 64)) & 1) at(static_cast<std::uint32_t>(id)).~T();
    }
    for (std::size_t c = 0; c < chunks_.size(); ++c) {
      ::operator delete (chunks_[c], std::align_val_t{alignof(T)});
    }
    chunks_.clear();
    index_ = {};
    free_ = {};
    live_ = {};
    mask_ = 0;
    size_ = 0;
    next_ = 0;
    pool_capacity_ = 0;
  }

 private:
  struct Slot {
    std::uint32_t hash = 0;
    std::uint32_t id = kNone;
  };
  static constexpr std::uint32_t kNone = 0xffffffffu;
  static constexpr std::size_t kFirstChunk = 16;  // chunk c holds kFirstChunk << c entries

  // Entry id -> chunk c and offset: ids 0-15 are chunk 0, 16-47 chunk 1, 48-111 chunk 2 …
  [[nodiscard]] T& at(std::uint32_t id) const noexcept {
    std::size_t n = static_cast<std::size_t>(id) + kFirstChunk;
    std::size_t c = static_cast<std::size_t>(std::bit_width(n)) - 5;  // log2(kFirstChunk) + 1
    std::size_t off = n - (kFirstChunk << c);
    return *std::launder(reinterpret_cast<T*>(chunks_[c]) + off);
  }

  std::uint32_t allocate() {
    if (!free_.empty()) {
      std::uint32_t id = free_.back();
      free_.pop_back();
      return id;
    }
    if (next_ == pool_capacity_) {
      std::size_t n = kFirstChunk << chunks_.size();
      chunks_.push_back(::operator new (n * sizeof(T), std::align_val_t{alignof(T)}));
      pool_capacity_ += n;
      live_.resize((pool_capacity_ + 63) / 64, 0);
    }
    return static_cast<std::uint32_t>(next_++);
  }

  void grow() {
    std::vector<Slot> old = std::move(index_);
    std::size_t n = old.empty() ? 16 : 2 * old.size();
    index_.assign(n, Slot{});
    mask_ = n - 1;
    for (const Slot& s : old) {
      if (s.id == kNone) continue;
      std::size_t i = s.hash & mask_;
      while (index_[i].id != kNone) i = (i + 1) & mask_;
      index_[i] = s;
    }
  }

  void swap(KeyTable& o) noexcept {
    std::swap(index_, o.index_);
    std::swap(chunks_, o.chunks_);
    std::swap(free_, o.free_);
    std::swap(live_, o.live_);
    std::swap(mask_, o.mask_);
    std::swap(size_, o.size_);
    std::swap(next_, o.next_);
    std::swap(pool_capacity_, o.pool_capacity_);
  }

  std::vector<Slot> index_;
  std::vector<void*> chunks_;
  std::vector<std::uint32_t> free_;
  std::vector<std::uint64_t> live_;  // bit per pool entry: constructed
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
  std::size_t next_ = 0;  // ids below next_ have been handed out (live or in free_)
  std::size_t pool_capacity_ = 0;
};

}  // namespace bannin::detect
