// The KPI probe's /proc parsers (bannin/probe/kpi/proc_parse.h) on files captured from a
// Linux 6.18 machine (tests/fixtures/proc/linux-6.18/) and on malformed text: every problem
// is counted by reason, and the well-formed parts still give their values.
#include <array>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include <bannin/probe/kpi/proc_parse.h>

namespace bannin::probe::kpi {
namespace {

std::string fixture(const std::string& rel) {
  std::ifstream f(std::string(BANNIN_FIXTURES) + "/proc/linux-6.18/" + rel, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct Table {
  std::array<std::uint64_t, 16> v{};
  std::array<bool, 16> has{};
  Slots slots() { return Slots{std::span<std::uint64_t>(v), std::span<bool>(has)}; }
};

std::uint64_t rejects(const ParseCounts& c, Reject r) {
  return c.rejects[static_cast<std::size_t>(r)];
}

TEST(KpiParse, SnmpFixture) {
  const std::string text = fixture("net/snmp");
  ASSERT_FALSE(text.empty());
  constexpr Want want[] = {{"Udp", "InDatagrams", 0},
                           {"Udp", "RcvbufErrors", 1},
                           {"Tcp", "CurrEstab", 2},
                           {"Udp", "NoPorts", 3},
                           {"Tcp", "PassiveOpens", 4}};
  Table t;
  ParseCounts c;
  parse_pair_table(text, want, t.slots(), c);
  EXPECT_EQ(c.total_rejects(), 0u);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(t.has[i]) << i;
  EXPECT_EQ(t.v[0], 32u);  // the capture: "Udp: 32 0 0 33 0 0 0 0 0"
  EXPECT_EQ(t.v[1], 0u);
  EXPECT_EQ(t.v[4], 2u);  // "Tcp: 1 200 120000 -1 15 2 …": MaxConn -1 is not wanted, not read
}

TEST(KpiParse, NetstatFixtureFindsListenCounters) {
  const std::string text = fixture("net/netstat");
  constexpr Want want[] = {{"TcpExt", "ListenOverflows", 0}, {"TcpExt", "ListenDrops", 1}};
  Table t;
  ParseCounts c;
  parse_pair_table(text, want, t.slots(), c);
  EXPECT_EQ(c.total_rejects(), 0u);
  EXPECT_TRUE(t.has[0] && t.has[1]);
}

TEST(KpiParse, PairTableProblemsAreCountedAndTheRestKept) {
  // Udp's values are one short (FieldCount: nothing of Udp is used), Tcp's CurrEstab is not
  // a number (BadNumber), a line without a section (BadLine), Icmp fine.
  const std::string text =
      "Udp: InDatagrams NoPorts RcvbufErrors\n"
      "Udp: 5 6\n"
      "garbage without colon\n"
      "Tcp: ActiveOpens CurrEstab\n"
      "Tcp: 7 x9\n"
      "Icmp: InMsgs\n"
      "Icmp: 11\n";
  constexpr Want want[] = {{"Udp", "InDatagrams", 0},
                           {"Tcp", "ActiveOpens", 1},
                           {"Tcp", "CurrEstab", 2},
                           {"Icmp", "InMsgs", 3},
                           {"Ip", "Forwarding", 4}};
  Table t;
  ParseCounts c;
  parse_pair_table(text, want, t.slots(), c);
  EXPECT_FALSE(t.has[0]);
  EXPECT_TRUE(t.has[1]);
  EXPECT_EQ(t.v[1], 7u);
  EXPECT_FALSE(t.has[2]);
  EXPECT_TRUE(t.has[3]);
  EXPECT_EQ(t.v[3], 11u);
  EXPECT_EQ(rejects(c, Reject::FieldCount), 1u);
  EXPECT_EQ(rejects(c, Reject::BadNumber), 1u);
  EXPECT_EQ(rejects(c, Reject::BadLine), 1u);
  EXPECT_EQ(rejects(c, Reject::Missing), 3u);  // Udp InDatagrams, Tcp CurrEstab, Ip Forwarding
  // A header without its values line, and an empty text.
  ParseCounts c2;
  Table t2;
  parse_pair_table("Udp: InDatagrams\n", want, t2.slots(), c2);
  EXPECT_EQ(rejects(c2, Reject::BadLine), 1u);
  parse_pair_table("", want, t2.slots(), c2);
  EXPECT_EQ(rejects(c2, Reject::Empty), 1u);
  // A number past 64 bits is refused, not wrapped.
  ParseCounts c3;
  Table t3;
  parse_pair_table("Udp: InDatagrams\nUdp: 99999999999999999999999\n", want, t3.slots(), c3);
  EXPECT_FALSE(t3.has[0]);
  EXPECT_EQ(rejects(c3, Reject::BadNumber), 1u);
}

TEST(KpiParse, Snmp6Fixture) {
  constexpr Want want[] = {{"", "Udp6InDatagrams", 0}, {"", "Udp6RcvbufErrors", 1}};
  Table t;
  ParseCounts c;
  parse_name_value(fixture("net/snmp6"), want, t.slots(), c);
  EXPECT_EQ(c.total_rejects(), 0u);
  EXPECT_TRUE(t.has[0] && t.has[1]);
  ParseCounts bad;
  Table t2;
  parse_name_value("Udp6InDatagrams 1 2\nUdp6RcvbufErrors -4\n", want, t2.slots(), bad);
  EXPECT_EQ(rejects(bad, Reject::BadLine), 1u);
  EXPECT_EQ(rejects(bad, Reject::BadNumber), 1u);
  EXPECT_FALSE(t2.has[0] || t2.has[1]);
}

TEST(KpiParse, MeminfoInBytes) {
  constexpr Want want[] = {
      {"", "MemAvailable", 0}, {"", "MemTotal", 1}, {"", "HugePages_Total", 2}};
  Table t;
  ParseCounts c;
  parse_meminfo(fixture("meminfo"), want, t.slots(), c);
  EXPECT_EQ(c.total_rejects(), 0u);
  ASSERT_TRUE(t.has[0] && t.has[1] && t.has[2]);
  EXPECT_EQ(t.v[0] % 1024, 0u);  // kB -> bytes
  EXPECT_GT(t.v[1], t.v[0]);
  Table t2;
  ParseCounts bad;
  parse_meminfo("MemAvailable: 12 MB\nMemTotal 5 kB\n", want, t2.slots(), bad);
  EXPECT_EQ(rejects(bad, Reject::BadLine), 2u);
}

TEST(KpiParse, SockstatFixtureAndOddPairs) {
  constexpr Want want[] = {
      {"sockets", "used", 0}, {"TCP", "inuse", 1}, {"TCP", "mem", 2}, {"UDP", "mem", 3}};
  Table t;
  ParseCounts c;
  parse_sockstat(fixture("net/sockstat"), want, t.slots(), c);
  EXPECT_EQ(c.total_rejects(), 0u);
  EXPECT_TRUE(t.has[0] && t.has[1] && t.has[2] && t.has[3]);
  Table t2;
  ParseCounts bad;
  parse_sockstat("TCP: inuse 3 orphan\nUDP: mem x\n", want, t2.slots(), bad);
  EXPECT_EQ(rejects(bad, Reject::FieldCount), 1u);
  EXPECT_EQ(rejects(bad, Reject::BadNumber), 1u);
}

TEST(KpiParse, PressureFixtureAndFixedPoint) {
  Pressure p;
  ParseCounts c;
  parse_pressure(fixture("pressure/memory"), p, c);
  EXPECT_EQ(c.total_rejects(), 0u);
  EXPECT_TRUE(p.some && p.full);
  parse_pressure("some avg10=0.52 avg60=1.00 avg300=0.00 total=123456\n", p, c);
  EXPECT_TRUE(p.some);
  EXPECT_FALSE(p.full);
  EXPECT_EQ(p.some_avg10, 52u);
  EXPECT_EQ(p.some_total, 123456u);
  parse_pressure("some avg10=7.5 total=1\n", p, c);
  EXPECT_EQ(p.some_avg10, 750u);
  ParseCounts bad;
  parse_pressure("some avg10=abc total=1\nhalf avg10=1 total=2\nfull avg10=1.00\n", p, bad);
  EXPECT_FALSE(p.some);
  EXPECT_EQ(rejects(bad, Reject::BadNumber), 1u);
  EXPECT_EQ(rejects(bad, Reject::BadLine), 1u);
  EXPECT_GE(rejects(bad, Reject::Missing), 2u);  // full without total, and no "some" at all
}

TEST(KpiParse, ConntrackStat) {
  ConntrackStat ct;
  ParseCounts c;
  EXPECT_TRUE(parse_conntrack_stat(fixture("net/stat/nf_conntrack"), ct, c));
  EXPECT_EQ(c.total_rejects(), 0u);
  // Two CPUs; entries from the first row; drop + early_drop + insert_failed summed.
  const std::string text =
      "entries  clashres found new invalid ignore delete chainlength insert insert_failed drop "
      "early_drop icmp_error  expect_new expect_create expect_delete search_restart\n"
      "0000002a  0 0 0 0 0 0 0 0 00000001 00000010 00000002 0  0 0 0 0\n"
      "0000002a  0 0 0 0 0 0 0 0 00000000 00000005 00000000 0  0 0 0 0\n";
  EXPECT_TRUE(parse_conntrack_stat(text, ct, c));
  EXPECT_EQ(ct.entries, 42u);
  EXPECT_EQ(ct.drops, 1u + 16u + 2u + 5u);
  ParseCounts bad;
  EXPECT_FALSE(parse_conntrack_stat("entries drop\n00zz 1\n0 1 2\n", ct, bad));
  EXPECT_EQ(rejects(bad, Reject::BadNumber), 1u);
  EXPECT_EQ(rejects(bad, Reject::FieldCount), 1u);
  EXPECT_FALSE(parse_conntrack_stat("nothing useful\n1\n", ct, bad));
}

TEST(KpiParse, PidStatWithAwkwardComm) {
  PidStat st;
  ParseCounts c;
  const std::string self = fixture("self_stat");  // comm points into it
  ASSERT_TRUE(parse_pid_stat(self, st, c));
  EXPECT_EQ(st.comm, "cat");
  EXPECT_EQ(st.ppid, 14460u);
  EXPECT_EQ(st.start_ticks, 79932u);
  EXPECT_EQ(st.rss_pages, 365u);
  // A name with spaces and parentheses: the comm ends at the last ')'.
  ASSERT_TRUE(
      parse_pid_stat("77 (a (b) c) S 1 77 77 0 -1 4194560 10 0 0 0 12 30 0 0 20 0 1 0 500 1000 42 "
                     "18446744073709551615",
                     st, c));
  EXPECT_EQ(st.comm, "a (b) c");
  EXPECT_EQ(st.cpu_ticks, 42u);
  EXPECT_EQ(st.start_ticks, 500u);
  EXPECT_EQ(st.rss_pages, 42u);
  ParseCounts bad;
  EXPECT_FALSE(parse_pid_stat("77 (x) S 1 2 3", st, bad));  // too short
  EXPECT_FALSE(parse_pid_stat("77 x S", st, bad));          // no comm
  EXPECT_FALSE(parse_pid_stat("77 (x) S x 77 77 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 5 6 7", st, bad));
  EXPECT_EQ(rejects(bad, Reject::FieldCount), 1u);
  EXPECT_EQ(rejects(bad, Reject::BadLine), 1u);
  EXPECT_EQ(rejects(bad, Reject::BadNumber), 1u);
}

TEST(KpiParse, SocketLinesFromCapturedTables) {
  // net/udp: 127.0.0.1:5353 with a full queue (0x680 bytes) and 198 drops.
  const std::string udp = fixture("net/udp");
  const auto nl = udp.find('\n');
  const std::string line = udp.substr(nl + 1, udp.find('\n', nl + 1) - nl - 1);
  SocketLine sl;
  ParseCounts c;
  ASSERT_TRUE(parse_socket_line(line, sl, c));
  EXPECT_EQ(sl.port, 5353);
  EXPECT_EQ(sl.state, 0x07);
  EXPECT_EQ(sl.rx_queue, 0x680u);
  EXPECT_TRUE(sl.has_drops);
  EXPECT_EQ(sl.drops, 198u);
  // net/udp6 has 32-hex-digit addresses.
  const std::string udp6 = fixture("net/udp6");
  const auto nl6 = udp6.find('\n');
  ASSERT_TRUE(parse_socket_line(udp6.substr(nl6 + 1, udp6.find('\n', nl6 + 1) - nl6 - 1), sl, c));
  EXPECT_EQ(sl.port, 5354);
  // net/tcp: a listener on 8053 with one connection waiting, and an established one.
  const std::string tcp = fixture("net/tcp");
  ASSERT_TRUE(parse_socket_line(
      "   0: 0100007F:1F75 00000000:0000 0A 00000000:00000001 00:00000000 00000000     0        "
      "0 50381 2 0000000004217795 100 0 0 10 0",
      sl, c));
  EXPECT_EQ(sl.port, 8053);
  EXPECT_EQ(sl.state, 0x0A);
  EXPECT_EQ(sl.rx_queue, 1u);
  EXPECT_NE(tcp.find("0100007F:1F75"), std::string::npos);
  EXPECT_EQ(c.total_rejects(), 0u);
  ParseCounts bad;
  EXPECT_FALSE(parse_socket_line("   0: 0100007F:ZZZZ 00000000:0000 0A 0:0", sl, bad));
  EXPECT_FALSE(parse_socket_line("   0: 0100007F 00000000:0000 0A 00000000:00000001", sl, bad));
  EXPECT_FALSE(parse_socket_line("   0: 0100007F:1F75", sl, bad));
  EXPECT_FALSE(parse_socket_line("", sl, bad));  // blank: nothing, no problem
  EXPECT_EQ(rejects(bad, Reject::BadNumber), 1u);
  EXPECT_EQ(rejects(bad, Reject::BadLine), 1u);
  EXPECT_EQ(rejects(bad, Reject::FieldCount), 1u);
}

TEST(KpiParse, SingleNumber) {
  ParseCounts c;
  EXPECT_EQ(parse_single_number("262144\n", c), 262144u);
  EXPECT_EQ(parse_single_number("  77 \n", c), 77u);
  EXPECT_FALSE(parse_single_number("", c));
  EXPECT_FALSE(parse_single_number("12ab\n", c));
  EXPECT_EQ(rejects(c, Reject::Empty), 1u);
  EXPECT_EQ(rejects(c, Reject::BadNumber), 1u);
}

}  // namespace
}  // namespace bannin::probe::kpi
