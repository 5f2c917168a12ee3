// Notifier: the notice stage (ARCHITECTURE "notify"). Findings and decisions come in (on the
// notify thread, in pipeline order: a finding's decisions follow it); notices go out.
//
//   - An incident is one rule and group (a form path, a source). Its first finding opens it;
//     after `gather` (so the first minutes of a wave are in it) one notice goes to each
//     language of its recipients: the owner of the vhost from the inventory (contacts and
//     language per site or account) and the operator. Later findings and decisions of an
//     open incident are follow-ups: they are batched into one digest per recipient at most
//     every `digest_interval`, never a message per line.
//   - Every recipient has an hourly budget (`per_recipient_per_hour`); a notice over it waits
//     for the budget instead of being dropped.
//   - A failed attempt is retried with exponential backoff (retry_base, doubled, up to
//     retry_max_delay) up to retry_max attempts, then the delivery is "failed"; every
//     delivery's state is in status() and recent().
//   - Observe mode (`observe`): the notices are written by the recording channel to a file,
//     nothing is sent.
// Not thread-safe: one thread calls observe()/tick(); status() and recent() lock.
#pragma once

#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <bannin/core/time.h>
#include <bannin/decide/decision.h>
#include <bannin/enrich/inventory.h>
#include <bannin/model/rule_kinds.h>
#include <bannin/notify/channel.h>
#include <bannin/notify/notice.h>

namespace bannin::enrich {
class GeoDb;
}
namespace bannin::detect {
struct Finding;
}

namespace bannin::notify {

struct NotifyOptions {
  std::vector<std::string> operator_contacts;  ///< always told (may be empty)
  std::string operator_language = "en";
  std::string default_language = "ja";  ///< an owner without a language
  bool tell_owners = true;              ///< owners from the inventory get notices too
  bool enforce = false;                 ///< phrasing: "refused" vs "would be refused"
  std::vector<std::string> home_countries{"JP"};
  std::string operator_hint;  ///< how to reach the operator, for "lifting it early"
  core::TimeNs gather = 30 * core::kNsPerSec;
  core::TimeNs digest_interval = 3600 * core::kNsPerSec;
  core::TimeNs incident_quiet =
      core::TimeNs{6} * 3600 * core::kNsPerSec;  ///< closed after this quiet
  std::uint32_t per_recipient_per_hour = 10;
  std::uint32_t retry_max = 8;
  core::TimeNs retry_base = 30 * core::kNsPerSec;
  core::TimeNs retry_max_delay = 3600 * core::kNsPerSec;
  std::size_t evidence_lines = 10;
  std::size_t max_incidents = 10'000;  ///< open incidents; the stalest are closed first
  std::size_t max_members = 100'000;   ///< sources remembered per incident
  /// A form-relay finding on a site and a mail finding (mail.outbound.*) on the site's
  /// account (inventory) this close in event time are one incident: the later one is told
  /// inside the earlier one's notices (web<->mail, issue 17).
  core::TimeNs web_mail_window = model::kWebMailWindow;
};

/// A finding as the notifier keeps it: copied on the pipeline thread, so a rule reload
/// cannot pull anything from under the notify thread.
struct FindingNote {
  std::string rule, title;
  core::TimeNs ts = 0;
  std::vector<std::pair<std::string, std::string>> group;
  std::vector<std::pair<std::string, double>> numbers;
  std::map<std::string, std::string> number_names;
  std::vector<std::string> evidence, members;
  bool update = false;
  core::TimeNs wall = 0;  ///< when it reached the notifier's queue
};
FindingNote finding_note(const detect::Finding& f, core::TimeNs wall);

struct NotifyStats {
  std::uint64_t incidents = 0, notices = 0, digests = 0;
  std::uint64_t sent = 0, failed = 0, observed = 0, pending = 0, retries = 0, rate_limited = 0;
  std::uint64_t dropped = 0;  ///< findings/decisions that did not fit the notify queue
  std::string last_error;
  std::vector<std::string> channels;
  /// Finding -> delivered, over the deliveries that succeeded (ms): last and max.
  double last_latency_ms = 0, max_latency_ms = 0;
};

class Notifier {
 public:
  Notifier(NotifyOptions options, std::vector<std::unique_ptr<Channel>> channels,
           std::shared_ptr<const enrich::Inventory> inventory, const enrich::GeoDb* geo);
  ~Notifier();

  void observe(const FindingNote& f);
  void observe(const decide::Decision& d, core::TimeNs wall);
  /// Sends what is due at `now` (wall clock); blocks while channels deliver.
  void tick(core::TimeNs now);
  /// Sends everything that is due or waiting for its gather time (at stop); pending retries
  /// stay pending.
  void flush(core::TimeNs now);

  [[nodiscard]] NotifyStats status() const;
  /// The latest deliveries (newest last), at most `n`, as JSON objects.
  [[nodiscard]] std::string recent_json(std::size_t n) const;
  void count_dropped(std::uint64_t n);
  /// Called (on the notify thread) with each attempt's outcome: a failed attempt that will be
  /// retried (state pending, its error), and the final sent / failed / observed. The daemon
  /// stores them (store::NoticeDeliveryRow).
  void on_attempt(std::function<void(const Delivery&)> f) { on_attempt_ = std::move(f); }

  /// Renders the notice an incident gets (tests; also used by tick()).
  [[nodiscard]] Notice render(const Incident& inc, const std::string& language,
                              const enrich::Owner& owner, bool digest) const;

 private:
  struct Recipient;
  using IncidentMap = std::map<std::string, std::unique_ptr<Incident>>;
  void open_or_update(const FindingNote& f);
  /// Forgets an incident (closed when quiet, or the stalest when the table is full): its
  /// notice state and its place in the recency list go with it. Returns the next entry.
  IncidentMap::iterator close_incident(IncidentMap::iterator it);
  void send_first(Incident& inc, core::TimeNs now);
  void send_digests(core::TimeNs now, bool force);
  void queue(std::shared_ptr<const Notice> n, core::TimeNs now);
  void attempt(core::TimeNs now);
  std::vector<std::pair<std::string, std::vector<std::string>>> audience(
      const enrich::Owner& owner) const;  ///< (language, recipients)
  /// Whom an incident concerns: the site's owner, else the account's (outbound mail), else
  /// the owner of a mailbox's domain (a leaked password).
  [[nodiscard]] enrich::Owner owner_of(const Incident& inc) const;
  /// web<->mail: the open incident a new finding belongs to, when it is a form relay on a
  /// site of the account a mail incident names, or the other way round (notifier_join.cpp).
  Incident* web_mail_partner(const FindingNote& f);
  void join_into(Incident& host, const FindingNote& f);

  NotifyOptions options_;
  std::vector<std::unique_ptr<Channel>> channels_;
  std::shared_ptr<const enrich::Inventory> inventory_;
  const enrich::GeoDb* geo_;

  IncidentMap incidents_;  ///< by key
  /// web<->mail: the incident key a joined finding's own key is told in (bounded by the
  /// incidents: entries whose host is gone are dropped when met).
  std::map<std::string, std::string> joined_into_;
  /// Incidents by last update, stalest first (each update moves its incident to the back), so
  /// a full table closes its stalest incident in O(1): a day with one finding per line (100 k
  /// groups) must not scan the 10 k open incidents per finding.
  std::list<Incident*> recency_;
  std::unordered_map<const Incident*, std::list<Incident*>::iterator> recency_pos_;
  struct Pending {  ///< notice state of an incident
    bool first_sent = false;
    core::TimeNs first_due = 0;
    core::TimeNs first_finding_wall = 0;
    std::uint64_t followups = 0;  ///< findings and decisions since its last notice
    core::TimeNs followup_wall = 0;
    std::uint64_t reported_findings = 0, reported_decisions = 0;
    bool urgent = false;  ///< a ladder warning waits: the digest goes at once
  };
  std::map<std::uint64_t, Pending> pending_;  ///< by incident id
  Incident* current_ = nullptr;               ///< the last finding's incident (for decisions)
  std::uint64_t next_incident_ = 1, next_notice_ = 1;
  std::map<std::string, core::TimeNs> last_digest_;             ///< by recipient key
  std::map<std::string, std::deque<core::TimeNs>> sent_times_;  ///< by recipient, last hour

  std::function<void(const Delivery&)> on_attempt_;
  mutable std::mutex mu_;  // guards what status() and recent_json() read
  std::deque<Delivery> queue_;
  std::deque<Delivery> done_;  ///< finished deliveries, newest last (bounded)
  NotifyStats stats_;
};

}  // namespace bannin::notify
