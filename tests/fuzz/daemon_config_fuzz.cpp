// Fuzz target for the daemon configuration loader (bannin/app/config.h). Lines of the input
// that start with "-o " become `-o key=value` overrides (the rest of the line); every other
// line goes, in order, into a temporary file that load_config reads as --config FILE. The
// file is loaded alone and, when there are overrides, again with them. Errors are expected
// and fine; a crash, leak, UB or an escaped exception is not. A config that loads must hold
// only values the loader promises to check.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include <bannin/app/config.h>

namespace {

using namespace bannin;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

// One temporary file per process, rewritten for every input and removed at exit.
class TempFile {
 public:
  TempFile() {
    const char* dir = std::getenv("TMPDIR");
    path_ =
        std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/bannin_config_fuzz_XXXXXX";
    const int fd = ::mkstemp(path_.data());
    check(fd >= 0, "cannot create a temporary file");
    ::close(fd);
  }
  ~TempFile() { ::unlink(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::string& write(std::string_view text) {
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    check(f != nullptr, "cannot open the temporary file");
    check(std::fwrite(text.data(), 1, text.size(), f) == text.size(), "short write");
    check(std::fclose(f) == 0, "cannot close the temporary file");
    return path_;
  }

 private:
  std::string path_;
};

void check_loaded(const core::Result<app::DaemonConfig>& r) {
  if (!r) {
    check(r.error().code == "bad_config" || r.error().code == "file_not_found",
          "unexpected config error code");
    check(!r.error().message.empty(), "config error without a message");
    return;
  }
  const app::DaemonConfig& c = *r;
  for (const auto& code : c.home_countries) {
    check(code.size() == 2 && std::isupper(static_cast<unsigned char>(code[0])) &&
              std::isupper(static_cast<unsigned char>(code[1])),
          "home country is not two upper-case letters");
  }
  check(c.memory_budget_mb >= 1 && c.memory_budget_mb <= (1U << 20), "memory budget range");
  check(!c.store_path.empty(), "empty store path");
  check(c.keep_findings >= 0 && c.keep_decisions >= 0 && c.keep_actions >= 0, "negative retention");
  check(c.repeat_window >= 0 && c.repeat_max_ttl >= 0 && c.prefix_window >= 0,
        "negative decide duration");
  check(c.repeat_ttl_factor >= 1 && c.repeat_ttl_factor <= 100, "ttl factor range");
  check(c.max_per_minute <= 1'000'000, "max_per_minute range");
  check(c.prefix_min_members <= 65536, "min_members range");
  check(c.prefix_v4_len >= 16 && c.prefix_v4_len <= 31, "v4_len range");
  check(c.prefix_v6_len >= 32 && c.prefix_v6_len <= 127, "v6_len range");
  check(!c.nft_table.empty() && c.nft_table.size() <= 32, "nftables table name size");
  check(c.nft_priority >= -1000 && c.nft_priority <= 1000, "nftables priority range");
  check(c.queue_records >= 1 && c.queue_store >= 16 && c.queue_actions >= 16, "queue minimums");
  for (const auto& s : c.sources) {
    (void)s.describe();
    if (s.kind == app::SourceConfig::Kind::File)
      check(!s.paths.empty(), "file source without paths");
    if (s.kind == app::SourceConfig::Kind::Syslog)
      check(!s.listen.empty(), "syslog source without listen");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static TempFile file;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  std::string yaml;
  std::vector<std::string> overrides;
  std::size_t pos = 0;
  while (pos < input.size()) {
    std::size_t nl = input.find('\n', pos);
    const bool last = nl == std::string_view::npos;
    if (last) nl = input.size();
    const std::string_view line = input.substr(pos, nl - pos);
    if (line.substr(0, 3) == "-o ") {
      overrides.emplace_back(line.substr(3));
    } else {
      yaml.append(line);
      if (!last) yaml.push_back('\n');
    }
    pos = nl + 1;
  }

  const std::string& path = file.write(yaml);
  check_loaded(app::load_config(path, {}));
  if (!overrides.empty()) {
    check_loaded(app::load_config(path, overrides));
    check_loaded(app::load_config("", overrides));
  }
  for (const auto& o : overrides) {
    const std::size_t eq = o.find('=');
    core::TimeNs ns = 0;
    if (app::parse_duration(o.substr(eq == std::string::npos ? 0 : eq + 1), ns)) {
      check(ns >= 0, "negative duration");
    }
  }
  return 0;
}
