// SHA-256 and HMAC-SHA256 (FIPS 180-4, RFC 2104): the webhook signature. Small and local so the
// notify stage needs no crypto library at start-up (libcurl, with its TLS stack, is opened only
// when a notice is sent: docs/decisions/2026-11-25-load-libcurl-on-demand.md).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace bannin::notify {

std::array<std::uint8_t, 32> sha256(std::string_view data);
std::array<std::uint8_t, 32> hmac_sha256(std::string_view key, std::string_view data);
/// Lower-case hex of hmac_sha256(key, data): the value of X-Bannin-Signature-256 after "sha256=".
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

}  // namespace bannin::notify
