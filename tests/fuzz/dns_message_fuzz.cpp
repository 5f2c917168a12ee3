// Fuzz target for the DNS answer parser of the domain probe (probe/domain/dns_message.h) and
// the classifiers that read its result. Invariants: no crash, no out-of-bounds read, no hang
// (compression pointers only go backwards), every classification ends in a state.
#include <cstdint>
#include <cstdlib>

#include <bannin/probe/domain/dns_checks.h>
#include <bannin/probe/domain/dns_message.h>

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
  return 0;
}
