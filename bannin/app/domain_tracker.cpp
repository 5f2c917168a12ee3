#include <algorithm>

#include <bannin/app/domain_tracker.h>

namespace bannin::app {

namespace pd = probe::domain;

pd::Severity severity_from_name(std::string_view n) noexcept {
  if (n == "ok") return pd::Severity::Ok;
  if (n == "info") return pd::Severity::Info;
  if (n == "warning") return pd::Severity::Warning;
  if (n == "critical") return pd::Severity::Critical;
  return pd::Severity::Unknown;
}

void DomainTracker::restore(const CheckKey& key, const CheckState& state) {
  confirmed_[key] = state;
}

std::vector<std::pair<CheckKey, pd::CheckResult>> DomainTracker::reduce(
    const pd::SubjectReport& report) {
  std::vector<std::pair<CheckKey, pd::CheckResult>> out;
  for (const pd::CheckResult& r : report.results) {
    CheckKey k{report.subject, r.check, r.check == "dnsbl" ? r.source : std::string()};
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == k; });
    if (it == out.end()) {
      out.emplace_back(std::move(k), r);
    } else if (r.severity > it->second.severity) {
      it->second = r;
    }
  }
  return out;
}

Observation DomainTracker::observe(const pd::SubjectReport& report, core::TimeNs now) {
  Observation obs;
  for (auto& [reduced_key, r] : reduce(report)) {
    // A named copy: lambdas below capture it (clang 14 cannot capture a structured binding).
    const CheckKey& key = reduced_key;
    CheckState seen;
    seen.state = r.state;
    seen.severity = r.severity;
    seen.source = r.source;
    seen.detail = r.detail;
    seen.since = now;
    seen.checked = now;
    auto c = confirmed_.find(key);
    auto p = pending_.find(key);
    auto confirm = [&](core::TimeNs first_seen, bool reconfirmed) {
      DomainChange ch;
      ch.key = key;
      ch.previous = c != confirmed_.end() ? c->second.state : std::string();
      if (c != confirmed_.end()) ch.previous_severity = c->second.severity;
      ch.now = seen;
      ch.first_seen = first_seen;
      ch.reconfirmed = reconfirmed;
      confirmed_[key] = seen;
      obs.changes.push_back(ch);
      obs.latest.emplace_back(key, seen);
    };
    auto drop_pending = [&] {
      obs.not_confirmed.push_back(NotConfirmed{key, p->second.candidate.state,
                                               p->second.confirmed_state, seen.state,
                                               p->second.candidate.since});
      pending_.erase(p);
      p = pending_.end();
    };

    if (c != confirmed_.end() && c->second.state == seen.state) {
      // The confirmed state again: a candidate, if any, was a flap.
      if (p != pending_.end()) drop_pending();
      c->second.severity = seen.severity;
      c->second.source = seen.source;
      c->second.detail = seen.detail;
      c->second.checked = now;
      obs.latest.emplace_back(key, c->second);
      continue;
    }
    if (p != pending_.end()) {
      if (p->second.candidate.state == seen.state) {
        if (now >= p->second.due) {
          core::TimeNs first = p->second.candidate.since;
          pending_.erase(p);
          confirm(first, true);
        } else {
          p->second.candidate.detail = seen.detail;  // still waiting
          p->second.candidate.checked = now;
        }
        continue;
      }
      drop_pending();  // a third state: the candidate was not confirmed; look at this one afresh
    }
    if (reconfirm_after_ > 0 && needs_reconfirm(seen.severity)) {
      Pending np;
      np.key = key;
      np.candidate = seen;
      np.due = now + reconfirm_after_;
      np.confirmed_state = c != confirmed_.end() ? c->second.state : std::string();
      pending_[key] = np;
    } else {
      confirm(now, false);
    }
  }
  for (auto it = pending_.lower_bound(CheckKey{report.subject, {}, {}});
       it != pending_.end() && it->first.subject == report.subject; ++it) {
    if (!obs.recheck_at || it->second.due < *obs.recheck_at) obs.recheck_at = it->second.due;
  }
  return obs;
}

std::vector<DomainTracker::Pending> DomainTracker::pending(const std::string& subject) const {
  std::vector<Pending> out;
  for (const auto& [key, p] : pending_) {
    if (subject.empty() || key.subject == subject) out.push_back(p);
  }
  return out;
}

}  // namespace bannin::app
