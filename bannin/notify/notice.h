// Notice: a message to a person (ARCHITECTURE "The nouns"), in Japanese or English, saying
// what happened in numbers, the evidence lines, what bannin did and until when, and what to
// do now. One per incident and language at first; later findings of the same incident are
// batched into a digest per recipient. Incident: what the notifier gathered from the
// findings and decisions of one rule and group (a form path, a source).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <bannin/core/time.h>

namespace bannin::notify {

/// What bannin decided, as the notice tells it.
struct DecisionNote {
  std::string action, scope;  ///< deny | rate_limit | …; ip | prefix | vhost_path | vhost
  std::string target;         ///< "198.51.100.7", "example.jp/contact/ (POST)"
  std::vector<std::string> except_countries;
  core::TimeNs ts = 0, ttl = 0;  ///< event time taken; its duration
  std::string reason, reason_ja;
  bool warning = false;  ///< the escalation ladder announces its next step
};

/// A finding of another rule told as part of an incident: a mail burst from the account of a
/// site whose form is being used as a relay, in the same hour (web<->mail, issue 17).
struct JoinedFinding {
  std::string rule, title;
  std::string group;                                    ///< "account=shopuser"
  std::vector<std::pair<std::string, double>> numbers;  ///< (name or aggregate, largest value)
  std::vector<std::string> evidence;                    ///< a few lines
  core::TimeNs first_ts = 0, last_ts = 0;
  std::uint64_t findings = 0;
};

struct Incident {
  std::uint64_t id = 0;
  std::string key;  ///< rule id + group, e.g. web.form_relay.many_sources vhost=a.jp path=/contact/
  std::string rule, title;
  std::vector<std::pair<std::string, std::string>> group;  ///< (field, value), group_by order
  std::string vhost, path;                                 ///< from the group when present
  std::string account, user;               ///< from the group (outbound mail, leaked passwords)
  std::string domain;                      ///< from the group (domain probe: domain or src_ip)
  core::TimeNs first_ts = 0, last_ts = 0;  ///< event time of its findings
  core::TimeNs opened_wall = 0, last_wall = 0;  ///< wall clock
  std::uint64_t findings = 0;                   ///< first + updates
  /// The largest value each number reached ("distinct(src_ip)" -> 287), and the last one.
  std::map<std::string, double> numbers_max, numbers_last;
  std::map<std::string, std::string> number_names;  ///< aggregate text -> the rule's name
  std::set<std::string> members;                    ///< sources decided on (bounded)
  std::uint64_t members_cut = 0;                    ///< members beyond the bound
  std::map<std::string, std::uint64_t> countries;   ///< country of each member -> count
  std::vector<std::string> evidence;                ///< distinct lines, oldest first (bounded)
  std::vector<DecisionNote> decisions;              ///< the first few, in order
  std::uint64_t decisions_total = 0, member_decisions = 0;  ///< member: ip or prefix
  std::uint64_t prefix_decisions = 0;
  core::TimeNs until_ts = 0;  ///< event time the latest decision ends
  /// Findings of other rules told with this one (a form relay and its account's mail burst).
  std::vector<JoinedFinding> joined;
};

/// One rendered notice for one language; its recipients get it as it is.
struct Notice {
  std::uint64_t id = 0;
  std::string kind;  ///< "incident" | "digest"
  std::string language;
  std::vector<std::string> recipients;  ///< e-mail addresses (the webhook and syslog ignore them)
  std::string subject, text;            ///< plain text, UTF-8
  std::string json;                     ///< the webhook's body
  std::vector<std::uint64_t> incidents;
  std::string vhost, account;
  core::TimeNs first_finding_wall = 0;  ///< when the earliest finding it reports arrived
  core::TimeNs created_wall = 0;
};

/// One channel's attempt(s) to bring one notice to one recipient.
struct Delivery {
  std::shared_ptr<const Notice> notice;
  std::size_t channel = 0;
  std::string channel_name;
  std::string recipient;  ///< e-mail; "" for webhook/syslog
  enum class State { Pending, Sent, Failed, Observed } state = State::Pending;
  std::uint32_t attempts = 0;
  core::TimeNs next_try = 0, done_wall = 0;
  std::string last_error;
  bool rate_limited = false;  ///< waiting for the recipient's hourly budget
};

const char* delivery_state_name(Delivery::State s) noexcept;

}  // namespace bannin::notify
