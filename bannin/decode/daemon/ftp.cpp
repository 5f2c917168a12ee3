#include <bannin/decode/daemon/ftp.h>
#include <bannin/decode/daemon/text.h>

namespace bannin::decode::daemon {

using model::Field;

namespace {
constexpr string_view kFtp = kSvcFtp;

// Next "quoted" string starting at or after pos; advances pos past it.
string_view quoted(string_view s, std::size_t& pos) {
  std::size_t open = s.find('"', pos);
  if (open == npos) return {};
  std::size_t close = s.find('"', open + 1);
  if (close == npos) return {};
  pos = close + 1;
  return s.substr(open + 1, close - open - 1);
}
}  // namespace

bool decode_vsftpd(string_view msg, model::Event& ev) {
  string_view r = trim(msg);
  if (r.starts_with("[pid ")) {
    std::size_t close = r.find("] ");
    if (close == npos) return false;
    if (auto pid = to_uint(r.substr(5, close - 5))) ev.set_int(Field::Pid, *pid);
    r = r.substr(close + 2);
  }
  string_view user;
  if (r.starts_with("[")) {
    std::size_t close = r.find("] ");
    if (close == npos) return false;
    user = r.substr(1, close - 1);
    r = r.substr(close + 2);
  }
  std::size_t pos = 0;
  if (consume(r, "FAIL LOGIN: Client ") || consume(r, "OK LOGIN: Client ")) {
    bool fail = msg.find("FAIL LOGIN") != npos;
    string_view ip = quoted(r, pos);
    if (ip.empty()) return false;
    auth_event(ev, kFtp, fail ? kFailure : kSuccess);
    string_view why = quoted(r, pos);
    if (fail) set_str(ev, Field::Reason, why.empty() ? string_view("login_failed") : why);
    set_str(ev, Field::User, user);
    set_addr(ip, ev);
    return true;
  }
  if (consume(r, "CONNECT: Client ")) {
    string_view ip = quoted(r, pos);
    if (ip.empty()) return false;
    auth_event(ev, kFtp, kNeutral);
    ev.set_string(Field::Reason, "connect");
    set_addr(ip, ev);
    return true;
  }
  bool response = consume(r, "FTP response: Client ");
  if (response || consume(r, "FTP command: Client ")) {
    // log_ftp_protocol=YES: every command and answer. A 530 is a refused login; the one
    // after PASS ("530 Login incorrect.") repeats the FAIL LOGIN line of the same attempt,
    // so only the refusals that have no FAIL LOGIN (userlist_deny, "530 Permission denied.",
    // "530 This FTP server is anonymous only.") count as failures here.
    string_view ip = quoted(r, pos);
    if (ip.empty()) return false;
    string_view text = quoted(r, pos);
    bool refused = response && text.starts_with("530 ") && !text.starts_with("530 Login incorrect");
    auth_event(ev, kFtp, refused ? kFailure : kNeutral);
    set_str(ev, Field::Reason, refused ? text : string_view(response ? "response" : "command"));
    string_view cmd_user = text;
    if (!response && consume_ci(cmd_user, "USER ")) user = trim(cmd_user);
    set_str(ev, Field::User, user);
    set_addr(ip, ev);
    return true;
  }
  bool up = consume(r, "OK UPLOAD: Client ");
  bool down = !up && consume(r, "OK DOWNLOAD: Client ");
  if (up || down) {
    string_view ip = quoted(r, pos);
    string_view path = quoted(r, pos);
    ev.set_kind(model::EventKind::FtpTransfer);
    set_str(ev, Field::User, user);
    set_addr(ip, ev);
    set_str(ev, Field::FilePath, path);
    ev.set_string(Field::Direction, up ? "upload" : "download");
    string_view rest = r.substr(pos);
    consume(rest, ", ");
    if (auto n = to_uint(first_token(rest))) ev.set_int(Field::Size, *n);
    return true;
  }
  return false;
}

bool decode_proftpd(string_view msg, model::Event& ev) {
  // "<server> (<name>[<ip>]): <text>" or "<server> (<name>[<ip>]) - <text>"
  string_view r = trim(msg);
  std::size_t open = r.find(" (");
  if (open == npos) return false;
  std::size_t close = r.find("]): ", open);
  std::size_t close2 = r.find("]) - ", open);
  if (close == npos || (close2 != npos && close2 < close)) close = close2;
  if (close == npos) return false;
  string_view client = r.substr(open + 2, close + 1 - open - 2);
  string_view text = trim(r.substr(close + 4));
  consume(text, "- ");
  std::size_t lb = client.rfind('[');
  if (lb == npos) return false;
  string_view addr = client.substr(lb + 1, client.size() - lb - 2);

  string_view user;
  string_view t = text;
  if (consume(t, "USER ")) {
    std::size_t e = t.find_first_of(": (");
    user = e == npos ? t : t.substr(0, e);
  }
  bool fail = contains(text, "no such user found") || contains(text, "(Login failed)") ||
              contains(text, "Login failed") || contains(text, "SECURITY VIOLATION") ||
              contains(text, "Maximum login attempts") || contains(text, "Refused user");
  bool ok = contains(text, "Login successful");
  if (!fail && !ok) {
    if (contains(text, "FTP session opened") || contains(text, "FTP session closed")) {
      auth_event(ev, kFtp, kNeutral);
      set_addr(addr, ev);
      return true;
    }
    return false;
  }
  auth_event(ev, kFtp, fail ? kFailure : kSuccess);
  set_str(ev, Field::Reason, text);
  set_str(ev, Field::User, user);
  if (contains(text, "root login attempted")) ev.set_string(Field::User, "root");
  if (!set_addr(addr, ev)) set_addr(client.substr(0, lb), ev);
  return true;
}

bool decode_pureftpd(string_view msg, model::Event& ev) {
  // "(user@host) [LEVEL] text"
  string_view r = trim(msg);
  if (!r.starts_with("(")) return false;
  std::size_t close = r.find(") [");
  if (close == npos) return false;
  string_view who = r.substr(1, close - 1);
  std::size_t at = who.rfind('@');
  if (at == npos) return false;
  string_view text = r.substr(close + 2);
  std::size_t lvl = text.find("] ");
  if (lvl == npos) return false;
  text = text.substr(lvl + 2);
  string_view user = who.substr(0, at);
  string_view host = who.substr(at + 1);
  string_view t = text;
  if (consume(t, "Authentication failed for user [")) {
    auth_event(ev, kFtp, kFailure);
    ev.set_string(Field::Reason, "authentication_failed");
    std::size_t e = t.find(']');
    set_str(ev, Field::User, e == npos ? t : t.substr(0, e));
    set_addr(host, ev);
    return true;
  }
  if (contains(text, " is now logged in")) {
    auth_event(ev, kFtp, kSuccess);
    set_str(ev, Field::User, first_token(text));
    set_addr(host, ev);
    return true;
  }
  std::size_t up = text.find(" uploaded  (");
  if (up != npos) {
    ev.set_kind(model::EventKind::FtpTransfer);
    ev.set_string(Field::Direction, "upload");
    set_str(ev, Field::FilePath, text.substr(0, up));
    if (user != "?") set_str(ev, Field::User, user);
    set_addr(host, ev);
    if (auto n = to_uint(first_token(text.substr(up + 12)))) ev.set_int(Field::Size, *n);
    return true;
  }
  return false;
}

bool decode_wuftpd(string_view msg, model::Event& ev) {
  string_view r = trim(msg);
  if (consume(r, "failed login from ")) {
    auth_event(ev, kFtp, kFailure);
    ev.set_string(Field::Reason, "login_failed");
    std::size_t end = 0;
    string_view addr = bracket_addr(r, 0, &end);
    if (addr.empty() || !set_addr(addr, ev)) set_addr(first_token(r), ev);
    return true;
  }
  return false;
}

}  // namespace bannin::decode::daemon
