#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <bannin/detect/key_table.h>

namespace bannin::detect {
namespace {

struct Entry {
  CompactKey<24> key;
  std::uint32_t hash = 0;
  std::uint32_t id = 0;
  int value = 0;
};

TEST(CompactKey, ShortKeysInlineLongOnTheHeap) {
  CompactKey<24> k;
  k.assign(std::string("\x40\x01\x02\x03\x04", 5));
  EXPECT_EQ(k.view(), std::string("\x40\x01\x02\x03\x04", 5));
  EXPECT_EQ(k.heap_bytes(), 0u);
  std::string exact(CompactKey<24>::kInline, 'x');
  k.assign(exact);
  EXPECT_EQ(k.view(), exact);
  EXPECT_EQ(k.heap_bytes(), 0u);
  std::string longer(CompactKey<24>::kInline + 1, 'y');
  k.assign(longer);
  EXPECT_EQ(k.view(), longer);
  EXPECT_EQ(k.heap_bytes(), longer.size());
  k.assign("");  // frees the heap key (ASan checks the leak)
  EXPECT_EQ(k.view(), "");
}

// Random inserts, finds and erases against std::map, with a hash that maps many keys to the
// same few values so that probe runs are long and backward-shift deletion is exercised.
void run_against_map(std::uint32_t hash_mask) {
  KeyTable<Entry> table;
  std::map<std::string, int> ref;
  std::mt19937 rng(7);
  auto hash_of = [&](const std::string& k) { return key_hash(k) & hash_mask; };
  for (int step = 0; step < 20000; ++step) {
    std::string k = "k" + std::to_string(rng() % 3000);
    if (k.size() % 2 == 0) k += std::string(30, 'l');  // some keys on the heap
    const std::uint32_t h = hash_of(k);
    Entry* e = table.find(k, h);
    auto it = ref.find(k);
    ASSERT_EQ(e != nullptr, it != ref.end()) << "step " << step << " key " << k;
    if (e != nullptr) {
      ASSERT_EQ(e->value, it->second);
      ASSERT_EQ(e->key.view(), k);
      if (rng() % 2 == 0) {
        table.erase(*e);
        ref.erase(it);
      } else {
        e->value = step;
        it->second = step;
      }
    } else {
      Entry& fresh = table.insert(k, h);
      fresh.value = step;
      ref.emplace(k, step);
    }
    ASSERT_EQ(table.size(), ref.size());
  }
  for (const auto& [k, v] : ref) {
    Entry* e = table.find(k, hash_of(k));
    ASSERT_NE(e, nullptr) << k;
    EXPECT_EQ(e->value, v);
  }
  EXPECT_EQ(table.find("absent", hash_of("absent")), nullptr);
}

TEST(KeyTable, MatchesAMapWithAGoodHash) {
  run_against_map(0xffffffffu);
}

TEST(KeyTable, MatchesAMapWhenHashesCollide) {
  run_against_map(0x7u);  // 8 hash values for up to 3,000 keys
}

TEST(KeyTable, EntriesKeepTheirAddressAndMoveWithTheTable) {
  KeyTable<Entry> table;
  std::vector<Entry*> addr;
  for (int i = 0; i < 1000; ++i) {
    std::string k = std::to_string(i);
    Entry& e = table.insert(k, key_hash(k));
    e.value = i;
    addr.push_back(&e);
  }
  KeyTable<Entry> moved = std::move(table);
  EXPECT_EQ(table.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty
  for (int i = 0; i < 1000; ++i) {
    std::string k = std::to_string(i);
    EXPECT_EQ(moved.find(k, key_hash(k)), addr[static_cast<std::size_t>(i)]);
  }
  // A freed entry's place is reused: the pool does not grow while the size stays the same.
  const std::size_t bytes = moved.table_bytes();
  for (int i = 0; i < 1000; ++i) {
    std::string k = std::to_string(i);
    moved.erase(*moved.find(k, key_hash(k)));
    std::string k2 = "n" + k;
    moved.insert(k2, key_hash(k2));
  }
  EXPECT_EQ(moved.size(), 1000u);
  EXPECT_EQ(moved.table_bytes(), bytes);
}

}  // namespace
}  // namespace bannin::detect
