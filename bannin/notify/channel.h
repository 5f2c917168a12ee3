// Channel: one way to bring a notice to people (notify/mail, webhook, syslog, recording).
// deliver() blocks (it is called on the notify thread) and returns an error for a failed
// attempt; `retry` in the error's code says whether another attempt may succeed.
#pragma once

#include <string>

#include <bannin/core/result.h>
#include <bannin/notify/notice.h>

namespace bannin::notify {

class Channel {
 public:
  virtual ~Channel() = default;
  [[nodiscard]] virtual const char* name() const noexcept = 0;
  /// True: one delivery per recipient (mail); false: one per notice (webhook, syslog).
  [[nodiscard]] virtual bool per_recipient() const noexcept = 0;
  /// Error code "retry" for a failure worth another attempt, "permanent" otherwise.
  virtual core::Result<bool> deliver(const Notice& notice, const std::string& recipient) = 0;
};

}  // namespace bannin::notify
