// The API's request validation, apart from HTTP so it can be tested and fuzzed as pure
// functions of text: the body of POST /api/v1/decisions becomes a decide::Decision (origin
// "person") or an error naming the field at fault; a revoke target becomes its canonical
// text. Never throws; thread-safe (no state).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <bannin/core/result.h>
#include <bannin/core/time.h>
#include <bannin/decide/decision.h>

namespace bannin::api {

/// Where a request went wrong, beyond core::Error's code and message.
struct RequestErrorDetail {
  std::string field;                  ///< the body field at fault ("" for bad JSON)
  std::optional<std::size_t> offset;  ///< byte offset of a JSON syntax error
};

inline constexpr std::int64_t kMaxTtlS = 365LL * 24 * 3600;  ///< one year
inline constexpr std::size_t kMaxReasonBytes = 1024;
/// Shorter prefixes are refused as a mistake (a /0 would cut off the operator too).
inline constexpr unsigned kMinPrefixLenV4 = 8;
inline constexpr unsigned kMinPrefixLenV6 = 16;
/// The rule name of decisions added through the API (origin "person").
inline constexpr std::string_view kApiRule = "api.add";

/// Parses {"scope":"ip"|"prefix","target":…,"action":"deny","ttl_s":N | "ttl":"1h",
/// "reason":…}. scope may be left out (inferred from the target); action defaults to deny.
/// Error codes: bad_json (with offset), missing_field, unknown_field, invalid_field; the
/// message starts with the field name. `now` becomes the decision's ts.
core::Result<decide::Decision> parse_decision_request(std::string_view body, core::TimeNs now,
                                                      RequestErrorDetail* detail = nullptr);

/// "90" (seconds), "90s", "15m", "1h", "2d", "1w", "1h30m": seconds, or nullopt when the
/// text is not such a duration or overflows.
std::optional<std::int64_t> parse_duration_s(std::string_view text) noexcept;

/// Canonical text of an ip or prefix target ("2001:DB8::/48" -> "2001:db8::/48",
/// "192.0.2.7/32" -> "192.0.2.7"). scope "" accepts both, "ip" only one address, "prefix"
/// only a network. Refuses host bits set and prefixes shorter than the minimums above.
/// Error code invalid_field; the message names `field`.
core::Result<std::string> canonical_target(std::string_view text, std::string_view scope,
                                           std::string_view field = "target");

}  // namespace bannin::api
