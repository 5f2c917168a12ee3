// FTP servers: vsftpd, proftpd, pure-ftpd, wu-ftpd — failed and successful logins and
// uploads (ftp.transfer with the path).
#pragma once

#include <string_view>

#include <bannin/model/event.h>

namespace bannin::decode::daemon {

bool decode_vsftpd(std::string_view msg, model::Event& ev);
bool decode_proftpd(std::string_view msg, model::Event& ev);
bool decode_pureftpd(std::string_view msg, model::Event& ev);
bool decode_wuftpd(std::string_view msg, model::Event& ev);

}  // namespace bannin::decode::daemon
