#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include <glob.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <bannin/core/yaml_where.h>
#include <bannin/enrich/inventory.h>

namespace bannin::enrich {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string at(const std::string& name, std::size_t line) {
  return name + ":" + std::to_string(line);
}

bool valid_language(std::string_view l) {
  return l == "ja" || l == "en";
}

// A host name as written in a configuration: letters, digits, '-', '.', and a leading "*.".
bool plausible_name(std::string_view n) {
  if (n.empty() || n.size() > 253) return false;
  if (n.substr(0, 2) == "*.") n.remove_prefix(2);
  if (n.empty()) return false;
  for (char c : n) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
              c == '_' || static_cast<unsigned char>(c) >= 0x80;
    if (!ok) return false;
  }
  return true;
}

bool read_whole(const std::string& path, std::string& out, std::string& why) {
  struct stat sb {};
  if (::stat(path.c_str(), &sb) != 0) {
    why = std::strerror(errno);
    return false;
  }
  if (!S_ISREG(sb.st_mode)) {
    why = "not a regular file";
    return false;
  }
  if (static_cast<std::size_t>(sb.st_size) > Inventory::kMaxFileBytes) {
    why = "larger than " + std::to_string(Inventory::kMaxFileBytes >> 20) + " MiB";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = std::strerror(errno);
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// "/home/alice/public_html" -> "alice": the account of a document root under /home.
std::string account_from_docroot(std::string_view root) {
  constexpr std::string_view kHome = "/home/";
  if (root.substr(0, kHome.size()) != kHome) return {};
  root.remove_prefix(kHome.size());
  auto slash = root.find('/');
  std::string_view user = root.substr(0, slash);
  if (user.empty() || user.size() > 32) return {};
  return std::string(user);
}

// Splits contacts written "a@x; b@y" or "a@x b@y" or "a@x, b@y".
std::vector<std::string> split_contacts(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ';' || c == ',' || c == ' ' || c == '\t') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

}  // namespace

std::string normalise_host(std::string_view host) {
  host = trim(host);
  if (!host.empty() && host.front() == '[') {  // [v6]:port
    auto close = host.find(']');
    return lower(host.substr(0, close == std::string_view::npos ? host.size() : close + 1));
  }
  if (auto colon = host.find(':'); colon != std::string_view::npos) host = host.substr(0, colon);
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return lower(host);
}

bool plausible_email(std::string_view s) {
  auto at_pos = s.find('@');
  if (at_pos == std::string_view::npos || at_pos == 0 || at_pos + 1 >= s.size()) return false;
  if (s.find('@', at_pos + 1) != std::string_view::npos) return false;
  for (char c : s) {
    if (c <= ' ' || c == '<' || c == '>' || c == '"' || c == ',' || c == ';' || c == 0x7f) {
      return false;
    }
  }
  std::string_view domain = s.substr(at_pos + 1);
  return domain.front() != '.' && domain.back() != '.';
}

// --- merging -------------------------------------------------------------------------------

void Inventory::add_site(Site site, bool from_file) {
  // A site whose names are already known is merged into the first one found: the inventory
  // file's values win over what the web configuration says.
  std::size_t target = sites_.size();
  for (const auto& n : site.names) {
    auto it = by_name_.find(n);
    if (it != by_name_.end()) {
      target = it->second;
      break;
    }
  }
  if (target == sites_.size()) {
    sites_.push_back(Site{});
    sites_.back().origin = site.origin;
  }
  Site& s = sites_[target];
  auto take = [from_file](std::string& into, std::string& from) {
    if (!from.empty() && (from_file || into.empty())) into = std::move(from);
  };
  take(s.account, site.account);
  take(s.docroot, site.docroot);
  take(s.language, site.language);
  if (!site.contacts.empty() && (from_file || s.contacts.empty())) {
    s.contacts = std::move(site.contacts);
  }
  for (auto& n : site.names) {
    if (std::find(s.names.begin(), s.names.end(), n) != s.names.end()) continue;
    if (n.size() > 2 && n[0] == '*' && n[1] == '.') {
      by_wildcard_.try_emplace(n.substr(2), target);
    } else {
      by_name_.try_emplace(n, target);
    }
    s.names.push_back(std::move(n));
  }
}

void Inventory::add_account(Account a) {
  auto [it, fresh] = accounts_.try_emplace(a.name, a);
  if (fresh) return;
  if (!a.contacts.empty()) it->second.contacts = std::move(a.contacts);
  if (!a.language.empty()) it->second.language = std::move(a.language);
}

const Site* Inventory::find(std::string_view vhost) const {
  std::string h = normalise_host(vhost);
  if (h.empty()) return nullptr;
  if (auto it = by_name_.find(h); it != by_name_.end()) return &sites_[it->second];
  // The longest wildcard first: a.b.example.jp tries b.example.jp, then example.jp, ...
  std::string_view rest = h;
  while (true) {
    auto dot = rest.find('.');
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
    if (auto it = by_wildcard_.find(rest); it != by_wildcard_.end()) return &sites_[it->second];
  }
  return nullptr;
}

const Account* Inventory::account(std::string_view name) const {
  auto it = accounts_.find(name);
  return it == accounts_.end() ? nullptr : &it->second;
}

Owner Inventory::owner(std::string_view vhost) const {
  Owner o;
  o.vhost = normalise_host(vhost);
  const Site* s = find(vhost);
  if (s == nullptr) return o;
  o.known = true;
  o.account = s->account;
  o.docroot = s->docroot;
  o.contacts = s->contacts;
  o.language = s->language;
  if (const Account* a = account(s->account); a != nullptr) {
    if (o.contacts.empty()) o.contacts = a->contacts;
    if (o.language.empty()) o.language = a->language;
  }
  return o;
}

// --- the inventory file --------------------------------------------------------------------

bool Inventory::add_file(const std::string& path, std::vector<std::string>& problems) {
  std::string text, why;
  if (!read_whole(path, text, why)) {
    problems.push_back(path + ": cannot read the inventory: " + why);
    return false;
  }
  ++files_read_;
  std::string_view ext;
  if (auto dot = path.rfind('.'); dot != std::string::npos)
    ext = std::string_view(path).substr(dot);
  bool csv = iequals(ext, ".csv");
  if (!csv && !iequals(ext, ".yaml") && !iequals(ext, ".yml")) {
    // By content: a CSV inventory starts with its header line naming the columns.
    std::string_view first = std::string_view(text).substr(0, text.find('\n'));
    csv = first.find(',') != std::string_view::npos && first.find(':') == std::string_view::npos;
  }
  std::size_t before = problems.size();
  if (csv) {
    add_csv_text(text, path, problems);
  } else {
    add_yaml_text(text, path, problems);
  }
  return problems.size() == before;
}

void Inventory::add_yaml_text(std::string_view text, const std::string& name,
                              std::vector<std::string>& problems) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    problems.push_back(name + ":" + std::to_string(e.mark.line + 1) + ":" +
                       std::to_string(e.mark.column + 1) + ": not YAML: " + e.msg);
    return;
  }
  auto where = [&](const YAML::Node& n) { return core::yaml_where(name, n); };
  auto scalar = [&](const YAML::Node& n, const char* what, std::string& out) {
    if (!n.IsDefined() || n.IsNull()) return;
    if (!n.IsScalar()) {
      problems.push_back(where(n) + ": " + what + " must be a text");
      return;
    }
    out = n.Scalar();
  };
  auto list = [&](const YAML::Node& n, const char* what, std::vector<std::string>& out) {
    if (!n.IsDefined() || n.IsNull()) return;
    if (n.IsScalar()) {
      out.push_back(n.Scalar());
      return;
    }
    if (!n.IsSequence()) {
      problems.push_back(where(n) + ": " + what + " must be a text or a list of texts");
      return;
    }
    for (const auto& item : n) {
      if (!item.IsScalar()) {
        problems.push_back(where(item) + ": " + what + " must be a list of texts");
        continue;
      }
      out.push_back(item.Scalar());
    }
  };
  auto check_contacts = [&](const YAML::Node& n, std::vector<std::string>& contacts) {
    std::vector<std::string> ok;
    for (auto& c : contacts) {
      if (plausible_email(c)) {
        ok.push_back(std::move(c));
      } else {
        problems.push_back(where(n) + ": not an e-mail address: \"" + c + "\"");
      }
    }
    contacts = std::move(ok);
  };
  auto check_language = [&](const YAML::Node& n, std::string& lang) {
    if (!lang.empty() && !valid_language(lang)) {
      problems.push_back(where(n) + ": language must be ja or en, not \"" + lang + "\"");
      lang.clear();
    }
  };
  try {
    if (root.IsNull()) return;  // an empty inventory
    if (!root.IsMap()) {
      problems.push_back(where(root) + ": the inventory must be a map with sites: and accounts:");
      return;
    }
    for (const auto& kv : root) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
      if (key != "sites" && key != "accounts") {
        problems.push_back(where(kv.first) + ": unknown key \"" + key +
                           "\" (expected sites, accounts)");
      }
    }
    const YAML::Node accounts = root["accounts"];
    if (accounts.IsDefined() && !accounts.IsNull()) {
      if (!accounts.IsMap()) {
        problems.push_back(where(accounts) +
                           ": accounts must map an account name to "
                           "{contacts, language}");
      } else {
        for (const auto& kv : accounts) {
          Account a;
          a.origin = where(kv.first);
          if (!kv.first.IsScalar() || kv.first.Scalar().empty()) {
            problems.push_back(where(kv.first) + ": an account needs a name");
            continue;
          }
          a.name = kv.first.Scalar();
          const YAML::Node& body = kv.second;
          if (!body.IsMap()) {
            problems.push_back(where(body) + ": account " + a.name +
                               ": expected {contacts: [...], language: ja|en}");
            continue;
          }
          for (const auto& f : body) {
            std::string k = f.first.IsScalar() ? f.first.Scalar() : "?";
            if (k != "contacts" && k != "language") {
              problems.push_back(where(f.first) + ": account " + a.name + ": unknown key \"" + k +
                                 "\" (expected contacts, language)");
            }
          }
          list(body["contacts"], "contacts", a.contacts);
          check_contacts(body["contacts"], a.contacts);
          scalar(body["language"], "language", a.language);
          check_language(body["language"], a.language);
          add_account(std::move(a));
        }
      }
    }
    const YAML::Node sites = root["sites"];
    if (sites.IsDefined() && !sites.IsNull()) {
      if (!sites.IsSequence()) {
        problems.push_back(where(sites) + ": sites must be a list");
        return;
      }
      for (const auto& s : sites) {
        if (!s.IsMap()) {
          problems.push_back(where(s) +
                             ": a site must be a map (names, account, docroot, "
                             "contacts, language)");
          continue;
        }
        Site site;
        site.origin = where(s);
        for (const auto& f : s) {
          std::string k = f.first.IsScalar() ? f.first.Scalar() : "?";
          if (k != "name" && k != "names" && k != "account" && k != "docroot" && k != "contacts" &&
              k != "language") {
            problems.push_back(where(f.first) + ": unknown key \"" + k +
                               "\" (expected names, account, docroot, contacts, language)");
          }
        }
        std::vector<std::string> names;
        list(s["name"], "name", names);
        list(s["names"], "names", names);
        for (auto& n : names) {
          std::string h = normalise_host(n);
          if (!plausible_name(h)) {
            problems.push_back(where(s["names"].IsDefined() ? s["names"] : s["name"]) +
                               ": not a host name: \"" + n + "\"");
            continue;
          }
          site.names.push_back(std::move(h));
        }
        if (site.names.empty()) {
          // Names that were all bad are reported above already.
          if (names.empty()) {
            problems.push_back(where(s) + ": a site needs at least one name (names: [...])");
          }
          continue;
        }
        scalar(s["account"], "account", site.account);
        scalar(s["docroot"], "docroot", site.docroot);
        list(s["contacts"], "contacts", site.contacts);
        check_contacts(s["contacts"], site.contacts);
        scalar(s["language"], "language", site.language);
        check_language(s["language"], site.language);
        add_site(std::move(site), true);
      }
    }
  } catch (const YAML::Exception& e) {
    problems.push_back(name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

void Inventory::add_csv_text(std::string_view text, const std::string& name,
                             std::vector<std::string>& problems) {
  enum Col { Names, AccountCol, Docroot, Contacts, Language, Ignored };
  std::vector<Col> cols;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty() || trim(line).front() == '#') continue;
    // Fields: comma-separated, "quoted" with "" for a quote.
    std::vector<std::string> fields(1);
    bool quoted = false, bad = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (quoted) {
        if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
          fields.back().push_back('"');
          ++i;
        } else if (c == '"') {
          quoted = false;
        } else {
          fields.back().push_back(c);
        }
      } else if (c == '"' && trim(fields.back()).empty()) {
        fields.back().clear();
        quoted = true;
      } else if (c == ',') {
        fields.emplace_back();
      } else {
        fields.back().push_back(c);
      }
    }
    if (quoted) bad = true;
    if (bad) {
      problems.push_back(at(name, line_no) + ": unterminated quote");
      continue;
    }
    for (auto& f : fields) f = std::string(trim(f));
    if (cols.empty()) {  // the header
      bool any_name = false;
      for (const auto& f : fields) {
        std::string h = lower(f);
        if (h == "vhost" || h == "name" || h == "names" || h == "site") {
          cols.push_back(Names);
          any_name = true;
        } else if (h == "account") {
          cols.push_back(AccountCol);
        } else if (h == "docroot" || h == "document_root") {
          cols.push_back(Docroot);
        } else if (h == "contacts" || h == "contact" || h == "email") {
          cols.push_back(Contacts);
        } else if (h == "language" || h == "lang") {
          cols.push_back(Language);
        } else {
          problems.push_back(at(name, line_no) + ": unknown column \"" + f +
                             "\" (expected vhost, account, docroot, contacts, language)");
          cols.push_back(Ignored);
        }
      }
      if (!any_name && std::find(cols.begin(), cols.end(), AccountCol) == cols.end()) {
        problems.push_back(at(name, line_no) +
                           ": the header must name a vhost or an account column");
        return;
      }
      continue;
    }
    if (fields.size() != cols.size()) {
      problems.push_back(at(name, line_no) + ": " + std::to_string(fields.size()) +
                         " fields, the header has " + std::to_string(cols.size()));
      continue;
    }
    Site site;
    site.origin = at(name, line_no);
    bool line_ok = true;
    for (std::size_t i = 0; i < cols.size(); ++i) {
      const std::string& f = fields[i];
      switch (cols[i]) {
        case Names:
          for (auto& n : split_contacts(f)) {
            std::string h = normalise_host(n);
            if (!plausible_name(h)) {
              problems.push_back(at(name, line_no) + ": not a host name: \"" + n + "\"");
              line_ok = false;
            } else {
              site.names.push_back(std::move(h));
            }
          }
          break;
        case AccountCol:
          site.account = f;
          break;
        case Docroot:
          site.docroot = f;
          break;
        case Contacts:
          for (auto& c : split_contacts(f)) {
            if (plausible_email(c)) {
              site.contacts.push_back(std::move(c));
            } else {
              problems.push_back(at(name, line_no) + ": not an e-mail address: \"" + c + "\"");
            }
          }
          break;
        case Language:
          if (!f.empty() && !valid_language(f)) {
            problems.push_back(at(name, line_no) + ": language must be ja or en, not \"" + f +
                               "\"");
          } else {
            site.language = f;
          }
          break;
        case Ignored:
          break;
      }
    }
    if (!line_ok) continue;
    if (site.names.empty()) {
      if (site.account.empty()) {
        problems.push_back(at(name, line_no) + ": neither a vhost nor an account");
        continue;
      }
      // A row for an account: its contacts and language.
      add_account(Account{site.account, std::move(site.contacts), site.language, site.origin});
      continue;
    }
    add_site(std::move(site), true);
  }
}

// --- web server configurations -----------------------------------------------------------

struct Inventory::WebWalk {
  enum class Kind { Unknown, Apache, Nginx } kind = Kind::Unknown;
  std::string root;            ///< relative includes start here
  bool root_fixed = false;     ///< given by the caller: ServerRoot does not change it
  std::set<std::string> seen;  ///< files read (a cycle of includes is read once)
  std::vector<std::string>* problems = nullptr;
};

namespace {

// Apache arguments: blanks separate, "quotes" group.
std::vector<std::string> apache_args(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (i >= s.size()) break;
    std::string cur;
    if (s[i] == '"' || s[i] == '\'') {
      char q = s[i++];
      while (i < s.size() && s[i] != q) cur.push_back(s[i++]);
      ++i;
    } else {
      while (i < s.size() && s[i] != ' ' && s[i] != '\t') cur.push_back(s[i++]);
    }
    out.push_back(std::move(cur));
  }
  return out;
}

// "https://www.example.jp:443" -> "www.example.jp"
std::string apache_name(std::string_view n) {
  if (auto scheme = n.find("://"); scheme != std::string_view::npos) n.remove_prefix(scheme + 3);
  return normalise_host(n);
}

bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (iequals(hay.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

bool has_glob(std::string_view p) {
  return p.find_first_of("*?[") != std::string_view::npos;
}

}  // namespace

void Inventory::add_web_config(const std::string& path_or_glob, std::vector<std::string>& problems,
                               const std::string& server_root) {
  WebWalk walk;
  walk.problems = &problems;
  walk.root = server_root;
  glob_t g{};
  int rc = ::glob(path_or_glob.c_str(), GLOB_ERR, nullptr, &g);
  if (rc == GLOB_NOMATCH) {
    if (!has_glob(path_or_glob)) {
      problems.push_back(path_or_glob +
                         ": cannot read the web server configuration: " + std::strerror(ENOENT));
    }
    globfree(&g);
    return;
  }
  if (rc != 0) {
    problems.push_back(path_or_glob + ": cannot list: " + std::strerror(errno));
    globfree(&g);
    return;
  }
  std::vector<std::string> files(g.gl_pathv, g.gl_pathv + g.gl_pathc);
  globfree(&g);
  for (const auto& f : files) {
    WebWalk one;
    one.problems = &problems;
    one.root = server_root.empty() ? dir_of(f) : server_root;
    one.root_fixed = !server_root.empty();
    one.seen = walk.seen;
    read_web_file(f, one, 0);
    walk.seen = std::move(one.seen);
  }
}

void Inventory::read_web_file(const std::string& path, WebWalk& walk, int depth) {
  std::vector<std::string>& problems = *walk.problems;
  if (!walk.seen.insert(path).second) return;  // an include cycle, or a file named twice
  if (walk.seen.size() > kMaxFiles) {
    problems.push_back(path + ": more than " + std::to_string(kMaxFiles) +
                       " configuration files; the rest are not read");
    return;
  }
  std::string text, why;
  if (!read_whole(path, text, why)) {
    problems.push_back(path + ": cannot read the web server configuration: " + why);
    return;
  }
  ++files_read_;
  if (walk.kind == WebWalk::Kind::Unknown) {
    if (icontains(text, "<VirtualHost") || icontains(text, "ServerRoot") ||
        icontains(text, "IncludeOptional") || icontains(text, "DocumentRoot")) {
      walk.kind = WebWalk::Kind::Apache;
    } else if (text.find("server_name") != std::string::npos ||
               text.find("http {") != std::string::npos ||
               text.find("server {") != std::string::npos ||
               text.find("include ") != std::string::npos) {
      walk.kind = WebWalk::Kind::Nginx;
    } else {
      problems.push_back(path +
                         ": neither an Apache nor an nginx configuration (no "
                         "<VirtualHost>, server_name or include)");
      return;
    }
  }
  if (walk.kind == WebWalk::Kind::Apache) {
    parse_apache(text, path, &walk, depth, problems);
  } else {
    parse_nginx(text, path, &walk, depth, problems);
  }
}

void Inventory::include(const std::string& pattern, const std::string& from, std::size_t line,
                        WebWalk* walk, int depth, std::vector<std::string>& problems) {
  if (walk == nullptr) return;  // text only: includes are not followed
  if (depth + 1 > kMaxIncludeDepth) {
    problems.push_back(at(from, line) + ": includes nested deeper than " +
                       std::to_string(kMaxIncludeDepth) + "; not followed: " + pattern);
    return;
  }
  std::string full = pattern;
  if (full.empty()) return;
  if (full.front() != '/') full = walk->root + "/" + full;
  glob_t g{};
  int rc = ::glob(full.c_str(), 0, nullptr, &g);
  if (rc == GLOB_NOMATCH) {
    if (!has_glob(full)) {
      problems.push_back(at(from, line) + ": included file not found: " + full);
    }
    globfree(&g);
    return;
  }
  if (rc != 0) {
    problems.push_back(at(from, line) + ": cannot list " + full);
    globfree(&g);
    return;
  }
  std::vector<std::string> files(g.gl_pathv, g.gl_pathv + g.gl_pathc);
  globfree(&g);
  for (const auto& f : files) {
    struct stat sb {};
    if (::stat(f.c_str(), &sb) == 0 && S_ISDIR(sb.st_mode)) {
      // Apache includes every file of a directory.
      include(f + "/*", from, line, walk, depth, problems);
      continue;
    }
    read_web_file(f, *walk, depth + 1);
  }
}

void Inventory::add_web_config_text(std::string_view text, const std::string& name,
                                    std::vector<std::string>& problems) {
  if (icontains(text, "<VirtualHost") || icontains(text, "DocumentRoot")) {
    parse_apache(text, name, nullptr, 0, problems);
  } else {
    parse_nginx(text, name, nullptr, 0, problems);
  }
}

void Inventory::parse_apache(std::string_view text, const std::string& name, WebWalk* walk,
                             int depth, std::vector<std::string>& problems) {
  std::optional<Site> vhost;
  std::size_t vhost_line = 0;
  std::size_t line_no = 0, pos = 0;
  std::string logical;  // a line with its continuations (trailing backslash)
  std::size_t logical_start = 0;
  auto finish = [&](std::size_t closing_line) {
    if (!vhost) return;
    if (vhost->names.empty()) {
      problems.push_back(at(name, vhost_line) +
                         ": <VirtualHost> without ServerName (it is not in the inventory)");
    } else {
      if (vhost->account.empty()) vhost->account = account_from_docroot(vhost->docroot);
      add_site(std::move(*vhost), false);
    }
    vhost.reset();
    (void)closing_line;
  };
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    if (logical.empty()) logical_start = line_no;
    if (!raw.empty() && raw.back() == '\\') {
      raw.remove_suffix(1);
      logical.append(raw);
      logical.push_back(' ');
      if (pos > text.size()) break;
      continue;
    }
    logical.append(raw);
    std::string_view line = trim(logical);
    const std::size_t ln = logical_start;
    if (line.empty() || line.front() == '#') {
      logical.clear();
      if (pos > text.size()) break;
      continue;
    }
    std::string directive;
    std::string_view rest;
    {
      auto sp = line.find_first_of(" \t");
      directive = lower(line.substr(0, sp));
      rest = sp == std::string_view::npos ? std::string_view{} : trim(line.substr(sp));
    }
    auto args = apache_args(rest);
    if (directive == "<virtualhost") {
      if (vhost) {
        problems.push_back(at(name, ln) + ": <VirtualHost> inside <VirtualHost> (line " +
                           std::to_string(vhost_line) + " is not closed)");
        finish(ln);
      }
      vhost.emplace();
      vhost->origin = at(name, ln);
      vhost_line = ln;
    } else if (directive == "</virtualhost>") {
      if (!vhost) {
        problems.push_back(at(name, ln) + ": </VirtualHost> without <VirtualHost>");
      }
      finish(ln);
    } else if (directive == "serverroot" && !args.empty() && walk != nullptr && !walk->root_fixed) {
      walk->root = args[0];
    } else if (directive == "include" || directive == "includeoptional") {
      if (args.empty()) {
        problems.push_back(at(name, ln) + ": " + std::string(line.substr(0, line.find(' '))) +
                           " without a path");
      } else {
        include(args[0], name, ln, walk, depth, problems);
      }
    } else if (vhost) {
      if (directive == "servername") {
        if (args.empty()) {
          problems.push_back(at(name, ln) + ": ServerName without a name");
        } else {
          std::string h = apache_name(args[0]);
          if (plausible_name(h)) {
            vhost->names.insert(vhost->names.begin(), h);
          } else {
            problems.push_back(at(name, ln) + ": not a host name: \"" + args[0] + "\"");
          }
        }
      } else if (directive == "serveralias") {
        for (const auto& a : args) {
          std::string h = apache_name(a);
          if (plausible_name(h)) {
            vhost->names.push_back(h);
          } else {
            problems.push_back(at(name, ln) + ": not a host name: \"" + a + "\"");
          }
        }
      } else if (directive == "documentroot") {
        if (args.empty()) {
          problems.push_back(at(name, ln) + ": DocumentRoot without a path");
        } else {
          vhost->docroot = args[0];
        }
      } else if (directive == "suexecusergroup" || directive == "assignuserid") {
        if (args.size() < 2) {
          problems.push_back(at(name, ln) + ": " + directive + " needs a user and a group");
        } else {
          vhost->account = args[0];
        }
      }
    }
    logical.clear();
    if (pos > text.size()) break;
  }
  if (vhost) {
    problems.push_back(at(name, vhost_line) + ": <VirtualHost> not closed at the end of the file");
    finish(line_no);
  }
}

void Inventory::parse_nginx(std::string_view text, const std::string& name, WebWalk* walk,
                            int depth, std::vector<std::string>& problems) {
  // Tokens: words, 'quoted' or "quoted" strings, { } ; and # comments to the end of a line.
  struct Token {
    std::string text;
    char punct = 0;  // '{', '}', ';' or 0 for a word
    std::size_t line = 0;
  };
  std::vector<Token> tokens;
  std::size_t line = 1;
  for (std::size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '{' || c == '}' || c == ';') {
      tokens.push_back(Token{{}, c, line});
      ++i;
    } else if (c == '"' || c == '\'') {
      Token t{{}, 0, line};
      ++i;
      while (i < text.size() && text[i] != c) {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        if (text[i] == '\n') ++line;
        t.text.push_back(text[i++]);
      }
      if (i >= text.size()) {
        problems.push_back(at(name, t.line) + ": unterminated quote");
        return;
      }
      ++i;
      tokens.push_back(std::move(t));
    } else {
      Token t{{}, 0, line};
      while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\n' &&
             text[i] != '\r' && text[i] != ';' && text[i] != '{' && text[i] != '}' &&
             text[i] != '"' && text[i] != '\'') {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        t.text.push_back(text[i++]);
      }
      tokens.push_back(std::move(t));
    }
  }
  // Directives: words up to ';' or '{'. Blocks nest; a server block directly holds its
  // server_name and root (a root inside a location is that location's, not the site's).
  std::vector<std::string> stack;  // block names
  std::optional<Site> server;
  std::size_t server_depth = 0, server_line = 0;
  std::vector<Token> words;
  for (auto& t : tokens) {
    if (t.punct == 0) {
      words.push_back(std::move(t));
      continue;
    }
    if (t.punct == '{') {
      std::string block = words.empty() ? std::string("?") : words[0].text;
      if (block == "server" && !server && (stack.empty() || stack.back() == "http")) {
        server.emplace();
        server->origin = at(name, words.empty() ? t.line : words[0].line);
        server_line = words.empty() ? t.line : words[0].line;
        server_depth = stack.size() + 1;
      }
      stack.push_back(block);
      words.clear();
      continue;
    }
    if (t.punct == '}') {
      if (!words.empty()) {
        problems.push_back(at(name, words[0].line) + ": \"" + words[0].text +
                           "\" not ended by ';'");
        words.clear();
      }
      if (stack.empty()) {
        problems.push_back(at(name, t.line) + ": '}' without a block to close");
        continue;
      }
      if (server && stack.size() == server_depth) {
        if (server->names.empty()) {
          // A default server (server_name "" or _) has no name to find it by.
        } else {
          if (server->account.empty()) server->account = account_from_docroot(server->docroot);
          add_site(std::move(*server), false);
        }
        server.reset();
      }
      stack.pop_back();
      continue;
    }
    // ';' ends a directive.
    if (words.empty()) continue;
    const std::string& d = words[0].text;
    const std::size_t ln = words[0].line;
    if (d == "include") {
      if (words.size() != 2) {
        problems.push_back(at(name, ln) + ": include needs one path");
      } else {
        include(words[1].text, name, ln, walk, depth, problems);
      }
    } else if (server && stack.size() == server_depth) {
      if (d == "server_name") {
        for (std::size_t i = 1; i < words.size(); ++i) {
          const std::string& n = words[i].text;
          if (n.empty() || n == "_" || n.front() == '~' || n.back() == '*') continue;
          std::string h = normalise_host(n);
          if (!h.empty() && h.front() == '.') {  // .example.jp: the name and its subdomains
            h.erase(0, 1);
            if (plausible_name(h)) {
              server->names.push_back(h);
              server->names.push_back("*." + h);
            }
            continue;
          }
          if (plausible_name(h)) {
            server->names.push_back(h);
          } else {
            problems.push_back(at(name, ln) + ": not a host name: \"" + n + "\"");
          }
        }
      } else if (d == "root") {
        if (words.size() != 2) {
          problems.push_back(at(name, ln) + ": root needs one path");
        } else {
          server->docroot = words[1].text;
        }
      }
    }
    words.clear();
  }
  if (!words.empty()) {
    problems.push_back(at(name, words[0].line) + ": \"" + words[0].text + "\" not ended by ';'");
  }
  if (!stack.empty()) {
    problems.push_back(name + ": " + std::to_string(stack.size()) +
                       " block(s) not closed at the end of the file" +
                       (server ? " (the server block of line " + std::to_string(server_line) + ")"
                               : std::string()));
  }
}

}  // namespace bannin::enrich
