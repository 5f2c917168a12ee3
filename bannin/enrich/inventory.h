// Inventory: the hosting inventory (ARCHITECTURE "enrich"): which site (vhost) belongs to
// which account, where its document root is, and whom to tell about it in which language.
//
// Two kinds of input, merged:
//   - an inventory file the operator keeps (YAML or CSV, docs/notify.md "The inventory"):
//     sites with their names, account, document root, contacts and language, and accounts
//     with their contacts and language;
//   - the web servers' own configuration, read as the servers read it: Apache
//     (<VirtualHost> with ServerName, ServerAlias, DocumentRoot, SuexecUserGroup) and nginx
//     (server { server_name …; root …; }), following Include / IncludeOptional / include
//     with globs. These give names, document roots and (Apache suEXEC) accounts; contacts
//     and languages come from the inventory file.
// The file wins where both say something. Every problem (a file that cannot be read, a
// malformed line, an unknown key, a bad address or language) is collected with file:line,
// never only the first; nothing here throws or aborts on bad input.
//
// Immutable after loading; lookups are safe from several threads.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace bannin::enrich {

/// One site: a virtual host and the names it answers to.
struct Site {
  std::vector<std::string> names;     ///< lower-case; "*.example.jp" wildcards allowed
  std::string account;                ///< hosting account (Unix user), "" when unknown
  std::string docroot;                ///< document root, "" when unknown
  std::vector<std::string> contacts;  ///< e-mail addresses; empty: the account's
  std::string language;               ///< "ja" | "en" | "" (the account's, else the default)
  std::string origin;                 ///< file:line where it was declared
};

/// Contacts and language of one hosting account.
struct Account {
  std::string name;
  std::vector<std::string> contacts;
  std::string language;
  std::string origin;
};

/// Who owns a site, resolved: the site's own contacts and language, else its account's.
struct Owner {
  std::string vhost;  ///< the name asked for, normalised
  std::string account, docroot;
  std::vector<std::string> contacts;
  std::string language;
  bool known = false;  ///< the vhost is in the inventory
};

class Inventory {
 public:
  /// Limits against hostile or broken configuration trees.
  static constexpr std::size_t kMaxFileBytes = 16u << 20;
  static constexpr int kMaxIncludeDepth = 16;
  static constexpr std::size_t kMaxFiles = 10'000;

  /// An inventory file: .yaml/.yml as YAML, .csv as CSV (anything else: by content).
  /// Problems are appended ("file:line: message"); false when the file could not be used.
  bool add_file(const std::string& path, std::vector<std::string>& problems);
  /// The same from text (tests, fuzzing); `name` is used in messages.
  void add_yaml_text(std::string_view text, const std::string& name,
                     std::vector<std::string>& problems);
  void add_csv_text(std::string_view text, const std::string& name,
                    std::vector<std::string>& problems);

  /// A web server's configuration file or glob (Apache or nginx, told apart by content),
  /// with the files it includes. Relative includes are taken from `server_root` when given,
  /// else from the including file's directory.
  void add_web_config(const std::string& path_or_glob, std::vector<std::string>& problems,
                      const std::string& server_root = {});
  /// One configuration text, without following includes (fuzzing, tests).
  void add_web_config_text(std::string_view text, const std::string& name,
                           std::vector<std::string>& problems);

  /// The site a Host name belongs to (case-insensitive, port and trailing dot ignored;
  /// exact names before wildcards, the longest wildcard first); null when none.
  [[nodiscard]] const Site* find(std::string_view vhost) const;
  [[nodiscard]] const Account* account(std::string_view name) const;
  /// Site and account merged (see Owner).
  [[nodiscard]] Owner owner(std::string_view vhost) const;

  [[nodiscard]] const std::vector<Site>& sites() const noexcept { return sites_; }
  [[nodiscard]] const std::map<std::string, Account, std::less<>>& accounts() const noexcept {
    return accounts_;
  }
  /// Files read so far (the inventory file and every web configuration file).
  [[nodiscard]] std::size_t files_read() const noexcept { return files_read_; }

 private:
  struct WebWalk;
  void add_site(Site site, bool from_file);
  void add_account(Account a);
  void read_web_file(const std::string& path, WebWalk& walk, int depth);
  void parse_apache(std::string_view text, const std::string& name, WebWalk* walk, int depth,
                    std::vector<std::string>& problems);
  void parse_nginx(std::string_view text, const std::string& name, WebWalk* walk, int depth,
                   std::vector<std::string>& problems);
  void include(const std::string& pattern, const std::string& from, std::size_t line, WebWalk* walk,
               int depth, std::vector<std::string>& problems);

  std::vector<Site> sites_;
  std::map<std::string, std::size_t, std::less<>> by_name_;      ///< exact name -> site
  std::map<std::string, std::size_t, std::less<>> by_wildcard_;  ///< "example.jp" of *.example.jp
  std::map<std::string, Account, std::less<>> accounts_;
  std::size_t files_read_ = 0;
};

/// "Example.JP:8080." -> "example.jp".
std::string normalise_host(std::string_view host);
/// A plausible e-mail address (local@domain, no blanks or angle brackets, one '@').
bool plausible_email(std::string_view s);

}  // namespace bannin::enrich
