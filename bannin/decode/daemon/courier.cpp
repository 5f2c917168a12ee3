// Courier (imapd/pop3d/courieresmtpd …) and Cyrus IMAP (badlogin / login) messages, and
// qmail / rblsmtpd blocklist rejections.
#include <bannin/decode/daemon/mail.h>
#include <bannin/decode/daemon/text.h>

namespace bannin::decode::daemon {

using model::Field;

bool decode_courier(string_view msg, model::Event& ev) {
  string_view r = trim(msg);
  bool failed = consume(r, "LOGIN FAILED, ");
  if (failed || consume(r, "LOGIN, ")) {
    string_view ip = kv(r, "ip", ",");
    if (ip.empty()) return false;
    // courier's imapd/pop3d (protocol=IMAP/POP3, and their -ssl twins) share one family.
    auth_event(ev, kSvcMailbox, failed ? kFailure : kSuccess);
    if (failed) ev.set_string(Field::Reason, "login_failed");
    set_str(ev, Field::User, kv(r, "user", ","));
    set_str(ev, Field::AuthMethod, kv(r, "method", ","));
    set_addr(ip, ev);
    return true;
  }
  if (consume(r, "error,relay=")) {
    string_view ip = r.substr(0, r.find_first_of(", "));
    bool auth = contains(r, "msg=\"535 ");
    if (auth) {
      auth_event(ev, kSvcSmtp, kFailure);
      ev.set_string(Field::Reason, "authentication_failed");
    } else {
      ev.set_kind(model::EventKind::MailRejected);
      ev.set_string(Field::Service, kSvcSmtp);
      std::size_t c = r.rfind(": ");
      set_outcome(ev, kFailure, c == npos ? string_view("error") : trim(r.substr(c + 2)));
      set_str(ev, Field::Sender, kv_angle(r, "from"));
      string_view to = kv_angle(r, "to");
      set_str(ev, Field::Recipient, to);
    }
    set_addr(ip, ev);
    return true;
  }
  return false;
}

bool decode_cyrus(string_view msg, model::Event& ev) {
  string_view r = trim(msg);
  bool bad = consume(r, "badlogin: ");
  if (!bad && !consume(r, "login: ")) return false;
  std::size_t end = 0;
  string_view addr = bracket_addr(r, 0, &end);
  if (addr.empty()) return false;
  auth_event(ev, kSvcMailbox, bad ? kFailure : kSuccess);
  if (!set_addr(addr, ev)) set_addr(trim(r.substr(0, r.find('['))), ev);
  string_view rest = trim(r.substr(end));
  string_view mech = first_token(rest);
  set_str(ev, Field::AuthMethod, mech);
  rest = trim(rest.substr(mech.size()));
  if (bad) {
    std::size_t sasl = rest.find("SASL(");
    if (sasl != npos) {
      string_view user = trim(rest.substr(0, sasl));
      if (!user.empty() && user.back() == '[') user = trim(user.substr(0, user.size() - 1));
      set_str(ev, Field::User, user);
      string_view reason = rest.substr(sasl);
      if (reason.ends_with("]")) reason.remove_suffix(1);
      set_str(ev, Field::Reason, reason);
    }
  } else {
    set_str(ev, Field::User, first_token(rest));
  }
  return true;
}

bool decode_qmail(string_view msg, model::Event& ev) {
  string_view r = trim(msg);
  // multilog/splogger stamp "1157519909.633171 " (epoch seconds) before the program's tag.
  {
    string_view t = first_token(r);
    std::size_t dot = t.find('.');
    if (dot != npos && dot > 0 && is_digits(t.substr(0, dot)) && is_digits(t.substr(dot + 1))) {
      r = trim(r.substr(t.size()));
    }
  }
  consume(r, "rblsmtpd: ");
  // "1157519909.633171 qmail-smtpd: 421 badiprbl: ip 1.2.3.4 rbl: zone"
  std::size_t bad = r.find("badiprbl: ip ");
  if (bad != npos) {
    string_view rest = r.substr(bad + 13);
    ev.set_kind(model::EventKind::MailRejected);
    ev.set_string(Field::Service, kSvcSmtp);
    set_outcome(ev, kFailure, "blocklisted");
    set_addr(first_token(rest), ev);
    std::size_t rbl = rest.find("rbl: ");
    if (rbl != npos) set_str(ev, Field::ListName, first_token(rest.substr(rbl + 5)));
    return true;
  }
  // rblsmtpd: "<list> blocked <ip> <reason>" or "<ip> pid N: 451 <text>"
  std::size_t blocked = r.find(" blocked ");
  if (blocked != npos && r.find(' ') == blocked) {
    string_view ip = first_token(r.substr(blocked + 9));
    if (!is_ip(ip)) return false;
    ev.set_kind(model::EventKind::MailRejected);
    ev.set_string(Field::Service, kSvcSmtp);
    set_outcome(ev, kFailure, "blocklisted");
    set_str(ev, Field::ListName, r.substr(0, blocked));
    set_addr(ip, ev);
    return true;
  }
  string_view first = first_token(r);
  // rblsmtpd.c: "<ip> pid <n> <tcpremoteinfo>: 451 <text>" — any 4xx (filter.d/qmail.conf)
  // and the permanent 553 of `-b`.
  bool temp = false;
  for (std::size_t at = r.find(": 4"); at != npos && !temp; at = r.find(": 4", at + 3)) {
    temp = at + 5 < r.size() && r[at + 3] >= '0' && r[at + 3] <= '9' && r[at + 4] >= '0' &&
           r[at + 4] <= '9' && r[at + 5] == ' ';
  }
  if (is_ip(first) && contains(r, " pid ") && (temp || contains(r, ": 553 "))) {
    ev.set_kind(model::EventKind::MailRejected);
    ev.set_string(Field::Service, kSvcSmtp);
    set_outcome(ev, kFailure, "blocklisted");
    set_addr(first, ev);
    return true;
  }
  return false;
}

}  // namespace bannin::decode::daemon
