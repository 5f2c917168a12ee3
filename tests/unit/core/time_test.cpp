// Expected instants are written as Unix seconds computed by hand from the civil date
// (days since 1970-01-01 * 86400 + time of day - offset); a few are cross-checked with
// days_from_civil's well-known values.
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include <bannin/core/time.h>

namespace bannin::core {
namespace {

constexpr TimeNs s(std::int64_t seconds) {
  return seconds * kNsPerSec;
}

// 2021-02-18T20:21:35Z = days_from_civil(2021,2,18)=18676 -> 18676*86400 + 73295.
constexpr std::int64_t k20210218T202135 = 1613679695;

TEST(DaysFromCivil, KnownDates) {
  static_assert(days_from_civil(1970, 1, 1) == 0);
  static_assert(days_from_civil(1970, 1, 2) == 1);
  static_assert(days_from_civil(1969, 12, 31) == -1);
  static_assert(days_from_civil(2000, 1, 1) == 10957);
  static_assert(days_from_civil(2000, 3, 1) == 11017);  // 2000 is a leap year: Feb has 29 days
  static_assert(days_from_civil(2021, 2, 18) == 18676);
  static_assert(days_from_civil(2024, 2, 29) + 1 == days_from_civil(2024, 3, 1));
  static_assert(days_from_civil(2023, 2, 28) + 1 == days_from_civil(2023, 3, 1));
  static_assert(days_from_civil(2100, 3, 1) - days_from_civil(2100, 2, 28) == 1);  // 2100 not leap
  EXPECT_EQ(days_from_civil(2038, 1, 19), 24855);
}

TEST(CivilFromNs, RoundTrip) {
  CivilTime c = civil_from_ns(s(k20210218T202135) + 123'000'000);
  EXPECT_EQ(c.year, 2021);
  EXPECT_EQ(c.month, 2u);
  EXPECT_EQ(c.day, 18u);
  EXPECT_EQ(c.hour, 20u);
  EXPECT_EQ(c.minute, 21u);
  EXPECT_EQ(c.second, 35u);
  EXPECT_EQ(c.nanos, 123'000'000u);
  CivilTime before = civil_from_ns(-1);  // one ns before the epoch
  EXPECT_EQ(before.year, 1969);
  EXPECT_EQ(before.month, 12u);
  EXPECT_EQ(before.day, 31u);
  EXPECT_EQ(before.hour, 23u);
  EXPECT_EQ(before.second, 59u);
  EXPECT_EQ(before.nanos, 999'999'999u);
}

TEST(MonthFromAbbrev, AllMonthsAnyCase) {
  const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (unsigned m = 0; m < 12; ++m) {
    EXPECT_EQ(month_from_abbrev(months[m]), m + 1);
  }
  EXPECT_EQ(month_from_abbrev("fEB"), 2u);
  EXPECT_EQ(month_from_abbrev("DEC"), 12u);
  EXPECT_EQ(month_from_abbrev("Fe"), 0u);
  EXPECT_EQ(month_from_abbrev("Febr"), 0u);
  EXPECT_EQ(month_from_abbrev("Foo"), 0u);
  EXPECT_EQ(month_from_abbrev(""), 0u);
}

struct ClfCase {
  std::string_view text;
  TimeNs want;
};

class ClfTime : public ::testing::TestWithParam<ClfCase> {};

TEST_P(ClfTime, ConvertsToUtc) {
  auto t = parse_clf_time(GetParam().text);
  ASSERT_TRUE(t.has_value()) << GetParam().text;
  EXPECT_EQ(*t, GetParam().want) << GetParam().text << " -> " << format_rfc3339(*t);
}

INSTANTIATE_TEST_SUITE_P(
    Offsets, ClfTime,
    ::testing::Values(
        ClfCase{"19/Feb/2021:05:21:35 +0900", s(k20210218T202135)},
        ClfCase{"18/Feb/2021:20:21:35 +0000", s(k20210218T202135)},
        ClfCase{"18/Feb/2021:13:21:35 -0700", s(k20210218T202135)},
        ClfCase{"19/Feb/2021:01:51:35 +0530", s(k20210218T202135)},
        ClfCase{"19/Feb/2021:02:06:35 +0545", s(k20210218T202135)},
        ClfCase{"18/Feb/2021:10:51:35 -0930", s(k20210218T202135)},
        ClfCase{"19/Feb/2021:10:21:35 +1400", s(k20210218T202135)},
        ClfCase{"18/Feb/2021:20:21:35 -0000", s(k20210218T202135)},
        ClfCase{"19/Feb/2021:05:21:35 +09:00", s(k20210218T202135)},
        ClfCase{"19/feb/2021:05:21:35 +0900", s(k20210218T202135)},
        // Fractions after the seconds.
        ClfCase{"19/Feb/2021:05:21:35.5 +0900", s(k20210218T202135) + 500'000'000},
        ClfCase{"19/Feb/2021:05:21:35.123456789 +0900", s(k20210218T202135) + 123'456'789},
        ClfCase{"19/Feb/2021:05:21:35.1234567891 +0900", s(k20210218T202135) + 123'456'789},
        // 2000-10-10 = day 11240; 13:55:36 -0700 = 20:55:36Z.
        ClfCase{"10/Oct/2000:13:55:36 -0700", s(11240LL * 86400 + 20 * 3600 + 55 * 60 + 36)},
        // Day and year changes caused by the offset, leap days.
        ClfCase{"01/Mar/2024:05:00:00 +0530", s(19782LL * 86400 + 23 * 3600 + 30 * 60)},
        ClfCase{"28/Feb/2023:23:59:59 -0100", s(19417LL * 86400 + 59 * 60 + 59)},
        ClfCase{"01/Jan/2000:00:00:00 +1400", s(10956LL * 86400 + 10 * 3600)},
        ClfCase{"29/Feb/2024:12:00:00 +0000", s(19782LL * 86400 + 12 * 3600)},
        ClfCase{"01/Jan/1970:00:00:00 +0000", 0}, ClfCase{"01/Jan/1970:00:59:59 +0100", s(-1)},
        ClfCase{"31/Dec/2099:23:59:60 +0000", s(days_from_civil(2100, 1, 1) * 86400)}));

class ClfTimeInvalid : public ::testing::TestWithParam<std::string_view> {};

TEST_P(ClfTimeInvalid, IsRejected) {
  EXPECT_FALSE(parse_clf_time(GetParam()).has_value()) << GetParam();
}

using namespace std::string_view_literals;
INSTANTIATE_TEST_SUITE_P(
    Garbage, ClfTimeInvalid,
    ::testing::Values(""sv, "19/Feb/2021:05:21:35"sv, "19/Feb/2021:05:21:35 "sv,
                      "[19/Feb/2021:05:21:35 +0900]"sv,  // brackets are the caller's
                      "19/Feb/2021:05:21:35 0900"sv, "19/Feb/2021:05:21:35 +09000"sv,
                      "19/Feb/2021:05:21:35 +2400"sv, "19/Feb/2021:05:21:35 +0960"sv,
                      "19/Foo/2021:05:21:35 +0900"sv, "31/Feb/2021:05:21:35 +0900"sv,
                      "29/Feb/2023:05:21:35 +0900"sv, "29/Feb/2100:05:21:35 +0900"sv,
                      "00/Feb/2021:05:21:35 +0900"sv, "19/Feb/2021:24:00:00 +0900"sv,
                      "19/Feb/2021:05:60:00 +0900"sv, "19/Feb/2021:05:21:61 +0900"sv,
                      "1/Feb/2021:05:21:35 +0900"sv, "19-Feb-2021 05:21:35 +0900"sv,
                      "19/Feb/1969:23:59:59 +0000"sv, "19/Feb/2999:00:00:00 +0000"sv,
                      "19/Feb/2021:05:21:35 +0900\0"sv, "19/Feb/20x1:05:21:35 +0900"sv,
                      "19/Feb/2021T05:21:35 +0900"sv));

struct IsoCase {
  std::string_view text;
  TimeNs want;
};

class Iso8601 : public ::testing::TestWithParam<IsoCase> {};

TEST_P(Iso8601, ConvertsToUtc) {
  auto t = parse_iso8601(GetParam().text);
  ASSERT_TRUE(t.has_value()) << GetParam().text;
  EXPECT_EQ(*t, GetParam().want) << GetParam().text << " -> " << format_rfc3339(*t);
}

INSTANTIATE_TEST_SUITE_P(
    Forms, Iso8601,
    ::testing::Values(IsoCase{"2021-02-18T20:21:35Z", s(k20210218T202135)},
                      IsoCase{"2021-02-18T20:21:35z", s(k20210218T202135)},
                      IsoCase{"2021-02-19T05:21:35+09:00", s(k20210218T202135)},
                      IsoCase{"2021-02-19T05:21:35+0900", s(k20210218T202135)},
                      IsoCase{"2021-02-18T13:21:35-07:00", s(k20210218T202135)},
                      IsoCase{"2021-02-18 20:21:35+00:00", s(k20210218T202135)},
                      IsoCase{"2021-02-18 20:21:35 +0000", s(k20210218T202135)},
                      IsoCase{"2021-02-18T20:21:35.5Z", s(k20210218T202135) + 500'000'000},
                      IsoCase{"2021-02-19T05:21:35.123456+09:00",
                              s(k20210218T202135) + 123'456'000},
                      IsoCase{"2021-02-18T20:21:35,25Z", s(k20210218T202135) + 250'000'000},
                      IsoCase{"2024-03-10T01:59:59-07:00",
                              s(days_from_civil(2024, 3, 10) * 86400 + 8 * 3600 + 59 * 60 + 59)}));

TEST(Iso8601, OffsetRequiredUnlessAssumedUtc) {
  EXPECT_FALSE(parse_iso8601("2021-02-18T20:21:35").has_value());
  EXPECT_EQ(parse_iso8601("2021-02-18T20:21:35", true), s(k20210218T202135));
  EXPECT_EQ(parse_iso8601("2021-02-18T20:21:35.5", true), s(k20210218T202135) + 500'000'000);
}

TEST(Iso8601, Garbage) {
  for (std::string_view bad :
       {""sv, "2021"sv, "2021-02-18"sv, "2021-02-18T20:21Z"sv, "2021-02-18X20:21:35Z"sv,
        "2021-13-18T20:21:35Z"sv, "2021-02-30T20:21:35Z"sv, "2021-02-18T20:21:35+25:00"sv,
        "2021-02-18T20:21:35Zjunk"sv, "21-02-18T20:21:35Z"sv, "2021/02/18T20:21:35Z"sv,
        "2021-02-18T20:21:35 "sv}) {
    EXPECT_FALSE(parse_iso8601(bad).has_value()) << bad;
  }
}

TEST(EpochSeconds, SecondsAndFractions) {
  EXPECT_EQ(parse_epoch_seconds("1613679695"), s(k20210218T202135));
  EXPECT_EQ(parse_epoch_seconds("1613679695.123"), s(k20210218T202135) + 123'000'000);
  EXPECT_EQ(parse_epoch_seconds("1613679695.000001"), s(k20210218T202135) + 1000);
  EXPECT_EQ(parse_epoch_seconds("0"), 0);
  for (std::string_view bad : {""sv, "-1"sv, "abc"sv, "1613679695x"sv, "1613679695.12a"sv,
                               " 1613679695"sv, "999999999999"sv, ".5"sv}) {
    EXPECT_FALSE(parse_epoch_seconds(bad).has_value()) << bad;
  }
}

TEST(FormatRfc3339, TrimsFractionTo3Or6Or9Digits) {
  EXPECT_EQ(format_rfc3339(s(k20210218T202135)), "2021-02-18T20:21:35Z");
  EXPECT_EQ(format_rfc3339(s(k20210218T202135) + 500'000'000), "2021-02-18T20:21:35.500Z");
  EXPECT_EQ(format_rfc3339(s(k20210218T202135) + 123'000'000), "2021-02-18T20:21:35.123Z");
  EXPECT_EQ(format_rfc3339(s(k20210218T202135) + 123'456'000), "2021-02-18T20:21:35.123456Z");
  EXPECT_EQ(format_rfc3339(s(k20210218T202135) + 1), "2021-02-18T20:21:35.000000001Z");
  EXPECT_EQ(format_rfc3339(s(k20210218T202135) + 1000), "2021-02-18T20:21:35.000001Z");
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(s(-1)), "1969-12-31T23:59:59Z");
  EXPECT_EQ(format_rfc3339(s(days_from_civil(2024, 2, 29) * 86400 + 86399)),
            "2024-02-29T23:59:59Z");
  char buf[kRfc3339Max];
  std::size_t n = format_rfc3339(s(k20210218T202135) + 1, buf);
  EXPECT_EQ(n, std::string_view("2021-02-18T20:21:35.000000001Z").size());
  EXPECT_LT(n, kRfc3339Max);
  EXPECT_EQ(buf[n], '\0');
}

TEST(FormatRfc3339, RoundTripsThroughParse) {
  for (TimeNs t : {TimeNs{0}, s(k20210218T202135), s(k20210218T202135) + 999'999'999,
                   s(4102444800) /* 2100-01-01 */}) {
    EXPECT_EQ(parse_iso8601(format_rfc3339(t)), t) << format_rfc3339(t);
  }
}

}  // namespace
}  // namespace bannin::core
