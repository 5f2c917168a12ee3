#include <algorithm>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include <bannin/decide/crawler_list.h>

namespace bannin::decide {
namespace {

// The narrowest prefixes a crawler list may hold: a crawler range wider than these would
// allowlist a whole provider (or the world, for a typo like 0.0.0.0/0).
constexpr unsigned kMinCrawlerLenV4 = 16;
constexpr unsigned kMinCrawlerLenV6 = 32;

class Problems {
 public:
  explicit Problems(std::string origin) : origin_(std::move(origin)) {}
  void add(const YAML::Node& at, const std::string& message) { add(at.Mark(), message); }
  void add(const YAML::Mark& m, const std::string& message) {
    // A null node (empty document) has no mark (-1): point at the start of the file.
    int line = m.line < 0 ? 0 : m.line, column = m.column < 0 ? 0 : m.column;
    list_.push_back(Located{line, column,
                            origin_ + ":" + std::to_string(line + 1) + ":" +
                                std::to_string(column + 1) + ": " + message});
  }
  [[nodiscard]] bool empty() const { return list_.empty(); }
  /// One problem per line, in file order.
  [[nodiscard]] std::string joined() {
    std::stable_sort(list_.begin(), list_.end(), [](const Located& a, const Located& b) {
      return a.line != b.line ? a.line < b.line : a.column < b.column;
    });
    std::string out;
    for (const auto& p : list_) out += (out.empty() ? "" : "\n") + p.text;
    return out;
  }

 private:
  struct Located {
    int line, column;
    std::string text;
  };
  std::string origin_;
  std::vector<Located> list_;
};

bool valid_date(const std::string& s) {
  // YYYY-MM-DD with a real month and day.
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  unsigned y = 0, m = 0, d = 0;
  auto num = [&s](std::size_t at, std::size_t n, unsigned& out) {
    auto [end, ec] = std::from_chars(s.data() + at, s.data() + at + n, out);
    return ec == std::errc{} && end == s.data() + at + n;
  };
  if (!num(0, 4, y) || !num(5, 2, m) || !num(8, 2, d)) return false;
  static constexpr unsigned kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return y >= 1970 && m >= 1 && m <= 12 && d >= 1 && d <= kDays[m - 1];
}

bool valid_name(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return s[0] >= 'a' && s[0] <= 'z';
}

// Reports keys of `map` that are not in `known` (typos would otherwise be ignored silently).
void unknown_keys(const YAML::Node& map, std::initializer_list<const char*> known,
                  Problems& problems) {
  for (const auto& kv : map) {
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
    bool found = false;
    for (const char* k : known) found = found || key == k;
    if (!found) {
      std::string expected;
      for (const char* k : known) expected += (expected.empty() ? "" : ", ") + std::string(k);
      problems.add(kv.first, "unknown key \"" + key + "\" (expected " + expected + ")");
    }
  }
}

void read_crawler(const YAML::Node& c, CrawlerList& out, std::set<std::string>& names,
                  Problems& problems) {
  if (!c.IsMap()) {
    problems.add(c, "a crawler must be a map with name, verify and prefixes");
    return;
  }
  unknown_keys(c, {"name", "verify", "prefixes"}, problems);
  Crawler crawler;
  YAML::Node name = c["name"];
  if (!name.IsDefined() || !name.IsScalar()) {
    problems.add(c, "crawler without \"name\"");
  } else if (!valid_name(name.Scalar())) {
    problems.add(name, "crawler name \"" + name.Scalar() +
                           "\" must be lowercase letters, digits, '_', '-' or '.'");
  } else if (!names.insert(name.Scalar()).second) {
    problems.add(name, "crawler \"" + name.Scalar() + "\" is listed twice");
  } else {
    crawler.name = name.Scalar();
  }
  const std::string who = crawler.name.empty() ? std::string("crawler") : "crawler " + crawler.name;
  YAML::Node verify = c["verify"];
  if (!verify.IsDefined() || !verify.IsScalar() || verify.Scalar().empty()) {
    problems.add(c, who + ": missing \"verify\" (the vendor's published JSON list)");
  } else if (verify.Scalar().rfind("https://", 0) != 0) {
    problems.add(verify,
                 who + ": \"verify\" must be an https:// URL, got \"" + verify.Scalar() + "\"");
  } else {
    crawler.verify = verify.Scalar();
  }
  YAML::Node prefixes = c["prefixes"];
  if (!prefixes.IsDefined()) {
    problems.add(c, who + ": missing \"prefixes\"");
  } else if (!prefixes.IsSequence() || prefixes.size() == 0) {
    problems.add(prefixes, who + ": \"prefixes\" must be a non-empty list of CIDR ranges");
  } else {
    for (const YAML::Node& p : prefixes) {
      if (!p.IsScalar()) {
        problems.add(p, who + ": a prefix must be a CIDR string");
        continue;
      }
      const std::string& text = p.Scalar();
      auto prefix = core::IpPrefix::parse(text);
      if (!prefix) {
        problems.add(p, who + ": \"" + text + "\" is not an address or CIDR");
        continue;
      }
      std::string canonical = prefix->network.to_string() + "/" + std::to_string(prefix->len);
      std::size_t slash = text.find('/');
      if (slash != std::string::npos && core::IpAddress::parse(text.substr(0, slash)) &&
          *core::IpAddress::parse(text.substr(0, slash)) != prefix->network) {
        problems.add(
            p, who + ": \"" + text + "\" has host bits set (did you mean " + canonical + "?)");
        continue;
      }
      unsigned min = prefix->is_v4() ? kMinCrawlerLenV4 : kMinCrawlerLenV6;
      if (prefix->len < min) {
        problems.add(p, who + ": \"" + text + "\" is too broad for a crawler range (at most /" +
                            std::to_string(min) + ")");
        continue;
      }
      crawler.prefixes.push_back(*prefix);
    }
  }
  out.crawlers.push_back(std::move(crawler));
}

}  // namespace

std::vector<AllowEntry> CrawlerList::entries() const {
  std::vector<AllowEntry> out;
  for (const Crawler& c : crawlers) {
    for (const core::IpPrefix& p : c.prefixes) {
      out.push_back(AllowEntry{p, AllowSource::Crawler, "crawler " + c.name});
    }
  }
  return out;
}

core::Result<CrawlerList> parse_crawler_list(std::string_view yaml_text,
                                             const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return core::make_error("bad_crawler_list", origin + ":" + std::to_string(e.mark.line + 1) +
                                                    ":" + std::to_string(e.mark.column + 1) + ": " +
                                                    e.msg);
  }
  Problems problems(origin);
  CrawlerList out;
  try {
    if (!root.IsMap()) {
      problems.add(root, "the crawler list must be a map with version, updated, source, crawlers");
      return core::make_error("bad_crawler_list", problems.joined());
    }
    unknown_keys(root, {"version", "updated", "source", "crawlers"}, problems);
    YAML::Node version = root["version"];
    if (!version.IsDefined() || !version.IsScalar()) {
      problems.add(root, "missing \"version\"");
    } else {
      const std::string& v = version.Scalar();
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out.version);
      if (ec != std::errc{} || end != v.data() + v.size() || out.version != 1) {
        problems.add(version, "unsupported version \"" + v + "\" (this bannin reads version 1)");
      }
    }
    YAML::Node updated = root["updated"];
    if (!updated.IsDefined() || !updated.IsScalar()) {
      problems.add(root, "missing \"updated\" (the date of the snapshot, YYYY-MM-DD)");
    } else if (!valid_date(updated.Scalar())) {
      problems.add(updated,
                   "\"updated\" must be a date YYYY-MM-DD, got \"" + updated.Scalar() + "\"");
    } else {
      out.updated = updated.Scalar();
    }
    YAML::Node source = root["source"];
    if (!source.IsDefined() || !source.IsScalar() || source.Scalar().empty()) {
      problems.add(root, "missing \"source\" (where the ranges came from)");
    } else {
      out.source = source.Scalar();
    }
    YAML::Node crawlers = root["crawlers"];
    if (!crawlers.IsDefined()) {
      problems.add(root, "missing \"crawlers\"");
    } else if (!crawlers.IsSequence() || crawlers.size() == 0) {
      problems.add(crawlers, "\"crawlers\" must be a non-empty list");
    } else {
      std::set<std::string> names;
      for (const YAML::Node& c : crawlers) read_crawler(c, out, names, problems);
    }
  } catch (const YAML::Exception& e) {
    problems.add(e.mark, e.msg);
  }
  if (!problems.empty()) return core::make_error("bad_crawler_list", problems.joined());
  return out;
}

core::Result<CrawlerList> load_crawler_list(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::make_error("file_not_found", "cannot read the crawler list " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return core::make_error("read_failed", "cannot read the crawler list " + path);
  return parse_crawler_list(ss.str(), path);
}

}  // namespace bannin::decide
