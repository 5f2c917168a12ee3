// UidAccounts: the enrich stage's uid -> hosting account map, read from a passwd-format file.
// Postfix's pickup logs who submitted a message as a number ("uid=1003 from=<shopuser>");
// the queue-id join (decode/mail_correlator.h) carries the uid to every delivery of the
// message, and this map turns it into the account name the rules group by and the notices
// name (outbound mail per account, docs/accounts.md). uids below `min_uid` are system users
// and never get an account. Read once at start; afterwards read-only, so one instance may be
// shared by threads. The names it hands out stay valid as long as the map lives.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <bannin/model/event.h>

namespace bannin::enrich {

class UidAccounts {
 public:
  /// Parses passwd text ("name:x:uid:gid:gecos:home:shell" per line). Malformed lines are
  /// skipped and counted in `rejected` (a bad line is data, never an error); the first name
  /// of a uid wins. At most kMaxEntries accounts are kept.
  static UidAccounts parse(std::string_view text, std::int64_t min_uid);
  static constexpr std::size_t kMaxEntries = 1'000'000;

  void add(std::int64_t uid, std::string name);
  /// The account of `uid`, "" when unknown or a system uid.
  [[nodiscard]] std::string_view account(std::int64_t uid) const noexcept;
  /// Sets `account` on a mail event that has a uid but no account; true when it did.
  bool enrich(model::Event& ev) const noexcept;

  [[nodiscard]] std::size_t size() const noexcept { return by_uid_.size(); }
  [[nodiscard]] std::size_t rejected() const noexcept { return rejected_; }
  [[nodiscard]] std::int64_t min_uid() const noexcept { return min_uid_; }

 private:
  std::unordered_map<std::int64_t, std::string> by_uid_;
  std::int64_t min_uid_ = 1000;
  std::size_t rejected_ = 0;
};

}  // namespace bannin::enrich
