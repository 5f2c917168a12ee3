// Web authentication seen in error logs and web applications: Apache error.log (mod_auth_*,
// authz, digest, SNI), nginx error.log (basic auth, PAM, TLS handshake garbage), Roundcube,
// Horde, SquirrelMail, OpenWebMail, Monit's httpd, HAProxy 401s; plus MySQL/MariaDB
// "Access denied".
#pragma once

#include <string_view>

#include <bannin/model/event.h>

namespace bannin::decode::daemon {

/// The part of an Apache error-log line after the timestamp: "[module:level] [pid …] [client …]
/// msg".
bool decode_apache_error(std::string_view msg, model::Event& ev);
/// The part of an nginx error-log line after the timestamp: "[level] pid#tid: *cid msg, client: …".
bool decode_nginx_error(std::string_view msg, model::Event& ev);
bool decode_roundcube(std::string_view msg, model::Event& ev);
bool decode_webmail(std::string_view msg, model::Event& ev);  // horde, squirrelmail, openwebmail
bool decode_monit(std::string_view msg, model::Event& ev);
bool decode_haproxy(std::string_view msg, model::Event& ev);
bool decode_mysql(std::string_view msg, model::Event& ev);

}  // namespace bannin::decode::daemon
