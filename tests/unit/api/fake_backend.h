// A Backend for the API tests: canned answers, and a record of what the API asked, under a
// lock because the server calls it from its worker threads. The daemon's own end-to-end test
// drives the real one.
#pragma once

#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <bannin/api/backend.h>

namespace bannin::api::test {

class FakeBackend : public Backend {
 public:
  std::string status_json() override {
    std::lock_guard lock(mu_);
    if (throw_on_status_) throw std::runtime_error("status exploded");
    ++status_calls_;
    return status_;
  }
  core::Result<std::string> decisions_json(const std::string& state) override {
    std::lock_guard lock(mu_);
    states_asked_.push_back(state);
    if (!fail_code_.empty()) return core::make_error(fail_code_, "backend says no");
    return std::string("[{\"id\":1,\"state\":\"active\"}]");
  }
  core::Result<std::string> add_decision(const decide::Decision& d) override {
    std::lock_guard lock(mu_);
    if (!fail_code_.empty()) return core::make_error(fail_code_, "backend says no");
    added_.push_back(d);
    return "{\"id\":" + std::to_string(added_.size()) + ",\"origin\":\"" + d.origin + "\"}";
  }
  core::Result<int> revoke_id(std::int64_t id, const std::string& note) override {
    return revoke("#" + std::to_string(id), note);
  }
  core::Result<int> revoke(const std::string& target, const std::string& note) override {
    std::lock_guard lock(mu_);
    if (!fail_code_.empty()) return core::make_error(fail_code_, "backend says no");
    revoked_.push_back(target);
    notes_.push_back(note);
    auto it = in_force_.find(target);
    if (it == in_force_.end()) return 0;
    const int n = it->second;
    in_force_.erase(it);
    return n;
  }
  std::string metrics_text() override {
    return "# TYPE bannin_lines_total counter\nbannin_lines_total{source=\"nginx\"} 42\n";
  }

  // Test controls and records.
  void set_status(std::string s) {
    std::lock_guard lock(mu_);
    status_ = std::move(s);
  }
  void set_throw_on_status(bool on) {
    std::lock_guard lock(mu_);
    throw_on_status_ = on;
  }
  void set_fail(std::string code) {
    std::lock_guard lock(mu_);
    fail_code_ = std::move(code);
  }
  void put_in_force(const std::string& target, int n) {
    std::lock_guard lock(mu_);
    in_force_[target] = n;
  }
  std::vector<decide::Decision> added() {
    std::lock_guard lock(mu_);
    return added_;
  }
  std::vector<std::string> revoked() {
    std::lock_guard lock(mu_);
    return revoked_;
  }
  std::vector<std::string> notes() {
    std::lock_guard lock(mu_);
    return notes_;
  }
  std::vector<std::string> states_asked() {
    std::lock_guard lock(mu_);
    return states_asked_;
  }
  int status_calls() {
    std::lock_guard lock(mu_);
    return status_calls_;
  }

 private:
  std::mutex mu_;
  std::string status_ = "{\"daemon\":{\"version\":\"test\",\"mode\":\"observe\"}}";
  bool throw_on_status_ = false;
  std::string fail_code_;
  std::map<std::string, int> in_force_;
  std::vector<decide::Decision> added_;
  std::vector<std::string> revoked_, notes_, states_asked_;
  int status_calls_ = 0;
};

}  // namespace bannin::api::test
