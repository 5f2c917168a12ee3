// RecordingActuator: the act stage's recording twin (STYLE §8.6, Zeek NetControl's debug
// plugin). It enforces nothing; it appends one JSON line per action it would take to a file
// or to memory, and keeps what would be in force so list() and revoke() answer like a real
// actuator. Used in observe mode and in tests. Every scope is accepted (it only writes).
//
// Lines: {"op":"apply","target":…,"scope":…,"action":…,"ttl_s":N,"rule":…,"reason":…}
//        {"op":"revoke","target":…}   {"op":"flush"}
// Time is an input: the clock gives "now" for expiry. One owner thread.
#pragma once

#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <bannin/act/actuator.h>
#include <bannin/core/time.h>

namespace bannin::act {

class RecordingActuator final : public Actuator {
 public:
  using Clock = std::function<core::TimeNs()>;

  /// Records into memory (see lines()).
  explicit RecordingActuator(Clock clock = {});
  /// Appends to a file ("-" = stdout). Fails when the file cannot be opened.
  static core::Result<std::unique_ptr<RecordingActuator>> to_file(const std::string& path,
                                                                  Clock clock = {});
  ~RecordingActuator() override;

  std::vector<ActionResult> apply(std::span<const decide::Decision> batch) override;
  std::vector<ActionResult> revoke(std::span<const decide::Decision> batch) override;
  core::Result<FlushReport> flush() override;
  core::Result<std::vector<EnforcedEntry>> list() override;

  /// Everything recorded so far (memory mode; in file mode, the lines written by this
  /// instance).
  [[nodiscard]] const std::string& lines() const noexcept { return lines_; }

 private:
  struct InForce {
    std::string scope;
    std::int64_t ttl_s = 0;
    core::TimeNs until = 0;
  };
  void write(const std::string& line);
  [[nodiscard]] core::TimeNs now() const;
  static std::string target_text(const decide::Decision& d);

  Clock clock_;
  std::FILE* file_ = nullptr;
  bool owns_file_ = false;
  std::string lines_;
  std::map<std::string, InForce> in_force_;
};

}  // namespace bannin::act
