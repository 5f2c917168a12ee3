// YaraRules: YARA rule files compiled with libyara (Debian libyara-dev), and a scan of a
// buffer against them (stage: probe). The file scanner uses it for web shells and mailers;
// rules/yara/ ships a small set, operators add their own files (config files.yara_rules).
//
// Compilation reports every problem of every file with file:line (each file is compiled on
// its own first, because a libyara compiler cannot go on after an error), never only the
// first. A compiled set is immutable; match() may be called from several threads at once
// (libyara gives each scan its own context).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/core/result.h>

struct YR_RULES;

namespace bannin::probe::file {

class YaraRules {
 public:
  /// Compiles the rule files (.yar/.yara; a directory means every such file in it, sorted).
  /// Error "yara_rules": every problem, one per line, "file:line: message".
  static core::Result<std::unique_ptr<YaraRules>> compile(const std::vector<std::string>& paths);
  /// The same from text (tests, fuzzing); `name` appears in messages.
  static core::Result<std::unique_ptr<YaraRules>> compile_text(std::string_view text,
                                                               const std::string& name);
  ~YaraRules();
  YaraRules(const YaraRules&) = delete;
  YaraRules& operator=(const YaraRules&) = delete;

  /// The identifiers of the rules that match `bytes`, in rule order. A scan that times out
  /// (`timeout_s`, 0 = none) or fails returns what matched so far and sets `error`.
  std::vector<std::string> match(std::string_view bytes, int timeout_s = 10,
                                 std::string* error = nullptr) const;

  [[nodiscard]] std::size_t rule_count() const noexcept { return rule_count_; }
  [[nodiscard]] const std::vector<std::string>& files() const noexcept { return files_; }

 private:
  YaraRules() = default;
  YR_RULES* rules_ = nullptr;
  std::size_t rule_count_ = 0;
  std::vector<std::string> files_;
};

}  // namespace bannin::probe::file
