// QuarantineActuator: carries out `quarantine` decisions on `file` targets (stage: act), and
// passes every other decision to the actuator behind it (nftables, web server, recording).
// Built by the daemon in enforce mode only; in observe mode file decisions go to the
// recording actuator like the rest and no file is touched.
//
// Applying is idempotent: a file already in quarantine (the Ledger's newest entry for its
// path is in state quarantined) is reported as applied with that entry's id, never
// quarantined a second time (which would record mode 000 as its "old" mode). A file a person
// restored is not quarantined again while its bytes are the ones restored (same SHA-256): the
// restore said "this one is fine"; a changed file is judged afresh. Revoking — the decision's TTL
// ran out, or a person revoked it — does NOT restore the file: a web shell must not come
// back by itself. The file stays in quarantine until `bannin quarantine restore ID`
// (docs/accounts.md, docs/decisions/2026-12-08-planted-files-and-quarantine.md).
//
// Used from the daemon's act thread only, like every actuator.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <bannin/act/actuator.h>
#include <bannin/act/quarantine/quarantine.h>

namespace bannin::act::quarantine {

/// Where quarantine entries are kept (the daemon: the store's `quarantine` table).
class Ledger {
 public:
  virtual ~Ledger() = default;
  Ledger() = default;
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;
  /// The newest entry for `path` (any state), if any.
  virtual std::optional<Entry> last(const std::string& path) = 0;
  /// Stores a new entry and its audit row; returns its id.
  virtual core::Result<std::int64_t> add(const Entry& e) = 0;
  /// An audit row for an attempt that did not quarantine anything.
  virtual void refused(const std::string& path, const std::string& actor,
                       const std::string& detail) = 0;
};

class QuarantineActuator final : public Actuator {
 public:
  struct Options {
    Method method = Method::Chmod;
    std::string dir;  ///< quarantine directory (method move)
  };
  QuarantineActuator(std::unique_ptr<Actuator> rest, Options options, Ledger& ledger,
                     std::function<core::TimeNs()> clock);

  std::vector<ActionResult> apply(std::span<const decide::Decision> batch) override;
  std::vector<ActionResult> revoke(std::span<const decide::Decision> batch) override;
  /// The actuator behind's flush only: quarantined files stay where they are.
  core::Result<FlushReport> flush() override { return rest_->flush(); }
  core::Result<std::vector<EnforcedEntry>> list() override { return rest_->list(); }
  ActuatorHealth health() override { return rest_->health(); }
  std::chrono::milliseconds batch_window() const override { return rest_->batch_window(); }

  [[nodiscard]] static bool is_file_scope(const decide::Decision& d) noexcept {
    return d.scope == "file";
  }

 private:
  ActionResult quarantine_one(const decide::Decision& d, std::size_t index);

  std::unique_ptr<Actuator> rest_;
  Options options_;
  Ledger& ledger_;
  std::function<core::TimeNs()> clock_;
};

}  // namespace bannin::act::quarantine
