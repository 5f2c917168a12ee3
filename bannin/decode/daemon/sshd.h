// OpenSSH sshd and dropbear messages (the text after the syslog tag): failed and accepted
// logins, invalid users, AllowUsers/DenyUsers refusals, pre-auth disconnects, "maximum
// authentication attempts", banner/key-exchange errors. Each returns false when the message
// is not one it knows (the caller then tries other decoders).
#pragma once

#include <string_view>

#include <bannin/model/event.h>

namespace bannin::decode::daemon {

bool decode_sshd(std::string_view msg, model::Event& ev);
bool decode_dropbear(std::string_view msg, model::Event& ev);

}  // namespace bannin::decode::daemon
