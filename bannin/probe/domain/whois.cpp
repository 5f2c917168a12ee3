// WHOIS fallback (whois.h).
//
// Output formats this parser was written against (real answers, copied in public sources):
//  - JPRS English (`/e`), generic .jp:  "[Domain Name] HPMMUSEUM.JP", "[Status] Active",
//    "[Expires on] 2025/05/31", "[Last Updated] 2024/12/12 07:17:19 (JST)"
//    (DOMAIN-HEALTH-REFERENCE §2.7, quoting public source code).
//  - JPRS English, organisation type: "a. [Domain Name] GOO.NE.JP", "p. [Name Server] …",
//    "[State] Connected (2024/06/30)" (date in brackets = expiry), "[Lock Status]" since
//    2023-11-12 (likexian/whois-parser testdata/noterror/jp_goo.ne.jp; flipbit/whois
//    Whois.Tests/Samples/whois.jprs.jp/co.jp/amazon.co.jp.txt).
//  - JPRS Japanese: "Domain Information: [ドメイン情報]", "a. [ドメイン名] YAHOO.CO.JP",
//    "p. [ネームサーバ] ns01.yahoo.co.jp", "[状態] Connected (2018/11/30)",
//    "[最終更新] 2017/12/01 01:02:55 (JST)" (https://rs.fitallright.com/what-is-whois/);
//    key list [状態] [有効期限] [最終更新] [ロック状態] (reference §2.7).
//  - JPRS not found: "No match!!" after the banner (flipbit/whois
//    Whois.Tests/Samples/whois.jprs.jp/jp/not_found.txt).
//  - JPRS lifecycle: Active → To be suspended → Suspended (restore 1st–20th) → gone
//    (https://jprs.jp/about/dom-rule/lifecycle).
//  - gTLD: "Domain Status: clientHold https://icann.org/epp#clientHold", "Registry Expiry
//    Date: 2020-08-13T04:00:00Z", "Name Server: A.IANA-SERVERS.NET"
//    (https://www.oresamalabo.net/entry/2020/04/12/091423), "No match for \"X.COM\"."
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <arpa/inet.h>
#include <fcntl.h>
#include <iconv.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <bannin/core/json_writer.h>
#include <bannin/core/yaml_where.h>
#include <bannin/probe/domain/dns_checks.h>
#include <bannin/probe/domain/dns_message.h>
#include <bannin/probe/domain/domain_name.h>
#include <bannin/probe/domain/rdap.h>
#include <bannin/probe/domain/whois.h>

namespace bannin::probe::domain {
namespace {

constexpr std::size_t kMaxStatuses = 64;
constexpr std::size_t kMaxNameservers = 32;
constexpr std::size_t kMaxValue = 200;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

std::string scalar(const YAML::Node& n) {
  return n.IsDefined() && n.IsScalar() ? n.Scalar() : std::string{};
}

bool valid_host(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  for (char c : h) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

// A status as the registry wrote it -> the shared spelling. JPRS appends the expiry in
// brackets ("Connected (2024/06/30)"); all-capital values ("ACTIVE") are lower-cased first so
// the camelCase rule of normalize_epp_status does not split them into letters.
std::string normalise_status(std::string_view raw) {
  std::string_view s = trim(raw);
  auto paren = s.find(" (");
  if (paren != std::string_view::npos) s = trim(s.substr(0, paren));
  bool has_lower = std::any_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  if (!has_lower) return normalize_epp_status(lower_ascii(s));
  return normalize_epp_status(s);
}

// "2025/05/31" (JPRS, a JST date: valid through that day), RFC 3339 / ISO 8601, or a bare
// "2025-05-31".
std::optional<core::TimeNs> parse_whois_date(std::string_view s) {
  s = trim(s);
  auto digits = [&](std::size_t from, std::size_t n) {
    if (s.size() < from + n) return false;
    for (std::size_t i = from; i < from + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
    }
    return true;
  };
  if (digits(0, 4) && s.size() >= 10 && s[4] == '/' && digits(5, 2) && s[7] == '/' &&
      digits(8, 2)) {
    std::string iso = std::string(s.substr(0, 4)) + "-" + std::string(s.substr(5, 2)) + "-" +
                      std::string(s.substr(8, 2)) + "T23:59:59+09:00";
    return core::parse_iso8601(iso, false);
  }
  if (auto t = core::parse_iso8601(s, true)) return t;
  if (digits(0, 4) && s.size() >= 10 && s[4] == '-' && digits(5, 2) && s[7] == '-' &&
      digits(8, 2)) {
    return core::parse_iso8601(std::string(s.substr(0, 10)) + "T00:00:00Z", true);
  }
  return std::nullopt;
}

// The date inside "Connected (2024/06/30)".
std::string bracket_date(std::string_view v) {
  auto open = v.find('(');
  auto close = v.find(')', open == std::string_view::npos ? 0 : open);
  if (open == std::string_view::npos || close == std::string_view::npos) return {};
  return std::string(trim(v.substr(open + 1, close - open - 1)));
}

void add_status(WhoisRecord& r, std::string_view value) {
  std::string n = normalise_status(value);
  if (n.empty() || r.status.size() >= kMaxStatuses) return;
  if (std::find(r.status.begin(), r.status.end(), n) == r.status.end()) r.status.push_back(n);
  std::string_view shown = trim(value);
  auto http = shown.find(" http");
  if (http != std::string_view::npos) shown = trim(shown.substr(0, http));
  r.status_text += (r.status_text.empty() ? "" : ", ") + std::string(shown.substr(0, kMaxValue));
}

void add_nameserver(WhoisRecord& r, std::string_view value) {
  std::string_view v = trim(value);
  auto sp = v.find_first_of(" \t");
  if (sp != std::string_view::npos) v = v.substr(0, sp);  // "ns1.example.jp 192.0.2.1"
  if (v.empty() || r.nameservers.size() >= kMaxNameservers) return;
  std::string n = normalize_name(v.substr(0, 253));
  if (std::find(r.nameservers.begin(), r.nameservers.end(), n) == r.nameservers.end())
    r.nameservers.push_back(n);
}

void set_expiry(WhoisRecord& r, std::string_view value) {
  std::string_view v = trim(value);
  if (v.empty()) return;
  r.expiration_text = std::string(v.substr(0, 64));
  r.expiration = parse_whois_date(v);
}

// JPRS: "[Key]   value" with an optional "a. " item letter in front.
bool jprs_line(std::string_view line, std::string_view& key, std::string_view& value) {
  std::string_view s = trim(line);
  if (s.size() > 3 && s[1] == '.' && s[2] == ' ' && s[0] >= 'a' && s[0] <= 'z')
    s = trim(s.substr(3));
  if (s.empty() || s.front() != '[') return false;
  auto close = s.find(']');
  if (close == std::string_view::npos) return false;
  key = trim(s.substr(1, close - 1));
  value = trim(s.substr(close + 1));
  return !key.empty();
}

bool jprs_key(WhoisRecord& r, std::string_view key, std::string_view value) {
  if (key == "Domain Name" || key == "ドメイン名") {
    if (r.domain_name.empty()) r.domain_name = normalize_name(value.substr(0, 253));
  } else if (key == "Status" || key == "State" || key == "状態") {
    add_status(r, value);
    std::string d = bracket_date(value);
    if (!d.empty() && r.expiration_text.empty()) set_expiry(r, d);
  } else if (key == "Expires on" || key == "有効期限") {
    set_expiry(r, value);
  } else if (key == "Name Server" || key == "ネームサーバ") {
    add_nameserver(r, value);
  } else if (key == "Last Update" || key == "Last Updated" || key == "最終更新") {
    r.last_update = std::string(value.substr(0, 64));
  } else if (key == "Lock Status" || key == "ロック状態") {
    r.lock_status = std::string(value.substr(0, 64));
  } else {
    return false;
  }
  return true;
}

bool generic_key(WhoisRecord& r, const std::string& key, std::string_view value) {
  if (key == "domain name" || key == "domain") {
    if (r.domain_name.empty() && !value.empty())
      r.domain_name = normalize_name(trim(value).substr(0, 253));
  } else if (key == "domain status" || key == "status" || key == "state") {
    add_status(r, value);
  } else if (key == "registry expiry date" || key == "registrar registration expiration date" ||
             key == "expiry date" || key == "expiration date" || key == "expires" ||
             key == "expire" || key == "paid-till") {
    if (r.expiration_text.empty() || key == "registry expiry date") set_expiry(r, value);
  } else if (key == "name server" || key == "nserver" || key == "nameserver") {
    add_nameserver(r, value);
  } else if (key == "registrar") {
    if (r.registrar.empty()) r.registrar = std::string(trim(value).substr(0, kMaxValue));
  } else if (key == "updated date" || key == "last updated" || key == "last-update") {
    if (r.last_update.empty()) r.last_update = std::string(trim(value).substr(0, 64));
  } else {
    return false;
  }
  return true;
}

bool not_found_line(std::string_view line) {
  std::string l = lower_ascii(trim(line).substr(0, 80));
  for (const char* p :
       {"no match", "not found", "no data found", "no entries found", "domain not found",
        "the queried object does not exist", "no object found", "%% no match", "% no match"}) {
    if (starts_with(l, p)) return true;
  }
  return false;
}

}  // namespace

std::string WhoisServer::text() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

const WhoisServer* WhoisServers::server_for(std::string_view domain) const {
  std::string d = normalize_name(domain);
  const WhoisServer* best = nullptr;
  for (const WhoisServer& s : servers) {
    const std::string& e = s.suffix;
    bool match =
        d == e || (d.size() > e.size() && d.compare(d.size() - e.size(), e.size(), e) == 0 &&
                   d[d.size() - e.size() - 1] == '.');
    if (match && (best == nullptr || e.size() > best->suffix.size())) best = &s;
  }
  return best;
}

core::Result<WhoisServer> parse_whois_server(std::string_view text) {
  WhoisServer s;
  std::string_view host = text;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos)
      return core::make_error("whois_bad_server", "bad WHOIS server '" + std::string(text) + "'");
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':')
        return core::make_error("whois_bad_server", "bad WHOIS server '" + std::string(text) + "'");
      port = text.substr(close + 2);
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    auto colon = text.find(':');
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (!valid_host(host))
    return core::make_error("whois_bad_server",
                            "bad WHOIS server host '" + std::string(host) + "'");
  s.host = std::string(host);
  if (!port.empty()) {
    long p = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || p > 65535) {
        p = -1;
        break;
      }
      p = p * 10 + (c - '0');
    }
    if (p <= 0 || p > 65535)
      return core::make_error("whois_bad_server",
                              "bad WHOIS server port '" + std::string(port) + "'");
    s.port = static_cast<std::uint16_t>(p);
  }
  return s;
}

core::Result<WhoisServers> parse_whois_servers(const std::string& text, const std::string& origin) {
  std::vector<std::string> problems;
  WhoisServers out;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return core::make_error("whois_bad_yaml", origin + ":" + std::to_string(e.mark.line + 1) + ":" +
                                                  std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  try {
    if (!root.IsMap())
      return core::make_error("whois_bad_yaml", origin + ": top level must be a map");
    std::string v = scalar(root["version"]);
    if (v.empty())
      problems.push_back(origin + ": missing \"version\"");
    else
      out.version = std::atoi(v.c_str());
    YAML::Node list = root["servers"];
    if (!list.IsDefined() || !list.IsSequence())
      return core::make_error("whois_bad_yaml", origin + ": \"servers\" must be a list");
    for (const YAML::Node& n : list) {
      std::string tld = lower_ascii(scalar(n["tld"]));
      std::string server = scalar(n["server"]);
      if (tld.empty() || server.empty()) {
        problems.push_back(core::yaml_where(origin, n) +
                           ": each server needs \"tld\" and \"server\"");
        continue;
      }
      auto s = parse_whois_server(server);
      if (!s) {
        problems.push_back(core::yaml_where(origin, n) + ": " + s.error().message);
        continue;
      }
      std::string port = scalar(n["port"]);
      if (!port.empty()) {
        long p = std::strtol(port.c_str(), nullptr, 10);
        if (p <= 0 || p > 65535) {
          problems.push_back(core::yaml_where(origin, n) + ": port must be 1..65535");
          continue;
        }
        s->port = static_cast<std::uint16_t>(p);
      }
      s->suffix = tld;
      s->query_suffix = scalar(n["query_suffix"]);
      if (s->query_suffix.find_first_of("\r\n") != std::string::npos) {
        problems.push_back(core::yaml_where(origin, n) +
                           ": query_suffix must not contain line breaks");
        continue;
      }
      out.servers.push_back(std::move(*s));
    }
  } catch (const YAML::Exception& e) {
    problems.push_back(origin + ": " + e.what());
  }
  if (!problems.empty()) {
    std::string msg;
    for (const auto& p : problems) msg += (msg.empty() ? "" : "\n") + p;
    return core::make_error("whois_servers_invalid", msg);
  }
  return out;
}

core::Result<WhoisServers> load_whois_servers(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return core::make_error("whois_servers_not_found", "cannot read WHOIS server table " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_whois_servers(ss.str(), path);
}

std::string decode_whois_text(std::string_view raw) {
  std::string out;
  // ISO-2022-JP switches to JIS X 0208 with ESC $ B (or ESC $ @); plain UTF-8 never has ESC $.
  if (raw.find("\x1b$") == std::string_view::npos) {
    core::utf8_append_replacing_invalid(out, raw);
    return out;
  }
  iconv_t cd = iconv_open("UTF-8", "ISO-2022-JP-2");
  // NOLINTNEXTLINE(performance-no-int-to-ptr): (iconv_t)-1 is iconv_open's documented failure
  if (cd == reinterpret_cast<iconv_t>(-1)) {  // no gconv module: keep what is readable
    core::utf8_append_replacing_invalid(out, raw);
    return out;
  }
  std::string in(raw);
  char* inp = in.data();
  std::size_t inleft = in.size();
  std::string buf(in.size() * 4 + 16, '\0');
  std::string utf8;
  while (inleft > 0) {
    char* outp = buf.data();
    std::size_t outleft = buf.size();
    std::size_t rc = iconv(cd, &inp, &inleft, &outp, &outleft);
    utf8.append(buf.data(), buf.size() - outleft);
    if (rc != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) continue;
    // EILSEQ / EINVAL: a byte that cannot be read; mark it and go on after it.
    utf8 += "\xEF\xBF\xBD";
    ++inp;
    --inleft;
  }
  {
    char* outp = buf.data();
    std::size_t outleft = buf.size();
    iconv(cd, nullptr, nullptr, &outp, &outleft);  // flush the shift state
    utf8.append(buf.data(), buf.size() - outleft);
  }
  iconv_close(cd);
  core::utf8_append_replacing_invalid(out, utf8);
  return out;
}

core::Result<WhoisRecord> parse_whois(std::string_view raw) {
  std::string text = decode_whois_text(raw);
  WhoisRecord r;
  bool jprs = false;
  bool not_found = false;
  std::size_t pos = 0;
  std::size_t lines = 0;
  while (pos < text.size() && lines < 20000) {
    ++lines;
    auto nl = text.find('\n', pos);
    std::string_view line(text.data() + pos, (nl == std::string::npos ? text.size() : nl) - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    if (line.size() > 1000) line = line.substr(0, 1000);
    std::string_view key;
    std::string_view value;
    if (jprs_line(line, key, value)) {
      if (jprs_key(r, key, value)) jprs = true;
      continue;
    }
    std::string_view t = trim(line);
    if (t.empty() || t.front() == '%' || t.front() == '#' || t.front() == '>') {
      if (!t.empty() && t.front() == '%' && not_found_line(t.substr(1))) not_found = true;
      continue;
    }
    if (not_found_line(t)) {
      not_found = true;
      continue;
    }
    auto colon = t.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 64) continue;
    (void)generic_key(r, lower_ascii(trim(t.substr(0, colon))), trim(t.substr(colon + 1)));
  }
  r.format = jprs ? "jprs" : "generic";
  if (r.domain_name.empty() && r.status.empty()) {
    if (not_found) {
      r.not_found = true;
      return r;
    }
    return core::make_error("whois_no_record", "the WHOIS answer holds no domain record");
  }
  return r;
}

namespace {

struct Conn {
  std::size_t index = 0;
  int fd = -1;
  enum class Step { Connecting, Sending, Reading } step = Step::Connecting;
  std::string query;
  std::size_t sent = 0;
  std::chrono::steady_clock::time_point deadline;
};

struct Resolved {
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string error;
};

Resolved resolve(const WhoisServer& s) {
  Resolved r;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string port = std::to_string(s.port);
  int rc = getaddrinfo(s.host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0 || res == nullptr) {
    r.error = "cannot resolve WHOIS server " + s.host + ": " + gai_strerror(rc);
    return r;
  }
  std::memcpy(&r.addr, res->ai_addr, res->ai_addrlen);
  r.len = static_cast<socklen_t>(res->ai_addrlen);
  freeaddrinfo(res);
  return r;
}

}  // namespace

std::vector<WhoisFetch> fetch_whois(const std::vector<WhoisQuery>& queries,
                                    const WhoisFetchOptions& opt) {
  using Clock = std::chrono::steady_clock;
  std::vector<WhoisFetch> out(queries.size());
  std::map<std::string, Resolved> hosts;
  std::vector<Conn> active;
  std::size_t next = 0;
  const std::size_t parallel = std::max<std::size_t>(1, opt.max_parallel);
  auto finish = [&](Conn& c, std::string error, bool timed_out) {
    if (c.fd >= 0) ::close(c.fd);
    c.fd = -1;
    WhoisFetch& f = out[c.index];
    if (f.error.empty()) f.error = std::move(error);
    f.timed_out = f.timed_out || timed_out;
  };
  while (next < queries.size() || !active.empty()) {
    if (opt.cancel != nullptr && opt.cancel->load()) {
      for (auto& c : active) finish(c, "cancelled", false);
      active.clear();
      for (; next < queries.size(); ++next) {
        out[next].server = queries[next].server.text();
        out[next].error = "cancelled";
      }
      break;
    }
    while (next < queries.size() && active.size() < parallel) {
      std::size_t i = next++;
      const WhoisQuery& q = queries[i];
      out[i].server = q.server.text();
      // The name goes into a text protocol: nothing but a domain name may reach the socket.
      bool plain = !q.domain.empty() && q.domain.size() <= 253 &&
                   std::all_of(q.domain.begin(), q.domain.end(), [](char c) {
                     return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
                   });
      if (!plain) {
        out[i].error = "not a domain name, not sent";
        continue;
      }
      auto h = hosts.find(q.server.text());
      if (h == hosts.end()) h = hosts.emplace(q.server.text(), resolve(q.server)).first;
      if (!h->second.error.empty()) {
        out[i].error = h->second.error;
        continue;
      }
      Conn c;
      c.index = i;
      c.query = q.domain + q.server.query_suffix + "\r\n";
      c.deadline = Clock::now() + std::chrono::milliseconds(opt.timeout_ms);
      c.fd = ::socket(h->second.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (c.fd < 0) {
        out[i].error = std::string("socket: ") + std::strerror(errno);
        continue;
      }
      int rc = ::connect(c.fd, reinterpret_cast<const sockaddr*>(&h->second.addr), h->second.len);
      if (rc != 0 && errno != EINPROGRESS) {
        finish(c, std::string("connect: ") + std::strerror(errno), false);
        continue;
      }
      c.step = rc == 0 ? Conn::Step::Sending : Conn::Step::Connecting;
      active.push_back(std::move(c));
    }
    if (active.empty()) continue;
    std::vector<pollfd> fds(active.size());
    auto now = Clock::now();
    auto wait = std::chrono::milliseconds(std::min(opt.timeout_ms, 200));  // cancel checks
    for (std::size_t k = 0; k < active.size(); ++k) {
      fds[k].fd = active[k].fd;
      fds[k].events = active[k].step == Conn::Step::Reading ? POLLIN : POLLOUT;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(active[k].deadline - now);
      wait = std::min(wait, std::max(left, std::chrono::milliseconds(0)));
    }
    int n = ::poll(fds.data(), fds.size(), static_cast<int>(wait.count()) + 1);
    if (n < 0 && errno != EINTR) {
      for (auto& c : active) finish(c, std::string("poll: ") + std::strerror(errno), false);
      active.clear();
      continue;
    }
    now = Clock::now();
    for (std::size_t k = 0; k < active.size(); ++k) {
      Conn& c = active[k];
      WhoisFetch& f = out[c.index];
      short ev = n > 0 ? fds[k].revents : 0;
      if (ev != 0 && c.step == Conn::Step::Connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
          finish(c, std::string("connect: ") + std::strerror(err), false);
          continue;
        }
        c.step = Conn::Step::Sending;
      }
      if (ev != 0 && c.step == Conn::Step::Sending) {
        ssize_t w = ::send(c.fd, c.query.data() + c.sent, c.query.size() - c.sent, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
          finish(c, std::string("send: ") + std::strerror(errno), false);
          continue;
        }
        if (w > 0) c.sent += static_cast<std::size_t>(w);
        // No shutdown(SHUT_WR): some servers drop the query on FIN (reference §2.6).
        if (c.sent == c.query.size()) c.step = Conn::Step::Reading;
        continue;
      }
      if (ev != 0 && c.step == Conn::Step::Reading) {
        char buf[16384];
        ssize_t r = ::recv(c.fd, buf, sizeof buf, 0);
        if (r == 0) {
          finish(c, "", false);  // answered and closed
          continue;
        }
        if (r < 0) {
          if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            finish(c, std::string("recv: ") + std::strerror(errno), false);
            continue;
          }
        } else {
          std::size_t room = opt.max_bytes - std::min(opt.max_bytes, f.body.size());
          f.body.append(buf, std::min(room, static_cast<std::size_t>(r)));
          if (static_cast<std::size_t>(r) > room) {
            f.too_large = true;
            finish(c, "answer larger than " + std::to_string(opt.max_bytes / 1024) + " KiB", false);
            continue;
          }
        }
      }
      if (c.fd >= 0 && now >= c.deadline) {
        finish(c,
               c.step == Conn::Step::Connecting
                   ? "no connection within " + std::to_string(opt.timeout_ms) + " ms"
                   : "no complete answer within " + std::to_string(opt.timeout_ms) + " ms",
               true);
      }
    }
    active.erase(
        std::remove_if(active.begin(), active.end(), [](const Conn& c) { return c.fd < 0; }),
        active.end());
  }
  return out;
}

std::vector<CheckResult> whois_results(const std::string& domain, const WhoisFetch& f,
                                       core::TimeNs now) {
  std::vector<CheckResult> out;
  CheckResult r;
  r.check = "whois";
  r.source = f.server;
  if (!f.error.empty()) {
    r.state = f.timed_out ? "timeout" : "error";
    r.severity = Severity::Unknown;
    r.detail = "no WHOIS answer: " + f.error;
    out.push_back(r);
    return out;
  }
  if (f.body.empty()) {
    r.state = "error";
    r.severity = Severity::Unknown;
    r.detail = "the WHOIS server closed the connection without an answer";
    out.push_back(r);
    return out;
  }
  auto parsed = parse_whois(f.body);
  if (!parsed) {
    r.state = "bad_answer";
    r.severity = Severity::Unknown;
    r.detail = parsed.error().message;
    out.push_back(r);
    return out;
  }
  const WhoisRecord& d = parsed.value();
  if (d.not_found) {
    r.state = "not_registered";
    r.severity = Severity::Critical;
    r.detail = "the registry's WHOIS server does not know " + domain + " (\"No match\")";
    out.push_back(r);
    return out;
  }
  // JPRS may print an IDN in its Japanese form ([Domain Name] 例え.JP): compare A-labels.
  auto answered = parse_domain_name(d.domain_name);
  if (!d.domain_name.empty() && d.domain_name != normalize_name(domain) &&
      (!answered || answered->ascii != normalize_name(domain))) {
    r.state = "bad_answer";
    r.severity = Severity::Unknown;
    r.detail = "the WHOIS answer is about " + d.domain_name + ", not " + normalize_name(domain);
    out.push_back(r);
    return out;
  }
  // The worst status decides; holds name who set them, as for RDAP.
  r.state = "ok";
  r.severity = Severity::Ok;
  for (const std::string& s : d.status) {
    std::string state;
    Severity sev = Severity::Ok;
    if (status_removes_from_dns(s)) {
      state = s;
      std::replace(state.begin(), state.end(), ' ', '_');
      sev = Severity::Critical;
    } else if (s == "suspended") {  // JPRS: deleted, in the restore window
      state = "suspended";
      sev = Severity::Critical;
    } else if (s == "to be suspended" || s == "to be deleted") {
      state = "deletion_requested";
      sev = Severity::Warning;
    } else if (d.format == "jprs" && s != "active" && s != "connected") {
      state = "unknown_status";
      sev = Severity::Warning;
    }
    if (sev > r.severity) {
      r.state = state;
      r.severity = sev;
    }
    if (s == "server hold" || s == "client hold") {
      r.state = state;
      r.severity = sev;
      break;  // the most specific reason
    }
  }
  r.detail = "status: " + (d.status_text.empty() ? std::string("(none)") : d.status_text);
  if (!d.registrar.empty()) r.detail += "; registrar: " + d.registrar;
  if (!d.expiration_text.empty()) r.detail += "; expires " + d.expiration_text;
  if (!d.nameservers.empty()) {
    std::string ns;
    for (const auto& n : d.nameservers) ns += (ns.empty() ? "" : " ") + n;
    r.detail += "; name servers: " + ns;
  }
  if (!d.lock_status.empty()) r.detail += "; lock: " + d.lock_status;
  if (!d.last_update.empty()) r.detail += "; last update " + d.last_update;
  if (d.format == "jprs" && d.nameservers.empty() && r.severity == Severity::Ok)
    r.detail += "; no name servers registered";
  out.push_back(r);
  append_registration_results(out, "whois", f.server, d.expiration, d.expiration_text,
                              d.nameservers, now);
  return out;
}

}  // namespace bannin::probe::domain
