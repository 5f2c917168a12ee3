// Mail daemons: the MTAs (postfix, sendmail, exim, qmail) and the IMAP/POP3 servers
// (dovecot, courier, cyrus). Rejections become mail.rejected, SASL/IMAP/POP3 login
// failures auth.attempt, queue lines mail.received / mail.sent. Each function takes the
// message after the syslog tag and returns false when it does not know the message.
#pragma once

#include <string_view>

#include <bannin/model/event.h>

namespace bannin::decode::daemon {

bool decode_postfix(std::string_view msg, model::Event& ev);
bool decode_sendmail(std::string_view msg, model::Event& ev);
/// Exim main log messages, with or without exim's own "YYYY-MM-DD HH:MM:SS [pid] " prefix.
bool decode_exim(std::string_view msg, model::Event& ev);
bool decode_qmail(std::string_view msg, model::Event& ev);
bool decode_dovecot(std::string_view msg, model::Event& ev);
bool decode_courier(std::string_view msg, model::Event& ev);
bool decode_cyrus(std::string_view msg, model::Event& ev);

/// The queue id of a postfix "QID: removed" message (the message left the queue), else "".
std::string_view postfix_removed_id(std::string_view msg);
/// The message id of an exim "[date time ][[pid] ]ID Completed" message, else "".
std::string_view exim_completed_id(std::string_view msg);
/// Exim's "cwd=/home/shop3/public_html/contact 3 args: /usr/sbin/sendmail -t -i" (log_selector
/// +arguments, on by default): the working directory of a local submission, logged just
/// before its "<=" line — which script's directory sent it. Returns the path ("" when msg is
/// not such a line) and sets *pid from a "[pid]" prefix (-1 without one).
std::string_view exim_cwd(std::string_view msg, std::int64_t* pid);
/// A dovecot mail session's end ("imap(user)<pid><session>: Disconnected: Logged out in=…",
/// "pop3(user): Logged out top=…", "… Connection closed …"): known, and not an event.
bool dovecot_logout(std::string_view msg);

}  // namespace bannin::decode::daemon
