#include <syslog.h>

#include <bannin/notify/syslog/syslog_channel.h>

namespace bannin::notify {

SyslogChannel::SyslogChannel() {
  openlog("bannin-notify", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

core::Result<bool> SyslogChannel::deliver(const Notice& notice, const std::string& /*recipient*/) {
  std::string ids;
  for (auto id : notice.incidents) ids += (ids.empty() ? "" : ",") + std::to_string(id);
  std::string to;
  for (const auto& r : notice.recipients) to += (to.empty() ? "" : ",") + r;
  syslog(LOG_NOTICE, "notice=%llu kind=%s incidents=%s lang=%s to=%s subject=%s",
         static_cast<unsigned long long>(notice.id), notice.kind.c_str(), ids.c_str(),
         notice.language.c_str(), to.c_str(), notice.subject.c_str());
  return true;
}

}  // namespace bannin::notify
