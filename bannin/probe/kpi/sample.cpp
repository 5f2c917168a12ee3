#include <cmath>

#include <bannin/probe/kpi/sample.h>

namespace bannin::probe::kpi {

namespace {

// A fall this large from a value that fits 32 bits is a 32-bit counter passing 2^32; a
// smaller fall is a reset.
constexpr std::uint64_t kWrap32 = 1ULL << 32;

}  // namespace

std::int64_t counter_rate(std::uint64_t prev, std::uint64_t cur, core::TimeNs dt_ns, bool sum,
                          Step& step) noexcept {
  std::uint64_t delta = 0;
  step = Step::Normal;
  if (cur >= prev) {
    delta = cur - prev;
  } else if (sum) {
    step = Step::Drop;
  } else if (prev < kWrap32 && prev - cur > kWrap32 / 2) {
    step = Step::Wrap;
    delta = kWrap32 - prev + cur;
  } else {
    step = Step::Reset;
    delta = cur;
  }
  if (dt_ns <= 0) return 0;
  const double r = static_cast<double>(delta) * 1e9 / static_cast<double>(dt_ns);
  return r >= 9.2e18 ? INT64_MAX : static_cast<std::int64_t>(std::llround(r));
}

RateComputer::RateComputer(std::size_t services) {
  prev_.services.resize(services);
}

Sample RateComputer::make_sample() const {
  Sample s;
  s.services.resize(prev_.services.size());
  return s;
}

void RateComputer::update(const RawSample& raw, Sample& out) {
  ++stats_.samples;
  out.ts = raw.wall;
  const core::TimeNs dt = raw.mono - prev_.mono;
  const bool rates = have_prev_ && dt > 0;
  auto count = [&](Step s) {
    if (s == Step::Reset) ++stats_.resets;
    if (s == Step::Wrap) ++stats_.wraps;
    if (s == Step::Drop) ++stats_.drops;
  };
  const auto& sys = sys_metrics();
  for (std::size_t i = 0; i < kSysCount; ++i) {
    out.has[i] = false;
    out.sys[i] = 0;
    if (!raw.has[i]) continue;
    if (sys[i].kind == Kind::Gauge) {
      out.sys[i] = raw.v[i] > INT64_MAX ? INT64_MAX : static_cast<std::int64_t>(raw.v[i]);
      out.has[i] = true;
    } else if (rates && prev_.has[i]) {
      Step s = Step::Normal;
      out.sys[i] = counter_rate(prev_.v[i], raw.v[i], dt, false, s);
      out.has[i] = true;
      count(s);
    }
  }
  const auto& svc = svc_metrics();
  const std::size_t n = std::min(out.services.size(), raw.services.size());
  for (std::size_t k = 0; k < n; ++k) {
    const auto& r = raw.services[k];
    auto& o = out.services[k];
    const bool prev_ok = k < prev_.services.size();
    for (std::size_t i = 0; i < kSvcCount; ++i) {
      o.has[i] = false;
      o.v[i] = 0;
      if (!r.has[i]) continue;
      if (svc[i].kind == Kind::Gauge) {
        o.v[i] = r.v[i] > INT64_MAX ? INT64_MAX : static_cast<std::int64_t>(r.v[i]);
        o.has[i] = true;
      } else if (rates && prev_ok && prev_.services[k].has[i]) {
        Step s = Step::Normal;
        // Service counters are sums over processes and sockets: a fall is one that ended.
        o.v[i] = counter_rate(prev_.services[k].v[i], r.v[i], dt, true, s);
        o.has[i] = true;
        count(s);
      }
    }
  }
  // Keep this reading (copy-assignment into sized storage: no allocation).
  prev_.wall = raw.wall;
  prev_.mono = raw.mono;
  prev_.v = raw.v;
  prev_.has = raw.has;
  for (std::size_t k = 0; k < prev_.services.size() && k < raw.services.size(); ++k) {
    prev_.services[k] = raw.services[k];
  }
  have_prev_ = true;
}

void for_each_event(const Sample& s, std::span<const std::string> service_names,
                    std::string_view host, model::Event& ev,
                    const std::function<void(const model::Event&)>& sink) {
  const auto& sys = sys_metrics();
  for (std::size_t i = 0; i < kSysCount; ++i) {
    if (!s.has[i]) continue;
    ev.reset();
    ev.set_kind(model::EventKind::KpiSample);
    ev.set_ts(s.ts);
    if (!host.empty()) ev.set_string(model::Field::Host, host);
    ev.set_string(model::Field::Metric, sys[i].name);
    ev.set_int(model::Field::Value, s.sys[i]);
    sink(ev);
  }
  const auto& svc = svc_metrics();
  for (std::size_t k = 0; k < s.services.size() && k < service_names.size(); ++k) {
    for (std::size_t i = 0; i < kSvcCount; ++i) {
      if (!s.services[k].has[i]) continue;
      ev.reset();
      ev.set_kind(model::EventKind::KpiSample);
      ev.set_ts(s.ts);
      if (!host.empty()) ev.set_string(model::Field::Host, host);
      ev.set_string(model::Field::Metric, svc[i].name);
      ev.set_string(model::Field::Service, service_names[k]);
      ev.set_int(model::Field::Value, s.services[k].v[i]);
      sink(ev);
    }
  }
}

}  // namespace bannin::probe::kpi
