#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iterator>

#include <fcntl.h>
#include <unistd.h>

#include <bannin/act/recording/recording_actuator.h>
#include <bannin/act/target.h>
#include <bannin/core/json_writer.h>

namespace bannin::act {

RecordingActuator::RecordingActuator(Clock clock) : clock_(std::move(clock)) {}

core::Result<std::unique_ptr<RecordingActuator>> RecordingActuator::to_file(
    const std::string& path, Clock clock, std::size_t max_pending) {
  auto a = std::make_unique<RecordingActuator>(std::move(clock));
  a->max_pending_ = max_pending;
  if (path == "-") {
    std::fflush(stdout);  // whatever stdio holds goes first
    a->fd_ = STDOUT_FILENO;
    a->path_ = "<stdout>";
    return a;
  }
  a->fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (a->fd_ < 0) {
    return core::make_error("file_open", path + ": " + std::strerror(errno));
  }
  a->owns_fd_ = true;
  a->path_ = path;
  return a;
}

RecordingActuator::~RecordingActuator() {
  if (fd_ >= 0) {
    (void)drain();  // a last try; what is still pending is reported by health() only
    if (owns_fd_) ::close(fd_);
  }
}

bool RecordingActuator::drain() {
  std::size_t done = 0;
  bool ok = true;
  while (done < pending_.size()) {
    ssize_t n = ::write(fd_, pending_.data() + done, pending_.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    ++health_.errors;
    health_.problem =
        path_ + ": " + (n < 0 ? std::strerror(errno) : "short write") + " (lines kept and retried)";
    ok = false;
    break;
  }
  pending_.erase(0, done);  // a partial write continues exactly where it stopped
  health_.ok = ok && pending_.empty();
  if (health_.ok) health_.problem.clear();
  health_.pending_bytes = pending_.size();
  return ok;
}

ActuatorHealth RecordingActuator::health() {
  if (fd_ >= 0 && !pending_.empty()) (void)drain();
  return health_;
}

core::TimeNs RecordingActuator::now() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string RecordingActuator::target_text(const decide::Decision& d) {
  if (auto t = target_of(d)) return t->text();
  return d.key();
}

bool RecordingActuator::write(std::string_view text) {
  if (fd_ < 0) {
    lines_ += text;
    return true;
  }
  if (text.empty() && pending_.empty()) return true;
  if (pending_.size() + text.size() > max_pending_ && !pending_.empty()) {
    (void)drain();  // make room if the disk allows
  }
  if (pending_.size() + text.size() > max_pending_) {
    // Over the bound: these lines are given up, counted, and said in health().
    std::size_t lines = 0;
    for (char c : text) lines += c == '\n' ? 1 : 0;
    health_.dropped += lines;
    health_.ok = false;
    health_.problem = path_ + ": " + std::to_string(health_.dropped) +
                      " lines dropped (write retry buffer full: " + health_.problem + ")";
    return false;
  }
  pending_.append(text);
  (void)drain();
  return true;
}

void RecordingActuator::prune_expired() {
  // Keeps in_force_ to what could still be in force (the daemon runs for months).
  const core::TimeNs t = now();
  for (auto it = in_force_.begin(); it != in_force_.end();) {
    it = it->second.until <= t ? in_force_.erase(it) : std::next(it);
  }
}

std::vector<ActionResult> RecordingActuator::apply(std::span<const decide::Decision> batch) {
  std::vector<ActionResult> results(batch.size());
  std::string out;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& d = batch[i];
    auto& r = results[i];
    r.index = i;
    r.target = target_text(d);
    if ((d.scope == "ip" || d.scope == "prefix") && !target_of(d)) {
      r.outcome = Outcome::Invalid;
      r.detail = target_of(d).error().message;
      continue;
    }
    if (d.ttl <= 0) {
      r.outcome = Outcome::Invalid;
      r.detail = "decision without a TTL (every ban must end)";
      continue;
    }
    std::int64_t ttl_s = (d.ttl + core::kNsPerSec - 1) / core::kNsPerSec;
    if (++applies_since_prune_ >= 4096) {
      applies_since_prune_ = 0;
      prune_expired();
    }
    r.outcome = Outcome::Recorded;
    r.timeout_s = ttl_s;
    in_force_[r.target] = InForce{d.scope, ttl_s, now() + ttl_s * core::kNsPerSec};
    core::JsonObjectWriter o(out);
    o.string("op", "apply");
    o.string("target", r.target);
    o.string("scope", d.scope);
    o.string("action", d.action);
    o.integer("ttl_s", ttl_s);
    o.string("rule", d.rule);
    o.string("reason", d.reason);
    o.close();
    out += '\n';
  }
  if (!write(out)) {
    for (auto& r : results) {
      if (r.outcome != Outcome::Recorded) continue;
      r.outcome = Outcome::Failed;
      r.timeout_s = 0;
      r.detail = health_.problem;
      in_force_.erase(r.target);
    }
  }
  return results;
}

std::vector<ActionResult> RecordingActuator::revoke(std::span<const decide::Decision> batch) {
  std::vector<ActionResult> results(batch.size());
  std::string out;
  const core::TimeNs t = now();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto& r = results[i];
    r.index = i;
    r.target = target_text(batch[i]);
    auto it = in_force_.find(r.target);
    if (it == in_force_.end() || it->second.until <= t) {
      r.outcome = Outcome::NotFound;
      r.detail = "not in force";
      continue;
    }
    in_force_.erase(it);
    r.outcome = Outcome::Revoked;
    core::JsonObjectWriter o(out);
    o.string("op", "revoke");
    o.string("target", r.target);
    o.close();
    out += '\n';
  }
  if (!write(out)) {
    for (auto& r : results) {
      if (r.outcome != Outcome::Revoked) continue;
      r.outcome = Outcome::Failed;  // no longer in force here, but its line is lost
      r.detail = health_.problem;
    }
  }
  return results;
}

core::Result<FlushReport> RecordingActuator::flush() {
  FlushReport report{!in_force_.empty(), "recorded decisions"};
  in_force_.clear();
  if (!write("{\"op\":\"flush\"}\n")) return core::make_error("write", health_.problem);
  return report;
}

core::Result<std::vector<EnforcedEntry>> RecordingActuator::list() {
  prune_expired();
  std::vector<EnforcedEntry> out;
  const core::TimeNs t = now();
  for (const auto& [target, f] : in_force_) {
    out.push_back(EnforcedEntry{target, f.scope, f.ttl_s, (f.until - t) / core::kNsPerSec});
  }
  return out;
}

}  // namespace bannin::act
