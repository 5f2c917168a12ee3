// DaemonConfig: `bannin run`'s configuration, from a YAML file (config/bannin.yaml documents
// every key, and is compiled into the binary as the default) plus `-o key=value` overrides.
// Loading checks every key and value and reports every problem with file:line:column, not
// only the first; an unknown key is an error (a typo must not silently keep a default).
// Pure data and a loader: no threads, no I/O besides reading the file.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <bannin/app/flight_recorder.h>
#include <bannin/app/guard_config.h>
#include <bannin/core/result.h>
#include <bannin/core/time.h>
#include <bannin/probe/domain/check_setup.h>
#include <bannin/probe/kpi/proc_sampler.h>
#include <bannin/ruleset/expr.h>

namespace bannin::app {

struct SourceConfig {
  enum class Kind { File, Syslog, Journald, Stdin };
  Kind kind = Kind::File;
  std::vector<std::string> paths;  ///< file: paths or globs
  std::string decoder = "auto";    ///< decoder name, or auto
  std::string listen;              ///< syslog: udp://HOST:PORT or unix:///PATH
  bool start_at_end = true;        ///< file seen for the first time: skip its history
  bool optional = false;           ///< journald: absent is not worth a warning
  std::string where;               ///< file:line of the entry, for messages
  [[nodiscard]] std::string describe() const;
  bool operator==(const SourceConfig& o) const {  // `where` is only where it was written
    return kind == o.kind && paths == o.paths && decoder == o.decoder && listen == o.listen &&
           start_at_end == o.start_at_end && optional == o.optional;
  }
};

/// `domains:`: the scheduled domain probe (the checks of `bannin check`, docs/daemon.md).
/// No domains and no IPs: the probe is off.
struct DomainsConfig {
  std::vector<std::string> list;  ///< domains from `list` and `list_file`, lower-case, unique
  std::string list_file;          ///< one domain per line, # comments (read at load)
  std::vector<std::string> ips;   ///< the server's own addresses, for the IP block lists
  core::TimeNs interval = 3600 * core::kNsPerSec;        ///< every subject once per interval
  core::TimeNs reconfirm_after = 120 * core::kNsPerSec;  ///< 0: no re-confirmation
  /// Everything else is what `bannin check` takes too (resolvers, DNSBL, RDAP, WHOIS, key
  /// files, rates …): one struct, filled by the `domains.*` keys, read by the shared builder.
  /// Data paths are resolved (cwd, then the share directory) when the probe is built.
  probe::domain::CheckSettings check;
  [[nodiscard]] bool enabled() const { return !list.empty() || !ips.empty(); }
  bool operator==(const DomainsConfig&) const = default;
};

/// `kpi:`: the KPI probe (app/kpi_probe.h, docs/kpi.md).
struct KpiConfig {
  static constexpr std::size_t kMaxServices = 64;
  bool enabled = true;
  core::TimeNs interval = core::kNsPerSec;
  std::string proc_root = "/proc";
  std::vector<probe::kpi::ServiceSpec> services;
  bool operator==(const KpiConfig&) const = default;
};

/// `inventory:`: the hosting inventory (enrich/inventory.h).
struct InventoryConfig {
  std::string file;
  std::vector<std::string> web_configs;
  std::string passwd_file = "/etc/passwd";  ///< uid -> account for mail events
  std::int64_t min_uid = 1000;
  bool operator==(const InventoryConfig&) const = default;
};

/// `notify:`: notices (notify/notifier.h, docs/notify.md).
struct NotifyConfig {
  bool enabled = true;
  std::string observe = "file";  ///< file | send (observe mode only)
  std::vector<std::string> operator_contacts;
  std::string operator_language = "en", owner_language = "ja";
  bool tell_owners = true;
  std::string operator_hint;
  std::string from = "bannin@localhost";
  core::TimeNs gather = 30 * core::kNsPerSec;
  core::TimeNs digest_interval = 3600 * core::kNsPerSec;
  std::int64_t per_recipient_per_hour = 10;
  std::int64_t retry_max = 8;
  core::TimeNs retry_base = 30 * core::kNsPerSec;
  bool syslog = false;
  std::string smtp_url, smtp_tls = "try", smtp_user, smtp_password_file, smtp_ca_file;
  std::string webhook_url, webhook_secret_file;
  bool operator==(const NotifyConfig&) const = default;
};

/// `files:`: the file probe (probe/file/, docs/accounts.md) and `enforce.quarantine`. No
/// roots (and no inventory roots): the probe is off.
struct FilesConfig {
  std::vector<std::string> roots;  ///< document roots to watch (absolute paths)
  bool inventory_roots = false;    ///< also every document root of the hosting inventory
  core::TimeNs interval = 3600 * core::kNsPerSec;  ///< full walk; inotify sees the rest
  bool watch = true;
  std::size_t max_watches = 65536;
  std::size_t max_files = 1'000'000;
  std::size_t max_file_bytes = 8u << 20;
  std::vector<std::string> upload_dirs{
      "wp-content/uploads", "wp-content/cache", "uploads", "cache", "tmp", "/tmp",
      "/var/tmp",           "/dev/shm"};
  std::vector<std::string> yara_rules{"rules/yara"};
  std::size_t base64_min = 4096;
  double entropy_min = 5.9;
  std::string quarantine_method = "chmod";  ///< chmod | move (enforce.quarantine.method)
  std::string quarantine_dir = "/var/lib/bannin/quarantine";
  bool operator==(const FilesConfig&) const = default;
};

/// `processes:`: the process probe in the daemon (probe/process/, app/process_probe.h).
struct ProcessesConfig {
  bool enabled = false;
  core::TimeNs interval = 5 * core::kNsPerSec;
  std::int64_t min_uid = 1000;
  std::vector<std::string> writable_dirs{
      "/tmp", "/dev/shm", "/var/tmp", "wp-content/uploads", "wp-content/cache", "uploads", "cache"};
  std::string proc_root = "/proc";
  bool operator==(const ProcessesConfig&) const = default;
};

/// Member initialisers equal the defaults declared in schema/config.yaml (a unit test checks
/// it); `sources` has its default list only there.
struct DaemonConfig {
  std::string origin = "(built-in defaults)";  ///< the file it came from
  bool enforce = false;                        ///< mode: enforce (else observe)
  std::vector<std::string> home_countries{"JP"};
  std::string geo_database = "tor";
  std::vector<std::string> rule_files{"rules/base"};
  std::map<std::string, ruleset::ParamValue, std::less<>> rule_overrides;  ///< "id.param"
  std::size_t memory_budget_mb = 256;
  std::vector<SourceConfig> sources;

  std::string store_path = "var/bannin.db";
  core::TimeNs keep_findings = 90 * core::kNsPerDay;    ///< 0 = forever
  core::TimeNs keep_decisions = 365 * core::kNsPerDay;  ///< 0 = forever
  core::TimeNs keep_actions = 90 * core::kNsPerDay;     ///< 0 = forever

  std::string api_listen = "127.0.0.1:8730";
  std::string api_token;

  std::vector<std::string> allowlist;
  bool own_addresses = true;
  std::vector<std::string> proxies;
  std::string crawlers = "data/allowlist/crawlers.yaml";
  std::uint32_t max_per_minute = 120;
  std::map<std::string, std::uint32_t, std::less<>> max_per_minute_by_rule;
  core::TimeNs repeat_window = 24 * core::kNsPerHour;
  double repeat_ttl_factor = 2;
  core::TimeNs repeat_max_ttl = 7 * core::kNsPerDay;
  std::uint32_t prefix_min_members = 8;
  std::uint32_t prefix_v4_len = 24, prefix_v6_len = 64;
  core::TimeNs prefix_window = 3600 * core::kNsPerSec;
  // decide.ladder.*: the escalation ladder per account (decide/ladder.h).
  bool ladder_enabled = false;
  std::vector<std::string> ladder_steps{"path", "vhost", "suspend"};
  core::TimeNs ladder_step_time = 3600 * core::kNsPerSec;
  core::TimeNs ladder_warn_lead = 900 * core::kNsPerSec;
  core::TimeNs ladder_reset_after = 86400 * core::kNsPerSec;
  std::vector<std::string> ladder_pinned;  ///< "account=step"
  std::vector<std::string> ladder_exempt;

  std::string nft_table = "bannin";
  int nft_priority = -10;

  std::string web_server = "none";  ///< none | nginx | apache
  std::string web_dir, web_config, web_command;
  core::TimeNs web_batch_window = 500 * core::kNsPerSec / 1000;
  std::uint32_t web_min_entries = 1;
  std::string web_canary_domestic, web_canary_foreign;
  /// enforce.suspend.*: the operator's panel commands (argv, no shell) for the ladder's
  /// suspend step; empty: suspend decisions are recorded only.
  std::vector<std::string> suspend_command, unsuspend_command;
  std::vector<std::string> password_reset_command;  ///< enforce.password_reset.command

  std::size_t queue_records = 256, queue_store = 65536, queue_actions = 16384;

  DomainsConfig domains;
  KpiConfig kpi;
  RecorderConfig recorder;  ///< `recorder:`: the flight recorder (app/flight_recorder.h)
  GuardConfig guard;        ///< `guard:`: the overload guard (app/guard_config.h, docs/guard.md)
  InventoryConfig inventory;
  FilesConfig files;
  ProcessesConfig processes;
  NotifyConfig notify;
};

/// One key of schema/config.yaml, for listings (`bannin run --list-keys`) and messages.
struct ConfigKeyInfo {
  const char* key;
  const char* type;
  bool reload;  ///< SIGHUP applies it; false: it takes effect at the next start
  const char* doc;
};
/// Every declared key, in the schema's order.
const std::vector<ConfigKeyInfo>& config_keys();
/// The declared keys whose values differ between a and b; restart_only: only those SIGHUP
/// does not apply (the daemon says which changes wait for a restart).
std::vector<std::string> config_differences(const DaemonConfig& a, const DaemonConfig& b,
                                            bool restart_only);

/// The built-in defaults: config/bannin.yaml as compiled into the binary.
const char* default_config_text() noexcept;

/// Loads the built-in defaults, then FILE over them (empty: none), then the overrides.
/// The error's message lists every problem, one per line, each with its location.
core::Result<DaemonConfig> load_config(const std::string& file,
                                       const std::vector<std::string>& overrides = {});

/// "a, b,c" or "[a, 'b', c]" -> {"a","b","c"}: the list form of a `-o key=value` value
/// (blanks trimmed, a flow list's brackets and an item's quotes removed).
std::vector<std::string> split_list(const std::string& value);

/// Parses a duration: 90s, 15m, 1h, 7d, 2w (and combinations like 1h30m); false when bad.
bool parse_duration(const std::string& text, core::TimeNs& out);

/// A relative path as bannin finds it: the current directory first, then the installed data
/// directory (BANNIN_SHARE_DIR). Absolute paths are returned as they are.
std::string resolve_path(const std::string& path);

}  // namespace bannin::app
