#include <bannin/act/quarantine/quarantine_actuator.h>

namespace bannin::act::quarantine {

QuarantineActuator::QuarantineActuator(std::unique_ptr<Actuator> rest, Options options,
                                       Ledger& ledger, std::function<core::TimeNs()> clock)
    : rest_(std::move(rest)),
      options_(std::move(options)),
      ledger_(ledger),
      clock_(std::move(clock)) {}

ActionResult QuarantineActuator::quarantine_one(const decide::Decision& d, std::size_t index) {
  ActionResult r;
  r.index = index;
  r.target = d.file;
  if (d.action == "notify_only") {
    r.outcome = Outcome::Recorded;
    r.detail = "notify only: the file is left as it is";
    return r;
  }
  if (d.action != "quarantine") {
    r.outcome = Outcome::Unsupported;
    r.detail = "a file decision's action is quarantine or notify_only, not " + d.action;
    return r;
  }
  if (auto had = ledger_.last(d.file)) {
    if (had->state == "quarantined") {
      r.outcome = Outcome::Applied;
      r.detail = "already in quarantine (" + std::to_string(had->id) + ")";
      return r;
    }
    if (had->state == "restored" && sha256_of_path(d.file) == had->sha256) {
      r.outcome = Outcome::Unsupported;
      r.detail = "restored by a person from quarantine " + std::to_string(had->id) +
                 " with these very bytes; not quarantined again";
      ledger_.refused(d.file, d.rule, r.detail);
      return r;
    }
  }
  auto e = quarantine_file(d.file, options_.method, options_.dir, clock_());
  if (!e) {
    r.outcome = e.error().code == "bad_entry" || e.error().code == "not_regular" ? Outcome::Invalid
                                                                                 : Outcome::Failed;
    r.detail = e.error().message;
    ledger_.refused(d.file, d.rule, e.error().message);
    return r;
  }
  e->reason = d.reason;
  e->origin = d.rule.empty() ? d.origin : d.rule;
  auto id = ledger_.add(*e);
  if (!id) {
    // The file is quarantined but the record is missing: undo, so that nothing is in
    // quarantine that `bannin quarantine` cannot list or restore.
    auto undo = restore_file(*e);
    r.outcome = Outcome::Failed;
    r.detail = "not recorded (" + id.error().message + "); " +
               (undo ? std::string("the file was put back")
                     : "putting it back failed too: " + undo.error().message);
    return r;
  }
  r.outcome = Outcome::Applied;
  r.detail = std::string(method_name(options_.method)) + ", quarantine " + std::to_string(*id) +
             ", sha256 " + e->sha256;
  return r;
}

std::vector<ActionResult> QuarantineActuator::apply(std::span<const decide::Decision> batch) {
  return handle_or_forward(
      batch, is_file_scope,
      [this](const decide::Decision& d, std::size_t i) { return quarantine_one(d, i); },
      [this](std::span<const decide::Decision> b) { return rest_->apply(b); });
}

std::vector<ActionResult> QuarantineActuator::revoke(std::span<const decide::Decision> batch) {
  return handle_or_forward(
      batch, is_file_scope,
      [](const decide::Decision& d, std::size_t /*i*/) {
        ActionResult r;
        r.target = d.file;
        r.outcome = Outcome::Revoked;
        r.detail =
            "the decision ended; the file stays in quarantine until `bannin quarantine restore`";
        return r;
      },
      [this](std::span<const decide::Decision> b) { return rest_->revoke(b); });
}

}  // namespace bannin::act::quarantine
