// OverloadGuard (decide/overload_guard.h): on after N samples beyond the threshold, off only
// after the hold time and a quiet run of the signal AND the guard's own drop counter.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include <bannin/decide/overload_guard.h>

namespace bannin::decide {
namespace {

constexpr core::TimeNs kS = core::kNsPerSec;

GuardThresholds thresholds() {
  GuardThresholds t;
  t.on = 100;
  t.off = 100;
  t.on_after = 2;
  t.quiet_after = 3;
  t.hold = 10 * kS;
  t.own_quiet = 10;
  return t;
}

// Feeds (signal, own) pairs one second apart from t=1 s; returns the transitions by second.
std::vector<std::pair<int, GuardChange>> run(OverloadGuard& g,
                                             const std::vector<std::pair<double, double>>& in) {
  std::vector<std::pair<int, GuardChange>> out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const int sec = static_cast<int>(i) + 1;
    auto c = g.step({sec * kS, in[i].first, in[i].second});
    if (c != GuardChange::None) out.emplace_back(sec, c);
  }
  return out;
}

TEST(OverloadGuard, AtTheThresholdStaysOffJustAboveSwitchesOn) {
  OverloadGuard g(thresholds());
  // 100/s (the threshold itself) for a long time: never on.
  std::vector<std::pair<double, double>> at(20, {100, NAN});
  EXPECT_TRUE(run(g, at).empty());
  EXPECT_FALSE(g.on());
  // 101/s twice: on at the second sample, with the first sample's time as the start.
  OverloadGuard h(thresholds());
  auto t = run(h, {{0, NAN}, {101, NAN}, {101, NAN}});
  ASSERT_EQ(t.size(), 1U);
  EXPECT_EQ(t[0].first, 3);
  EXPECT_EQ(t[0].second, GuardChange::On);
  EXPECT_EQ(h.last().first_beyond, 2 * kS);
  EXPECT_EQ(h.last().samples, 2);
  EXPECT_DOUBLE_EQ(h.last().signal, 101);
}

TEST(OverloadGuard, ABurstOfOneSampleDoesNotSwitchOn) {
  OverloadGuard g(thresholds());
  // Bursts: one second beyond, then quiet, again and again (a small buffer on a quiet server).
  std::vector<std::pair<double, double>> in;
  for (int i = 0; i < 10; ++i) {
    in.emplace_back(5000, NAN);
    in.emplace_back(0, NAN);
  }
  EXPECT_TRUE(run(g, in).empty());
}

TEST(OverloadGuard, AMissingSampleNeitherBreaksNorExtendsARun) {
  OverloadGuard g(thresholds());
  auto t = run(g, {{500, NAN}, {NAN, NAN}, {500, NAN}});
  ASSERT_EQ(t.size(), 1U);
  EXPECT_EQ(t[0].first, 3);
}

TEST(OverloadGuard, StaysOnWhileItsOwnCounterRisesThenOffOnce) {
  OverloadGuard g(thresholds());
  std::vector<std::pair<double, double>> in;
  // Flood: the service drops until the guard is on (s 1-2), then the limits take the drops:
  // the service's drops are 0 but the guard's own counter rises for 20 s.
  in.emplace_back(50000, NAN);
  in.emplace_back(50000, NAN);
  for (int i = 0; i < 20; ++i) in.emplace_back(0, 40000);
  // The flood ends: both quiet.
  for (int i = 0; i < 30; ++i) in.emplace_back(0, 0);
  auto t = run(g, in);
  ASSERT_EQ(t.size(), 2U) << "exactly one on and one off";
  EXPECT_EQ(t[0], std::make_pair(2, GuardChange::On));
  // Quiet from second 23; the third quiet sample (25) is past the hold: off.
  EXPECT_EQ(t[1], std::make_pair(25, GuardChange::Off));
  EXPECT_EQ(g.last().on_since, 2 * kS);
  EXPECT_EQ(g.last().own_dropped, 20U * 40000U);
  EXPECT_DOUBLE_EQ(g.last().peak, 50000);
}

TEST(OverloadGuard, WithoutTheOwnCounterTheSameSeriesWouldFlap) {
  // The naive rule (no own counter, e.g. observe mode) goes off during the flood: this is
  // what the own counter is for (ref r7).
  OverloadGuard g(thresholds());
  std::vector<std::pair<double, double>> in;
  in.emplace_back(50000, NAN);
  in.emplace_back(50000, NAN);
  for (int i = 0; i < 20; ++i) in.emplace_back(0, NAN);
  auto t = run(g, in);
  ASSERT_EQ(t.size(), 2U);
  EXPECT_EQ(t[1].second, GuardChange::Off);
  EXPECT_EQ(t[1].first, 12) << "off at the end of the hold time, during the flood";
}

TEST(OverloadGuard, HoldTimeIsAMinimum) {
  GuardThresholds th = thresholds();
  th.hold = 30 * kS;
  OverloadGuard g(th);
  std::vector<std::pair<double, double>> in = {{500, 0}, {500, 0}};
  for (int i = 0; i < 40; ++i) in.emplace_back(0, 0);
  auto t = run(g, in);
  ASSERT_EQ(t.size(), 2U);
  EXPECT_EQ(t[1].first, 32);  // on at 2, hold until 32
  EXPECT_STREQ(g.holding_because(), "");
}

TEST(OverloadGuard, ResidualOwnDropsBelowTheQuietLevelCountAsQuiet) {
  OverloadGuard g(thresholds());
  std::vector<std::pair<double, double>> in = {{500, 0}, {500, 0}};
  for (int i = 0; i < 15; ++i) in.emplace_back(3, 10);  // 10/s is the quiet level itself
  auto t = run(g, in);
  ASSERT_EQ(t.size(), 2U);
  EXPECT_EQ(t[1].first, 12);
}

TEST(OverloadGuard, ASignalBackAboveOffResetsTheQuietRun) {
  OverloadGuard g(thresholds());
  std::vector<std::pair<double, double>> in = {{500, 0}, {500, 0}};
  for (int i = 0; i < 12; ++i) in.emplace_back(0, 0);  // s 3-14: past hold at 12, quiet 3 at 5
  auto t = run(g, in);
  ASSERT_EQ(t.size(), 2U);
  EXPECT_EQ(t[1].first, 12);
  // Again, with a relapse at second 12: the quiet run starts over.
  OverloadGuard h(thresholds());
  in = {{500, 0}, {500, 0}};
  for (int i = 0; i < 9; ++i) in.emplace_back(0, 0);  // s 3-11
  in.emplace_back(400, 0);                            // s 12: beyond off
  for (int i = 0; i < 5; ++i) in.emplace_back(0, 0);  // s 13-17
  t = run(h, in);
  ASSERT_EQ(t.size(), 2U);
  EXPECT_EQ(t[1].first, 15);
}

TEST(OverloadGuard, HeadroomSignalSwitchesOnBelow) {
  GuardThresholds th = thresholds();
  th.below = true;
  th.on = 10;   // percent of memory available
  th.off = 15;  // back above 15 % counts as quiet
  OverloadGuard g(th);
  std::vector<std::pair<double, double>> in = {{40, NAN}, {9, NAN}, {8, NAN}, {7, NAN}};
  for (int i = 0; i < 12; ++i) in.emplace_back(12, NAN);  // recovered a little: still not off
  for (int i = 0; i < 5; ++i) in.emplace_back(30, NAN);
  auto t = run(g, in);
  ASSERT_EQ(t.size(), 2U);
  EXPECT_EQ(t[0], std::make_pair(3, GuardChange::On));
  EXPECT_EQ(t[1], std::make_pair(19, GuardChange::Off));
  EXPECT_DOUBLE_EQ(g.last().peak, 7);
}

TEST(OverloadGuard, ForceOnAfterARestart) {
  OverloadGuard g(thresholds());
  g.force(true, 100 * kS);
  EXPECT_TRUE(g.on());
  EXPECT_EQ(g.step({101 * kS, 0, 0}), GuardChange::None);
  EXPECT_STREQ(g.holding_because(), "hold");
}

}  // namespace
}  // namespace bannin::decide
