#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

#include <bannin/act/nftables/nft_guard.h>
#include <bannin/app/guard_runner.h>
#include <bannin/core/json_writer.h>
#include <bannin/probe/kpi/sample.h>

namespace bannin::app {

namespace pk = probe::kpi;

namespace {

constexpr std::size_t kHistory = 32;

std::string when(core::TimeNs t) {
  return t == 0 ? std::string() : core::format_rfc3339(t);
}

// The value of a Sys metric, or NAN.
double sys(const pk::Sample& s, pk::Sys m) {
  const auto i = static_cast<std::size_t>(m);
  return s.has[i] ? static_cast<double>(s.sys[i]) : NAN;
}

// Sum of two rates where either may be missing (IPv4 and IPv6 counters).
double sum(double a, double b) {
  if (std::isnan(a)) return b;
  if (std::isnan(b)) return a;
  return a + b;
}

}  // namespace

std::string guard_event_json(const GuardEvent& e) {
  std::string out;
  core::JsonObjectWriter o(out);
  o.string("service", e.service);
  o.string("change", decide::change_name(e.t.change));
  o.string("ts", when(e.t.ts));
  o.string("decided", when(e.decided));
  o.string("signal", e.signal);
  o.key("value");
  core::json_append_number(out, e.t.signal);
  o.key("threshold");
  core::json_append_number(out, e.threshold);
  o.key("peak");
  core::json_append_number(out, e.t.peak);
  o.key("own_drops_per_s");
  core::json_append_number(out, e.t.own_drops);
  if (e.t.change == decide::GuardChange::On) {
    o.string("first_beyond", when(e.t.first_beyond));
    o.integer("samples_beyond", e.t.samples);
    if (e.conns_total > 0) o.integer("conns_total", e.conns_total);
  } else {
    o.string("on_since", when(e.t.on_since));
    o.integer("on_for_s", e.t.on_since == 0 ? 0 : (e.t.ts - e.t.on_since) / core::kNsPerSec);
    o.integer("quiet_samples", e.t.samples);
    o.integer("own_dropped", static_cast<std::int64_t>(e.t.own_dropped));
  }
  if (e.mem_available >= 0) o.integer("mem_available_bytes", e.mem_available);
  o.string("table", e.table);
  o.boolean("enforced", e.enforced);
  if (!e.detail.empty()) o.string("detail", e.detail);
  o.close();
  return out;
}

GuardRunner::GuardRunner(std::vector<GuardServiceSpec> services,
                         std::vector<std::string> kpi_services, bool enforce,
                         const std::string& table_prefix, OnTransition on_transition, Log log)
    : kpi_services_(std::move(kpi_services)),
      enforce_(enforce),
      on_transition_(std::move(on_transition)),
      log_(std::move(log)) {
  svc_.reserve(services.size());
  for (auto& spec : services) {
    spec.rules.table = table_prefix + "_guard_" + spec.name;
    Svc s(std::move(spec));
    for (std::size_t k = 0; k < kpi_services_.size(); ++k) {
      if (kpi_services_[k] == s.spec.service) s.kpi_index = static_cast<int>(k);
    }
    svc_.push_back(std::move(s));
  }
  pending_.signal.assign(svc_.size(), NAN);
}

GuardRunner::~GuardRunner() {
  stop();
}

core::Result<bool> GuardRunner::prepare() {
  if (!enforce_) return true;
  auto g = act::NftGuard::create();
  if (!g) return g.error();
  nft_ = std::move(*g);
  for (auto& s : svc_) {
    // A table left by an earlier run that ended while on: removed (idempotent).
    if (auto r = nft_->switch_off(s.spec.rules.table); !r) {
      return core::make_error(r.error().code, "guard " + s.spec.name + ": " + r.error().message);
    }
  }
  return true;
}

void GuardRunner::start() {
  stop_ = false;
  thread_ = std::thread([this] { main(); });
}

void GuardRunner::stop() {
  if (thread_.joinable()) {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  // Nothing may stay limited without a guard to lift it.
  for (auto& s : svc_) {
    if (!s.machine.on()) continue;
    GuardEvent e;
    e.service = s.spec.name;
    e.table = s.spec.rules.table;
    e.signal = signal_name(s.spec.signal);
    e.t.change = decide::GuardChange::Off;
    e.t.ts = core::clock_ns(CLOCK_REALTIME);
    e.t.on_since = s.machine.on_since();
    e.t.signal = s.last_signal;
    e.threshold = s.spec.thresholds.off;
    e.decided = e.t.ts;
    e.detail = "daemon stopping";
    if (s.table_on && nft_) {
      auto r = nft_->switch_off(s.spec.rules.table);
      e.enforced = static_cast<bool>(r);
      if (!r) e.detail += "; " + r.error().message;
      std::lock_guard lock(mu_);
      s.table_on = !static_cast<bool>(r);
    }
    {
      std::lock_guard lock(mu_);
      s.machine.force(false, e.t.ts);
      history_.push_back(e);
      while (history_.size() > kHistory) history_.pop_front();
    }
    if (on_transition_) on_transition_(e);
  }
}

GuardRunner::Inputs GuardRunner::extract(const pk::Sample& s) const {
  Inputs in;
  in.ts = s.ts;
  in.signal.assign(svc_.size(), NAN);
  in.mem_available = s.has[static_cast<std::size_t>(pk::Sys::MemAvailableBytes)]
                         ? s.sys[static_cast<std::size_t>(pk::Sys::MemAvailableBytes)]
                         : -1;
  for (std::size_t i = 0; i < svc_.size(); ++i) {
    const Svc& v = svc_[i];
    double x = NAN;
    switch (v.spec.signal) {
      case GuardSignal::UdpRcvbufErrors:
        x = sum(sys(s, pk::Sys::UdpRcvbufErrors), sys(s, pk::Sys::Udp6RcvbufErrors));
        break;
      case GuardSignal::UdpInErrors:
        x = sum(sys(s, pk::Sys::UdpInErrors), sys(s, pk::Sys::Udp6InErrors));
        break;
      case GuardSignal::ServiceUdpDrops:
        if (v.kpi_index >= 0 && static_cast<std::size_t>(v.kpi_index) < s.services.size()) {
          const auto& sv = s.services[static_cast<std::size_t>(v.kpi_index)];
          const auto k = static_cast<std::size_t>(pk::Svc::UdpDrops);
          if (sv.has[k]) x = static_cast<double>(sv.v[k]);
        }
        break;
      case GuardSignal::ListenOverflows:
        x = sys(s, pk::Sys::TcpListenOverflows);
        break;
      case GuardSignal::ListenDrops:
        x = sys(s, pk::Sys::TcpListenDrops);
        break;
      case GuardSignal::MemAvailable:
        x = sys(s, pk::Sys::MemAvailablePermille) / 10.0;
        break;
      case GuardSignal::ConntrackFill:
        x = sys(s, pk::Sys::ConntrackFillPermille) / 10.0;
        break;
      case GuardSignal::PsiMemory:
        x = sys(s, pk::Sys::PsiMemorySomeAvg10) / 100.0;
        break;
      case GuardSignal::PsiCpu:
        x = sys(s, pk::Sys::PsiCpuSomeAvg10) / 100.0;
        break;
    }
    in.signal[i] = x;
  }
  return in;
}

void GuardRunner::offer(const pk::Sample& s) {
  Inputs in = extract(s);
  {
    std::lock_guard lock(mu_);
    if (has_pending_) ++overwritten_;  // the guard thread is behind: the newest sample wins
    pending_ = std::move(in);
    has_pending_ = true;
    ++offered_;
  }
  cv_.notify_one();
}

void GuardRunner::tick_now(const pk::Sample& s) {
  tick(extract(s));
}

void GuardRunner::main() {
  Inputs in;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_.load() || has_pending_; });
      if (stop_) break;
      in = std::move(pending_);
      pending_.signal.assign(svc_.size(), NAN);
      has_pending_ = false;
    }
    try {
      tick(in);
    } catch (const std::exception& e) {
      if (log_) log_(std::string("guard: ") + e.what());
    }
  }
}

void GuardRunner::tick(const Inputs& in) {
  const core::TimeNs cpu0 = core::clock_ns(CLOCK_THREAD_CPUTIME_ID);
  for (std::size_t i = 0; i < svc_.size(); ++i) {
    Svc& s = svc_[i];
    // The guard's own drops per second, from its named counter (only while its table is in).
    double own = NAN;
    if (s.table_on && nft_) {
      auto c = nft_->drops(s.spec.rules.table);
      if (c) {
        if (s.have_counter && in.ts > s.last_counter_ts && *c >= s.last_counter) {
          own = static_cast<double>(*c - s.last_counter) * 1e9 /
                static_cast<double>(in.ts - s.last_counter_ts);
        }
        s.have_counter = true;
        s.last_counter = *c;
        s.last_counter_ts = in.ts;
      } else {
        // Unknown is not quiet: a guard whose counter cannot be read stays on (the off
        // decision needs the counter), and says so.
        own = INFINITY;
        std::lock_guard lock(mu_);
        ++s.counter_errors;
        s.last_error = c.error().message;
      }
    }
    decide::GuardChange c;
    {
      std::lock_guard lock(mu_);  // status_json() reads the machine
      c = s.machine.step({in.ts, in.signal[i], own});
      s.last_signal = in.signal[i];
      s.last_ts = in.ts;
      s.own_rate = own;
      s.own_total = s.last_counter;
    }
    if (c != decide::GuardChange::None) transition(s, c, in);
  }
  const auto cpu = static_cast<std::uint64_t>(
      std::max<core::TimeNs>(0, core::clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0));
  std::lock_guard lock(mu_);
  ++ticks_;
  tick_cpu_ns_ += cpu;
  tick_cpu_max_ns_ = std::max(tick_cpu_max_ns_, cpu);
}

void GuardRunner::transition(Svc& s, decide::GuardChange c, const Inputs& in) {
  GuardEvent e;
  e.service = s.spec.name;
  e.table = s.spec.rules.table;
  // The outcome of switching the service's table on or off, in the event and the status.
  auto switched = [&](const core::Result<bool>& r, bool on) {
    e.enforced = static_cast<bool>(r);
    if (!r) e.detail = r.error().message;
    std::lock_guard lock(mu_);
    if (r) {
      s.table_on = on;
      s.have_counter = false;
    } else {
      ++s.nft_errors;
      s.last_error = r.error().message;
    }
  };
  e.signal = signal_name(s.spec.signal);
  e.t = s.machine.last();
  e.mem_available = in.mem_available;
  e.threshold = c == decide::GuardChange::On ? s.spec.thresholds.on : s.spec.thresholds.off;
  if (c == decide::GuardChange::On) {
    act::nft::GuardRuleSpec rules = s.spec.rules;
    if (rules.tcp && in.mem_available > 0) {
      // Admission sized from memory headroom: what the service may still take.
      const double n = s.spec.headroom_share * static_cast<double>(in.mem_available) /
                       static_cast<double>(std::max<std::uint64_t>(1, s.spec.conn_memory));
      rules.conns_total = static_cast<std::uint32_t>(std::clamp(
          n, static_cast<double>(s.spec.min_conns), static_cast<double>(s.spec.max_conns)));
    } else if (rules.tcp) {
      rules.conns_total = s.spec.min_conns;
    }
    e.conns_total = rules.conns_total;
    if (nft_) {
      switched(nft_->switch_on(rules), true);
    } else {
      e.detail = "observe mode: nothing changed in nftables";
    }
    std::lock_guard lock(mu_);
    s.conns_total = rules.conns_total;
  } else {
    if (nft_ && s.table_on) {
      switched(nft_->switch_off(s.spec.rules.table), false);
    } else if (!nft_) {
      e.detail = "observe mode: nothing changed in nftables";
    }
  }
  e.decided = core::clock_ns(CLOCK_REALTIME);
  {
    std::lock_guard lock(mu_);
    ++s.transitions;
    history_.push_back(e);
    while (history_.size() > kHistory) history_.pop_front();
  }
  if (log_) {
    log_("guard: " + s.spec.name + " " + decide::change_name(c) + ": " + guard_event_json(e));
  }
  if (on_transition_) on_transition_(e);
}

std::string GuardRunner::status_json() const {
  std::lock_guard lock(mu_);
  std::string out;
  core::JsonObjectWriter o(out);
  o.boolean("enabled", !svc_.empty());
  o.string("mode", enforce_ ? "enforce" : "observe");
  o.integer("samples", static_cast<std::int64_t>(offered_));
  o.integer("ticks", static_cast<std::int64_t>(ticks_));
  o.integer("overwritten", static_cast<std::int64_t>(overwritten_));
  o.key("tick_cpu_us");
  core::json_append_number(out, ticks_ == 0 ? NAN
                                            : std::round(static_cast<double>(tick_cpu_ns_) / 1e3 /
                                                         static_cast<double>(ticks_)));
  o.key("tick_cpu_max_us");
  core::json_append_number(out, std::round(static_cast<double>(tick_cpu_max_ns_) / 1e3));
  o.key("services");
  out += '[';
  for (std::size_t i = 0; i < svc_.size(); ++i) {
    const Svc& s = svc_[i];
    const auto& t = s.spec.thresholds;
    if (i) out += ',';
    core::JsonObjectWriter j(out);
    j.string("name", s.spec.name);
    j.string("proto", s.spec.rules.tcp ? "tcp" : "udp");
    j.key("ports");
    out += '[';
    for (std::size_t p = 0; p < s.spec.rules.ports.size(); ++p) {
      if (p) out += ',';
      core::json_append_int(out, s.spec.rules.ports[p]);
    }
    out += ']';
    j.string("signal", signal_name(s.spec.signal));
    j.string("state", s.machine.on() ? "on" : "off");
    j.string("since", when(s.machine.on() ? s.machine.on_since() : 0));
    if (s.machine.on()) j.string("holding", s.machine.holding_because());
    j.key("value");
    core::json_append_number(out, s.last_signal);
    j.string("value_ts", when(s.last_ts));
    j.string("direction", t.below ? "below" : "above");
    j.key("on_level");
    core::json_append_number(out, t.on);
    j.key("off_level");
    core::json_append_number(out, t.off);
    j.integer("on_after_samples", t.on_after);
    j.integer("quiet_after_samples", t.quiet_after);
    j.integer("hold_s", t.hold / core::kNsPerSec);
    j.integer("beyond_run", s.machine.beyond_run());
    j.integer("quiet_run", s.machine.quiet_run());
    j.key("own_drops_per_s");
    core::json_append_number(out, s.own_rate);
    j.integer("own_drops_total", static_cast<std::int64_t>(s.own_total));
    j.string("table", s.spec.rules.table);
    j.boolean("table_in_force", s.table_on);
    j.integer("per_source", s.spec.rules.per_source);
    j.integer("per_prefix", s.spec.rules.per_prefix);
    if (s.spec.rules.tcp) j.integer("conns_total", s.conns_total);
    j.integer("transitions", static_cast<std::int64_t>(s.transitions));
    j.integer("counter_errors", static_cast<std::int64_t>(s.counter_errors));
    j.integer("nft_errors", static_cast<std::int64_t>(s.nft_errors));
    if (!s.last_error.empty()) j.string("last_error", s.last_error);
    j.close();
  }
  out += ']';
  o.key("transitions");
  out += '[';
  for (std::size_t i = 0; i < history_.size(); ++i) {
    if (i) out += ',';
    out += guard_event_json(history_[i]);
  }
  out += ']';
  o.close();
  return out;
}

}  // namespace bannin::app
