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
  std::string_view vhost = ev.str(model::Field::Vhost);
  if (vhost.empty()) {
    const model::EventKind k = ev.kind();
    if (k != model::EventKind::MailSent && k != model::EventKind::MailReceived) return false;
    // A mailbox login (SASL): the site of its domain.
    const std::string_view user = ev.str(model::Field::User);
    const auto at = user.rfind('@');
    if (at == std::string_view::npos || at + 1 >= user.size()) return false;
    vhost = user.substr(at + 1);
  }
  const std::string_view a = account(vhost);
  if (a.empty()) return false;
  ev.set_string(model::Field::Account, a);
  return true;
}

}  // namespace bannin::enrich
