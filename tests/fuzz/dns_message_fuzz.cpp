// Fuzz target for the DNS answer parser of the domain probe (probe/domain/dns_message.h) and
// the classifiers that read its result. Invariants: no crash, no out-of-bounds read, no hang
// (compression pointers only go backwards), every classification ends in a state, and the
// zone-cut finder (zone_cut.h) only ever points at a proper ancestor of the asked name.
#include <cstdint>
#include <cstdlib>

#include <bannin/probe/domain/dns_checks.h>
#include <bannin/probe/domain/dns_message.h>
#include <bannin/probe/domain/zone_cut.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bannin::probe::domain;
  auto m = parse_dns_message(data, size);
  if (!m) return 0;
  DnsOutcome o;
  o.status = DnsStatus::Answered;
  o.message = m.value();
  const std::string domain = m->qname.empty() ? "x.test" : m->qname;
  if (classify_parent(domain, o).result.state.empty()) std::abort();
  if (classify_child(domain, "ns1", o).state.empty()) std::abort();
  if (classify_resolver(domain, o).state.empty()) std::abort();
  ZoneCutStep step = next_zone_cut_step(m->qname, m.value());
  if (step.kind == ZoneCutStep::Kind::AskParent) {
    const std::string& asked = m->qname;
    const std::string& up = step.zone;
    bool ancestor = up.size() < asked.size() &&
                    asked.compare(asked.size() - up.size(), up.size(), up) == 0 &&
                    (up.empty() || asked[asked.size() - up.size() - 1] == '.');
    if (!ancestor) std::abort();
  }
  if (step.kind == ZoneCutStep::Kind::Found && step.ns.empty()) std::abort();
  return 0;
}
