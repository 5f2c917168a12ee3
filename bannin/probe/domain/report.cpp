#include <algorithm>

#include <bannin/probe/domain/report.h>

namespace bannin::probe::domain {

std::string_view severity_name(Severity s) noexcept {
  switch (s) {
    case Severity::Ok:
      return "ok";
    case Severity::Info:
      return "info";
    case Severity::Warning:
      return "warning";
    case Severity::Unknown:
      return "unknown";
    case Severity::Critical:
      return "critical";
  }
  return "unknown";
}

Severity SubjectReport::worst() const noexcept {
  Severity w = Severity::Ok;
  for (const CheckResult& r : results) w = std::max(w, r.severity);
  return w;
}

int exit_code_for(const std::vector<SubjectReport>& reports) noexcept {
  Severity w = Severity::Ok;
  for (const SubjectReport& r : reports) w = std::max(w, r.worst());
  switch (w) {
    case Severity::Ok:
    case Severity::Info:
      return 0;
    case Severity::Warning:
      return 1;
    case Severity::Critical:
      return 2;
    case Severity::Unknown:
      return 3;
  }
  return 3;
}

}  // namespace bannin::probe::domain
