// Postfix: smtpd rejects (NOQUEUE / queue id, milter), SASL failures, pipelining and
// error-limit abuse, postscreen verdicts, and the queue lines (pickup uid=, qmgr from=,
// smtp/lmtp/local to= status=).
#include <bannin/decode/daemon/mail.h>
#include <bannin/decode/daemon/text.h>

namespace bannin::decode::daemon {

using model::Field;

namespace {

constexpr string_view kSmtp = kSvcSmtp;

// Short ids are upper-case hex ("1D8CC1CA0A7F"); long ids (enable_long_queue_ids) use
// digits and consonants only ("44JCRG5tYPzCqt2"), so words like "warning" never match.
bool is_queue_id(string_view s) {
  if (s.size() < 5 || s.size() > 20) return false;
  bool hex = true;
  for (char c : s) hex = hex && ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'));
  if (hex) return true;
  if (s.size() < 10) return false;
  for (char c : s) {
    bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    bool vowel = c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'A' || c == 'E' ||
                 c == 'I' || c == 'O' || c == 'U';
    if (!alnum || vowel) return false;
  }
  return true;
}

// "name[addr]" or "name[addr]:port" -> sets src_ip / src_host.
void client_from(string_view s, model::Event& ev) {
  std::size_t end = 0;
  string_view addr = bracket_addr(s, 0, &end);
  if (!addr.empty()) {
    if (!set_addr(addr, ev)) {
      std::size_t open = s.find('[');
      set_addr(s.substr(0, open), ev);
    }
    if (end < s.size() && s[end] == ':') {
      std::size_t i = end + 1;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
      if (auto p = to_uint(s.substr(end + 1, i - end - 1))) ev.set_int(Field::SrcPort, *p);
    }
  }
}

// "info: header X-PHP-Originating-Script: 1003:contact.php from local; from=<u> to=<r>": the
// script's file name (after PHP's "uid:" prefix) and the envelope sender. Other headers a
// header_checks rule logs are not events.
bool php_script_header(string_view r, model::Event& ev) {
  constexpr string_view kHeader = "X-PHP-Originating-Script:";
  std::size_t h = r.find(kHeader);
  if (h == npos) return false;
  string_view value = r.substr(h + kHeader.size());
  std::size_t end = value.rfind("; from=<");
  if (end == npos) end = value.size();
  value = value.substr(0, end);
  // " from local" or " from name[addr]" ends the header text.
  if (std::size_t from = value.rfind(" from "); from != npos) value = value.substr(0, from);
  value = trim(value);
  if (std::size_t colon = value.find(':'); colon != npos) {
    string_view uid = value.substr(0, colon);
    bool digits = !uid.empty();
    for (char c : uid) digits = digits && c >= '0' && c <= '9';
    if (digits) value.remove_prefix(colon + 1);
  }
  if (value.empty()) return false;
  ev.set_kind(model::EventKind::MailReceived);
  ev.set_string(Field::Script, value);
  set_str(ev, Field::Sender, kv_angle(r, "from"));
  return true;
}

void set_rcpt(model::Event& ev, string_view rcpt) {
  if (rcpt.empty()) return;
  ev.set_string(Field::Recipient, rcpt);
  set_str(ev, Field::RecipientDomain, domain_of(rcpt));
}

// Whether a reject text blames the client: fail2ban's postfix filter (mdre-normal, the
// "more" mode default, as of fail2ban 1.1) counts "<code> <dsn> [<addr>: ][(Helo command|Sender
// address|Recipient address) rejected: ]" followed by one of the verdicts below, with code
// 4x0/4x4/5x0/5x4. Other rejects (server trouble such as "Server configuration error", greylisting,
// size limits, sender-login mismatches, milter verdicts without an SMTP code) stay mail.rejected
// events with a neutral outcome.
bool blames_client(string_view text) {
  string_view t = text;
  if (t.size() < 4 || !(t[0] == '4' || t[0] == '5') || !(t[1] == '5' || t[1] == '0') ||
      !(t[2] == '0' || t[2] == '4') || t[3] != ' ') {
    return false;
  }
  t = t.substr(4);
  string_view dsn = first_token(t);
  if (dsn.size() < 5 || !(dsn[0] == '4' || dsn[0] == '5') || dsn[1] != '.') return false;
  t = trim(t.substr(dsn.size()));
  if (t.starts_with("<")) {
    std::size_t close = t.find(">: ");
    if (close != npos) t = t.substr(close + 3);
  }
  consume(t, ": ");
  if (!consume(t, "Helo command rejected: ") && !consume(t, "Sender address rejected: ")) {
    consume(t, "Recipient address rejected: ");
  }
  // "match" is check_*_access's default text ("Sender address rejected: match bad.domain").
  static constexpr string_view kVerdicts[] = {"Service unavailable",
                                              "Access denied",
                                              "Client host rejected",
                                              "Command rejected",
                                              "Data command rejected",
                                              "Relay access denied",
                                              "Malformed DNS server reply",
                                              "Host not found",
                                              "Domain not found",
                                              "need fully-qualified hostname",
                                              "match",
                                              "User unknown",
                                              "user unknown",
                                              "Undeliverable address",
                                              "undeliverable address"};
  for (string_view v : kVerdicts) {
    if (t.starts_with(v)) return true;
  }
  return false;
}

// "<CMD> from name[ip]: <code> <dsn> <text>; from=<> to=<> proto=.. helo=<..>"
bool reject(string_view r, model::Event& ev, bool warning_only) {
  std::size_t from = r.find(" from ");
  if (from == npos) return false;
  string_view after = r.substr(from + 6);
  ev.set_kind(model::EventKind::MailRejected);
  ev.set_string(Field::Service, kSmtp);
  client_from(first_token(after), ev);
  std::size_t colon = after.find(": ");
  string_view text = colon == npos ? string_view{} : after.substr(colon + 2);
  std::size_t semi = text.rfind("; from=<");
  string_view reason = semi == npos ? text : text.substr(0, semi);
  // Greylisting and other temporary policy answers are not evidence against the client.
  bool grey = find_ci(reason, "greylist") != npos;
  bool blamed = !warning_only && !grey && blames_client(text);
  set_outcome(ev, blamed ? kFailure : kNeutral, trim(reason));
  std::size_t bl = reason.find(" blocked using ");
  if (bl != npos) {
    string_view list = reason.substr(bl + 15);
    std::size_t e = list.find_first_of(";, ");
    set_str(ev, Field::ListName, e == npos ? list : list.substr(0, e));
  }
  set_str(ev, Field::Sender, kv_angle(text, "from"));
  set_rcpt(ev, kv_angle(text, "to"));
  return true;
}

// "... from name[ip]" as the end of a sentence ("lost connection after X from …").
void trailing_client(string_view r, model::Event& ev) {
  std::size_t from = r.find(" from ");
  if (from != npos) client_from(first_token(r.substr(from + 6)), ev);
}

bool postscreen(string_view r, model::Event& ev) {
  static constexpr string_view kBad[] = {"PREGREET ",
                                         "HANGUP ",
                                         "COMMAND TIME LIMIT ",
                                         "COMMAND COUNT LIMIT ",
                                         "COMMAND LENGTH LIMIT ",
                                         "COMMAND PIPELINING ",
                                         "NON-SMTP COMMAND ",
                                         "BARE NEWLINE ",
                                         "DNSBL rank "};
  for (string_view b : kBad) {
    if (!r.starts_with(b)) continue;
    std::size_t from = r.find(" from [");
    if (from == npos) from = r.find(" for [");
    if (from == npos) return false;
    auth_event(ev, kSmtp, kFailure);
    ev.set_kind(model::EventKind::MailRejected);
    ev.set_string(Field::Reason, trim(b));
    client_from(first_token(r.substr(r.find('[', from))), ev);
    return true;
  }
  if (r.starts_with("CONNECT from [") || r.starts_with("PASS NEW [") ||
      r.starts_with("PASS OLD [") || r.starts_with("DISCONNECT [") ||
      r.starts_with("WHITELISTED [") || r.starts_with("ALLOWLISTED [")) {
    ev.set_kind(model::EventKind::AuthAttempt);
    ev.set_string(Field::Service, kSmtp);
    set_outcome(ev, kNeutral, first_token(r));
    client_from(first_token(r.substr(r.find('['))), ev);
    return true;
  }
  return false;
}

}  // namespace

string_view postfix_removed_id(string_view msg) {
  string_view r = trim(msg);
  if (!r.ends_with(": removed")) return {};
  string_view id = r.substr(0, r.size() - 9);
  return is_queue_id(id) ? id : string_view{};
}

bool decode_postfix(string_view msg, model::Event& ev) {
  string_view m = trim(msg);
  string_view r = m;
  if (postscreen(r, ev)) return true;

  // Optional queue id ("NOQUEUE: " or "1D8CC1CA0A7F: ").
  string_view qid;
  {
    std::size_t c = r.find(": ");
    if (c != npos && (r.substr(0, c) == "NOQUEUE" || is_queue_id(r.substr(0, c)))) {
      qid = r.substr(0, c);
      r.remove_prefix(c + 2);
      if (qid != "NOQUEUE") ev.set_string(Field::QueueId, qid);
    }
  }
  // PHP's mail() header, logged by a header_checks rule such as
  //   /^X-PHP-Originating-Script:/ INFO
  // "QID: info: header X-PHP-Originating-Script: 1003:contact.php from local; from=<u> to=<r>"
  // names the script that submitted the message (issue 17); the queue-id join carries it to
  // the message's deliveries.
  if (!qid.empty() && qid != "NOQUEUE" &&
      (r.starts_with("info: header ") || r.starts_with("warning: header "))) {
    return php_script_header(r, ev);
  }
  if (consume(r, "reject: ") || consume(r, "milter-reject: ")) return reject(r, ev, false);
  if (consume(r, "reject_warning: ")) return reject(r, ev, true);
  if (r.starts_with("improper command pipelining after ") ||
      r.starts_with("too many errors after ")) {
    ev.set_kind(model::EventKind::MailRejected);
    ev.set_string(Field::Service, kSmtp);
    set_outcome(ev, kFailure,
                r.starts_with("improper") ? "improper_pipelining" : "too_many_errors");
    trailing_client(r, ev);
    return true;
  }
  if (consume(r, "lost connection after ")) {
    string_view cmd = first_token(r);
    bool benign =
        cmd == "DATA" || cmd == "AUTH" || cmd == "END-OF-MESSAGE" || cmd == "QUIT" || cmd == "BDAT";
    auth_event(ev, kSmtp, benign ? kNeutral : kFailure);
    ev.set_string(Field::Reason, "lost_connection");
    trailing_client(r, ev);
    return true;
  }
  if (consume(r, "disconnect from ")) {
    // "disconnect from name[ip] ehlo=1 auth=0/1 ... commands=3/4": auth=0/N is N failed AUTHs.
    string_view a = kv(r, "auth", " ");
    bool failed_auth = a.starts_with("0/") && a.size() > 2 && a.substr(2) != "0";
    auth_event(ev, kSmtp, failed_auth ? kFailure : kNeutral);
    ev.set_string(Field::Reason, failed_auth ? "auth_failed_at_disconnect" : "disconnect");
    client_from(first_token(r), ev);
    return true;
  }
  if (consume(r, "connect from ")) {
    auth_event(ev, kSmtp, kNeutral);
    ev.set_string(Field::Reason, "connect");
    client_from(first_token(r), ev);
    return true;
  }
  if (consume(r, "warning: ")) {
    std::size_t sasl = r.find(": SASL ");
    if (sasl != npos && contains(r, " authentication failed")) {
      string_view why = r.substr(r.find(" authentication failed") + 22);
      consume(why, ":");
      why = trim(why);
      // Server-side trouble and unsupported mechanisms are not counted (fail2ban counts the
      // latter only in mode=aggressive, and labels the same line a non-failure otherwise).
      bool server_side = contains(why, "Connection lost to authentication server") ||
                         contains(why, "Invalid authentication mechanism");
      auth_event(ev, kSmtp, server_side ? kNeutral : kFailure);
      set_str(ev, Field::Reason, why.empty() ? string_view("authentication failed") : why);
      string_view mech = first_token(r.substr(sasl + 7));
      set_str(ev, Field::AuthMethod, mech);
      set_str(ev, Field::User, kv(why, "sasl_username", ", "));
      client_from(r.substr(0, sasl), ev);
      return true;
    }
    if (consume(r, "non-SMTP command from ")) {
      // smtpd.c: an HTTP (or other) client talking to port 25 — a scanner or a cross-protocol
      // attack; postscreen's "NON-SMTP COMMAND" is the same verdict.
      auth_event(ev, kSmtp, kFailure);
      ev.set_string(Field::Reason, "non_smtp_command");
      client_from(first_token(r), ev);
      return true;
    }
    if (consume(r, "hostname ")) {
      std::size_t p = r.find(" does not resolve to address ");
      if (p == npos) return false;
      auth_event(ev, kSmtp, kFailure);
      ev.set_string(Field::Reason, "hostname_does_not_resolve_to_address");
      string_view a = first_token(r.substr(p + 29));
      if (!a.empty() && a.back() == ':') a.remove_suffix(1);
      set_addr(a, ev);
      set_str(ev, Field::SrcHost, first_token(r));
      return true;
    }
    if (r.starts_with("Connection rate limit exceeded") ||
        r.starts_with("Connection concurrency limit exceeded") ||
        r.starts_with("Message delivery request rate limit exceeded") ||
        r.starts_with("New TLS session rate limit exceeded") ||
        r.starts_with("Recipient address rate limit exceeded")) {
      auth_event(ev, kSmtp, kFailure);
      ev.set_string(Field::Reason, "rate_limit_exceeded");
      trailing_client(r, ev);
      return true;
    }
    return false;
  }
  // Queue lines.
  if (!qid.empty() && qid != "NOQUEUE") {
    if (r.starts_with("uid=")) {
      ev.set_kind(model::EventKind::MailReceived);
      if (auto uid = to_uint(kv(r, "uid", " "))) ev.set_int(Field::Uid, *uid);
      set_str(ev, Field::Sender, kv_angle(r, "from"));
      return true;
    }
    if (r.starts_with("from=<")) {
      ev.set_kind(model::EventKind::MailReceived);
      ev.set_string(Field::Sender, kv_angle(r, "from"));
      if (auto s = to_uint(kv(r, "size"))) ev.set_int(Field::Size, *s);
      if (auto n = to_uint(kv(r, "nrcpt", ", ("))) ev.set_int(Field::Nrcpt, *n);
      return true;
    }
    if (r.starts_with("to=<")) {
      ev.set_kind(model::EventKind::MailSent);
      set_rcpt(ev, kv_angle(r, "to"));
      set_str(ev, Field::Relay, kv(r, "relay"));
      set_str(ev, Field::DeliveryStatus, kv(r, "status", " ,"));
      std::size_t paren = r.find(" (");
      if (paren != npos && r.back() == ')')
        set_str(ev, Field::Reason, r.substr(paren + 2, r.size() - paren - 3));
      return true;
    }
    if (r.starts_with("client=")) {
      ev.set_kind(model::EventKind::MailReceived);
      client_from(kv(r, "client"), ev);
      string_view user = kv(r, "sasl_username");
      if (!user.empty()) {
        // The message came in over an authenticated SMTP session: this line is postfix's
        // only record of a successful SMTP AUTH, so it carries the service too (a success
        // resets the per-source login counts of rules/base/auth.yaml).
        ev.set_string(Field::User, user);
        ev.set_string(Field::Outcome, kSuccess);
        ev.set_string(Field::Service, kSmtp);
      }
      return true;
    }
    if (r.starts_with("message-id=")) {
      ev.set_kind(model::EventKind::MailReceived);
      set_str(ev, Field::MessageId, clean_addr(r.substr(11)));
      return true;
    }
  }
  return false;
}

}  // namespace bannin::decode::daemon
