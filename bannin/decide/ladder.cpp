#include <algorithm>
#include <cstdio>
#include <ctime>

#include <bannin/decide/ladder.h>

namespace bannin::decide {

namespace {

constexpr core::TimeNs kMinute = 60 * core::kNsPerSec;

// "15 minutes" / "15分", "2 hours" / "2時間".
std::string span_text(core::TimeNs t, bool ja) {
  const long long minutes = std::max<long long>(1, t / kMinute);
  char buf[48];
  if (minutes % 60 == 0) {
    const long long h = minutes / 60;
    std::snprintf(buf, sizeof buf, ja ? "%lld時間" : (h == 1 ? "%lld hour" : "%lld hours"), h);
  } else {
    std::snprintf(buf, sizeof buf, ja ? "%lld分" : (minutes == 1 ? "%lld minute" : "%lld minutes"),
                  minutes);
  }
  return buf;
}

// "2026-12-07 05:40 UTC" (event time).
std::string clock_text(core::TimeNs ts) {
  const std::time_t secs = static_cast<std::time_t>(ts / core::kNsPerSec);
  std::tm tmv{};
  gmtime_r(&secs, &tmv);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tmv);
  return buf;
}

// What a step does, for people.
std::string step_text(LadderStep s, const Decision& d, bool ja) {
  switch (s) {
    case LadderStep::Notice:
      return ja ? "通知のみ（制限なし）" : "a notice only (nothing contained)";
    case LadderStep::Path:
      return ja ? "フォーム " + d.vhost + d.path + " の制限"
                : "containing the form " + d.vhost + d.path;
    case LadderStep::Vhost:
      return ja ? "サイト " + d.vhost + " 全体の制限" : "containing the whole site " + d.vhost;
    case LadderStep::Suspend:
      return ja ? "アカウントの一時停止（管理パネル経由）"
                : "suspending the account (through the hosting panel)";
  }
  return "";
}

}  // namespace

const char* ladder_step_name(LadderStep s) noexcept {
  switch (s) {
    case LadderStep::Notice:
      return "notice";
    case LadderStep::Path:
      return "path";
    case LadderStep::Vhost:
      return "vhost";
    case LadderStep::Suspend:
      return "suspend";
  }
  return "path";
}

bool parse_ladder_step(std::string_view text, LadderStep& out) noexcept {
  for (auto s : {LadderStep::Notice, LadderStep::Path, LadderStep::Vhost, LadderStep::Suspend}) {
    if (text == ladder_step_name(s)) {
      out = s;
      return true;
    }
  }
  return false;
}

std::vector<std::string> check_options(const LadderOptions& o) {
  std::vector<std::string> problems;
  if (o.steps.empty()) problems.emplace_back("decide.ladder.steps must name at least one step");
  for (std::size_t i = 1; i < o.steps.size(); ++i) {
    if (o.steps[i] <= o.steps[i - 1]) {
      problems.emplace_back(
          "decide.ladder.steps must go from the mildest to the hardest (notice, path, vhost, "
          "suspend), each at most once");
      break;
    }
  }
  if (o.step_time <= 0) problems.emplace_back("decide.ladder.step_time must be > 0");
  if (o.warn_lead <= 0) problems.emplace_back("decide.ladder.warn_lead must be > 0");
  if (o.reset_after <= o.step_time) {
    problems.emplace_back("decide.ladder.reset_after must be longer than step_time");
  }
  return problems;
}

Ladder::Ladder(LadderOptions options) : options_(std::move(options)) {
  if (options_.steps.empty()) options_.steps = {LadderStep::Path};
}

bool Ladder::applies(const Decision& d) noexcept {
  return (d.scope == "vhost_path" || d.scope == "vhost") &&
         (d.action == "deny" || d.action == "deny_foreign");
}

std::string Ladder::account(const Decision& d) const {
  std::string a = options_.account_of ? options_.account_of(d.vhost) : std::string();
  return a.empty() ? d.vhost : a;
}

LadderStep Ladder::step_of(std::string_view account) const {
  if (auto p = options_.pinned.find(account); p != options_.pinned.end()) return p->second;
  if (options_.exempt.count(account) != 0) return LadderStep::Notice;
  auto it = accounts_.find(std::string(account));
  const std::size_t i = it == accounts_.end() ? 0 : it->second.step;
  return options_.steps[std::min(i, options_.steps.size() - 1)];
}

void Ladder::touch(State& s) {
  recency_.splice(recency_.end(), recency_, s.recency);
}

void Ladder::apply(Decision& d, std::vector<Decision>& warnings) {
  if (!options_.enabled || !applies(d)) return;
  ++stats_.contained;
  const std::string who = account(d);
  if (auto p = options_.pinned.find(who); p != options_.pinned.end()) {
    rewrite(d, p->second, who);
    return;
  }
  if (options_.exempt.count(who) != 0) {
    rewrite(d, LadderStep::Notice, who);
    return;
  }
  auto it = accounts_.find(who);
  if (it == accounts_.end()) {
    if (accounts_.size() >= options_.max_accounts && !recency_.empty()) {
      accounts_.erase(recency_.front());
      recency_.pop_front();
      ++stats_.evicted;
    }
    State s;
    s.since = d.ts;
    s.recency = recency_.insert(recency_.end(), who);
    it = accounts_.emplace(who, s).first;
  } else {
    State& s = it->second;
    touch(s);
    if (d.ts - s.last > options_.reset_after) {
      // Quiet long enough: the account starts over.
      s.step = 0;
      s.since = d.ts;
      s.warned_at = 0;
      ++stats_.resets;
    } else if (s.step + 1 < options_.steps.size() && d.ts - s.since >= options_.step_time) {
      // The current step had its time and the harm goes on: announce the next step, and take
      // it only at a finding at least warn_lead after the announcement.
      if (s.warned_at == 0) {
        s.warned_at = d.ts;
        ++stats_.warnings;
        warnings.push_back(warning(d, options_.steps[s.step + 1], who));
      } else if (d.ts - s.warned_at >= options_.warn_lead) {
        ++s.step;
        s.since = d.ts;
        s.warned_at = 0;
        ++stats_.escalations;
      }
    }
  }
  it->second.last = d.ts;
  stats_.accounts = accounts_.size();
  rewrite(d, options_.steps[std::min(it->second.step, options_.steps.size() - 1)], who);
}

void Ladder::rewrite(Decision& d, LadderStep step, const std::string& who) {
  const std::string where = d.vhost + d.path;
  switch (step) {
    case LadderStep::Notice:
      d.action = "notify_only";
      ++stats_.notice_only;
      d.reason += " [account " + who + ": notice only, nothing contained]";
      if (!d.reason_ja.empty()) d.reason_ja += "［アカウント " + who + "：通知のみ、制限なし］";
      return;
    case LadderStep::Path:
      return;  // the rule's own decision
    case LadderStep::Vhost:
      d.scope = "vhost";
      d.path.clear();
      d.reason += " [escalated: the abuse went on, so the whole site " + d.vhost +
                  " is contained the same way (account " + who + ")]";
      if (!d.reason_ja.empty()) {
        d.reason_ja += "［段階を上げました：被害が続いたため、サイト " + d.vhost +
                       " 全体に同じ制限をかけます（アカウント " + who + "）］";
      }
      return;
    case LadderStep::Suspend:
      d.action = "suspend";
      d.scope = "vhost";
      d.path.clear();
      d.method.clear();
      d.except_countries.clear();
      d.reason = "Account " + who + " (site " + d.vhost + "): the abuse of " + where +
                 " went on after the whole site was contained; the account is suspended "
                 "through the hosting panel. Clean the site and ask for it to be lifted.";
      d.reason_ja = "アカウント " + who + "（サイト " + d.vhost + "）：サイト全体を制限した後も " +
                    where +
                    " への不正利用が続いたため、管理パネル経由でアカウントを一時停止します。"
                    "サイトを修復してから解除を依頼してください。";
      return;
  }
}

Decision Ladder::warning(const Decision& d, LadderStep next, const std::string& who) const {
  Decision w;
  w.ts = d.ts;
  w.rule = d.rule;
  w.origin = d.origin;
  w.action = "notify_only";
  w.warning = true;
  w.scope = "vhost";
  w.vhost = d.vhost;
  w.ttl = options_.warn_lead;
  const auto it = accounts_.find(who);
  const LadderStep now = options_.steps[it == accounts_.end() ? 0 : it->second.step];
  const core::TimeNs since = it == accounts_.end() ? d.ts : it->second.since;
  const core::TimeNs at = d.ts + options_.warn_lead;
  w.reason = "Warning for account " + who + ": the abuse of " + d.vhost + d.path +
             " goes on although " + step_text(now, d, false) + " has been in force since " +
             clock_text(since) + ". Unless it stops, the next step is " +
             step_text(next, d, false) + ", not before " + clock_text(at) + " (in " +
             span_text(options_.warn_lead, false) + ").";
  w.reason_ja = "アカウント " + who + " への警告：" + clock_text(since) + " から" +
                step_text(now, d, true) + "を行っていますが、" + d.vhost + d.path +
                " への不正利用が続いています。止まらない場合、" + clock_text(at) + "（" +
                span_text(options_.warn_lead, true) + "後）以降に次の段階（" +
                step_text(next, d, true) + "）に進みます。";
  return w;
}

void Ladder::set_options(LadderOptions options) {
  options_ = std::move(options);
  if (options_.steps.empty()) options_.steps = {LadderStep::Path};
  for (auto& [k, s] : accounts_) s.step = std::min(s.step, options_.steps.size() - 1);
}

}  // namespace bannin::decide
