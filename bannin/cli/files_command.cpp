// `bannin files scan ROOT...`: the file probe once, offline (probe/file/, docs/accounts.md):
// walks the roots, prints every file with a reason, and a summary on stderr. The same
// scanner, YARA rules and signs as the daemon's file probe; nothing is quarantined.
//
// Exit status: 0 nothing found, 1 files found, 2 a rule file could not be compiled, 3 bad
// arguments.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <bannin/app/config.h>
#include <bannin/cli/commands.h>
#include <bannin/core/json_writer.h>
#include <bannin/probe/file/file_events.h>
#include <bannin/probe/file/file_scanner.h>
#include <bannin/probe/file/yara_rules.h>

namespace bannin::cli {
namespace {

namespace pf = probe::file;

struct FilesOptions {
  std::vector<std::string> roots;
  std::vector<std::string> yara{"rules/yara"};
  std::vector<std::string> upload_dirs;
  std::string format = "text";
};

int run_scan(const FilesOptions& o) {
  pf::ScannerOptions so;
  for (const auto& r : o.roots) {
    if (r.empty() || r.front() != '/') {
      std::fprintf(stderr, "bannin files scan: %s: give absolute paths\n", r.c_str());
      return kUsageExitCode;
    }
    so.roots.push_back(pf::Root{r, {}, {}});
  }
  if (!o.upload_dirs.empty()) so.upload_dirs = o.upload_dirs;
  std::shared_ptr<const pf::YaraRules> yara;
  if (!o.yara.empty() && !(o.yara.size() == 1 && o.yara[0] == "none")) {
    std::vector<std::string> files;
    for (const auto& f : o.yara) files.push_back(app::resolve_path(f));
    auto y = pf::YaraRules::compile(files);
    if (!y) {
      std::fprintf(stderr, "bannin files scan: YARA rules:\n%s\n", y.error().message.c_str());
      return 2;
    }
    yara = std::shared_ptr<const pf::YaraRules>(std::move(*y));
  }
  pf::FileScanner scanner(so, yara);
  auto hits = scanner.walk();
  for (const auto& h : hits) {
    if (o.format == "json") {
      std::string line;
      core::JsonObjectWriter w(line);
      w.string("path", h.path);
      w.string("account", h.account);
      w.integer("uid", h.uid);
      w.integer("size", h.size);
      w.string("sha256", h.sha256);
      w.string("reason", pf::reasons_text(h.reasons));
      w.string("detail", pf::reasons_words(h.reasons));
      w.close();
      std::printf("%s\n", line.c_str());
    } else {
      std::printf("%s\t%s\t%s\n", h.path.c_str(), h.account.c_str(),
                  pf::reasons_text(h.reasons).c_str());
    }
  }
  const auto& s = scanner.stats();
  std::fprintf(stderr,
               "%llu files, %llu bytes examined, %zu with a reason; %llu unreadable, %llu too "
               "large (name only), %llu YARA timeouts or errors; %zu YARA rules\n",
               static_cast<unsigned long long>(s.files_examined),
               static_cast<unsigned long long>(s.bytes_examined), hits.size(),
               static_cast<unsigned long long>(s.read_errors),
               static_cast<unsigned long long>(s.too_large),
               static_cast<unsigned long long>(s.yara_errors), yara ? yara->rule_count() : 0);
  return hits.empty() ? 0 : 1;
}

}  // namespace

void add_files_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("files", "The file probe offline: planted files under roots");
  cmd->require_subcommand(1);
  auto opt = std::make_shared<FilesOptions>();
  auto* scan = cmd->add_subcommand("scan", "Walk ROOTs once and print files with a reason");
  scan->add_option("roots", opt->roots, "Document roots (absolute paths)")->required();
  scan->add_option("--yara", opt->yara, "YARA rule files or directories; none = no YARA")
      ->capture_default_str();
  scan->add_option("--upload-dirs", opt->upload_dirs,
                   "Upload directories (default: the files.upload_dirs default)");
  scan->add_option("--format", opt->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  scan->callback([opt, &exit_code] { exit_code = run_scan(*opt); });
}

}  // namespace bannin::cli
