// Fuzz target for compressed rotated generations (source/file_tail.h, issue 11): the bytes
// are a PATH.1.gz that a tail held back by a rotation finds and reads through zlib (gzip
// header time, inflate, a stream cut short or corrupt), and then the generation a restarted
// tail resumes inside. Invariants: no crash, hang or exception on any bytes; the line written
// to PATH after the rotation arrives last (and "first", read before, first).
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bannin/source/file_tail.h>

namespace {

namespace fs = std::filesystem;

void write_file(const fs::path& p, const void* data, std::size_t size) {
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) std::abort();
  if (size > 0 && ::write(fd, data, size) != static_cast<ssize_t>(size)) std::abort();
  ::close(fd);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using bannin::source::FileTail;
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("bannin-gz-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  for (const auto& e : fs::directory_iterator(dir)) fs::remove(e.path());
  const fs::path log = dir / "a.log";
  static const std::string kLast = "the last line, written to PATH after the rotation";
  write_file(log, "first\n", 6);
  std::vector<std::string> got;
  auto sink = [&](const bannin::model::Record& r) { got.emplace_back(r.bytes); };
  {
    FileTail t(log.string());
    t.poll(sink);
    // Rotated twice while the tail looked away: the first generation is PATH.2, the second
    // exists only compressed (the fuzz bytes), then a new PATH.
    fs::rename(log, dir / "a.log.2");
    write_file(dir / "a.log.1.gz", data, size);
    write_file(log, (kLast + "\n").data(), kLast.size() + 1);
    for (int i = 0; i < 4; ++i) t.poll(sink, 1000);
    if (got.empty() || got.front() != "first" || got.back() != kLast) std::abort();
  }
  // A restart whose checkpoint lies inside the compressed generation.
  struct stat st {};
  if (::stat((dir / "a.log.1.gz").c_str(), &st) == 0) {
    bannin::source::Checkpoint cp;
    cp.device = static_cast<std::uint64_t>(st.st_dev);
    cp.inode = static_cast<std::uint64_t>(st.st_ino);
    cp.offset = size % 64;
    FileTail t(log.string(), cp);
    got.clear();
    for (int i = 0; i < 3; ++i) t.poll(sink, 1000);
    if (got.empty() || got.back() != kLast) std::abort();
  }
  return 0;
}
