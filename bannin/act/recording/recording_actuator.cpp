#include <cerrno>
#include <chrono>
#include <cstring>

#include <bannin/act/recording/recording_actuator.h>
#include <bannin/act/target.h>
#include <bannin/core/json_writer.h>

namespace bannin::act {

RecordingActuator::RecordingActuator(Clock clock) : clock_(std::move(clock)) {}

core::Result<std::unique_ptr<RecordingActuator>> RecordingActuator::to_file(const std::string& path,
                                                                            Clock clock) {
  auto a = std::make_unique<RecordingActuator>(std::move(clock));
  if (path == "-") {
    a->file_ = stdout;
    return a;
  }
  a->file_ = std::fopen(path.c_str(), "a");
  if (a->file_ == nullptr) {
    return core::make_error("file_open", path + ": " + std::strerror(errno));
  }
  a->owns_file_ = true;
  return a;
}

RecordingActuator::~RecordingActuator() {
  if (file_ != nullptr) {
    std::fflush(file_);
    if (owns_file_) std::fclose(file_);
  }
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

void RecordingActuator::write(const std::string& line) {
  lines_ += line;
  if (file_ != nullptr) std::fwrite(line.data(), 1, line.size(), file_);
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
  write(out);
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
  write(out);
  return results;
}

core::Result<FlushReport> RecordingActuator::flush() {
  FlushReport report{!in_force_.empty(), "recorded decisions"};
  in_force_.clear();
  write("{\"op\":\"flush\"}\n");
  return report;
}

core::Result<std::vector<EnforcedEntry>> RecordingActuator::list() {
  std::vector<EnforcedEntry> out;
  const core::TimeNs t = now();
  for (auto it = in_force_.begin(); it != in_force_.end();) {
    if (it->second.until <= t) {
      it = in_force_.erase(it);
      continue;
    }
    out.push_back(EnforcedEntry{it->first, it->second.scope, it->second.ttl_s,
                                (it->second.until - t) / core::kNsPerSec});
    ++it;
  }
  return out;
}

}  // namespace bannin::act
