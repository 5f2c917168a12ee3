// The shipped probe lists (data/web_probes/) matched against request paths, four ways:
//   ItemByItem   - starts_with/ends_with/find per item (what short lists do)
//   Re2Alternation - one RE2 per list, items quoted and joined with '|' (the engine before
//                  2026-12-07's LiteralSet; still the fallback for lists too large for it)
//   Re2Set       - one RE2::Set per list (a library made for "which of these patterns")
//   LiteralSet   - the engine's automaton (bannin/ruleset/literal_set.h)
// over benign paths (the common case: no item matches, every list is read to the end) and
// probe paths. Run: build/release/bench/bench_micro --benchmark_filter=Probe
#include <fstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <bannin/ruleset/literal_set.h>

namespace {

using bannin::ruleset::LiteralSet;

std::vector<std::string> read_list(const std::string& name) {
  std::ifstream in(std::string(BANNIN_SOURCE_DIR) + "/data/web_probes/" + name);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
    std::size_t a = line.find_first_not_of(" \t");
    if (a == std::string::npos || line[a] == '#') continue;
    out.push_back(line.substr(a));
  }
  return out;
}

const std::vector<std::string>& benign_paths() {
  static const std::vector<std::string> p = {"/",
                                             "/index.php",
                                             "/wp-content/themes/twentytwentyfour/style.css",
                                             "/wp-includes/js/jquery/jquery.min.js",
                                             "/images/products/2021/summer-collection-banner.jpg",
                                             "/contact/",
                                             "/blog/2021/02/19/how-we-roast-our-coffee-beans/",
                                             "/api/v1/cart/items",
                                             "/favicon.ico",
                                             "/category/news/page/3/",
                                             "/shop/product/organic-green-tea-100g",
                                             "/feed/"};
  return p;
}

const std::vector<std::string>& probe_paths() {
  static const std::vector<std::string> p = {
      "/.env",       "/.git/config",     "/wp-config.php.bak", "/phpmyadmin/", "/../../etc/passwd",
      "/backup.sql", "/.aws/credentials"};
  return p;
}

struct List {
  LiteralSet::Mode mode;
  std::vector<std::string> items;
};

// The probe rule's four list tests on one path (sensitive files as suffixes, sensitive dirs,
// traversal and admin interfaces as substrings).
const std::vector<List>& lists() {
  static const std::vector<List> l = {
      {LiteralSet::Mode::Suffix, read_list("sensitive_files.txt")},
      {LiteralSet::Mode::Anywhere, read_list("sensitive_dirs.txt")},
      {LiteralSet::Mode::Anywhere, read_list("traversal.txt")},
      {LiteralSet::Mode::Anywhere, read_list("admin_interfaces.txt")}};
  return l;
}

std::string pattern(const List& l) {
  std::string p = l.mode == LiteralSet::Mode::Prefix ? "^(?:" : "(?:";
  for (std::size_t i = 0; i < l.items.size(); ++i) {
    if (i) p += '|';
    p += RE2::QuoteMeta(l.items[i]);
  }
  p += l.mode == LiteralSet::Mode::Suffix ? ")$" : ")";
  return p;
}

RE2::Options latin1() {
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingLatin1);
  o.set_log_errors(false);
  o.set_max_mem(64 << 20);
  return o;
}

template <class F>
void run(benchmark::State& state, const std::vector<std::string>& paths, F&& any) {
  std::size_t hits = 0;
  for (auto _ : state) {
    for (const auto& p : paths) {
      for (std::size_t k = 0; k < lists().size(); ++k) hits += any(k, p) ? 1 : 0;
    }
  }
  benchmark::DoNotOptimize(hits);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * paths.size()));
}

const std::vector<std::string>& paths_for(const benchmark::State& state) {
  return state.range(0) == 0 ? benign_paths() : probe_paths();
}

void ProbeItemByItem(benchmark::State& state) {
  run(state, paths_for(state), [](std::size_t k, const std::string& p) {
    const List& l = lists()[k];
    std::string_view h(p);
    for (const auto& n : l.items) {
      if (l.mode == LiteralSet::Mode::Suffix ? h.ends_with(n) : h.find(n) != h.npos) return true;
    }
    return false;
  });
}

void ProbeRe2Alternation(benchmark::State& state) {
  std::vector<std::unique_ptr<RE2>> res;
  for (const auto& l : lists()) res.push_back(std::make_unique<RE2>(pattern(l), latin1()));
  run(state, paths_for(state),
      [&](std::size_t k, const std::string& p) { return RE2::PartialMatch(p, *res[k]); });
}

void ProbeRe2Set(benchmark::State& state) {
  std::vector<std::unique_ptr<RE2::Set>> sets;
  for (const auto& l : lists()) {
    auto anchor = l.mode == LiteralSet::Mode::Prefix ? RE2::ANCHOR_START : RE2::UNANCHORED;
    auto s = std::make_unique<RE2::Set>(latin1(), anchor);
    for (const auto& it : l.items) {
      std::string p = RE2::QuoteMeta(it);
      if (l.mode == LiteralSet::Mode::Suffix) p += "$";
      s->Add(p, nullptr);
    }
    s->Compile();
    sets.push_back(std::move(s));
  }
  run(state, paths_for(state),
      [&](std::size_t k, const std::string& p) { return sets[k]->Match(p, nullptr); });
}

void ProbeLiteralSet(benchmark::State& state) {
  std::vector<LiteralSet> sets(lists().size());
  for (std::size_t k = 0; k < lists().size(); ++k) sets[k].build(lists()[k].mode, lists()[k].items);
  run(state, paths_for(state),
      [&](std::size_t k, const std::string& p) { return sets[k].match(p); });
}

}  // namespace

// Arg 0: benign paths; 1: probe paths. Items processed = paths (each through all four lists).
BENCHMARK(ProbeItemByItem)->Arg(0)->Arg(1);
BENCHMARK(ProbeRe2Alternation)->Arg(0)->Arg(1);
BENCHMARK(ProbeRe2Set)->Arg(0)->Arg(1);
BENCHMARK(ProbeLiteralSet)->Arg(0)->Arg(1);
