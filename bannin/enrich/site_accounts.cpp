#include <bannin/enrich/site_accounts.h>

namespace bannin::enrich {

SiteAccounts::SiteAccounts(std::shared_ptr<const Inventory> inventory)
    : inventory_(std::move(inventory)) {
  if (!inventory_) return;
  for (const Site& s : inventory_->sites()) useful_ = useful_ || !s.account.empty();
}

std::string_view SiteAccounts::account(std::string_view vhost) {
  if (!useful_ || vhost.empty()) return {};
  if (auto it = seen_.find(vhost); it != seen_.end()) return it->second;
  if (seen_.size() >= kMaxRemembered) seen_.clear();  // many names: start over, bounded
  const Site* s = inventory_->find(vhost);
  std::string_view account = s != nullptr ? std::string_view(s->account) : std::string_view();
  seen_.emplace(std::string(vhost), account);
  return account;
}

bool SiteAccounts::enrich(model::Event& ev) {
  if (!useful_ || ev.has(model::Field::Account)) return false;
  const std::string_view vhost = ev.str(model::Field::Vhost);
  if (vhost.empty()) return false;
  const std::string_view a = account(vhost);
  if (a.empty()) return false;
  ev.set_string(model::Field::Account, a);
  return true;
}

}  // namespace bannin::enrich
