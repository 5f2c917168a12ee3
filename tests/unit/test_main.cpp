// The main of every unit-test binary: GoogleTest's, with a temporary directory of its own.
//
// ctest runs each test of a binary as its own process, two at a time (`ctest -j2`). Tests
// that keep a file under ::testing::TempDir() by a fixed name (a store, a checkpoint, a
// recording) would then share it with the same-named file of a test running beside them, and
// one would delete the other's database mid-test. So each process gets a fresh directory
// (TEST_TMPDIR, which TempDir() reads) and removes it when its tests are done.
#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::string dir = ::testing::TempDir() + "bannin_unit_XXXXXX";
  if (::mkdtemp(dir.data()) != nullptr) {
    ::setenv("TEST_TMPDIR", (dir + "/").c_str(), 1);
  } else {
    dir.clear();  // keep the shared directory rather than fail every test
  }
  const pid_t self = ::getpid();
  const int rc = RUN_ALL_TESTS();
  // A test's forked child that returns here must not remove its parent's files.
  if (!dir.empty() && ::getpid() == self) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return rc;
}
