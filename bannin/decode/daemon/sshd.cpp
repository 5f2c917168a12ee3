#include <bannin/decode/daemon/sshd.h>
#include <bannin/decode/daemon/text.h>

namespace bannin::decode::daemon {

using model::Field;

namespace {

constexpr string_view kSsh = kSvcSsh;

// After " from X": optional " port N", optional " on A port N", optional " sshN".
// Returns the position after them, or npos when what follows is not that shape.
std::size_t after_port_suffix(string_view s, std::size_t pos, std::int64_t* port) {
  string_view rest = s.substr(pos);
  if (rest.starts_with(" port ")) {
    std::size_t i = 6;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') ++i;
    if (i == 6) return npos;
    if (port != nullptr) *port = to_uint(rest.substr(6, i - 6)).value_or(0);
    rest.remove_prefix(i);
  }
  if (rest.starts_with(" on ")) {
    string_view r = rest.substr(4);
    string_view tok = first_token(r);
    r.remove_prefix(tok.size());
    if (r.starts_with(" port ")) {
      std::size_t i = 6;
      while (i < r.size() && r[i] >= '0' && r[i] <= '9') ++i;
      r.remove_prefix(i);
    }
    rest = r;
  }
  if (rest.starts_with(" ssh")) {
    std::size_t i = 4;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') ++i;
    rest.remove_prefix(i);
  }
  return s.size() - rest.size();
}

// The client of "... from HOST [port N] [sshN]" messages whose user part may itself
// contain " from ": the first " from X" whose suffix reaches the end of the message or a
// ':'; failing that the last " from X" that ends the message. user_end gets where the user
// part stops.
bool find_from_host(string_view s, string_view& host, std::size_t& user_end, std::int64_t& port) {
  std::size_t pos = 0;
  std::size_t last_end_pos = npos;
  string_view last_host;
  while ((pos = s.find(" from ", pos)) != npos) {
    std::size_t hstart = pos + 6;
    string_view h = first_token(s.substr(hstart));
    std::int64_t p = 0;
    std::size_t after = after_port_suffix(s, hstart + h.size(), &p);
    if (!h.empty() && after != npos) {
      string_view tail = s.substr(after);
      bool has_port = after != hstart + h.size();
      if (tail.empty() || (has_port && tail.front() == ':') || trim(tail) == "[preauth]") {
        host = h;
        user_end = pos;
        port = p;
        return true;
      }
    }
    if (!h.empty() && hstart + h.size() == s.size()) {
      last_end_pos = pos;
      last_host = h;
    }
    pos = hstart;
  }
  if (last_end_pos != npos) {
    host = last_host;
    user_end = last_end_pos;
    port = 0;
    return true;
  }
  return false;
}

void set_port(model::Event& ev, std::int64_t port) {
  if (port > 0) ev.set_int(Field::SrcPort, port);
}

// "Failed <method> for [invalid user ]<user> from <host> ..." and "Accepted ...".
bool failed_or_accepted(string_view m, model::Event& ev, bool accepted) {
  string_view method = first_token(m);
  string_view rest = m.substr(method.size());
  if (!consume(rest, " for ")) return false;
  bool invalid = consume(rest, "invalid user ");
  string_view host;
  std::size_t user_end = 0;
  std::int64_t port = 0;
  if (!find_from_host(rest, host, user_end, port)) return false;
  auth_event(ev, kSsh, accepted ? kSuccess : kFailure);
  if (!accepted) ev.set_string(Field::Reason, invalid ? "invalid_user" : "bad_credentials");
  set_str(ev, Field::User, rest.substr(0, user_end));
  set_str(ev, Field::AuthMethod, method);
  set_addr(host, ev);
  set_port(ev, port);
  return true;
}

// "<prefix><user> from <host>[ port N]" with the host possibly followed by more text.
bool user_from(string_view rest, model::Event& ev, string_view reason, string_view outcome) {
  string_view host;
  std::size_t user_end = 0;
  std::int64_t port = 0;
  if (!find_from_host(rest, host, user_end, port)) return false;
  auth_event(ev, kSsh, outcome);
  ev.set_string(Field::Reason, reason);
  set_str(ev, Field::User, rest.substr(0, user_end));
  set_addr(host, ev);
  set_port(ev, port);
  return true;
}

// "<host> port N" at the end (after stripping " [preauth]"), possibly preceded by
// "authenticating user X " / "invalid user X " / "user X ".
bool trailing_host_port(string_view rest, model::Event& ev, string_view reason,
                        string_view outcome) {
  rest = trim(rest);
  std::int64_t port = 0;
  std::size_t p = rest.rfind(" port ");
  if (p != npos && is_digits(rest.substr(p + 6))) {
    port = to_uint(rest.substr(p + 6)).value_or(0);
    rest = rest.substr(0, p);
  }
  std::size_t sp = rest.rfind(' ');
  string_view host = sp == npos ? rest : rest.substr(sp + 1);
  string_view before = sp == npos ? string_view{} : rest.substr(0, sp);
  auth_event(ev, kSsh, outcome);
  ev.set_string(Field::Reason, reason);
  if (!set_addr(host, ev)) return true;
  set_port(ev, port);
  string_view b = before;
  if (consume(b, "authenticating user ") || consume(b, "invalid user ") || consume(b, "user ")) {
    // the user name is what precedes the last "host port" pair
    std::size_t last = b.rfind(" port ");
    if (last == npos)
      set_str(ev, Field::User, b);
    else
      set_str(ev, Field::User, first_token(b));
  }
  return true;
}

}  // namespace

bool decode_sshd(string_view msg, model::Event& ev) {
  string_view m = trim(msg);
  // Optional prefixes several sshd versions log.
  for (;;) {
    if (consume(m, "error: ") || consume(m, "fatal: ") || consume(m, "PAM: ") ||
        consume(m, "warning: ")) {
      continue;
    }
    break;
  }
  bool preauth = strip_suffix(m, "[preauth]");
  string_view r = m;

  if (consume(r, "Failed ")) return failed_or_accepted(r, ev, false);
  if (consume(r, "Accepted ")) return failed_or_accepted(r, ev, true);
  if (consume_ci(r, "Invalid user ") || consume_ci(r, "Illegal user ")) {
    return user_from(r, ev, "invalid_user", kFailure);
  }
  r = m;
  if (consume(r, "User not known to the underlying authentication module for ")) {
    consume(r, "illegal user ");
    consume(r, "invalid user ");
    return user_from(r, ev, "unknown_user", kFailure);
  }
  if (consume(r, "User ")) {
    std::size_t na = r.find(" not allowed because ");
    if (na == npos) return false;
    string_view head = r.substr(0, na);
    std::size_t from = head.rfind(" from ");
    auth_event(ev, kSsh, kFailure);
    ev.set_string(Field::Reason, "user_not_allowed");
    if (from == npos) {
      set_str(ev, Field::User, head);
    } else {
      set_str(ev, Field::User, head.substr(0, from));
      set_addr(head.substr(from + 6), ev);
    }
    return true;
  }
  if (consume(r, "ROOT LOGIN REFUSED")) {
    std::size_t from = r.rfind(" FROM ");
    if (from == npos) return false;
    auth_event(ev, kSsh, kFailure);
    ev.set_string(Field::Reason, "root_login_refused");
    ev.set_string(Field::User, "root");
    string_view h = r.substr(from + 6);
    std::size_t port = h.find(" port ");
    if (port != npos) h = h.substr(0, port);
    set_addr(h, ev);
    return true;
  }
  if (consume_ci(r, "Authentication failure for ") || consume_ci(r, "Authentication error for ") ||
      consume_ci(r, "Authentication failed for ")) {
    std::size_t via = r.rfind(" via ");
    if (via != npos) r = r.substr(0, via);
    return user_from(r, ev, "bad_credentials", kFailure);
  }
  if (consume(r, "refused connect from ")) {
    std::size_t open = r.rfind(" (");
    if (open == npos || r.back() != ')') return false;
    auth_event(ev, kSsh, kFailure);
    ev.set_string(Field::Reason, "tcp_wrappers_refused");
    set_addr(r.substr(open + 2, r.size() - open - 3), ev);
    return true;
  }
  if (consume(r, "Received disconnect from ")) {
    // "<host>[ port N]:[ ]<code>: <text>"
    string_view host = first_token(r);
    std::int64_t port = 0;
    std::size_t colon = npos;
    if (!host.empty() && host.back() == ':') {
      host.remove_suffix(1);
      colon = host.size();
    } else {
      std::size_t after = after_port_suffix(r, host.size(), &port);
      if (after != npos && after < r.size() && r[after] == ':') colon = after;
    }
    if (colon == npos) return false;
    string_view tail = trim(r.substr(colon + 1));
    std::size_t c2 = tail.find(':');
    string_view code = c2 == npos ? tail : tail.substr(0, c2);
    string_view text = c2 == npos ? string_view{} : trim(tail.substr(c2 + 1));
    bool fail = (code == "3" && text.ends_with("Auth fail")) ||
                (code == "14" && (contains(text, "No supported authentication methods available") ||
                                  contains(text, "No authentication methods available")));
    auth_event(ev, kSsh, fail ? kFailure : kNeutral);
    ev.set_string(Field::Reason,
                  fail ? string_view("client_gave_up_auth") : string_view("disconnect"));
    set_addr(host, ev);
    set_port(ev, port);
    return true;
  }
  if (consume(r, "maximum authentication attempts exceeded for ")) {
    consume(r, "invalid user ");
    return user_from(r, ev, "max_auth_attempts", kFailure);
  }
  if (consume(r, "Disconnecting ")) {
    // "Disconnecting [invalid|authenticating] user U HOST port N: <reason>"
    std::size_t colon = r.find(": ");
    if (colon == npos) return false;
    string_view why = r.substr(colon + 2);
    // Too many authentication failures: the failures themselves were already logged.
    bool fail = !why.starts_with("Too many authentication failures");
    trailing_host_port(r.substr(0, colon), ev,
                       fail ? "protocol_violation" : "too_many_auth_failures",
                       fail ? kFailure : kNeutral);
    return true;
  }
  if (consume(r, "Disconnecting: Too many authentication failures")) {
    auth_event(ev, kSsh, kNeutral);
    ev.set_string(Field::Reason, "too_many_auth_failures");
    return true;
  }
  if (consume(r, "Did not receive identification string from ")) {
    auth_event(ev, kSsh, kFailure);
    ev.set_string(Field::Reason, "no_identification");
    std::int64_t port = 0;
    string_view h = first_token(r);
    after_port_suffix(r, h.size(), &port);
    set_addr(h, ev);
    set_port(ev, port);
    return true;
  }
  if (consume(r, "Bad protocol version identification ")) {
    std::size_t from = r.rfind(" from ");
    if (from == npos) return false;
    string_view rest = r.substr(from + 6);
    auth_event(ev, kSsh, kFailure);
    ev.set_string(Field::Reason, "bad_protocol_version");
    std::int64_t port = 0;
    string_view h = first_token(rest);
    after_port_suffix(rest, h.size(), &port);
    set_addr(h, ev);
    set_port(ev, port);
    return true;
  }
  if (consume(r, "Connection reset by ")) {
    return trailing_host_port(r, ev, "connection_reset_preauth", kFailure);
  }
  if (consume(r, "Connection closed by ")) {
    return trailing_host_port(r, ev, preauth ? "connection_closed_preauth" : "connection_closed",
                              preauth ? kFailure : kNeutral);
  }
  if (consume(r, "Disconnected from ")) {
    return trailing_host_port(r, ev, preauth ? "disconnected_preauth" : "disconnected",
                              preauth ? kFailure : kNeutral);
  }
  if (consume(r, "Timeout before authentication for ")) {
    consume(r, "connection from ");
    auth_event(ev, kSsh, kFailure);
    ev.set_string(Field::Reason, "timeout_before_auth");
    set_addr(first_token(r), ev);
    return true;
  }
  if (consume(r, "Unable to negotiate with ")) {
    string_view h = first_token(r);
    std::int64_t port = 0;
    after_port_suffix(r, h.size(), &port);
    if (!h.empty() && h.back() == ':') h.remove_suffix(1);
    auth_event(ev, kSsh, kFailure);
    ev.set_string(Field::Reason, "no_matching_algorithm");
    set_addr(h, ev);
    set_port(ev, port);
    return true;
  }
  if (consume(r, "ssh_dispatch_run_fatal: Connection from ") ||
      consume(r, "banner exchange: Connection from ") ||
      consume(r, "kex_exchange_identification: Connection from ")) {
    string_view h = first_token(r);
    std::int64_t port = 0;
    after_port_suffix(r, h.size(), &port);
    if (!h.empty() && h.back() == ':') h.remove_suffix(1);
    auth_event(ev, kSsh, preauth || m.starts_with("banner") ? kFailure : kNeutral);
    ev.set_string(Field::Reason, "protocol_error");
    set_addr(h, ev);
    set_port(ev, port);
    return true;
  }
  if (consume(r, "Postponed ")) {
    string_view method = first_token(r);
    string_view rest = r.substr(method.size());
    auth_event(ev, kSsh, kNeutral);
    ev.set_string(Field::Reason, "postponed");
    set_str(ev, Field::AuthMethod, method);
    if (consume(rest, " for ")) {
      string_view host;
      std::size_t user_end = 0;
      std::int64_t port = 0;
      if (find_from_host(rest, host, user_end, port)) {
        set_str(ev, Field::User, rest.substr(0, user_end));
        set_addr(host, ev);
        set_port(ev, port);
      }
    }
    return true;
  }
  if (consume(r, "Magic value check failed (")) {
    // The ObfuscatedOpenSSH patch (CrowdSec sshd-logs SSHD_MAGIC_VALUE_FAILED): a client that
    // does not speak the obfuscated handshake, i.e. a plain scanner, "… on obfuscated
    // handshake from <ip> port <n>".
    std::size_t from = r.rfind(" from ");
    if (from == npos) return false;
    return trailing_host_port(r.substr(from + 6), ev, "obfuscated_handshake_failed", kFailure);
  }
  if (consume(r, "Address ")) {
    if (!contains(r, "POSSIBLE BREAK-IN ATTEMPT")) return false;
    auth_event(ev, kSsh, kNeutral);
    ev.set_string(Field::Reason, "reverse_dns_mismatch");
    set_addr(first_token(r), ev);
    return true;
  }
  if (consume(r, "input_userauth_request: invalid user ")) {
    auth_event(ev, kSsh, kNeutral);
    ev.set_string(Field::Reason, "invalid_user");
    set_str(ev, Field::User, first_token(r));
    return true;
  }
  if (consume(r, "Connection from ")) {
    auth_event(ev, kSsh, kNeutral);
    ev.set_string(Field::Reason, "connect");
    string_view h = first_token(r);
    std::int64_t port = 0;
    after_port_suffix(r, h.size(), &port);
    set_addr(h, ev);
    set_port(ev, port);
    return true;
  }
  if (consume(r, "kex_exchange_identification: ") || consume(r, "Read from socket failed: ")) {
    auth_event(ev, kSsh, kNeutral);
    ev.set_string(Field::Reason, "protocol_error");
    return true;
  }
  return false;
}

bool decode_dropbear(string_view msg, model::Event& ev) {
  string_view m = trim(msg);
  // dropbear's own stderr form "[pid] Mon dd hh:mm:ss <text>" inside the syslog message.
  if (m.starts_with("[")) {
    std::size_t close = m.find("] ");
    if (close != npos && is_digits(m.substr(1, close - 1))) {
      m = m.substr(close + 2);
      if (m.size() > 16 && m[3] == ' ' && m[15] == ' ') m = m.substr(16);
    }
  }
  string_view r = m;
  auto from_hostport = [&](string_view text) {
    std::size_t from = text.rfind(" from ");
    if (from == npos) return false;
    string_view h = text.substr(from + 6);
    h = first_token(h);
    if (!h.empty() && h.back() == ':') h.remove_suffix(1);
    h = clean_addr(h);
    std::int64_t port = 0;
    h = strip_port(h, &port);
    set_addr(h, ev);
    set_port(ev, port);
    return true;
  };
  if (consume_ci(r, "Bad password attempt for ") ||
      consume_ci(r, "Bad PAM password attempt for ")) {
    auth_event(ev, kSsh, kFailure);
    ev.set_string(Field::Reason, "bad_credentials");
    ev.set_string(Field::AuthMethod, "password");
    std::size_t from = r.rfind(" from ");
    if (from != npos) set_str(ev, Field::User, clean_addr(r.substr(0, from)));
    from_hostport(r);
    return true;
  }
  if (consume_ci(r, "Login attempt for nonexistent user")) {
    auth_event(ev, kSsh, kFailure);
    ev.set_string(Field::Reason, "invalid_user");
    from_hostport(r);
    return true;
  }
  if (r.starts_with("Exit before auth (user '") || r.starts_with("exit before auth (user '")) {
    // svr-auth.c since 2013: "Exit before auth (user 'U', N fails): Max auth tries reached -
    // user 'U' from <ip>:<port>" (filter.d/dropbear.conf, third failregex).
    auth_event(ev, kSsh, kFailure);
    ev.set_string(Field::Reason, "max_auth_tries");
    string_view user = r.substr(24);
    std::size_t q = user.find('\'');
    if (q != npos) set_str(ev, Field::User, user.substr(0, q));
    from_hostport(r);
    return true;
  }
  if (consume(r, "Exit before auth from ")) {
    auth_event(ev, kSsh, kFailure);
    ev.set_string(Field::Reason, "exit_before_auth");
    std::size_t close = r.find('>');
    string_view h = close == npos ? first_token(r) : r.substr(0, close + 1);
    std::int64_t port = 0;
    h = strip_port(clean_addr(h), &port);
    set_addr(h, ev);
    set_port(ev, port);
    std::size_t u = r.find("(user '");
    if (u != npos) {
      string_view user = r.substr(u + 7);
      std::size_t q = user.find('\'');
      if (q != npos) set_str(ev, Field::User, user.substr(0, q));
    }
    return true;
  }
  if ((r.starts_with("Password auth succeeded for ") ||
       r.starts_with("Pubkey auth succeeded for "))) {
    auth_event(ev, kSsh, kSuccess);
    ev.set_string(Field::AuthMethod, r.starts_with("Password") ? "password" : "publickey");
    string_view u = r.substr(r.find(" for ") + 5);
    std::size_t from = u.rfind(" from ");
    if (from != npos) set_str(ev, Field::User, clean_addr(u.substr(0, from)));
    from_hostport(r);
    return true;
  }
  return false;
}

}  // namespace bannin::decode::daemon
