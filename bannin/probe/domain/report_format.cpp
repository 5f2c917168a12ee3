#include <bannin/core/json_writer.h>
#include <bannin/probe/domain/report_format.h>

namespace bannin::probe::domain {
namespace {

std::string_view label(Severity s, Lang lang) {
  if (lang == Lang::Ja) {
    switch (s) {
      case Severity::Ok:
        return "正常";
      case Severity::Info:
        return "未確認";
      case Severity::Warning:
        return "警告";
      case Severity::Unknown:
        return "確認不能";
      case Severity::Critical:
        return "重大";
    }
  }
  switch (s) {
    case Severity::Ok:
      return "OK";
    case Severity::Info:
      return "NOT CHECKED";
    case Severity::Warning:
      return "WARNING";
    case Severity::Unknown:
      return "COULD NOT CHECK";
    case Severity::Critical:
      return "CRITICAL";
  }
  return "?";
}

}  // namespace

std::string format_text(const std::vector<SubjectReport>& reports, Lang lang) {
  std::string out;
  for (const SubjectReport& rep : reports) {
    // An IDN shows the form its owner typed and the A-label form the DNS was asked for.
    out += rep.subject_unicode.empty() || rep.subject_unicode == rep.subject
               ? rep.subject
               : rep.subject_unicode + " (" + rep.subject + ")";
    out += ": ";
    out += label(rep.worst(), lang);
    out += '\n';
    for (const CheckResult& r : rep.results) {
      // Info is "not checked" for checks not configured, plain information otherwise (e.g.
      // VirusTotal has no report on the domain).
      std::string_view lbl = r.severity == Severity::Info && r.state != "not_checked"
                                 ? (lang == Lang::Ja ? "情報" : "INFO")
                                 : label(r.severity, lang);
      out += "  [" + std::string(lbl) + "] " + r.check + " " + r.state;
      if (!r.source.empty()) out += " @ " + r.source;
      out += '\n';
      if (!r.detail.empty()) out += "      " + r.detail + '\n';
      if (r.severity >= Severity::Warning) {
        if (auto e = explain(r.check, r.state, lang)) {
          bool ja = lang == Lang::Ja;
          out += std::string("      ") + (ja ? "意味: " : "What it means: ") +
                 std::string(e->meaning) + '\n';
          out += std::string("      ") + (ja ? "対応できる人: " : "Who can fix it: ") +
                 std::string(e->who) + '\n';
          out += std::string("      ") + (ja ? "次にすること: " : "What to do: ") +
                 std::string(e->next) + '\n';
        }
      }
    }
  }
  return out;
}

std::string format_json(const std::vector<SubjectReport>& reports, Lang lang) {
  std::string out = "{\"subjects\":[";
  bool first = true;
  for (const SubjectReport& rep : reports) {
    if (!first) out += ',';
    first = false;
    core::JsonObjectWriter o(out);
    o.string("subject", rep.subject);
    if (!rep.subject_unicode.empty() && rep.subject_unicode != rep.subject)
      o.string("subject_unicode", rep.subject_unicode);
    o.string("type", rep.is_ip ? "ip" : "domain");
    o.string("severity", severity_name(rep.worst()));
    o.key("results");
    out += '[';
    bool f2 = true;
    for (const CheckResult& r : rep.results) {
      if (!f2) out += ',';
      f2 = false;
      core::JsonObjectWriter ro(out);
      ro.string("check", r.check);
      ro.string("state", r.state);
      ro.string("severity", severity_name(r.severity));
      if (!r.source.empty()) ro.string("source", r.source);
      ro.string("detail", r.detail);
      if (auto e = explain(r.check, r.state, lang); e && r.severity >= Severity::Warning) {
        ro.key("explanation");
        core::JsonObjectWriter eo(out);
        eo.string("meaning", e->meaning);
        eo.string("who", e->who);
        eo.string("next", e->next);
        eo.close();
      }
      ro.close();
    }
    out += ']';
    if (!rep.nameservers.empty()) {  // the parent's NS set (delegated), for the daemon
      o.key("nameservers");
      out += '[';
      for (std::size_t i = 0; i < rep.nameservers.size(); ++i) {
        if (i != 0) out += ',';
        core::json_append_string(out, rep.nameservers[i]);
      }
      out += ']';
    }
    if (!rep.engines.empty()) {  // VirusTotal's per-engine verdicts, for diff_engines()
      o.key("virustotal_engines");
      out += '[';
      for (std::size_t i = 0; i < rep.engines.size(); ++i) {
        if (i != 0) out += ',';
        core::JsonObjectWriter eo(out);
        eo.string("engine", rep.engines[i].engine);
        eo.string("category", rep.engines[i].category);
        eo.string("result", rep.engines[i].result);
        eo.close();
      }
      out += ']';
    }
    o.close();
  }
  out += "],\"exit_code\":" + std::to_string(exit_code_for(reports)) + "}\n";
  return out;
}

void for_each_event(const std::vector<SubjectReport>& reports, core::TimeNs now,
                    const std::function<void(const model::Event&)>& sink) {
  model::Event ev;
  std::string detail;
  for (const SubjectReport& rep : reports) {
    std::optional<core::IpAddress> ip;
    if (rep.is_ip) ip = core::IpAddress::parse(rep.subject);
    for (const CheckResult& r : rep.results) {
      ev.reset();
      ev.set_kind(model::EventKind::DomainStatus);
      ev.set_ts(now);
      if (rep.is_ip && ip)
        ev.set_ip(model::Field::SrcIp, *ip);
      else
        ev.set_string(model::Field::Domain, rep.subject);
      ev.set_string(model::Field::Check, r.check);
      ev.set_string(model::Field::State, r.state);
      detail = r.source.empty() ? r.detail : r.source + ": " + r.detail;
      ev.set_string(model::Field::Detail, detail);
      ev.set_string(model::Field::Severity, severity_name(r.severity));
      ev.set_string(model::Field::Reason, severity_name(r.severity));
      sink(ev);
    }
  }
}

}  // namespace bannin::probe::domain
