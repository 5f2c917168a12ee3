#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <mutex>

#include <yara.h>

#include <bannin/probe/file/yara_rules.h>

namespace bannin::probe::file {

namespace {

namespace fs = std::filesystem;

// libyara keeps global tables (modules, the thread-local scan state) set up by yr_initialize,
// which is reference-counted; bannin initialises once per process and never finalises (the
// rules may be used until exit).
void init_once() {
  static std::once_flag once;
  std::call_once(once, [] { (void)yr_initialize(); });
}

struct Problems {
  std::vector<std::string> lines;
  std::string fallback_name;
};

void on_compile_message(int level, const char* file, int line, const YR_RULE* /*rule*/,
                        const char* message, void* user) {
  auto* p = static_cast<Problems*>(user);
  if (level != YARA_ERROR_LEVEL_ERROR) return;  // warnings (slow strings) are not problems
  std::string where = file != nullptr ? file : p->fallback_name;
  p->lines.push_back(where + ":" + std::to_string(line) + ": " + (message ? message : "error"));
}

struct CompilerGuard {
  YR_COMPILER* c = nullptr;
  CompilerGuard() { (void)yr_compiler_create(&c); }
  ~CompilerGuard() {
    if (c != nullptr) yr_compiler_destroy(c);
  }
  CompilerGuard(const CompilerGuard&) = delete;
  CompilerGuard& operator=(const CompilerGuard&) = delete;
};

// Adds one file to `c`; problems are appended. False when the file could not be compiled.
bool add_file(YR_COMPILER* c, const std::string& path, Problems& p) {
  FILE* f = std::fopen(path.c_str(), "re");
  if (f == nullptr) {
    p.lines.push_back(path + ": cannot read");
    return false;
  }
  p.fallback_name = path;
  yr_compiler_set_callback(c, on_compile_message, &p);
  const std::size_t before = p.lines.size();
  int errors = yr_compiler_add_file(c, f, nullptr, path.c_str());
  std::fclose(f);
  if (errors > 0 && p.lines.size() == before) p.lines.push_back(path + ": does not compile");
  return errors == 0;
}

std::size_t count_rules(YR_RULES* rules) {
  std::size_t n = 0;
  const YR_RULE* rule = nullptr;
  yr_rules_foreach(rules, rule) {
    ++n;
  }
  return n;
}

struct MatchState {
  std::vector<std::string>* out;
};

int on_scan_message(YR_SCAN_CONTEXT* /*ctx*/, int message, void* data, void* user) {
  if (message == CALLBACK_MSG_RULE_MATCHING) {
    auto* st = static_cast<MatchState*>(user);
    const auto* rule = static_cast<const YR_RULE*>(data);
    st->out->emplace_back(rule->identifier);
  }
  return CALLBACK_CONTINUE;
}

}  // namespace

YaraRules::~YaraRules() {
  if (rules_ != nullptr) yr_rules_destroy(rules_);
}

core::Result<std::unique_ptr<YaraRules>> YaraRules::compile(const std::vector<std::string>& paths) {
  init_once();
  std::vector<std::string> files;
  Problems p;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> in_dir;
      for (const auto& e : fs::directory_iterator(path, ec)) {
        const std::string ext = e.path().extension().string();
        if (e.is_regular_file(ec) && (ext == ".yar" || ext == ".yara"))
          in_dir.push_back(e.path().string());
      }
      if (ec) p.lines.push_back(path + ": " + ec.message());
      std::sort(in_dir.begin(), in_dir.end());
      if (in_dir.empty()) p.lines.push_back(path + ": no .yar or .yara files in this directory");
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else if (fs::exists(path, ec)) {
      files.push_back(path);
    } else {
      p.lines.push_back(path + ": no such file or directory");
    }
  }
  // Each file alone first: every file's problems are reported, not only the first file's.
  for (const std::string& f : files) {
    CompilerGuard one;
    if (one.c == nullptr) return core::make_error("yara_rules", "libyara: out of memory");
    (void)add_file(one.c, f, p);
  }
  if (!p.lines.empty()) {
    std::string msg;
    for (const auto& l : p.lines) msg += (msg.empty() ? "" : "\n") + l;
    return core::make_error("yara_rules", msg);
  }
  // Then all together (identifiers must be unique across files: reported here).
  CompilerGuard all;
  if (all.c == nullptr) return core::make_error("yara_rules", "libyara: out of memory");
  for (const std::string& f : files) {
    if (!add_file(all.c, f, p)) break;
  }
  std::unique_ptr<YaraRules> r(new YaraRules());
  if (p.lines.empty() && yr_compiler_get_rules(all.c, &r->rules_) != ERROR_SUCCESS)
    p.lines.emplace_back("libyara: cannot build the rule set");
  if (!p.lines.empty()) {
    std::string msg;
    for (const auto& l : p.lines) msg += (msg.empty() ? "" : "\n") + l;
    return core::make_error("yara_rules", msg);
  }
  r->rule_count_ = count_rules(r->rules_);
  r->files_ = std::move(files);
  return r;
}

core::Result<std::unique_ptr<YaraRules>> YaraRules::compile_text(std::string_view text,
                                                                 const std::string& name) {
  init_once();
  CompilerGuard c;
  if (c.c == nullptr) return core::make_error("yara_rules", "libyara: out of memory");
  Problems p;
  p.fallback_name = name;
  yr_compiler_set_callback(c.c, on_compile_message, &p);
  const std::string owned(text);  // libyara wants a NUL-terminated string
  int errors = yr_compiler_add_string(c.c, owned.c_str(), nullptr);
  std::unique_ptr<YaraRules> r(new YaraRules());
  if (errors == 0 && yr_compiler_get_rules(c.c, &r->rules_) != ERROR_SUCCESS)
    p.lines.emplace_back(name + ": libyara cannot build the rule set");
  if (errors > 0 && p.lines.empty()) p.lines.push_back(name + ": does not compile");
  if (!p.lines.empty()) {
    std::string msg;
    for (const auto& l : p.lines) msg += (msg.empty() ? "" : "\n") + l;
    return core::make_error("yara_rules", msg);
  }
  r->rule_count_ = count_rules(r->rules_);
  r->files_ = {name};
  return r;
}

std::vector<std::string> YaraRules::match(std::string_view bytes, int timeout_s,
                                          std::string* error) const {
  std::vector<std::string> out;
  MatchState st{&out};
  int rc = yr_rules_scan_mem(rules_, reinterpret_cast<const std::uint8_t*>(bytes.data()),
                             bytes.size(), SCAN_FLAGS_FAST_MODE, on_scan_message, &st, timeout_s);
  if (rc != ERROR_SUCCESS && error != nullptr) {
    *error = rc == ERROR_SCAN_TIMEOUT
                 ? "yara scan timed out"
                 : "yara scan failed (libyara error " + std::to_string(rc) + ")";
  }
  return out;
}

}  // namespace bannin::probe::file
