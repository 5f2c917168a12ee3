// RecordingActuator: the act stage's recording twin (STYLE §8.6, Zeek NetControl's debug
// plugin). It enforces nothing; it appends one JSON line per action it would take to a file
// or to memory, and keeps what would be in force so list() and revoke() answer like a real
// actuator. Used in observe mode and in tests. Every scope is accepted (it only writes).
//
// Lines: {"op":"apply","target":…,"scope":…,"action":…,"ttl_s":N,"rule":…,"reason":…}
//        {"op":"revoke","target":…}   {"op":"flush"}
// Time is an input: the clock gives "now" for expiry. One owner thread.
//
// File mode writes each call's lines with write(2) on an O_APPEND descriptor before the call
// returns (no stdio buffer: a kill -9 loses nothing written). When the write fails (a full
// disk) the unwritten bytes are kept, in order, and retried by the next call or health();
// the lines are complete in the file once space returns. Past `max_pending` bytes new lines
// are dropped and counted. health() reports the problem; nothing is lost silently.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

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
                                                                  Clock clock = {},
                                                                  std::size_t max_pending = 64
                                                                                            << 20);
  ~RecordingActuator() override;

  std::vector<ActionResult> apply(std::span<const decide::Decision> batch) override;
  std::vector<ActionResult> revoke(std::span<const decide::Decision> batch) override;
  core::Result<FlushReport> flush() override;
  core::Result<std::vector<EnforcedEntry>> list() override;
  ActuatorHealth health() override;

  /// Everything recorded so far in memory mode (empty in file mode: the file has it).
  [[nodiscard]] const std::string& lines() const noexcept { return lines_; }

 private:
  struct InForce {
    std::string scope;
    std::int64_t ttl_s = 0;
    core::TimeNs until = 0;
  };
  bool write(std::string_view text);  ///< false: dropped (over max_pending)
  bool drain();  ///< writes pending_; false on an error (kept for the next try)
  void prune_expired();
  [[nodiscard]] core::TimeNs now() const;
  static std::string target_text(const decide::Decision& d);

  Clock clock_;
  int fd_ = -1;
  bool owns_fd_ = false;
  std::string path_;
  std::string lines_;    // memory mode
  std::string pending_;  // file mode: bytes not yet written
  std::size_t max_pending_ = 0;
  ActuatorHealth health_;
  std::size_t applies_since_prune_ = 0;
  std::map<std::string, InForce> in_force_;
};

}  // namespace bannin::act
