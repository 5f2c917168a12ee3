// SyslogDecoder (`--decoder syslog`): the logs of the daemons a hosting server runs, framed
// by syslog, the journal or the daemon's own timestamp (see frame.h). The message goes to the
// daemon decoders chosen by program name (sshd, postfix/*, dovecot, exim …); when the program
// is unknown or its decoder does not know the message, every daemon decoder is tried on it.
// Lines whose message no decoder knows are rejected with "unrecognized_message".
//
// Mail lines are joined by queue id (see mail_correlator.h): a mail.sent line gets the uid,
// account, SASL user, sender and size that earlier lines of the same message gave, which is
// why a SyslogDecoder must see one input stream in order.
//
// A daemon that writes its own timestamp into the message (named "DD-Mon-YYYY hh:mm:ss.mmm",
// nginx "YYYY/MM/DD hh:mm:ss", MySQL "YYMMDD hh:mm:ss") has it removed before its decoder
// sees the message; the frame's time stays the event's time. Access-log lines relayed
// through syslog are decoded as http.request events by the CLF decoders.
//
// Also reads journald JSON lines (`journalctl -o json`: MESSAGE, SYSLOG_IDENTIFIER, _PID,
// _HOSTNAME, __REALTIME_TIMESTAMP).
#pragma once

#include <memory>
#include <string_view>

#include <bannin/core/time.h>
#include <bannin/decode/access_log/clf_decoder.h>
#include <bannin/decode/decoder.h>
#include <bannin/decode/mail_correlator.h>
#include <bannin/decode/syslog/frame.h>

namespace bannin::decode::syslog {

/// The daemon families a SyslogDecoder can be restricted to (`--decoder sshd` …).
enum class Family { All, Ssh, Mail, Ftp, Dns, WebAuth };

class SyslogDecoder final : public Decoder {
 public:
  explicit SyslogDecoder(Family family = Family::All, std::string_view name = "syslog");
  ~SyslogDecoder() override;

  [[nodiscard]] std::string_view name() const noexcept override { return name_; }
  DecodeResult decode(std::string_view line, model::Event& ev) override;

  /// RFC 3164 year from a reference time (the file's mtime): lines dated after the
  /// reference's month belong to the year before.
  void set_reference_time(core::TimeNs t) noexcept;
  /// Every RFC 3164 line gets this year (`--year`).
  void set_year(int year) noexcept;

  /// The queue-id table of this stream (statistics; clear() after a detection pass).
  [[nodiscard]] MailCorrelator& mail_correlator() noexcept { return mail_; }

 private:
  struct Json;
  DecodeResult decode_json(std::string_view line, model::Event& ev);
  DecodeResult decode_frame(const Frame& f, model::Event& ev);
  /// An access-log line relayed through syslog (nginx `access_log syslog:`, Apache piped to
  /// logger): the message decoded by the CLF decoders. False when it is not one.
  bool decode_relayed_access(std::string_view msg, model::Event& ev);

  /// Gives a local exim submission ("<=" with U= and no H=) the directory of the "cwd=" line
  /// logged just before it (same pid when both have one, at most kCwdWindow apart) as its
  /// `script`; the queue-id join then carries it to the deliveries.
  void exim_script(model::Event& ev);
  static constexpr core::TimeNs kCwdWindow = 2 * core::kNsPerSec;

  Family family_;
  std::string_view name_;
  YearInference years_;
  std::unique_ptr<Json> json_;
  MailCorrelator mail_;
  std::string cwd_;  ///< the last exim "cwd=" path not yet given to a submission
  core::TimeNs cwd_ts_ = 0;
  std::int64_t cwd_pid_ = -1;
  // CLF decoders for relayed access lines, created on the first line that looks like one.
  std::unique_ptr<access_log::ClfDecoder> combined_;
  std::unique_ptr<access_log::ClfDecoder> common_;
  std::unique_ptr<access_log::ClfDecoder> vhost_;
};

}  // namespace bannin::decode::syslog
