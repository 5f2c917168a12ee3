// FlightRecorder: the last raw lines of every source and the last KPI samples, kept in
// memory in fixed-size rings, and frozen to disk when an incident needs them (config
// `recorder:`, docs/guard.md "Flight recorder"; issue 16, incident S4: the POP proxies' logs
// that would have explained the outage were lost). A freeze writes one gzip file (zlib) into
// `<store dir>/records/`: every source's ring oldest line first, each line with the time
// bannin read it, then the KPI samples; `zcat` reads it, so does `bannin record show`.
// Retention by count and age runs after each freeze.
//
// Freezes come from a rule marked `record: true` when it fires (at most one per
// `min_interval` per rule) and from a person (`bannin record freeze`, POST
// /api/v1/record/freeze).
//
// Bounded: each source's ring holds at most `bytes_per_source` bytes of lines (the oldest go
// first, counted), at most `max_sources` sources (lines of more are counted, not kept), and
// `kpi_samples` samples. No allocation per line: the rings are byte rings allocated once.
//
// Threading: add_lines from the pipeline thread, add_kpi from the KPI probe's thread,
// freeze/list/status from any thread (one mutex; a freeze copies the rings under it and
// compresses and writes outside it).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/core/result.h>
#include <bannin/core/time.h>

namespace bannin::app {

struct RecorderConfig {
  bool enabled = true;
  std::size_t bytes_per_source = std::size_t{512} * 1024;
  std::size_t max_sources = 32;
  std::size_t kpi_samples = 300;
  std::size_t keep = 20;                             ///< frozen files kept (the newest)
  core::TimeNs keep_age = 30 * core::kNsPerDay;      ///< older ones are deleted; 0 = no age limit
  core::TimeNs min_interval = 60 * core::kNsPerSec;  ///< between freezes by the same rule
  bool operator==(const RecorderConfig&) const = default;
};

/// A byte ring of (time, line) records: the oldest records are dropped to make room.
class LineRing {
 public:
  explicit LineRing(std::size_t capacity);
  void push(core::TimeNs ts, std::string_view line);
  /// Every record, oldest first.
  template <typename F>
  void for_each(F&& f) const;
  [[nodiscard]] std::size_t records() const noexcept { return records_; }
  [[nodiscard]] std::uint64_t evicted() const noexcept { return evicted_; }
  [[nodiscard]] std::size_t bytes() const noexcept { return used_; }

 private:
  void write(const void* p, std::size_t n);
  void read(std::size_t at, void* p, std::size_t n) const;
  void drop_oldest();
  std::vector<char> buf_;
  std::size_t head_ = 0, used_ = 0, records_ = 0;
  std::uint64_t evicted_ = 0;
};

struct FrozenFile {
  std::string path;
  std::string name;
  core::TimeNs ts = 0;
  std::uint64_t bytes = 0;  ///< on disk (compressed)
  std::uint64_t lines = 0, samples = 0;
  std::string reason;
};

class FlightRecorder {
 public:
  FlightRecorder(RecorderConfig cfg, std::string dir);
  /// Lines of source `stream` (named `origin`): data holds them back to back, ends[i] the end
  /// of line i.
  void add_lines(std::uint32_t stream, std::string_view origin, std::string_view data,
                 const std::vector<std::uint32_t>& ends, core::TimeNs now);
  void add_kpi(core::TimeNs ts, std::string_view json_line);
  /// Writes the rings now. `reason` goes into the file and its name (sanitised).
  core::Result<FrozenFile> freeze(core::TimeNs now, const std::string& reason);
  /// A rule's freeze: refused (error "too_soon") within min_interval of that rule's last one.
  core::Result<FrozenFile> freeze_for_rule(core::TimeNs now, const std::string& rule);
  /// The frozen files, newest first.
  [[nodiscard]] std::vector<FrozenFile> list() const;
  [[nodiscard]] std::string status_json() const;
  [[nodiscard]] const std::string& dir() const noexcept { return dir_; }

 private:
  struct Source {
    std::string origin;
    LineRing ring;
    std::uint64_t lines = 0;
  };
  void prune(core::TimeNs now);

  RecorderConfig cfg_;
  std::string dir_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Source>> sources_;  ///< by stream id (null: not seen)
  std::size_t source_count_ = 0;
  std::uint64_t refused_lines_ = 0;  ///< lines of sources past max_sources
  LineRing kpi_;
  std::map<std::string, core::TimeNs> last_rule_freeze_;
  std::uint64_t freezes_ = 0, freeze_errors_ = 0, too_soon_ = 0;
  std::string last_error_;
  std::string last_file_;
  std::mutex freeze_mu_;  // one freeze at a time (file names, pruning)
};

template <typename F>
void LineRing::for_each(F&& f) const {
  std::size_t at = head_;
  std::string line;
  for (std::size_t i = 0; i < records_; ++i) {
    core::TimeNs ts = 0;
    std::uint32_t len = 0;
    read(at, &ts, sizeof ts);
    read((at + sizeof ts) % buf_.size(), &len, sizeof len);
    line.resize(len);
    read((at + sizeof ts + sizeof len) % buf_.size(), line.data(), len);
    f(ts, std::string_view(line));
    at = (at + sizeof ts + sizeof len + len) % buf_.size();
  }
}

/// Reads a frozen file back (gzip) as text; errors name the file.
core::Result<std::string> read_frozen(const std::string& path, std::size_t max_bytes);

}  // namespace bannin::app
