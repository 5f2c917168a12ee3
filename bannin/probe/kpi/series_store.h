// SeriesStore: the KPI series bannin keeps (probe/kpi/, issue 16; incident S4: "a graph shows
// what a number hides"). Each named series has two fixed rings: one value per second for the
// last hour (3,600) and, per minute for the last day (1,440), the minute's mean and maximum
// (a ten-second burst of drops stays visible in the day view). Memory is fixed per series
// (25,920 bytes, allocated when the series is first named) and the number of series is
// capped (`max_series`; a name past the cap is refused and counted), so the store has a
// known upper bound whatever happens.
//
// Names are the metric names of `kpi.sample` events (`udp.rcvbuf_errors`), a service's
// metric with the service after a slash (`service.rss_bytes/unbound`), and the daemon's own
// rates (`bannin.lines/<source>`, `bannin.findings` …, docs/kpi.md).
//
// Persistence: serialize() gives the whole store as bytes and restore() takes them back
// (the KPI probe writes them to a file beside the store at most once a minute and at stop,
// and reads it at start). restore() checks everything — magic, version, sizes, names, a
// checksum — and refuses a damaged file with a located error instead of trusting it
// (fuzzed: tests/fuzz/kpi_series_fuzz.cpp).
//
// Time is an input (`ts` of each value, the wall clock of the sample). Thread-safe: one
// writer (the KPI probe's thread) and any number of readers (API workers) share a mutex held
// for one add() or one query.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/core/result.h>
#include <bannin/core/time.h>

namespace bannin::probe::kpi {

class SeriesStore {
 public:
  static constexpr std::size_t kSeconds = 3600;  ///< 1 s resolution for one hour
  static constexpr std::size_t kMinutes = 1440;  ///< 1 min resolution for one day
  static constexpr std::size_t kDefaultMaxSeries = 1024;
  static constexpr std::size_t kMaxPoints = 3600;  ///< per query answer
  static constexpr std::size_t kMaxName = 200;
  static constexpr std::size_t kBytesPerSeries = (kSeconds + 2 * kMinutes) * sizeof(float);

  explicit SeriesStore(std::size_t max_series = kDefaultMaxSeries);
  ~SeriesStore();
  SeriesStore(const SeriesStore&) = delete;
  SeriesStore& operator=(const SeriesStore&) = delete;

  /// The id of series `name` (its rings are allocated the first time; never afterwards);
  /// -1 when the store is full or the name is not printable ASCII of 1..200 bytes (counted).
  int id(std::string_view name);
  /// One value at wall time ts (the second it falls in). A value for a second before the
  /// series' last is dropped and counted (`late`); NaN marks "no value".
  void add(int id, core::TimeNs ts, double value);

  struct Point {
    std::int64_t t = 0;  ///< start of the step, seconds since the epoch
    double value = NAN;  ///< mean over the step (NaN: no data)
    double max = NAN;    ///< maximum over the step
  };
  struct Answer {
    std::string name;
    std::int64_t step_s = 1;
    std::vector<Point> points;
  };
  /// Values of series `name` from `from` to `to` (inclusive, wall clock) in steps of `step`
  /// (1 s … 1 h from the one-hour ring; multiples of a minute from the one-day ring).
  /// Errors: not_found (no such series), invalid_argument (step, range, too many points).
  [[nodiscard]] core::Result<Answer> query(std::string_view name, core::TimeNs from,
                                           core::TimeNs to, core::TimeNs step) const;

  /// Series names in the order they were first named.
  [[nodiscard]] std::vector<std::string> names() const;
  /// The newest value of series `id` and its second (NaN/0 when none).
  [[nodiscard]] double last(int id, std::int64_t* second = nullptr) const;

  struct Stats {
    std::size_t series = 0, bytes = 0;
    std::uint64_t refused = 0, late = 0;
  };
  [[nodiscard]] Stats stats() const;

  /// The whole store as bytes (format in series_store.cpp).
  void serialize(std::string& out) const;
  /// Series from serialize()'s bytes, added to (or replacing) those of the same name.
  /// Returns how many were restored; on any damage nothing is restored and the error says
  /// what and at which byte offset (code "bad_series_file").
  core::Result<std::size_t> restore(std::string_view bytes);

 private:
  struct Series;
  int id_locked(std::string_view name);
  mutable std::mutex mu_;
  std::size_t max_series_;
  std::vector<std::unique_ptr<Series>> series_;
  std::uint64_t refused_ = 0, late_ = 0;
};

/// A running total (lines read, requests counted) turned into a per-second rate of one
/// series: record() once a second with the total and the time since the last call.
struct CounterRate {
  int id = -2;  ///< -2: not asked for yet; -1: the store refused the name
  std::uint64_t prev = 0;
  bool have = false;
  void record(SeriesStore& st, std::string_view name, core::TimeNs wall, core::TimeNs dt,
              std::uint64_t total);
};

}  // namespace bannin::probe::kpi
