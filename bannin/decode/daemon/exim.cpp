// Exim main log: authenticator failures, rejected RCPT/MAIL, sender verify failures,
// protocol errors and synchronisation errors, dropped calls, "no MAIL" connections, and
// the message lines "<=" (arrival, U= local user, A= authenticated id) and "=>" / "->"
// (delivery), "**" (bounce), "==" (deferral).
#include <algorithm>

#include <bannin/core/time.h>
#include <bannin/decode/daemon/mail.h>
#include <bannin/decode/daemon/text.h>

namespace bannin::decode::daemon {

using model::Field;

namespace {

constexpr string_view kSmtp = kSvcSmtp;

bool is_exim_id(string_view s) {
  // 1ahrVl-0006mY-79 (6-6-2) or the newer 6-11-4 form.
  std::size_t d1 = s.find('-');
  if (d1 != 6) return false;
  std::size_t d2 = s.find('-', d1 + 1);
  if (d2 == npos) return false;
  for (char c : s) {
    bool ok =
        (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-';
    if (!ok) return false;
  }
  return s.size() >= 16 && s.size() <= 23;
}

// An exim host spec: "name (helo) [ip]:port" / "(helo) [ip]" / "[ip]" / "name [ip]".
// The address is the first [..] that is not inside parentheses.
bool host_spec(string_view s, model::Event& ev) {
  int depth = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '(') {
      ++depth;
    } else if (c == ')') {
      depth = depth > 0 ? depth - 1 : 0;
    } else if (c == '[' && depth == 0) {
      std::size_t close = s.find(']', i);
      if (close == npos) return false;
      if (set_addr(s.substr(i + 1, close - i - 1), ev)) {
        if (close + 1 < s.size() && s[close + 1] == ':') {
          std::size_t k = close + 2;
          while (k < s.size() && s[k] >= '0' && s[k] <= '9') ++k;
          if (auto p = to_uint(s.substr(close + 2, k - close - 2))) ev.set_int(Field::SrcPort, *p);
        }
        return true;
      }
      i = close;
    }
  }
  return false;
}

void rejected(model::Event& ev, string_view reason, bool blamed) {
  ev.set_kind(model::EventKind::MailRejected);
  ev.set_string(Field::Service, kSmtp);
  set_outcome(ev, blamed ? kFailure : kNeutral, reason);
}

// The verdicts of a rejected RCPT or a failed sender verification that blame the client
// (filter.d/exim.conf: relaying, unknown or unroutable addresses, a sender domain whose MX
// points nowhere). Content and policy rejections (spam, the admin's ACL texts) stay neutral.
bool blames_client(string_view reason) {
  static constexpr string_view kVerdicts[] = {
      "relay not permitted", "Sender verify failed", "Unknown user", "Unrouteable address",
      "all relevant MX records point to non-existent hosts"};
  for (string_view v : kVerdicts) {
    if (reason.starts_with(v)) return true;
  }
  return false;
}

// Exim's own timestamp when the line came through syslog/journal ("2021-07-17 23:20:49 "):
// removed from r; the time goes to ev when it has none (ev may be null).
void strip_exim_time(string_view& r, model::Event* ev) {
  if (r.size() > 20 && r[4] == '-' && r[7] == '-' && r[10] == ' ' && r[13] == ':' && r[16] == ':') {
    std::size_t sp = r.find(' ', 11);
    if (sp != npos) {
      if (ev != nullptr && ev->ts() == 0) {
        if (auto t = core::parse_iso8601(r.substr(0, sp), true)) ev->set_ts(*t);
      }
      r = trim(r.substr(sp + 1));
    }
  }
}

// Exim's own timestamp and "[pid] " prefix: removed from r; the time and pid go to ev (may be
// null).
void strip_prefix(string_view& r, model::Event* ev) {
  strip_exim_time(r, ev);
  if (r.starts_with("[")) {  // "[pid] "
    std::size_t close = r.find("] ");
    if (close != npos && is_digits(r.substr(1, close - 1))) {
      if (ev != nullptr) {
        if (auto pid = to_uint(r.substr(1, close - 1))) ev->set_int(Field::Pid, *pid);
      }
      r = r.substr(close + 2);
    }
  }
}

}  // namespace

string_view exim_completed_id(string_view msg) {
  string_view r = trim(msg);
  if (!r.ends_with(" Completed")) return {};
  strip_prefix(r, nullptr);
  if (!r.ends_with(" Completed")) return {};
  string_view id = r.substr(0, r.size() - 10);
  return is_exim_id(id) ? id : string_view{};
}

string_view exim_cwd(string_view msg, std::int64_t* pid) {
  *pid = -1;
  string_view r = trim(msg);
  strip_exim_time(r, nullptr);  // the frame dated the line
  if (r.starts_with("[")) {
    std::size_t close = r.find("] ");
    if (close == npos) return {};
    if (auto p = to_uint(r.substr(1, close - 1))) *pid = static_cast<std::int64_t>(*p);
    r = trim(r.substr(close + 2));
  }
  if (!r.starts_with("cwd=/")) return {};
  r.remove_prefix(4);
  std::size_t args = r.find(" args: ");
  if (args == npos) return {};
  std::size_t sp = r.rfind(' ', args - 1);  // "<path> <N> args: "
  if (sp == npos || !is_digits(r.substr(sp + 1, args - sp - 1))) return {};
  return r.substr(0, sp);
}

bool decode_exim(string_view msg, model::Event& ev) {
  string_view r = trim(msg);
  strip_prefix(r, &ev);
  string_view id = first_token(r);
  if (is_exim_id(id)) {
    ev.set_string(Field::QueueId, id);
    r = trim(r.substr(id.size()));
  }

  std::size_t af = r.find(" authenticator failed for ");
  if (af != npos && af < 64) {
    auth_event(ev, kSmtp, kFailure);
    string_view rest = r.substr(af + 26);
    set_str(ev, Field::AuthMethod, r.substr(0, af));
    std::size_t colon = rest.find(": ");
    set_str(ev, Field::Reason,
            colon == npos ? string_view("authenticator failed") : trim(rest.substr(colon + 2)));
    host_spec(rest, ev);
    std::size_t set_id = rest.find("(set_id=");
    if (set_id != npos) {
      string_view u = rest.substr(set_id + 8);
      std::size_t e = u.find(')');
      set_str(ev, Field::User, e == npos ? u : u.substr(0, e));
    }
    return true;
  }
  if (r.starts_with("SMTP protocol error in ")) {
    std::size_t h = r.rfind(" H=");
    if (h == npos) return false;
    auth_event(ev, kSmtp, kFailure);
    ev.set_string(Field::Reason, "smtp_protocol_error");
    host_spec(r.substr(h + 3), ev);
    return true;
  }
  if (r.starts_with("SMTP protocol synchronization error")) {
    std::size_t h = r.find(" H=");
    if (h == npos) return false;
    auth_event(ev, kSmtp, kFailure);
    ev.set_string(Field::Reason, "smtp_synchronization_error");
    host_spec(r.substr(h + 3), ev);
    return true;
  }
  if (consume(r, "SMTP call from ")) {
    std::size_t d = r.find(" dropped: ");
    if (d == npos) return false;
    auth_event(ev, kSmtp, kFailure);
    ev.set_string(Field::Reason, trim(r.substr(d + 10)));
    host_spec(r.substr(0, d), ev);
    return true;
  }
  if (consume(r, "no MAIL in SMTP connection from ") ||
      consume(r, "no MAIL in SMTPS connection from ")) {
    auth_event(ev, kSmtp, kFailure);
    ev.set_string(Field::Reason, "no_mail_transaction");
    host_spec(r, ev);
    return true;
  }
  if (consume(r, "SMTP connection from ")) {
    bool dropped = contains(r, " closed by DROP in ACL") || contains(r, "dropped by");
    bool lost = contains(r, " lost while reading") || contains(r, "lost after final dot");
    auth_event(ev, kSmtp, dropped ? kFailure : kNeutral);
    ev.set_string(Field::Reason, dropped ? "dropped_by_acl"
                                 : lost  ? "connection_lost"
                                         : "connection");
    host_spec(r, ev);
    return true;
  }
  if (r.starts_with("no IP address found for host ") ||
      r.starts_with("no host name found for IP address ")) {
    // Reverse/forward DNS trouble is the client's DNS, not an attack by itself (fail2ban
    // counts it only in mode=aggressive).
    auth_event(ev, kSmtp, kNeutral);
    ev.set_string(Field::Reason, "dns_lookup_failed");
    std::size_t fr = r.find("connection from ");
    if (fr != npos)
      host_spec(r.substr(fr + 16), ev);
    else
      set_addr(r.substr(r.rfind(' ') + 1), ev);
    return true;
  }
  // "H=" is left out by some log_selector settings and by fail2ban's own host_info pattern.
  if (consume(r, "H=") ||
      ((r.starts_with("[") || r.starts_with("(")) &&
       (contains(r, " rejected RCPT ") || contains(r, " sender verify fail")))) {
    // "H=<spec> [F=<sender>] rejected RCPT <rcpt>: <reason>", "... sender verify fail for <x>",
    // "H=<spec> dropped by 'connect' ACL: ...", "H=<spec> rejected ..." (MAIL, EHLO, after DATA)
    host_spec(r, ev);
    std::size_t rej = r.find(" rejected ");
    std::size_t svf = r.find(" sender verify fail");
    std::size_t dropped = r.find(" dropped by ");
    std::size_t refused = r.find(" refused ");
    std::size_t at = std::min({rej, svf, dropped, refused});
    if (at == npos) return false;
    string_view what = r.substr(at + 1);
    std::size_t colon = what.find(": ");
    string_view reason = colon == npos ? what : trim(what.substr(colon + 2));
    bool blamed = at == dropped || at == refused ||
                  ((what.starts_with("rejected RCPT ") || at == svf) && blames_client(reason));
    rejected(ev, reason, blamed);
    string_view f = kv(r, "F", " ");
    set_str(ev, Field::Sender, clean_addr(f));
    if (rej == at && what.starts_with("rejected RCPT ")) {
      string_view to = clean_addr(first_token(what.substr(14)));
      if (!to.empty() && to.back() == ':') to.remove_suffix(1);
      to = clean_addr(to);
      set_str(ev, Field::Recipient, to);
      set_str(ev, Field::RecipientDomain, domain_of(to));
    }
    return true;
  }
  // Message lines: "<id> <= sender ..." etc. (the id was consumed above).
  if (ev.has(Field::QueueId)) {
    if (consume(r, "<= ")) {
      ev.set_kind(model::EventKind::MailReceived);
      string_view sender = first_token(r);
      if (sender != "<>") set_str(ev, Field::Sender, sender);
      std::size_t h = r.find(" H=");
      if (h != npos) host_spec(r.substr(h + 3), ev);
      string_view u = kv(r, "U", " ");
      set_str(ev, Field::Account, u);
      string_view a = kv(r, "A", " ");
      std::size_t colon = a.find(':');
      if (colon != npos) set_str(ev, Field::User, a.substr(colon + 1));
      if (auto s = to_uint(kv(r, "S", " "))) ev.set_int(Field::Size, *s);
      set_str(ev, Field::MessageId, kv(r, "id", " "));
      return true;
    }
    bool sent = r.starts_with("=> ") || r.starts_with("-> ") || r.starts_with("*> ");
    bool bounced = r.starts_with("** ");
    bool deferred = r.starts_with("== ");
    if (sent || bounced || deferred) {
      ev.set_kind(model::EventKind::MailSent);
      string_view rcpt = first_token(r.substr(3));
      set_str(ev, Field::Recipient, rcpt);
      set_str(ev, Field::RecipientDomain, domain_of(rcpt));
      ev.set_string(Field::DeliveryStatus, sent ? "sent" : bounced ? "bounced" : "deferred");
      string_view h = kv(r, "H", " ");
      set_str(ev, Field::Relay, h);
      return true;
    }
    if (r == "Completed") return false;
  }
  return false;
}

}  // namespace bannin::decode::daemon
