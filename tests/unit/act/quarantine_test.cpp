// Reversible quarantine (act/quarantine/): real files in a temporary directory. The owner
// round trip needs root (chown to a throwaway numeric uid); without root those checks are
// skipped, the rest runs.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bannin/act/quarantine/quarantine.h>
#include <bannin/act/quarantine/quarantine_actuator.h>
#include <bannin/act/recording/recording_actuator.h>

namespace bannin::act::quarantine {
namespace {

namespace fs = std::filesystem;

constexpr uid_t kUid = 64123;  // a throwaway uid no account uses
constexpr gid_t kGid = 64124;

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

class Quarantine : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("bannin_q_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "www/wp-content/uploads");
    file_ = dir_ / "www/wp-content/uploads/x.php";
    bytes_ =
        std::string("<?php echo 'BANNIN-TEST-WEBSHELL-7F3A';\n") + std::string("\0\x01\xff", 3);
    std::ofstream(file_, std::ios::binary) << bytes_;
    ::chmod(file_.c_str(), 0644);
    root_ = ::geteuid() == 0;
    if (root_) {
      ASSERT_EQ(::chown(file_.c_str(), kUid, kGid), 0);
    }
    struct stat st {};
    ::stat(file_.c_str(), &st);
    before_ = st;
  }
  void TearDown() override { fs::remove_all(dir_); }
  void expect_as_before() {
    struct stat st {};
    ASSERT_EQ(::lstat(file_.c_str(), &st), 0);
    EXPECT_EQ(slurp(file_), bytes_);
    EXPECT_EQ(st.st_mode & 07777, 0644u);
    EXPECT_EQ(st.st_uid, before_.st_uid);
    EXPECT_EQ(st.st_gid, before_.st_gid);
    EXPECT_EQ(st.st_mtim.tv_sec, before_.st_mtim.tv_sec);
    EXPECT_EQ(st.st_mtim.tv_nsec, before_.st_mtim.tv_nsec);
  }
  fs::path dir_, file_;
  std::string bytes_;
  bool root_ = false;
  struct stat before_ {};
};

TEST_F(Quarantine, ChmodRoundTrip) {
  auto e = quarantine_file(file_.string(), Method::Chmod, "", 7);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->stored_path, file_.string());
  EXPECT_EQ(e->old_mode, 0644u);
  EXPECT_EQ(e->size, static_cast<std::int64_t>(bytes_.size()));
  EXPECT_EQ(e->sha256.size(), 64u);
  struct stat st {};
  ::lstat(file_.c_str(), &st);
  EXPECT_EQ(st.st_mode & 07777, 0u);
  if (root_) {
    EXPECT_EQ(e->uid, kUid);
  }
  auto r = restore_file(*e);
  ASSERT_TRUE(r) << r.error().message;
  expect_as_before();
}

TEST_F(Quarantine, MoveRoundTripAndPurge) {
  const std::string qdir = (dir_ / "quarantine").string();
  auto e = quarantine_file(file_.string(), Method::Move, qdir, 9);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_FALSE(fs::exists(fs::symlink_status(file_)));
  EXPECT_EQ(e->stored_path, qdir + "/" + e->sha256 + "-9");
  struct stat st {};
  ASSERT_EQ(::lstat(e->stored_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0u);
  ASSERT_EQ(::lstat(qdir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  // Something else at the path now: restore refuses and leaves both alone.
  std::ofstream(file_) << "new file by the owner";
  auto busy = restore_file(*e);
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code, "occupied");
  fs::remove(file_);
  ASSERT_TRUE(restore_file(*e));
  expect_as_before();
  // Again, then purged for good.
  auto e2 = quarantine_file(file_.string(), Method::Move, qdir, 10);
  ASSERT_TRUE(e2);
  ASSERT_TRUE(purge_file(*e2));
  EXPECT_FALSE(fs::exists(e2->stored_path));
  EXPECT_FALSE(fs::exists(file_));
}

TEST_F(Quarantine, ChangedBytesAreNotRestoredNorPurged) {
  auto e = quarantine_file(file_.string(), Method::Chmod, "", 1);
  ASSERT_TRUE(e);
  ::chmod(file_.c_str(), 0600);
  std::ofstream(file_, std::ios::app) << "appended";
  auto r = restore_file(*e);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "changed");
  EXPECT_EQ(purge_file(*e).error().code, "changed");
  EXPECT_TRUE(fs::exists(file_));
  Entry ended = *e;
  ended.state = "restored";
  EXPECT_EQ(restore_file(ended).error().code, "bad_entry");
}

TEST_F(Quarantine, LinksDirectoriesAndRelativePathsAreRefused) {
  fs::create_symlink(file_, dir_ / "link.php");
  auto l = quarantine_file((dir_ / "link.php").string(), Method::Chmod, "", 1);
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().code, "not_regular");
  struct stat st {};
  ::lstat(file_.c_str(), &st);
  EXPECT_EQ(st.st_mode & 07777, 0644u);  // the link's target untouched
  EXPECT_EQ(quarantine_file(dir_.string(), Method::Chmod, "", 1).error().code, "not_regular");
  EXPECT_EQ(quarantine_file("x.php", Method::Chmod, "", 1).error().code, "bad_entry");
  EXPECT_EQ(quarantine_file((dir_ / "none").string(), Method::Chmod, "", 1).error().code,
            "not_found");
  EXPECT_EQ(quarantine_file(file_.string(), Method::Move, "relative", 1).error().code, "bad_entry");
}

// An in-memory Ledger: the daemon's is the store (tested in tests/cli/account_files_test.sh).
class MemoryLedger final : public Ledger {
 public:
  std::optional<Entry> last(const std::string& path) override {
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
      if (it->path == path) return *it;
    }
    return std::nullopt;
  }
  core::Result<std::int64_t> add(const Entry& e) override {
    entries.push_back(e);
    entries.back().id = static_cast<std::int64_t>(entries.size());
    return entries.back().id;
  }
  void refused(const std::string& path, const std::string&, const std::string& d) override {
    refusals[path] = d;
  }
  std::vector<Entry> entries;
  std::map<std::string, std::string> refusals;
};

TEST_F(Quarantine, ActuatorIsIdempotentAndRespectsARestore) {
  MemoryLedger ledger;
  auto rest = std::make_unique<RecordingActuator>([] { return core::TimeNs{5}; });
  QuarantineActuator a(std::move(rest), {Method::Chmod, ""}, ledger,
                       [] { return core::TimeNs{5}; });
  decide::Decision d;
  d.rule = "files.planted.strong";
  d.action = "quarantine";
  d.scope = "file";
  d.file = file_.string();
  d.ttl = 3600 * core::kNsPerSec;
  decide::Decision ip;
  ip.action = "deny";
  ip.scope = "ip";
  ip.ip = "192.0.2.7";
  ip.ttl = 60 * core::kNsPerSec;
  std::vector<decide::Decision> batch{ip, d};
  auto r = a.apply(batch);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].outcome, Outcome::Recorded);  // the ip decision went to the actuator behind
  EXPECT_EQ(r[1].outcome, Outcome::Applied) << r[1].detail;
  ASSERT_EQ(ledger.entries.size(), 1u);
  EXPECT_EQ(ledger.entries[0].old_mode, 0644u);
  EXPECT_EQ(ledger.entries[0].origin, "files.planted.strong");
  // Applied again (a restart re-applies what is in force): nothing changes.
  auto again = a.apply(std::vector<decide::Decision>{d});
  EXPECT_EQ(again[0].outcome, Outcome::Applied);
  EXPECT_EQ(ledger.entries.size(), 1u);
  // The decision ends: the file stays in quarantine.
  auto rev = a.revoke(std::vector<decide::Decision>{d});
  EXPECT_EQ(rev[0].outcome, Outcome::Revoked);
  struct stat st {};
  ::lstat(file_.c_str(), &st);
  EXPECT_EQ(st.st_mode & 07777, 0u);
  // A person restores it: the same bytes are not quarantined again.
  ASSERT_TRUE(restore_file(ledger.entries[0]));
  ledger.entries[0].state = "restored";
  auto after = a.apply(std::vector<decide::Decision>{d});
  EXPECT_EQ(after[0].outcome, Outcome::Unsupported);
  EXPECT_EQ(ledger.entries.size(), 1u);
  EXPECT_EQ(ledger.refusals.count(file_.string()), 1u);
  expect_as_before();
}

}  // namespace
}  // namespace bannin::act::quarantine
