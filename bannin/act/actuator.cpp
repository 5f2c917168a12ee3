#include <bannin/act/actuator.h>

namespace bannin::act {

std::string_view outcome_name(Outcome o) noexcept {
  switch (o) {
    case Outcome::Applied:
      return "applied";
    case Outcome::DryRun:
      return "dry_run";
    case Outcome::Recorded:
      return "recorded";
    case Outcome::Revoked:
      return "revoked";
    case Outcome::NotFound:
      return "not_found";
    case Outcome::Covered:
      return "covered";
    case Outcome::Unsupported:
      return "unsupported";
    case Outcome::Invalid:
      return "invalid";
    case Outcome::Failed:
      return "failed";
  }
  return "failed";
}

}  // namespace bannin::act
