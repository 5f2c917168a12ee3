#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <set>

#include <re2/re2.h>

#include <bannin/ruleset/fail2ban_import.h>

namespace bannin::ruleset::fail2ban {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> split_lines(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t nl = s.find('\n', start);
    if (nl == std::string_view::npos) nl = s.size();
    out.emplace_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// Whitespace- or newline-separated words (ignoreip, logpath, include lists).
std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::string dirname_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (!name.empty() && name.front() == '/') return name;
  return dir.empty() ? name : dir + "/" + name;
}

}  // namespace

// ---- INI ----------------------------------------------------------------------------------

IniDocument parse_ini(std::string_view text, const std::string& file) {
  IniDocument doc;
  IniSection* section = nullptr;
  IniValue* value = nullptr;  // the value continuation lines extend
  std::size_t key_indent = 0;
  std::vector<std::string> lines = split_lines(text);
  for (std::size_t n = 0; n < lines.size(); ++n) {
    std::string_view raw = lines[n];
    auto line_no = static_cast<std::uint32_t>(n + 1);
    std::size_t indent = raw.find_first_not_of(" \t");
    std::string_view body = trim(raw);
    if (body.empty()) {
      // ConfigParser keeps empty lines inside a value (empty_lines_in_values); they are
      // dropped again when the regex list is split, so an empty line never ends a value.
      if (value != nullptr) value->value += '\n';
      continue;
    }
    if (body.front() == '#' || body.front() == ';') continue;  // full-line comment
    if (value != nullptr && indent != std::string_view::npos && indent > key_indent) {
      // Continuation line; `;` after whitespace starts an inline comment (fail2ban sets
      // inline_comment_prefixes = ";").
      std::string_view v = body;
      for (std::size_t i = 1; i < v.size(); ++i) {
        if (v[i] == ';' && (v[i - 1] == ' ' || v[i - 1] == '\t')) {
          v = trim(v.substr(0, i));
          break;
        }
      }
      value->value += '\n';
      value->value += v;
      continue;
    }
    value = nullptr;
    if (body.front() == '[') {
      auto close = body.find(']');
      if (close == std::string_view::npos) {
        doc.issues.push_back(
            {"ini_syntax", "section header without ']': " + std::string(body), file, line_no});
        section = nullptr;
        continue;
      }
      doc.sections.push_back({std::string(body.substr(1, close - 1)), {}});
      section = &doc.sections.back();
      continue;
    }
    std::size_t eq = body.find_first_of("=:");
    if (eq == std::string_view::npos || eq == 0) {
      doc.issues.push_back(
          {"ini_syntax", "not a 'key = value' line: " + std::string(body), file, line_no});
      continue;
    }
    if (section == nullptr) {
      doc.issues.push_back({"ini_syntax", "value before any [section]", file, line_no});
      continue;
    }
    std::string key = lower(trim(body.substr(0, eq)));
    std::string_view v = trim(body.substr(eq + 1));
    for (std::size_t i = 1; i < v.size(); ++i) {
      if (v[i] == ';' && (v[i - 1] == ' ' || v[i - 1] == '\t')) {
        v = trim(v.substr(0, i));
        break;
      }
    }
    if (!v.empty() && v.front() == ';') v = {};
    auto it = std::find_if(section->entries.begin(), section->entries.end(),
                           [&](const auto& e) { return e.first == key; });
    if (it == section->entries.end()) {
      section->entries.push_back({key, IniValue{std::string(v), file, line_no}});
      value = &section->entries.back().second;
    } else {
      it->second = IniValue{std::string(v), file, line_no};  // later key wins
      value = &it->second;
    }
    key_indent = indent;
  }
  // Trailing empty lines of values are not part of them.
  for (auto& s : doc.sections) {
    for (auto& [k, v] : s.entries) {
      while (!v.value.empty() && v.value.back() == '\n') v.value.pop_back();
    }
  }
  return doc;
}

void Config::merge(const IniDocument& doc) {
  for (const auto& s : doc.sections) {
    std::string name = lower(s.name) == "default" ? "DEFAULT" : s.name;
    if (!sections_.contains(name)) section_order_.push_back(name);
    Section& dst = sections_[name];
    Section& known = sections_["KNOWN/" + name];
    for (const auto& [k, v] : s.entries) {
      auto it = dst.values.find(k);
      if (it == dst.values.end()) {
        dst.order.push_back(k);
        dst.values.emplace(k, v);
      } else {
        if (!known.values.contains(k)) known.order.push_back(k);
        known.values[k] = it->second;
        it->second = v;
      }
    }
  }
}

bool Config::has_section(std::string_view section) const {
  return sections_.contains(section);
}

std::vector<std::string> Config::sections() const {
  std::vector<std::string> out;
  for (const auto& s : section_order_) {
    if (s.rfind("KNOWN/", 0) != 0) out.push_back(s);
  }
  return out;
}

const IniValue* Config::raw(std::string_view section, std::string_view key, bool fallback) const {
  if (auto s = sections_.find(section); s != sections_.end()) {
    if (auto v = s->second.values.find(key); v != s->second.values.end()) return &v->second;
  }
  if (!fallback) return nullptr;
  if (auto s = sections_.find(std::string_view("DEFAULT")); s != sections_.end()) {
    if (auto v = s->second.values.find(key); v != s->second.values.end()) return &v->second;
  }
  return nullptr;
}

std::vector<std::string> Config::keys(std::string_view section) const {
  auto s = sections_.find(section);
  return s == sections_.end() ? std::vector<std::string>{} : s->second.order;
}

std::string Config::interpolate(std::string_view section, std::string_view text,
                                const std::map<std::string, std::string>& extra,
                                std::vector<Issue>& issues, const IniValue* where) const {
  // Python's BasicInterpolation allows 10 levels; fail2ban adds `section/name` and `known/`.
  struct Walker {
    const Config& cfg;
    const std::map<std::string, std::string>& extra;
    std::vector<Issue>& issues;
    const IniValue* where;
    void report(const std::string& code, const std::string& msg) const {
      issues.push_back({code, msg, where ? where->file : "", where ? where->line : 0});
    }
    std::string run(std::string_view sec, std::string_view t, int depth) const {
      std::string out;
      for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i] != '%' || i + 1 >= t.size()) {
          out += t[i];
          continue;
        }
        if (t[i + 1] == '%') {
          out += '%';
          ++i;
          continue;
        }
        if (t[i + 1] != '(') {
          out += t[i];
          continue;
        }
        auto close = t.find(")s", i + 2);
        if (close == std::string_view::npos) {
          out += t[i];
          continue;
        }
        std::string name = lower(t.substr(i + 2, close - (i + 2)));
        std::string ref(t.substr(i, close + 2 - i));
        i = close + 1;
        if (depth >= 10) {
          report("interpolation_depth", "interpolation deeper than 10 levels at " + ref);
          out += ref;
          continue;
        }
        if (auto e = extra.find(name); e != extra.end()) {
          out += e->second;
          continue;
        }
        std::string look_sec(sec), look_key = name;
        if (auto slash = name.find('/'); slash != std::string::npos) {
          look_sec = std::string(name.substr(0, slash));
          look_key = name.substr(slash + 1);
          if (look_sec == "known") {
            look_sec = "KNOWN/" + std::string(sec);
          } else if (look_sec == "default") {
            look_sec = "DEFAULT";
          } else {
            // Section names keep their case; the reference was lowercased with the key.
            bool found = cfg.sections_.contains(look_sec);
            if (!found) {
              for (const auto& [sname, s] : cfg.sections_) {
                if (lower(sname) == look_sec) {
                  look_sec = sname;
                  break;
                }
              }
            }
          }
        }
        const IniValue* v = cfg.raw(look_sec, look_key);
        if (v == nullptr && look_sec.rfind("KNOWN/", 0) == 0) {
          v = cfg.raw("DEFAULT", look_key);  // fail2ban: a missing known/x falls back
        }
        if (v == nullptr) {
          report("unknown_reference", "no option '" + name + "' for " + ref);
          out += ref;
          continue;
        }
        std::string_view next_sec = look_sec.rfind("KNOWN/", 0) == 0 ? sec : look_sec;
        out += run(next_sec, v->value, depth + 1);
      }
      return out;
    }
  };
  return Walker{*this, extra, issues, where}.run(section, text, 0);
}

std::optional<std::string> Config::get(std::string_view section, std::string_view key,
                                       std::vector<Issue>& issues,
                                       const std::map<std::string, std::string>& extra) const {
  const IniValue* v = raw(section, key);
  if (v == nullptr) return std::nullopt;
  return interpolate(section, v->value, extra, issues, v);
}

namespace {

void load_one(const std::string& dir, const std::string& path, const FileReader& read,
              std::vector<Issue>& issues, Config& cfg, std::set<std::string>& seen, int depth,
              bool required) {
  if (depth > 10 || seen.contains(path)) {
    if (depth > 10) issues.push_back({"include_depth", "includes nested too deep", path, 0});
    return;
  }
  auto text = read(path);
  if (!text) {
    if (required) issues.push_back({"missing_file", "cannot read " + path, path, 0});
    return;
  }
  seen.insert(path);
  IniDocument doc = parse_ini(*text, path);
  issues.insert(issues.end(), doc.issues.begin(), doc.issues.end());
  std::vector<std::string> before, after;
  for (const auto& s : doc.sections) {
    if (lower(s.name) != "includes") continue;
    for (const auto& [k, v] : s.entries) {
      if (k == "before") before = words(v.value);
      if (k == "after") after = words(v.value);
    }
  }
  std::string here = dirname_of(path);
  for (const auto& b : before) {
    load_one(dir, join_path(here, b), read, issues, cfg, seen, depth + 1, false);
  }
  cfg.merge(doc);
  for (const auto& a : after) {
    load_one(dir, join_path(here, a), read, issues, cfg, seen, depth + 1, false);
  }
}

}  // namespace

Config load_config(const std::string& dir, const std::string& base, const FileReader& read,
                   std::vector<Issue>& issues) {
  Config cfg;
  std::set<std::string> seen;
  load_one(dir, join_path(dir, base + ".conf"), read, issues, cfg, seen, 0, true);
  load_one(dir, join_path(dir, base + ".local"), read, issues, cfg, seen, 0, false);
  return cfg;
}

// ---- regular expressions ----------------------------------------------------------------

bool RegexTranslation::ok() const {
  return !re2.empty() &&
         std::none_of(issues.begin(), issues.end(), [](const Issue& i) { return i.error; });
}

namespace {

// fail2ban's address expressions (fail2ban/server/failregex.py R_HOST), in RE2. IPv6 there
// ends in `(?<=:):`; every repetition before it ends in ':', so the look-behind always holds
// and is dropped without changing what matches.
constexpr std::string_view kIp4 = R"((?:\d{1,3}\.){3}\d{1,3})";
constexpr std::string_view kIp6 = R"((?:[0-9a-fA-F]{1,4}::?|::){1,7}(?:[0-9a-fA-F]{1,4}|:))";

std::string host_expr(std::string_view tag, bool use_dns) {
  std::string ip4 = "(?:::f{4,6}:)?(?P<ip4>" + std::string(kIp4) + ")";
  std::string ip6 = "(?P<ip6>" + std::string(kIp6) + ")";
  std::string dns = R"((?P<dns>[\w\-.^_]*\w))";
  std::string addr = R"(\[?(?:)" + ip4 + "|" + ip6 + R"()\]?)";
  if (tag == "IP4" || tag == "F-IP4/") return ip4;
  if (tag == "IP6" || tag == "F-IP6/") return ip6;
  if (tag == "DNS" || tag == "F-DNS/") return dns;
  if (tag == "ADDR" || tag == "F-ADDR/") return addr;
  if (tag == "CIDR" || tag == "F-CIDR/") return R"((?P<cidr>\d+))";
  if (tag == "SUBNET" || tag == "F-SUBNET/") {
    return R"(\[?(?:)" + ip4 + "|" + ip6 + R"()(?:/(?P<cidr>\d+))?\]?)";
  }
  if (tag == "HOST") return use_dns ? "(?:" + addr + "|" + dns + ")" : addr;
  if (tag == "F-ID/") return R"((?P<fid>\S+))";
  if (tag == "F-PORT/") return R"((?P<fport>\w+))";
  return {};
}

bool is_word(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// fail2ban's tag substitution (failregex.py Regex._resolveHostTag): <HOST> and friends, and
// <F-NAME>…</F-NAME> as the group (?P<name>…); unknown tags stay as written.
std::string expand_tags(std::string_view rx, bool use_dns, std::vector<Issue>& issues) {
  std::string out;
  std::set<std::string> open, seen;
  for (std::size_t i = 0; i < rx.size(); ++i) {
    if (rx[i] == '\\' && i + 1 < rx.size()) {
      out += rx[i];
      out += rx[++i];
      continue;
    }
    if (rx[i] != '<') {
      out += rx[i];
      continue;
    }
    std::size_t j = i + 1;
    while (j < rx.size() && (is_word(rx[j]) || rx[j] == '-' || rx[j] == '/')) ++j;
    if (j >= rx.size() || rx[j] != '>' || j == i + 1) {
      out += rx[i];
      continue;
    }
    std::string tag(rx.substr(i + 1, j - i - 1));
    if (std::string h = host_expr(tag, use_dns); !h.empty()) {
      out += h;
      i = j;
      continue;
    }
    if (tag == "SKIPLINES") {
      issues.push_back(
          {"skiplines", "<SKIPLINES> spans several lines (multi-line buffering)", "", 0});
      out += "(?:)";
      i = j;
      continue;
    }
    bool closing = tag.front() == '/';
    std::string_view name = closing ? std::string_view(tag).substr(1) : std::string_view(tag);
    if (name.size() > 2 && name.substr(0, 2) == "F-" && name.back() != '/') {
      std::string g = lower(name.substr(2));
      if (g == "id") g = "fid";
      if (g == "port") g = "fport";
      for (char& c : g) {
        if (c == '-') c = '_';
      }
      if (closing) {
        if (open.erase(g) != 0) {
          out += ')';
        } else {
          out.append(rx.substr(i, j - i + 1));
        }
      } else {
        if (!seen.insert(g).second) {
          // Python refuses a group name used twice, so fail2ban cannot load it either.
          issues.push_back({"duplicate_group",
                            "group <F-" + std::string(name.substr(2)) + "> used twice", "", 0});
        }
        open.insert(g);
        out += "(?P<" + g + ">";
      }
      i = j;
      continue;
    }
    out.append(rx.substr(i, j - i + 1));
    i = j;
  }
  return out;
}

// Capturing groups of a Python regex in order: name ("" when unnamed) and content span.
struct GroupSpan {
  std::string name;
  std::size_t begin = 0, end = 0;  // content, without the parentheses
};

std::vector<GroupSpan> capturing_groups(std::string_view rx) {
  std::vector<GroupSpan> out;
  std::vector<std::pair<std::size_t, std::size_t>> open;  // (index into out or npos, start)
  for (std::size_t i = 0; i < rx.size(); ++i) {
    if (rx[i] == '\\') {
      ++i;
      continue;
    }
    if (rx[i] == '[') {
      std::size_t j = i + 1;
      if (j < rx.size() && rx[j] == '^') ++j;
      if (j < rx.size() && rx[j] == ']') ++j;
      while (j < rx.size() && rx[j] != ']') j += rx[j] == '\\' ? 2 : 1;
      i = j;
      continue;
    }
    if (rx[i] == '<' && rx.substr(i, 3) == "<F-") {
      // <F-NAME>…</F-NAME> becomes the group (?P<name>…): a back-reference may name it.
      auto close = rx.find('>', i);
      if (close == std::string_view::npos || rx[close - 1] == '/') continue;
      std::string tag(rx.substr(i + 3, close - i - 3));
      auto end = rx.find("</F-" + tag + ">", close);
      if (end == std::string_view::npos) continue;
      out.push_back({lower(tag), close + 1, end});
      continue;
    }
    if (rx[i] == '(') {
      if (rx.substr(i, 4) == "(?P<") {
        auto close = rx.find('>', i + 4);
        if (close == std::string_view::npos) break;
        out.push_back({std::string(rx.substr(i + 4, close - i - 4)), close + 1, 0});
        open.emplace_back(out.size() - 1, close + 1);
        i = close;
      } else if (i + 1 < rx.size() && rx[i + 1] == '?') {
        open.emplace_back(std::string::npos, i + 1);
      } else {
        out.push_back({"", i + 1, 0});
        open.emplace_back(out.size() - 1, i + 1);
      }
      continue;
    }
    if (rx[i] == ')' && !open.empty()) {
      if (open.back().first != std::string::npos) out[open.back().first].end = i;
      open.pop_back();
    }
  }
  return out;
}

// RE2 has no back-references. A back-reference whose group holds a plain pattern is matched
// as a copy of that pattern (any text the group could match, not the same text: may match
// more lines, reported as a note); one whose group holds fail2ban tags is left out.
std::string inline_backrefs(std::string_view rx, std::vector<Issue>& issues) {
  std::vector<GroupSpan> groups = capturing_groups(rx);
  std::string out;
  for (std::size_t i = 0; i < rx.size(); ++i) {
    const GroupSpan* g = nullptr;
    std::size_t len = 0;
    std::string ref;
    if (rx[i] == '\\' && i + 1 < rx.size()) {
      char d = rx[i + 1];
      if (d >= '1' && d <= '9') {
        std::size_t n = static_cast<std::size_t>(d - '0');
        if (n <= groups.size()) g = &groups[n - 1];
        len = 2;
        ref = std::string("\\") + d;
      } else {
        out += rx[i];
        out += d;
        ++i;
        continue;
      }
    } else if (rx.substr(i, 4) == "(?P=") {
      auto close = rx.find(')', i);
      if (close == std::string_view::npos) {
        out.append(rx.substr(i));
        break;
      }
      std::string name(rx.substr(i + 4, close - i - 4));
      for (const auto& cand : groups) {
        if (cand.name == name) g = &cand;
      }
      len = close - i + 1;
      ref = std::string(rx.substr(i, len));
    } else if (rx[i] == '[') {
      // classes are copied as they are (a "\1" inside is not a back-reference)
      std::size_t j = i + 1;
      if (j < rx.size() && rx[j] == '^') ++j;
      if (j < rx.size() && rx[j] == ']') ++j;
      while (j < rx.size() && rx[j] != ']') j += rx[j] == '\\' ? 2 : 1;
      out.append(rx.substr(i, std::min(j, rx.size() - 1) - i + 1));
      i = j;
      continue;
    } else {
      out += rx[i];
      continue;
    }
    std::string_view body =
        g != nullptr && g->end >= g->begin ? rx.substr(g->begin, g->end - g->begin) : "";
    bool tags = body.find("<HOST>") != std::string_view::npos ||
                body.find("<F-") != std::string_view::npos ||
                body.find("<ADDR>") != std::string_view::npos ||
                body.find("<IP") != std::string_view::npos ||
                body.find("(?P=") != std::string_view::npos;
    if (g == nullptr || g->end == 0 || tags) {
      issues.push_back(
          {"backreference",
           "back-reference " + ref + " (RE2 matches in linear time and has no back-references)", "",
           0, true});
      out += ref;
    } else {
      // Names inside the copy would be duplicates: make them plain groups.
      std::string copy(body);
      for (std::size_t p = copy.find("(?P<"); p != std::string::npos; p = copy.find("(?P<", p)) {
        auto close = copy.find('>', p);
        if (close == std::string::npos) break;
        copy.replace(p, close - p + 1, "(?:");
      }
      issues.push_back({"backreference",
                        "back-reference " + ref + " matched as a copy of its group's pattern (" +
                            copy + "), not the same text: may match more lines",
                        "", 0, false});
      out += "(?:" + copy + ")";
    }
    i += len - 1;
  }
  return out;
}

}  // namespace

RegexTranslation translate_regex(std::string_view rx_in, bool use_dns) {
  RegexTranslation t;
  std::string inlined = inline_backrefs(rx_in, t.issues);
  std::string_view rx = inlined;
  auto note = [&](const std::string& code, const std::string& msg) {
    t.issues.push_back({code, msg, "", 0, false});
  };
  auto fail = [&](const std::string& code, const std::string& msg) {
    t.issues.push_back({code, msg, "", 0, true});
  };
  // Pass 1: Python syntax -> RE2 syntax, on the text with fail2ban's tags still in place.
  std::string out;
  // Depth of groups opened by a look-around that was dropped: their ')' is dropped too.
  std::vector<int> stack;  // per open group: 0 = keep, 1 = dropped look-around
  for (std::size_t i = 0; i < rx.size(); ++i) {
    char c = rx[i];
    if (c == '\\') {
      if (i + 1 >= rx.size()) {
        fail("bad_escape", "trailing backslash");
        break;
      }
      char d = rx[i + 1];
      if (d >= '1' && d <= '9') {  // left in by inline_backrefs, which reported it
        out += "\\";
        out += d;
        ++i;
        continue;
      }
      if (d == 'Z') {
        out += "\\z";
        ++i;
        continue;
      }
      if (d == 'u' && i + 5 < rx.size() + 0) {
        out += "\\x{" + std::string(rx.substr(i + 2, 4)) + "}";
        i += 5;
        continue;
      }
      out += c;
      out += d;
      ++i;
      continue;
    }
    if (c == '[') {
      // Copy a character class verbatim (']' first is literal in both dialects).
      std::size_t j = i + 1;
      if (j < rx.size() && rx[j] == '^') ++j;
      if (j < rx.size() && rx[j] == ']') ++j;
      while (j < rx.size() && rx[j] != ']') {
        if (rx[j] == '\\') ++j;
        ++j;
      }
      if (j >= rx.size()) {
        fail("bad_class", "unterminated character class");
        break;
      }
      std::string_view cls = rx.substr(i, j - i + 1);
      if (cls.find("[:") != std::string_view::npos) {
        // Python reads "[[:" literally; RE2 would take it as a POSIX class.
        std::string esc;
        for (std::size_t k = 0; k < cls.size(); ++k) {
          if (k > 0 && k + 1 < cls.size() && cls[k] == '[') {
            esc += "\\[";
          } else {
            esc += cls[k];
          }
        }
        out += esc;
      } else {
        out.append(cls);
      }
      i = j;
      continue;
    }
    if (c == '(') {
      if (i + 1 < rx.size() && rx[i + 1] == '?') {
        std::string_view rest = rx.substr(i + 2);
        if (rest.starts_with("P<")) {
          stack.push_back(0);
          out += "(?P<";
          i += 3;
          continue;
        }
        if (rest.starts_with("P=")) {
          auto close = rest.find(')');
          fail("backreference",
               "named back-reference (?P=" +
                   std::string(rest.substr(2, close == std::string_view::npos ? 0 : close - 2)) +
                   ") (RE2 has no back-references)");
          if (close == std::string_view::npos) break;
          i += 2 + close;
          continue;
        }
        if (rest.starts_with("#")) {
          auto close = rest.find(')');
          if (close == std::string_view::npos) break;
          i += 2 + close;  // a comment
          continue;
        }
        if (rest.starts_with("<=") || rest.starts_with("<!") || rest.starts_with("=") ||
            rest.starts_with("!")) {
          bool behind = rest.front() == '<';
          std::string kind = behind ? "look-behind" : "look-ahead";
          // Find the group's text for the message.
          int depth = 0;
          std::size_t k = i;
          for (; k < rx.size(); ++k) {
            if (rx[k] == '\\') {
              ++k;
              continue;
            }
            if (rx[k] == '(') ++depth;
            if (rx[k] == ')' && --depth == 0) break;
          }
          std::string text(rx.substr(i, k - i + 1));
          note(behind ? "lookbehind" : "lookahead",
               kind + " " + text + " dropped (RE2 has no look-around): may match more lines");
          // Skip the whole assertion.
          i = k;
          continue;
        }
        if (rest.starts_with(">")) {
          note("atomic_group", "atomic group (?>…) matched as a plain group");
          stack.push_back(0);
          out += "(?:";
          i += 2;
          continue;
        }
        if (rest.starts_with("(")) {
          // Conditional (?(name)yes|no): RE2 cannot test a group, so both branches are allowed.
          auto close = rest.find(')');
          if (close == std::string_view::npos) break;
          note("conditional", "conditional " +
                                  std::string(rx.substr(i, std::min<std::size_t>(close + 3, 40))) +
                                  "… matched as (?:yes|no) (RE2 cannot test whether a group "
                                  "matched): may match more lines");
          stack.push_back(0);
          out += "(?:";
          i += 2 + close;
          continue;
        }
        // Flags: (?i) (?i:…) (?aiLmsux-imsx:…)
        std::size_t k = 0;
        std::string flags;
        while (k < rest.size() &&
               (std::isalpha(static_cast<unsigned char>(rest[k])) || rest[k] == '-')) {
          flags += rest[k];
          ++k;
        }
        if (k < rest.size() && (rest[k] == ':' || rest[k] == ')')) {
          std::string keep;
          for (char f : flags) {
            if (f == 'a' || f == 'u') continue;  // ASCII/Unicode: RE2 classes are ASCII
            if (f == 'x' || f == 'L') {
              fail("flag", std::string("flag (?") + f + ") has no RE2 equivalent");
              continue;
            }
            keep += f;
          }
          if (rest[k] == ':') {
            stack.push_back(0);
            out += keep.empty() || keep == "-" ? "(?:" : "(?" + keep + ":";
          } else if (!keep.empty() && keep != "-") {
            out += "(?" + keep + ")";
          }
          i += 2 + k;
          continue;
        }
        stack.push_back(0);
        out += c;
        continue;
      }
      stack.push_back(0);
      out += c;
      continue;
    }
    if (c == ')') {
      if (!stack.empty()) stack.pop_back();
      out += c;
      continue;
    }
    if (c == '{' && i + 1 < rx.size() && rx[i + 1] == ',') {
      // Python's {,n} is {0,n}; RE2 would read it as text.
      std::size_t k = i + 2;
      while (k < rx.size() && std::isdigit(static_cast<unsigned char>(rx[k]))) ++k;
      if (k < rx.size() && rx[k] == '}' && k > i + 2) {
        out += "{0,";
        out.append(rx.substr(i + 2, k - i - 2));
        out += '}';
        i = k;
        continue;
      }
    }
    if ((c == '+' || c == '*' || c == '?' || c == '}') && i + 1 < rx.size() && rx[i + 1] == '+') {
      note("possessive", "possessive quantifier matched as greedy");
      out += c;
      ++i;
      continue;
    }
    out += c;
  }
  bool use_dns_tags = use_dns;
  t.re2 = expand_tags(out, use_dns_tags, t.issues);
  // The final word is RE2's: compile to catch what the walk above did not see.
  if (std::none_of(t.issues.begin(), t.issues.end(), [](const Issue& i) { return i.error; })) {
    RE2::Options o;
    o.set_log_errors(false);
    o.set_max_mem(64 << 20);
    RE2 re(t.re2, o);
    if (!re.ok()) fail("re2_rejected", "RE2: " + re.error());
  }
  if (!t.ok()) t.re2.clear();
  return t;
}

std::optional<std::string> fold_prefregex(std::string_view pref, std::string_view fr) {
  auto open = pref.find("<F-CONTENT>");
  auto close = pref.find("</F-CONTENT>");
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return std::nullopt;
  }
  std::string body(trim(fr));
  // The failregex is searched inside the content: anchored with '^' at its start, otherwise
  // anywhere in it; the content runs to the end the prefregex gives it.
  if (!body.empty() && body.front() == '^') {
    body.erase(0, 1);
  } else {
    body = ".*?" + body;
  }
  bool end_anchored = false;
  if (!body.empty() && body.back() == '$' && (body.size() < 2 || body[body.size() - 2] != '\\')) {
    end_anchored = true;
  }
  std::string out(pref.substr(0, open));
  out += "(?:" + body + ")";
  if (!end_anchored) out += ".*";
  out.append(pref.substr(close + std::string_view("</F-CONTENT>").size()));
  return out;
}

// ---- filters ------------------------------------------------------------------------------

std::size_t Filter::imported() const {
  return static_cast<std::size_t>(std::count_if(
      failregex.begin(), failregex.end(), [](const FilterRegex& r) { return !r.re2.empty(); }));
}

std::pair<std::string, std::map<std::string, std::string>> parse_filter_spec(std::string_view s) {
  s = trim(s);
  std::map<std::string, std::string> args;
  auto open = s.find('[');
  if (open == std::string_view::npos || s.back() != ']') return {std::string(s), args};
  std::string name(trim(s.substr(0, open)));
  std::string_view body = s.substr(open + 1, s.size() - open - 2);
  std::size_t i = 0;
  while (i < body.size()) {
    while (i < body.size() && (body[i] == ' ' || body[i] == ',')) ++i;
    std::size_t eq = body.find('=', i);
    if (eq == std::string_view::npos) break;
    std::string key = lower(trim(body.substr(i, eq - i)));
    std::size_t v = eq + 1;
    while (v < body.size() && body[v] == ' ') ++v;
    std::string val;
    if (v < body.size() && (body[v] == '"' || body[v] == '\'')) {
      char q = body[v];
      std::size_t end = body.find(q, v + 1);
      if (end == std::string_view::npos) end = body.size();
      val = std::string(body.substr(v + 1, end - v - 1));
      i = end + 1;
    } else {
      std::size_t end = body.find(',', v);
      if (end == std::string_view::npos) end = body.size();
      val = std::string(trim(body.substr(v, end - v)));
      i = end;
    }
    if (!key.empty()) args[key] = val;
  }
  return {name, args};
}

namespace {

// fail2ban's names for <tag> lookups that are regex tags, never options.
bool is_regex_tag(std::string_view t) {
  return t == "HOST" || t == "ADDR" || t == "IP4" || t == "IP6" || t == "DNS" || t == "CIDR" ||
         t == "SUBNET" || t == "SKIPLINES" || t.starts_with("F-") || t.starts_with("/F-");
}

struct TagResolver {
  const Config& cfg;
  const std::map<std::string, std::string>& args;
  std::vector<Issue>& issues;
  const IniValue* where;
  int budget = 5000;

  std::optional<std::string> lookup(const std::string& name) {
    if (is_regex_tag(name)) return std::nullopt;
    std::string key = lower(name);
    if (auto a = args.find(key); a != args.end()) return a->second;
    for (const char* sec : {"Init", "Definition", "DEFAULT"}) {
      if (const IniValue* v = cfg.raw(sec, key, false)) {
        return cfg.interpolate(std::string_view(sec) == "DEFAULT" ? "Definition" : sec, v->value,
                               {}, issues, v);
      }
    }
    if (auto slash = name.find('/'); slash != std::string::npos) {
      std::string sec = name.substr(0, slash);
      std::string k = lower(name.substr(slash + 1));
      if (lower(sec) == "known") sec = "KNOWN/Definition";
      if (const IniValue* v = cfg.raw(sec, k)) return cfg.interpolate(sec, v->value, {}, issues, v);
    }
    return std::nullopt;
  }

  // Innermost first (a tag name never contains '<' or '>'), so <a<b>> resolves <b> first.
  std::string run(std::string value, int depth) {
    if (depth > 25) {
      issues.push_back({"tag_loop", "tags nested more than 25 levels", where ? where->file : "",
                        where ? where->line : 0});
      return value;
    }
    std::size_t pos = 0;
    while (pos < value.size() && budget > 0) {
      std::size_t open = value.find('<', pos);
      if (open == std::string::npos) break;
      std::size_t close = open + 1;
      while (close < value.size() && value[close] != '<' && value[close] != '>' &&
             value[close] != ' ') {
        ++close;
      }
      if (close >= value.size() || value[close] != '>' || close == open + 1) {
        pos = open + 1;
        continue;
      }
      std::string name = value.substr(open + 1, close - open - 1);
      auto repl = lookup(name);
      if (!repl) {
        pos = close + 1;
        continue;
      }
      --budget;
      std::string r = run(*repl, depth + 1);
      value.replace(open, close - open + 1, r);
      // Rescan from the tag's start: the replacement may complete an outer tag.
      pos = open > 0 ? value.rfind('<', open - 1) : 0;
      if (pos == std::string::npos) pos = 0;
    }
    return value;
  }
};

std::vector<FilterRegex> regex_list(const Config& cfg, const std::string& key,
                                    const std::map<std::string, std::string>& args,
                                    std::vector<Issue>& issues) {
  std::vector<FilterRegex> out;
  const IniValue* v = cfg.raw("Definition", key);
  if (v == nullptr) return out;
  // Each line of the raw value is interpolated and tag-resolved on its own, so a regex keeps
  // the file:line of the line that wrote (or referenced) it.
  std::vector<std::string> raw_lines = split_lines(v->value);
  for (std::size_t n = 0; n < raw_lines.size(); ++n) {
    if (trim(raw_lines[n]).empty()) continue;
    IniValue here{raw_lines[n], v->file, v->line + static_cast<std::uint32_t>(n)};
    std::string text = cfg.interpolate("Definition", raw_lines[n], {}, issues, &here);
    TagResolver tr{cfg, args, issues, &here};
    text = tr.run(text, 0);
    for (const auto& l : split_lines(text)) {
      std::string_view s = trim(l);
      if (s.empty()) continue;
      out.push_back({std::string(s), {}, here.file, here.line});
    }
  }
  return out;
}

std::string resolved(const Config& cfg, const std::string& key,
                     const std::map<std::string, std::string>& args, std::vector<Issue>& issues) {
  if (auto a = args.find(key); a != args.end()) return a->second;
  const IniValue* v = cfg.raw("Definition", key);
  if (v == nullptr) v = cfg.raw("Init", key);
  if (v == nullptr) return {};
  std::string text = cfg.interpolate("Definition", v->value, {}, issues, v);
  TagResolver tr{cfg, args, issues, v};
  return std::string(trim(tr.run(text, 0)));
}

}  // namespace

namespace {

// A regex spanning lines (unescaped "\\n"): when every line but one is "anything" (`^.*`,
// `.*?`, empty), that one line is kept, anchored as a line; nullopt when the regex is on one
// line, "" when it cannot be reduced.
std::optional<std::string> reduce_multiline(std::string_view rx) {
  std::vector<std::string> parts;
  std::string cur;
  bool split = false;
  for (std::size_t i = 0; i < rx.size(); ++i) {
    if (rx[i] == '\\' && i + 1 < rx.size()) {
      if (rx[i + 1] == 'n') {
        parts.push_back(std::move(cur));
        cur.clear();
        split = true;
      } else {
        cur += rx[i];
        cur += rx[i + 1];
      }
      ++i;
      continue;
    }
    cur += rx[i];
  }
  if (!split) return std::nullopt;
  parts.push_back(std::move(cur));
  std::optional<std::size_t> keep;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string_view p = trim(parts[i]);
    if (p.starts_with("^")) p.remove_prefix(1);
    if (p.ends_with("$")) p.remove_suffix(1);
    if (p.empty() || p == ".*" || p == ".*?" || p == ".+" || p == ".+?") continue;
    if (keep) return std::string();
    keep = i;
  }
  if (!keep) return std::string();
  std::string out = parts[*keep];
  if (*keep > 0 && !out.starts_with("^")) out = "^" + out;
  if (*keep + 1 < parts.size() && !out.ends_with("$")) out += "$";
  return out;
}

}  // namespace

Filter load_filter(const std::string& dir, const std::string& name,
                   const std::map<std::string, std::string>& args, const FileReader& read) {
  Filter f;
  f.name = name;
  f.args = args;
  f.file = join_path(dir, name + ".conf");
  Config cfg = load_config(dir, name, read, f.issues);
  if (!cfg.has_section("Definition")) {
    // An include file (common.conf, apache-common.conf …): nothing to import by itself.
    f.issues.push_back(
        {"no_definition", "no [Definition] section (an include file)", f.file, 0, false});
    return f;
  }
  std::string ml = resolved(cfg, "maxlines", args, f.issues);
  if (!ml.empty()) {
    int n = 0;
    auto [end, ec] = std::from_chars(ml.data(), ml.data() + ml.size(), n);
    if (ec == std::errc() && end == ml.data() + ml.size()) {
      f.maxlines = std::max(1, n);
    } else {
      f.issues.push_back({"bad_number", "maxlines = " + ml + " is not a whole number", f.file, 0});
    }
  }
  f.datepattern = resolved(cfg, "datepattern", args, f.issues);
  f.journalmatch = resolved(cfg, "journalmatch", args, f.issues);
  bool use_dns = true;
  if (auto u = args.find("usedns"); u != args.end() && lower(u->second) == "no") use_dns = false;
  std::string pref = resolved(cfg, "prefregex", args, f.issues);
  f.failregex = regex_list(cfg, "failregex", args, f.issues);
  f.ignoreregex = regex_list(cfg, "ignoreregex", args, f.issues);
  if (f.maxlines > 1) {
    const IniValue* v = cfg.raw("Definition", "maxlines");
    if (v == nullptr) v = cfg.raw("Init", "maxlines");
    f.issues.push_back({"maxlines",
                        "maxlines = " + std::to_string(f.maxlines) +
                            ": fail2ban joins up to that many lines before matching; bannin "
                            "matches each line alone, so regexes spanning lines are left out",
                        v ? v->file : f.file, v ? v->line : 0, false});
  }
  auto translate_all = [&](std::vector<FilterRegex>& list, bool fold) {
    for (auto& r : list) {
      std::string src = r.source;
      if (fold && !pref.empty()) {
        if (auto folded = fold_prefregex(pref, src)) src = *folded;
      }
      if (src.find("<SKIPLINES>") != std::string::npos) {
        f.issues.push_back({"skiplines",
                            "<SKIPLINES> joins lines fail2ban buffers (maxlines); bannin matches "
                            "one line at a time: " +
                                r.source,
                            r.file, r.line});
        continue;
      }
      if (auto reduced = reduce_multiline(src)) {
        if (reduced->empty()) {
          f.issues.push_back({"multiline",
                              "regex spans several lines (\\n) and more than one of them is "
                              "specific; bannin matches one line at a time: " +
                                  r.source,
                              r.file, r.line});
          continue;
        }
        f.issues.push_back({"multiline_reduced",
                            "regex spans several lines; the other lines match anything, so only "
                            "the specific one is kept: " +
                                r.source,
                            r.file, r.line, false});
        src = *reduced;
      }
      if (auto ref = src.find("%(");
          ref != std::string::npos && src.find(")s", ref) != std::string::npos) {
        f.issues.push_back({"unknown_reference",
                            "regex still holds an unresolved %(name)s reference (an include "
                            "file used alone?): " +
                                r.source,
                            r.file, r.line});
        continue;
      }
      RegexTranslation t = translate_regex(src, use_dns);
      for (auto& i : t.issues) {
        i.file = r.file;
        i.line = r.line;
        i.message += " in: " + r.source;
        f.issues.push_back(i);
      }
      r.re2 = t.re2;
    }
  };
  translate_all(f.failregex, true);
  translate_all(f.ignoreregex, false);
  if (!pref.empty() && pref.find("<F-CONTENT>") == std::string::npos) {
    f.issues.push_back({"prefregex", "prefregex without <F-CONTENT>: ignored", f.file, 0});
  }
  if (f.failregex.empty()) {
    f.issues.push_back({"no_failregex", "no failregex (nothing to import)", f.file, 0, false});
  }
  return f;
}

// ---- jails --------------------------------------------------------------------------------

std::optional<std::int64_t> parse_f2b_duration(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  if (s == "-1") return -1;
  // fail2ban's MyTime.str2seconds: a sum of "<number><unit>" terms.
  std::int64_t total = 0;
  std::size_t i = 0;
  bool any = false;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '+')) ++i;
    if (i >= s.size()) break;
    std::size_t st = i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (st == i) return std::nullopt;
    const std::string num(s.substr(st, i - st));
    char* num_end = nullptr;
    double n = std::strtod(num.c_str(), &num_end);
    if (num_end != num.c_str() + num.size()) return std::nullopt;  // "1.2.3"
    while (i < s.size() && s[i] == ' ') ++i;
    std::size_t us = i;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
    std::string u = lower(s.substr(us, i - us));
    double mult = 1;
    if (u.empty() || u == "s" || u.starts_with("sec")) {
      mult = 1;
    } else if (u == "m" || u.starts_with("mi")) {
      mult = 60;
    } else if (u == "h" || u.starts_with("ho")) {
      mult = 3600;
    } else if (u == "d" || u.starts_with("da")) {
      mult = 86400;
    } else if (u == "w" || u.starts_with("we")) {
      mult = 7 * 86400;
    } else if (u == "mo" || u.starts_with("mon")) {
      mult = 30.4375 * 86400;  // fail2ban: 1/12 of 365.25 days
    } else if (u == "y" || u.starts_with("ye")) {
      mult = 365.25 * 86400;
    } else {
      return std::nullopt;
    }
    total += static_cast<std::int64_t>(n * mult);
    any = true;
  }
  if (!any) return std::nullopt;
  return total;
}

std::vector<Jail> load_jails(const std::string& dir, const FileReader& read, const DirLister& list,
                             std::vector<Issue>& issues) {
  Config cfg;
  std::set<std::string> seen;
  load_one(dir, join_path(dir, "jail.conf"), read, issues, cfg, seen, 0, true);
  std::vector<std::string> names = list(join_path(dir, "jail.d"));
  std::sort(names.begin(), names.end());
  for (const char* ext : {".conf", ".local"}) {
    if (std::string_view(ext) == ".local") {
      load_one(dir, join_path(dir, "jail.local"), read, issues, cfg, seen, 0, false);
    }
    for (const auto& n : names) {
      if (n.ends_with(ext)) {
        load_one(dir, join_path(dir, "jail.d/" + n), read, issues, cfg, seen, 0, false);
      }
    }
  }
  std::vector<Jail> jails;
  for (const auto& sec : cfg.sections()) {
    std::string ls = lower(sec);
    if (ls == "default" || ls == "includes" || ls == "definition" || ls == "init") continue;
    Jail j;
    j.name = sec;
    std::map<std::string, std::string> extra{{"__name__", sec}};
    auto get = [&](const char* key) { return cfg.get(sec, key, j.issues, extra); };
    if (const IniValue* v = cfg.raw(sec, "enabled")) {
      j.file = v->file;
      j.line = v->line;
    }
    auto en = get("enabled");
    j.enabled =
        en && (lower(*en) == "true" || lower(*en) == "yes" || *en == "1" || lower(*en) == "on");
    j.filter_spec = get("filter").value_or(sec);
    if (auto lp = get("logpath")) j.logpath = words(*lp);
    j.backend = get("backend").value_or("auto");
    if (auto ig = get("ignoreip")) j.ignoreip = words(*ig);
    auto dur = [&](const char* key, std::int64_t& dst) {
      if (auto v = get(key)) {
        if (auto d = parse_f2b_duration(*v)) {
          dst = *d;
        } else {
          const IniValue* rv = cfg.raw(sec, key);
          j.issues.push_back({"bad_duration", std::string(key) + " = " + *v + " is not a duration",
                              rv ? rv->file : "", rv ? rv->line : 0});
        }
      }
    };
    dur("bantime", j.bantime_s);
    dur("findtime", j.findtime_s);
    if (auto m = get("maxretry")) {
      std::string_view t = trim(*m);
      int n = 0;
      auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
      if (ec == std::errc() && end == t.data() + t.size()) {
        j.maxretry = std::max(1, n);
      } else {
        const IniValue* rv = cfg.raw(sec, "maxretry");
        j.issues.push_back({"bad_number", "maxretry = " + *m + " is not a whole number",
                            rv ? rv->file : "", rv ? rv->line : 0});
      }
    }
    if (auto inc = get("bantime.increment")) {
      j.increment = lower(*inc) == "true" || lower(*inc) == "yes" || *inc == "1";
    }
    if (auto f = get("bantime.factor")) {
      const std::string t(trim(*f));
      char* end = nullptr;
      double x = std::strtod(t.c_str(), &end);
      if (!t.empty() && end != nullptr && *end == '\0' && x > 0) {
        j.factor = x;
      } else {
        const IniValue* rv = cfg.raw(sec, "bantime.factor");
        j.issues.push_back({"bad_number", "bantime.factor = " + *f + " is not a positive number",
                            rv ? rv->file : "", rv ? rv->line : 0});
      }
    }
    dur("bantime.maxtime", j.maxtime_s);
    if (auto m = get("bantime.multipliers")) j.multipliers = std::string(trim(*m));
    for (auto& i : j.issues) {
      // Unknown %(x)s references in disabled jails of the stock jail.conf are normal noise.
      if (!j.enabled) i.error = false;
    }
    jails.push_back(std::move(j));
  }
  return jails;
}

// ---- matching -----------------------------------------------------------------------------

namespace {

// strftime-like directives as fail2ban's strptime.timeRE reads them (without named groups).
std::string date_directive(std::string_view d) {
  static const std::map<std::string, std::string, std::less<>> m = {
      {"Y", R"(\d{4})"},
      {"ExY", R"((?:19|20)\d\d)"},
      {"y", R"(\d{2})"},
      {"Exy", R"(\d{2})"},
      {"m", "(?:0?[1-9]|1[0-2])"},
      {"Exm", "(?:0[1-9]|1[0-2])"},
      {"d", R"((?:[1-2]\d|[0 ]?[1-9]|3[0-1]))"},
      {"Exd", R"((?:[1-2]\d|0[1-9]|3[0-1]))"},
      {"e", R"((?:[1-2]\d|[0 ]?[1-9]|3[0-1]))"},
      {"H", R"((?:[0-1]?\d|2[0-3]))"},
      {"ExH", R"((?:[0-1]\d|2[0-3]))"},
      {"k", R"( ?(?:[0-2]?\d))"},
      {"Exk", R"( ?(?:[0-1]?\d|2[0-3]))"},
      {"I", R"((?:1[0-2]|0?[1-9]))"},
      {"l", R"( ?(?:1?\d))"},
      {"M", R"((?:[0-5]?\d))"},
      {"ExM", R"((?:[0-5]\d))"},
      {"S", R"((?:[0-5]?\d|6[0-1]))"},
      {"ExS", R"((?:[0-5]\d|6[0-1]))"},
      {"f", R"(\d+)"},
      {"j", R"(\d{1,3})"},
      {"p", "(?i:AM|PM)"},
      {"a",
       "(?i:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|Fri(?:day)?|Sat(?:urday)?|"
       "Sun(?:day)?)"},
      {"A", "(?i:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"},
      {"b",
       "(?i:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
       "Sep(?:tember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"},
      {"B",
       "(?i:January|February|March|April|May|June|July|August|September|October|November|"
       "December)"},
      {"z", R"((?:Z|UTC|GMT|[+-][01]\d(?::?\d{2})?))"},
      {"Exz", R"((?:[A-Z]{3,5})?[+-][01]\d(?::?\d{2})?|[A-Z]{3,5})"},
      {"Z", "(?:Z|[A-Z]{3,5})"},
      {"ExZ", "(?:[A-Z]{3,5})"},
      {"s", R"(\d{10,11})"},
      {"Exs", R"(\d{10,11})"},
  };
  auto it = m.find(d);
  return it == m.end() ? std::string() : it->second;
}

// A fail2ban date pattern (strftime directives inside a Python regex) -> RE2, or "" when a
// directive is unknown. `(?P=_sep)` in the defaults is written out by the caller.
std::string date_pattern_re2(std::string_view p) {
  std::string out;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] != '%' || i + 1 >= p.size()) {
      out += p[i];
      continue;
    }
    if (p[i + 1] == '%') {
      out += '%';
      ++i;
      continue;
    }
    std::size_t len = p.substr(i + 1, 2) == "Ex" ? 3 : 1;
    std::string d = date_directive(p.substr(i + 1, len));
    if (d.empty()) return {};
    out += d;
    i += len;
  }
  return out;
}

struct DateTemplate {
  std::unique_ptr<RE2> re;  // group 1 = the date text
  bool line_begin = false;
};

std::unique_ptr<RE2> compile(const std::string& s) {
  RE2::Options o;
  o.set_log_errors(false);
  o.set_max_mem(64 << 20);
  auto re = std::make_unique<RE2>(s, o);
  if (!re->ok()) return nullptr;
  return re;
}

// Wraps a date regex as fail2ban's DateTemplate.setRegex does: at the line start (after at
// most two non-word characters) or at a word boundary, ending at a word boundary.
std::optional<DateTemplate> make_template(const std::string& body, bool line_begin) {
  if (body.empty()) return std::nullopt;
  std::string rx = body;
  bool anchored = !rx.empty() && rx.front() == '^';
  if (anchored) rx.erase(0, 1);
  std::string pre;
  if (anchored) {
    pre = "^";
  } else if (line_begin) {
    pre = R"(^(?:\W{0,2})?)";
  } else if (rx.starts_with("(?:^")) {
    // anchors itself
  } else if (is_word(rx.front()) || rx.front() == '(' || rx.front() == '\\') {
    pre = R"(\b)";
  }
  // fail2ban ends a date with the look-ahead (?=\b|\W|$); consuming the \W instead is the
  // same here because only group 1 (the date) is removed.
  std::string post = rx.back() == '$' ? "" : R"((?:\b|\W|$))";
  // A pattern with its own unnamed group names the date with it (fail2ban's RE_GROUPED);
  // otherwise the whole pattern is the date. Back-references ((?P=_sep)) are inlined.
  std::vector<Issue> ignored;
  std::string body_re2 = inline_backrefs(rx, ignored);
  bool grouped = false;
  for (const auto& g : capturing_groups(body_re2)) {
    if (g.name.empty()) grouped = true;
  }
  DateTemplate t;
  t.re = compile(pre + (grouped ? body_re2 : "(" + body_re2 + ")") + post);
  if (!t.re) return std::nullopt;
  t.line_begin = line_begin || anchored;
  return t;
}

// fail2ban's DateDetectorCache.DEFAULT_TEMPLATES, in order, `(?P<_sep>[-/.])…(?P=_sep)`
// written out once per separator.
std::vector<std::string> default_date_patterns() {
  std::vector<std::string> out;
  for (const char* sep : {"-", "/", "\\."}) {
    out.push_back(std::string("%ExY") + sep + "%m" + sep +
                  R"(%d(?:T|  ?)%H:%M:%S(?:[.,]%f)?(?:\s*%z)?)");
  }
  out.push_back(R"((?:%a )?%b %d %k:%M:%S(?:\.%f)?(?: %ExY)?)");
  out.push_back(R"((?:%a )?%b %d %ExY %k:%M:%S(?:\.%f)?)");
  for (const char* sep : {"-", "/"}) {
    out.push_back(std::string("%d") + sep + "%m" + sep + "(?:%ExY|%Exy) %k:%M:%S");
  }
  for (const char* sep : {"-", "/"}) {
    out.push_back(std::string("%d") + sep + "%b" + sep + R"(%ExY[ :]?%H:%M:%S(?:\.%f)?(?: %z)?)");
  }
  out.push_back("%m/%d/%ExY:%H:%M:%S");
  out.push_back(R"(%m-%d-%ExY %k:%M:%S(?:\.%f)?)");
  // EPOCH: fail2ban's DateEpoch takes it only at the line start (optionally after '[') or
  // after "audit(" (SELinux), never in the middle of a line.
  out.push_back(R"((?:^\[?|\baudit\()(\d{10,11}(?:\.\d{3,6})?))");
  out.push_back("{^LN-BEG}%H:%M:%S");
  out.push_back("^<%m/%d/%Exy@%H:%M:%S>");
  out.push_back("%Exy%Exm%Exd  ?%H:%M:%S");
  out.push_back("%b %d, %ExY %I:%M:%S %p");
  out.push_back("^%b-%d-%Exy %k:%M:%S");
  out.push_back(R"(%ExY%Exm%Exd(?:T|  ?)%ExH%ExM%ExS(?:[.,]%f)?(?:\s*%z)?)");
  out.push_back(R"((?:%Z )?(?:%a )?%b %d %k:%M:%S(?:\.%f)?(?: %ExY)?)");
  out.push_back(R"((?:%z )?(?:%a )?%b %d %k:%M:%S(?:\.%f)?(?: %ExY)?)");
  return out;
}

}  // namespace

struct FilterMatcher::Impl {
  struct Failre {
    std::unique_ptr<RE2> re;
    std::size_t index = 0;
  };
  std::vector<Failre> fail;
  std::vector<std::unique_ptr<RE2>> ignore;
  std::vector<DateTemplate> dates;
};

FilterMatcher::FilterMatcher(const Filter& filter) : impl_(std::make_unique<Impl>()) {
  for (std::size_t i = 0; i < filter.failregex.size(); ++i) {
    if (filter.failregex[i].re2.empty()) continue;
    if (auto re = compile(filter.failregex[i].re2)) impl_->fail.push_back({std::move(re), i});
  }
  for (const auto& r : filter.ignoreregex) {
    if (r.re2.empty()) continue;
    if (auto re = compile(r.re2)) impl_->ignore.push_back(std::move(re));
  }
  // datepattern: one pattern, "{^LN-BEG}" (the defaults anchored at the line start), or
  // none (the defaults, anywhere). Several lines = several patterns.
  std::vector<std::string> pats = split_lines(filter.datepattern);
  bool any = false;
  for (const auto& p : pats) {
    std::string_view s = trim(p);
    if (s.empty()) continue;
    any = true;
    std::string_view rest = s;
    bool ln_beg = false;
    if (rest.starts_with("{^LN-BEG}")) {
      ln_beg = true;
      rest.remove_prefix(9);
    }
    if (rest.empty() || rest == "{DEFAULT}" || rest.find("{DATE}") != std::string_view::npos) {
      // "{DATE}" inside a pattern: every default template in its place (fail2ban's preMatch).
      auto at = rest.find("{DATE}");
      for (const auto& d : default_date_patterns()) {
        std::string_view dv = d;
        bool dln = dv.starts_with("{^LN-BEG}");
        if (dln) dv.remove_prefix(9);
        if (dv.starts_with("^")) dv.remove_prefix(1);
        std::string pat(dv);
        if (at != std::string_view::npos) {
          pat = std::string(rest.substr(0, at)) + pat + std::string(rest.substr(at + 6));
        }
        if (auto t = make_template(date_pattern_re2(pat), ln_beg || dln)) {
          impl_->dates.push_back(std::move(*t));
        }
      }
      continue;
    }
    if (rest == "{NONE}") continue;
    std::string upper(rest);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (rest.find('%') == std::string_view::npos &&
        (upper == "EPOCH" || upper == "^EPOCH" || upper == "LEPOCH" || upper == "^LEPOCH")) {
      ln_beg = ln_beg || upper.starts_with("^");
      rest = upper.find('L') != std::string::npos ? R"(\d{13}(?:\.\d{3,6})?)"
                                                  : R"(\d{10}(?:\.\d{3,6})?)";
      if (auto t = make_template(std::string(rest), ln_beg)) impl_->dates.push_back(std::move(*t));
      continue;
    }
    if (auto t = make_template(date_pattern_re2(rest), ln_beg)) {
      impl_->dates.push_back(std::move(*t));
    }
  }
  if (!any) {
    // Anchored variants first: fail2ban prefers them (DateDetectorCache weight 100).
    for (int pass = 0; pass < 2; ++pass) {
      for (const auto& d : default_date_patterns()) {
        std::string_view dv = d;
        bool dln = dv.starts_with("{^LN-BEG}");
        if (dln) dv.remove_prefix(9);
        if (auto t = make_template(date_pattern_re2(dv), pass == 0 || dln)) {
          impl_->dates.push_back(std::move(*t));
        }
      }
    }
  }
}

FilterMatcher::~FilterMatcher() = default;

std::string FilterMatcher::strip_date(std::string_view line) const {
  // The first line-begin template that matches wins; otherwise the earliest match.
  const re2::StringPiece input(line.data(), line.size());
  std::optional<std::pair<std::size_t, std::size_t>> best;
  for (const auto& t : impl_->dates) {
    re2::StringPiece g[2];
    if (!t.re->Match(input, 0, line.size(), RE2::UNANCHORED, g, 2) || g[1].data() == nullptr) {
      continue;
    }
    std::size_t s = static_cast<std::size_t>(g[1].data() - line.data());
    std::pair<std::size_t, std::size_t> span{s, g[1].size()};
    if (t.line_begin) {
      best = span;
      break;
    }
    if (!best || s < best->first) best = span;
  }
  std::string out(line);
  if (best && best->second > 0) out.erase(best->first, best->second);
  return out;
}

std::optional<FilterMatcher::Match> FilterMatcher::match(std::string_view line) const {
  std::string text = strip_date(line);
  const re2::StringPiece input(text);
  for (const auto& ig : impl_->ignore) {
    if (RE2::PartialMatch(input, *ig)) return std::nullopt;
  }
  for (const auto& f : impl_->fail) {
    int n = f.re->NumberOfCapturingGroups() + 1;
    std::vector<re2::StringPiece> g(static_cast<std::size_t>(n));
    if (!f.re->Match(input, 0, text.size(), RE2::UNANCHORED, g.data(), n)) continue;
    const auto& names = f.re->NamedCapturingGroups();
    auto group = [&](const char* name) -> std::string {
      auto it = names.find(name);
      if (it == names.end() || g[static_cast<std::size_t>(it->second)].data() == nullptr) {
        return {};
      }
      return std::string(g[static_cast<std::size_t>(it->second)]);
    };
    // A match marked <F-NOFAIL> or <F-MLFGAINED> (a successful login) is not a failure;
    // fail2ban uses it only to correlate the lines of one session.
    for (const char* k : {"nofail", "mlfgained"}) {
      auto nf = names.find(k);
      if (nf != names.end() && g[static_cast<std::size_t>(nf->second)].data() != nullptr) {
        return std::nullopt;
      }
    }
    Match m;
    m.regex = f.index;
    for (const char* k : {"ip4", "ip6", "dns", "fid"}) {
      m.host = group(k);
      if (!m.host.empty()) break;
    }
    m.user = group("user");
    if (m.user.empty()) m.user = group("alt_user");
    return m;
  }
  return std::nullopt;
}

// ---- output -------------------------------------------------------------------------------

std::string id_part(std::string_view name) {
  std::string out;
  for (char c : name) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out += std::isalnum(static_cast<unsigned char>(l)) ? l : '_';
  }
  if (out.empty() || !std::isalpha(static_cast<unsigned char>(out.front()))) out = "f" + out;
  return out;
}

namespace {

// A YAML double-quoted scalar that the rule expression reads as a string literal: the
// expression keeps backslashes as written except before '"' and '\\', so a regex goes in
// unchanged apart from those two; YAML then needs its own escaping on top.
std::string expr_string(std::string_view re) {
  std::string e = "\"";
  for (std::size_t i = 0; i < re.size(); ++i) {
    char c = re[i];
    if (c == '\\' && i + 1 < re.size()) {
      char d = re[++i];
      if (d == '\\') {
        e += "\\\\\\\\";  // the expression reads four as two: the regex's escaped backslash
      } else if (d == '"') {
        e += "\\\"";  // the expression reads \" as ", which the regex takes literally
      } else {
        e += '\\';
        e += d;
      }
    } else if (c == '"') {
      e += "\\\"";
    } else {
      e += c;
    }
  }
  e += '"';
  return e;
}

// A failregex whose every match is marked <F-NOFAIL> or <F-MLFGAINED> (the tag opens the
// regex, after '^' and other F- tags) is not a failure on its own: a rule must not count it.
bool only_non_failures(std::string_view src) {
  std::string_view s = src;
  if (s.starts_with("^")) s.remove_prefix(1);
  while (s.starts_with("<F-")) {
    if (s.starts_with("<F-NOFAIL>") || s.starts_with("<F-MLFGAINED>")) return true;
    auto close = s.find('>');
    if (close == std::string_view::npos) return false;
    s.remove_prefix(close + 1);
  }
  return false;
}

std::string yaml_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  out += '"';
  return out;
}

std::string duration(std::int64_t s) {
  if (s <= 0) return "0s";
  if (s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

}  // namespace

std::string rule_yaml(const Filter& filter, const Jail* jail) {
  std::string id = "fail2ban." + id_part(jail ? jail->name : filter.name);
  std::int64_t findtime = jail ? jail->findtime_s : 600;
  std::int64_t bantime = jail ? jail->bantime_s : 600;
  int maxretry = jail ? jail->maxretry : 5;
  std::string y;
  y += "# Imported from " + filter.file;
  if (jail) y += " (jail [" + jail->name + "] in " + jail->file + ")";
  y += " by `bannin import fail2ban`.\n";
  y += "# " + std::to_string(filter.imported()) + " of " + std::to_string(filter.failregex.size()) +
       " failregex imported; see the import report for what was left out or approximated.\n";
  std::size_t non_failures = static_cast<std::size_t>(std::count_if(
      filter.failregex.begin(), filter.failregex.end(),
      [](const FilterRegex& r) { return !r.re2.empty() && only_non_failures(r.source); }));
  if (non_failures > 0) {
    y += "# " + std::to_string(non_failures) +
         " failregex left out of the rule: they match only lines fail2ban marks as no failure "
         "(<F-NOFAIL>, <F-MLFGAINED>) and uses to correlate a session's lines.\n";
  }
  y += "rules:\n";
  y += "  - id: " + id + "\n";
  y += "    title: " +
       yaml_quote("fail2ban " + (jail ? "jail " + jail->name : "filter " + filter.name)) + "\n";
  y += "    description: >-\n      Imported fail2ban filter " + filter.name;
  if (!filter.args.empty()) {
    y += " with";
    for (const auto& [k, v] : filter.args) y += " " + k + "=" + v;
  }
  y += ". Matches the line's message (timestamp removed) with the filter's regexes; the named "
       "groups ip4/ip6/dns/fid give src_ip, user gives user.\n";
  if (jail && !jail->enabled) y += "    enabled: false\n";
  y += "    when: [log.line]\n";
  std::string where;
  std::size_t n = 0;
  for (const auto& r : filter.failregex) {
    if (r.re2.empty() || only_non_failures(r.source)) continue;
    where += n++ ? "\n      or message ~ " : "(message ~ ";
    where += expr_string(r.re2);
  }
  if (n == 0) {
    where = "false";
  } else {
    where += ")";
    for (const auto& r : filter.ignoreregex) {
      if (r.re2.empty()) continue;
      where += "\n      and message !~ " + expr_string(r.re2);
    }
  }
  // A literal block keeps the expression's backslashes as written.
  y += "    where: |-\n      " + where + "\n";
  y += "    group_by: [src_ip]\n";
  y += "    window: " + duration(std::max<std::int64_t>(findtime, 1)) + "\n";
  y += "    params:\n      max_retry: " + std::to_string(maxretry) + "\n";
  y += "    fire: count() >= $max_retry\n";
  y += "    then:\n      - action: deny\n        scope: ip\n";
  y += "        ttl: " + (bantime < 0 ? std::string("3650d") : duration(bantime)) + "\n";
  y += "        reason: " +
       yaml_quote("{numbers} failures matched by fail2ban filter " + filter.name + " in " +
                  duration(findtime) + ".") +
       "\n";
  return y;
}

std::string config_fragment(const ImportResult& r) {
  std::string y =
      "# Imported from fail2ban by `bannin import fail2ban`: merge into bannin.yaml or "
      "drop into config.d/.\n";
  std::set<std::string> allow;
  const Jail* inc = nullptr;
  for (const auto& j : r.jails) {
    if (!j.enabled) continue;
    for (const auto& ip : j.ignoreip) allow.insert(ip);
    if (j.increment && inc == nullptr) inc = &j;
  }
  y += "rule_files: [rules/base, fail2ban-rules]\n";
  y += "decide:\n  # ignoreip of the enabled jails (fail2ban's own loopback entries included).\n";
  y += "  allowlist: [";
  std::size_t n = 0;
  for (const auto& a : allow) {
    y += (n++ ? ", " : "") + yaml_quote(a);
  }
  y += "]\n";
  if (inc != nullptr) {
    y += "  # bantime.increment of jail " + inc->name +
         ": fail2ban doubles the ban per repeat (x factor " + std::to_string(inc->factor) + ")\n";
    y += "  repeat:\n    window: 24h\n    ttl_factor: 2\n";
    if (inc->maxtime_s > 0) y += "    max_ttl: " + duration(inc->maxtime_s) + "\n";
  }
  y += "sources:\n";
  std::set<std::string> paths;
  bool journal = false;
  for (const auto& j : r.jails) {
    if (!j.enabled) continue;
    if (j.backend == "systemd") journal = true;
    for (const auto& p : j.logpath) paths.insert(p);
  }
  for (const auto& p : paths) {
    y += "  - type: file\n    paths: [" + yaml_quote(p) + "]\n    decoder: auto\n";
  }
  if (journal) y += "  - type: journald\n    optional: true\n";
  if (paths.empty() && !journal) y += "  []\n";
  return y;
}

std::string report_text(const ImportResult& r) {
  std::string out;
  std::size_t total = 0, imported = 0;
  for (const auto& f : r.filters) {
    total += f.failregex.size();
    imported += f.imported();
  }
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "fail2ban import: %zu filter(s), %zu jail(s), %zu of %zu failregex "
                "imported\n\n",
                r.filters.size(), r.jails.size(), imported, total);
  out += buf;
  for (const auto& i : r.issues) {
    out += i.file + ":" + std::to_string(i.line) + ": " + (i.error ? "error" : "note") + ": " +
           i.message + " [" + i.code + "]\n";
  }
  for (const auto& f : r.filters) {
    std::snprintf(buf, sizeof buf, "%s: %zu/%zu failregex imported\n", f.name.c_str(), f.imported(),
                  f.failregex.size());
    out += buf;
    for (const auto& i : f.issues) {
      out += "  " + i.file + ":" + std::to_string(i.line) + ": " + (i.error ? "left out" : "note") +
             ": " + i.message + " [" + i.code + "]\n";
    }
  }
  for (const auto& j : r.jails) {
    for (const auto& i : j.issues) {
      out += i.file + ":" + std::to_string(i.line) + ": jail " + j.name + ": " + i.message + " [" +
             i.code + "]\n";
    }
  }
  return out;
}

ImportResult import_dir(const std::string& dir, const FileReader& read, const DirLister& list) {
  ImportResult r;
  r.jails = load_jails(dir, read, list, r.issues);
  std::vector<std::string> names;
  for (const auto& n : list(join_path(dir, "filter.d"))) {
    if (n.ends_with(".conf")) names.push_back(n.substr(0, n.size() - 5));
  }
  std::sort(names.begin(), names.end());
  std::set<std::string> done;
  for (const auto& n : names) {
    r.filters.push_back(load_filter(join_path(dir, "filter.d"), n, {}, read));
    done.insert(n);
  }
  // A jail's arguments (mode=… from jail.conf's `filter = %(__name__)s[mode=%(mode)s]`) may
  // select another variant than the filter's own defaults: resolved again, and kept as
  // "<filter>@<jail>" when its regexes differ.
  auto same = [](const Filter& a, const Filter& b) {
    if (a.failregex.size() != b.failregex.size() || a.ignoreregex.size() != b.ignoreregex.size()) {
      return false;
    }
    for (std::size_t i = 0; i < a.failregex.size(); ++i) {
      if (a.failregex[i].re2 != b.failregex[i].re2) return false;
    }
    for (std::size_t i = 0; i < a.ignoreregex.size(); ++i) {
      if (a.ignoreregex[i].re2 != b.ignoreregex[i].re2) return false;
    }
    return a.datepattern == b.datepattern;
  };
  std::size_t stock = r.filters.size();
  for (const auto& j : r.jails) {
    auto [name, args] = parse_filter_spec(j.filter_spec);
    if (args.empty() || !done.contains(name)) continue;
    Filter f = load_filter(join_path(dir, "filter.d"), name, args, read);
    const Filter* base = nullptr;
    for (std::size_t i = 0; i < stock; ++i) {
      if (r.filters[i].name == name) base = &r.filters[i];
    }
    if (base != nullptr && same(*base, f)) continue;
    f.name = name + "@" + j.name;
    r.filters.push_back(std::move(f));
  }
  return r;
}

}  // namespace bannin::ruleset::fail2ban
