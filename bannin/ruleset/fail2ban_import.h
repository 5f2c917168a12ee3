// Importing a fail2ban configuration (`bannin import fail2ban [DIR]`, issue 12): the INI
// reader, the filter and jail resolution, and the translation of fail2ban's Python-`re` filter
// dialect into RE2, as pure functions of text. Files are read through a FileReader callback so
// that the CLI reads /etc/fail2ban and the tests read in-memory trees; nothing here touches the
// file system, the clock or the network.
//
// Stage: ruleset (rule files -> compiled rules). Owner: the `bannin import` command, which
// calls it once on the main thread; the compiled FilterMatcher is immutable after build and
// may be shared read-only by any thread.
//
// What fail2ban does and how it is reproduced (docs/import.md has the user's view):
//   - INI files follow Python's ConfigParser as fail2ban extends it: `[INCLUDES]` before/after,
//     `NAME.local` beside `NAME.conf`, `[DEFAULT]` seen by every section, `%(name)s` and
//     `%(section/name)s` interpolation, `known/` for the value a later file overrides.
//   - Filters: `[Definition]` plus `[Init]` (overridden by the jail's `filter = NAME[k=v]`
//     arguments) resolve `<tag>` references recursively, innermost first (so
//     `<lt_<logtype>/__prefix_line>` and `<mdre-<mode>>` select a variant), then `<HOST>`,
//     `<ADDR>`, `<IP4>`, `<IP6>`, `<DNS>`, `<CIDR>`, `<SUBNET>`, `<F-…>` become named groups.
//   - `prefregex` is folded into each failregex (the failregex takes the place of
//     `<F-CONTENT>`), so one RE2 per failregex sees the whole line, like the rule will.
//   - Every construct RE2 cannot express (look-around, back-references, `(?P=name)`, atomic
//     groups, conditionals, multi-line buffering) is reported with file:line and the reason;
//     that failregex is left out, the filter's others are imported.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bannin::ruleset::fail2ban {

/// Reads a file by path; nullopt when it does not exist or cannot be read.
using FileReader = std::function<std::optional<std::string>(const std::string& path)>;
/// Lists the regular files of a directory (names only, any order); empty when none.
using DirLister = std::function<std::vector<std::string>(const std::string& dir)>;

/// One problem or note, located. `code` is stable (docs/import.md lists them).
struct Issue {
  std::string code;  ///< e.g. "lookbehind", "backreference", "maxlines", "ini_syntax"
  std::string message;
  std::string file;
  std::uint32_t line = 0;
  bool error = true;  ///< false: a note (something approximated, not left out)
};

// ---- INI --------------------------------------------------------------------------------

struct IniValue {
  std::string value;
  std::string file;
  std::uint32_t line = 0;
};

/// Sections in file order; keys keep their case as written (fail2ban's options are
/// case-sensitive: `__prefix_line`, `F-USER` tags).
struct IniSection {
  std::string name;
  std::vector<std::pair<std::string, IniValue>> entries;
};

struct IniDocument {
  std::vector<IniSection> sections;
  std::vector<Issue> issues;
};

/// Parses INI text as Python's ConfigParser does: `[section]`, `key = value` or `key: value`,
/// continuation lines indented, full-line `#`/`;` comments and ` #`/` ;` inline comments.
/// Never throws; a line that is none of these is an `ini_syntax` issue and is skipped.
IniDocument parse_ini(std::string_view text, const std::string& file);

/// Several INI files merged in fail2ban's order, with interpolation.
class Config {
 public:
  /// Adds a document; its values override earlier ones (the old value stays as `known/key`).
  void merge(const IniDocument& doc);
  [[nodiscard]] bool has_section(std::string_view section) const;
  [[nodiscard]] std::vector<std::string> sections() const;
  /// The raw (uninterpolated) value of section/key, falling back to [DEFAULT].
  [[nodiscard]] const IniValue* raw(std::string_view section, std::string_view key,
                                    bool fallback = true) const;
  /// Keys of a section (without DEFAULT's), in first-seen order.
  [[nodiscard]] std::vector<std::string> keys(std::string_view section) const;
  /// `%(name)s` interpolation in the context of `section`; `extra` values (e.g. __name__) are
  /// seen first. Unknown names and loops are reported into `issues`, the reference kept.
  [[nodiscard]] std::string interpolate(std::string_view section, std::string_view text,
                                        const std::map<std::string, std::string>& extra,
                                        std::vector<Issue>& issues, const IniValue* where) const;
  /// get = raw + interpolate; nullopt when absent.
  [[nodiscard]] std::optional<std::string> get(
      std::string_view section, std::string_view key, std::vector<Issue>& issues,
      const std::map<std::string, std::string>& extra = {}) const;

 private:
  struct Section {
    std::vector<std::string> order;
    std::map<std::string, IniValue, std::less<>> values;
  };
  std::map<std::string, Section, std::less<>> sections_;
  std::vector<std::string> section_order_;
};

/// Reads `base.conf`, then `base.local`, each preceded by its [INCLUDES] `before` files and
/// followed by its `after` files (resolved against `dir`, recursively, at most 10 deep).
/// Missing `.local` and missing includes are normal; a missing `.conf` is an issue.
Config load_config(const std::string& dir, const std::string& base, const FileReader& read,
                   std::vector<Issue>& issues);

// ---- regular expressions ----------------------------------------------------------------

/// Python `re` (as fail2ban writes it) -> RE2 text, with fail2ban's tags expanded.
struct RegexTranslation {
  std::string re2;            ///< empty when unsupported
  std::vector<Issue> issues;  ///< file/line not filled in: the caller knows them
  [[nodiscard]] bool ok() const;
};

/// Translates one regex. `use_dns` = false makes <HOST> an address only (usedns = no).
RegexTranslation translate_regex(std::string_view python_regex, bool use_dns = true);

/// Folds a failregex into a prefregex at its <F-CONTENT>…</F-CONTENT> (both still in
/// fail2ban's dialect). Returns nullopt when the prefregex has no content group.
std::optional<std::string> fold_prefregex(std::string_view prefregex, std::string_view failregex);

// ---- filters ----------------------------------------------------------------------------

struct FilterRegex {
  std::string source;  ///< as written after interpolation (fail2ban's dialect)
  std::string re2;     ///< translated; empty when left out
  std::string file;
  std::uint32_t line = 0;
};

struct Filter {
  std::string name;  ///< e.g. "sshd"
  std::string file;  ///< filter.d/NAME.conf
  std::map<std::string, std::string> args;
  std::vector<FilterRegex> failregex, ignoreregex;
  std::string datepattern;  ///< resolved; empty = fail2ban's default templates
  std::string journalmatch;
  int maxlines = 1;
  std::vector<Issue> issues;
  [[nodiscard]] std::size_t imported() const;  ///< failregexes with an RE2 translation
};

/// Parses `sshd[mode=aggressive, port="22"]` into the name and its arguments.
std::pair<std::string, std::map<std::string, std::string>> parse_filter_spec(std::string_view s);

/// Resolves and translates filter.d/NAME.conf (+ .local, includes) with jail arguments.
Filter load_filter(const std::string& dir, const std::string& name,
                   const std::map<std::string, std::string>& args, const FileReader& read);

// ---- jails ------------------------------------------------------------------------------

struct Jail {
  std::string name;
  bool enabled = false;
  std::string filter_spec;  ///< e.g. "sshd[mode=normal]"
  std::vector<std::string> logpath;
  std::string backend;
  std::vector<std::string> ignoreip;
  std::int64_t bantime_s = 600, findtime_s = 600;  ///< -1 bantime = for ever
  int maxretry = 5;
  bool increment = false;
  double factor = 1;
  std::int64_t maxtime_s = 0;  ///< 0 = none
  std::string multipliers;
  std::string file;
  std::uint32_t line = 0;
  std::vector<Issue> issues;
};

/// fail2ban's time syntax ("600", "10m", "1h 30m", "1d", "1w", "-1") -> seconds.
std::optional<std::int64_t> parse_f2b_duration(std::string_view s);

/// Reads jail.conf, jail.d/*.conf, jail.local, jail.d/*.local (fail2ban's order).
std::vector<Jail> load_jails(const std::string& dir, const FileReader& read, const DirLister& list,
                             std::vector<Issue>& issues);

// ---- matching (the `--test` mode and the CLI test) ------------------------------------

/// The filter's regexes compiled, plus fail2ban's date removal, to run one filter on log
/// lines exactly as the imported rule would see them.
class FilterMatcher {
 public:
  explicit FilterMatcher(const Filter& filter);
  ~FilterMatcher();
  FilterMatcher(const FilterMatcher&) = delete;
  FilterMatcher& operator=(const FilterMatcher&) = delete;

  struct Match {
    std::string host;  ///< ip4, ip6, dns or F-ID (fail2ban's order)
    std::string user;
    std::size_t regex = 0;  ///< index into failregex
  };
  /// The line with its timestamp removed the way fail2ban removes it (what `message` holds).
  [[nodiscard]] std::string strip_date(std::string_view line) const;
  /// A failregex matched and no ignoreregex did.
  [[nodiscard]] std::optional<Match> match(std::string_view line) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- output -----------------------------------------------------------------------------

struct ImportResult {
  std::vector<Filter> filters;  ///< every filter.d/*.conf, with jail arguments where a jail
                                ///< selects a variant (then named "<filter>@<jail>")
  std::vector<Jail> jails;
  std::vector<Issue> issues;  ///< INI and jail level
};

/// Imports a whole fail2ban configuration directory.
ImportResult import_dir(const std::string& dir, const FileReader& read, const DirLister& list);

/// A rule id part from a fail2ban name: lowercase, `-`/`.` -> `_`.
std::string id_part(std::string_view name);
/// One bannin rule file (YAML) for a jail or a filter without a jail.
std::string rule_yaml(const Filter& filter, const Jail* jail);
/// The config fragment: allowlist, repeat offenders, sources.
std::string config_fragment(const ImportResult& r);
/// The report: per filter imported/left out, every issue at file:line.
std::string report_text(const ImportResult& r);

}  // namespace bannin::ruleset::fail2ban
