// Dovecot: login processes (imap-login, pop3-login, submission-login, managesieve-login)
// and the auth processes (auth, auth-worker: passdb lines "pam(user,ip): …").
#include <bannin/decode/daemon/mail.h>
#include <bannin/decode/daemon/text.h>

namespace bannin::decode::daemon {

using model::Field;

namespace {

// Dovecot's login processes and its auth process answer for the same passdb: every IMAP,
// POP3 and ManageSieve login is kMailbox, whichever line (login or passdb) tells it.
// submission-login is SMTP AUTH (RFC 6409) and counts with the MTAs' SASL failures.
string_view service_of(string_view proc) {
  if (proc.starts_with("submission") || proc.starts_with("lmtp")) return kSvcSmtp;
  return kSvcMailbox;
}

bool is_passdb_char(char c) {
  return (c >= 'a' && c <= 'z') || c == '-' || c == '_' || (c >= '0' && c <= '9');
}

// "<passdb>(user,ip[,<session>]): <result>" anywhere in the message.
bool passdb_line(string_view m, model::Event& ev) {
  std::size_t close = m.find("): ");
  while (close != npos) {
    std::size_t open = m.rfind('(', close);
    if (open != npos && open > 0) {
      std::size_t b = open;
      while (b > 0 && is_passdb_char(m[b - 1])) --b;
      string_view db = m.substr(b, open - b);
      string_view inside = m.substr(open + 1, close - open - 1);
      std::size_t comma = inside.find(',');
      if (!db.empty() && db != "auth-worker" && db != "conn" && comma != npos) {
        string_view user = inside.substr(0, comma);
        string_view rest = inside.substr(comma + 1);
        std::size_t c2 = rest.find(',');
        string_view ip = c2 == npos ? rest : rest.substr(0, c2);
        string_view result = trim(m.substr(close + 3));
        bool fail = find_ci(result, "unknown user") != npos ||
                    find_ci(result, "mismatch") != npos ||
                    contains(result, "pam_authenticate() failed") ||
                    find_ci(result, "invalid credentials") != npos ||
                    find_ci(result, "Authentication failure") != npos ||
                    find_ci(result, "User not known") != npos;
        auth_event(ev, kSvcMailbox, fail ? kFailure : kNeutral);
        set_str(ev, Field::Reason, result);
        set_str(ev, Field::User, user);
        set_addr(ip, ev);
        return true;
      }
    }
    close = m.find("): ", close + 3);
  }
  return false;
}

}  // namespace

bool dovecot_logout(string_view msg) {
  string_view m = trim(msg);
  if (!(m.starts_with("imap(") || m.starts_with("pop3(") || m.starts_with("lmtp(") ||
        m.starts_with("submission(") || m.starts_with("managesieve("))) {
    return false;
  }
  std::size_t close = m.find(')');
  std::size_t colon = close == npos ? npos : m.find(": ", close);
  if (colon == npos) return false;
  string_view r = m.substr(colon + 2);
  consume(r, "Disconnected: ");
  return r.starts_with("Logged out") || r.starts_with("Connection closed") ||
         r.starts_with("Disconnected for inactivity");
}

bool decode_dovecot(string_view msg, model::Event& ev) {
  string_view m = trim(msg);
  // Leading process names and levels: "dovecot: ", "imap-login: ", "auth-worker(123): ", "Info: ".
  string_view proc;
  for (int guard = 0; guard < 6; ++guard) {
    string_view tok = first_token(m);
    if (tok.size() < 2 || tok.back() != ':') break;
    string_view name = tok.substr(0, tok.size() - 1);
    std::size_t paren = name.find('(');
    string_view base = paren == npos ? name : name.substr(0, paren);
    bool known = base == "dovecot" || base.ends_with("-login") || base == "auth" ||
                 base == "auth-worker" || base == "Info" || base == "Warning" || base == "Error" ||
                 base == "Debug" || base == "imap" || base == "pop3" || base == "lmtp" ||
                 base == "submission";
    if (!known) break;
    if (base.ends_with("-login")) proc = base;
    m = trim(m.substr(tok.size()));
  }
  if (m.starts_with("pam_unix(")) return false;  // the PAM decoder's

  std::size_t rip = m.find("rip=");
  while (rip != npos && rip > 0 && m[rip - 1] != ' ') rip = m.find("rip=", rip + 1);
  if (rip != npos) {
    // A login-process line: "<what> (<detail>): user=<u>, method=M, rip=IP, lip=IP, …"
    // Skip past user=<…> first so a user name cannot fake the address.
    std::size_t user_pos = m.find("user=<");
    string_view user;
    if (user_pos != npos) {
      std::size_t ue = m.find(">, ", user_pos);
      if (ue != npos) {
        user = m.substr(user_pos + 6, ue - user_pos - 6);
        rip = m.find(" rip=", ue);
        if (rip != npos) ++rip;
      }
    }
    if (rip == npos) return false;
    string_view ip = m.substr(rip + 4);
    std::size_t e = ip.find_first_of(", ");
    if (e != npos) ip = ip.substr(0, e);
    string_view head = m.substr(0, user_pos != npos ? user_pos : rip);
    bool fail = contains(head, "(auth failed, ") || contains(head, "(tried to use ") ||
                contains(head, "(proxy dest auth failed)") ||
                contains(head, "(client didn't finish SASL auth") ||
                contains(head, "(disconnected before auth was ready") ||
                contains(head, "(disconnected during TLS handshake)");
    bool ok = m.starts_with("Login: ");
    auth_event(ev, service_of(proc), fail ? kFailure : ok ? kSuccess : kNeutral);
    std::size_t colon = head.rfind(": ");
    set_str(ev, Field::Reason, trim(colon == npos ? head : head.substr(0, colon)));
    set_str(ev, Field::User, user);
    set_str(ev, Field::AuthMethod, kv(m, "method", ", "));
    set_addr(ip, ev);
    return true;
  }
  return passdb_line(m, ev);
}

}  // namespace bannin::decode::daemon
