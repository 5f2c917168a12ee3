// AccountMailTally: who sent how much mail through this server, hour by hour, for the last
// day (incident S5: a server address on a block list, and the operator must know whom to
// contact before asking for delisting). The daemon counts every `mail.sent` event of its mail
// logs here (the pipeline thread's on_event); when the domain probe finds one of the
// server's own addresses listed (a `domain.state.bad` finding grouped by src_ip), the finding
// and its notice get one evidence line per top sender of the 24 hours before the listing.
//
// A sender is the hosting account of the message (the uid map or a decoder), else its SASL
// login, else its sender's domain. Counts are per hour of event time in a ring of 25 hours;
// at most kMaxSenders senders are kept (a further one is counted in untracked()). Not
// thread-safe: the pipeline thread owns it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <bannin/core/string_hash.h>
#include <bannin/core/time.h>
#include <bannin/model/event.h>

namespace bannin::app {

class AccountMailTally {
 public:
  static constexpr std::size_t kHours = 25;
  static constexpr std::size_t kMaxSenders = 100'000;

  struct Sender {
    std::string who;  ///< "account NAME", "login NAME" or "sender domain NAME"
    std::uint64_t deliveries = 0;
    std::uint64_t failed = 0;  ///< deferred, bounced or expired
  };

  /// Counts a mail.sent event (others are ignored).
  void count(const model::Event& ev);
  /// The senders of the `span` before `until` (whole hours of event time; span at most
  /// kHours - 1 hours), most deliveries first, at most n.
  [[nodiscard]] std::vector<Sender> top(core::TimeNs until, core::TimeNs span, std::size_t n) const;
  /// Evidence lines for a listing at `until`: the top senders of the day before it.
  [[nodiscard]] std::vector<std::string> evidence(core::TimeNs until, std::size_t n = 5) const;
  [[nodiscard]] std::size_t senders() const noexcept { return by_sender_.size(); }
  [[nodiscard]] std::uint64_t untracked() const noexcept { return untracked_; }

 private:
  struct Hours {
    std::array<std::int64_t, kHours> hour{};  ///< which hour (ts / 1 h) a slot holds; 0 none
    std::array<std::uint32_t, kHours> sent{}, failed{};
  };
  std::unordered_map<std::string, Hours, core::StringHash, std::equal_to<>> by_sender_;
  std::string key_;  ///< the current event's key (tag byte + name), reused
  std::uint64_t untracked_ = 0;
};

}  // namespace bannin::app
