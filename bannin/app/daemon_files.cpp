// Daemon: the file probe (config `files:`) and the quarantine of planted files (config
// `enforce.quarantine`), issue 17. The probe runs on its own thread (file_probe.h) and hands
// its hits to the pipeline thread as file.found Events (pipeline_main); rules turn them into
// `quarantine` decisions on `file` targets, which the act thread carries out through
// act::quarantine::QuarantineActuator in enforce mode, recording every entry in the store
// (tables quarantine and quarantine_history, store/quarantine_rows.cpp).
#include <array>
#include <filesystem>
#include <set>

#include <glob.h>
#include <pwd.h>
#include <sys/stat.h>

#include <bannin/app/daemon.h>
#include <bannin/core/json_writer.h>
#include <bannin/enrich/inventory.h>
#include <bannin/probe/file/yara_rules.h>
#include <bannin/store/store.h>

namespace bannin::app {

namespace {

namespace fs = std::filesystem;
namespace aq = act::quarantine;
namespace pf = probe::file;

// The quarantine's records in the store, on a connection of their own (used by the act
// thread only, and by the main thread before that thread starts).
class StoreLedger final : public aq::Ledger {
 public:
  explicit StoreLedger(std::unique_ptr<store::Store> st) : st_(std::move(st)) {}
  std::optional<aq::Entry> last(const std::string& path) override {
    auto r = st_->last_quarantine(path);
    if (!r) return std::nullopt;
    aq::Entry e;
    e.id = r->id;
    e.path = r->path;
    e.stored_path = r->stored_path;
    (void)aq::parse_method(r->method, e.method);
    e.old_mode = static_cast<std::uint32_t>(r->old_mode);
    e.uid = r->uid;
    e.gid = r->gid;
    e.size = r->size;
    e.mtime = r->mtime;
    e.sha256 = r->sha256;
    e.ts = r->ts;
    e.reason = r->reason;
    e.origin = r->origin;
    e.state = r->state;
    return e;
  }
  core::Result<std::int64_t> add(const aq::Entry& e) override {
    store::QuarantineRow q;
    q.ts = e.ts;
    q.path = e.path;
    q.stored_path = e.stored_path;
    q.method = std::string(aq::method_name(e.method));
    q.old_mode = e.old_mode;
    q.uid = e.uid;
    q.gid = e.gid;
    q.size = e.size;
    q.mtime = e.mtime;
    q.sha256 = e.sha256;
    q.reason = e.reason;
    q.origin = e.origin;
    return st_->add_quarantine(q, "rule " + e.origin);
  }
  void refused(const std::string& path, const std::string& actor,
               const std::string& detail) override {
    (void)st_->add_quarantine_event(store::QuarantineEventRow{
        0, wall_now(), "quarantine", "refused", "rule " + actor, path, detail});
  }

 private:
  std::unique_ptr<store::Store> st_;
};

// files.roots entries may be globs (/home/*/public_html).
std::vector<std::string> expand_dirs(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (::glob(pattern.c_str(), GLOB_NOSORT | GLOB_ONLYDIR, nullptr, &g) == 0) {
    for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  if (out.empty()) out.push_back(pattern);  // reported as missing below
  return out;
}

}  // namespace

core::Result<bool> Daemon::make_file_probe(bool build_only) {
  const FilesConfig& fc = cfg_.files;
  std::vector<pf::Root> roots;
  std::set<std::string> have;
  std::vector<std::string> problems;
  auto add_root = [&](std::string path, std::string account, std::string vhost) {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    if (path.empty() || path.front() != '/') {
      problems.push_back("files.roots: \"" + path + "\" is not an absolute path");
      return;
    }
    if (!have.insert(path).second) return;
    roots.push_back(pf::Root{std::move(path), std::move(account), std::move(vhost)});
  };
  for (const std::string& r : fc.roots) {
    for (std::string& p : expand_dirs(r)) add_root(std::move(p), {}, {});
  }
  if (fc.inventory_roots) {
    for (const auto& site : inventory_->sites()) {
      if (site.docroot.empty()) continue;
      add_root(site.docroot, site.account, site.names.empty() ? std::string() : site.names.front());
    }
  }
  if (!problems.empty()) {
    std::string msg;
    for (const auto& p : problems) msg += (msg.empty() ? "" : "\n") + p;
    return core::make_error("files", msg);
  }
  if (roots.empty()) return true;  // off
  std::shared_ptr<const pf::YaraRules> yara;
  if (!fc.yara_rules.empty()) {
    std::vector<std::string> files;
    for (const auto& f : fc.yara_rules) files.push_back(resolve_path(f));
    auto y = pf::YaraRules::compile(files);
    if (!y) return core::make_error("files", "files.yara_rules:\n" + y.error().message);
    yara = std::shared_ptr<const pf::YaraRules>(std::move(*y));
  }
  if (build_only) return true;
  for (const auto& r : roots) {
    std::error_code ec;
    if (!fs::is_directory(r.path, ec)) {
      log("files: %s is not a directory (yet); it is walked when it appears", r.path.c_str());
    }
  }
  FileProbe::Settings s;
  s.scanner.roots = std::move(roots);
  s.scanner.upload_dirs = fc.upload_dirs;
  s.scanner.exclude = {fc.quarantine_dir};
  s.scanner.thresholds.base64_min = fc.base64_min;
  s.scanner.thresholds.entropy_min = fc.entropy_min;
  s.scanner.max_file_bytes = fc.max_file_bytes;
  s.scanner.max_files = fc.max_files;
  s.watch = fc.watch;
  s.max_watches = fc.max_watches;
  s.interval = fc.interval;
  log("files: %zu document roots, %zu YARA rules, walked every %lld s%s", s.scanner.roots.size(),
      yara ? yara->rule_count() : 0, static_cast<long long>(fc.interval / core::kNsPerSec),
      fc.watch ? " and watched" : "");
  file_probe_ = std::make_unique<FileProbe>(
      std::move(s), yara,
      [this](std::shared_ptr<const FileRound> r) {
        Batch b;
        b.kind = Batch::Kind::Files;
        b.files = std::move(r);
        records_->push_blocking(std::move(b));
      },
      [this](const std::string& m) { log("%s", m.c_str()); }, wall_now);
  return true;
}

core::Result<bool> Daemon::wrap_quarantine(const std::string& store_path) {
  // Observe mode: file decisions go to the recording actuator with the rest; nothing is
  // touched, so nothing needs a record.
  if (!cfg_.enforce) return true;
  auto st = store::Store::open(store_path);
  if (!st) return core::make_error("store", "store " + store_path + ": " + st.error().message);
  ledger_ = std::make_unique<StoreLedger>(std::move(*st));
  aq::QuarantineActuator::Options o;
  (void)aq::parse_method(cfg_.files.quarantine_method, o.method);
  o.dir = cfg_.files.quarantine_dir;
  actuator_ = std::make_unique<aq::QuarantineActuator>(std::move(actuator_), o, *ledger_, wall_now);
  actuator_name_ += "+quarantine";
  return true;
}

std::string Daemon::files_status_json() {
  std::string out;
  core::JsonObjectWriter f(out);
  f.boolean("enabled", file_probe_ != nullptr);
  if (file_probe_) {
    FileProbeStatus s = file_probe_->status();
    auto u = [&](const char* k, std::uint64_t v) { f.integer(k, static_cast<std::int64_t>(v)); };
    u("roots", s.roots);
    u("yara_rules", s.yara_rules);
    f.boolean("watching", s.watching);
    u("watches", s.watches);
    u("watch_limit_hits", s.watch_limit_hits);
    u("watch_overflows", s.watch_overflows);
    u("watch_errors", s.watch_errors);
    u("walks", s.scan.walks);
    f.string("last_walk", core::format_rfc3339_or_empty(s.last_walk));
    u("files_tracked", s.scan.tracked);
    u("files_examined", s.scan.files_examined);
    u("bytes_examined", s.scan.bytes_examined);
    u("hits", s.scan.hits);
    u("untracked", s.scan.untracked);
    u("too_large", s.scan.too_large);
    u("read_errors", s.scan.read_errors);
    u("yara_errors", s.scan.yara_errors);
  }
  f.string("quarantine", cfg_.enforce ? cfg_.files.quarantine_method : "observe (nothing touched)");
  f.close();
  return out;
}

}  // namespace bannin::app
