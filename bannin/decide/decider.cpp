#include <algorithm>
#include <cmath>
#include <cstdio>

#include <bannin/decide/decider.h>

namespace bannin::decide {

std::string Decision::key() const {
  if (scope == "ip") return "ip|" + ip;
  if (action == "suspend") return "suspend|" + vhost;  // beside a containment of the site
  if (scope == "prefix") return "prefix|" + prefix;
  if (scope == "file") return "file|" + file;
  if (scope == "account") return action + "|account|" + account;  // a notice beside a reset
  if (scope == "user") return action + "|user|" + user;
  if (scope == "process") return "process|" + process;
  return scope + "|" + vhost + "|" + path + "|" + method;
}

namespace {

constexpr core::TimeNs kMinute = 60 * core::kNsPerSec;

// A number for people: whole numbers without decimals ("8", not "8.000000"), others with
// at most two significant decimals; a share as a percentage ("75%").
std::string number_text(double v, bool percent) {
  if (!std::isfinite(v)) return "?";
  char buf[64];
  if (percent) {
    std::snprintf(buf, sizeof buf, "%.0f%%", v * 100.0);
  } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.3g", v);
  }
  return buf;
}

// "10 minutes", "1 hour", "24 hours", "2 days" / "10分", "1時間", "2日": the largest whole
// unit, as a person says it.
std::string duration_words(core::TimeNs ns, bool ja) {
  const std::int64_t s = ns / core::kNsPerSec;
  auto say = [&](std::int64_t n, const char* one, const char* many, const char* jp) {
    if (ja) return std::to_string(n) + jp;
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  if (s > 0 && s % 86400 == 0) return say(s / 86400, "day", "days", "日");
  if (s > 0 && s % 3600 == 0) return say(s / 3600, "hour", "hours", "時間");
  if (s > 0 && s % 60 == 0) return say(s / 60, "minute", "minutes", "分");
  return say(s, "second", "seconds", "秒");
}

// Service names as decoders emit them (one per protocol family, decode/daemon/text.h:
// ssh, smtp, mailbox, ftp, http, sql; PAM names as logged) -> as people write them.
std::string service_text(const std::string& v) {
  static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"ssh", "SSH"},           {"smtp", "SMTP"},   {"submission", "SMTP submission"},
      {"mailbox", "IMAP/POP3"}, {"imap", "IMAP"},   {"pop3", "POP3"},
      {"ftp", "FTP"},           {"http", "HTTP"},   {"dns", "DNS"},
      {"sql", "MySQL/MariaDB"}, {"mysql", "MySQL"}, {"postgresql", "PostgreSQL"},
      {"sieve", "ManageSieve"}};
  for (const auto& [k, name] : kNames) {
    if (v == k) return std::string(name);
  }
  return v;
}

// Fills a reason template (see ruleset::DecisionTemplate::reason for the placeholders).
// `member` is the campaign member decided on ("" for a group decision): it fills the
// member field's placeholder ({src_ip}) when that field is not part of the group.
std::string fill(const std::string& tmpl, const detect::Finding& f, core::TimeNs ttl, bool ja,
                 const std::string& member = {}) {
  const ruleset::Rule& rule = *f.rule;
  std::string out;
  out.reserve(tmpl.size() + 32);
  auto value_of = [&](std::string_view name, std::string& v) -> bool {
    if (name == "rule") {
      v = rule.id;
      return true;
    }
    if (name == "group") {
      // Members without a value ("vhost=" when the log has no vhost) say nothing.
      v.clear();
      for (const auto& [field, val] : f.group) {
        if (val.empty()) continue;
        if (!v.empty()) v += " ";
        v += std::string(model::name(field)) + "=" + val;
      }
      return true;
    }
    if (name == "numbers") {
      v.clear();
      for (const auto& [n, x] : f.numbers) {
        if (!v.empty()) v += ", ";
        v += n + " = " + number_text(x, false);
      }
      return true;
    }
    if (name == "window") {
      v = duration_words(rule.window, ja);
      return true;
    }
    if (name == "ttl") {
      v = duration_words(ttl, ja);
      return true;
    }
    for (const ruleset::NamedNumber& n : rule.numbers) {
      if (n.name != name) continue;
      v = "?";
      for (const auto& [text, x] : f.numbers) {
        if (text == n.text) v = number_text(x, n.percent);
      }
      return true;
    }
    for (const auto& [field, val] : f.group) {
      if (model::name(field) != name) continue;
      v = field == model::Field::Service ? service_text(val) : val;
      return true;
    }
    if (rule.campaign && !member.empty() && model::name(rule.campaign->member_field) == name) {
      v = member;
      return true;
    }
    return false;
  };
  std::string v;
  std::size_t i = 0;
  while (i < tmpl.size()) {
    std::size_t open = tmpl.find('{', i);
    std::size_t close = open == std::string::npos ? open : tmpl.find('}', open);
    if (close == std::string::npos) {
      out.append(tmpl, i, std::string::npos);
      break;
    }
    out.append(tmpl, i, open - i);
    std::string_view name(tmpl.data() + open + 1, close - open - 1);
    if (value_of(name, v)) {
      out += v;
      i = close + 1;
    } else {
      out += '{';  // not a placeholder: kept as written
      i = open + 1;
    }
  }
  return out;
}

// "203.0.113.0/24": the prefix text used in decisions, always with its length.
std::string prefix_text(const core::IpPrefix& p) {
  return p.network.to_string() + "/" + std::to_string(p.len);
}

// Turns an address decision into one on the template's prefix around it (/24, /64 …).
bool to_prefix(Decision& d, const ruleset::DecisionTemplate& t) {
  auto ip = core::IpAddress::parse(d.ip);
  if (!ip) return false;
  unsigned bits = ip->is_v4() ? t.prefix_len_v4 : t.prefix_len_v6;
  d.prefix = ip->masked(bits).to_string() + "/" + std::to_string(bits);
  d.ip.clear();
  return true;
}

std::string group_value(const detect::Finding& f, model::Field field) {
  for (const auto& [k, v] : f.group) {
    if (k == field) return v;
  }
  return {};
}

core::IpPrefix single(const core::IpAddress& ip) {
  return core::IpPrefix{ip, ip.is_v4() ? 32U : 128U};
}

// "1h", "90m", "45s", "2d": the largest whole unit.
std::string duration_text(core::TimeNs ns) {
  const std::int64_t s = ns / core::kNsPerSec;
  if (s > 0 && s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s > 0 && s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s > 0 && s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

// The repeat count in a reason this Decider wrote ("… (repeat 3)"), 0 when there is none.
std::uint32_t repeat_in_reason(const std::string& reason) {
  static constexpr std::string_view kTag = " (repeat ";
  if (reason.empty() || reason.back() != ')') return 0;
  std::size_t at = reason.rfind(kTag);
  if (at == std::string::npos) return 0;
  std::uint32_t n = 0;
  for (std::size_t i = at + kTag.size(); i + 1 < reason.size(); ++i) {
    char c = reason[i];
    if (c < '0' || c > '9' || n > 100'000) return 0;
    n = n * 10 + static_cast<std::uint32_t>(c - '0');
  }
  return n;
}

bool known_action(const std::string& a) {
  return a == "deny" || a == "rate_limit" || a == "deny_foreign" || a == "notify_only" ||
         a == "suspend" || a == "quarantine" || a == "reset_password" || a == "stop";
}

// Options with out-of-range values replaced by the nearest valid ones (check_options reports
// them to the person; the Decider keeps working).
DeciderOptions clamped(DeciderOptions o) {
  if (!(o.ttl_factor >= 1.0) || !std::isfinite(o.ttl_factor)) o.ttl_factor = 1.0;
  if (o.repeat_window <= 0) o.repeat_window = kDefaultRepeatWindow;
  if (o.max_ttl <= 0) o.max_ttl = kDefaultMaxTtl;
  o.prefix_v4_len = std::clamp<std::uint32_t>(o.prefix_v4_len, 16, 31);
  o.prefix_v6_len = std::clamp<std::uint32_t>(o.prefix_v6_len, 32, 127);
  if (o.prefix_window <= 0) o.prefix_window = kDefaultPrefixWindow;
  o.max_active = std::max<std::size_t>(o.max_active, 1);
  o.max_repeat_history = std::max<std::size_t>(o.max_repeat_history, 1);
  o.max_tracked_prefixes = std::max<std::size_t>(o.max_tracked_prefixes, 1);
  return o;
}

}  // namespace

std::vector<std::string> check_options(const DeciderOptions& o) {
  std::vector<std::string> p;
  if (!(o.ttl_factor >= 1.0) || !std::isfinite(o.ttl_factor)) {
    p.push_back("decide.repeat.ttl_factor must be a number >= 1 (1 turns repeats off)");
  }
  if (o.repeat_window < 0) p.push_back("decide.repeat.window must not be negative");
  if (o.max_ttl < 0) p.push_back("decide.repeat.max_ttl must not be negative");
  if (o.prefix_v4_len < 16 || o.prefix_v4_len > 31) {
    p.push_back("decide.escalate_prefix.v4_len must be 16..31");
  }
  if (o.prefix_v6_len < 32 || o.prefix_v6_len > 127) {
    p.push_back("decide.escalate_prefix.v6_len must be 32..127");
  }
  if (o.prefix_window < 0) p.push_back("decide.escalate_prefix.window must not be negative");
  if (o.max_active == 0 || o.max_repeat_history == 0 || o.max_tracked_prefixes == 0) {
    p.push_back("decide: state limits must be at least 1");
  }
  return p;
}

Decider::Decider(DeciderOptions options) {
  set_options(std::move(options));
}

void Decider::set_options(DeciderOptions options) {
  DeciderOptions o = clamped(std::move(options));
  bool lengths_changed =
      o.prefix_v4_len != options_.prefix_v4_len || o.prefix_v6_len != options_.prefix_v6_len;
  options_ = std::move(o);
  ladder_.set_options(options_.ladder);
  allow_ = options_.allowlist_set;
  std::vector<AllowEntry> plain;
  plain.reserve(options_.allowlist.size());
  for (const Cidr& c : options_.allowlist) {
    plain.push_back(AllowEntry{c, AllowSource::Config, "config allowlist"});
  }
  allow_.add(std::move(plain));
  if (lengths_changed || options_.prefix_min_members == 0) {
    tracked_.clear();
    tracked_by_last_.clear();
  }
  // A smaller history limit applies at once.
  while (history_.size() > options_.max_repeat_history) {
    auto oldest = history_by_end_.begin();
    history_.erase(*oldest->second);
    history_by_end_.erase(oldest);
    ++stats_.history_evicted;
  }
  sync_sizes();
}

// --- policy steps ---------------------------------------------------------------------------

bool Decider::allowlisted(const Decision& d, const std::optional<core::IpAddress>& ip,
                          const std::optional<core::IpPrefix>& net) {
  const AllowEntry* e = nullptr;
  if (ip) {
    e = allow_.find(*ip);
  } else if (d.scope == "prefix" && net) {
    e = allow_.find_intersecting(*net);
  }
  if (e == nullptr) return false;
  ++stats_.suppressed_allowlist;
  ++stats_.suppressed_allowlist_by_source[static_cast<std::size_t>(e->source)];
  return true;
}

bool Decider::covered(const core::IpAddress& ip, core::TimeNs now) const {
  if (deny_prefixes_.empty()) return false;
  const bool v4 = ip.is_v4();
  const auto& lengths = v4 ? deny_lengths_v4_ : deny_lengths_v6_;
  const unsigned max = v4 ? 32U : 128U;
  for (unsigned len = 0; len <= max; ++len) {
    if (lengths[len] == 0) continue;
    auto it = deny_prefixes_.find(core::IpPrefix{ip.masked(len), len});
    if (it != deny_prefixes_.end() && it->second > now) return true;
  }
  return false;
}

bool Decider::cap_allows(const std::string& rule, core::TimeNs now) {
  std::uint32_t limit = options_.max_per_minute;
  if (auto o = options_.max_per_minute_by_rule.find(rule);
      o != options_.max_per_minute_by_rule.end()) {
    limit = o->second;
  }
  if (limit == 0) return true;
  CapState& s = caps_[rule];
  // Sliding minute: admissions older than 60 s of event time no longer count.
  while (!s.admitted.empty() && s.admitted.front() <= now - kMinute) s.admitted.pop_front();
  if (s.admitted.size() < limit) {
    s.admitted.push_back(now);
    return true;
  }
  ++stats_.suppressed_cap;
  ++s.suppressed;
  s.last_suppressed = now;
  if (!s.in_period) {
    s.in_period = true;
    s.period_start = now;
    if (!notes_pending_ || now + kMinute < next_note_due_) next_note_due_ = now + kMinute;
    notes_pending_ = true;
  }
  return false;
}

std::uint32_t Decider::apply_repeat(const std::string& key, Decision& d) {
  const DeciderOptions& r = options_;
  if (r.ttl_factor <= 1.0) return 0;
  std::uint32_t n = 0;
  if (auto h = history_.find(key); h != history_.end()) {
    if (h->second.end > d.ts) {
      n = h->second.n;  // decided again while the previous one runs (after forget/evict)
    } else if (d.ts - h->second.end <= r.repeat_window) {
      n = h->second.n + 1;
    }
  }
  if (n == 0) return 0;
  const core::TimeNs base = d.ttl;
  const double grown = static_cast<double>(base) * std::pow(r.ttl_factor, static_cast<double>(n));
  core::TimeNs ttl =
      grown >= static_cast<double>(r.max_ttl) ? r.max_ttl : static_cast<core::TimeNs>(grown);
  d.ttl = std::max(ttl, base);  // the cap limits growth, never shortens a rule's own TTL
  d.reason += " (repeat " + std::to_string(n) + ")";
  if (!d.reason_ja.empty()) d.reason_ja += "（" + std::to_string(n) + "回目の再発）";
  ++stats_.repeats;
  return n;
}

void Decider::remember(const std::string& key, std::uint32_t n, core::TimeNs end,
                       core::TimeNs now) {
  if (options_.ttl_factor <= 1.0) return;
  auto [it, fresh] = history_.try_emplace(key);
  if (!fresh) history_by_end_.erase({it->second.end, &it->first});
  it->second = Repeat{n, end};
  history_by_end_.insert({end, &it->first});
  // Entries that can no longer make a repeat go first; then the oldest, counted.
  while (history_.size() > options_.max_repeat_history) {
    auto oldest = history_by_end_.begin();
    if (oldest->first + options_.repeat_window >= now) ++stats_.history_evicted;
    history_.erase(*oldest->second);
    history_by_end_.erase(oldest);
  }
}

void Decider::activate(const std::string& key, const Decision& d, core::TimeNs expiry,
                       std::optional<core::IpPrefix> net, core::TimeNs now) {
  auto it = active_.find(key);
  if (it != active_.end()) {
    deactivate(it);
  } else if (active_.size() >= options_.max_active) {
    auto soonest = by_expiry_.begin();
    if (soonest->first > now) ++stats_.active_evicted;  // an ended one goes silently
    deactivate(active_.find(*soonest->second));
  }
  auto [ins, ok] = active_.emplace(key, Active{expiry, d.action, net});
  BANNIN_ASSERT(ok);
  by_expiry_.insert({expiry, &ins->first});
  if (d.scope == "prefix" && d.action == "deny" && net) {
    auto [p, fresh] = deny_prefixes_.insert_or_assign(*net, expiry);
    (void)p;
    if (fresh) ++(net->is_v4() ? deny_lengths_v4_ : deny_lengths_v6_)[net->len];
  }
}

void Decider::deactivate(std::map<std::string, Active, std::less<>>::iterator it) {
  by_expiry_.erase({it->second.expiry, &it->first});
  const Active& a = it->second;
  if (a.net && a.action == "deny" && it->first.rfind("prefix|", 0) == 0) {
    if (deny_prefixes_.erase(*a.net) > 0) {
      --(a.net->is_v4() ? deny_lengths_v4_ : deny_lengths_v6_)[a.net->len];
    }
  }
  active_.erase(it);
}

bool Decider::admit(Decision& d) {
  std::optional<core::IpAddress> ip;
  std::optional<core::IpPrefix> net;
  if (!d.ip.empty()) {
    ip = core::IpAddress::parse(d.ip);
    if (ip) net = single(*ip);
  } else if (d.scope == "prefix") {
    net = core::IpPrefix::parse(d.prefix);
  }
  auto counts = rule_counts_.find(d.rule);
  if (counts == rule_counts_.end())
    counts = rule_counts_.emplace(d.rule, RuleDecisionCounts{}).first;
  RuleDecisionCounts& rc = counts->second;
  if (allowlisted(d, ip, net)) {
    ++rc.suppressed;
    return false;
  }
  std::string k = d.key();
  auto it = active_.find(k);
  if (it != active_.end() && it->second.expiry > d.ts) {
    ++stats_.suppressed_active;
    ++rc.suppressed;
    return false;
  }
  if (ip && d.scope == "ip" && covered(*ip, d.ts)) {
    ++stats_.suppressed_covered;
    ++rc.suppressed;
    return false;
  }
  if (!cap_allows(d.rule, d.ts)) {
    ++rc.capped;
    return false;
  }
  std::uint32_t n = apply_repeat(k, d);
  activate(k, d, d.ts + d.ttl, net, d.ts);
  remember(k, n, d.ts + d.ttl, d.ts);
  ++stats_.decisions;
  ++rc.decisions;
  return true;
}

std::optional<Decision> Decider::escalate(const Decision& d, const core::IpAddress& ip) {
  const DeciderOptions& e = options_;
  const unsigned len = ip.is_v4() ? e.prefix_v4_len : e.prefix_v6_len;
  const core::IpPrefix p{ip.masked(len), len};
  const core::TimeNs now = d.ts;
  auto [it, fresh] = tracked_.try_emplace(p);
  Tracked& t = it->second;
  if (!fresh) tracked_by_last_.erase({t.last, p});
  // Members whose decision is older than the window no longer count.
  std::erase_if(t.members, [&](const Member& m) { return now - m.ts > e.prefix_window; });
  auto m =
      std::find_if(t.members.begin(), t.members.end(), [&](const Member& x) { return x.ip == ip; });
  if (m != t.members.end()) {
    m->ts = now;
    m->ttl = d.ttl;
  } else {
    t.members.push_back(Member{ip, now, d.ttl});
  }
  t.last = now;
  if (t.members.size() < e.prefix_min_members) {
    tracked_by_last_.insert({t.last, p});
    while (tracked_.size() > options_.max_tracked_prefixes) {
      auto oldest = tracked_by_last_.begin();
      if (now - oldest->first <= e.prefix_window) ++stats_.prefixes_evicted;
      tracked_.erase(oldest->second);
      tracked_by_last_.erase(oldest);
    }
    return std::nullopt;
  }
  // Enough members: escalate once, then start counting afresh.
  std::vector<Member> members = std::move(t.members);
  tracked_.erase(it);
  const std::string text = prefix_text(p);
  std::string sample;
  for (std::size_t i = 0; i < members.size() && i < 3; ++i) {
    sample += (i ? ", " : "") + members[i].ip.to_string();
  }
  if (members.size() > 3) sample += " and " + std::to_string(members.size() - 3) + " more";
  if (const AllowEntry* a = allow_.find_intersecting(p)) {
    ++stats_.escalations_allowlisted;
    note(DeciderNote{now, "escalation_allowlisted", d.rule,
                     "not escalated to " + text + " (" + std::to_string(members.size()) +
                         " addresses denied within " + duration_text(e.prefix_window) + ": " +
                         sample + "): it contains allowlisted " + a->prefix.text() + " (" +
                         a->label + ")",
                     members.size()});
    return std::nullopt;
  }
  Decision x;
  x.ts = now;
  x.rule = d.rule;
  x.origin = "escalation";
  x.action = "deny";
  x.scope = "prefix";
  x.prefix = text;
  for (const Member& mm : members) x.ttl = std::max(x.ttl, mm.ttl);
  x.reason = std::to_string(members.size()) + " addresses in " + text +
             " got deny decisions within " + duration_text(e.prefix_window) + " (" + sample +
             "): escalated to the prefix";
  x.state = d.state;
  const std::string k = x.key();
  if (auto a = active_.find(k); a != active_.end() && a->second.expiry > now) return std::nullopt;
  std::uint32_t n = apply_repeat(k, x);
  activate(k, x, now + x.ttl, p, now);
  remember(k, n, now + x.ttl, now);
  ++stats_.decisions;
  ++stats_.escalations;
  ++rule_counts_[x.rule].decisions;
  return x;
}

void Decider::decide(const detect::Finding& f, std::vector<Decision>& out) {
  const ruleset::Rule& rule = *f.rule;
  auto make = [&](const ruleset::DecisionTemplate& t) {
    Decision d;
    d.ts = f.ts;
    d.rule = rule.id;
    d.action = t.action;
    d.scope = t.scope;
    d.ttl = t.ttl;
    d.reason = fill(t.reason.empty() ? rule.title : t.reason, f, t.ttl, false);
    if (!t.reason_ja.empty()) d.reason_ja = fill(t.reason_ja, f, t.ttl, true);
    d.except_countries = t.except_countries;
    d.method = t.method;
    return d;
  };
  std::vector<Decision> warnings;
  auto emit = [&](Decision d) {
    ladder_.apply(d, warnings);
    // A warning goes out whether or not the decision it came with is new (it announces the
    // next step; it contains nothing, so no de-duplication or cap applies).
    for (auto& w : warnings) {
      ++stats_.decisions;
      out.push_back(std::move(w));
    }
    warnings.clear();
    if (!admit(d)) return;
    std::optional<Decision> escalated;
    if (options_.prefix_min_members > 0 && d.scope == "ip" && d.action == "deny") {
      if (auto ip = core::IpAddress::parse(d.ip)) escalated = escalate(d, *ip);
    }
    out.push_back(std::move(d));
    if (escalated) out.push_back(std::move(*escalated));
  };
  if (notes_pending_ && f.ts >= next_note_due_) close_notes(f.ts, false);
  // A campaign update means the harm goes on: the ladder sees the site's containment again
  // (de-duplication drops it while its step is unchanged).
  const bool ladder_update = f.campaign_update && options_.ladder.enabled;
  if (!f.campaign_update || ladder_update) {
    for (const ruleset::DecisionTemplate& t : rule.then) {
      if (ladder_update && (t.scope == "ip" || t.scope == "prefix")) continue;
      Decision d = make(t);
      if (t.scope == "ip" || t.scope == "prefix") {
        d.ip = group_value(f, model::Field::SrcIp);
        if (d.ip.empty()) continue;
        if (t.scope == "prefix" && !to_prefix(d, t)) continue;
      } else if (t.scope == "file") {
        // A file found by the file probe (file.found, group_by file_path).
        d.file = group_value(f, model::Field::FilePath);
        if (d.file.empty()) continue;
      } else if (t.scope == "account") {
        // A hosting account (mail.sent grouped by account: outbound mail per account).
        d.account = group_value(f, model::Field::Account);
        if (d.account.empty()) continue;
      } else if (t.scope == "user") {
        // A mailbox or FTP login (auth events grouped by user: a leaked password).
        d.user = group_value(f, model::Field::User);
        if (d.user.empty()) continue;
      } else if (t.scope == "process") {
        // A process of a hosting account (process.seen, group_by pid).
        d.process = group_value(f, model::Field::Pid);
        d.account = group_value(f, model::Field::Account);
        if (d.process.empty()) continue;
      } else {
        d.vhost = group_value(f, model::Field::Vhost);
        d.path = group_value(f, model::Field::Path);
      }
      emit(std::move(d));
    }
  }
  if (rule.campaign) {
    for (const std::string& m : f.members) {
      Decision d = make(rule.campaign->then);
      d.ip = m;
      // The member's own address, when the reason names it (the group is the service).
      const auto& ct = rule.campaign->then;
      d.reason = fill(ct.reason.empty() ? rule.title : ct.reason, f, ct.ttl, false, m);
      if (!ct.reason_ja.empty()) d.reason_ja = fill(ct.reason_ja, f, ct.ttl, true, m);
      if (rule.campaign->then.scope == "prefix" && !to_prefix(d, rule.campaign->then)) continue;
      emit(std::move(d));
    }
  }
  sync_sizes();
}

// --- the daemon's side ----------------------------------------------------------------------

core::Result<Decision> Decider::add_manual(Decision d) {
  auto refuse = [this](std::string code, std::string message) {
    ++stats_.manual_refused;
    return core::make_error(std::move(code), std::move(message));
  };
  if (!known_action(d.action)) {
    return refuse("bad_action", "unknown action \"" + d.action +
                                    "\" (deny, rate_limit, deny_foreign or notify_only)");
  }
  if (d.ttl <= 0) return refuse("bad_ttl", "a decision needs a TTL > 0");
  std::optional<core::IpPrefix> net;
  if (d.scope == "ip") {
    auto ip = core::IpAddress::parse(d.ip);
    if (!ip) return refuse("bad_target", "\"" + d.ip + "\" is not an IPv4 or IPv6 address");
    d.ip = ip->to_string();
    d.prefix.clear();
    net = single(*ip);
    if (const AllowEntry* a = allow_.find(*ip)) {
      return refuse("allowlisted", d.ip + " is allowlisted (" + a->label + ": " + a->prefix.text() +
                                       "); not decided");
    }
  } else if (d.scope == "prefix") {
    auto p = core::IpPrefix::parse(d.prefix);
    if (!p || d.prefix.find('/') == std::string::npos) {
      return refuse("bad_target",
                    "\"" + d.prefix + "\" is not a CIDR prefix (e.g. 203.0.113.0/24)");
    }
    d.prefix = prefix_text(*p);
    d.ip.clear();
    net = *p;
    if (const AllowEntry* a = allow_.find_intersecting(*p)) {
      return refuse("allowlisted", d.prefix + " contains allowlisted " + a->prefix.text() + " (" +
                                       a->label + "); not decided");
    }
  } else if (d.scope == "vhost_path") {
    if (d.vhost.empty() || d.path.empty() || d.path[0] != '/') {
      return refuse("bad_target", "a vhost_path decision needs a vhost and a path starting with /");
    }
  } else if (d.scope == "vhost") {
    if (d.vhost.empty()) return refuse("bad_target", "a vhost decision needs a vhost");
  } else if (d.scope == "file") {
    if (d.file.empty() || d.file[0] != '/') {
      return refuse("bad_target", "a file decision needs an absolute path");
    }
  } else if (d.scope == "account") {
    if (d.account.empty()) return refuse("bad_target", "an account decision needs an account");
  } else if (d.scope == "user") {
    if (d.user.empty()) return refuse("bad_target", "a user decision needs a login name");
  } else if (d.scope == "process") {
    if (d.process.empty()) return refuse("bad_target", "a process decision needs a pid");
  } else {
    return refuse("bad_scope",
                  "unknown scope \"" + d.scope + "\" (ip, prefix, vhost_path or vhost)");
  }
  if (d.origin.empty() || d.origin == "rule") d.origin = "person";
  activate(d.key(), d, d.ts + d.ttl, net, d.ts);
  ++stats_.manual;
  sync_sizes();
  return d;
}

bool Decider::restore(const Decision& in, core::TimeNs expiry) {
  Decision d = in;
  std::optional<core::IpPrefix> net;
  bool ok = true;
  if (d.scope == "ip") {
    auto ip = core::IpAddress::parse(d.ip);
    ok = ip.has_value();
    if (ok) {
      d.ip = ip->to_string();
      net = single(*ip);
    }
  } else if (d.scope == "prefix") {
    auto p = core::IpPrefix::parse(d.prefix);
    ok = p.has_value();
    if (ok) {
      d.prefix = prefix_text(*p);
      net = *p;
    }
  } else {
    ok = d.scope == "vhost_path" || d.scope == "vhost" || d.scope == "file" ||
         d.scope == "account" || d.scope == "user" || d.scope == "process";
  }
  if (!ok) {
    ++stats_.restore_refused;
    return false;
  }
  std::string k = d.key();
  activate(k, d, expiry, net, d.ts);
  remember(k, repeat_in_reason(d.reason), expiry, d.ts);
  ++stats_.restored;
  sync_sizes();
  return true;
}

bool Decider::forget(const std::string& key, bool clear_history) {
  bool found = false;
  if (auto it = active_.find(key); it != active_.end()) {
    deactivate(it);
    found = true;
  }
  if (auto h = history_.find(key); clear_history && h != history_.end()) {
    history_by_end_.erase({h->second.end, &h->first});
    history_.erase(h);
  }
  if (found) ++stats_.forgotten;
  sync_sizes();
  return found;
}

std::vector<std::string> Decider::expire(core::TimeNs now) {
  std::vector<std::string> keys;
  while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) {
    auto it = active_.find(*by_expiry_.begin()->second);
    keys.push_back(it->first);
    deactivate(it);
    ++stats_.expired;
  }
  age(now);
  if (notes_pending_ && now >= next_note_due_) close_notes(now, false);
  sync_sizes();
  return keys;
}

void Decider::age(core::TimeNs now) {
  // Repeat history past its window and escalation tracking past its window are dead weight.
  while (!history_by_end_.empty() &&
         history_by_end_.begin()->first + options_.repeat_window < now) {
    auto oldest = history_by_end_.begin();
    history_.erase(*oldest->second);
    history_by_end_.erase(oldest);
  }
  while (!tracked_by_last_.empty() &&
         now - tracked_by_last_.begin()->first > options_.prefix_window) {
    auto oldest = tracked_by_last_.begin();
    tracked_.erase(oldest->second);
    tracked_by_last_.erase(oldest);
  }
}

// --- notes ----------------------------------------------------------------------------------

void Decider::note(DeciderNote n) {
  if (notes_.size() >= options_.max_notes) {
    ++stats_.notes_dropped;
    return;
  }
  notes_.push_back(std::move(n));
}

void Decider::close_notes(core::TimeNs now, bool all) {
  if (!notes_pending_) return;
  notes_pending_ = false;
  next_note_due_ = 0;
  for (auto& [rule, s] : caps_) {
    if (!s.in_period) continue;
    if (all || now >= s.period_start + kMinute) {
      std::uint32_t limit = options_.max_per_minute;
      if (auto o = options_.max_per_minute_by_rule.find(rule);
          o != options_.max_per_minute_by_rule.end()) {
        limit = o->second;
      }
      note(DeciderNote{s.last_suppressed, "rule_cap", rule,
                       "rule " + rule + " reached its cap of " + std::to_string(limit) +
                           " decisions per minute; " + std::to_string(s.suppressed) + " suppressed",
                       s.suppressed});
      s.in_period = false;
      s.suppressed = 0;
    } else {
      core::TimeNs due = s.period_start + kMinute;
      if (!notes_pending_ || due < next_note_due_) next_note_due_ = due;
      notes_pending_ = true;
    }
  }
  // Rules without a cap any more and nothing pending take no memory.
  for (auto it = caps_.begin(); it != caps_.end();) {
    if (!it->second.in_period && it->second.admitted.empty()) {
      it = caps_.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<DeciderNote> Decider::take_notes(core::TimeNs now) {
  if (notes_pending_ && now >= next_note_due_) close_notes(now, false);
  return std::exchange(notes_, {});
}

std::vector<DeciderNote> Decider::take_all_notes() {
  close_notes(0, true);
  return std::exchange(notes_, {});
}

// --- queries --------------------------------------------------------------------------------

bool Decider::is_active(const std::string& key, core::TimeNs now) const {
  auto it = active_.find(key);
  return it != active_.end() && it->second.expiry > now;
}

std::vector<std::string> Decider::active_allowlisted() const {
  std::vector<std::string> keys;
  for (const auto& [key, a] : active_) {
    if (!a.net) continue;
    if (allow_.find_intersecting(*a.net) != nullptr) keys.push_back(key);
  }
  return keys;
}

void Decider::sync_sizes() {
  stats_.active = active_.size();
  stats_.history = history_.size();
  stats_.tracked_prefixes = tracked_.size();
}

}  // namespace bannin::decide
