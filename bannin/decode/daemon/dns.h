// Name servers: BIND named (query log lines, denied queries and zone transfers, NOTAUTH
// transfer requests) and unbound (query/reply log lines).
#pragma once

#include <string_view>

#include <bannin/model/event.h>

namespace bannin::decode::daemon {

bool decode_named(std::string_view msg, model::Event& ev);
bool decode_unbound(std::string_view msg, model::Event& ev);

}  // namespace bannin::decode::daemon
