// The file scanner and the inotify watch (probe/file/file_scanner.h, dir_watch.h) on a real
// temporary document root with planted harmless samples.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bannin/probe/file/dir_watch.h>
#include <bannin/probe/file/file_events.h>
#include <bannin/probe/file/file_scanner.h>
#include <bannin/probe/file/yara_rules.h>

namespace bannin::probe::file {
namespace {

namespace fs = std::filesystem;

class DocRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("bannin_docroot_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "wp-content/uploads/2026/11");
    fs::create_directories(root_ / "wp-includes");
    put("index.php", "<?php\nrequire __DIR__ . '/wp-blog-header.php';\n");
    put("wp-includes/load.php", "<?php function wp_load() { return 1; }\n");
    put("wp-content/uploads/2026/11/photo.jpg", "\xff\xd8\xff\xe0 not really a jpeg");
    auto y = YaraRules::compile({std::string(BANNIN_SOURCE_DIR) + "/rules/yara"});
    ASSERT_TRUE(y) << y.error().message;
    yara_ = std::shared_ptr<const YaraRules>(std::move(*y));
  }
  void TearDown() override { fs::remove_all(root_); }
  void put(const std::string& rel, const std::string& bytes) {
    std::ofstream(root_ / rel, std::ios::binary) << bytes;
  }
  ScannerOptions options() {
    ScannerOptions o;
    o.roots = {Root{root_.string(), "shop1", "shop1.example.jp"}};
    o.upload_dirs = {"wp-content/uploads"};
    return o;
  }
  static std::map<std::string, FileHit> by_name(std::vector<FileHit> hits) {
    std::map<std::string, FileHit> m;
    for (auto& h : hits) m[fs::path(h.path).filename().string()] = std::move(h);
    return m;
  }
  fs::path root_;
  std::shared_ptr<const YaraRules> yara_;
};

TEST_F(DocRoot, FirstWalkFindsPlantedFilesOnly) {
  put("wp-content/uploads/2026/11/x.php", "<?php echo 'BANNIN-TEST-WEBSHELL-7F3A';");
  put("wp-includes/cache-helper.php", "<?php eval(gzinflate(base64_decode('S0lNTU4BAA==')));");
  put("wp-content/uploads/2026/11/logo.gif", "GIF89a<?php echo 1; ?>");
  FileScanner s(options(), yara_);
  auto hits = by_name(s.walk());
  ASSERT_EQ(hits.size(), 3u);
  const FileHit& shell = hits.at("x.php");
  EXPECT_EQ(shell.change, "present");
  EXPECT_EQ(shell.account, "shop1");
  EXPECT_EQ(shell.vhost, "shop1.example.jp");
  EXPECT_EQ(shell.reasons,
            (std::vector<std::string>{"script_in_upload_dir", "yara:bannin_test_webshell"}));
  EXPECT_EQ(shell.sha256.size(), 64u);
  EXPECT_EQ(hits.at("cache-helper.php").reasons, std::vector<std::string>{"decoder_chain"});
  EXPECT_EQ(hits.at("logo.gif").reasons, std::vector<std::string>{"php_in_image"});
  EXPECT_EQ(s.stats().files_examined, 6u);
  EXPECT_EQ(s.stats().hits, 3u);
}

TEST_F(DocRoot, LaterWalksReportOnlyNewAndChangedFiles) {
  FileScanner s(options(), yara_);
  EXPECT_TRUE(s.walk().empty());
  EXPECT_TRUE(s.walk().empty());
  EXPECT_EQ(s.stats().files_examined, 3u);  // the second walk read nothing
  put("wp-content/uploads/2026/11/new.php", "<?php // harmless");
  auto h = s.walk();
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].change, "new");
  // An existing harmless file changed into a planted one.
  put("wp-includes/load.php", "<?php @eval($_POST['c']); function wp_load() { return 1; }\n");
  h = s.walk();
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].change, "changed");
  EXPECT_EQ(h[0].reasons, std::vector<std::string>{"yara:webshell_request_eval"});
  // examine_path (inotify's way in) agrees with the walk and does not repeat it.
  EXPECT_FALSE(s.examine_path((root_ / "wp-includes/load.php").string()));
  EXPECT_FALSE(s.examine_path("/etc/passwd"));  // not under a root
}

TEST_F(DocRoot, LinksAreNeverFollowedAndExcludesSkipped) {
  fs::create_directories(root_ / "q");
  put("q/held.php", "<?php echo 'BANNIN-TEST-WEBSHELL-7F3A';");
  fs::path outside = root_.string() + "_outside";
  fs::create_directories(outside);
  std::ofstream(outside / "secret.php") << "<?php echo 'BANNIN-TEST-WEBSHELL-7F3A';";
  fs::create_directory_symlink(outside, root_ / "wp-content/uploads/linked");
  fs::create_symlink(outside / "secret.php", root_ / "wp-content/uploads/l.php");
  auto o = options();
  o.exclude = {(root_ / "q").string()};
  FileScanner s(o, yara_);
  EXPECT_TRUE(s.walk().empty());
  EXPECT_FALSE(s.examine_path((root_ / "wp-content/uploads/l.php").string()));
  EXPECT_FALSE(s.examine_path((root_ / "q/held.php").string()));
  fs::remove_all(outside);
}

TEST_F(DocRoot, BoundsAreCounted) {
  put("wp-content/uploads/big.php", std::string(5000, 'x'));
  auto o = options();
  o.max_file_bytes = 4096;
  o.max_files = 3;
  FileScanner s(o, yara_);
  auto hits = s.walk();
  // 4 files, 3 remembered: one untracked; the large one (if it got in) judged by name only.
  EXPECT_EQ(s.stats().untracked, 1u);
  EXPECT_EQ(s.stats().tracked, 3u);
  if (!hits.empty()) {
    EXPECT_EQ(s.stats().too_large, 1u);
    EXPECT_EQ(hits[0].reasons, std::vector<std::string>{"script_in_upload_dir"});
    EXPECT_EQ(hits[0].sha256, "");
  }
}

TEST_F(DocRoot, HitsBecomeFileFoundEvents) {
  put("wp-content/uploads/2026/11/x.php", "<?php echo 'BANNIN-TEST-MAILER-7F3A';");
  FileScanner s(options(), yara_);
  auto hits = s.walk();
  ASSERT_EQ(hits.size(), 1u);
  int n = 0;
  for_each_event(hits, 42, [&](const model::Event& e) {
    ++n;
    EXPECT_EQ(e.kind(), model::EventKind::FileFound);
    EXPECT_EQ(e.ts(), 42);
    EXPECT_EQ(e.str(model::Field::FilePath), hits[0].path);
    EXPECT_EQ(e.str(model::Field::Account), "shop1");
    EXPECT_EQ(e.str(model::Field::Reason), "script_in_upload_dir,yara:bannin_test_mailer");
    EXPECT_EQ(e.str(model::Field::State), "present");
    EXPECT_EQ(e.str(model::Field::Sha256), hits[0].sha256);
    EXPECT_NE(e.str(model::Field::Detail).find("YARA rule bannin_test_mailer"), std::string::npos);
  });
  EXPECT_EQ(n, 1);
}

TEST_F(DocRoot, InotifySeesWritesNewDirectoriesAndItsLimit) {
  DirWatch w(1000);
  ASSERT_GE(w.fd(), 0);
  std::vector<std::string> files;
  w.add_tree(root_.string(), {}, files);
  EXPECT_EQ(w.watches(), 6u);  // root, wp-content, uploads, 2026, 11, wp-includes
  EXPECT_EQ(files.size(), 3u);
  files.clear();
  put("wp-content/uploads/2026/11/dropped.php", "<?php");
  fs::create_directories(root_ / "wp-content/uploads/2026/12");
  put("wp-content/uploads/2026/12/in-new-dir.php", "<?php");
  ASSERT_TRUE(w.read(files, {}));
  // The second file may be seen by the new directory's listing or by its own event (or both).
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  EXPECT_NE(std::find(files.begin(), files.end(),
                      (root_ / "wp-content/uploads/2026/11/dropped.php").string()),
            files.end());
  EXPECT_EQ(w.watches(), 7u);
  // A limit of 2: the rest is counted and left to the walk.
  DirWatch small(2);
  std::vector<std::string> f2;
  small.add_tree(root_.string(), {}, f2);
  EXPECT_EQ(small.watches(), 2u);
  EXPECT_EQ(small.limit_hits(), 5u);
}

}  // namespace
}  // namespace bannin::probe::file
