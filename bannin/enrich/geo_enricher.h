// GeoEnricher: the enrich stage's first step. Sets `country` (and `asn` when the database
// has it) on every event that has a `src_ip`, from a GeoDb. Country strings are views into
// a static table of the 676 possible codes, so they stay valid as long as the program runs.
// Stateless apart from the database pointer; one per pipeline thread or shared read-only.
#pragma once

#include <bannin/enrich/geo_db.h>
#include <bannin/model/event.h>

namespace bannin::enrich {

class GeoEnricher {
 public:
  explicit GeoEnricher(const GeoDb* db) : db_(db) {}
  void enrich(model::Event& ev) const noexcept;

 private:
  const GeoDb* db_;
};

/// A stable view of the code's two letters (valid for the program's lifetime).
std::string_view interned(CountryCode cc) noexcept;

}  // namespace bannin::enrich
