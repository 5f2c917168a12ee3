// WebServerActuator: carries out vhost and vhost_path decisions (optionally per method, with
// except_countries still allowed) in nginx or Apache, through include files bannin owns
// (webserver_render.h) and nothing else. Hand-edited files are never written; `bannin
// webserver setup` shows (or adds) the one include line per file.
//
// Every change regenerates the whole files from what is in force and installs them safely
// (issue 14; design/ref/webserver-geo-containment.md §6):
//   render -> read back and check (marker, sections, CIDR count, min_entries, canaries) ->
//   lock <dir>/.lock -> write + fsync temp files in <dir> (".bannin-*", matching no include
//   glob) -> test them alone in a wrapper configuration (nginx -t / apache2 -t) -> copy the
//   live files to *.bak -> rename the temp files over the live ones -> test the full
//   configuration -> reload with the server's own command (nginx -s reload, apache2ctl
//   graceful; never a raw signal) -> on any failure put the backups back.
// A failed install leaves the running server and the live files as they were, and the
// decisions of that call Failed (apply) or kept for a retry (expiry, revoke).
//
// One install per apply()/revoke() call: the daemon's act thread gathers the decisions of a
// `batch_window` into one call, so a wave on 300 vhosts makes one reload. Expiry is the
// actuator's own (web servers have no element timeouts): health() drops what has expired and
// reinstalls. Observe mode writes the would-be files into `dir` (not the server's) and
// neither tests nor reloads. One owner thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <bannin/act/actuator.h>
#include <bannin/act/webserver/webserver_render.h>
#include <bannin/core/time.h>

namespace bannin::act {

struct WebServerConfig {
  web::ServerKind kind = web::ServerKind::Nginx;
  std::string dir;          ///< bannin's include directory (created when missing)
  std::string main_config;  ///< the server's main configuration file; "" = its default
  std::string command;      ///< nginx | apache2ctl (PATH lookup or a path); "" = that default
  std::string apache_binary = "apache2";  ///< for the wrapper test (apache2 -t -f …)
  std::string apache_modules = "/usr/lib/apache2/modules";
  bool observe = false;  ///< write files only; never test or reload a server
  std::size_t min_entries = 1;
  web::Canaries canaries;
  std::chrono::milliseconds batch_window{500};
  std::chrono::milliseconds command_timeout{60000};
};

class WebServerActuator final : public Actuator {
 public:
  using Clock = std::function<core::TimeNs()>;

  /// Checks the configuration (dir creatable, command found unless observe). `networks`
  /// gives a country's domestic CIDRs (the geo database); it is asked once per country.
  static core::Result<std::unique_ptr<WebServerActuator>> create(
      WebServerConfig cfg, std::function<std::vector<core::IpPrefix>(const std::string&)> networks,
      Clock clock = {});
  ~WebServerActuator() override;

  std::vector<ActionResult> apply(std::span<const decide::Decision> batch) override;
  std::vector<ActionResult> revoke(std::span<const decide::Decision> batch) override;
  core::Result<FlushReport> flush() override;
  core::Result<std::vector<EnforcedEntry>> list() override;
  ActuatorHealth health() override;
  std::chrono::milliseconds batch_window() const override { return cfg_.batch_window; }

  /// Renders, checks and installs what is in force now (the safe sequence above). Without
  /// `reload` the files are tested and put in place but the server is not told (`bannin
  /// webserver setup` creating them before the include lines exist).
  core::Result<bool> install(bool reload = true);
  [[nodiscard]] std::uint64_t reloads() const noexcept { return reloads_; }
  [[nodiscard]] const WebServerConfig& config() const noexcept { return cfg_; }
  /// The include lines the server's configuration needs (`bannin webserver setup`).
  [[nodiscard]] std::vector<std::string> include_lines() const;
  /// The main configuration file and the command, defaults filled in.
  [[nodiscard]] std::string main_config() const;
  [[nodiscard]] std::string command() const;

 private:
  struct Entry {
    web::WebRule rule;
    std::int64_t ttl_s = 0;
    core::TimeNs until = 0;
  };
  WebServerActuator(WebServerConfig cfg,
                    std::function<std::vector<core::IpPrefix>(const std::string&)> networks,
                    Clock clock);
  [[nodiscard]] core::TimeNs now() const;
  const std::vector<core::IpPrefix>& nets(const std::string& cc);
  core::Result<bool> install_locked(const web::Rendered& r, bool reload);
  core::Result<bool> test_alone(const std::map<std::string, std::string>& temps);
  std::vector<std::string> full_test_argv() const;
  std::vector<std::string> reload_argv() const;
  std::vector<std::string> command_env() const;

  WebServerConfig cfg_;
  std::function<std::vector<core::IpPrefix>(const std::string&)> networks_;
  std::map<std::string, std::vector<core::IpPrefix>> nets_cache_;
  Clock clock_;
  std::map<std::string, Entry> in_force_;  ///< by WebRule::key
  bool synced_ = false;                    ///< the files on disk say what in_force_ says
  core::TimeNs next_retry_ = 0;
  ActuatorHealth health_;
  std::uint64_t reloads_ = 0;
};

}  // namespace bannin::act
