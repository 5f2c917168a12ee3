#include <cstring>
#include <string>

#include <simdjson.h>

#include <bannin/decode/daemon/dns.h>
#include <bannin/decode/daemon/ftp.h>
#include <bannin/decode/daemon/mail.h>
#include <bannin/decode/daemon/pam.h>
#include <bannin/decode/daemon/sshd.h>
#include <bannin/decode/daemon/text.h>
#include <bannin/decode/daemon/webauth.h>
#include <bannin/decode/syslog/syslog_decoder.h>

namespace bannin::decode::syslog {

using model::Field;
using std::string_view;

namespace {

using MessageFn = bool (*)(string_view, model::Event&);

struct Entry {
  MessageFn fn;
  Family family;
};

// Fallback order: the most specific message shapes first.
constexpr Entry kAll[] = {
    {daemon::decode_pam, Family::All},
    {daemon::decode_audit, Family::Ssh},
    {daemon::decode_sshd, Family::Ssh},
    {daemon::decode_dropbear, Family::Ssh},
    {daemon::decode_dovecot, Family::Mail},
    {daemon::decode_courier, Family::Mail},
    {daemon::decode_cyrus, Family::Mail},
    {daemon::decode_sendmail, Family::Mail},
    {daemon::decode_exim, Family::Mail},
    {daemon::decode_postfix, Family::Mail},
    {daemon::decode_qmail, Family::Mail},
    {daemon::decode_vsftpd, Family::Ftp},
    {daemon::decode_proftpd, Family::Ftp},
    {daemon::decode_pureftpd, Family::Ftp},
    {daemon::decode_wuftpd, Family::Ftp},
    {daemon::decode_named, Family::Dns},
    {daemon::decode_unbound, Family::Dns},
    {daemon::decode_apache_error, Family::WebAuth},
    {daemon::decode_nginx_error, Family::WebAuth},
    {daemon::decode_roundcube, Family::WebAuth},
    {daemon::decode_webmail, Family::WebAuth},
    {daemon::decode_monit, Family::WebAuth},
    {daemon::decode_mysql, Family::WebAuth},
    {daemon::decode_haproxy, Family::WebAuth},
};

// The decoder for a program name (syslog tag without pid), or nullptr.
MessageFn by_program(string_view prog) {
  std::size_t paren = prog.find('(');
  string_view base = paren == string_view::npos ? prog : prog.substr(0, paren);
  string_view first = base.substr(0, base.find('/'));
  string_view last = base.substr(base.rfind('/') + 1);
  if (first.starts_with("postfix")) return daemon::decode_postfix;
  if (first == "cyrus") return daemon::decode_cyrus;
  if (base == "sshd" || base == "sshd-session" || base == "sshd-auth") return daemon::decode_sshd;
  if (base == "dropbear") return daemon::decode_dropbear;
  if (base == "sendmail" || base.starts_with("sm-")) return daemon::decode_sendmail;
  if (base.starts_with("exim")) return daemon::decode_exim;
  if (base == "dovecot" || base.ends_with("-login") || base == "auth" || base == "auth-worker") {
    return daemon::decode_dovecot;
  }
  if (base.starts_with("courier") || base == "pop3d" || base == "pop3d-ssl" ||
      base == "imapd-ssl") {
    return daemon::decode_courier;
  }
  if (base == "vsftpd") return daemon::decode_vsftpd;
  if (base == "proftpd") return daemon::decode_proftpd;
  if (base == "pure-ftpd") return daemon::decode_pureftpd;
  if (base == "wu-ftpd" || base == "ftpd") return daemon::decode_wuftpd;
  if (base == "named" || base == "bind") return daemon::decode_named;
  if (base == "unbound") return daemon::decode_unbound;
  if (base == "httpd" || base == "apache2" || base == "apache") return daemon::decode_apache_error;
  if (base == "nginx") return daemon::decode_nginx_error;
  if (base == "roundcube") return daemon::decode_roundcube;
  if (base == "mysqld" || base == "mariadbd" || base == "mysqld_safe") return daemon::decode_mysql;
  if (base == "haproxy") return daemon::decode_haproxy;
  if (base == "monit") return daemon::decode_monit;
  if (base == "qmail" || base == "rblsmtpd" || last == "qmail-smtpd") return daemon::decode_qmail;
  return nullptr;
}

void set_frame_fields(const Frame& f, std::int64_t pid, model::Event& ev) {
  ev.set_ts(f.ts);
  if (!f.host.empty()) ev.set_string(Field::Host, f.host);
  if (!f.program.empty()) ev.set_string(Field::Program, f.program);
  if (pid >= 0) ev.set_int(Field::Pid, pid);
}

// Where a message of a known daemon ends a message's or session's life without being an
// event: the queue-end lines the mail correlator needs ("QID: removed", "ID Completed")
// and dovecot's logouts. The daemon's own decoder has already said no to them; trying
// every other decoder on them too costs ~20 decoded lines each, on ~15 % of a mail log.
struct NoEvent {
  string_view queue_end;  ///< queue id leaving the queue, or empty
  bool known = false;
};

// A daemon's own timestamp at the start of a syslog message ("19-Oct-2022 05:34:02.425 client
// …" from named with print-time, "2023/12/09 21:35:20 [error] …" from nginx): the syslog
// frame already dated the line, and the daemon decoders expect the daemon's message. Only
// the stamps that cannot start a message (not RFC 3164/ISO-8601 syslog-like ones: exim reads
// its own ISO stamp, which carries a zone the frame may lack) are removed.
string_view strip_inner_time(string_view msg, const YearInference& years) {
  if (msg.size() < 12 || msg[0] < '0' || msg[0] > '9') return msg;
  core::TimeNs ts = 0;
  std::size_t len = 0;
  bool syslog_like = true;
  if (!parse_leading_time(msg, years, ts, len, syslog_like) || syslog_like) return msg;
  if (len >= msg.size() || (msg[len] != ' ' && msg[len] != '\t')) return msg;
  return daemon::trim(msg.substr(len));
}

// Cheap test for "… [dd/Mon/yyyy:" within the first fields of a message: CLF's %t.
bool looks_like_access(string_view msg) {
  std::size_t lb = msg.find(" [");
  if (lb == string_view::npos || lb > 160 || lb + 13 > msg.size()) return false;
  return msg[lb + 4] == '/' && msg[lb + 8] == '/' && msg[lb + 13] == ':';
}

NoEvent known_without_event(MessageFn primary, string_view msg) {
  NoEvent n;
  if (msg.empty()) return n;
  if (primary == daemon::decode_postfix) {
    n.queue_end = daemon::postfix_removed_id(msg);
    n.known = !n.queue_end.empty();
  } else if (primary == daemon::decode_exim) {
    n.queue_end = daemon::exim_completed_id(msg);
    n.known = !n.queue_end.empty();
  } else if (primary == daemon::decode_dovecot) {
    n.known = daemon::dovecot_logout(msg);
  } else if (primary == nullptr && (msg.back() == 'd' || msg.back() == ' ')) {
    // Unknown program (native exim main log, odd tags): still see the queue end.
    n.queue_end = daemon::postfix_removed_id(msg);
    if (n.queue_end.empty()) n.queue_end = daemon::exim_completed_id(msg);
  }
  return n;
}

}  // namespace

struct SyslogDecoder::Json {
  simdjson::dom::parser parser;
  std::string message;
  std::string host;
  std::string program;
  std::string pid;
};

SyslogDecoder::SyslogDecoder(Family family, std::string_view name) : family_(family), name_(name) {}
SyslogDecoder::~SyslogDecoder() = default;

void SyslogDecoder::set_reference_time(core::TimeNs t) noexcept {
  core::CivilTime c = core::civil_from_ns(t);
  years_.year = c.year;
  years_.month = c.month;
  years_.fixed = false;
}

void SyslogDecoder::set_year(int year) noexcept {
  years_.year = year;
  years_.month = 12;
  years_.fixed = true;
}

bool SyslogDecoder::decode_relayed_access(string_view msg, model::Event& ev) {
  using access_log::ClfDecoder;
  using access_log::ClfVariant;
  if (!looks_like_access(msg)) return false;
  if (!combined_) {
    combined_ = std::make_unique<ClfDecoder>(ClfVariant::Combined);
    common_ = std::make_unique<ClfDecoder>(ClfVariant::Common);
    vhost_ = std::make_unique<ClfDecoder>(ClfVariant::VhostCombined);
  }
  for (ClfDecoder* d : {combined_.get(), common_.get(), vhost_.get()}) {
    ev.reset();
    if (d->decode(msg, ev).ok()) return true;
  }
  ev.reset();
  return false;
}

DecodeResult SyslogDecoder::decode_frame(const Frame& framed, model::Event& ev) {
  if (framed.msg.empty()) return DecodeResult::fail("empty_message", 0);
  Frame f = framed;
  if (!f.program.empty()) f.msg = strip_inner_time(f.msg, years_);
  MessageFn primary = f.program.empty() ? nullptr : by_program(f.program);
  std::int64_t pid = -1;
  if (auto p = daemon::to_uint(f.pid)) pid = *p;
  auto attempt = [&](MessageFn fn) {
    ev.reset();
    set_frame_fields(f, pid, ev);
    return fn(f.msg, ev);
  };
  auto decoded = [&] {
    if (ev.kind() == model::EventKind::AuthAttempt && ev.str(Field::Service).empty() &&
        !f.program.empty()) {
      // "vsftpd(pam_unix)[pid]: authentication failure; …": the tag names the daemon.
      string_view prog = f.program.substr(0, f.program.find('('));
      string_view fam = daemon::service_family(prog);
      if (fam != prog) ev.set_string(Field::Service, fam);
    }
    if (!cwd_.empty() && ev.kind() == model::EventKind::MailReceived) exim_script(ev);
    mail_.observe(ev);
    return DecodeResult::success();
  };
  // The PAM and audit shapes can come from any program.
  if (family_ == Family::All || family_ == Family::Ssh || family_ == Family::Ftp) {
    if (attempt(daemon::decode_pam)) return decoded();
  }
  bool primary_allowed = false;
  if (primary != nullptr) {
    for (const Entry& e : kAll) {
      if (e.fn == primary) primary_allowed = family_ == Family::All || e.family == family_;
    }
    if (primary_allowed && attempt(primary)) return decoded();
  }
  // Only a line with a syslog tag is a relayed one: a bare access log is the CLF decoders'.
  if ((family_ == Family::All || family_ == Family::WebAuth) && !f.program.empty() &&
      decode_relayed_access(f.msg, ev)) {
    return DecodeResult::success();
  }
  NoEvent none = known_without_event(primary_allowed ? primary : nullptr, f.msg);
  if (!none.queue_end.empty()) mail_.forget(f.host, none.queue_end);
  if (!none.known && (primary == nullptr || primary == daemon::decode_exim)) {
    std::int64_t cwd_pid = -1;
    if (string_view cwd = daemon::exim_cwd(f.msg, &cwd_pid); !cwd.empty()) {
      cwd_.assign(cwd.substr(0, MailCorrelator::kMaxValue));
      cwd_ts_ = f.ts;
      cwd_pid_ = cwd_pid >= 0 ? cwd_pid : pid;
      none.known = true;
    }
  }
  if (!none.known) {
    for (const Entry& e : kAll) {
      if (e.fn == primary || e.fn == daemon::decode_pam) continue;
      if (family_ != Family::All && e.family != family_) continue;
      if (attempt(e.fn)) return decoded();
    }
  }
  ev.reset();
  return DecodeResult::fail("unrecognized_message", 0);
}

void SyslogDecoder::exim_script(model::Event& ev) {
  const bool local = !ev.has(Field::SrcIp) && !ev.str(Field::Account).empty();
  const core::TimeNs gap = ev.ts() >= cwd_ts_ ? ev.ts() - cwd_ts_ : cwd_ts_ - ev.ts();
  const model::FieldValue* p = ev.get(Field::Pid);
  const bool same_process = cwd_pid_ < 0 || p == nullptr || p->i == cwd_pid_;
  if (local && gap <= kCwdWindow && same_process && !ev.has(Field::Script)) {
    char* copy = ev.scratch(cwd_.size());
    std::memcpy(copy, cwd_.data(), cwd_.size());
    ev.set_string(Field::Script, string_view(copy, cwd_.size()));
  }
  cwd_.clear();  // one cwd line belongs to one submission
}

DecodeResult SyslogDecoder::decode_json(std::string_view line, model::Event& ev) {
  if (!json_) json_ = std::make_unique<Json>();
  simdjson::dom::element doc;
  if (json_->parser.parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS) {
    return DecodeResult::fail("bad_json", 0);
  }
  simdjson::dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return DecodeResult::fail("bad_json", 0);
  auto text = [&](const char* key, std::string& out) {
    std::string_view v;
    if (obj[key].get_string().get(v) == simdjson::SUCCESS) {
      out.assign(v);
      return true;
    }
    out.clear();
    return false;
  };
  if (!text("MESSAGE", json_->message))
    return DecodeResult::fail("journal_json_without_message", 0);
  if (!text("SYSLOG_IDENTIFIER", json_->program)) text("_COMM", json_->program);
  text("_HOSTNAME", json_->host);
  if (!text("SYSLOG_PID", json_->pid)) text("_PID", json_->pid);
  Frame f;
  std::string ts;
  if (text("__REALTIME_TIMESTAMP", ts)) {
    if (auto us = daemon::to_uint(ts); us && *us < 7'000'000'000'000'000) {
      f.ts = *us * 1000;
      f.has_ts = true;
    }
  }
  f.host = json_->host;
  f.program = json_->program;
  f.pid = json_->pid;
  f.msg = json_->message;
  return decode_frame(f, ev);
}

DecodeResult SyslogDecoder::decode(std::string_view line, model::Event& ev) {
  if (line.empty()) return DecodeResult::fail("empty_line", 0);
  if (line.front() == '{') return decode_json(line, ev);
  Frame f;
  parse_frame(line, years_, f);
  DecodeResult r = decode_frame(f, ev);
  if (!r.ok() && f.msg.data() != nullptr) {
    r.column = static_cast<std::uint32_t>(f.msg.data() - line.data() + 1);
  }
  return r;
}

}  // namespace bannin::decode::syslog
