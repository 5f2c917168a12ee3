#include <bannin/app/log_kpis.h>

namespace bannin::app {

namespace {

using model::EventKind;
using model::Field;

// Series names by counter, in Counter order; per vhost: log.http[.Nxx]/<vhost>.
using probe::kpi::Kind;
using probe::kpi::MetricInfo;

const std::vector<MetricInfo>& counter_infos() {
  static const std::vector<MetricInfo> infos = {
      {"log.http", Kind::Rate, "1/s", "HTTP requests a second (access logs)"},
      {"log.http.2xx", Kind::Rate, "1/s", "HTTP answers 2xx a second"},
      {"log.http.3xx", Kind::Rate, "1/s", "HTTP answers 3xx a second"},
      {"log.http.4xx", Kind::Rate, "1/s", "HTTP answers 4xx a second"},
      {"log.http.5xx", Kind::Rate, "1/s", "HTTP answers 5xx a second"},
      {"log.dns", Kind::Rate, "1/s", "DNS queries a second (query and reply logs)"},
      {"log.dns.noerror", Kind::Rate, "1/s", "DNS answers NOERROR a second"},
      {"log.dns.nxdomain", Kind::Rate, "1/s", "DNS answers NXDOMAIN a second"},
      {"log.dns.servfail", Kind::Rate, "1/s", "DNS answers SERVFAIL a second"},
      {"log.dns.refused", Kind::Rate, "1/s", "DNS answers REFUSED a second"},
      {"log.auth.success", Kind::Rate, "1/s",
       "successful logins a second (ssh, mail, ftp, web panels)"},
      {"log.auth.failure", Kind::Rate, "1/s", "failed logins a second"},
      {"log.mail.sent", Kind::Rate, "1/s", "messages sent a second"},
      {"log.mail.rejected", Kind::Rate, "1/s", "messages or sessions rejected a second"},
  };
  return infos;
}

std::string_view string_field(const model::Event& ev, Field f) {
  const model::FieldValue* v = ev.get(f);
  return v != nullptr && v->type == model::FieldType::String ? std::string_view(v->s)
                                                             : std::string_view();
}

}  // namespace

const std::vector<MetricInfo>& LogKpis::infos() {
  return counter_infos();
}

void LogKpis::count(const model::Event& ev) noexcept {
  switch (ev.kind()) {
    case EventKind::HttpRequest: {
      add(Http);
      const model::FieldValue* st = ev.get(Field::Status);
      std::size_t cls = 0;  // 0: no class counted
      if (st != nullptr && st->type == model::FieldType::Int && st->i >= 200 && st->i < 600) {
        cls = static_cast<std::size_t>(st->i / 100) - 1;  // 2xx -> 1 ... 5xx -> 4
        add(static_cast<Counter>(Http + cls));
      }
      const std::string_view vhost = string_field(ev, Field::Vhost);
      if (vhost.empty()) return;
      std::size_t slot = last_slot_;
      if (slot == kMaxVhosts || vhost != last_vhost_) {
        auto it = slot_of_.find(vhost);
        if (it != slot_of_.end()) {
          slot = it->second;
        } else if (used_ < kMaxVhosts) {
          slot = used_++;
          vhosts_[slot].name.assign(vhost);
          vhosts_[slot].used.store(true, std::memory_order_release);
          slot_of_.emplace(std::string(vhost), slot);
        } else {
          vhosts_over_.fetch_add(1, std::memory_order_relaxed);
          return;
        }
        last_vhost_.assign(vhost);
        last_slot_ = slot;
      }
      Vhost& v = vhosts_[slot];
      v.status[0].fetch_add(1, std::memory_order_relaxed);
      if (cls != 0) v.status[cls].fetch_add(1, std::memory_order_relaxed);
      return;
    }
    case EventKind::DnsQuery: {
      add(Dns);
      const std::string_view rc = string_field(ev, Field::Rcode);
      if (rc == "NOERROR") add(DnsNoerror);
      if (rc == "NXDOMAIN") add(DnsNxdomain);
      if (rc == "SERVFAIL") add(DnsServfail);
      if (rc == "REFUSED") add(DnsRefused);
      return;
    }
    case EventKind::AuthAttempt: {
      const std::string_view outcome = string_field(ev, Field::Outcome);
      if (outcome == "success") add(AuthSuccess);
      if (outcome == "failure") add(AuthFailure);
      return;
    }
    case EventKind::MailSent:
      add(MailSent);
      return;
    case EventKind::MailRejected:
      add(MailRejected);
      return;
    default:
      return;
  }
}

void LogKpis::record(probe::kpi::SeriesStore& st, core::TimeNs wall, core::TimeNs dt) {
  if (dt <= 0) return;  // the probe's first call has no interval yet: keep the counts for the next
  const auto& infos = counter_infos();
  for (std::size_t c = 0; c < Count; ++c) {
    const std::uint64_t total = c_[c].load(std::memory_order_relaxed);
    // A series starts with the first event of its kind (a web-only host has no log.dns).
    if (total == 0 && readers_[c].id == -2) continue;
    readers_[c].have = true;  // counting started at 0 with the daemon: the first rate counts
    readers_[c].record(st, infos[c].name, wall, dt, total);
  }
  static constexpr const char* kSuffix[5] = {"", ".2xx", ".3xx", ".4xx", ".5xx"};
  for (std::size_t i = 0; i < kMaxVhosts; ++i) {
    Vhost& v = vhosts_[i];
    if (!v.used.load(std::memory_order_acquire)) break;  // slots are taken in order
    for (std::size_t k = 0; k < 5; ++k) {
      const std::uint64_t total = v.status[k].load(std::memory_order_relaxed);
      if (total == 0 && vhost_readers_[i][k].id == -2) continue;
      vhost_readers_[i][k].have = true;
      if (vhost_names_[i][k].empty()) {
        vhost_names_[i][k] = std::string("log.http") + kSuffix[k] + "/" + v.name;
      }
      vhost_readers_[i][k].record(st, vhost_names_[i][k], wall, dt, total);
    }
  }
}

}  // namespace bannin::app
