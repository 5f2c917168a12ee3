#include <bannin/decode/daemon/pam.h>
#include <bannin/decode/daemon/text.h>

namespace bannin::decode::daemon {

using model::Field;

bool decode_pam(string_view msg, model::Event& ev) {
  string_view r = trim(msg);
  string_view service;
  // Old pam_unix wrote its name in parentheses after the tag ("vsftpd: (pam_unix)
  // authentication failure; …", common.conf's `__pam_re`).
  if (consume(r, "(pam_unix)")) r = trim(r);
  if (consume(r, "pam_unix(") || consume(r, "pam_sss(") || consume(r, "pam_ldap(")) {
    std::size_t close = r.find("): ");
    if (close == npos) return false;
    string_view inside = r.substr(0, close);
    service = inside.substr(0, inside.find(':'));
    r = r.substr(close + 3);
  }
  if (!service.empty() &&
      (r.starts_with("session opened for user ") || r.starts_with("session closed for user "))) {
    bool opened = r.starts_with("session opened");
    auth_event(ev, service_family(service), kNeutral);
    ev.set_string(Field::Reason, opened ? "session_opened" : "session_closed");
    set_str(ev, Field::User, first_token(r.substr(24)));
    return true;
  }
  if (!consume(r, "authentication failure;")) return false;
  string_view rhost = kv(r, "rhost", " ");
  // Old pam_unix ("vsftpd(pam_unix)[pid]: authentication failure; …") names no service; its
  // tty= does for the daemons that set one (vsftpd "ftp", dovecot "dovecot"). Otherwise the
  // syslog dispatcher fills it from the program name.
  if (service.empty()) service = kv(r, "tty", " ");
  auth_event(ev, service_family(service), kFailure);
  ev.set_string(Field::Reason, "pam_authentication_failure");
  string_view user = kv(r, "user", " ");
  if (user.empty()) user = kv(r, "ruser", " ");
  set_str(ev, Field::User, user);
  set_addr(rhost, ev);
  return true;
}

bool decode_audit(string_view msg, model::Event& ev) {
  string_view r = trim(msg);
  if (!consume(r, "type=")) return false;
  string_view type = first_token(r);
  std::size_t m = r.find(" msg='");
  if (m == npos) return false;
  string_view body = r.substr(m + 6);
  string_view res = kv(body, "res", " '");
  if (res.empty()) return false;
  bool failed = res == "failed";
  // USER_LOGIN res=failed follows the USER_AUTH failure of the same attempt: count it once.
  bool counts = failed && (type == "USER_AUTH" || type == "USER_ERR");
  string_view exe = kv(body, "exe", " ");
  auth_event(ev, contains(exe, "sshd") ? kSvcSsh : string_view(),
             counts   ? kFailure
             : failed ? kNeutral
                      : kSuccess);
  set_str(ev, Field::Reason, kv(body, "op", " "));
  string_view acct = kv(body, "acct", " ");
  if (acct.size() >= 2 && acct.front() == '"')
    set_str(ev, Field::User, acct.substr(1, acct.size() - 2));
  string_view addr = kv(body, "addr", " ");
  if (!set_addr(addr, ev)) set_addr(kv(body, "hostname", " "), ev);
  if (auto pid = to_uint(kv(r, "pid", " "))) ev.set_int(Field::Pid, *pid);
  // "msg=audit(1373330717.000:4068):" carries the time as epoch seconds.
  std::size_t a = r.find("msg=audit(");
  if (ev.ts() == 0 && a != npos) {
    string_view t = r.substr(a + 10);
    std::size_t dot = t.find('.');
    if (auto sec = to_uint(t.substr(0, dot)); sec && *sec < 7'000'000'000) {
      std::int64_t ms = 0;
      if (dot != npos) ms = to_uint(t.substr(dot + 1, 3)).value_or(0);
      ev.set_ts(*sec * 1000000000 + ms * 1000000);
    }
  }
  return true;
}

}  // namespace bannin::decode::daemon
