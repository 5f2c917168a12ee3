#include <bannin/enrich/geo_enricher.h>

namespace bannin::enrich {

namespace {

struct CodeTable {
  char codes[26 * 26 * 2];
  CodeTable() {
    for (std::size_t a = 0; a < 26; ++a) {
      for (std::size_t b = 0; b < 26; ++b) {
        codes[(a * 26 + b) * 2] = static_cast<char>('A' + a);
        codes[(a * 26 + b) * 2 + 1] = static_cast<char>('A' + b);
      }
    }
  }
};
const CodeTable kCodes;

}  // namespace

std::string_view interned(CountryCode cc) noexcept {
  std::string_view v = cc.view();
  if (v.size() != 2 || v[0] < 'A' || v[0] > 'Z' || v[1] < 'A' || v[1] > 'Z') return {};
  auto idx = static_cast<std::size_t>(v[0] - 'A') * 26 + static_cast<std::size_t>(v[1] - 'A');
  return {kCodes.codes + idx * 2, 2};
}

void GeoEnricher::enrich(model::Event& ev) const noexcept {
  if (db_ == nullptr) return;
  const model::FieldValue* ip = ev.get(model::Field::SrcIp);
  if (ip == nullptr || ip->type != model::FieldType::Ip) return;
  std::string_view cc = interned(db_->country(ip->ip));
  if (!cc.empty()) ev.set_string(model::Field::Country, cc);
  if (db_->has_mmdb()) {
    if (std::uint32_t asn = db_->asn(ip->ip); asn != 0) ev.set_int(model::Field::Asn, asn);
  }
}

}  // namespace bannin::enrich
