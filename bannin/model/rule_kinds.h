// Kinds of findings that bannin tells as one story across stages: a web form used as a spam
// relay (incident S2) and a burst of outbound mail from a hosting account (S3) are one
// incident when the form's site belongs to the sending account and they come within
// kWebMailWindow of each other. The notices (notify/notifier_join.cpp) and the API's
// incidents (api/incidents.h) both join them, by these rule-id families.
#pragma once

#include <string_view>

#include <bannin/core/time.h>

namespace bannin::model {

/// web.form_relay.* (rules/base/web.yaml).
inline bool is_form_relay_rule(std::string_view rule) noexcept {
  return rule.substr(0, 14) == "web.form_relay";
}
/// mail.outbound.* (rules/base/mail.yaml).
inline bool is_mail_outbound_rule(std::string_view rule) noexcept {
  return rule.substr(0, 13) == "mail.outbound";
}
/// How far apart a form relay and its account's mail burst may be and still be one event.
inline constexpr core::TimeNs kWebMailWindow = core::TimeNs{3600} * core::kNsPerSec;

}  // namespace bannin::model
