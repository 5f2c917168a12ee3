#include <bannin/core/ip_address.h>
#include <bannin/decode/daemon/text.h>

namespace bannin::decode::daemon {

using model::Field;

namespace {
char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}
}  // namespace

string_view trim(string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

string_view first_token(string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
  return s.substr(0, i);
}

bool consume(string_view& s, string_view prefix) noexcept {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}

bool consume_ci(string_view& s, string_view prefix) noexcept {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(s[i]) != lower(prefix[i])) return false;
  }
  s.remove_prefix(prefix.size());
  return true;
}

std::size_t find_ci(string_view s, string_view needle, std::size_t from) noexcept {
  if (needle.empty()) return from <= s.size() ? from : npos;
  if (s.size() < needle.size()) return npos;
  for (std::size_t i = from; i + needle.size() <= s.size(); ++i) {
    std::size_t k = 0;
    while (k < needle.size() && lower(s[i + k]) == lower(needle[k])) ++k;
    if (k == needle.size()) return i;
  }
  return npos;
}

bool contains(string_view s, string_view needle) noexcept {
  return s.find(needle) != npos;
}

bool strip_suffix(string_view& s, string_view suffix) noexcept {
  string_view t = trim(s);
  if (!t.ends_with(suffix)) return false;
  t.remove_suffix(suffix.size());
  s = trim(t);
  return true;
}

bool is_digits(string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::optional<std::int64_t> to_uint(string_view s) noexcept {
  if (!is_digits(s) || s.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

string_view clean_addr(string_view s) noexcept {
  s = trim(s);
  if (s.size() >= 2 &&
      ((s.front() == '[' && s.back() == ']') || (s.front() == '<' && s.back() == '>') ||
       (s.front() == '(' && s.back() == ')') || (s.front() == '"' && s.back() == '"') ||
       (s.front() == '\'' && s.back() == '\''))) {
    s = s.substr(1, s.size() - 2);
  }
  string_view t = s;
  if (consume_ci(t, "IPv6:")) s = t;
  return s;
}

bool is_ip(string_view text) noexcept {
  return core::IpAddress::parse(clean_addr(text)).has_value();
}

string_view strip_port(string_view s, std::int64_t* port) noexcept {
  s = trim(s);
  if (s.size() > 2 && s.front() == '[') {
    std::size_t close = s.find(']');
    if (close != npos) {
      if (port != nullptr && close + 1 < s.size() && s[close + 1] == ':') {
        if (auto p = to_uint(s.substr(close + 2))) *port = *p;
      }
      return s.substr(1, close - 1);
    }
  }
  if (core::IpAddress::parse(s)) return s;
  std::size_t colon = s.rfind(':');
  if (colon == npos || colon + 1 >= s.size()) return s;
  auto p = to_uint(s.substr(colon + 1));
  if (!p || *p > 65535) return s;
  if (port != nullptr) *port = *p;
  return s.substr(0, colon);
}

bool set_addr(string_view text, model::Event& ev) noexcept {
  string_view s = clean_addr(text);
  if (s.empty() || s == "-" || s == "?" || s == "unknown") return false;
  if (auto ip = core::IpAddress::parse(s)) {
    ev.set_ip(Field::SrcIp, *ip);
    return true;
  }
  // A host name: letters, digits, '.', '-', '_', ':' only (so junk is not reported as a host).
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_' || c == ':';
    if (!ok) return false;
  }
  ev.set_string(Field::SrcHost, s);
  return true;
}

void auth_event(model::Event& ev, string_view service, string_view outcome) noexcept {
  ev.set_kind(model::EventKind::AuthAttempt);
  if (!service.empty()) ev.set_string(Field::Service, service);
  ev.set_string(Field::Outcome, outcome);
}

void set_outcome(model::Event& ev, string_view outcome, string_view reason) noexcept {
  ev.set_string(Field::Outcome, outcome);
  if (!reason.empty()) ev.set_string(Field::Reason, reason);
}

void set_str(model::Event& ev, model::Field f, string_view v) noexcept {
  if (!v.empty()) ev.set_string(f, v);
}

string_view bracket_addr(string_view s, std::size_t pos, std::size_t* end) noexcept {
  std::size_t open = s.find('[', pos);
  if (open == npos) return {};
  std::size_t close = s.find(']', open + 1);
  if (close == npos) return {};
  if (end != nullptr) *end = close + 1;
  return s.substr(open + 1, close - open - 1);
}

string_view kv(string_view s, string_view key, string_view stops) noexcept {
  std::size_t pos = 0;
  while ((pos = s.find(key, pos)) != npos) {
    bool boundary = pos == 0 || s[pos - 1] == ' ' || s[pos - 1] == ',' || s[pos - 1] == ';' ||
                    s[pos - 1] == '(';
    if (boundary && pos + key.size() < s.size() + 1 &&
        s.substr(pos + key.size()).starts_with("=")) {
      string_view v = s.substr(pos + key.size() + 1);
      std::size_t e = v.find_first_of(stops);
      return e == npos ? v : v.substr(0, e);
    }
    pos += key.size();
  }
  return {};
}

string_view kv_angle(string_view s, string_view key) noexcept {
  std::size_t pos = 0;
  while ((pos = s.find(key, pos)) != npos) {
    bool boundary = pos == 0 || s[pos - 1] == ' ' || s[pos - 1] == ',';
    string_view v = s.substr(pos + key.size());
    if (boundary && v.starts_with("=<")) {
      v.remove_prefix(2);
      std::size_t e = v.find('>');
      return e == npos ? v : v.substr(0, e);
    }
    pos += key.size();
  }
  return {};
}

string_view domain_of(string_view addr) noexcept {
  std::size_t at = addr.rfind('@');
  if (at == npos || at + 1 >= addr.size()) return {};
  return addr.substr(at + 1);
}

string_view service_family(string_view name) noexcept {
  // The PAM service is the daemon's own name for itself (pam_start's first argument), the
  // program name is the syslog tag; both are matched by prefix so "sshd-session",
  // "imapd-ssl", "pure-ftpd" and "postfix/submission/smtpd" land in their family.
  std::size_t slash = name.find('/');
  string_view n = slash == npos ? name : name.substr(0, slash);
  if (n == "sshd" || n.starts_with("sshd-") || n == "ssh" || n == "dropbear") return kSvcSsh;
  if (n == "dovecot" || n == "imap" || n == "imapd" || n == "imaps" || n == "pop3" || n == "pop" ||
      n == "pop3d" || n == "pop3s" || n == "imapd-ssl" || n == "pop3d-ssl" || n == "managesieve" ||
      n == "sieve" || n == "cyrus" || n == "courier" || n.starts_with("courier-") || n == "mail" ||
      n == "mailbox" || n.ends_with("-login")) {
    return kSvcMailbox;
  }
  if (n == "smtp" || n == "smtpd" || n == "postfix" || n.starts_with("postfix-") ||
      n == "sendmail" || n.starts_with("sm-") || n.starts_with("exim") || n == "submission" ||
      n == "courieresmtpd" || n == "qmail" || n == "rblsmtpd" || n == "lmtp") {
    return kSvcSmtp;
  }
  if (n == "ftp" || n == "vsftpd" || n == "proftpd" || n == "pure-ftpd" || n == "wu-ftpd" ||
      n == "ftpd") {
    return kSvcFtp;
  }
  if (n == "named" || n == "bind" || n == "unbound") return kSvcDns;
  if (n == "mysql" || n == "mysqld" || n == "mariadb" || n == "mariadbd") return kSvcSql;
  if (n == "httpd" || n == "apache" || n == "apache2" || n == "nginx" || n == "webmail" ||
      n == "roundcube" || n == "haproxy" || n == "monit") {
    return kSvcHttp;
  }
  return name;
}

}  // namespace bannin::decode::daemon
