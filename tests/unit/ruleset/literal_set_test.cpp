#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <bannin/ruleset/literal_set.h>

namespace bannin::ruleset {
namespace {

bool naive(LiteralSet::Mode mode, const std::vector<std::string>& items, std::string_view s) {
  for (const std::string& it : items) {
    if (mode == LiteralSet::Mode::Prefix && s.starts_with(it)) return true;
    if (mode == LiteralSet::Mode::Suffix && s.ends_with(it)) return true;
    if (mode == LiteralSet::Mode::Anywhere && s.find(it) != std::string_view::npos) return true;
  }
  return false;
}

constexpr LiteralSet::Mode kModes[] = {LiteralSet::Mode::Prefix, LiteralSet::Mode::Suffix,
                                       LiteralSet::Mode::Anywhere};

// The textbook Aho–Corasick traps: items inside items, an item that only a failure link
// reaches ("his" inside "ushers"), shared prefixes and suffixes.
TEST(LiteralSetTest, OverlappingItemsAnswerLikeItemByItem) {
  const std::vector<std::string> items = {"he",    "she",  "his",       "hers", "/.git/",
                                          "/.git", ".env", "/.env.bak", "../",  "..%2f"};
  const std::vector<std::string> subjects = {
      "",       "h",      "he",     "ushers",    "ahis",       "sh",          "/.gi",
      "x/.git", "/.git/", "a/.env", ".en",       "/.env.bakx", "/a/../b",     "..%2",
      "..%2f",  "hhhhe",  "shis",   "xx/.env.b", "she",        "/.git/config"};
  for (auto mode : kModes) {
    LiteralSet set;
    ASSERT_TRUE(set.build(mode, items));
    for (const std::string& s : subjects) {
      EXPECT_EQ(set.match(s), naive(mode, items, s)) << static_cast<int>(mode) << " " << s;
    }
  }
}

// Random lists over a small alphabet (many overlaps) and random subjects, every byte value
// included: the automaton must agree with the item-by-item comparison on every one.
TEST(LiteralSetTest, RandomListsAnswerLikeItemByItem) {
  std::mt19937 rng(12);
  const std::string alphabet = std::string("ab/.%") + '\0' + "\xff";
  auto word = [&](std::size_t max_len) {
    std::string w;
    std::size_t n = 1 + rng() % max_len;
    for (std::size_t k = 0; k < n; ++k) w += alphabet[rng() % alphabet.size()];
    return w;
  };
  for (int round = 0; round < 200; ++round) {
    std::vector<std::string> items;
    std::size_t n = 1 + rng() % 20;
    for (std::size_t k = 0; k < n; ++k) items.push_back(word(5));
    for (auto mode : kModes) {
      LiteralSet set;
      ASSERT_TRUE(set.build(mode, items));
      for (int t = 0; t < 50; ++t) {
        std::string s = rng() % 10 == 0 ? std::string() : word(12);
        ASSERT_EQ(set.match(s), naive(mode, items, s))
            << "round " << round << " mode " << static_cast<int>(mode) << " subject " << s;
      }
    }
  }
}

TEST(LiteralSetTest, EmptyItemMatchesEverything) {
  for (auto mode : kModes) {
    LiteralSet set;
    ASSERT_TRUE(set.build(mode, {"/x", ""}));
    EXPECT_TRUE(set.match(""));
    EXPECT_TRUE(set.match("/y"));
  }
  LiteralSet none;
  ASSERT_TRUE(none.build(LiteralSet::Mode::Anywhere, {}));
  EXPECT_FALSE(none.match("anything"));
}

// A table larger than allowed is refused (the caller falls back to RE2), and so is a list
// that holds every byte value (its classes would not fit a byte).
TEST(LiteralSetTest, RefusesWhatDoesNotFit) {
  LiteralSet set;
  EXPECT_FALSE(set.build(LiteralSet::Mode::Anywhere, {"abcdefgh", "ijklmnop"}, 64));
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  EXPECT_FALSE(set.build(LiteralSet::Mode::Anywhere, {all}));
  std::string most = all.substr(1);  // 255 distinct bytes still fit
  ASSERT_TRUE(set.build(LiteralSet::Mode::Anywhere, {most}));
  EXPECT_TRUE(set.match("x" + most));
  EXPECT_FALSE(set.match(most.substr(1)));
}

}  // namespace
}  // namespace bannin::ruleset
