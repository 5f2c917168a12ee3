// SyslogChannel: one line per notice to the local syslog (facility daemon, LOG_NOTICE,
// ident "bannin-notify"): the subject and the incident ids, for log collectors and SIEMs.
#pragma once

#include <bannin/notify/channel.h>

namespace bannin::notify {

class SyslogChannel final : public Channel {
 public:
  SyslogChannel();
  [[nodiscard]] const char* name() const noexcept override { return "syslog"; }
  [[nodiscard]] bool per_recipient() const noexcept override { return false; }
  core::Result<bool> deliver(const Notice& notice, const std::string& recipient) override;
};

}  // namespace bannin::notify
