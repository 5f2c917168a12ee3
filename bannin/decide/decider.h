// Decider: the decide stage. Turns Findings into Decisions from the rule's templates: fills
// the target from the group (src_ip, vhost+path) or from campaign members, and then applies
// the policy, in this order:
//   1. allowlist: an ip target inside, or a prefix target sharing any address with, an
//      allowlisted entry is dropped (counted per source kind: config, own address, proxy,
//      crawler);
//   2. de-duplication: a target already under an active decision is not decided again, and
//      an ip target inside an active prefix deny is "covered";
//   3. per-rule cap: at most N decisions per rule in any 60 s of event time; the rest are
//      counted, and a note per rule per minute says so;
//   4. repeat offenders: a target decided again within `repeat_window` after its previous
//      decision ended gets TTL x factor^n (capped), and " (repeat n)" in its reason;
//   0. the escalation ladder (decide/ladder.h, when on) first rewrites a site containment to
//      its account's step and may add a warning that announces the next step;
//   5. prefix escalation: when enough distinct addresses of one /24 (/64) got ip denies
//      within a window, one prefix deny is added (never over an allowlisted address).
// The daemon keeps the active set in step with the store: add_manual (API), forget (revoked
// or failed), expire (TTL passed), restore (at start), set_options (SIGHUP, keeps state).
// Time comes only from the findings and from the `now` the caller passes (event time in
// replay), never from the wall clock. All state is bounded, with counted evictions.
// One per pipeline, owned by the decide thread; not thread-safe (the API's commands reach it
// through that thread or under the daemon's lock).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <bannin/core/ip_prefix.h>
#include <bannin/core/result.h>
#include <bannin/decide/allowlist.h>
#include <bannin/decide/decision.h>
#include <bannin/decide/ladder.h>
#include <bannin/detect/detector.h>

namespace bannin::decide {

/// Allowlist entries are core::IpPrefix values (address or network, host bits cleared).
using Cidr = core::IpPrefix;

inline constexpr core::TimeNs kDefaultRepeatWindow = 24 * core::kNsPerHour;
inline constexpr core::TimeNs kDefaultMaxTtl = 7 * core::kNsPerDay;
inline constexpr core::TimeNs kDefaultPrefixWindow = 3600 * core::kNsPerSec;

/// Every member has a default so that `DeciderOptions{{cidr}}` and `{}` stay valid. The
/// defaults turn every policy step off except the allowlist and de-duplication, so a Decider
/// with default options decides exactly as bannin did before the steps existed. A duration
/// of 0 means "the default".
struct DeciderOptions {
  std::vector<Cidr> allowlist{};  ///< plain entries, labelled "config allowlist"
  Allowlist allowlist_set{};      ///< labelled entries: own addresses, proxies, crawlers, config
  // decide.max_per_minute: decisions per rule in any 60 s of event time; 0 = no cap.
  std::uint32_t max_per_minute = 0;
  std::map<std::string, std::uint32_t, std::less<>> max_per_minute_by_rule{};  ///< overrides
  // decide.repeat.*: repeat offenders; off while ttl_factor is 1.
  core::TimeNs repeat_window = kDefaultRepeatWindow;  ///< counted from the previous end
  double ttl_factor = 1.0;                            ///< TTL x factor^n for the n-th repeat
  core::TimeNs max_ttl = kDefaultMaxTtl;              ///< cap on the lengthened TTL
  // decide.escalate_prefix.*: prefix escalation; off while prefix_min_members is 0.
  std::uint32_t prefix_min_members = 0;  ///< distinct addresses with ip denies in one prefix
  std::uint32_t prefix_v4_len = 24;      ///< 16..31
  std::uint32_t prefix_v6_len = 64;      ///< 32..127
  core::TimeNs prefix_window = kDefaultPrefixWindow;  ///< how old member decisions may be
  // decide.ladder.*: site containment rewritten per account step (decide/ladder.h); off
  // while ladder.enabled is false.
  LadderOptions ladder{};
  // Bounds on state; past them the oldest is evicted and counted.
  std::size_t max_active = 1'000'000;          ///< active decisions
  std::size_t max_repeat_history = 100'000;    ///< targets remembered for repeat offenders
  std::size_t max_tracked_prefixes = 100'000;  ///< prefixes counting members for escalation
  std::size_t max_notes = 1'000;               ///< undrained notes
};

/// Problems with option values, for people ("decide.repeat.ttl_factor must be >= 1"); empty
/// when fine. The Decider clamps bad values to the nearest valid one instead of failing.
std::vector<std::string> check_options(const DeciderOptions& options);

/// Something a person should hear about, drained by the caller (the daemon turns these into
/// notices). Codes: "rule_cap" (count = decisions suppressed in that minute),
/// "escalation_allowlisted" (count = member addresses).
struct DeciderNote {
  core::TimeNs ts = 0;
  std::string code;
  std::string rule;
  std::string text;
  std::uint64_t count = 0;
};

struct DeciderStats {
  std::uint64_t decisions = 0;          ///< admitted (decide, escalations included)
  std::uint64_t suppressed_active = 0;  ///< target already under an active decision
  std::uint64_t suppressed_allowlist = 0;
  /// suppressed_allowlist per AllowSource (index = static_cast<size_t>(source)).
  std::array<std::uint64_t, kAllowSourceCount> suppressed_allowlist_by_source{};
  std::uint64_t suppressed_covered = 0;       ///< ip target inside an active prefix deny
  std::uint64_t suppressed_cap = 0;           ///< over the rule's max_per_minute
  std::uint64_t repeats = 0;                  ///< decisions lengthened as repeat offenders
  std::uint64_t escalations = 0;              ///< prefix denies added by escalation
  std::uint64_t escalations_allowlisted = 0;  ///< not escalated: prefix meets the allowlist
  std::uint64_t manual = 0;                   ///< add_manual accepted
  std::uint64_t manual_refused = 0;           ///< add_manual refused (invalid or allowlisted)
  std::uint64_t restored = 0;
  std::uint64_t restore_refused = 0;  ///< restore() with an unusable scope or target
  std::uint64_t forgotten = 0;
  std::uint64_t expired = 0;
  std::uint64_t active_evicted = 0;    ///< dropped before expiry to stay within max_active
  std::uint64_t history_evicted = 0;   ///< repeat history dropped within its window
  std::uint64_t prefixes_evicted = 0;  ///< escalation tracking dropped within its window
  std::uint64_t notes_dropped = 0;     ///< over max_notes, undrained
  std::size_t active = 0;              ///< current sizes
  std::size_t history = 0;
  std::size_t tracked_prefixes = 0;
};

/// What the policy did with one rule's decisions (since the Decider was made; kept across
/// set_options). GET /api/v1/rules reads them under the daemon's decide lock.
struct RuleDecisionCounts {
  std::uint64_t decisions = 0;   ///< admitted (escalations included)
  std::uint64_t capped = 0;      ///< over the rule's max_per_minute
  std::uint64_t suppressed = 0;  ///< allowlisted, already decided, or covered by a prefix
};

class Decider {
 public:
  explicit Decider(DeciderOptions options);
  Decider(const Decider&) = delete;
  Decider& operator=(const Decider&) = delete;
  Decider(Decider&&) = default;
  Decider& operator=(Decider&&) = default;
  ~Decider() = default;

  /// Appends the decisions a finding leads to (an escalated prefix deny follows the ip
  /// decision that completed it).
  void decide(const detect::Finding& finding, std::vector<Decision>& out);

  /// A decision from a person or an import: checked (action known, TTL > 0, target parses,
  /// not allowlisted), normalised (canonical address/prefix text, origin "person" when it was
  /// empty or "rule") and entered into the active set with expiry ts + ttl, replacing an
  /// active decision on the same target. Error codes: bad_action, bad_ttl, bad_scope,
  /// bad_target, allowlisted.
  core::Result<Decision> add_manual(Decision d);
  /// Re-loads a decision in force from the store at start, with its stored expiry (the store
  /// is the truth: it is entered even when the allowlist now covers it; active_allowlisted()
  /// lists those so the daemon can revoke them). A " (repeat n)" in its reason restores the
  /// repeat count. False (counted in restore_refused) when the scope or target is unusable.
  bool restore(const Decision& d, core::TimeNs expiry);
  /// Drops an active decision (revoked, its action failed, or it ended in the store) so the
  /// next finding may decide again. The target's repeat history stays, so an ended decision
  /// still counts for repeats; clear_history = true also forgets that (a person judged the
  /// decision wrong). False when the key was not active.
  bool forget(const std::string& key, bool clear_history = false);
  /// Drops active decisions whose expiry is <= now and returns their keys; also ages the
  /// repeat history and escalation tracking, and closes due cap notes.
  std::vector<std::string> expire(core::TimeNs now);
  /// Replaces the options (SIGHUP); the active set, repeat history and cap counters stay.
  /// Escalation tracking restarts when the prefix lengths change.
  void set_options(DeciderOptions options);

  /// Notes whose minute has passed by `now` (and every other finished note).
  std::vector<DeciderNote> take_notes(core::TimeNs now);
  /// All notes, closing open cap periods early (shutdown, end of a replay).
  std::vector<DeciderNote> take_all_notes();

  /// True when the key is in the active set with expiry > now.
  [[nodiscard]] bool is_active(const std::string& key, core::TimeNs now) const;
  /// Keys of active ip/prefix decisions the current allowlist covers or meets (after a reload
  /// added entries): the daemon revokes them.
  [[nodiscard]] std::vector<std::string> active_allowlisted() const;
  /// The allowlist in use: options.allowlist ("config allowlist") merged with
  /// options.allowlist_set.
  [[nodiscard]] const Allowlist& allowlist() const noexcept { return allow_; }
  [[nodiscard]] const DeciderOptions& options() const noexcept { return options_; }
  [[nodiscard]] const DeciderStats& stats() const noexcept { return stats_; }
  /// Per rule id (rule decisions only; a person's go through add_manual).
  [[nodiscard]] const std::map<std::string, RuleDecisionCounts, std::less<>>& rule_counts()
      const noexcept {
    return rule_counts_;
  }
  [[nodiscard]] const Ladder& ladder() const noexcept { return ladder_; }

 private:
  struct Active {
    core::TimeNs expiry = 0;
    std::string action;
    std::optional<core::IpPrefix> net;  // ip as /32 or /128, or the prefix
  };
  struct Repeat {
    std::uint32_t n = 0;
    core::TimeNs end = 0;
  };
  struct CapState {
    std::deque<core::TimeNs> admitted;  // times of admitted decisions in the last minute
    bool in_period = false;             // suppressing since period_start; note pending
    core::TimeNs period_start = 0, last_suppressed = 0;
    std::uint64_t suppressed = 0;
  };
  struct Member {
    core::IpAddress ip;
    core::TimeNs ts = 0, ttl = 0;
  };
  struct Tracked {
    std::vector<Member> members;  // distinct addresses, at most min_members
    core::TimeNs last = 0;
  };

  bool admit(Decision& d);
  bool allowlisted(const Decision& d, const std::optional<core::IpAddress>& ip,
                   const std::optional<core::IpPrefix>& net);
  bool covered(const core::IpAddress& ip, core::TimeNs now) const;
  bool cap_allows(const std::string& rule, core::TimeNs now);
  std::uint32_t apply_repeat(const std::string& key, Decision& d);  // returns n (0: none)
  void remember(const std::string& key, std::uint32_t n, core::TimeNs end, core::TimeNs now);
  void activate(const std::string& key, const Decision& d, core::TimeNs expiry,
                std::optional<core::IpPrefix> net, core::TimeNs now);
  void deactivate(std::map<std::string, Active, std::less<>>::iterator it);
  std::optional<Decision> escalate(const Decision& d, const core::IpAddress& ip);
  void age(core::TimeNs now);
  void close_notes(core::TimeNs now, bool all);
  void note(DeciderNote n);
  void sync_sizes();

  DeciderOptions options_;
  Ladder ladder_;
  Allowlist allow_;
  DeciderStats stats_;
  std::map<std::string, Active, std::less<>> active_;                // key -> entry
  std::set<std::pair<core::TimeNs, const std::string*>> by_expiry_;  // keys live in active_
  std::map<core::IpPrefix, core::TimeNs> deny_prefixes_;  // active prefix denies -> expiry
  std::array<std::uint32_t, 129> deny_lengths_v4_{}, deny_lengths_v6_{};  // counts per length
  std::map<std::string, Repeat, std::less<>> history_;
  std::set<std::pair<core::TimeNs, const std::string*>> history_by_end_;  // keys in history_
  std::map<std::string, CapState, std::less<>> caps_;
  core::TimeNs next_note_due_ = 0;
  bool notes_pending_ = false;
  std::map<core::IpPrefix, Tracked> tracked_;
  std::set<std::pair<core::TimeNs, core::IpPrefix>> tracked_by_last_;
  std::vector<DeciderNote> notes_;
  std::map<std::string, RuleDecisionCounts, std::less<>> rule_counts_;  // bounded by the rules
};

}  // namespace bannin::decide
