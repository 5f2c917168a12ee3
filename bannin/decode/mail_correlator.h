// MailCorrelator: joins the lines an MTA writes for one message, by (host, queue id), so that
// a `mail.sent` event carries the local account that submitted the message (issue 5; the
// spam-source incident S5: "which account sent the spam that got the server blocklisted").
//
// Postfix, sendmail and exim log one message over several lines sharing a queue id:
//   postfix   pickup "QID: uid=1001 from=<u>"  -> smtpd "QID: client=…, sasl_username=u"
//             -> qmgr "QID: from=<u@d>, size=N, nrcpt=1" -> smtp "QID: to=<r>, … status=sent"
//             -> qmgr "QID: removed"
//   sendmail  "QID: from=u, size=N, …, relay=u@localhost" -> "QID: to=r, ctladdr=u (1001/1001)…"
//   exim      "ID <= u@d U=u P=local S=N" -> "ID => r R=… T=… H=…" -> "ID Completed"
// What the submission lines say (uid, account, SASL user, sender, size) is remembered and
// copied onto the later mail.sent lines of the same message that lack it; mail.rejected
// lines of a known message get the uid/account/user. When a delivery hands the message to a
// local content filter or a second MTA ("status=sent (… queued as NEWQID)", sendmail
// "stat=Sent (NEWQID Message accepted for delivery)"), the new queue id inherits the origin,
// so the account survives amavis/MSP hops.
//
// Bounded: at most Options::max_entries messages (least recently seen evicted first, and
// counted); an entry expires Options::ttl after its last line, by event time (the largest
// timestamp seen so far — replay gives the same answer as live), and is removed early by
// postfix "removed" / exim "Completed". Only mail kinds with a queue id touch the table.
//
// Strings filled into an Event are copied into the Event's scratch arena, so they stay valid
// until the Event's next reset() whatever happens to the table. Everything kept is copied
// into the table (values longer than kMaxValue are not kept). One instance per input stream
// and thread, owned by the stream's SyslogDecoder; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include <bannin/core/time.h>
#include <bannin/model/event.h>

namespace bannin::decode {

class MailCorrelator {
 public:
  struct Options {
    std::size_t max_entries = 100'000;
    core::TimeNs ttl = 24 * core::kNsPerHour;
  };
  struct Stats {
    std::uint64_t learned = 0;  ///< entries created
    std::uint64_t filled = 0;   ///< events that received at least one field
    std::uint64_t linked = 0;   ///< hand-overs to a new queue id ("queued as …")
    std::uint64_t removed = 0;  ///< entries dropped by "removed" / "Completed"
    std::uint64_t expired = 0;  ///< entries dropped ttl after their last line
    std::uint64_t evicted = 0;  ///< entries dropped because the table was full
  };
  /// Longest sender/account/user value kept (an SMTP path is at most 256 bytes).
  static constexpr std::size_t kMaxValue = 320;

  MailCorrelator() : MailCorrelator(Options{}) {}
  explicit MailCorrelator(Options opt);
  MailCorrelator(const MailCorrelator&) = delete;
  MailCorrelator& operator=(const MailCorrelator&) = delete;

  /// Learns from and fills a successfully decoded event. Events that are not mail.received,
  /// mail.sent or mail.rejected, or that have no queue_id, are left alone (and cost a branch).
  void observe(model::Event& ev);
  /// The message QID on host is gone from the queue (postfix "removed", exim "Completed").
  void forget(std::string_view host, std::string_view queue_id);
  /// Drops every entry and zeroes the statistics and the clock.
  void clear();

  [[nodiscard]] std::size_t size() const noexcept { return index_.size(); }
  [[nodiscard]] const Stats& stats() const noexcept { return stats_; }
  [[nodiscard]] const Options& options() const noexcept { return opt_; }

 private:
  struct Entry {
    std::string key;  ///< host '\0' queue id; index_ keys view into it (list nodes never move)
    std::string sender, account, user, script;  ///< script: X-PHP-Originating-Script
    std::int64_t uid = -1;
    std::int64_t size = -1;
    core::TimeNs last_seen = 0;
  };
  using List = std::list<Entry>;  ///< front = least recently seen

  void make_key(std::string_view host, std::string_view qid);
  List::iterator find();
  List::iterator find_or_create(core::TimeNs ts);
  void touch(List::iterator it, core::TimeNs ts);
  void erase(List::iterator it);
  void expire();
  static void learn(Entry& e, const model::Event& ev);
  static bool fill(const Entry& e, model::Event& ev, bool with_sender);
  void link(const Entry& from, std::string_view host, std::string_view new_qid, core::TimeNs ts);

  Options opt_;
  Stats stats_;
  core::TimeNs now_ = 0;  ///< largest event time seen
  List lru_;
  std::unordered_map<std::string_view, List::iterator> index_;
  std::string key_;  ///< lookup buffer, reused
};

}  // namespace bannin::decode
