// SmtpChannel: a notice as an e-mail (text/plain, UTF-8, RFC 2047 subject) through an SMTP
// server: the local MTA (smtp://127.0.0.1:25) or a smarthost (smtp://host:587 with STARTTLS,
// smtps://host:465), with AUTH when a user is set. Through libcurl (dlopen).
#pragma once

#include <string>

#include <bannin/notify/channel.h>

namespace bannin::notify {

struct SmtpOptions {
  std::string url;  ///< smtp://host[:port] or smtps://host[:port]
  std::string from = "bannin@localhost";
  std::string tls = "try";  ///< try | require | off: STARTTLS on smtp://
  std::string user, password;
  std::string ca_file;  ///< "" = the system's CAs
  long timeout_ms = 20'000;
};

class SmtpChannel final : public Channel {
 public:
  explicit SmtpChannel(SmtpOptions o) : o_(std::move(o)) {}
  [[nodiscard]] const char* name() const noexcept override { return "smtp"; }
  [[nodiscard]] bool per_recipient() const noexcept override { return true; }
  core::Result<bool> deliver(const Notice& notice, const std::string& recipient) override;

 private:
  SmtpOptions o_;
};

/// The message as sent (headers and body, CRLF line ends): tests and the recording channel.
std::string mail_message(const Notice& notice, const std::string& from, const std::string& to,
                         core::TimeNs now);

}  // namespace bannin::notify
