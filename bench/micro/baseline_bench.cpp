// baseline(A) per update (issue 16: <= 100 ns): one event added to a group's aggregate and
// its value read, as the detector does for every event, for count() alone (the reference,
// same run) and for baseline(count()) / deviation(count()) on top of it. The events are one
// a second, so every 60th crosses a window period and teaches the learner a sample.
#include <benchmark/benchmark.h>

#include <bannin/detect/aggregates.h>
#include <bannin/ruleset/rule_loader.h>

namespace {

using namespace bannin;

std::shared_ptr<const ruleset::Rule> rule() {
  static auto r = [] {
    ruleset::LoadReport rep;
    ruleset::load_rules_text(R"(
rules:
  - id: b.baseline
    title: bench
    when: [http.request]
    group_by: [vhost]
    window: 1m
    fire: count() >= 1 and baseline(count()) >= 0 and deviation(count()) >= 0
    then: []
)",
                             "bench.yaml", {}, rep);
    return rep.rules.at(0);
  }();
  return r;
}

void run(benchmark::State& state, std::size_t slot) {
  auto r = rule();
  const auto& spec = r->aggregates.specs()[slot];
  constexpr core::TimeNs kMin = 60 * core::kNsPerSec;
  detect::AggregateContext ctx{&spec, kMin, kMin / 16};
  detect::AggregateBlock block({spec});
  model::Event ev;
  ev.set_kind(model::EventKind::HttpRequest);
  core::TimeNs t = 1'780'000'000LL * core::kNsPerSec;
  double sink = 0;
  for (auto _ : state) {
    t += core::kNsPerSec;
    block.add(0, ev, t, ctx);
    sink += block.value(0, t, ctx);
  }
  benchmark::DoNotOptimize(sink);
}

void CountReference(benchmark::State& s) {
  run(s, 0);
}
void BaselineOfCount(benchmark::State& s) {
  run(s, 1);
}
void DeviationOfCount(benchmark::State& s) {
  run(s, 2);
}

}  // namespace

BENCHMARK(CountReference);
BENCHMARK(BaselineOfCount);
BENCHMARK(DeviationOfCount);
