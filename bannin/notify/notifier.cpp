#include <algorithm>
#include <cmath>

#include <bannin/core/ip_address.h>
#include <bannin/core/json_writer.h>
#include <bannin/detect/detector.h>
#include <bannin/enrich/geo_db.h>
#include <bannin/model/fields.h>
#include <bannin/notify/notifier.h>

namespace bannin::notify {

const char* delivery_state_name(Delivery::State s) noexcept {
  switch (s) {
    case Delivery::State::Pending:
      return "pending";
    case Delivery::State::Sent:
      return "sent";
    case Delivery::State::Failed:
      return "failed";
    case Delivery::State::Observed:
      return "observed";
  }
  return "pending";
}

namespace {

// The key of one audience (language and recipients) for the digest clock.
std::string audience_key(const std::string& lang, const std::vector<std::string>& who) {
  std::string k = lang + ":";
  for (const auto& w : who) k.append(w).append(",");
  return k;
}

}  // namespace

FindingNote finding_note(const detect::Finding& f, core::TimeNs wall) {
  FindingNote n;
  if (f.rule != nullptr) {
    n.rule = f.rule->id;
    n.title = f.rule->title;
    for (const auto& nn : f.rule->numbers) n.number_names[nn.text] = nn.name;
  }
  n.ts = f.ts;
  for (const auto& [field, value] : f.group) {
    n.group.emplace_back(std::string(model::name(field)), value);
  }
  n.numbers = f.numbers;
  n.evidence = f.evidence;
  n.members = f.members;
  n.update = f.campaign_update;
  n.wall = wall;
  return n;
}

Notifier::Notifier(NotifyOptions options, std::vector<std::unique_ptr<Channel>> channels,
                   std::shared_ptr<const enrich::Inventory> inventory, const enrich::GeoDb* geo)
    : options_(std::move(options)),
      channels_(std::move(channels)),
      inventory_(std::move(inventory)),
      geo_(geo) {
  if (!inventory_) inventory_ = std::make_shared<enrich::Inventory>();
  for (const auto& c : channels_) stats_.channels.emplace_back(c->name());
}

Notifier::~Notifier() = default;

void Notifier::count_dropped(std::uint64_t n) {
  std::lock_guard lock(mu_);
  stats_.dropped += n;
}

void Notifier::observe(const FindingNote& f) {
  open_or_update(f);
}

void Notifier::open_or_update(const FindingNote& f) {
  std::string key = f.rule;
  for (const auto& [k, v] : f.group) key.append(" ").append(k).append("=").append(v);
  // web<->mail: a finding already told inside another incident goes on being told there; a
  // new one that matches an open partner joins it.
  {
    Incident* host = nullptr;
    if (auto j = joined_into_.find(key); j != joined_into_.end()) {
      auto h = incidents_.find(j->second);
      if (h != incidents_.end() && f.wall - h->second->last_wall <= options_.incident_quiet) {
        host = h->second.get();
      } else {
        joined_into_.erase(j);
      }
    }
    if (host == nullptr && incidents_.find(key) == incidents_.end()) {
      host = web_mail_partner(f);
      if (host != nullptr) joined_into_[key] = host->key;
    }
    if (host != nullptr) {
      join_into(*host, f);
      return;
    }
  }
  auto it = incidents_.find(key);
  // A closed incident (quiet for incident_quiet) starts again as a new one.
  if (it != incidents_.end() && f.wall - it->second->last_wall > options_.incident_quiet) {
    close_incident(it);
    it = incidents_.end();
  }
  if (it == incidents_.end()) {
    if (incidents_.size() >= options_.max_incidents && !recency_.empty()) {
      // The stalest incident goes (its notice, if any, has been queued already).
      close_incident(incidents_.find(recency_.front()->key));
    }
    auto inc = std::make_unique<Incident>();
    inc->id = next_incident_++;
    inc->key = key;
    inc->rule = f.rule;
    inc->title = f.title;
    inc->group = f.group;
    for (const auto& [k, v] : f.group) {
      if (k == "vhost") inc->vhost = v;
      if (k == "path") inc->path = v;
      if (k == "account") inc->account = v;
      if (k == "user") inc->user = v;
      if (k == "domain") inc->domain = v;
    }
    // A check of one of the server's own addresses names the address.
    if (inc->domain.empty() && f.rule.rfind("domain.", 0) == 0) {
      for (const auto& [k, v] : f.group) {
        if (k == "src_ip") inc->domain = v;
      }
    }
    inc->first_ts = f.ts;
    inc->opened_wall = f.wall;
    Pending p;
    p.first_due = f.wall + options_.gather;
    p.first_finding_wall = f.wall;
    pending_[inc->id] = p;
    {
      std::lock_guard lock(mu_);
      ++stats_.incidents;
    }
    it = incidents_.emplace(key, std::move(inc)).first;
    recency_pos_[it->second.get()] = recency_.insert(recency_.end(), it->second.get());
  } else {
    auto pos = recency_pos_.find(it->second.get());
    if (pos != recency_pos_.end()) recency_.splice(recency_.end(), recency_, pos->second);
    Pending& p = pending_[it->second->id];
    if (p.first_sent) {
      ++p.followups;
      if (p.followup_wall == 0) p.followup_wall = f.wall;
    }
  }
  Incident& inc = *it->second;
  current_ = &inc;
  ++inc.findings;
  inc.last_ts = std::max(inc.last_ts, f.ts);
  inc.first_ts = std::min(inc.first_ts, f.ts);
  inc.last_wall = f.wall;
  for (const auto& [text, v] : f.numbers) {
    auto [m, fresh] = inc.numbers_max.try_emplace(text, v);
    if (!fresh) m->second = std::max(m->second, v);
    inc.numbers_last[text] = v;
  }
  for (const auto& [text, name] : f.number_names) inc.number_names[text] = name;
  for (const auto& m : f.members) {
    if (inc.members.count(m) != 0) continue;
    if (inc.members.size() >= options_.max_members) {
      ++inc.members_cut;
      continue;
    }
    inc.members.insert(m);
    std::string cc = "??";
    if (geo_ != nullptr) {
      if (auto ip = core::IpAddress::parse(m); ip) {
        auto c = geo_->country(*ip);
        if (c.known()) cc = std::string(c.view());
      }
    }
    ++inc.countries[cc];
  }
  for (const auto& line : f.evidence) {
    if (inc.evidence.size() >= options_.evidence_lines) break;
    if (std::find(inc.evidence.begin(), inc.evidence.end(), line) == inc.evidence.end()) {
      inc.evidence.push_back(line);
    }
  }
}

Notifier::IncidentMap::iterator Notifier::close_incident(IncidentMap::iterator it) {
  Incident* inc = it->second.get();
  pending_.erase(inc->id);
  if (current_ == inc) current_ = nullptr;
  if (auto pos = recency_pos_.find(inc); pos != recency_pos_.end()) {
    recency_.erase(pos->second);
    recency_pos_.erase(pos);
  }
  return incidents_.erase(it);
}

void Notifier::observe(const decide::Decision& d, core::TimeNs wall) {
  // A finding's decisions follow it; a decision of another rule (a manual one, from the
  // API) opens nothing.
  Incident* inc = current_;
  if (inc == nullptr) return;
  if (inc->rule != d.rule &&
      std::none_of(inc->joined.begin(), inc->joined.end(),
                   [&](const JoinedFinding& j) { return j.rule == d.rule; })) {
    return;
  }
  ++inc->decisions_total;
  if (d.scope == "ip" || d.scope == "prefix") ++inc->member_decisions;
  if (d.scope == "prefix") ++inc->prefix_decisions;
  inc->until_ts = std::max(inc->until_ts, d.ts + d.ttl);
  // Site decisions, suspensions and warnings are few (one per target and step) and always
  // kept; addresses only up to 20 (their count is kept above).
  if (inc->decisions.size() < 20 || (d.scope != "ip" && d.scope != "prefix")) {
    DecisionNote n;
    n.action = d.action;
    n.scope = d.scope;
    if (d.scope == "ip") {
      n.target = d.ip;
    } else if (d.scope == "prefix") {
      n.target = d.prefix;
    } else if (d.scope == "account") {
      n.target = d.account;
    } else if (d.scope == "user") {
      n.target = d.user;
    } else if (d.scope == "file") {
      n.target = d.file;
    } else {
      n.target = d.vhost + d.path + (d.method.empty() ? "" : " (" + d.method + ")");
    }
    n.except_countries = d.except_countries;
    n.ts = d.ts;
    n.ttl = d.ttl;
    n.reason = d.reason;
    n.reason_ja = d.reason_ja;
    n.warning = d.warning;
    inc->decisions.push_back(std::move(n));
  }
  Pending& p = pending_[inc->id];
  if (p.first_sent) {
    ++p.followups;
    if (p.followup_wall == 0) p.followup_wall = wall;
  }
  // A warning before the next step goes out at the next tick, not in the next digest.
  if (d.warning) p.urgent = true;
}

std::vector<std::pair<std::string, std::vector<std::string>>> Notifier::audience(
    const enrich::Owner& owner) const {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  auto add = [&](const std::string& lang, const std::vector<std::string>& who) {
    for (auto& [l, list] : out) {
      if (l == lang) {
        for (const auto& w : who) {
          if (std::find(list.begin(), list.end(), w) == list.end()) list.push_back(w);
        }
        return;
      }
    }
    out.emplace_back(lang, who);
  };
  if (options_.tell_owners && owner.known && !owner.contacts.empty()) {
    add(owner.language.empty() ? options_.default_language : owner.language, owner.contacts);
  }
  add(options_.operator_language, options_.operator_contacts);
  return out;
}

void Notifier::send_first(Incident& inc, core::TimeNs now) {
  Pending& p = pending_[inc.id];
  enrich::Owner owner = owner_of(inc);
  for (const auto& [lang, who] : audience(owner)) {
    auto n = std::make_shared<Notice>(render(inc, lang, owner, false));
    n->id = next_notice_++;
    n->recipients = who;
    n->first_finding_wall = p.first_finding_wall;
    n->created_wall = now;
    last_digest_[audience_key(lang, who)] = now;
    queue(std::move(n), now);
  }
  {
    std::lock_guard lock(mu_);
    ++stats_.notices;
  }
  p.first_sent = true;
  p.followups = 0;
  p.followup_wall = 0;
  p.reported_findings = inc.findings;
  p.reported_decisions = inc.decisions_total;
}

void Notifier::send_digests(core::TimeNs now, bool force) {
  // Per audience (language + recipients): every incident with follow-ups, in one notice.
  struct Batch {
    std::string language;
    std::vector<std::string> who;
    std::vector<Incident*> incidents;
    enrich::Owner owner;
    core::TimeNs first_wall = 0;
  };
  std::map<std::string, Batch> batches;
  for (auto& [key, incp] : incidents_) {
    Incident& inc = *incp;
    Pending& p = pending_[inc.id];
    if (!p.first_sent || p.followups == 0) continue;
    enrich::Owner owner = owner_of(inc);
    for (const auto& [lang, who] : audience(owner)) {
      std::string k = audience_key(lang, who);
      auto last = last_digest_.find(k);
      if (!force && !p.urgent && last != last_digest_.end() &&
          now - last->second < options_.digest_interval) {
        continue;
      }
      Batch& b = batches[k];
      b.language = lang;
      b.who = who;
      b.owner = owner;
      b.incidents.push_back(&inc);
      if (b.first_wall == 0 || p.followup_wall < b.first_wall) b.first_wall = p.followup_wall;
    }
  }
  std::set<std::uint64_t> reported;
  for (auto& [k, b] : batches) {
    Notice merged;
    for (Incident* inc : b.incidents) {
      Notice part = render(*inc, b.language, b.owner, true);
      if (merged.subject.empty()) {
        merged = part;
      } else {
        merged.text += "\n----------------------------------------\n\n" + part.text;
        merged.incidents.push_back(inc->id);
        // The JSON body: an array of the parts' objects.
        merged.json.pop_back();  // ']'
        merged.json += "," + part.json.substr(1);
      }
      reported.insert(inc->id);
    }
    if (b.incidents.size() > 1) {
      merged.subject = (b.language == "ja" ? "[bannin] まとめ: " : "[bannin] Digest: ") +
                       std::to_string(b.incidents.size()) +
                       (b.language == "ja" ? " 件の事案の続報" : " incidents continued");
    }
    auto n = std::make_shared<Notice>(std::move(merged));
    n->id = next_notice_++;
    n->recipients = b.who;
    n->first_finding_wall = b.first_wall;
    n->created_wall = now;
    last_digest_[k] = now;
    queue(std::move(n), now);
    std::lock_guard lock(mu_);
    ++stats_.digests;
  }
  for (auto id : reported) {
    Pending& p = pending_[id];
    p.followups = 0;
    p.followup_wall = 0;
    p.urgent = false;
  }
}

void Notifier::queue(std::shared_ptr<const Notice> n, core::TimeNs now) {
  std::lock_guard lock(mu_);
  for (std::size_t c = 0; c < channels_.size(); ++c) {
    auto add = [&](const std::string& recipient) {
      Delivery d;
      d.notice = n;
      d.channel = c;
      d.channel_name = channels_[c]->name();
      d.recipient = recipient;
      d.next_try = now;
      queue_.push_back(std::move(d));
      ++stats_.pending;
    };
    if (channels_[c]->per_recipient()) {
      for (const auto& r : n->recipients) add(r);
    } else {
      add("");
    }
  }
}

void Notifier::attempt(core::TimeNs now) {
  constexpr core::TimeNs kHour = 3600 * core::kNsPerSec;
  std::vector<Delivery> due;
  {
    std::lock_guard lock(mu_);
    for (auto it = queue_.begin(); it != queue_.end();) {
      if (it->next_try <= now) {
        due.push_back(std::move(*it));
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& d : due) {
    Channel& ch = *channels_[d.channel];
    // The recipient's hourly budget (per channel for those without recipients).
    std::string budget_key = d.recipient.empty() ? d.channel_name : d.recipient;
    auto& times = sent_times_[budget_key];
    while (!times.empty() && now - times.front() >= kHour) times.pop_front();
    if (options_.per_recipient_per_hour != 0 && times.size() >= options_.per_recipient_per_hour) {
      d.next_try = times.front() + kHour;
      std::lock_guard lock(mu_);
      if (!d.rate_limited) ++stats_.rate_limited;
      d.rate_limited = true;
      queue_.push_back(std::move(d));
      continue;
    }
    ++d.attempts;
    auto r = ch.deliver(*d.notice, d.recipient);
    const core::TimeNs after = now;
    std::unique_lock lock(mu_);
    if (r) {
      times.push_back(now);
      d.state = std::string_view(ch.name()) == "recording" ? Delivery::State::Observed
                                                           : Delivery::State::Sent;
      d.done_wall = after;
      d.last_error.clear();
      --stats_.pending;
      if (d.state == Delivery::State::Sent) {
        ++stats_.sent;
      } else {
        ++stats_.observed;
      }
      if (d.notice->first_finding_wall != 0) {
        double ms = static_cast<double>(after - d.notice->first_finding_wall) / 1e6;
        stats_.last_latency_ms = ms;
        stats_.max_latency_ms = std::max(stats_.max_latency_ms, ms);
      }
    } else {
      d.last_error = r.error().message;
      stats_.last_error = std::string(ch.name()) + ": " + r.error().message;
      if (r.error().code == "retry" && d.attempts < options_.retry_max) {
        core::TimeNs delay = options_.retry_base;
        for (std::uint32_t i = 1; i < d.attempts && delay < options_.retry_max_delay; ++i) {
          delay *= 2;
        }
        d.next_try = now + std::min(delay, options_.retry_max_delay);
        ++stats_.retries;
        lock.unlock();
        if (on_attempt_) on_attempt_(d);
        lock.lock();
        queue_.push_back(std::move(d));
        continue;
      }
      d.state = Delivery::State::Failed;
      d.done_wall = after;
      --stats_.pending;
      ++stats_.failed;
    }
    lock.unlock();
    if (on_attempt_) on_attempt_(d);
    lock.lock();
    done_.push_back(std::move(d));
    while (done_.size() > 200) done_.pop_front();
  }
}

void Notifier::tick(core::TimeNs now) {
  for (auto& [key, inc] : incidents_) {
    Pending& p = pending_[inc->id];
    if (!p.first_sent && now >= p.first_due) send_first(*inc, now);
  }
  send_digests(now, false);
  attempt(now);
  // Incidents quiet for incident_quiet are closed (a later finding opens a new one).
  for (auto it = incidents_.begin(); it != incidents_.end();) {
    Pending& p = pending_[it->second->id];
    if (p.first_sent && p.followups == 0 && now - it->second->last_wall > options_.incident_quiet) {
      it = close_incident(it);
    } else {
      ++it;
    }
  }
}

void Notifier::flush(core::TimeNs now) {
  for (auto& [key, inc] : incidents_) {
    Pending& p = pending_[inc->id];
    if (!p.first_sent) send_first(*inc, now);
  }
  send_digests(now, true);
  attempt(now);
}

NotifyStats Notifier::status() const {
  std::lock_guard lock(mu_);
  return stats_;
}

std::string Notifier::recent_json(std::size_t n) const {
  std::lock_guard lock(mu_);
  std::string out = "[";
  auto one = [&](const Delivery& d) {
    if (out.size() > 1) out.push_back(',');
    core::JsonObjectWriter o(out);
    o.integer("notice", static_cast<std::int64_t>(d.notice->id));
    o.string("kind", d.notice->kind);
    o.string("channel", d.channel_name);
    o.string("recipient", d.recipient);
    o.string("language", d.notice->language);
    o.string("subject", d.notice->subject);
    o.string("state", delivery_state_name(d.state));
    o.integer("attempts", d.attempts);
    if (d.state == Delivery::State::Pending) {
      o.integer("next_try", d.next_try / core::kNsPerSec);
      o.boolean("rate_limited", d.rate_limited);
    } else {
      o.integer("done", d.done_wall / core::kNsPerSec);
    }
    o.string("error", d.last_error);
    o.close();
  };
  std::size_t skip = done_.size() > n ? done_.size() - n : 0;
  for (std::size_t i = skip; i < done_.size(); ++i) one(done_[i]);
  std::size_t shown = 0;
  for (const auto& d : queue_) {  // still pending, after the finished ones
    if (shown++ >= n) break;
    one(d);
  }
  out.push_back(']');
  return out;
}

}  // namespace bannin::notify
