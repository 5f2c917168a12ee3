// Sendmail (sm-mta, sendmail, sm-acceptingconnections …): AUTH failures, ruleset rejects,
// EXPN/VRFY probes, pre-greeting traffic, connections that never sent MAIL, and the queue
// lines from= / to= (with ctladdr for the local account).
#include <bannin/decode/daemon/mail.h>
#include <bannin/decode/daemon/text.h>

namespace bannin::decode::daemon {

using model::Field;

namespace {

constexpr string_view kSmtp = kSvcSmtp;

bool is_sendmail_qid(string_view s) {
  if (s.size() < 8 || s.size() > 20) return false;
  for (char c : s) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!ok) return false;
  }
  return true;
}

// "[name ][addr][ (may be forged)]" -> client. Returns the position after the ']'.
std::size_t client_at(string_view s, std::size_t pos, model::Event& ev) {
  std::size_t end = 0;
  string_view addr = bracket_addr(s, pos, &end);
  if (addr.empty()) return npos;
  if (!set_addr(addr, ev)) {
    string_view name = trim(s.substr(pos, s.find('[', pos) - pos));
    set_addr(name, ev);
  }
  return end;
}

}  // namespace

bool decode_sendmail(string_view msg, model::Event& ev) {
  string_view r = trim(msg);
  {
    std::size_t c = r.find(": ");
    if (c != npos && is_sendmail_qid(r.substr(0, c))) {
      ev.set_string(Field::QueueId, r.substr(0, c));
      r.remove_prefix(c + 2);
    }
  }
  if (consume(r, "AUTH failure (")) {
    std::size_t close = r.find(')');
    if (close == npos) return false;
    auth_event(ev, kSmtp, kFailure);
    set_str(ev, Field::AuthMethod, r.substr(0, close));
    string_view rest = r.substr(close + 1);
    consume(rest, ": ");
    std::size_t relay = rest.rfind("relay=");
    set_str(ev, Field::Reason,
            trim(rest.substr(0, rest.find(", user=") < relay ? rest.find(", user=") : relay)));
    set_str(ev, Field::User, kv(rest, "user", ","));
    if (relay != npos) client_at(rest, relay + 6, ev);
    return true;
  }
  if (r.starts_with("ruleset=")) {
    std::size_t rej = r.find(", reject=");
    std::size_t relay = r.find("relay=");
    if (relay == npos) return false;
    ev.set_kind(model::EventKind::MailRejected);
    ev.set_string(Field::Service, kSmtp);
    if (rej == npos) {
      set_outcome(ev, kNeutral, kv(r, "ruleset", ","));
    } else {
      set_outcome(ev, kFailure, trim(r.substr(rej + 9)));
    }
    client_at(r, relay + 6, ev);
    string_view arg1 = kv(r, "arg1", ",");
    if (arg1.starts_with("<")) {
      string_view rcpt = clean_addr(arg1);
      if (kv(r, "ruleset", ",") == "check_rcpt") {
        ev.set_string(Field::Recipient, rcpt);
        set_str(ev, Field::RecipientDomain, domain_of(rcpt));
      } else {
        ev.set_string(Field::Sender, rcpt);
      }
    }
    std::size_t listed = r.find(" listed at ");
    if (listed != npos) set_str(ev, Field::ListName, first_token(r.substr(listed + 11)));
    return true;
  }
  if (consume(r, "rejecting commands from ")) {
    ev.set_kind(model::EventKind::MailRejected);
    ev.set_string(Field::Service, kSmtp);
    set_outcome(ev, kFailure, "pre_greeting_traffic");
    client_at(r, 0, ev);
    return true;
  }
  if (consume(r, "lost input channel from ")) {
    auth_event(ev, kSmtp, kFailure);
    ev.set_string(Field::Reason, "lost_input_channel");
    client_at(r, 0, ev);
    return true;
  }
  {
    // "<name> [addr][ (may be forged)]: possible SMTP attack: command=AUTH, count=5"
    // "<name> [addr]: EXPN root [rejected]" / "... did not issue MAIL/EXPN/VRFY/ETRN ..."
    std::size_t open = r.find('[');
    std::size_t close = open == npos ? npos : r.find(']', open);
    if (open != npos && close != npos) {
      string_view tail = r.substr(close + 1);
      consume(tail, " (may be forged)");
      if (consume(tail, ": possible SMTP attack: ")) {
        auth_event(ev, kSmtp, kFailure);
        ev.set_string(Field::Reason, trim(tail));
        client_at(r, 0, ev);
        return true;
      }
      if (tail.starts_with(": ") && tail.ends_with("[rejected]")) {
        ev.set_kind(model::EventKind::MailRejected);
        ev.set_string(Field::Service, kSmtp);
        set_outcome(ev, kFailure, trim(tail.substr(2)));
        client_at(r, 0, ev);
        return true;
      }
      if (consume(tail, " did not issue MAIL/EXPN/VRFY/ETRN")) {
        auth_event(ev, kSmtp, kFailure);
        ev.set_string(Field::Reason, "no_mail_transaction");
        client_at(r, 0, ev);
        return true;
      }
    }
  }
  if (r.starts_with("from=")) {
    ev.set_kind(model::EventKind::MailReceived);
    set_str(ev, Field::Sender, clean_addr(kv(r, "from", ",")));
    if (auto s = to_uint(kv(r, "size", ","))) ev.set_int(Field::Size, *s);
    if (auto n = to_uint(kv(r, "nrcpts", ","))) ev.set_int(Field::Nrcpt, *n);
    set_str(ev, Field::MessageId, clean_addr(kv(r, "msgid", ",")));
    std::size_t relay = r.find("relay=");
    if (relay != npos) {
      // A local submission: "relay=alice@localhost" names the account that ran sendmail.
      string_view rv = kv(r, "relay", ", ");
      std::size_t at = rv.find('@');
      bool bare = false;
      if (!rv.empty()) {
        string_view after = r.substr(static_cast<std::size_t>(rv.data() - r.data()) + rv.size());
        bare = after.empty() || after.front() == ',';
      }
      if (bare && at != npos && at > 0 && rv.substr(at + 1) == "localhost") {
        set_str(ev, Field::Account, rv.substr(0, at));
      } else {
        client_at(r, relay + 6, ev);
      }
    }
    return true;
  }
  if (r.starts_with("to=")) {
    ev.set_kind(model::EventKind::MailSent);
    string_view to = clean_addr(kv(r, "to", ","));
    set_str(ev, Field::Recipient, to);
    set_str(ev, Field::RecipientDomain, domain_of(to));
    // ctladdr=<user> (uid/gid) or ctladdr=user (uid/gid): the local account that sent it.
    std::size_t ctl = r.find("ctladdr=");
    if (ctl != npos) {
      string_view c = r.substr(ctl + 8);
      std::size_t sp = c.find(" (");
      if (sp != npos) {
        set_str(ev, Field::Account, clean_addr(c.substr(0, sp)));
        string_view ids = c.substr(sp + 2);
        std::size_t slash = ids.find('/');
        if (slash != npos) {
          if (auto uid = to_uint(ids.substr(0, slash))) ev.set_int(Field::Uid, *uid);
        }
      }
    }
    string_view relay = kv(r, "relay", ",");
    set_str(ev, Field::Relay, relay);
    string_view stat = kv(r, "stat", " ");
    set_str(ev, Field::DeliveryStatus, stat);
    // "stat=Sent (x4HJ2bXo012345 Message accepted for delivery)": the next hop's answer.
    if (!stat.empty()) {
      string_view tail = r.substr(static_cast<std::size_t>(stat.data() - r.data()) + stat.size());
      if (tail.starts_with(" (") && tail.back() == ')')
        set_str(ev, Field::Reason, tail.substr(2, tail.size() - 3));
    }
    return true;
  }
  return false;
}

}  // namespace bannin::decode::daemon
