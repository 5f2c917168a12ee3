// Small text helpers shared by the daemon message decoders (sshd, postfix, dovecot …).
// Everything works on string_view into the line; nothing allocates. The address helpers
// know the ways daemons write a client: bare, [bracketed], IPv6:-prefixed, ::ffff:-mapped,
// with a trailing :port, or as a host name when the daemon logs no address.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <bannin/model/event.h>

namespace bannin::decode::daemon {

using std::string_view;
// std's name for "not found", kept so the decoders read like string_view code.
// NOLINTNEXTLINE(readability-identifier-naming)
inline constexpr std::size_t npos = string_view::npos;

inline constexpr string_view kFailure = "failure";
inline constexpr string_view kSuccess = "success";
inline constexpr string_view kNeutral = "neutral";

// The `service` of an event: one name per protocol family, whatever daemon logged it, so a
// rule grouping by (src_ip, service) counts one source's failures against one kind of
// login together (dovecot's imap-login and its auth-worker, postfix SASL and dovecot
// submission, Roundcube and an nginx auth_basic realm). Listed in docs/decoders.md.
inline constexpr string_view kSvcSsh = "ssh";          ///< sshd, dropbear, PAM sshd
inline constexpr string_view kSvcSmtp = "smtp";        ///< MTAs, SMTP AUTH, submission
inline constexpr string_view kSvcMailbox = "mailbox";  ///< IMAP, POP3, ManageSieve logins
inline constexpr string_view kSvcFtp = "ftp";          ///< vsftpd, proftpd, pure-ftpd, wu-ftpd
inline constexpr string_view kSvcHttp = "http";        ///< web server auth, webmail, HAProxy
inline constexpr string_view kSvcDns = "dns";          ///< named, unbound
inline constexpr string_view kSvcSql = "sql";          ///< MySQL / MariaDB

/// The service family (kSvc*) of a daemon's program name or a PAM service name ("sshd",
/// "dovecot", "vsftpd", "imap", "smtp" …); names it does not know come back unchanged
/// (PAM's "su", "sudo", "login" are local logins, not a network service).
string_view service_family(string_view name) noexcept;

/// Removes leading and trailing spaces and tabs.
string_view trim(string_view s) noexcept;
/// The text up to (not including) the first space, tab or end.
string_view first_token(string_view s) noexcept;
/// If s starts with prefix, removes it and returns true.
bool consume(string_view& s, string_view prefix) noexcept;
/// Like consume(), ASCII case-insensitive.
bool consume_ci(string_view& s, string_view prefix) noexcept;
/// ASCII case-insensitive search; npos when absent.
std::size_t find_ci(string_view s, string_view needle, std::size_t from = 0) noexcept;
bool contains(string_view s, string_view needle) noexcept;
/// Removes a trailing " [preauth]" (and spaces); returns true when it was there.
bool strip_suffix(string_view& s, string_view suffix) noexcept;
/// Decimal digits only, at most 18; nullopt otherwise.
std::optional<std::int64_t> to_uint(string_view s) noexcept;
bool is_digits(string_view s) noexcept;

/// Normalises an address as written by a daemon: strips surrounding [] or <> and an
/// "IPv6:" prefix; does not split a port.
string_view clean_addr(string_view s) noexcept;
/// "host:port" / "[v6]:port" / "v6:port" -> host, when the text after the last ':' is a
/// port and the text is not itself a complete IPv6 address.
string_view strip_port(string_view s, std::int64_t* port = nullptr) noexcept;
/// Sets src_ip when text (after clean_addr) is an address, else src_host when it looks
/// like a host name. Returns false (and sets nothing) for "", "-", "?", "unknown".
bool set_addr(string_view text, model::Event& ev) noexcept;
/// Whether text (after clean_addr) parses as an IP address.
bool is_ip(string_view text) noexcept;

/// Sets kind auth.attempt, service and outcome.
void auth_event(model::Event& ev, string_view service, string_view outcome) noexcept;
/// Sets outcome and, when non-empty, reason.
void set_outcome(model::Event& ev, string_view outcome, string_view reason = {}) noexcept;
void set_str(model::Event& ev, model::Field f, string_view v) noexcept;

/// "name[ip]" / "name[ip]:port" as postfix and cyrus write a client: the part in brackets.
/// Searches from pos; returns the text between the first '[' and its ']' (empty if none).
string_view bracket_addr(string_view s, std::size_t pos = 0, std::size_t* end = nullptr) noexcept;
/// Value of "key=value" ending at one of the stop characters (default ", ;").
string_view kv(string_view s, string_view key, string_view stops = ", ;") noexcept;
/// Value of "key=<value>" (angle brackets removed).
string_view kv_angle(string_view s, string_view key) noexcept;
/// Domain part of an address ("user@Example.org" -> "Example.org"), empty if none.
string_view domain_of(string_view addr) noexcept;

}  // namespace bannin::decode::daemon
