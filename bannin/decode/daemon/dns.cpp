#include <bannin/decode/daemon/dns.h>
#include <bannin/decode/daemon/text.h>

namespace bannin::decode::daemon {

using model::Field;

namespace {

// "'name/TYPE/CLASS'" -> qname, qtype.
void set_query(string_view q, model::Event& ev) {
  std::size_t s1 = q.find('/');
  if (s1 == npos) {
    set_str(ev, Field::Qname, q);
    return;
  }
  set_str(ev, Field::Qname, q.substr(0, s1));
  string_view rest = q.substr(s1 + 1);
  std::size_t s2 = rest.find('/');
  if (s2 != npos) set_str(ev, Field::Qtype, rest.substr(0, s2));
}

string_view quoted_single(string_view s) {
  std::size_t a = s.find('\'');
  if (a == npos) return {};
  std::size_t b = s.find('\'', a + 1);
  if (b == npos) return {};
  return s.substr(a + 1, b - a - 1);
}

}  // namespace

bool decode_named(string_view msg, model::Event& ev) {
  string_view r = trim(msg);
  // "<category>: <severity>: " prefixes when print-category/print-severity are on.
  for (int i = 0; i < 3; ++i) {
    string_view tok = first_token(r);
    if (tok.size() > 1 && tok.back() == ':' && tok != "client:" && tok.find('#') == npos) {
      r = trim(r.substr(tok.size()));
    } else {
      break;
    }
  }
  if (!consume(r, "client ")) return false;
  if (r.starts_with("@0x")) r = trim(r.substr(first_token(r).size()));
  string_view addr = first_token(r);
  if (!addr.empty() && addr.back() == ':') addr.remove_suffix(1);
  std::size_t hash = addr.rfind('#');
  string_view port;
  if (hash != npos) {
    port = addr.substr(hash + 1);
    addr = addr.substr(0, hash);
  }
  if (!is_ip(addr)) return false;
  std::size_t colon = r.find(": ");
  if (colon == npos) return false;
  string_view text = trim(r.substr(colon + 2));
  ev.set_kind(model::EventKind::DnsQuery);
  set_addr(addr, ev);
  if (auto p = to_uint(port)) ev.set_int(Field::SrcPort, *p);
  if (consume(text, "query: ")) {
    // "query: www.example.com IN A +E(0)K (10.0.0.1)"
    string_view name = first_token(text);
    set_str(ev, Field::Qname, name);
    string_view rest = trim(text.substr(name.size()));
    string_view cls = first_token(rest);
    rest = trim(rest.substr(cls.size()));
    set_str(ev, Field::Qtype, first_token(rest));
    ev.set_string(Field::Outcome, kNeutral);
    return true;
  }
  bool denied = text.ends_with(" denied") || contains(text, "' denied");
  bool notauth = text.starts_with("bad zone transfer request") || contains(text, "(NOTAUTH)");
  if (denied || notauth) {
    set_query(quoted_single(text), ev);
    ev.set_string(Field::Rcode, notauth ? "NOTAUTH" : "REFUSED");
    set_outcome(ev, kFailure, text);
    return true;
  }
  set_outcome(ev, kNeutral, text);
  return true;
}

bool decode_unbound(string_view msg, model::Event& ev) {
  string_view r = trim(msg);
  if (r.starts_with("[")) {
    std::size_t close = r.find("] ");
    if (close != npos) r = r.substr(close + 2);
  }
  if (!consume(r, "info: ") && !consume(r, "query: ") && !consume(r, "reply: ")) return false;
  consume(r, "reply: ");
  // "<ip> <name>. <TYPE> <CLASS>" (log-queries) or "<ip> <name>. <TYPE> <CLASS> <RCODE> …"
  // (log-replies)
  string_view ip = first_token(r);
  if (!is_ip(ip)) return false;
  string_view rest = trim(r.substr(ip.size()));
  string_view name = first_token(rest);
  rest = trim(rest.substr(name.size()));
  string_view type = first_token(rest);
  rest = trim(rest.substr(type.size()));
  string_view cls = first_token(rest);
  rest = trim(rest.substr(cls.size()));
  string_view rcode = first_token(rest);
  ev.set_kind(model::EventKind::DnsQuery);
  set_addr(ip, ev);
  set_str(ev, Field::Qname, name);
  set_str(ev, Field::Qtype, type);
  set_str(ev, Field::Rcode, rcode);
  ev.set_string(Field::Outcome, rcode == "REFUSED" ? kFailure : kNeutral);
  return true;
}

}  // namespace bannin::decode::daemon
