// FindingQuery: the query parameters of GET /api/v1/findings and GET /api/v1/incidents, read
// and checked apart from HTTP (pure functions, thread-safe; fuzzed through the router). A bad
// parameter is refused with the parameter's name, never ignored: a typo such as `?rules=`
// would otherwise silently answer with every finding.
//
//   rule=ID            exact rule id
//   from=T, to=T       RFC 3339 ("2026-12-01T05:00:00Z", "…+09:00") or Unix seconds
//                      ("1764565200", "1764565200.5"); inclusive; from <= to
//   q=TEXT             a substring of the group ({"vhost":"…","path":"…"}; case-insensitive)
//   vhost=NAME, account=NAME   exact
//   limit=N            1..kMaxLimit (default kDefaultLimit)
//   cursor=C           next_cursor of the previous page (opaque)
//
// Cursors: pages run from the newest id down, and a cursor is the last id of the page it came
// from, so findings stored meanwhile (new ids, above) never shift a page: following
// next_cursor returns every finding that existed at the first request exactly once. The text
// is base64url of "f:ID" (findings) or "i:ID" (incidents) and a cursor of one kind is refused
// by the other; clients must treat it as opaque.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <bannin/core/result.h>
#include <bannin/core/time.h>

namespace bannin::api {

inline constexpr std::size_t kDefaultLimit = 50;
inline constexpr std::size_t kMaxLimit = 500;

enum class CursorKind : char { Findings = 'f', Incidents = 'i' };

struct FindingQuery {
  std::string rule, text, vhost, account;
  core::TimeNs from = std::numeric_limits<core::TimeNs>::min();
  core::TimeNs to = std::numeric_limits<core::TimeNs>::max();
  std::int64_t before_id = 0;  ///< from the cursor: only ids below it; 0 = first page
  std::size_t limit = kDefaultLimit;
};

/// Reads the parameters. Errors: code "invalid_field" or "unknown_field", message naming the
/// parameter; *field (when given) is set to the parameter's name.
core::Result<FindingQuery> parse_finding_query(const std::map<std::string, std::string>& query,
                                               CursorKind kind, std::string* field = nullptr);

/// "2026-12-01T05:00:00Z", "2026-12-01T14:00:00+09:00" or Unix seconds "1764565200[.5]".
std::optional<core::TimeNs> parse_time_parameter(std::string_view text) noexcept;

std::string encode_cursor(CursorKind kind, std::int64_t id);
/// The id of a cursor of that kind; nullopt for anything else.
std::optional<std::int64_t> decode_cursor(CursorKind kind, std::string_view text) noexcept;

}  // namespace bannin::api
