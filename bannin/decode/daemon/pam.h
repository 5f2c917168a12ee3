// Messages any PAM-using daemon writes: pam_unix "authentication failure; … rhost=X user=Y"
// (service from "pam_unix(svc:auth)" or the program), and Linux audit records
// (type=USER_AUTH/USER_ERR/USER_LOGIN … addr=X res=failed) as SELinux hosts log them.
#pragma once

#include <string_view>

#include <bannin/model/event.h>

namespace bannin::decode::daemon {

bool decode_pam(std::string_view msg, model::Event& ev);
bool decode_audit(std::string_view msg, model::Event& ev);

}  // namespace bannin::decode::daemon
