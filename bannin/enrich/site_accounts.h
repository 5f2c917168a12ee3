// SiteAccounts: the enrich stage's site -> hosting account step, from the hosting inventory
// (enrich/inventory.h: vhost names and wildcards from the inventory file and the web
// servers' configuration). An access-log line names its site (vhost) but not the account
// that owns it; with this step every http.request (and file.found) event whose site the
// inventory knows carries `account`, so rules can group by it, findings are stored with it
// (the API's `account` filter) and a form relay on a site meets the mail burst of its account
// in one incident. A mail event without a vhost whose login (SASL user, `user`) is a mailbox
// "name@domain" gets the account of the site `domain` the same way: mail submitted with a
// site's mailbox password counts for that site's account (outbound mail per account,
// docs/accounts.md). An event that already has an account (a decoder or the uid map set it)
// keeps it.
//
// One instance per pipeline (not thread-safe: it remembers the answer for each vhost text it
// saw, at most kMaxRemembered, then starts over). The account names it sets point into the
// inventory, which it keeps alive.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include <bannin/core/string_hash.h>
#include <bannin/enrich/inventory.h>
#include <bannin/model/event.h>

namespace bannin::enrich {

class SiteAccounts {
 public:
  explicit SiteAccounts(std::shared_ptr<const Inventory> inventory);

  /// Sets `account` on an event with no account of its own whose vhost (or, on mail events,
  /// whose mailbox login's domain) the inventory maps to an account; true when it did.
  bool enrich(model::Event& ev);
  /// The account of a site ("" when the inventory does not know it or names no account).
  std::string_view account(std::string_view vhost);

  /// True when the inventory maps at least one site to an account (else enrich is a no-op).
  [[nodiscard]] bool useful() const noexcept { return useful_; }
  static constexpr std::size_t kMaxRemembered = 4096;
  [[nodiscard]] std::size_t remembered() const noexcept { return seen_.size(); }

 private:
  std::shared_ptr<const Inventory> inventory_;
  bool useful_ = false;
  std::unordered_map<std::string, std::string_view, core::StringHash, std::equal_to<>> seen_;
};

}  // namespace bannin::enrich
