#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bannin/act/webserver/run_command.h>
#include <bannin/act/webserver/webserver_actuator.h>

namespace bannin::act {

namespace fs = std::filesystem;
using web::run_command;

namespace {

core::TimeNs system_now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<core::TimeNs>(ts.tv_sec) * core::kNsPerSec + ts.tv_nsec;
}

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

// Writes content to a new temp file in dir (name ".bannin-<base>.XXXXXX": a dot file with no
// .conf suffix, so no include glob picks it up), fsynced, mode 0644. Returns its path.
core::Result<std::string> write_temp(const std::string& dir, const std::string& base,
                                     const std::string& content) {
  std::string tmpl = dir + "/.bannin-" + base + ".XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int fd = mkstemp(name.data());
  if (fd < 0) return core::make_error("write", errno_text("mkstemp in " + dir));
  std::string path(name.data());
  std::size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      auto e = errno_text("write " + path);
      ::close(fd);
      ::unlink(path.c_str());
      return core::make_error("write", e);
    }
    off += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::fchmod(fd, 0644) != 0) {
    auto e = errno_text("fsync " + path);
    ::close(fd);
    ::unlink(path.c_str());
    return core::make_error("write", e);
  }
  ::close(fd);
  return path;
}

void fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)::fsync(fd);
    ::close(fd);
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// flock on <dir>/.lock, released by the destructor.
class DirLock {
 public:
  explicit DirLock(const std::string& dir) {
    fd_ = ::open((dir + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      error_ = errno_text("open " + dir + "/.lock");
      return;
    }
    for (int i = 0; i < 300; ++i) {  // 30 s: another bannin (setup, a second daemon) holds it
      if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) {
        locked_ = true;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    error_ = dir + "/.lock: held by another process for 30 s";
  }
  ~DirLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;
  [[nodiscard]] bool locked() const { return locked_; }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  int fd_ = -1;
  bool locked_ = false;
  std::string error_;
};

std::string target_of_rule(const web::WebRule& r) {
  return r.vhost + (r.path.empty() ? "/" : r.path) + (r.method.empty() ? "" : " " + r.method);
}

}  // namespace

WebServerActuator::WebServerActuator(
    WebServerConfig cfg, std::function<std::vector<core::IpPrefix>(const std::string&)> networks,
    Clock clock)
    : cfg_(std::move(cfg)), networks_(std::move(networks)), clock_(std::move(clock)) {}

WebServerActuator::~WebServerActuator() = default;

core::Result<std::unique_ptr<WebServerActuator>> WebServerActuator::create(
    WebServerConfig cfg, std::function<std::vector<core::IpPrefix>(const std::string&)> networks,
    Clock clock) {
  if (cfg.dir.empty()) return core::make_error("webserver", "no include directory");
  std::error_code ec;
  fs::create_directories(cfg.dir, ec);
  if (ec) return core::make_error("webserver", "cannot create " + cfg.dir + ": " + ec.message());
  if (::access(cfg.dir.c_str(), W_OK | X_OK) != 0) {
    return core::make_error("webserver", errno_text(cfg.dir));
  }
  std::unique_ptr<WebServerActuator> a(
      new WebServerActuator(std::move(cfg), std::move(networks), std::move(clock)));
  if (!a->cfg_.observe) {
    auto v = run_command({a->command(), "-v"}, {}, std::chrono::seconds(10));
    if (v.status == 127 || v.status < 0) {
      return core::make_error(
          "webserver", a->command() + " does not run (is " +
                           (a->cfg_.kind == web::ServerKind::Nginx ? std::string("nginx")
                                                                   : std::string("apache2")) +
                           " installed?): " + v.output);
    }
  }
  return a;
}

core::TimeNs WebServerActuator::now() const {
  return clock_ ? clock_() : system_now();
}

std::string WebServerActuator::main_config() const {
  if (!cfg_.main_config.empty()) return cfg_.main_config;
  return cfg_.kind == web::ServerKind::Nginx ? "/etc/nginx/nginx.conf"
                                             : "/etc/apache2/apache2.conf";
}

std::string WebServerActuator::command() const {
  if (!cfg_.command.empty()) return cfg_.command;
  return cfg_.kind == web::ServerKind::Nginx ? "nginx" : "apache2ctl";
}

std::vector<std::string> WebServerActuator::include_lines() const {
  if (cfg_.kind == web::ServerKind::Nginx) {
    return {"include " + cfg_.dir + "/http.conf;", "include " + cfg_.dir + "/server.conf;"};
  }
  return {"Include " + cfg_.dir + "/bannin.conf"};
}

std::vector<std::string> WebServerActuator::command_env() const {
  if (cfg_.kind == web::ServerKind::Apache && !cfg_.main_config.empty()) {
    return {"APACHE_ARGUMENTS=-f " + cfg_.main_config};
  }
  return {};
}

std::vector<std::string> WebServerActuator::full_test_argv() const {
  if (cfg_.kind == web::ServerKind::Nginx) return {command(), "-t", "-q", "-c", main_config()};
  return {command(), "configtest"};
}

std::vector<std::string> WebServerActuator::reload_argv() const {
  if (cfg_.kind == web::ServerKind::Nginx) return {command(), "-s", "reload", "-c", main_config()};
  return {command(), "graceful"};  // Debian's apache2ctl tests before it signals
}

const std::vector<core::IpPrefix>& WebServerActuator::nets(const std::string& cc) {
  auto it = nets_cache_.find(cc);
  if (it == nets_cache_.end()) it = nets_cache_.emplace(cc, networks_(cc)).first;
  return it->second;
}

core::Result<bool> WebServerActuator::test_alone(const std::map<std::string, std::string>& temps) {
  const std::string scratch = cfg_.dir + "/.bannin-test";
  std::error_code ec;
  fs::create_directories(scratch, ec);
  if (ec) return core::make_error("webserver", "cannot create " + scratch + ": " + ec.message());
  std::string wrapper;
  std::vector<std::string> argv;
  if (cfg_.kind == web::ServerKind::Nginx) {
    wrapper = "pid " + scratch +
              "/nginx.pid;\nerror_log stderr;\nevents {}\nhttp {\n"
              "    access_log off;\n    client_body_temp_path " +
              scratch +
              "/body;\n"
              "    proxy_temp_path " +
              scratch + "/proxy;\n    fastcgi_temp_path " + scratch +
              "/fastcgi;\n    uwsgi_temp_path " + scratch + "/uwsgi;\n    scgi_temp_path " +
              scratch + "/scgi;\n    include " + temps.at("http.conf") +
              ";\n    server {\n        listen 127.0.0.1:1;\n        include " +
              temps.at("server.conf") + ";\n    }\n}\n";
  } else {
    const std::string m = cfg_.apache_modules;
    wrapper = "ServerRoot " + scratch + "\nDefaultRuntimeDir " + scratch + "\nPidFile " + scratch +
              "/httpd.pid\nErrorLog " + scratch +
              "/error.log\nServerName bannin-test\n"
              "Listen 127.0.0.1:1\n"
              "<IfModule !mpm_event_module>\n<IfModule !mpm_prefork_module>\n"
              "<IfModule !mpm_worker_module>\nLoadModule mpm_event_module " +
              m +
              "/mod_mpm_event.so\n</IfModule>\n</IfModule>\n</IfModule>\n"
              "<IfModule !authz_core_module>\nLoadModule authz_core_module " +
              m +
              "/mod_authz_core.so\n</IfModule>\n<IfModule !authz_host_module>\n"
              "LoadModule authz_host_module " +
              m +
              "/mod_authz_host.so\n</IfModule>\n"
              "Include " +
              temps.at("bannin.conf") + "\n";
  }
  auto w = write_temp(scratch, "wrapper", wrapper);
  if (!w) return w.error();
  if (cfg_.kind == web::ServerKind::Nginx) {
    argv = {command(), "-t", "-q", "-p", scratch + "/", "-c", *w};
  } else {
    argv = {cfg_.apache_binary, "-t", "-f", *w};
  }
  auto r = run_command(argv, {}, cfg_.command_timeout);
  ::unlink(w->c_str());
  if (!r.ok()) {
    return core::make_error(
        "webserver", "the generated files alone fail the server's test: " + web::describe(argv, r));
  }
  return true;
}

core::Result<bool> WebServerActuator::install_locked(const web::Rendered& rendered, bool reload) {
  std::map<std::string, std::string> temps;  // file name -> temp path
  auto drop_temps = [&] {
    for (const auto& [n, t] : temps) ::unlink(t.c_str());
  };
  for (const auto& [name, text] : rendered.files) {
    auto t = write_temp(cfg_.dir, name, text);
    if (!t) {
      drop_temps();
      return t.error();
    }
    temps[name] = *t;
  }
  // What is on disk after the write must be what was checked (a full disk, a short write).
  for (const auto& [name, t] : temps) {
    if (read_file(t) != rendered.files.at(name)) {
      drop_temps();
      return core::make_error("webserver", t + ": reads back different from what was written");
    }
  }
  if (cfg_.observe) {
    for (const auto& [name, t] : temps) {
      if (::rename(t.c_str(), (cfg_.dir + "/" + name).c_str()) != 0) {
        auto e = errno_text("rename " + t);
        drop_temps();
        return core::make_error("webserver", e);
      }
    }
    fsync_dir(cfg_.dir);
    return true;
  }
  if (auto t = test_alone(temps); !t) {
    drop_temps();
    return t.error();
  }
  // Backups of the live files, then the atomic renames.
  std::map<std::string, bool> had_live;
  for (const auto& [name, t] : temps) {
    const std::string live = cfg_.dir + "/" + name;
    had_live[name] = fs::exists(live);
    if (had_live[name]) {
      auto b = write_temp(cfg_.dir, name + ".bak", read_file(live));
      if (!b || ::rename(b->c_str(), (live + ".bak").c_str()) != 0) {
        drop_temps();
        return core::make_error("webserver", "cannot keep a backup of " + live);
      }
    }
  }
  auto restore = [&] {
    for (const auto& [name, t] : temps) {
      const std::string live = cfg_.dir + "/" + name;
      if (had_live[name]) {
        auto b = write_temp(cfg_.dir, name + ".restore", read_file(live + ".bak"));
        if (b) (void)::rename(b->c_str(), live.c_str());
      } else {
        ::unlink(live.c_str());
      }
    }
    fsync_dir(cfg_.dir);
  };
  for (const auto& [name, t] : temps) {
    if (::rename(t.c_str(), (cfg_.dir + "/" + name).c_str()) != 0) {
      auto e = errno_text("rename " + t);
      restore();
      drop_temps();
      return core::make_error("webserver", e);
    }
  }
  fsync_dir(cfg_.dir);
  auto targv = full_test_argv();
  auto tr = run_command(targv, command_env(), cfg_.command_timeout);
  if (!tr.ok()) {
    restore();
    return core::make_error("webserver",
                            "the full configuration fails its test, old files put "
                            "back: " +
                                web::describe(targv, tr));
  }
  if (!reload) return true;
  auto rargv = reload_argv();
  auto rr = run_command(rargv, command_env(), cfg_.command_timeout);
  if (!rr.ok()) {
    restore();
    return core::make_error("webserver",
                            "reload refused, old files put back: " + web::describe(rargv, rr));
  }
  ++reloads_;
  return true;
}

core::Result<bool> WebServerActuator::install(bool reload) {
  std::vector<web::WebRule> rules;
  for (const auto& [k, e] : in_force_) rules.push_back(e.rule);
  web::CountryNetworks nets_fn =
      [this](const std::string& cc) -> const std::vector<core::IpPrefix>& { return nets(cc); };
  auto rendered = web::render(cfg_.kind, rules, nets_fn);
  if (auto c =
          web::check_rendered(cfg_.kind, rendered, rules, nets_fn, cfg_.min_entries, cfg_.canaries);
      !c) {
    return c.error();
  }
  DirLock lock(cfg_.dir);
  if (!lock.locked()) return core::make_error("webserver", lock.error());
  auto r = install_locked(rendered, reload);
  if (r) {
    synced_ = true;
    health_.ok = true;
    health_.problem.clear();
  }
  return r;
}

std::vector<ActionResult> WebServerActuator::apply(std::span<const decide::Decision> batch) {
  std::vector<ActionResult> out(batch.size());
  auto saved = in_force_;
  std::vector<std::size_t> changed;
  const core::TimeNs t = now();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& d = batch[i];
    ActionResult& r = out[i];
    r.index = i;
    r.target = d.vhost + d.path;
    auto rule = web::rule_of(d);
    if (!rule) {
      r.outcome =
          rule.error().code == "unsupported_scope" ? Outcome::Unsupported : Outcome::Invalid;
      r.detail = rule.error().message;
      continue;
    }
    if (d.ttl <= 0) {
      r.outcome = Outcome::Invalid;
      r.detail = "no TTL";
      continue;
    }
    r.target = target_of_rule(*rule);
    Entry e{*rule, d.ttl / core::kNsPerSec, t + d.ttl};
    in_force_[rule->key] = e;  // a newer decision on the same target replaces the older one
    r.timeout_s = e.ttl_s;
    changed.push_back(i);
  }
  if (changed.empty()) return out;
  const auto t0 = std::chrono::steady_clock::now();
  auto inst = install();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  for (auto i : changed) {
    if (inst) {
      out[i].outcome = cfg_.observe ? Outcome::Recorded : Outcome::Applied;
      out[i].detail = cfg_.observe ? "written to " + cfg_.dir
                                   : std::to_string(changed.size()) + " rule(s) installed and " +
                                         "server reloaded in " + std::to_string(ms) + " ms";
    } else {
      out[i].outcome = Outcome::Failed;
      out[i].timeout_s = 0;
      out[i].detail = inst.error().message;
    }
  }
  if (!inst) {
    in_force_ = std::move(saved);  // the server still runs the previous files
    health_.ok = false;
    health_.problem = inst.error().message;
    ++health_.errors;
  }
  return out;
}

std::vector<ActionResult> WebServerActuator::revoke(std::span<const decide::Decision> batch) {
  std::vector<ActionResult> out(batch.size());
  bool any = false;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    ActionResult& r = out[i];
    r.index = i;
    r.target = batch[i].vhost + batch[i].path;
    auto rule = web::rule_of(batch[i]);
    if (!rule) {
      r.outcome =
          rule.error().code == "unsupported_scope" ? Outcome::Unsupported : Outcome::Invalid;
      r.detail = rule.error().message;
      continue;
    }
    r.target = target_of_rule(*rule);
    if (in_force_.erase(rule->key) == 0) {
      r.outcome = Outcome::NotFound;
      continue;
    }
    r.outcome = Outcome::Revoked;
    any = true;
  }
  if (any) {
    synced_ = false;
    if (auto inst = install(); !inst) {
      // Gone from what bannin wants; health() retries until the files say so too.
      health_.ok = false;
      health_.problem = inst.error().message;
      ++health_.errors;
      next_retry_ = now() + 10 * core::kNsPerSec;
      for (auto& r : out) {
        if (r.outcome == Outcome::Revoked)
          r.detail = "still in the server's files, retrying: " + inst.error().message;
      }
    }
  }
  return out;
}

core::Result<FlushReport> WebServerActuator::flush() {
  FlushReport rep;
  rep.existed = !in_force_.empty();
  rep.description = std::to_string(in_force_.size()) + " web containment rule(s) in " + cfg_.dir;
  in_force_.clear();
  synced_ = false;
  if (auto inst = install(); !inst) return inst.error();
  return rep;
}

core::Result<std::vector<EnforcedEntry>> WebServerActuator::list() {
  std::vector<EnforcedEntry> out;
  const core::TimeNs t = now();
  for (const auto& [k, e] : in_force_) {
    EnforcedEntry x;
    x.target = target_of_rule(e.rule);
    x.where = std::string("webserver:") +
              (cfg_.kind == web::ServerKind::Nginx ? "nginx:" : "apache:") + cfg_.dir;
    x.timeout_s = e.ttl_s;
    x.expires_s = e.until > t ? (e.until - t) / core::kNsPerSec : 0;
    out.push_back(std::move(x));
  }
  return out;
}

ActuatorHealth WebServerActuator::health() {
  const core::TimeNs t = now();
  for (auto it = in_force_.begin(); it != in_force_.end();) {
    if (it->second.until <= t) {
      it = in_force_.erase(it);
      synced_ = false;
    } else {
      ++it;
    }
  }
  if (!synced_ && t >= next_retry_) {
    if (auto inst = install(); !inst) {
      health_.ok = false;
      health_.problem = inst.error().message;
      ++health_.errors;
      next_retry_ = t + 10 * core::kNsPerSec;
    }
  }
  return health_;
}

}  // namespace bannin::act
