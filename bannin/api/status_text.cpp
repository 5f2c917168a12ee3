#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <utility>

#include <bannin/api/json_value.h>
#include <bannin/api/status_text.h>

namespace bannin::api {
namespace {

constexpr std::size_t kMaxLatest = 10;
constexpr std::size_t kMaxCell = 120;

/// Text from the daemon made safe for a terminal: C0/C1 control characters (escape
/// sequences) become '?', and very long values are cut.
std::string clean(std::string_view s) {
  std::string out;
  std::size_t shown = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if ((u & 0xC0U) != 0x80U && ++shown > kMaxCell) {
      out += "…";
      break;
    }
    if (u < 0x20 || u == 0x7F) {
      out.push_back('?');
    } else if (u == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
      out.push_back('?');  // U+0080..U+009F, e.g. CSI
      ++i;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::optional<std::int64_t> int_of(const JsonValue* v) {
  if (!v) return std::nullopt;
  if (auto i = v->integer()) return i;
  if (auto d = v->number(); d && *d >= -9e18 && *d <= 9e18) return static_cast<std::int64_t>(*d);
  return std::nullopt;
}

std::string text_of(const JsonValue* v) {
  if (!v) return "-";
  if (const std::string* s = v->string()) return s->empty() ? "-" : clean(*s);
  if (auto i = v->integer()) return std::to_string(*i);
  if (auto d = v->number()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f", *d);
    return buf;
  }
  if (auto b = v->boolean()) return *b ? "yes" : "no";
  return "-";
}

std::string rate_of(const JsonValue* v) {
  if (!v || !v->number()) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", *v->number());
  return buf;
}

/// Width on a terminal, counting code points (good enough for names and paths).
std::size_t width(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1 : 0;
  return n;
}

/// Aligned columns; `right[i]` right-aligns column i (numbers). The last column is not padded.
void table(std::string& out, const std::vector<std::string>& header,
           const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& right) {
  std::vector<std::size_t> w(header.size(), 0);
  for (std::size_t c = 0; c < header.size(); ++c) w[c] = width(header[c]);
  for (const auto& r : rows) {
    for (std::size_t c = 0; c < r.size() && c < w.size(); ++c) w[c] = std::max(w[c], width(r[c]));
  }
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string l = "  ";
    for (std::size_t c = 0; c < cells.size() && c < w.size(); ++c) {
      const std::size_t pad = w[c] - width(cells[c]);
      const bool last = c + 1 == cells.size();
      if (right[c]) l.append(pad, ' ');
      l += cells[c];
      if (!right[c] && !last) l.append(pad, ' ');
      if (!last) l += "  ";
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l;
    out += '\n';
  };
  line(header);
  for (const auto& r : rows) line(r);
}

std::string target_of(const JsonValue& d) {
  const JsonValue* t = d.find("target");
  if (t && t->string()) return clean(*t->string());
  std::string out;
  const JsonValue* holder = t && t->is_object() ? t : &d;
  for (const char* key : {"ip", "prefix", "vhost", "path"}) {
    const JsonValue* v = holder->find(key);
    if (v && v->string() && !v->string()->empty()) {
      if (!out.empty()) out += ' ';
      out += clean(*v->string());
    }
  }
  return out.empty() ? "-" : out;
}

/// "ip 2, prefix 1" from {"ip":2,"prefix":1}: the scalar members of an object, except those
/// named in skip (shown elsewhere). "" when there are none.
std::string counts_of(const JsonValue* obj, std::initializer_list<std::string_view> skip = {}) {
  if (!obj || !obj->is_object()) return "";
  std::string out;
  for (std::size_t i = 0; i < obj->size(); ++i) {
    const JsonValue& v = obj->items()[i];
    if (v.is_object() || v.is_array() || v.is_null()) continue;
    bool skipped = false;
    for (auto k : skip) skipped = skipped || obj->keys()[i] == k;
    if (skipped) continue;
    if (!out.empty()) out += ", ";
    out += clean(obj->keys()[i]) + " " + text_of(&v);
  }
  return out;
}

void render_daemon(std::string& out, const JsonValue* daemon) {
  if (!daemon || !daemon->is_object()) {
    out += "bannin daemon: -\n";
    return;
  }
  out += "bannin " + text_of(daemon->find("version")) + ", " + text_of(daemon->find("mode")) +
         " mode, up ";
  auto up = int_of(daemon->find("uptime_s"));
  out += up ? format_duration(*up) : "-";
  const JsonValue* started = daemon->find("started");
  if (started && started->string()) out += " (since " + text_of(started) + ")";
  out += '\n';
  out += "config: " + text_of(daemon->find("config"));
  if (auto more = counts_of(daemon, {"version", "mode", "uptime_s", "started", "config"});
      !more.empty()) {
    out += ", " + more;
  }
  out += '\n';
}

void render_sources(std::string& out, const JsonValue* sources,
                    std::vector<std::string>& problems) {
  out += "\nSources\n";
  if (!sources || !sources->is_array()) {
    out += "  -\n";
    return;
  }
  if (sources->size() == 0) {
    out += "  none configured\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const JsonValue& s : sources->items()) {
    const std::string id = text_of(s.find("id"));
    std::string note;
    // "missing": since when (RFC 3339 text), or true/false.
    const JsonValue* missing = s.find("missing");
    if (missing && missing->string() && !missing->string()->empty()) {
      note = "missing since " + text_of(missing);
    } else if (missing && missing->boolean() && *missing->boolean()) {
      note = "missing";
    }
    if (const JsonValue* n = s.find("note"); n && n->string() && !n->string()->empty()) {
      note += (note.empty() ? "" : "; ") + text_of(n);
    }
    // Lost at a copytruncate: written after logrotate's copy, truncated before bannin read it.
    if (auto u = int_of(s.find("unaccounted_bytes")); u && *u > 0) {
      note += (note.empty() ? "" : "; ") + std::to_string(*u) + " bytes unaccounted";
      problems.push_back("source " + id + ": " + std::to_string(*u) +
                         " bytes unaccounted (written after a copytruncate's copy, truncated "
                         "before they were read)");
    }
    rows.push_back({id, text_of(s.find("kind")), text_of(s.find("origin")),
                    text_of(s.find("state")), text_of(s.find("lines")), rate_of(s.find("rate_1m")),
                    text_of(s.find("dropped")), text_of(s.find("errors")), note});
    if (auto e = int_of(s.find("errors")); e && *e > 0) {
      problems.push_back("source " + id + ": " + std::to_string(*e) + " errors");
    }
    if (auto d = int_of(s.find("dropped")); d && *d > 0) {
      problems.push_back("source " + id + ": " + std::to_string(*d) + " lines dropped");
    }
    if (auto d = int_of(s.find("dropped_kernel")); d && *d > 0) {
      problems.push_back("source " + id + ": " + std::to_string(*d) + " dropped by the kernel");
    }
    const std::string state = text_of(s.find("state"));
    if (state == "failed" || state == "error") {
      std::string why = text_of(s.find("last_error"));
      std::string problem = "source ";
      problem.append(id).append(": ").append(state);
      if (why != "-") problem.append(" (").append(why).append(")");
      problems.push_back(std::move(problem));
    }
  }
  table(out, {"ID", "KIND", "ORIGIN", "STATE", "LINES", "LINES/S 1m", "DROPPED", "ERRORS", ""},
        rows, {false, false, false, false, true, true, true, true, false});
}

void render_queues(std::string& out, const JsonValue* queues, std::vector<std::string>& problems) {
  out += "\nQueues\n";
  if (!queues || !queues->is_array()) {
    out += "  -\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const JsonValue& q : queues->items()) {
    const std::string name = text_of(q.find("name"));
    rows.push_back({name, text_of(q.find("depth")) + "/" + text_of(q.find("capacity")),
                    text_of(q.find("dropped"))});
    if (auto d = int_of(q.find("dropped")); d && *d > 0) {
      problems.push_back("queue " + name + ": " + std::to_string(*d) + " dropped");
    }
  }
  table(out, {"NAME", "DEPTH/CAPACITY", "DROPPED"}, rows, {false, true, true});
}

void render_store(std::string& out, const JsonValue* store, std::vector<std::string>& problems) {
  out += "\nStore\n";
  if (!store || !store->is_object()) {
    out += "  -\n";
    return;
  }
  const JsonValue* ok = store->find("ok");
  const std::string last_error = text_of(store->find("last_error"));
  std::string health = "-";
  if (ok && ok->boolean()) {
    if (*ok->boolean()) {
      health = last_error == "-" ? "ok" : "ok (last error: " + last_error + ")";
    } else {
      health = "NOT OK: " + (last_error == "-" ? std::string("no error text") : last_error);
      problems.push_back("store: " + (last_error == "-" ? std::string("not ok") : last_error));
    }
  }
  out += "  " + text_of(store->find("path")) + ": " + health + "\n";
  out += "  rows written " + text_of(store->find("written")) + ", failed " +
         text_of(store->find("failed")) + ", dropped " + text_of(store->find("dropped")) + "\n";
  if (auto f = int_of(store->find("failed")); f && *f > 0) {
    problems.push_back("store: " + std::to_string(*f) + " rows failed");
  }
  if (auto d = int_of(store->find("dropped")); d && *d > 0) {
    problems.push_back("store: " + std::to_string(*d) + " rows dropped");
  }
}

/// How long a decision has left: "until T" (expires), "expires in 59m" (expires_in_s), or
/// "for 1h" (its ttl_s).
std::string how_long(const JsonValue& d) {
  if (const JsonValue* e = d.find("expires"); e && e->string()) return "until " + text_of(e);
  if (auto in = int_of(d.find("expires_in_s"))) return "expires in " + format_duration(*in);
  if (auto t = int_of(d.find("ttl_s"))) return "for " + format_duration(*t);
  return "-";
}

void render_decisions(std::string& out, const JsonValue* decisions,
                      std::vector<std::string>& problems) {
  out += "\nDecisions\n";
  if (!decisions || !decisions->is_object()) {
    out += "  -\n";
    return;
  }
  out += "  in force: " + text_of(decisions->find("in_force"));
  if (auto s = counts_of(decisions->find("by_scope")); !s.empty()) out += " (" + s + ")";
  if (const JsonValue* a = decisions->find("active")) out += "; active: " + text_of(a);
  out += "; proposed: " + text_of(decisions->find("proposed")) + "\n";
  if (auto s = counts_of(decisions->find("by_state")); !s.empty()) out += "  by state: " + s + "\n";
  if (auto s = counts_of(decisions, {"in_force", "active", "proposed"}); !s.empty()) {
    out += "  counters: " + s + "\n";
  }
  if (auto f = int_of(decisions->find("failed")); f && *f > 0) {
    problems.push_back("decisions: " + std::to_string(*f) + " actions failed");
  }
  const JsonValue* latest = decisions->find("latest");
  if (!latest || !latest->is_array() || latest->size() == 0) return;
  out += "  latest:\n";
  std::vector<std::string> header = {"ID",    "TIME",   "STATE",    "ACTION",
                                     "SCOPE", "TARGET", "HOW LONG", "WHY"};
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < latest->size() && i < kMaxLatest; ++i) {
    const JsonValue& d = latest->items()[i];
    std::string why = text_of(d.find("rule"));
    if (const JsonValue* r = d.find("reason"); r && r->string() && !r->string()->empty()) {
      why += ": " + text_of(r);
    }
    rows.push_back({text_of(d.find("id")), text_of(d.find("ts")), text_of(d.find("state")),
                    text_of(d.find("action")), text_of(d.find("scope")), target_of(d), how_long(d),
                    why});
  }
  // A column the daemon sends for no row is left out rather than shown as a column of "-".
  for (std::size_t c = header.size(); c-- > 0;) {
    bool any = false;
    for (const auto& r : rows) any = any || r[c] != "-";
    if (any) continue;
    header.erase(header.begin() + static_cast<std::ptrdiff_t>(c));
    for (auto& r : rows) r.erase(r.begin() + static_cast<std::ptrdiff_t>(c));
  }
  if (header.empty()) return;
  std::string t;
  table(t, header, rows, std::vector<bool>(header.size(), false));
  // Indent the table under "latest:".
  std::size_t start = 0;
  while (start < t.size()) {
    const auto nl = t.find('\n', start);
    out += "  " + t.substr(start, nl - start + 1);
    start = nl + 1;
  }
}

/// The domain probe (config domains:): counters, then one row per domain (per domain not ok
/// when there are many). A critical domain is a problem: it is what the probe is for.
void render_domains(std::string& out, const JsonValue* domains,
                    std::vector<std::string>& problems) {
  if (!domains || !domains->is_object()) return;
  const JsonValue* enabled = domains->find("enabled");
  if (!enabled || !enabled->boolean() || !*enabled->boolean()) return;
  out += "\nDomains\n";
  out +=
      "  subjects: " + text_of(domains->find("subjects")) + ", every " +
      (int_of(domains->find("interval_s")) ? format_duration(*int_of(domains->find("interval_s")))
                                           : "-") +
      "; runs: " + text_of(domains->find("runs")) +
      "; changes: " + text_of(domains->find("changes")) +
      "; pending re-checks: " + text_of(domains->find("pending")) +
      "; not confirmed: " + text_of(domains->find("not_confirmed")) + "\n";
  const JsonValue* list = domains->find("list");
  if (!list || !list->is_array() || list->size() == 0) return;
  std::vector<std::vector<std::string>> rows;
  for (const JsonValue& d : list->items()) {
    const std::string subject = text_of(d.find("subject"));
    const std::string check = text_of(d.find("check"));
    const std::string state = text_of(d.find("state"));
    const std::string sev = text_of(d.find("severity"));
    std::string pending = text_of(d.find("pending"));
    std::string worst = check.empty() || check == "-" ? std::string() : check + " ";
    worst += state;
    rows.push_back(
        {subject, sev, worst, text_of(d.find("checked")), pending == "0" ? "" : pending});
    if (sev == "critical") {
      std::string problem = "domain " + subject + ": ";
      problem.append(check).append(" ").append(state);
      problems.push_back(std::move(problem));
    }
  }
  table(out, {"SUBJECT", "SEVERITY", "WORST CHECK", "CHECKED", "PENDING"}, rows,
        {false, false, false, false, true});
}

/// Notices (config notify:): mode and channels, counters, latency, and the deliveries not
/// delivered (pending with their next attempt, failed with their error). A failed delivery
/// is a problem: somebody was not told.
void render_notify(std::string& out, const JsonValue* n, std::vector<std::string>& problems) {
  if (!n || !n->is_object()) return;
  const std::string mode = text_of(n->find("mode"));
  if (mode == "off" || mode == "-") return;
  out += "\nNotices\n";
  out += "  notify: " + mode + " (" + text_of(n->find("channels")) + ")" +
         "; incidents: " + text_of(n->find("incidents")) +
         "; notices: " + text_of(n->find("notices")) + "; digests: " + text_of(n->find("digests")) +
         "\n";
  out += "  deliveries: sent " + text_of(n->find("sent")) + ", observed " +
         text_of(n->find("observed")) + ", pending " + text_of(n->find("pending")) + ", failed " +
         text_of(n->find("failed")) + "; retries " + text_of(n->find("retries")) +
         "; held by the recipient budget " + text_of(n->find("rate_limited")) + "; dropped " +
         text_of(n->find("dropped")) + "; latency finding->delivered last " +
         text_of(n->find("last_latency_ms")) + " ms, max " + text_of(n->find("max_latency_ms")) +
         " ms\n";
  const JsonValue* list = n->find("deliveries");
  if (list && list->is_array()) {
    std::vector<std::vector<std::string>> rows;
    for (const JsonValue& d : list->items()) {
      const std::string state = text_of(d.find("state"));
      if (state == "sent" || state == "observed") continue;
      std::string to = text_of(d.find("recipient"));
      rows.push_back({text_of(d.find("notice")), text_of(d.find("channel")),
                      to.empty() || to == "-" ? std::string("-") : to, state,
                      text_of(d.find("attempts")), clean(text_of(d.find("error")))});
      if (state == "failed") {
        problems.push_back("notice " + text_of(d.find("notice")) + " not delivered by " +
                           text_of(d.find("channel")) + (to.empty() ? "" : " to " + to) + ": " +
                           clean(text_of(d.find("error"))));
      }
    }
    if (!rows.empty()) {
      table(out, {"NOTICE", "CHANNEL", "TO", "STATE", "ATTEMPTS", "ERROR"}, rows,
            {true, false, false, false, true, false});
    }
  }
}

/// "22.8 GiB" from bytes.
std::string bytes_text(std::int64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  std::size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(units)) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

/// The KPI probe (config kpi:): the platform counters of the last sample on a few lines,
/// then one row per service. docs/kpi.md names every value.
void render_kpi(std::string& out, const JsonValue* kpi) {
  if (!kpi || !kpi->is_object()) return;
  const JsonValue* enabled = kpi->find("enabled");
  if (!enabled || !enabled->boolean() || !*enabled->boolean()) return;
  const JsonValue* values = kpi->find("values");
  auto val = [&](std::string_view name) -> std::optional<std::int64_t> {
    return values && values->is_object() ? int_of(values->find(name)) : std::nullopt;
  };
  auto num = [&](std::string_view name) {
    auto v = val(name);
    return v ? std::to_string(*v) : std::string("-");
  };
  auto pct = [&](std::string_view name) {  // hundredths of a percent
    auto v = val(name);
    if (!v) return std::string("-");
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f%%", static_cast<double>(*v) / 100.0);
    return std::string(buf);
  };
  out += "\nKPIs\n";
  out += "  every " +
         (int_of(kpi->find("interval_s")) ? format_duration(*int_of(kpi->find("interval_s")))
                                          : std::string("-")) +
         " from " + text_of(kpi->find("proc_root")) + "; samples " + text_of(kpi->find("samples")) +
         ", last " + text_of(kpi->find("last")) + "; " + text_of(kpi->find("cpu_us_per_sample")) +
         " µs CPU a sample; series " + text_of(kpi->find("series")) + "\n";
  out += "  udp/s: in " + num("udp.in_datagrams") + ", rcvbuf errors " + num("udp.rcvbuf_errors") +
         ", in errors " + num("udp.in_errors") + ", no port " + num("udp.no_ports") +
         "; udp6/s: in " + num("udp6.in_datagrams") + ", rcvbuf errors " +
         num("udp6.rcvbuf_errors") + "\n";
  out += "  tcp: " + num("tcp.curr_estab") + " established, accepted/s " +
         num("tcp.passive_opens") + ", listen overflows/s " + num("tcp.listen_overflows") +
         ", listen drops/s " + num("tcp.listen_drops") + "; sockets " + num("sockets.used") +
         ", tcp memory " + (val("tcp.mem_bytes") ? bytes_text(*val("tcp.mem_bytes")) : "-") + "\n";
  if (val("conntrack.count")) {
    out +=
        "  conntrack: " + num("conntrack.count") + " of " + num("conntrack.max") + " (" +
        (val("conntrack.fill_permille") ? std::to_string(*val("conntrack.fill_permille") / 10) + "%"
                                        : std::string("-")) +
        "), drops/s " + num("conntrack.drops") + "\n";
  }
  out += "  memory: available " +
         (val("mem.available_bytes") ? bytes_text(*val("mem.available_bytes")) : "-") + " of " +
         (val("mem.total_bytes") ? bytes_text(*val("mem.total_bytes")) : "-");
  if (val("psi.cpu.some_avg10") || val("psi.memory.some_avg10")) {
    out += "; pressure (avg10): cpu " + pct("psi.cpu.some_avg10") + ", memory " +
           pct("psi.memory.some_avg10") + " (full " + pct("psi.memory.full_avg10") + "), io " +
           pct("psi.io.some_avg10");
  }
  out += "\n";
  if (auto r = counts_of(kpi->find("rejects")); !r.empty()) out += "  /proc problems: " + r + "\n";
  const JsonValue* services = kpi->find("services");
  if (!services || !services->is_array() || services->size() == 0) return;
  std::vector<std::vector<std::string>> rows;
  for (const JsonValue& sv : services->items()) {
    auto b = int_of(sv.find("rss_bytes"));
    rows.push_back({text_of(sv.find("name")), text_of(sv.find("procs")),
                    b ? bytes_text(*b) : std::string("-"), text_of(sv.find("cpu_ms")),
                    text_of(sv.find("connections")), text_of(sv.find("accept_queue")),
                    text_of(sv.find("udp_rx_queue")), text_of(sv.find("udp_drops"))});
  }
  table(out,
        {"SERVICE", "PROCS", "RSS", "CPU ms/s", "CONNECTIONS", "ACCEPT QUEUE", "UDP QUEUE B",
         "UDP DROPS/S"},
        rows, {false, true, true, true, true, true, true, true});
}

/// The overload guard (config guard:, docs/guard.md): one row per guarded service, then the
/// last transitions. Also `bannin guard status`.
void render_guard(std::string& out, const JsonValue* g) {
  if (!g || !g->is_object()) return;
  const JsonValue* enabled = g->find("enabled");
  if (!enabled || !enabled->boolean() || !*enabled->boolean()) return;
  out += "\nOverload guard (" + text_of(g->find("mode")) + "; " + text_of(g->find("tick_cpu_us")) +
         " µs CPU a tick)\n";
  std::vector<std::vector<std::string>> rows;
  if (const JsonValue* list = g->find("services"); list && list->is_array()) {
    for (const JsonValue& s : list->items()) {
      std::string ports;
      if (const JsonValue* p = s.find("ports"); p && p->is_array()) {
        for (const JsonValue& x : p->items()) ports += (ports.empty() ? "" : ",") + text_of(&x);
      }
      std::string state = text_of(s.find("state"));
      if (state == "on") {
        state += " since " + text_of(s.find("since")) + " (" + text_of(s.find("holding")) + ")";
      }
      const std::string dir = text_of(s.find("direction")) == "below" ? "< " : "> ";
      rows.push_back({clean(text_of(s.find("name"))), text_of(s.find("proto")) + "/" + ports,
                      text_of(s.find("signal")), text_of(s.find("value")),
                      dir + text_of(s.find("on_level")), text_of(s.find("own_drops_per_s")),
                      text_of(s.find("transitions")), state});
    }
  }
  table(out, {"SERVICE", "PORTS", "SIGNAL", "NOW", "ON AT", "GUARD DROPS/S", "SWITCHES", "STATE"},
        rows, {false, false, false, true, true, true, true, false});
  if (const JsonValue* t = g->find("transitions"); t && t->is_array() && t->size() > 0) {
    out += "  last transitions:\n";
    const std::size_t n = t->size();
    for (std::size_t i = n > 5 ? n - 5 : 0; i < n; ++i) {
      const JsonValue& e = t->items()[i];
      out += "    " + text_of(e.find("ts")) + "  " + clean(text_of(e.find("service"))) + " " +
             text_of(e.find("change")) + ": " + text_of(e.find("signal")) + " " +
             text_of(e.find("value")) + " (level " + text_of(e.find("threshold")) + ", peak " +
             text_of(e.find("peak")) + ")";
      if (const JsonValue* d = e.find("detail")) out += "; " + clean(text_of(d));
      out += "\n";
    }
  }
}

/// Sections this renderer does not know yet (e.g. "detect"): their scalar members on a line,
/// so a daemon that grows is still shown.
void render_others(std::string& out, const JsonValue& doc) {
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const std::string& key = doc.keys()[i];
    if (key == "daemon" || key == "sources" || key == "queues" || key == "store" ||
        key == "decisions" || key == "problems" || key == "domains" || key == "notify" ||
        key == "kpi" || key == "guard") {
      continue;
    }
    const std::string counts = counts_of(&doc.items()[i]);
    if (counts.empty()) continue;
    std::string title = clean(key);
    if (!title.empty() && title[0] >= 'a' && title[0] <= 'z')
      title[0] = static_cast<char>(title[0] - 'a' + 'A');
    out.append("\n").append(title).append("\n  ").append(counts).append("\n");
  }
}

}  // namespace

std::string format_duration(std::int64_t s) {
  if (s < 0) return "-";
  const auto two = [](std::int64_t a, const char* ua, std::int64_t b, const char* ub) {
    return std::to_string(a) + ua + (b ? " " + std::to_string(b) + ub : std::string());
  };
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return two(s / 60, "m", s % 60, "s");
  if (s < 86400) return two(s / 3600, "h", s % 3600 / 60, "m");
  return two(s / 86400, "d", s % 86400 / 3600, "h");
}

core::Result<StatusReport> render_status(std::string_view status_json) {
  auto doc = parse_json(status_json);
  if (!doc)
    return core::make_error("bad_status",
                            "the daemon's status is not JSON: " + doc.error().message);
  if (!doc->is_object())
    return core::make_error("bad_status", "the daemon's status is not a JSON object");
  StatusReport r;
  render_daemon(r.text, doc->find("daemon"));
  render_sources(r.text, doc->find("sources"), r.problems);
  render_queues(r.text, doc->find("queues"), r.problems);
  render_store(r.text, doc->find("store"), r.problems);
  render_decisions(r.text, doc->find("decisions"), r.problems);
  render_domains(r.text, doc->find("domains"), r.problems);
  render_notify(r.text, doc->find("notify"), r.problems);
  render_kpi(r.text, doc->find("kpi"));
  render_guard(r.text, doc->find("guard"));
  render_others(r.text, *doc);
  if (const JsonValue* p = doc->find("problems"); p && p->is_array()) {
    for (const JsonValue& item : p->items()) {
      const JsonValue* m = item.is_object() ? item.find("message") : &item;
      r.problems.push_back(text_of(m));
    }
  }
  r.text += "\n";
  if (r.problems.empty()) {
    r.text += "No problems.\n";
  } else {
    r.text += "Problems\n";
    for (const auto& p : r.problems) r.text += "  - " + p + "\n";
  }
  return r;
}

core::Result<std::string> render_guard_text(std::string_view guard_json) {
  auto doc = parse_json(guard_json);
  if (!doc) return doc.error();
  std::string out;
  render_guard(out, &*doc);
  if (out.empty()) out = "\nThe overload guard is off (no guard.services).\n";
  return out.substr(1);
}

}  // namespace bannin::api
