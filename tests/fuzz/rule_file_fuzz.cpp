// Fuzz target for rule files (bannin/ruleset/rule_loader.h) and the reasons the decider
// writes from them (bannin/decide/decider.cpp): loads arbitrary text as a rule file, and for
// every rule that loads decides a finding whose group and numbers are filled from the rule
// (so named numbers, group fields, {window}/{ttl} and campaign members are all exercised).
// List parameters ({file: …}) resolve against the corpus file's directory name, which holds
// no list files, so the loader's bounded file reading is reached without reading anything
// outside. Must never crash, hang or leak, on any input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <bannin/decide/decider.h>
#include <bannin/ruleset/rule_loader.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bannin;
  if (size > 64 * 1024) return 0;
  std::string text(reinterpret_cast<const char*>(data), size);
  ruleset::LoadOptions opt;
  opt.globals["home_countries"] = ruleset::ParamValue{{"JP"}, true};
  ruleset::LoadReport report;
  ruleset::load_rules_text(text, "/nonexistent/fuzz/rules.yaml", opt, report);
  decide::Decider decider({});
  std::vector<decide::Decision> out;
  std::int64_t ts = 1'700'000'000'000'000'000;
  for (const auto& rule : report.rules) {
    detect::Finding f;
    f.rule = rule.get();
    f.ts = ts++;
    for (model::Field g : rule->group_by) {
      f.group.emplace_back(g, g == model::Field::SrcIp ? "192.0.2.7" : std::string());
    }
    double v = 0.25;
    for (const std::string& t : rule->aggregates.texts()) f.numbers.emplace_back(t, v *= 3);
    if (rule->campaign) f.members = {"198.51.100.9", "not an address"};
    decider.decide(f, out);
  }
  for (const auto& d : out) {
    if (d.reason.size() > (1U << 30)) __builtin_trap();  // read every reason
  }
  return 0;
}
