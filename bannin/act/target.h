// Target: the address or prefix a Decision is enforced on, in the one canonical form every
// actuator uses (host bits cleared, a /32 or /128 prefix is a single address). Value type.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

#include <bannin/core/ip_prefix.h>
#include <bannin/core/result.h>
#include <bannin/decide/decision.h>

namespace bannin::act {

/// Targets are core::IpPrefix values: one prefix type across bannin.
using Target = core::IpPrefix;

/// The target of an ip or prefix Decision. Errors (codes): "unsupported_scope" for scopes an
/// address-level actuator cannot carry out (vhost_path, vhost, …), "invalid_target" for an
/// address or prefix that does not parse.
core::Result<Target> target_of(const decide::Decision& d);

}  // namespace bannin::act
