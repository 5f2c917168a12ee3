// JournaldSource: the JSON line it builds for an entry (decoded back with the SyslogDecoder
// that reads `journalctl -o json`), escaping, MESSAGE truncation, and the "not available"
// paths (no libsystemd, no journal files). This machine runs no systemd, so reading a live
// journal is not tested here; an empty journal directory exercises open/process/next.
#include <filesystem>
#include <fstream>
#include <string>

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <bannin/core/time.h>
#include <bannin/decode/syslog/syslog_decoder.h>
#include <bannin/model/event.h>
#include <bannin/source/journald_source.h>

namespace bannin::source {
namespace {

namespace fs = std::filesystem;
using model::Field;
using namespace std::string_literals;

struct TempDir {
  fs::path p;
  TempDir() {
    p = fs::path(::testing::TempDir()) /
        ("bannin-journal-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    fs::remove_all(p);
    fs::create_directories(p);
  }
  ~TempDir() { fs::remove_all(p); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  static int& counter() {
    static int c = 0;
    return c;
  }
};

bool libsystemd_present() {
  void* h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) return false;
  dlclose(h);
  return true;
}

JournalEntry sshd_entry() {
  JournalEntry e;
  e.realtime_usec = 1613679695123456;
  e.hostname = "web1";
  e.identifier = "sshd";
  e.comm = "sshd";
  e.pid = "1234";
  e.message = "Failed password for root from 203.0.113.5 port 52814 ssh2";
  return e;
}

TEST(JournaldFormatTest, ExactLine) {
  std::string out;
  EXPECT_FALSE(append_journal_json(out, sshd_entry()));
  EXPECT_EQ(out, R"({"__REALTIME_TIMESTAMP":"1613679695123456","_HOSTNAME":"web1",)"
                 R"("SYSLOG_IDENTIFIER":"sshd","_COMM":"sshd","_PID":"1234",)"
                 R"("MESSAGE":"Failed password for root from 203.0.113.5 port 52814 ssh2"})");
  // Absent fields are left out, not written empty.
  JournalEntry bare;
  bare.message = "hello";
  out.clear();
  append_journal_json(out, bare);
  EXPECT_EQ(out, R"({"MESSAGE":"hello"})");
}

TEST(JournaldFormatTest, DecodedBySyslogDecoder) {
  std::string line;
  append_journal_json(line, sshd_entry());
  decode::syslog::SyslogDecoder dec;
  model::Event ev;
  auto r = dec.decode(line, ev);
  ASSERT_TRUE(r.ok()) << r.reason << " in " << line;
  EXPECT_EQ(ev.kind(), model::EventKind::AuthAttempt);
  EXPECT_EQ(ev.str(Field::Outcome), "failure");
  ASSERT_NE(ev.get(Field::SrcIp), nullptr);
  EXPECT_EQ(ev.get(Field::SrcIp)->ip.to_string(), "203.0.113.5");
  EXPECT_EQ(ev.str(Field::User), "root");
  EXPECT_EQ(ev.str(Field::Host), "web1");
  EXPECT_EQ(ev.str(Field::Program), "sshd");
  ASSERT_NE(ev.get(Field::Pid), nullptr);
  EXPECT_EQ(ev.get(Field::Pid)->i, 1234);
  EXPECT_EQ(core::format_rfc3339(ev.ts()), "2021-02-18T20:21:35.123456Z");
}

TEST(JournaldFormatTest, CommStandsInForAMissingIdentifierAndSyslogPidWins) {
  JournalEntry e = sshd_entry();
  e.identifier = {};
  e.comm = "sshd";
  e.syslog_pid = "77";
  std::string line;
  append_journal_json(line, e);
  EXPECT_NE(line.find(R"("SYSLOG_PID":"77","_PID":"1234")"), std::string::npos) << line;
  decode::syslog::SyslogDecoder dec;
  model::Event ev;
  ASSERT_TRUE(dec.decode(line, ev).ok()) << line;
  EXPECT_EQ(ev.str(Field::Program), "sshd");
  EXPECT_EQ(ev.get(Field::Pid)->i, 77);
}

TEST(JournaldFormatTest, AnyBytesGiveOneValidJsonLine) {
  JournalEntry e = sshd_entry();
  std::string msg =
      "Failed password for \"ro\\ot\" from 203.0.113.5 port 1 ssh2\nsecond line\t\x01 \xff\xfe end";
  e.message = msg;
  e.hostname = "h\xc3";  // a cut UTF-8 sequence
  std::string line;
  append_journal_json(line, e);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find(R"(\"ro\\ot\")"), std::string::npos) << line;
  EXPECT_NE(line.find(R"(ssh2\nsecond line\t\u0001 )"), std::string::npos) << line;
  EXPECT_NE(line.find("\xEF\xBF\xBD\xEF\xBF\xBD end"), std::string::npos) << line;  // U+FFFD x2
  // The decoder parses it as JSON (a JSON error would be "bad_json").
  decode::syslog::SyslogDecoder dec;
  model::Event ev;
  auto r = dec.decode(line, ev);
  EXPECT_NE(r.reason, "bad_json");
}

TEST(JournaldFormatTest, LongMessageCutOnACharacterBoundary) {
  JournalEntry e;
  std::string msg = "ab\xE3\x81\x82\xE3\x81\x82";  // "ab" + two 3-byte characters
  e.message = msg;
  std::string line;
  EXPECT_TRUE(append_journal_json(line, e, 4));  // would cut inside the first character
  EXPECT_EQ(line, R"({"MESSAGE":"ab"})");
  line.clear();
  EXPECT_TRUE(append_journal_json(line, e, 5));
  EXPECT_EQ(line, "{\"MESSAGE\":\"ab\xE3\x81\x82\"}");
  line.clear();
  EXPECT_FALSE(append_journal_json(line, e, msg.size()));
}

TEST(JournaldSourceTest, MissingLibraryIsNotAvailable) {
  JournaldOptions o;
  o.library = "libbannin-no-such-systemd.so.0";
  auto r = JournaldSource::open(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "not_available");
  EXPECT_EQ(r.error().message.rfind("cannot load libbannin-no-such-systemd.so.0: ", 0), 0u)
      << r.error().message;
}

TEST(JournaldSourceTest, SystemJournalOpensOrSaysWhyNot) {
  auto r = JournaldSource::open(std::nullopt);  // what the daemon calls without a checkpoint
  if (r) {
    EXPECT_EQ((*r)->describe(), "journald");
    EXPECT_GE((*r)->fd(), 0);
  } else {
    EXPECT_EQ(r.error().code, "not_available");
    EXPECT_FALSE(r.error().message.empty());
  }
}

TEST(JournaldSourceTest, NoJournalFilesIsNotAvailable) {
  if (!libsystemd_present()) GTEST_SKIP() << "libsystemd.so.0 is not installed";
  TempDir d;
  fs::create_directories(d.p / "var" / "0123456789abcdef");
  std::ofstream((d.p / "var" / "0123456789abcdef" / "notes.txt").string()) << "x";
  JournaldOptions o;
  o.journal_dirs = {(d.p / "run").string(), (d.p / "var").string()};
  auto r = JournaldSource::open(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "not_available");
  EXPECT_EQ(r.error().message,
            "no journal files under " + (d.p / "run").string() + " or " + (d.p / "var").string());
}

TEST(JournaldSourceTest, UnreadableJournalFilesAreNotAvailable) {
  if (!libsystemd_present()) GTEST_SKIP() << "libsystemd.so.0 is not installed";
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  TempDir d;
  fs::create_directories(d.p / "m");
  std::ofstream((d.p / "m" / "system.journal").string()) << "x";
  fs::permissions(d.p / "m" / "system.journal", fs::perms::none);
  JournaldOptions o;
  o.journal_dirs = {d.p.string()};
  auto r = JournaldSource::open(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no permission to read the journal files"), std::string::npos);
}

TEST(JournaldSourceTest, MissingDirectoryIsNotAvailable) {
  if (!libsystemd_present()) GTEST_SKIP() << "libsystemd.so.0 is not installed";
  JournaldOptions o;
  o.directory = "/nonexistent/bannin/journal";
  auto r = JournaldSource::open(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "no journal directory /nonexistent/bannin/journal");
}

TEST(JournaldSourceTest, EmptyJournalDirectoryOpensAndReadsNothing) {
  if (!libsystemd_present()) GTEST_SKIP() << "libsystemd.so.0 is not installed";
  TempDir d;
  JournaldOptions o;
  o.directory = d.p.string();
  auto r = JournaldSource::open(o);
  ASSERT_TRUE(r) << r.error().message;
  auto& s = *r;
  EXPECT_EQ(s->describe(), "journald " + d.p.string());
  EXPECT_GE(s->fd(), 0);
  std::size_t n = s->read_ready([](const model::Record&) {}, 100);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(s->stats().records, 0u);
  EXPECT_EQ(s->stats().errors, 0u) << s->stats().last_error;
  pollfd p{s->fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0);  // nothing pending, nothing to wake for
}

}  // namespace
}  // namespace bannin::source
