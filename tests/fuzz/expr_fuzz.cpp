// Fuzz target for the rule expression language (bannin/ruleset/expr.h): compiles arbitrary
// text as an event predicate and as a fire condition, and evaluates whatever compiled on a
// fixed event / fixed aggregate values. Must never crash, hang or leak, on any input.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <bannin/core/ip_address.h>
#include <bannin/enrich/geo_db.h>
#include <bannin/model/event.h>
#include <bannin/ruleset/expr.h>

namespace {

using namespace bannin;

struct Fixture {
  Fixture() {
    params["home_countries"] = ruleset::ParamValue{{"JP", "KR"}, true};
    params["allowlist"] = ruleset::ParamValue{{"192.0.2.0/24", "2001:db8::/32", "1.2.3.4"}, true};
    params["min_sources"] = ruleset::ParamValue{{"20"}, false};
    params["ratio"] = ruleset::ParamValue{{"0.6"}, false};
    params["paths"] = ruleset::ParamValue{{"/contact/", "/inquiry/"}, true};
    params["window"] = ruleset::ParamValue{{"10m"}, false};
    geo = enrich::GeoDb::from_ranges(
        {{*core::IpAddress::parse("1.0.0.0"), *core::IpAddress::parse("1.255.255.255"),
          enrich::CountryCode::from("JP")}});
    env.params = &params;
    env.geo = &geo;
    ev.set_kind(model::EventKind::HttpRequest);
    ev.set_ts(1'700'000'000'000'000'000);
    ev.set_ip(model::Field::SrcIp, *core::IpAddress::parse("1.2.3.4"));
    ev.set_string(model::Field::Method, "POST");
    ev.set_string(model::Field::Path, "/contact/");
    ev.set_string(model::Field::UserAgent, "Mozilla/5.0 (X11; Linux x86_64)");
    ev.set_string(model::Field::Country, "JP");
    ev.set_int(model::Field::Status, 404);
    ev.set_int(model::Field::Bytes, 9223372036854775807);
    ev.set_duration(model::Field::RequestTime, 1'500'000'000);
    ev.set_bool(model::Field::NonHttp, false);
  }
  ruleset::Params params;
  enrich::GeoDb geo;
  ruleset::CompileEnv env;
  model::Event ev;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture f;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto p = ruleset::compile_predicate(text, f.env);
  if (p.value) {
    (void)p.value->eval(f.ev);
    (void)p.value->fields();
  }
  ruleset::AggregateRegistry reg;
  auto c = ruleset::compile_condition(text, f.env, reg);
  if (c.value) {
    std::vector<double> values(reg.specs().size(), 3.0);
    (void)c.value->eval(values);
    (void)c.value->eval(std::span<const double>{});
    for (const auto& s : reg.specs()) {
      if (s.predicate) (void)s.predicate->eval(f.ev);
    }
  }
  return 0;
}
