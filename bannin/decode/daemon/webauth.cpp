#include <algorithm>
#include <array>

#include <bannin/core/time.h>
#include <bannin/decode/daemon/text.h>
#include <bannin/decode/daemon/webauth.h>

namespace bannin::decode::daemon {

using model::Field;

namespace {

constexpr string_view kHttp = kSvcHttp;

// "[client 1.2.3.4:5678]" / "[client 2001:db8::1]" / "[client [2001:db8::1]:5678]"
void apache_client(string_view c, model::Event& ev) {
  std::int64_t port = 0;
  string_view host = c;
  if (!is_ip(c)) host = strip_port(c, &port);
  if (set_addr(host, ev) && port > 0) ev.set_int(Field::SrcPort, port);
}

}  // namespace

namespace {

// Apache 2.4's default ErrorLogFormat puts two optional fields between "[pid …]" and the
// client: "%7F: ", the source file and line, logged at LogLevel debug and trace
// ("ssl_engine_kernel.c(2320): "), and "%E: ", an APR error status ("(13)Permission denied: ",
// "(104)Connection reset by peer: "). Returns r past them when a bracketed group follows,
// else r unchanged.
string_view skip_file_and_status(string_view r) noexcept {
  string_view s = r;
  std::size_t colon = s.find(": ");
  std::size_t paren = s.find('(');
  // "%F": a file name, "(", line digits, ")".
  if (colon != npos && paren != npos && paren > 0 && paren < colon && s[colon - 1] == ')' &&
      is_digits(s.substr(paren + 1, colon - 1 - paren - 1))) {
    bool name = true;
    for (std::size_t i = 0; i < paren && name; ++i) {
      char c = s[i];
      name = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '_' || c == '.' || c == '-' || c == '/';
    }
    if (name) s = trim(s.substr(colon + 2));
  }
  // "%E": "(<errno>)<text>: ".
  if (s.starts_with("(")) {
    std::size_t close = s.find(')');
    std::size_t end = s.find(": ");
    if (close != npos && end != npos && close < end && is_digits(s.substr(1, close - 1))) {
      s = trim(s.substr(end + 2));
    }
  }
  return s.starts_with("[") ? s : r;
}

}  // namespace

bool decode_apache_error(string_view msg, model::Event& ev) {
  string_view r = trim(msg);
  string_view module;
  bool have_client = false;
  // Leading "[...]" groups: [module:level] [pid N:tid M] [client A:P] / [remote A:P].
  while (r.starts_with("[")) {
    // A bracketed client may itself hold brackets ("[client [v6]:port]").
    std::size_t close = npos;
    int depth = 0;
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (r[i] == '[')
        ++depth;
      else if (r[i] == ']' && --depth == 0) {
        close = i;
        break;
      }
    }
    if (close == npos) return false;
    string_view g = r.substr(1, close - 1);
    if (consume(g, "client ") || consume(g, "remote ")) {
      apache_client(g, ev);
      have_client = true;
    } else if (g.find(':') != npos && module.empty() && !g.starts_with("pid ")) {
      module = g.substr(0, g.find(':'));
    } else if (g == "error" || g == "warn" || g == "notice" || g == "crit" || g == "alert" ||
               g == "info") {
      // level only (Apache 2.2)
    }
    r = trim(r.substr(close + 1));
    if (!have_client && !r.starts_with("[")) r = skip_file_and_status(r);
  }
  if (!have_client) return false;
  // Apache 2.4 message codes "AH01618: ".
  string_view code;
  if (r.starts_with("AH") && r.size() > 8 && r[7] == ':') {
    code = r.substr(0, 7);
    r = trim(r.substr(8));
  }
  // mod_auth_* prefix their messages with the scheme ("Digest: ", "Basic: "): fail2ban's
  // apache-auth `auth_type = ([A-Z]\w+: )?`.
  {
    std::size_t c = r.find(": ");
    bool word = c != npos && c > 1 && c < 16 && r[0] >= 'A' && r[0] <= 'Z';
    for (std::size_t i = 1; word && i < c; ++i) {
      char ch = r[i];
      word = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
             ch == '_';
    }
    if (word) r = trim(r.substr(c + 2));
  }
  std::size_t ref = r.find(", referer: ");
  if (ref != npos) r = r.substr(0, ref);

  auth_event(ev, kHttp, kNeutral);
  set_str(ev, Field::Reason, code.empty() ? r : code);
  bool fail = false;
  string_view t = r;
  if (consume(t, "user ")) {
    // mod_auth_basic/digest, mod_authz_*: "user X not found: /path", "user X: authentication
    // failure for "/p": Password Mismatch", "user X: authorization failure for …", "user X:
    // password mismatch", "user X denied by provider", "user `X' in realm `R' not found: /p".
    static constexpr string_view kVerdicts[] = {" not found", " authentication failure",
                                                " authorization failure", " denied by provider",
                                                ": password mismatch"};
    std::size_t verdict = npos;
    for (string_view v : kVerdicts) verdict = std::min(verdict, t.find(v));
    if (verdict != npos) {
      fail = true;
      std::size_t e = t.find(": ");
      std::size_t in_realm = t.find(" in realm ");
      std::size_t end = std::min({e, verdict, in_realm});
      string_view user = end == npos ? t : t.substr(0, end);
      if (user.size() >= 2 && user.front() == '`' && user.back() == '\'')
        user = user.substr(1, user.size() - 2);
      set_str(ev, Field::User, trim(user));
    }
  } else if (r.starts_with("client denied by server configuration")) {
    // mod_evasive answers with this text for clients it already blocks: not new evidence.
    fail = !module.starts_with("evasive");
  } else if (r.starts_with("client used wrong authentication scheme") ||
             r.starts_with("Authorization of user ") || r.starts_with("invalid qop ") ||
             r.starts_with("realm mismatch") || r.starts_with("unknown algorithm ") ||
             (r.starts_with("Hostname ") && contains(r, " provided via SNI")) ||
             r.starts_with("No hostname was provided via SNI") ||
             r.starts_with("client sent HTTP/1.1 request without hostname")) {
    fail = true;
    if (consume(t, "Authorization of user ")) set_str(ev, Field::User, first_token(t));
  } else if (r.starts_with("invalid nonce ")) {
    // A nonce that fails the hash check is what a stale browser tab sends, too.
    fail = !contains(r, " - hash is not ");
  }
  if (fail) ev.set_string(Field::Outcome, kFailure);
  return true;
}

bool decode_nginx_error(string_view msg, model::Event& ev) {
  string_view r = trim(msg);
  // Optional nginx timestamp when it came through syslog/journal: "2023/12/09 21:35:20 ".
  if (r.size() > 20 && r[4] == '/' && r[7] == '/' && r[10] == ' ') r = trim(r.substr(19));
  if (!r.starts_with("[")) return false;
  std::size_t close = r.find("] ");
  if (close == npos) return false;
  r = trim(r.substr(close + 2));
  string_view pid = first_token(r);
  if (pid.find('#') == npos) return false;
  r = trim(r.substr(pid.size()));
  if (r.starts_with("*")) r = trim(r.substr(first_token(r).size()));
  // The client is the last ", client: X, server: " (user names and requests may contain text
  // that looks like it; the real one is followed by the server field).
  std::size_t pos = npos;
  std::size_t search = r.size();
  while (search > 0) {
    std::size_t c = r.rfind(", client: ", search - 1);
    if (c == npos) break;
    string_view rest = r.substr(c + 10);
    std::size_t comma = rest.find(", server: ");
    std::size_t end_field = rest.find(',');
    if ((comma != npos && comma == end_field) || end_field == npos) {
      pos = c;
      break;
    }
    search = c;
  }
  if (pos == npos) return false;
  string_view text = r.substr(0, pos);
  string_view fields = r.substr(pos + 10);
  // The mail proxy writes "client: <ip> using starttls, server: …" after STARTTLS.
  string_view client = first_token(fields);
  if (!client.empty() && client.back() == ',') client.remove_suffix(1);
  if (text.starts_with("client login failed") || contains(text, "while in http auth state")) {
    // ngx_mail_auth_http_module: the auth server refused the login ("Auth-Status" header,
    // e.g. "Authentication credentials invalid"); the listening port tells the protocol.
    std::size_t sv = fields.find(", server: ");
    string_view server = sv == npos ? string_view{} : first_token(fields.substr(sv + 10));
    if (!server.empty() && server.back() == ',') server.remove_suffix(1);
    std::int64_t port = 0;
    strip_port(server, &port);
    bool smtp = port == 25 || port == 465 || port == 587 || port == 2525;
    bool failed = text.starts_with("client login failed");
    auth_event(ev, smtp ? kSvcSmtp : kSvcMailbox, failed ? kFailure : kNeutral);
    set_addr(client, ev);
    set_str(ev, Field::Reason, text);
    std::size_t lg = fields.find(", login: \"");
    if (lg != npos) {
      string_view u = fields.substr(lg + 10);
      set_str(ev, Field::User, u.substr(0, u.find('"')));
    }
    return true;
  }
  auth_event(ev, kHttp, kNeutral);
  set_addr(client, ev);
  set_str(ev, Field::Reason, text);
  string_view t = text;
  bool fail = false;
  if (consume(t, "user \"")) {
    // ngx_http_auth_basic: `user "X": password mismatch`, `user "X" was not found in "F"`;
    // fail2ban's nginx-http-auth allows the colon on either (`":? `).
    std::size_t q = std::min(t.find("\": password mismatch"), t.find("\" password mismatch"));
    std::size_t q2 = std::min(t.find("\" was not found in "), t.find("\": was not found in "));
    std::size_t q3 = t.find("\": ");
    std::size_t end = std::min(q, q2);
    fail = end != npos;
    if (fail)
      set_str(ev, Field::User, t.substr(0, end));
    else if (q3 != npos)
      set_str(ev, Field::User, t.substr(0, q3));
  } else if (consume(t, "PAM: user '")) {
    std::size_t q = t.find('\'');
    if (q != npos) set_str(ev, Field::User, t.substr(0, q));
    fail = contains(t, "not authenticated");
  } else if (text.starts_with("no user/password was provided for basic authentication") ||
             (text.starts_with("SSL_do_handshake() failed") &&
              contains(text, "while SSL handshaking")) ||
             (text.starts_with("SSL_read() failed") &&
              contains(text, "while waiting for request"))) {
    fail = true;
  }
  if (fail) ev.set_string(Field::Outcome, kFailure);
  return true;
}

bool decode_roundcube(string_view msg, model::Event& ev) {
  string_view r = trim(msg);
  if (r.starts_with("<")) {  // session id "<3z506z6r> "
    std::size_t c = r.find("> ");
    if (c != npos && c < 20) r = r.substr(c + 2);
  }
  bool fail = false;
  std::size_t start = r.find("Login failed for ");
  std::size_t skip = 17;
  if (start == npos) start = r.find("Failed login for ");
  if (start == npos) start = r.find("FAILED login for ");
  if (start != npos) {
    fail = true;
  } else {
    start = r.find("Successful login for ");
    skip = 21;
    if (start == npos) return false;
  }
  string_view s = r.substr(start + skip);
  // The part that roundcube wrote itself ends at the first ". " followed by a capital letter
  // (the IMAP server's answer), " in session " or the end.
  std::size_t cut = s.size();
  for (std::size_t i = 0; i + 2 < s.size(); ++i) {
    if (s[i] == '.' && s[i + 1] == ' ' && s[i + 2] >= 'A' && s[i + 2] <= 'Z') {
      cut = i;
      break;
    }
  }
  std::size_t sess = s.find(" in session ");
  if (sess != npos && sess < cut) cut = sess;
  string_view head = s.substr(0, cut);
  std::size_t from = head.rfind(" from ");
  if (from == npos) return false;
  string_view host = head.substr(from + 6);
  std::size_t paren = host.find('(');
  if (paren != npos) host = host.substr(0, paren);
  host = first_token(host);
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  auth_event(ev, kHttp, fail ? kFailure : kSuccess);
  if (fail) ev.set_string(Field::Reason, "login_failed");
  string_view user = first_token(s);
  set_str(ev, Field::User, user);
  set_addr(host, ev);
  return true;
}

bool decode_webmail(string_view msg, model::Event& ev) {
  string_view r = trim(msg);
  // Horde: "[imp] FAILED LOGIN for user [1.2.3.4] to {…}"
  std::size_t h = r.find("FAILED LOGIN for ");
  if (h != npos) {
    string_view rest = r.substr(h + 17);
    std::size_t end = 0;
    string_view addr = bracket_addr(rest, 0, &end);
    if (addr.empty()) return false;
    auth_event(ev, kHttp, kFailure);
    ev.set_string(Field::Reason, "login_failed");
    set_str(ev, Field::User, trim(rest.substr(0, rest.find('['))));
    set_addr(addr, ev);
    return true;
  }
  // SquirrelMail: "[LOGIN_ERROR] user (domain) from 1.2.3.4: Unknown user or password incorrect."
  std::size_t sq = r.find("[LOGIN_ERROR] ");
  if (sq != npos) {
    string_view rest = r.substr(sq + 14);
    std::size_t from = rest.rfind(" from ");
    if (from == npos) return false;
    string_view ip = first_token(rest.substr(from + 6));
    if (!ip.empty() && ip.back() == ':') ip.remove_suffix(1);
    auth_event(ev, kHttp, kFailure);
    ev.set_string(Field::Reason, "login_failed");
    set_str(ev, Field::User, first_token(rest));
    set_addr(ip, ev);
    return true;
  }
  // OpenWebMail: "- [pid] (1.2.3.4) user - login error - reason" and, when the user does
  // not exist, "… - userinfo error - auth_unix.pl, ret -4, User x doesn't exist".
  std::size_t ow = r.find(" - login error - ");
  if (ow == npos) ow = r.find(" - userinfo error - ");
  if (ow != npos) {
    std::size_t open = r.rfind('(', ow);
    std::size_t close = open == npos ? npos : r.find(')', open);
    if (close == npos || close > ow) return false;
    auth_event(ev, kHttp, kFailure);
    set_str(ev, Field::Reason, trim(r.substr(r.find(" error - ", ow) + 9)));
    set_addr(r.substr(open + 1, close - open - 1), ev);
    set_str(ev, Field::User, trim(r.substr(close + 1, ow - close - 1)));
    return true;
  }
  return false;
}

bool decode_monit(string_view msg, model::Event& ev) {
  string_view r = trim(msg);
  // monit's own log file: "[TZ Mon DD hh:mm:ss] error    : " before the message.
  if (r.starts_with("[")) {
    std::size_t close = r.find("] ");
    if (close != npos && close < 48) r = trim(r.substr(close + 2));
  }
  {
    string_view lvl = first_token(r);
    string_view after = trim(r.substr(lvl.size()));
    if (!lvl.empty() && lvl.back() != ':' && after.starts_with(": ")) r = trim(after.substr(2));
  }
  // http/processor.c: "Warning: Client '<ip>' supplied {unknown user '<u>'|wrong password for
  // user '<u>'} accessing monit httpd" (monit < 5.23), then "HttpRequest: access denied --
  // client <ip>: <why>". Only the message start counts (filter.d/monit.conf anchors it).
  if (consume(r, "Warning: Client '")) {
    string_view rest = r;
    std::size_t q = rest.find('\'');
    if (q == npos) return false;
    string_view text = trim(rest.substr(q + 1));
    bool fail = text.starts_with("supplied wrong password for user '") ||
                text.starts_with("supplied unknown user '") ||
                text.starts_with("supplied empty password");
    auth_event(ev, kHttp, fail ? kFailure : kNeutral);
    set_str(ev, Field::Reason, trim(text));
    set_addr(rest.substr(0, q), ev);
    std::size_t u = text.find("user '");
    if (u != npos) {
      string_view user = text.substr(u + 6);
      set_str(ev, Field::User, user.substr(0, user.find('\'')));
    }
    return true;
  }
  if (!consume(r, "HttpRequest: access denied -- client ") &&
      !consume(r, "HttpRequest: access denied -- Client ")) {
    return false;
  }
  string_view rest = r;
  std::size_t colon = rest.find(": ");
  if (colon == npos) return false;
  string_view why = rest.substr(colon + 2);
  // A missing/invalid header or empty user name is what browsers send before asking.
  bool fail = why.starts_with("wrong password for user '") || why.starts_with("empty password") ||
              why.starts_with("unknown user '");
  auth_event(ev, kHttp, fail ? kFailure : kNeutral);
  set_str(ev, Field::Reason, why);
  set_addr(rest.substr(0, colon), ev);
  std::size_t u = why.find("user '");
  if (u != npos) {
    string_view user = why.substr(u + 6);
    set_str(ev, Field::User, user.substr(0, user.find('\'')));
  }
  return true;
}

namespace {

// HAProxy's accept date "dd/Mon/yyyy:hh:mm:ss.mmm" (local time, no zone) dates a line that
// came without a syslog frame (a log file HAProxy wrote itself, a "log stdout" capture): such
// a line would otherwise be dated 1970. A framed line keeps the frame's time, as every
// other syslog line does.
void set_haproxy_time(string_view accept_date, model::Event& ev) noexcept {
  if (ev.ts() != 0 || accept_date.size() > 32) return;
  std::array<char, 40> buf{};
  std::copy(accept_date.begin(), accept_date.end(), buf.begin());
  constexpr string_view kUtc = " +0000";
  std::copy(kUtc.begin(), kUtc.end(),
            buf.begin() + static_cast<std::ptrdiff_t>(accept_date.size()));
  if (auto t = core::parse_clf_time(string_view(buf.data(), accept_date.size() + kUtc.size()))) {
    ev.set_ts(*t);
  }
}

}  // namespace

bool decode_haproxy(string_view msg, model::Event& ev) {
  // "<ip>:<port> [dd/Mon/yyyy:hh:mm:ss.mmm] <frontend> <backend>/<server> Tq/Tw/Tc/Tr/Tt <status>
  // <bytes> …"
  string_view r = trim(msg);
  string_view cp = first_token(r);
  std::int64_t port = 0;
  string_view ip = strip_port(cp, &port);
  if (!is_ip(ip)) return false;
  string_view rest = trim(r.substr(cp.size()));
  if (!rest.starts_with("[")) return false;
  std::size_t close = rest.find("] ");
  if (close == npos) return false;
  string_view accept_date = rest.substr(1, close - 1);
  rest = trim(rest.substr(close + 2));
  string_view frontend = first_token(rest);
  rest = trim(rest.substr(frontend.size()));
  // Connection-level errors (error-log-format's default "<frontend>/<bind>: <message>"):
  // "SSL handshake failure", "Connection closed during SSL handshake", "Timeout during SSL
  // handshake", PROXY protocol errors. Decoded for the record; old clients fail handshakes
  // too, so they are neutral.
  if (frontend.size() > 1 && frontend.back() == ':') {
    auth_event(ev, kHttp, kNeutral);
    set_str(ev, Field::Reason, rest);
    set_addr(ip, ev);
    if (port > 0) ev.set_int(Field::SrcPort, port);
    return true;
  }
  string_view backend = first_token(rest);
  rest = trim(rest.substr(backend.size()));
  string_view timers = first_token(rest);
  rest = trim(rest.substr(timers.size()));
  // "Tq/Tw/Tc/Tr/Tt" (HTTP) or "Tw/Tc/Tt" (TCP): digits, '-', '+' and slashes. Rules out an
  // access-log line that happens to start "<ip> [<date>]".
  if (timers.empty() || timers.find('/') == npos ||
      timers.find_first_not_of("0123456789/-+") != npos) {
    return false;
  }
  auto status = to_uint(first_token(rest));
  if (!status) return false;
  // A 401 haproxy answered itself (no server chosen) is its own http-auth refusing the client.
  bool fail = *status == 401 && backend.ends_with("<NOSRV>");
  auth_event(ev, kHttp, fail ? kFailure : kNeutral);
  if (fail) ev.set_string(Field::Reason, "http_auth_required");
  set_addr(ip, ev);
  if (port > 0) ev.set_int(Field::SrcPort, port);
  ev.set_int(Field::Status, *status);
  set_haproxy_time(accept_date, ev);
  return true;
}

bool decode_mysql(string_view msg, model::Event& ev) {
  string_view r = trim(msg);
  std::size_t a = r.find("Access denied for user '");
  if (a == npos) return false;
  string_view rest = r.substr(a + 24);
  std::size_t q = rest.find("'@'");
  if (q == npos) return false;
  string_view user = rest.substr(0, q);
  string_view hrest = rest.substr(q + 3);
  std::size_t q2 = hrest.find('\'');
  if (q2 == npos) return false;
  string_view host = hrest.substr(0, q2);
  string_view tail = trim(hrest.substr(q2 + 1));
  // Only the exact server message counts; anything after it is not MySQL's format.
  bool exact = tail.empty() || tail == "(using password: YES)" || tail == "(using password: NO)" ||
               (tail.starts_with("to database '") && tail.back() == '\'');
  auth_event(ev, kSvcSql, exact ? kFailure : kNeutral);
  ev.set_string(Field::Reason, "access_denied");
  set_str(ev, Field::User, user);
  set_addr(host, ev);
  return true;
}

}  // namespace bannin::decode::daemon
