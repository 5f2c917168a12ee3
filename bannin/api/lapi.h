// The part of CrowdSec's Local API that bouncers use, so CrowdSec bouncers (firewall, nginx,
// HAProxy, Cloudflare, …) enforce bannin's ip and prefix decisions (docs/bouncers.md):
//
//   GET /v1/decisions/stream?startup=true   every decision in force, as "new"
//   GET /v1/decisions/stream?               what changed since this bouncer's last poll
//   GET /v1/decisions?ip=A                  the decisions covering one address (live mode)
//
// A bouncer is known by its X-Api-Key (`bannin bouncers add NAME`; only the key's SHA-256 is
// stored). Where it has read up to is a decision_history row number kept in the store, so a
// daemon restart loses no change: the bouncer never asks for a resync. What the firewall
// bouncer needs, measured: ../shared/design/ref/crowdsec-bouncer-api.md.
//
// LapiService does the work on a store connection of its own caller's (the daemon's read
// connection, under the caller's lock); the router only parses the query (lapi_* functions).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/core/result.h>
#include <bannin/core/time.h>
#include <bannin/store/store.h>

namespace bannin::api {

/// The stream's optional filters (comma-joined query parameters). Empty = no filter; scopes
/// default to ip and range.
struct StreamFilter {
  std::vector<std::string> scopes;  ///< lower-case: "ip", "range"
  std::vector<std::string> origins;
  std::vector<std::string> scenarios_containing;  ///< lower-case substrings
  std::vector<std::string> scenarios_not_containing;
};

struct StreamRequest {
  std::string api_key;
  bool startup = false;
  StreamFilter filter;
};

/// StreamFilter from the query parameters a bouncer sends (scopes, origins,
/// scenarios_containing, scenarios_not_containing).
StreamFilter parse_stream_filter(const std::map<std::string, std::string>& query);

/// A duration as Go's time.Duration.String() writes it ("3h59m58.5s", "1h0m0s", "-1s",
/// "500ms"): bouncers read it with time.ParseDuration, which knows no "d" unit.
std::string go_duration(core::TimeNs d);

/// Lower-case hex SHA-256 of a bouncer key.
std::string key_hash(std::string_view key);
/// A new random key (32 hex characters, 128 bits from getrandom).
core::Result<std::string> new_bouncer_key();

/// One decision as a bouncer reads it: all seven fields, always (a missing one crashes the
/// firewall bouncer).
struct LapiDecision {
  std::int64_t id = 0;
  std::string origin;    ///< "bannin"
  std::string scenario;  ///< "bannin/<rule>"
  std::string scope;     ///< "Ip" | "Range"
  std::string value;     ///< address or prefix
  core::TimeNs duration = 0;
};

/// {"new":[…],"deleted":[…]}.
std::string stream_json(const std::vector<LapiDecision>& added,
                        const std::vector<LapiDecision>& deleted);

class LapiService {
 public:
  /// The store and its lock are the caller's and outlive the service.
  LapiService(store::Store& store, std::mutex& store_mu, std::function<core::TimeNs()> now);

  /// The stream answer. Errors: "forbidden" (no such key; 403 {"message":"access forbidden"}).
  /// A store failure never fails a poll: the answer is then "no change" and the cursor stays,
  /// so the next poll carries what this one could not.
  core::Result<std::string> stream(const StreamRequest& request);
  /// GET /v1/decisions?ip=: a JSON array, or "null" when nothing covers the address.
  core::Result<std::string> decisions_for(const std::string& api_key, const std::string& ip);

  /// Counters for /metrics and status.
  struct Counters {
    std::uint64_t polls = 0, startups = 0, refused = 0, store_errors = 0;
  };
  Counters counters() const;

 private:
  core::Result<store::BouncerRow> bouncer(const std::string& api_key);
  store::Store& store_;
  std::mutex& store_mu_;
  std::function<core::TimeNs()> now_;
  mutable std::mutex counters_mu_;
  Counters counters_;
};

}  // namespace bannin::api
