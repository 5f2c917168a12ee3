// The notifier's account side (issue 17): whom an account or login incident concerns, and
// web<->mail incidents — a contact form used as a relay (web.form_relay.*) and a burst of
// mail from the account that owns the site (mail.outbound.*, inventory: site -> account) in
// the same hour are one story, told in one notice, not two.
#include <algorithm>

#include <bannin/notify/notifier.h>

namespace bannin::notify {

namespace {

bool is_form_relay(const std::string& rule) {
  return model::is_form_relay_rule(rule);
}
bool is_mail_outbound(const std::string& rule) {
  return model::is_mail_outbound_rule(rule);
}

std::string group_value(const FindingNote& f, const char* field) {
  for (const auto& [k, v] : f.group) {
    if (k == field) return v;
  }
  return {};
}

}  // namespace

enrich::Owner Notifier::owner_of(const Incident& inc) const {
  if (!inc.vhost.empty()) return inventory_->owner(inc.vhost);
  // A watched domain's owner is the owner of the site it names (S1: the shop is told).
  if (!inc.domain.empty() && inc.account.empty()) {
    enrich::Owner o = inventory_->owner(inc.domain);
    if (!o.known) o = inventory_->owner("www." + inc.domain);  // sites served as www. only
    if (o.known) return o;
  }
  enrich::Owner o;
  if (!inc.account.empty()) {
    o.account = inc.account;
    if (const enrich::Account* a = inventory_->account(inc.account)) {
      o.contacts = a->contacts;
      o.language = a->language;
      o.known = true;
    }
    // The account's own sites give the document root the notice points at.
    for (const auto& s : inventory_->sites()) {
      if (s.account != inc.account) continue;
      if (o.docroot.empty()) o.docroot = s.docroot;
      if (o.contacts.empty() && !s.contacts.empty()) {
        o.contacts = s.contacts;
        o.known = true;
      }
      if (o.language.empty()) o.language = s.language;
    }
    return o;
  }
  if (!inc.user.empty()) {
    // A mailbox "info@shop.example.jp" belongs to the site shop.example.jp.
    const auto at = inc.user.rfind('@');
    if (at != std::string::npos) return inventory_->owner(inc.user.substr(at + 1));
  }
  return o;
}

Incident* Notifier::web_mail_partner(const FindingNote& f) {
  const bool mail = is_mail_outbound(f.rule);
  const bool form = is_form_relay(f.rule);
  if (!mail && !form) return nullptr;
  std::string account;
  if (mail) {
    account = group_value(f, "account");
  } else {
    account = inventory_->owner(group_value(f, "vhost")).account;
  }
  if (account.empty()) return nullptr;
  Incident* best = nullptr;
  for (auto& [key, incp] : incidents_) {
    Incident& inc = *incp;
    // The partner is of the other kind (a form for a mail finding, mail for a form one).
    if (mail ? !is_form_relay(inc.rule) : !is_mail_outbound(inc.rule)) continue;
    const std::string other = mail ? inventory_->owner(inc.vhost).account : inc.account;
    if (other != account) continue;
    const core::TimeNs gap = f.ts >= inc.last_ts ? f.ts - inc.last_ts : inc.first_ts - f.ts;
    if (f.ts >= inc.first_ts && f.ts <= inc.last_ts) {
      // inside its span
    } else if (gap > options_.web_mail_window) {
      continue;
    }
    if (best == nullptr || inc.last_ts > best->last_ts) best = &inc;
  }
  return best;
}

void Notifier::join_into(Incident& host, const FindingNote& f) {
  std::string group;
  for (const auto& [k, v] : f.group) group += (group.empty() ? "" : " ") + k + "=" + v;
  auto it = std::find_if(host.joined.begin(), host.joined.end(), [&](const JoinedFinding& j) {
    return j.rule == f.rule && j.group == group;
  });
  if (it == host.joined.end()) {
    JoinedFinding j;
    j.rule = f.rule;
    j.title = f.title;
    j.group = group;
    j.first_ts = f.ts;
    host.joined.push_back(std::move(j));
    it = std::prev(host.joined.end());
  }
  JoinedFinding& j = *it;
  ++j.findings;
  j.first_ts = std::min(j.first_ts, f.ts);
  j.last_ts = std::max(j.last_ts, f.ts);
  for (const auto& [text, v] : f.numbers) {
    auto name = f.number_names.find(text);
    const std::string shown = name != f.number_names.end() ? name->second : text;
    auto n = std::find_if(j.numbers.begin(), j.numbers.end(),
                          [&](const auto& p) { return p.first == shown; });
    if (n == j.numbers.end()) {
      j.numbers.emplace_back(shown, v);
    } else {
      n->second = std::max(n->second, v);
    }
  }
  for (const auto& line : f.evidence) {
    if (j.evidence.size() >= 5) break;
    if (std::find(j.evidence.begin(), j.evidence.end(), line) == j.evidence.end()) {
      j.evidence.push_back(line);
    }
  }
  // The host incident has news: its decisions follow (observe(Decision) accepts the joined
  // rule), and a follow-up digest tells it if the first notice went out already.
  current_ = &host;
  host.last_wall = f.wall;
  Pending& p = pending_[host.id];
  if (p.first_sent) {
    ++p.followups;
    if (p.followup_wall == 0) p.followup_wall = f.wall;
  }
}

}  // namespace bannin::notify
